"""The nightly reminder conversation: bedtime, AM or PM, consent, permission, set, tell, cancel.

(`skill.reminders.service` is imported inside the functions that use it: it loads the
SDK's reminder models and zoneinfo, which a cold start answering no reminder question
should not pay for.)

The reminder goes off 45 minutes before the listener's bedtime (inside the article's
30-minutes-to-an-hour window), every night, in the device's time zone. Nothing is set
before the listener has heard exactly what will be set, time and "every night", and
said yes (or granted the permission after hearing it): Alexa's reminder guidelines.
A morning reading of a clock time ("10:30") is confirmed as evening first. Alexa's
own list of the skill's reminders is the truth for status, cancel and setting (one
reminder, updated in place, never a second). Every API fault has a calm answer here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_slot
from ask_sdk_model import Response

from skill import memory
from skill.content import load_content
from skill.names import Intent, Pending, SessionKey, Slot
from skill.reminders.clock import (
    in_day_part,
    in_window,
    is_evening_or_night,
    may_mean_evening,
    minutes_before_bed,
    parse_day_part,
    reminder_time_for,
    spoken_bedtime,
    twelve_hours_later,
)
from skill.replies import Reply, render, session_attributes, then_ask_next
from skill.timetext import from_clock, parse_amazon_time, spoken_clock, spoken_time, to_clock

if TYPE_CHECKING:
    from skill.reminders.service import Outcome

TOKEN_PREFIX = "reminder@"
_NIGHT_PARTS = ("EV", "NI")


@dataclass(frozen=True)
class Plan:
    """The reminder the listener is about to agree to: its time, and the bedtime it serves."""

    at: datetime.time
    bedtime: datetime.time | None = None

    def twelve_hours_later(self) -> Plan:
        """The evening reading of a plan heard as morning ("10:30" meant 10:30 PM)."""
        bedtime = twelve_hours_later(self.bedtime) if self.bedtime else None
        return Plan(twelve_hours_later(self.at), bedtime)

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


def describe(plan: Plan) -> str:
    """ "every night at 9:45 PM, 45 minutes before your 10:30 bedtime": the facts, spoken."""
    prompts = load_content().prompts
    every = (
        prompts.reminder_every_night
        if is_evening_or_night(plan.at)
        else (prompts.reminder_every_day)
    )
    when = spoken_time(plan.at)
    if plan.bedtime is None:
        return prompts.reminder_plan.format(every=every, time=when)
    return prompts.reminder_plan_bedtime.format(
        every=every,
        time=when,
        minutes=minutes_before_bed(plan.at, plan.bedtime),
        bedtime=spoken_bedtime(plan.bedtime),
    )


def _slot_value(handler_input: HandlerInput, name: str) -> Any:
    return getattr(get_slot(handler_input, name), "value", None)


def _fault(handler_input: HandlerInput, outcome: Outcome) -> Response:
    """A calm answer for each way the Reminders API can fail."""
    from skill.reminders.service import Outcome, consent_card

    prompts = load_content().prompts
    if outcome is Outcome.NO_PERMISSION:
        handler_input.response_builder.set_card(consent_card())
        return render(handler_input, then_ask_next(prompts.reminder_no_permission))
    said = {
        Outcome.UNSUPPORTED: prompts.reminder_unsupported,
        Outcome.THROTTLED: prompts.reminder_throttled,
    }.get(outcome, prompts.reminder_unavailable)
    return render(handler_input, then_ask_next(said))


# --------------------------------------------------------------------------- asking


def request_reminder(handler_input: HandlerInput) -> Response:
    """ "Remind me to take it" / "remind me at 9:30" / an answer to "what time is bedtime?".

    Works out the plan, then asks before anything is set: first "Do you mean 10:30 at
    night?" when the time was heard as morning or midday, then the consent question.
    """
    session = session_attributes(handler_input)
    heard_bedtime = parse_amazon_time(_slot_value(handler_input, Slot.BEDTIME))
    heard_at = parse_amazon_time(_slot_value(handler_input, Slot.TIME))
    vague = parse_day_part(_slot_value(handler_input, Slot.BEDTIME)) or parse_day_part(
        _slot_value(handler_input, Slot.TIME)
    )
    if vague and heard_bedtime is None and heard_at is None:
        # "In the evening": no minute to set. Ask for the time, and read it in that light.
        session[SessionKey.DAY_PART] = vague
        return ask_bedtime(handler_input)
    told = session.pop(SessionKey.DAY_PART, None)
    part = vague or (told if parse_day_part(told) else None)
    if heard_bedtime is not None:
        heard_bedtime = in_day_part(heard_bedtime, part)
    if heard_at is not None:
        heard_at = in_day_part(heard_at, part)
    bedtime = heard_bedtime or memory.memory_of(handler_input).record.bedtime
    if heard_at is not None:
        plan = Plan(heard_at, bedtime if bedtime and in_window(heard_at, bedtime) else None)
        heard = heard_at
    elif bedtime is not None:
        plan, heard = Plan(reminder_time_for(bedtime), bedtime), bedtime
    else:
        return ask_bedtime(handler_input)
    if part is None and may_mean_evening(heard):
        return ask_evening(handler_input, plan, heard)
    return offer(handler_input, plan)


def ask_bedtime(handler_input: HandlerInput) -> Response:
    """Ask for bedtime and let Alexa fill the AMAZON.TIME slot (dialog model)."""
    prompts = load_content().prompts
    return render(
        handler_input,
        Reply(
            speech=(prompts.ask_bedtime,),
            reprompt=prompts.ask_bedtime_reprompt,
            question=True,
            elicit=(Intent.SET_REMINDER, Slot.BEDTIME),
            remember=False,
        ),
    )


def ask_evening(handler_input: HandlerInput, plan: Plan, heard: datetime.time) -> Response:
    """ "Do you mean 10:30 at night?": a morning reading is never set unconfirmed."""
    prompts = load_content().prompts
    session_attributes(handler_input)[SessionKey.REMINDER_PLAN] = plan.as_text()
    clock = spoken_clock(heard)
    return render(
        handler_input,
        Reply(
            speech=(prompts.reminder_evening.format(clock=clock),),
            reprompt=prompts.reminder_evening_reprompt.format(clock=clock),
            question=True,
            pending=Pending.EVENING,
        ),
    )


def evening_answered(handler_input: HandlerInput, at_night: bool) -> Response:
    """Yes: the evening reading. No: the time as heard (the consent question names it)."""
    plan = _pending_plan(handler_input)
    if plan is None:
        return ask_bedtime(handler_input)
    return offer(handler_input, plan.twelve_hours_later() if at_night else plan)


def offer(handler_input: HandlerInput, plan: Plan) -> Response:
    """ "I'll remind you every night at 9:45 PM, 45 minutes before your 10:30 bedtime.
    Shall I?" Without the permission yet, the permission request says the same facts."""
    from skill.reminders.service import has_permission

    if not has_permission(handler_input):
        return ask_permission(handler_input, plan)
    prompts = load_content().prompts
    session_attributes(handler_input)[SessionKey.REMINDER_PLAN] = plan.as_text()
    return render(
        handler_input,
        Reply(
            speech=(prompts.reminder_confirm.format(plan=describe(plan)),),
            reprompt=prompts.reminder_confirm_reprompt,
            question=True,
            pending=Pending.SET_REMINDER,
        ),
    )


