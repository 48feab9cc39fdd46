"""The article conversation: answers, offers, "tell me more", "repeat that", help, goodbye.

Each function builds one `Reply` from the content layer and hands it to `render`,
which decides whether the microphone stays open.
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import memory
from skill.content import Answer, load_content
from skill.names import Intent, SessionKey, Slot
from skill.replies import Reply, render, session_attributes, stored_reply

logger = logging.getLogger(__name__)

# What a returning listener is offered first, if they have not heard it yet.
WELCOME_BACK_ORDER = ("timing", "dosage", "why_glycinate", "how_it_helps", "hydration", "safety")


def _heard(handler_input: HandlerInput, topic: str) -> None:
    session_attributes(handler_input)[SessionKey.LAST_TOPIC] = topic
    memory.memory_of(handler_input).note_heard(topic)


def _say_and_offer(handler_input: HandlerInput, answer: Answer, said: str) -> Response:
    """Say `said` for a topic; if the conversation goes on, offer the topic's next one."""
    offer = load_content().answer(answer.next).offer
    _heard(handler_input, answer.topic)
    return render(
        handler_input,
        Reply(
            speech=(said,),
            follow_up=(offer,),
            reprompt=offer,
            card_title=answer.card_title,
            card_text=answer.card_text,
            offer=answer.next,
        ),
    )


def answer(handler_input: HandlerInput, topic: str) -> Response:
    """Speak one topic: closed after a one-shot question, an offer inside a conversation."""
    chosen = load_content().answer(topic)
    return _say_and_offer(handler_input, chosen, chosen.speech)


def choose_benefit(handler_input: HandlerInput) -> Response:
    """An empty or unknown benefit: list the benefits (and ask which, in a conversation)."""
    content = load_content()
    overview = content.answer("how_it_helps")
    _heard(handler_input, overview.topic)
    which = content.prompts.which_benefit
    return render(
        handler_input,
        Reply(
            speech=(overview.speech,),
            follow_up=(which,),
            reprompt=which,
            card_title=overview.card_title,
            card_text=overview.card_text,
            # Alexa listens for the slot, so a bare "sleep" fills it (dialog model).
            elicit=(Intent.BENEFIT_DETAIL, Slot.BENEFIT),
        ),
    )


def _topic_in_session(handler_input: HandlerInput, key: str) -> str | None:
    """A topic stored in the session, if it still names one (attributes come from outside)."""
    topic = session_attributes(handler_input).get(key)
    return topic if isinstance(topic, str) and topic in load_content().answers else None


def tell_more(handler_input: HandlerInput) -> Response:
    """The follow-up of the last topic, then the usual offer."""
    content = load_content()
    topic = _topic_in_session(handler_input, SessionKey.LAST_TOPIC)
    if topic is None:
        return help_prompt(handler_input)
    chosen = content.answer(topic)
    return _say_and_offer(handler_input, chosen, chosen.more or content.prompts.no_more)


def accept_offer(handler_input: HandlerInput) -> Response:
    """ "Yes" takes the topic just offered; with nothing offered, ask what they'd like."""
    topic = _topic_in_session(handler_input, SessionKey.OFFERED_TOPIC)
    if topic is None:
        return ask_what_next(handler_input)
    chosen = load_content().answer(topic)
    return _say_and_offer(handler_input, chosen, chosen.speech)


def repeat(handler_input: HandlerInput) -> Response:
    """Say the last reply again, keeping the same offer."""
    last = stored_reply(handler_input)
    if last is None:
        prompts = load_content().prompts
        return render(
            handler_input,
            Reply(
                speech=(prompts.nothing_yet, prompts.help),
                reprompt=prompts.help_reprompt,
                question=True,
            ),
        )
    return render(handler_input, last)


def welcome(handler_input: HandlerInput) -> Response:
    """Launch and start over: the full welcome the first time, a short one after that."""
    content = load_content()
    prompts = content.prompts
    session = session_attributes(handler_input)
    session.pop(SessionKey.LAST_TOPIC, None)
    session.pop(SessionKey.ONE_SHOT, None)
    if session.get(SessionKey.RETURNING):
        heard = set(memory.memory_of(handler_input).record.topics_heard)
        unheard = [topic for topic in WELCOME_BACK_ORDER if topic not in heard]
        if unheard:
            offer = content.answer(unheard[0]).offer
            return render(
                handler_input,
                Reply(
                    speech=(prompts.welcome_back, offer),
                    reprompt=offer,
                    question=True,
                    offer=unheard[0],
                ),
            )
        return render(
            handler_input,
            Reply(
                speech=(prompts.welcome_back, prompts.help_reprompt),
                reprompt=prompts.help_reprompt,
                question=True,
            ),
        )
    return render(
        handler_input,
        Reply(
            speech=(prompts.welcome, prompts.disclaimer, prompts.suggest),
            reprompt=prompts.welcome_reprompt,
            question=True,
        ),
    )


def help_prompt(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.help, prompts.help_reprompt), reprompt=prompts.help, question=True),
    )


def ask_what_next(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.ask_next,), reprompt=prompts.help_reprompt, question=True),
    )


def goodbye(handler_input: HandlerInput) -> Response:
    """Stop, cancel and "no": a short goodnight, session closed."""
    return render(handler_input, Reply(speech=(load_content().prompts.goodbye,)))


def fallback(handler_input: HandlerInput) -> Response:
    """Out-of-scope speech: redirect gently and keep listening."""
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(
            speech=(prompts.fallback,),
            reprompt=prompts.fallback_reprompt,
            question=True,
            remember=False,
        ),
    )


def apology(handler_input: HandlerInput) -> Response:
    """The fixed reply when something failed: never the exception's text."""
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(speech=(prompts.error,), reprompt=prompts.error_reprompt, remember=False),
    )


def silence(handler_input: HandlerInput) -> Response:
    """SessionEndedRequest: Alexa ignores any speech, so send none.

    Reason ERROR is how Alexa reports that an earlier response of ours was invalid:
    log its type and message (no ids) at WARNING.
    """
    request = handler_input.request_envelope.request
    reason = getattr(getattr(request, "reason", None), "value", None)
    if reason == "ERROR":
        error = getattr(request, "error", None)
        kind = getattr(getattr(error, "object_type", None), "value", None)
        message = str(getattr(error, "message", None) or "")[:300]
        logger.warning("session ended with an error: %s: %s", kind or "-", message or "-")
    response: Response = handler_input.response_builder.response
    return response
