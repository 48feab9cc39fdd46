"""Handlers for questions about the article, and the turns that follow an answer."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_slot, is_request_type
from ask_sdk_model import Response

from skill import conversation, discovery
from skill.content import load_content
from skill.handlers.base import IntentHandler
from skill.names import Benefit, Intent, RequestType, Slot

logger = logging.getLogger(__name__)

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

# Slot value ids (BenefitType in the interaction model) are content topics.
ER_SUCCESS_MATCH = "ER_SUCCESS_MATCH"  # compared by value: keeps the SDK's ER enums off cold start
BENEFIT_TOPICS = frozenset(Benefit)


class ArticleAnswerHandler(IntentHandler):
    """One table-driven handler for every question answered by a single topic."""

    intent_names = frozenset(ANSWER_FOR_INTENT)

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.answer(
            handler_input, ANSWER_FOR_INTENT[str(get_intent_name(handler_input))]
        )


def resolved_benefit(handler_input: HandlerInput) -> str | None:
    """The benefit topic Alexa resolved the slot to, or None if empty or unmatched."""
    return resolved_topic(handler_input, Slot.BENEFIT, BENEFIT_TOPICS)


def resolved_topic(
    handler_input: HandlerInput, slot_name: str, topics: frozenset[str]
) -> str | None:
    """The content topic Alexa resolved a slot to, or None if empty or not one of `topics`."""
    slot = get_slot(handler_input, slot_name)
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if getattr(status, "value", None) != ER_SUCCESS_MATCH:
            continue
        for wrapper in getattr(authority, "values", None) or []:
            topic = getattr(getattr(wrapper, "value", None), "id", None)
            if isinstance(topic, str) and topic in topics:
                return topic
    if getattr(slot, "value", None):
        # Never the words themselves: they are what the listener said.
        logger.info("%s slot value did not resolve", slot_name)
    return None


class BenefitDetailHandler(IntentHandler):
    """One of the four benefits; an empty or unknown one gets the list of all four."""

    intent_names = frozenset({Intent.BENEFIT_DETAIL})

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = resolved_benefit(handler_input)
        if topic is None:
            return conversation.choose_benefit(handler_input)
        return conversation.answer(handler_input, topic)


class TopicHandler(IntentHandler):
    """ "Tell me about {topic}": the article answer whose key the topic resolved to
    (TopicType ids are content topics); an unknown topic is a miss."""

    intent_names = frozenset({Intent.TOPIC})

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = resolved_topic(handler_input, Slot.TOPIC, frozenset(load_content().answers))
        if topic is None:
            return conversation.fallback(handler_input)
        return conversation.answer(handler_input, topic)


class CanFulfillHandler(AbstractRequestHandler):
    """Alexa asks whether the skill could answer an intent, before any session."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type(RequestType.CAN_FULFILL)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return discovery.can_fulfill(handler_input, ARTICLE_INTENTS)
