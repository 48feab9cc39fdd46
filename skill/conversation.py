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
from ask_sdk_model import (
    Intent,
    IntentConfirmationStatus,
    IntentRequest,
    LaunchRequest,
    Response,
)
from ask_sdk_model.ui import SimpleCard

from skill import memory
from skill.content import Answer, load_content
from skill.speech import to_ssml

# Session attribute keys (values are plain strings, booleans or lists of strings).
LAST_TOPIC = "last_topic"
OFFERED_TOPIC = "offered_topic"
PENDING = "pending"  # an action waiting for yes/no, e.g. "forget"
LAST_REPLY = "last_reply"  # [reprompt, *speech] of the last reply that kept listening
VOICE = "voice"
RETURNING = "returning"
ONE_SHOT = "one_shot"  # set while a one-shot question waits for a follow-up answer

BENEFIT_INTENT = "BenefitDetailIntent"
BENEFIT_SLOT = "benefit"
NONE = IntentConfirmationStatus.NONE

# What a returning listener is offered first, if they have not heard it yet.
WELCOME_BACK_ORDER = ("timing", "dosage", "why_glycinate", "how_it_helps", "hydration", "safety")


@dataclass(frozen=True)
class Reply:
    """One turn: words, the reprompt if we keep listening, a card, and what "yes" means next."""

    speech: tuple[str, ...]
    reprompt: str | None = None
    card_title: str | None = None
    card_text: str | None = None
    offer: str | None = None  # the topic "yes" will take
    pending: str | None = None  # the action "yes" will confirm

    @property
    def ends_session(self) -> bool:
        return self.reprompt is None


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
    return bool(envelope.session.new) or session_attributes(handler_input).get(ONE_SHOT) is True


def voice(handler_input: HandlerInput) -> str:
    """The listener's voice preference: this session's, else their stored one if it was
    read for this request anyway (a session copies it in when it opens), else normal."""
    chosen = session_attributes(handler_input).get(VOICE)
    if chosen in (memory.NORMAL, memory.QUIET):
        return str(chosen)
    record = memory.memory_of(handler_input).loaded_record
    return record.voice if record is not None else memory.NORMAL


def render(handler_input: HandlerInput, reply: Reply, *, remember: bool = True) -> Response:
    """Build the SDK response for a reply; remember it for "repeat that"."""
    quiet = voice(handler_input) == memory.QUIET
    builder = handler_input.response_builder
    builder.speak(to_ssml(reply.speech, quiet=quiet))
    if reply.card_title and reply.card_text:
        builder.set_card(SimpleCard(title=reply.card_title, content=reply.card_text))
    session = session_attributes(handler_input)
    for key, value in ((OFFERED_TOPIC, reply.offer), (PENDING, reply.pending)):
        if value:
            session[key] = value
        else:
            session.pop(key, None)
    if reply.ends_session:
        builder.set_should_end_session(True)
    else:
        if is_one_shot(handler_input):
            session[ONE_SHOT] = True
        builder.ask(to_ssml([reply.reprompt or ""], quiet=quiet))
        if remember:
            # Compact on purpose: the SDK deep-copies session attributes on every request.
            session[LAST_REPLY] = [reply.reprompt, *reply.speech]
    response: Response = builder.response
    return response


def _heard(handler_input: HandlerInput, topic: str) -> None:
    session_attributes(handler_input)[LAST_TOPIC] = topic
    memory.memory_of(handler_input).note_heard(topic)


def _offer_next(handler_input: HandlerInput, answer: Answer, said: str) -> Response:
    offer = load_content().answer(answer.next).offer
    _heard(handler_input, answer.topic)
    return render(
        handler_input,
        Reply(
            speech=(said, offer),
            reprompt=offer,
            card_title=answer.card_title,
            card_text=answer.card_text,
            offer=answer.next,
        ),
    )


def answer(handler_input: HandlerInput, topic: str) -> Response:
    """Speak one topic: closed after a one-shot question, an offer inside a conversation."""
    chosen = load_content().answer(topic)
    if is_one_shot(handler_input):
        _heard(handler_input, topic)
        return render(
            handler_input,
            Reply(
                speech=(chosen.speech,), card_title=chosen.card_title, card_text=chosen.card_text
            ),
        )
    return _offer_next(handler_input, chosen, chosen.speech)


def elicit_slot(handler_input: HandlerInput, intent_name: str, slot_name: str) -> None:
    """Ask Alexa to listen for one slot's value next (needs the intent in the dialog model)."""
    from ask_sdk_model.dialog import ElicitSlotDirective  # rare; kept off the cold start

    handler_input.response_builder.add_directive(
        ElicitSlotDirective(
            updated_intent=Intent(name=intent_name, confirmation_status=NONE),
            slot_to_elicit=slot_name,
        )
    )


def choose_benefit(handler_input: HandlerInput) -> Response:
    """An empty or unknown benefit: list the benefits (and ask which, in a conversation)."""
    content = load_content()
    overview = content.answer("how_it_helps")
    _heard(handler_input, overview.topic)
    if is_one_shot(handler_input):
        return render(
            handler_input,
            Reply(
                speech=(overview.speech,),
                card_title=overview.card_title,
                card_text=overview.card_text,
            ),
        )
    which = content.prompts.which_benefit
    # Ask Alexa to listen for the slot, so a bare "sleep" fills it (dialog model).
    elicit_slot(handler_input, BENEFIT_INTENT, BENEFIT_SLOT)
    return render(
        handler_input,
        Reply(
            speech=(overview.speech, which),
            reprompt=which,
            card_title=overview.card_title,
            card_text=overview.card_text,
        ),
    )


