"""The listener's preferences: the quiet voice, and "forget me"."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import memory
from skill.content import load_content
from skill.names import Pending, SessionKey, Voice
from skill.replies import Reply, render, session_attributes, then_ask_next


def change_voice(handler_input: HandlerInput, chosen: Voice) -> Response:
    """Switch between the normal and the quiet voice, remembered across sessions."""
    session = session_attributes(handler_input)
    if chosen == Voice.NORMAL:
        session.pop(SessionKey.VOICE, None)
    else:
        session[SessionKey.VOICE] = chosen
    memory.memory_of(handler_input).change(memory.set_voice(chosen))
    prompts = load_content().prompts
    said = prompts.quiet_on if chosen == Voice.QUIET else prompts.quiet_off
    return render(handler_input, then_ask_next(said))


def speak_quietly(handler_input: HandlerInput) -> Response:
    return change_voice(handler_input, Voice.QUIET)


def speak_normally(handler_input: HandlerInput) -> Response:
    return change_voice(handler_input, Voice.NORMAL)


def ask_to_forget(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(
            speech=(prompts.forget_confirm,),
            reprompt=prompts.forget_reprompt,
            question=True,
            pending=Pending.FORGET,
        ),
    )


def forget(handler_input: HandlerInput, confirmed: bool) -> Response:
    """After "forget me": yes deletes everything stored for this listener, no keeps it."""
    prompts = load_content().prompts
    if not confirmed:
        return render(handler_input, then_ask_next(prompts.forget_kept))
    memory.memory_of(handler_input).forget()
    session = session_attributes(handler_input)
    for key in (
        SessionKey.VOICE,
        SessionKey.RETURNING,
        SessionKey.LAST_TOPIC,
        SessionKey.LAST_REPLY,
    ):
        session.pop(key, None)
    return render(handler_input, Reply(speech=(prompts.forgotten,)))