def consent_answered(handler_input: HandlerInput, agreed: bool) -> Response:
    """Yes sets the reminder just described; no keeps nothing."""
    plan = _pending_plan(handler_input)
    if not agreed:
        return render(handler_input, then_ask_next(load_content().prompts.reminder_not_set))
    if plan is None:  # the plan did not survive the session: start again, set nothing
        return ask_bedtime(handler_input)
    from skill.reminders.service import has_permission

    if not has_permission(handler_input):
        return ask_permission(handler_input, plan)
    return create(handler_input, plan)


def _pending_plan(handler_input: HandlerInput) -> Plan | None:
    return Plan.from_text(session_attributes(handler_input).pop(SessionKey.REMINDER_PLAN, None))


def ask_permission(handler_input: HandlerInput, plan: Plan) -> Response:
    """Ask for reminder permission by voice, saying what will be set; Alexa answers with
    a Connections.Response that carries the plan back in its token."""
    from skill.reminders.service import permission_request_directive

    prompts = load_content().prompts
    builder = handler_input.response_builder
    builder.add_directive(permission_request_directive(plan.token))
    said = prompts.reminder_permission.format(plan=describe(plan))
    return render(handler_input, Reply(speech=(said,)))


def permission_answered(handler_input: HandlerInput) -> Response:
    """The listener answered the permission prompt (which stated the plan): set it, or explain."""
    from skill.reminders.service import consent_card, permission_granted

    request: Any = handler_input.request_envelope.request
    plan = Plan.from_token(getattr(request, "token", None))
    if plan is not None and permission_granted(request):
        return create(handler_input, plan)
    handler_input.response_builder.set_card(consent_card())
    return render(handler_input, Reply(speech=(load_content().prompts.reminder_declined,)))


