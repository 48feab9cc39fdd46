"""The nightly reminder conversation: bedtime, AM or PM, consent, permission, set, tell, cancel.

The reminder goes off `clock.LEAD` before the listener's bedtime, every night, in the
device's time zone. Nothing is set before the listener has heard exactly what will be set
(time and "every night") and said yes: Alexa's reminder guidelines. A time said without a
part of day between 6:00 and 12:59 is taken as evening, and the consent question says so.
Alexa's own list of the skill's reminders (the `Reminders` port) is the truth for status,
cancel and setting; every API fault has a calm answer here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace

from skill import memory
from skill.content import load_content
from skill.names import REMINDER_PERMISSION, Intent, Pending, Slot
from skill.ports import Ports
from skill.reminders.clock import (
    in_day_part,
    in_window,
    is_evening_or_night,
    may_mean_evening,
    minutes_before_bed,
    parse_day_part,
    reminder_time_for,
    twelve_hours_later,
)
from skill.reminders.port import Outcome
from skill.replies import MAX_CONSENT_WORDS, Reply, then_ask_next, words
from skill.timetext import from_clock, parse_amazon_time, spoken_clock, spoken_time, to_clock
from skill.turn import Session, Turn

TOKEN_PREFIX = "reminder@"
#: After a no to the evening reading, the time said next is read as said (Session.day_part):
#: a morning bedtime stays morning, "ten thirty at night" arrives as 22:30 anyway.
AS_SAID = "said"


@dataclass(frozen=True)
class Plan:
    """The reminder the listener is about to agree to: its time, and the bedtime it serves."""

    at: datetime.time
    bedtime: datetime.time | None = None

    def as_text(self) -> list[str]:
        """["21:45", "22:30"]: plain strings for the session and the permission token."""
        return [to_clock(self.at)] + ([to_clock(self.bedtime)] if self.bedtime else [])

    @classmethod
    def from_text(cls, value: object) -> Plan | None:
        """Back from `as_text` (session attributes and tokens come from outside)."""
        if not isinstance(value, list) or not 1 <= len(value) <= 2:
            return None
        at = from_clock(value[0])
        bedtime = from_clock(value[1]) if len(value) == 2 else None
        if at is None or (len(value) == 2 and bedtime is None):
            return None
        return cls(at, bedtime)

    @property
    def token(self) -> str:
        """ "reminder@21:45/22:30": what the AskFor directive carries to Alexa and back."""
        return TOKEN_PREFIX + "/".join(self.as_text())

    @classmethod
    def from_token(cls, token: object) -> Plan | None:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        return cls.from_text(token.removeprefix(TOKEN_PREFIX).split("/"))


def _every(at: datetime.time) -> str:
    prompts = load_content().prompts
    return prompts.reminder_every_night if is_evening_or_night(at) else prompts.reminder_every_day


def describe(plan: Plan) -> str:
    """ "every night at 9:45 PM, 45 minutes before your 10:30 PM bedtime": the facts, spoken."""
    prompts = load_content().prompts
    every = _every(plan.at)
    when = spoken_time(plan.at)
    if plan.bedtime is None:
        return prompts.reminder_plan.format(every=every, time=when)
    return prompts.reminder_plan_bedtime.format(
        every=every,
        time=when,
        minutes=minutes_before_bed(plan.at, plan.bedtime),
        bedtime=spoken_time(plan.bedtime),
    )


def _fault(outcome: Outcome) -> Reply:
    """A calm answer for each way the Reminders API can fail."""
    prompts = load_content().prompts
    if outcome is Outcome.NO_PERMISSION:
        return replace(then_ask_next(prompts.reminder_no_permission), consent_card=True)
    said = {
        Outcome.UNSUPPORTED: prompts.reminder_unsupported,
        Outcome.THROTTLED: prompts.reminder_throttled,
    }.get(outcome, prompts.reminder_unavailable)
    return then_ask_next(said)


# --------------------------------------------------------------------------- asking


def request_reminder(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Remind me to take it" / "remind me at ten thirty" / an answer to "what time is
    bedtime?". Works out the plan, then asks once before anything is set.

    A clock time between 6:00 and 12:59 said without a part of day is taken as evening
    (10:30 is 10:30 PM, 12:00 midnight), and the consent question says so.
    """
    said_bedtime = turn.slot(Slot.BEDTIME).spoken
    said_time = turn.slot(Slot.TIME).spoken
    heard_bedtime = parse_amazon_time(said_bedtime)
    heard_at = parse_amazon_time(said_time)
    vague = parse_day_part(said_bedtime) or parse_day_part(said_time)
    if vague and heard_bedtime is None and heard_at is None:
        # "In the evening": no minute to set. Ask for the time, and read it in that light.
        session.day_part = vague
        return ask_bedtime()
    told, session.day_part = session.day_part, None
    part = vague or (told if parse_day_part(told) else None)
    guess = part is None and told != AS_SAID  # no part of day said: evening is likelier
    evening = False
    if heard_at is not None:
        evening = guess and may_mean_evening(heard_at)
        heard_at = twelve_hours_later(heard_at) if evening else in_day_part(heard_at, part)
    elif heard_bedtime is not None:
        evening = guess and may_mean_evening(heard_bedtime)
        heard_bedtime = (
            twelve_hours_later(heard_bedtime) if evening else in_day_part(heard_bedtime, part)
        )
    bedtime = heard_bedtime or ports.memory.record.bedtime
    if heard_at is not None:
        plan = Plan(heard_at, bedtime if bedtime and in_window(heard_at, bedtime) else None)
    elif bedtime is not None:
        plan = Plan(reminder_time_for(bedtime), bedtime)
    else:
        return ask_bedtime()
    return offer(turn, session, plan, evening=evening)