def _topic_in_session(handler_input: HandlerInput, key: str) -> str | None:
    """A topic stored in the session, if it still names one (attributes come from outside)."""
    topic = session_attributes(handler_input).get(key)
    return topic if isinstance(topic, str) and topic in load_content().answers else None


def tell_more(handler_input: HandlerInput) -> Response:
    """The follow-up of the last topic, then the usual offer."""
    content = load_content()
    topic = _topic_in_session(handler_input, LAST_TOPIC)
    if topic is None:
        return help_prompt(handler_input)
    chosen = content.answer(topic)
    return _offer_next(handler_input, chosen, chosen.more or content.prompts.no_more)


def accept_offer(handler_input: HandlerInput) -> Response:
    """ "Yes" takes the topic just offered; with nothing offered, ask what they'd like."""
    content = load_content()
    topic = _topic_in_session(handler_input, OFFERED_TOPIC)
    if topic is None:
        return ask_what_next(handler_input)
    chosen = content.answer(topic)
    return _offer_next(handler_input, chosen, chosen.speech)


def pending_action(handler_input: HandlerInput) -> str | None:
    """The action a "yes" or "no" would answer right now, if any."""
    pending = session_attributes(handler_input).get(PENDING)
    return pending if isinstance(pending, str) and pending else None


def _stored_reply(handler_input: HandlerInput) -> Reply | None:
    """The last reply from the session, if still well-formed (attributes come from outside).

    Its offer or pending yes/no is whatever the session still holds, so "repeat that"
    keeps the question it repeats answerable.
    """
    session = session_attributes(handler_input)
    last = session.get(LAST_REPLY)
    if not isinstance(last, list) or len(last) < 2:
        return None
    if not all(isinstance(part, str) and part for part in last):
        return None
    offer, pending = session.get(OFFERED_TOPIC), session.get(PENDING)
    return Reply(
        speech=tuple(last[1:]),
        reprompt=last[0],
        offer=offer if isinstance(offer, str) else None,
        pending=pending if isinstance(pending, str) else None,
    )


def repeat(handler_input: HandlerInput) -> Response:
    """Say the last reply again, keeping the same offer."""
    last = _stored_reply(handler_input)
    if last is None:
        prompts = load_content().prompts
        return render(
            handler_input,
            Reply(speech=(prompts.nothing_yet, prompts.help), reprompt=prompts.help_reprompt),
        )
    return render(handler_input, last)


def welcome(handler_input: HandlerInput) -> Response:
    """Launch and start over: the full welcome the first time, a short one after that."""
    content = load_content()
    prompts = content.prompts
    session = session_attributes(handler_input)
    session.pop(LAST_TOPIC, None)
    session.pop(ONE_SHOT, None)
    if session.get(RETURNING):
        heard = set(memory.memory_of(handler_input).record.topics_heard)
        unheard = [topic for topic in WELCOME_BACK_ORDER if topic not in heard]
        if unheard:
            offer = content.answer(unheard[0]).offer
            return render(
                handler_input,
                Reply(speech=(prompts.welcome_back, offer), reprompt=offer, offer=unheard[0]),
            )
        return render(
            handler_input,
            Reply(
                speech=(prompts.welcome_back, prompts.help_reprompt), reprompt=prompts.help_reprompt
            ),
        )
    return render(
        handler_input,
        Reply(
            speech=(prompts.welcome, prompts.disclaimer, prompts.suggest),
            reprompt=prompts.welcome_reprompt,
        ),
    )


def say_then_ask_next(
    handler_input: HandlerInput,
    said: str,
    *,
    card_title: str | None = None,
    card_text: str | None = None,
) -> Response:
    """Say something short; close after a one-shot, else ask what's next."""
    prompts = load_content().prompts
    if is_one_shot(handler_input):
        return render(
            handler_input, Reply(speech=(said,), card_title=card_title, card_text=card_text)
        )
    return render(
        handler_input,
        Reply(
            speech=(said, prompts.ask_next),
            reprompt=prompts.help_reprompt,
            card_title=card_title,
            card_text=card_text,
        ),
    )


def change_voice(handler_input: HandlerInput, chosen: str) -> Response:
    """Switch between the normal and the quiet voice, remembered across sessions."""
    session = session_attributes(handler_input)
    if chosen == memory.NORMAL:
        session.pop(VOICE, None)
    else:
        session[VOICE] = chosen
    memory.memory_of(handler_input).change(memory.set_voice(chosen))
    prompts = load_content().prompts
    return say_then_ask_next(
        handler_input, prompts.quiet_on if chosen == memory.QUIET else prompts.quiet_off
    )


def speak_quietly(handler_input: HandlerInput) -> Response:
    return change_voice(handler_input, memory.QUIET)


def speak_normally(handler_input: HandlerInput) -> Response:
    return change_voice(handler_input, memory.NORMAL)


def ask_to_forget(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.forget_confirm,), reprompt=prompts.forget_reprompt, pending="forget"),
    )


def forget(handler_input: HandlerInput, confirmed: bool) -> Response:
    """After "forget me": yes deletes everything stored for this listener, no keeps it."""
    prompts = load_content().prompts
    if not confirmed:
        return say_then_ask_next(handler_input, prompts.forget_kept)
    memory.memory_of(handler_input).forget()
    session = session_attributes(handler_input)
    for key in (VOICE, RETURNING, LAST_TOPIC, LAST_REPLY):
        session.pop(key, None)
    return render(handler_input, Reply(speech=(prompts.forgotten,)))


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
