"""What the skill says and when the microphone stays open.

Handlers call one function here per situation. Each function picks words from
the content layer and decides the shape of the turn:

* a one-shot question ("Alexa, ask bedtime magnesium when to take it") opens a
  new session: answer and close it, no open microphone at bedtime;
* inside a conversation: answer, then offer one next topic and keep listening.

Only plain strings go into session attributes, so they survive any serializer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response
from ask_sdk_model.dialog import ElicitSlotDirective
from ask_sdk_model.ui import SimpleCard

from skill.content import Answer, load_content
from skill.speech import to_ssml

# Session attribute keys (values are plain strings or lists of strings).
LAST_TOPIC = "last_topic"
OFFERED_TOPIC = "offered_topic"
LAST_REPLY = "last_reply"

BENEFIT_INTENT = "BenefitDetailIntent"
BENEFIT_SLOT = "benefit"
NONE = IntentConfirmationStatus.NONE


@dataclass(frozen=True)
class Reply:
    """One turn: what to say, what to ask if the person stays quiet, and a card."""

    speech: tuple[str, ...]
    reprompt: str | None = None
    card_title: str | None = None
    card_text: str | None = None

    @property
    def ends_session(self) -> bool:
        return self.reprompt is None


def _session(handler_input: HandlerInput) -> dict[str, Any]:
    """Session attributes, or a scratch dict for requests that arrive outside a session."""
    if handler_input.request_envelope.session is None:
        return {}
    attributes: dict[str, Any] | None = handler_input.attributes_manager.session_attributes
    if attributes is None:
        attributes = {}
        handler_input.attributes_manager.session_attributes = attributes
    return attributes


def is_one_shot(handler_input: HandlerInput) -> bool:
    """True when this request opened the session (the "ask ... when to take it" form)."""
    session = handler_input.request_envelope.session
    return session is None or bool(session.new)


def render(handler_input: HandlerInput, reply: Reply, *, remember: bool = True) -> Response:
    """Build the SDK response for a reply and remember it for "repeat that"."""
    builder = handler_input.response_builder
    builder.speak(to_ssml(reply.speech))
    if reply.card_title and reply.card_text:
        builder.set_card(SimpleCard(title=reply.card_title, content=reply.card_text))
    if reply.ends_session:
        builder.set_should_end_session(True)
    else:
        builder.ask(to_ssml([reply.reprompt or ""]))
        if remember:
            _session(handler_input)[LAST_REPLY] = {
                "speech": list(reply.speech),
                "reprompt": reply.reprompt,
                "card_title": reply.card_title,
                "card_text": reply.card_text,
            }
    response: Response = builder.response
    return response


def _offer_next(handler_input: HandlerInput, answer: Answer, said: str) -> Response:
    content = load_content()
    offer = content.answer(answer.next).offer
    session = _session(handler_input)
    session[LAST_TOPIC] = answer.topic
    session[OFFERED_TOPIC] = answer.next
    return render(
        handler_input,
        Reply(
            speech=(said, offer),
            reprompt=offer,
            card_title=answer.card_title,
            card_text=answer.card_text,
        ),
    )


def answer(handler_input: HandlerInput, topic: str) -> Response:
    """Speak one topic: closed after a one-shot question, an offer inside a conversation."""
    chosen = load_content().answer(topic)
    if is_one_shot(handler_input):
        return render(
            handler_input,
            Reply(
                speech=(chosen.speech,), card_title=chosen.card_title, card_text=chosen.card_text
            ),
        )
    return _offer_next(handler_input, chosen, chosen.speech)


def choose_benefit(handler_input: HandlerInput) -> Response:
    """An empty or unknown benefit: list the benefits (and ask which, in a conversation)."""
    content = load_content()
    overview = content.answer("how_it_helps")
    if is_one_shot(handler_input):
        return render(
            handler_input,
            Reply(
                speech=(overview.speech,),
                card_title=overview.card_title,
                card_text=overview.card_text,
            ),
        )
    session = _session(handler_input)
    session[LAST_TOPIC] = overview.topic
    session.pop(OFFERED_TOPIC, None)
    which = content.prompts.which_benefit
    # Ask Alexa to listen for the slot, so a bare "sleep" fills it (dialog model).
    handler_input.response_builder.add_directive(
        ElicitSlotDirective(
            updated_intent=Intent(name=BENEFIT_INTENT, confirmation_status=NONE),
            slot_to_elicit=BENEFIT_SLOT,
        )
    )
    return render(
        handler_input,
        Reply(
            speech=(overview.speech, which),
            reprompt=which,
            card_title=overview.card_title,
            card_text=overview.card_text,
        ),
    )


def tell_more(handler_input: HandlerInput) -> Response:
    """The follow-up of the last topic, then the usual offer."""
    content = load_content()
    topic = _session(handler_input).get(LAST_TOPIC)
    if topic not in content.answers:
        return help_prompt(handler_input)
    chosen = content.answer(topic)
    return _offer_next(handler_input, chosen, chosen.more or content.prompts.no_more)


def accept_offer(handler_input: HandlerInput) -> Response:
    """ "Yes" takes the topic just offered; with nothing offered, ask what they'd like."""
    content = load_content()
    topic = _session(handler_input).get(OFFERED_TOPIC)
    if topic not in content.answers:
        return ask_what_next(handler_input)
    chosen = content.answer(topic)
    return _offer_next(handler_input, chosen, chosen.speech)