def ask_bedtime(prompt: str | None = None) -> Reply:
    """Ask for bedtime and let Alexa fill the AMAZON.TIME slot (dialog model)."""
    prompts = load_content().prompts
    return Reply(
        speech=(prompt or prompts.ask_bedtime,),
        reprompt=prompts.ask_bedtime_reprompt,
        question=True,
        elicit=(Intent.SET_REMINDER, Slot.BEDTIME),
        remember=False,
    )


def offer(turn: Turn, session: Session, plan: Plan, *, evening: bool = False) -> Reply:
    """ "I'll remind you every night at 9:45 PM, 45 minutes before your 10:30 PM bedtime.
    Shall I?" Without the permission yet, the permission request says the same facts.
    Where a recognised speaker may think it is theirs alone, and it fits the turn, it
    adds that the reminder is for everyone on this Echo."""
    if not turn.granted(REMINDER_PERMISSION):
        return ask_permission(plan)
    prompts = load_content().prompts
    session.reminder_plan = plan.as_text()
    said = prompts.reminder_confirm.format(plan=describe(plan))
    shared = (prompts.reminder_shared,) if turn.person_id else ()
    if words(said, *shared, prompts.reminder_shall) > MAX_CONSENT_WORDS:
        shared = ()
    return Reply(
        speech=(said, *shared, prompts.reminder_shall),
        reprompt=prompts.reminder_confirm_reprompt,
        question=True,
        pending=Pending.EVENING if evening else Pending.SET_REMINDER,
    )


def evening_answered(turn: Turn, session: Session, ports: Ports, agreed: bool) -> Reply:
    """The consent to a bedtime taken as evening. Yes sets it; no asks for the time
    again, morning or night, and reads the next one as said."""
    if agreed:
        return consent_answered(turn, session, ports, agreed)
    session.reminder_plan = None
    session.day_part = AS_SAID
    return ask_bedtime(load_content().prompts.ask_bedtime_again)


def consent_answered(turn: Turn, session: Session, ports: Ports, agreed: bool) -> Reply:
    """Yes sets the reminder just described; no keeps nothing."""
    plan = _pending_plan(session)
    if not agreed:
        return then_ask_next(load_content().prompts.reminder_not_set)
    if plan is None:  # the plan did not survive the session: start again, set nothing
        return ask_bedtime()
    if not turn.granted(REMINDER_PERMISSION):
        return ask_permission(plan)
    return create(ports, plan)


def _pending_plan(session: Session) -> Plan | None:
    plan, session.reminder_plan = session.reminder_plan, None
    return Plan.from_text(plan)


def ask_permission(plan: Plan) -> Reply:
    """Ask for reminder permission by voice, saying what will be set; Alexa answers with
    a Connections.Response that carries the plan back in its token."""
    said = load_content().prompts.reminder_permission.format(plan=describe(plan))
    return Reply(speech=(said,), ask_permission=plan.token)


