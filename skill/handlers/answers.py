"""Handlers for questions about the article, and Alexa's "could you answer this?"."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill import alexa, conversation
from skill.content import load_content
from skill.handlers.base import IntentHandler
from skill.names import Intent, RequestType
from skill.ports import Ports
from skill.replies import Reply
from skill.turn import Session, Turn

# Each article-answer intent and the content topic it speaks.
ANSWER_FOR_INTENT: dict[str, str] = {
    Intent.WHAT_IS: "what_is",
    Intent.WHY_GLYCINATE: "why_glycinate",
    Intent.BENEFITS: "how_it_helps",
    Intent.FORMS: "forms",
    Intent.DOSAGE: "dosage",
    Intent.TIMING: "timing",
    Intent.HYDRATION: "hydration",
    Intent.SAFETY: "safety",
    Intent.SUMMARY: "summary",
    Intent.CAUSES: "causes",
    Intent.NATURAL: "natural",
    Intent.MAGNESIUM_ROLE: "magnesium_role",
    Intent.EVERY_NIGHT: "every_night",
    Intent.RELAX: "relax",
    # What the article doesn't say, said honestly.
    Intent.SIDE_EFFECTS: "side_effects",
    Intent.CHILDREN: "children",
    Intent.PREGNANCY: "pregnancy",
    Intent.INTERACTIONS: "interactions",
    Intent.TOO_MUCH: "too_much",
    Intent.HOW_SOON: "how_soon",
    Intent.HOW_LONG: "how_long",
    Intent.WHERE_TO_BUY: "where_to_buy",
}

# Intents Alexa may send here without the skill's name: the article's own answers
# (topics it can offer), never what it doesn't cover, settings or health statements.
ARTICLE_INTENTS = frozenset(
    {
        *(name for name, topic in ANSWER_FOR_INTENT.items() if load_content().answer(topic).offer),
        Intent.BENEFIT_DETAIL,
    }
)


def _answer_the_intent(turn: Turn, session: Session, ports: Ports) -> Reply:
    return conversation.answer(session, ports, ANSWER_FOR_INTENT[str(turn.intent)])


class ArticleAnswerHandler(IntentHandler):
    """One table-driven handler for every question answered by a single topic."""

    intent_names = frozenset(ANSWER_FOR_INTENT)

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, _answer_the_intent)


class CanFulfillHandler(AbstractRequestHandler):
    """Alexa asks whether the skill could answer an intent, before any session."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type(RequestType.CAN_FULFILL)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.answer_can_fulfill(handler_input, ARTICLE_INTENTS)