def repeat(handler_input: HandlerInput) -> Response:
    """Say the last reply again, keeping the same offer."""
    last = _session(handler_input).get(LAST_REPLY)
    if not isinstance(last, dict) or not last.get("speech"):
        prompts = load_content().prompts
        return render(
            handler_input,
            Reply(speech=(prompts.nothing_yet, prompts.help), reprompt=prompts.help_reprompt),
        )
    return render(
        handler_input,
        Reply(
            speech=tuple(str(part) for part in last["speech"]),
            reprompt=str(last.get("reprompt") or load_content().prompts.help_reprompt),
            card_title=last.get("card_title"),
            card_text=last.get("card_text"),
        ),
    )


def welcome(handler_input: HandlerInput) -> Response:
    """Launch and start over: name, disclaimer, two suggestions."""
    prompts = load_content().prompts
    session = _session(handler_input)
    session.pop(LAST_TOPIC, None)
    session.pop(OFFERED_TOPIC, None)
    return render(
        handler_input,
        Reply(
            speech=(prompts.welcome, prompts.disclaimer, prompts.suggest),
            reprompt=prompts.welcome_reprompt,
        ),
    )


def help_prompt(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(
        handler_input, Reply(speech=(prompts.help, prompts.help_reprompt), reprompt=prompts.help)
    )


def ask_what_next(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(handler_input, Reply(speech=(prompts.ask_next,), reprompt=prompts.help_reprompt))


def goodbye(handler_input: HandlerInput) -> Response:
    """Stop, cancel and "no": a short goodnight, session closed."""
    return render(handler_input, Reply(speech=(load_content().prompts.goodbye,)))


def fallback(handler_input: HandlerInput) -> Response:
    """Out-of-scope speech: redirect gently and keep listening."""
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.fallback,), reprompt=prompts.fallback_reprompt),
        remember=False,
    )


def apology(handler_input: HandlerInput) -> Response:
    """The fixed reply when something failed: never the exception's text."""
    prompts = load_content().prompts
    if is_one_shot(handler_input):
        return render(handler_input, Reply(speech=(prompts.error,)))
    return render(
        handler_input,
        Reply(speech=(prompts.error,), reprompt=prompts.error_reprompt),
        remember=False,
    )


def silence(handler_input: HandlerInput) -> Response:
    """SessionEndedRequest: Alexa ignores any speech, so send none."""
    response: Response = handler_input.response_builder.response
    return response