def permission_answered(turn: Turn, session: Session, ports: Ports) -> Reply:
    """The listener answered the permission prompt (which stated the plan): set it, or explain."""
    task = turn.task
    plan = Plan.from_token(task.token if task else None)
    if plan is not None and task is not None and task.accepted:
        return create(ports, plan)
    return Reply(speech=(load_content().prompts.reminder_declined,), consent_card=True)


# --------------------------------------------------------------------------- acting


def create(ports: Ports, plan: Plan) -> Reply:
    """Set the one nightly reminder (updating ours if Alexa has one), then say it briefly."""
    prompts = load_content().prompts
    remembered = ports.memory
    result = ports.reminders.set(plan.at, prompts.reminder_text, remembered.record.reminder_id)
    if result.outcome not in (Outcome.CREATED, Outcome.UPDATED):
        return _fault(result.outcome)
    remembered.change(memory.set_reminder(result.reminder_id, plan.at))
    if plan.bedtime is not None:
        remembered.change(memory.set_bedtime(plan.bedtime))
    facts = describe(plan)
    # "Done. 9:45 every night.": the plan was just agreed to; the card keeps it whole.
    clock = spoken_clock(plan.at) if is_evening_or_night(plan.at) else spoken_time(plan.at)
    said = prompts.reminder_done.format(time=clock, every=_every(plan.at))
    if not result.zone_known:
        said = f"{said} {prompts.reminder_zone_unknown}"
    return then_ask_next(
        said,
        card_title=prompts.reminder_card_title,
        card_text=prompts.reminder_card_text.format(plan=facts),
    )


def _reconciled(turn: Turn, ports: Ports) -> Plan | Outcome | None:
    """Our nightly reminder as Alexa has it (a Plan), None when there is none, or the fault.

    The record follows Alexa: an id for a reminder deleted in the app is dropped, a
    reminder whose id we lost is adopted.
    """
    remembered = ports.memory
    record = remembered.record
    if not record.reminder_id and not turn.granted(REMINDER_PERMISSION):
        return None  # never set, and no way to have set one
    found = ports.reminders.find(record.reminder_id)
    if found.outcome is not Outcome.FOUND:
        return found.outcome
    if found.first is None:
        if record.reminder_id:
            remembered.change(memory.set_reminder(None, None))
        return None
    token, at = found.first
    at = at or record.reminder_time
    if at is None:
        return Outcome.UNAVAILABLE
    if (token, at) != (record.reminder_id, record.reminder_time):
        remembered.change(memory.set_reminder(token, at))
    bedtime = record.bedtime if record.bedtime and in_window(at, record.bedtime) else None
    return Plan(at, bedtime)


def _about_the_reminder(turn: Turn, ports: Ports, reply_for: Callable[[Plan], Reply]) -> Reply:
    """Reply about the reminder Alexa really has; say there is none, or the fault, if so."""
    found = _reconciled(turn, ports)
    if found is None:
        return then_ask_next(load_content().prompts.reminder_none)
    if not isinstance(found, Plan):
        return _fault(found)
    return reply_for(found)


def tell_reminder(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "When is my reminder?" """
    prompts = load_content().prompts
    return _about_the_reminder(
        turn,
        ports,
        lambda plan: then_ask_next(prompts.reminder_status.format(plan=describe(plan))),
    )


def ask_to_cancel(turn: Turn, session: Session, ports: Ports) -> Reply:
    """ "Cancel my reminder": confirm first, naming the reminder Alexa really has."""
    prompts = load_content().prompts
    return _about_the_reminder(
        turn,
        ports,
        lambda plan: Reply(
            speech=(prompts.reminder_cancel_confirm.format(time=spoken_time(plan.at)),),
            reprompt=prompts.reminder_cancel_reprompt,
            question=True,
            pending=Pending.CANCEL_REMINDER,
        ),
    )


def cancel(turn: Turn, session: Session, ports: Ports, confirmed: bool) -> Reply:
    """Yes deletes every nightly reminder of ours at Alexa, then the stored id."""
    prompts = load_content().prompts
    if not confirmed:
        return then_ask_next(prompts.reminder_kept)
    remembered = ports.memory
    result = ports.reminders.delete(remembered.record.reminder_id)
    if result.outcome not in (Outcome.DELETED, Outcome.NOT_FOUND):
        return _fault(result.outcome)
    remembered.change(memory.set_reminder(None, None))
    return then_ask_next(prompts.reminder_cancelled)
