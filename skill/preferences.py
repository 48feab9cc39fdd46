"""The listener's preferences: the quiet voice, "forget me", and forgetting on disable.

"Forget me" includes the nightly reminder: the question names it when Alexa has one,
and yes deletes it at Alexa before the stored record. (`skill.reminders.service` is
imported inside the functions that use it, as in the reminder dialog.)
"""

from __future__ import annotations

import datetime

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import memory
from skill.content import load_content
from skill.names import Pending, SessionKey, Voice
from skill.replies import Reply, render, session_attributes, then_ask_next
from skill.timetext import spoken_time


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


def _reminder_time(handler_input: HandlerInput) -> str | None:
    """ "9:45 PM" for the nightly reminder Alexa has (or, if Alexa cannot say, the one
    we stored); None when there is none. One whose id was lost is adopted into the
    record, so a yes can delete it, or keep its id if Alexa refuses."""
    from skill.reminders.service import Outcome, find_nightly_reminders, has_permission

    remembered = memory.memory_of(handler_input)
    record = remembered.record
    at = record.reminder_time if record.reminder_id else None
    if record.reminder_id or has_permission(handler_input):
        found = find_nightly_reminders(handler_input, record.reminder_id)
        if found.outcome is Outcome.FOUND:
            at = None
            if found.first is not None:
                token, at = found.first
                at = at or record.reminder_time
                if token != record.reminder_id:
                    remembered.change(memory.set_reminder(token, at))
    return spoken_time(at) if at is not None else None


def ask_to_forget(handler_input: HandlerInput) -> Response:
    prompts = load_content().prompts
    reminder = _reminder_time(handler_input)
    question = (
        prompts.forget_confirm_reminder.format(time=reminder)
        if reminder
        else prompts.forget_confirm
    )
    return render(
        handler_input,
        Reply(
            speech=(question,),
            reprompt=prompts.forget_reprompt,
            question=True,
            pending=Pending.FORGET,
        ),
    )


def forget(handler_input: HandlerInput, confirmed: bool) -> Response:
    """After "forget me": yes deletes the reminder at Alexa, then everything stored for this
    listener; no keeps it. If Alexa will not delete the reminder, the rest is forgotten
    and its id kept, so "forget me" can try again (and says so)."""
    from skill.reminders.service import Outcome, delete_nightly_reminders, has_permission

    prompts = load_content().prompts
    if not confirmed:
        return render(handler_input, then_ask_next(prompts.forget_kept))
    remembered = memory.memory_of(handler_input)
    record = remembered.record
    deleted = Outcome.NOT_FOUND
    if record.reminder_id or has_permission(handler_input):
        deleted = delete_nightly_reminders(handler_input, record.reminder_id).outcome
    _forget_session(handler_input)
    if deleted not in (Outcome.DELETED, Outcome.NOT_FOUND) and record.reminder_id:
        # Say so, forget the rest, keep what "forget me" needs to try again.
        remembered.forget(keep=memory.set_reminder(record.reminder_id, record.reminder_time))
        said = _with_time(prompts.forget_reminder_failed, record.reminder_time)
        return render(handler_input, Reply(speech=(said,)))
    remembered.forget()
    if deleted is Outcome.DELETED:
        said = _with_time(prompts.forgotten_reminder, record.reminder_time)
        return render(handler_input, Reply(speech=(said,)))
    return render(handler_input, Reply(speech=(prompts.forgotten,)))


def _with_time(prompt: str, at: datetime.time | None) -> str:
    """The prompt naming "your 9:45 PM reminder", or just "your reminder" if the time is unknown."""
    return " ".join(prompt.format(time=spoken_time(at) if at else "").split())


def _forget_session(handler_input: HandlerInput) -> None:
    session = session_attributes(handler_input)
    for key in (
        SessionKey.VOICE,
        SessionKey.RETURNING,
        SessionKey.LAST_TOPIC,
        SessionKey.LAST_REPLY,
    ):
        session.pop(key, None)


def skill_disabled(handler_input: HandlerInput) -> Response:
    """AlexaSkillEvent.SkillDisabled: delete everything stored for this listener.

    Alexa expects no speech for an event; the record goes when the response leaves
    (`SaveMemoryInterceptor`), on Lambda and on the web endpoint alike.
    """
    memory.memory_of(handler_input).forget()
    response: Response = handler_input.response_builder.response
    return response