# --------------------------------------------------------------------------- acting


def create(handler_input: HandlerInput, plan: Plan) -> Response:
    """Set the one nightly reminder (updating ours if Alexa has one), then restate it."""
    from skill.reminders.service import Outcome, set_nightly_reminder

    prompts = load_content().prompts
    remembered = memory.memory_of(handler_input)
    result = set_nightly_reminder(
        handler_input, plan.at, prompts.reminder_text, remembered.record.reminder_id
    )
    if result.outcome not in (Outcome.CREATED, Outcome.UPDATED):
        return _fault(handler_input, result.outcome)
    remembered.change(memory.set_reminder(result.reminder_id, plan.at))
    if plan.bedtime is not None:
        remembered.change(memory.set_bedtime(plan.bedtime))
    facts = describe(plan)
    said = prompts.reminder_set.format(plan=facts)
    if not result.zone_known:
        said = f"{said} {prompts.reminder_zone_unknown}"
    return render(
        handler_input,
        then_ask_next(
            said,
            card_title=prompts.reminder_card_title,
            card_text=prompts.reminder_card_text.format(plan=facts),
        ),
    )


def _reconciled(handler_input: HandlerInput) -> Plan | Outcome | None:
    """Our nightly reminder as Alexa has it (a Plan), None when there is none, or the fault.

    The record follows Alexa: an id for a reminder deleted in the app is dropped, a
    reminder whose id we lost is adopted.
    """
    from skill.reminders.service import Outcome, find_nightly_reminders, has_permission

    remembered = memory.memory_of(handler_input)
    record = remembered.record
    if not record.reminder_id and not has_permission(handler_input):
        return None  # never set, and no way to have set one
    found = find_nightly_reminders(handler_input, record.reminder_id)
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


def _about_the_reminder(
    handler_input: HandlerInput, reply_for: Callable[[Plan], Reply]
) -> Response:
    """Reply about the reminder Alexa really has; say there is none, or the fault, if so."""
    found = _reconciled(handler_input)
    if found is None:
        return render(handler_input, then_ask_next(load_content().prompts.reminder_none))
    if not isinstance(found, Plan):
        return _fault(handler_input, found)
    return render(handler_input, reply_for(found))


def tell_reminder(handler_input: HandlerInput) -> Response:
    """ "When is my reminder?" """
    prompts = load_content().prompts
    return _about_the_reminder(
        handler_input,
        lambda plan: then_ask_next(prompts.reminder_status.format(plan=describe(plan))),
    )


def ask_to_cancel(handler_input: HandlerInput) -> Response:
    """ "Cancel my reminder": confirm first, naming the reminder Alexa really has."""
    prompts = load_content().prompts
    return _about_the_reminder(
        handler_input,
        lambda plan: Reply(
            speech=(prompts.reminder_cancel_confirm.format(time=spoken_time(plan.at)),),
            reprompt=prompts.reminder_cancel_reprompt,
            question=True,
            pending=Pending.CANCEL_REMINDER,
        ),
    )


def cancel(handler_input: HandlerInput, confirmed: bool) -> Response:
    """Yes deletes every nightly reminder of ours at Alexa, then the stored id."""
    from skill.reminders.service import Outcome, delete_nightly_reminders

    prompts = load_content().prompts
    if not confirmed:
        return render(handler_input, then_ask_next(prompts.reminder_kept))
    remembered = memory.memory_of(handler_input)
    result = delete_nightly_reminders(handler_input, remembered.record.reminder_id)
    if result.outcome not in (Outcome.DELETED, Outcome.NOT_FOUND):
        return _fault(handler_input, result.outcome)
    remembered.change(memory.set_reminder(None, None))
    return render(handler_input, then_ask_next(prompts.reminder_cancelled))
