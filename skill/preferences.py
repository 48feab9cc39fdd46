"""The listener's preferences: the quiet voice, "forget me", and forgetting on disable.

"Forget me" includes the nightly reminder: the question names it when Alexa has one,
and yes deletes it at Alexa before the stored record. A recognised person (one of two
sleepers on one Echo) forgets only their own memory: the reminder is the account's,
everyone's on this Echo, so it stays and the answer says so.
"""

from __future__ import annotations

import datetime

from skill import memory
from skill.content import load_content
from skill.names import REMINDER_PERMISSION, Pending, Voice
from skill.ports import Ports
from skill.reminders.port import Outcome
from skill.replies import Reply, then_ask_next
from skill.timetext import spoken_time
from skill.turn import Session, Turn


def change_voice(session: Session, ports: Ports, chosen: Voice) -> Reply:
    """Switch between the normal and the quiet voice, remembered across sessions."""
    session.voice = None if chosen == Voice.NORMAL else chosen
    ports.memory.change(memory.set_voice(chosen))
    prompts = load_content().prompts
    said = prompts.quiet_on if chosen == Voice.QUIET else prompts.quiet_off
    return then_ask_next(said)


def speak_quietly(turn: Turn, session: Session, ports: Ports) -> Reply:
    return change_voice(session, ports, Voice.QUIET)


def speak_normally(turn: Turn, session: Session, ports: Ports) -> Reply:
    return change_voice(session, ports, Voice.NORMAL)


def _reminder_time(turn: Turn, ports: Ports) -> str | None:
    """ "9:45 PM" for the nightly reminder Alexa has (or, if Alexa cannot say, the one
    we stored); None when there is none. One whose id was lost is adopted into the
    record, so a yes can delete it, or keep its id if Alexa refuses."""
    remembered = ports.memory
    record = remembered.record
    at = record.reminder_time if record.reminder_id else None
    if record.reminder_id or turn.granted(REMINDER_PERMISSION):
        found = ports.reminders.find(record.reminder_id)
        if found.outcome is Outcome.FOUND:
            at = None
            if found.first is not None:
                token, at = found.first
                at = at or record.reminder_time
                if token != record.reminder_id:
                    remembered.change(memory.set_reminder(token, at))
    return spoken_time(at) if at is not None else None


def stored_things(turn: Turn, ports: Ports) -> list[str]:
    """What is stored about this listener, each as it is named aloud: their visits and
    the topics they heard, their bedtime, the quiet voice, the reminder. Only what is
    really there."""
    prompts = load_content().prompts
    things: list[str] = []
    record = ports.memory.record if ports.memory.enabled else None
    if record is not None:
        if record.visits:
            things.append(prompts.forget_visits)
        if record.topics_heard:
            things.append(prompts.forget_topics)
        if record.bedtime is not None:
            things.append(prompts.forget_bedtime.format(time=spoken_time(record.bedtime)))
        if record.voice == Voice.QUIET:
            things.append(prompts.forget_voice)
    # A recognised person's "forget me" leaves the reminder: it is the whole account's.
    reminder = None if ports.memory.recognised else _reminder_time(turn, ports)
    if reminder:
        things.append(prompts.forget_reminder.format(time=reminder))
    return things


def spoken_list(things: list[str]) -> str:
    """ "a, b and c" """
    if len(things) < 2:
        return "".join(things)
    return f"{', '.join(things[:-1])} {load_content().prompts.list_and} {things[-1]}"


def ask_to_forget(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Forget me": name exactly what is stored, then wait for yes or no."""
    prompts = load_content().prompts
    things = stored_things(turn, ports)
    if not things:
        return then_ask_next(prompts.forget_nothing)
    confirm = prompts.forget_confirm_person if ports.memory.recognised else prompts.forget_confirm
    return Reply(
        speech=(confirm.format(things=spoken_list(things)),),
        reprompt=prompts.forget_reprompt,
        question=True,
        pending=Pending.FORGET,
    )


def forget(turn: Turn, session: Session, ports: Ports, confirmed: bool) -> Reply:
    """After "forget me": yes deletes the reminder at Alexa, then everything stored for this
    listener; no keeps it. If Alexa will not delete the reminder, the rest is forgotten
    and its id kept, so "forget me" can try again (and says so)."""
    prompts = load_content().prompts
    if not confirmed:
        return then_ask_next(prompts.forget_kept)
    remembered = ports.memory
    record = remembered.record
    session.voice = None
    session.returning = False
    session.last_topic = None
    session.last_reply = None
    if remembered.recognised:  # this person's memory only; the shared reminder stays
        remembered.forget()
        if record.reminder_id:
            return Reply(
                speech=(_with_time(prompts.forgotten_shared_reminder, record.reminder_time),)
            )
        return Reply(speech=(prompts.forgotten,))
    deleted = Outcome.NOT_FOUND
    if record.reminder_id or turn.granted(REMINDER_PERMISSION):
        deleted = ports.reminders.delete(record.reminder_id).outcome
    if deleted not in (Outcome.DELETED, Outcome.NOT_FOUND) and record.reminder_id:
        # Say so, forget the rest, keep what "forget me" needs to try again.
        remembered.forget(keep=memory.set_reminder(record.reminder_id, record.reminder_time))
        return Reply(speech=(_with_time(prompts.forget_reminder_failed, record.reminder_time),))
    remembered.forget()
    if deleted is Outcome.DELETED:
        return Reply(speech=(_with_time(prompts.forgotten_reminder, record.reminder_time),))
    return Reply(speech=(prompts.forgotten,))


def _with_time(prompt: str, at: datetime.time | None) -> str:
    """The prompt naming "your 9:45 PM reminder", or just "your reminder" if the time is unknown."""
    return " ".join(prompt.format(time=spoken_time(at) if at else "").split())


def skill_disabled(turn: Turn, session: Session, ports: Ports) -> None:
    """AlexaSkillEvent.SkillDisabled: delete everything stored for this listener (written
    when the response leaves, on Lambda and on the web endpoint alike), every recognised
    person's part included. Nothing is said."""
    ports.memory.forget(everyone=True)
