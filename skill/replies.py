"""The reply kit: one `Reply` per turn, and `render`, the one place that decides the mic.

Features say *what* a turn contains; `render` alone decides whether the microphone
stays open, by one rule:

* a one-shot question ("Alexa, ask bedtime magnesium when to take it") opened its own
  session: say the answer and close it, no open microphone at bedtime, unless the
  reply asks something only the listener can answer (`question`: their bedtime, a
  yes/no), in which case the session stays one-shot until that is answered;
* inside a conversation: the answer, then its follow-up (an offer, "what next?", or a
  goodnight when everything has been heard), and keep listening while there is a
  reprompt.

Only plain strings go into session attributes, so they survive any serializer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, IntentRequest, LaunchRequest, Response
from ask_sdk_model.ui import SimpleCard

from skill import memory
from skill.content import load_content
from skill.names import SessionKey, Voice
from skill.speech import to_ssml


@dataclass(frozen=True)
class Reply:
    """One turn: what is said, what follows if we keep listening, a card, what "yes" means."""

    speech: tuple[str, ...]
    follow_up: tuple[str, ...] = ()  # said only when the conversation goes on
    reprompt: str | None = None  # None: the session ends
    question: bool = False  # asks what only the listener can answer: open even after a one-shot
    card_title: str | None = None
    card_text: str | None = None
    offer: str | None = None  # the topic "yes" will take
    pending: str | None = None  # the action "yes" will confirm
    elicit: tuple[str, str] | None = None  # (intent, slot) Alexa should listen for next
    remember: bool = True  # kept for "repeat that"
    misses: int = 0  # consecutive turns not understood, this one included (0: understood)


def session_attributes(handler_input: HandlerInput) -> dict[str, Any]:
    """Session attributes, or a scratch dict for requests that arrive outside a session."""
    if handler_input.request_envelope.session is None:
        return {}
    attributes: dict[str, Any] | None = handler_input.attributes_manager.session_attributes
    if attributes is None:
        attributes = {}
        handler_input.attributes_manager.session_attributes = attributes
    return attributes


def is_one_shot(handler_input: HandlerInput) -> bool:
    """True for a question that opened its own session ("ask ... when to take it").

    A one-shot that needed a follow-up question (bedtime, a yes/no) stays one-shot
    until it is answered, so the final answer still closes the microphone.
    """
    envelope = handler_input.request_envelope
    if isinstance(envelope.request, LaunchRequest):
        return False
    if envelope.session is None or not isinstance(envelope.request, IntentRequest):
        return True  # e.g. Alexa's answer to a permission request: say it and close
    return (
        bool(envelope.session.new)
        or session_attributes(handler_input).get(SessionKey.ONE_SHOT) is True
    )


def voice(handler_input: HandlerInput) -> str:
    """The listener's voice preference: this session's, else their stored one if it was
    read for this request anyway (a session copies it in when it opens), else normal."""
    chosen = session_attributes(handler_input).get(SessionKey.VOICE)
    if chosen in (Voice.NORMAL, Voice.QUIET):
        return str(chosen)
    record = memory.memory_of(handler_input).loaded_record
    return record.voice if record is not None else Voice.NORMAL


def render(handler_input: HandlerInput, reply: Reply) -> Response:
    """Build the SDK response for a reply: the one place the microphone is decided."""
    one_shot = is_one_shot(handler_input)
    listening = reply.reprompt is not None and (reply.question or not one_shot)
    quiet = voice(handler_input) == Voice.QUIET
    in_conversation = listening or not one_shot
    speech = (*reply.speech, *reply.follow_up) if in_conversation else reply.speech
    builder = handler_input.response_builder
    builder.speak(to_ssml(speech, quiet=quiet))
    if reply.card_title and reply.card_text:
        builder.set_card(SimpleCard(title=reply.card_title, content=reply.card_text))
    session = session_attributes(handler_input)
    offer, pending = (reply.offer, reply.pending) if listening else (None, None)
    eliciting = ".".join(reply.elicit) if listening and reply.elicit else None
    for key, value in (
        (SessionKey.OFFERED_TOPIC, offer),
        (SessionKey.PENDING, pending),
        (SessionKey.ELICITING, eliciting),
        (SessionKey.MISSES, reply.misses if listening else 0),
    ):
        if value:
            session[key] = value
        else:
            session.pop(key, None)
    if not listening:
        builder.set_should_end_session(True)
    else:
        if one_shot:
            session[SessionKey.ONE_SHOT] = True
        if reply.elicit is not None:
            _elicit_slot(handler_input, *reply.elicit)
        builder.ask(to_ssml([reply.reprompt or ""], quiet=quiet))
        if reply.remember:
            # Compact on purpose: the SDK deep-copies session attributes on every request.
            session[SessionKey.LAST_REPLY] = [reply.reprompt, *speech]
    response: Response = builder.response
    return response


def stored_reply(handler_input: HandlerInput) -> Reply | None:
    """The last reply that kept listening, if still well-formed (attributes come from outside).

    Its offer or pending yes/no is whatever the session still holds, so "repeat that"
    keeps the question it repeats answerable.
    """
    session = session_attributes(handler_input)
    last = session.get(SessionKey.LAST_REPLY)
    if not isinstance(last, list) or len(last) < 2:
        return None
    if not all(isinstance(part, str) and part for part in last):
        return None
    offer, pending = session.get(SessionKey.OFFERED_TOPIC), session.get(SessionKey.PENDING)
    return Reply(
        speech=tuple(last[1:]),
        reprompt=last[0],
        question=True,
        offer=offer if isinstance(offer, str) else None,
        pending=pending if isinstance(pending, str) else None,
    )


def pending_action(handler_input: HandlerInput) -> str | None:
    """The action a "yes" or "no" would answer right now, if any."""
    pending = session_attributes(handler_input).get(SessionKey.PENDING)
    return pending if isinstance(pending, str) and pending else None


def then_ask_next(
    said: str, *, card_title: str | None = None, card_text: str | None = None
) -> Reply:
    """Something short, then "what next?" if the conversation goes on."""
    prompts = load_content().prompts
    return Reply(
        speech=(said,),
        follow_up=(prompts.ask_next,),
        reprompt=prompts.help_reprompt,
        card_title=card_title,
        card_text=card_text,
    )


def _elicit_slot(handler_input: HandlerInput, intent_name: str, slot_name: str) -> None:
    """Ask Alexa to listen for one slot's value next (needs the intent in the dialog model)."""
    from ask_sdk_model.dialog import ElicitSlotDirective  # rare; kept off the cold start

    handler_input.response_builder.add_directive(
        ElicitSlotDirective(
            updated_intent=Intent(
                name=intent_name, confirmation_status=IntentConfirmationStatus.NONE
            ),
            slot_to_elicit=slot_name,
        )
    )
