"""The nightly reminder conversation: bedtime, permission, create, tell, cancel.

(`skill.reminders.service` is imported inside the functions that use it: it loads the
SDK's reminder models and zoneinfo, which a cold start answering no reminder question
should not pay for.)

The reminder is set 45 minutes before the listener's bedtime (inside the article's
30-minutes-to-an-hour window), every night, in the device's time zone, through the
SDK's Reminders client. Every API fault has a calm spoken answer here.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_slot
from ask_sdk_model import Response

from skill import memory
from skill.content import load_content
from skill.names import Intent, Pending, Slot
from skill.reminders.clock import (
    from_clock,
    parse_amazon_time,
    reminder_time_for,
    spoken_time,
    to_clock,
)
from skill.replies import Reply, render, then_ask_next

if TYPE_CHECKING:
    from skill.reminders.service import Outcome

TOKEN_PREFIX = "reminder@"


def _slot_time(handler_input: HandlerInput, name: str) -> datetime.time | None:
    slot = get_slot(handler_input, name)
    return parse_amazon_time(getattr(slot, "value", None))


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


def request_reminder(handler_input: HandlerInput) -> Response:
    """ "Remind me to take it" / "remind me at 9:30" / an answer to "what time is bedtime?"."""
    from skill.reminders.service import has_permission

    remembered = memory.memory_of(handler_input)
    bedtime = _slot_time(handler_input, Slot.BEDTIME)
    if bedtime is not None:
        remembered.change(memory.set_bedtime(bedtime))
    else:
        bedtime = remembered.record.bedtime
    at = _slot_time(handler_input, Slot.TIME)
    if at is None and bedtime is not None:
        at = reminder_time_for(bedtime)
    if at is None:
        return ask_bedtime(handler_input)
    if not has_permission(handler_input):
        return ask_permission(handler_input, at)
    return create(handler_input, at)


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


def ask_permission(handler_input: HandlerInput, at: datetime.time) -> Response:
    """Ask for reminder permission by voice; Alexa answers with a Connections.Response."""
    from skill.reminders.service import permission_request_directive

    prompts = load_content().prompts
    builder = handler_input.response_builder
    builder.add_directive(permission_request_directive(TOKEN_PREFIX + to_clock(at)))
    return render(handler_input, Reply(speech=(prompts.reminder_permission,)))


def permission_answered(handler_input: HandlerInput) -> Response:
    """The listener answered the permission prompt: create the reminder, or explain."""
    from skill.reminders.service import consent_card

    request: Any = handler_input.request_envelope.request
    payload = request.payload if isinstance(request.payload, dict) else {}
    token = request.token if isinstance(request.token, str) else ""
    at = from_clock(token.removeprefix(TOKEN_PREFIX))
    if payload.get("status") == "ACCEPTED" and token.startswith(TOKEN_PREFIX) and at is not None:
        return create(handler_input, at)
    handler_input.response_builder.set_card(consent_card())
    return render(handler_input, Reply(speech=(load_content().prompts.reminder_declined,)))


def create(handler_input: HandlerInput, at: datetime.time) -> Response:
    from skill.reminders.service import Outcome, create_nightly_reminder

    prompts = load_content().prompts
    result = create_nightly_reminder(handler_input, at, prompts.reminder_text)
    if result.outcome is not Outcome.CREATED:
        return _fault(handler_input, result.outcome)
    memory.memory_of(handler_input).change(memory.set_reminder(result.reminder_id, at))
    when = spoken_time(at)
    return render(
        handler_input,
        then_ask_next(
            prompts.reminder_set.format(time=when),
            card_title=prompts.reminder_card_title,
            card_text=prompts.reminder_card_text.format(time=when),
        ),
    )


def _stored_reminder(handler_input: HandlerInput) -> tuple[str, datetime.time | None] | None:
    record = memory.memory_of(handler_input).record
    if not record.reminder_id:
        return None
    return record.reminder_id, record.reminder_time


def tell_reminder(handler_input: HandlerInput) -> Response:
    """ "When is my reminder?" """
    from skill.reminders.service import Outcome, get_reminder

    prompts = load_content().prompts
    stored = _stored_reminder(handler_input)
    if stored is None:
        return render(handler_input, then_ask_next(prompts.reminder_none))
    result = get_reminder(handler_input, stored[0])
    if result.outcome is Outcome.NOT_FOUND:
        memory.memory_of(handler_input).change(memory.set_reminder(None, None))
        return render(handler_input, then_ask_next(prompts.reminder_none))
    at = result.time or stored[1]
    if result.outcome is not Outcome.FOUND or at is None:
        return _fault(handler_input, result.outcome)
    return render(
        handler_input, then_ask_next(prompts.reminder_status.format(time=spoken_time(at)))
    )


def ask_to_cancel(handler_input: HandlerInput) -> Response:
    """ "Cancel my reminder": confirm first."""
    prompts = load_content().prompts
    stored = _stored_reminder(handler_input)
    if stored is None:
        return render(handler_input, then_ask_next(prompts.reminder_none))
    at = stored[1]
    question = (
        prompts.reminder_cancel_confirm.format(time=spoken_time(at))
        if at
        else prompts.reminder_cancel_reprompt
    )
    return render(
        handler_input,
        Reply(
            speech=(question,),
            reprompt=prompts.reminder_cancel_reprompt,
            question=True,
            pending=Pending.CANCEL_REMINDER,
        ),
    )


def cancel(handler_input: HandlerInput, confirmed: bool) -> Response:
    from skill.reminders.service import Outcome, delete_reminder

    prompts = load_content().prompts
    if not confirmed:
        return render(handler_input, then_ask_next(prompts.reminder_kept))
    stored = _stored_reminder(handler_input)
    if stored is not None:
        result = delete_reminder(handler_input, stored[0])
        if result.outcome not in (Outcome.DELETED, Outcome.NOT_FOUND):
            return _fault(handler_input, result.outcome)
        memory.memory_of(handler_input).change(memory.set_reminder(None, None))
    return render(handler_input, then_ask_next(prompts.reminder_cancelled))
