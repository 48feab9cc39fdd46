"""Handlers for the bedtime routine: quiet voice, "forget me", the reminder, yes/no."""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, is_request_type
from ask_sdk_model import Response

from skill import bedtime_reminder, conversation, memory, reminders
from skill.handlers.base import IntentHandler

# A pending action, and what to do when the listener says yes (True) or no (False).
CONFIRMATIONS: dict[str, Callable[[HandlerInput, bool], Response]] = {
    "forget": conversation.forget,
    bedtime_reminder.CANCEL_PENDING: bedtime_reminder.cancel,
}


class QuietVoiceHandler(IntentHandler):
    intent_names = frozenset({"QuietVoiceIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.change_voice(handler_input, memory.QUIET)


class NormalVoiceHandler(IntentHandler):
    intent_names = frozenset({"NormalVoiceIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.change_voice(handler_input, memory.NORMAL)


class ForgetMeHandler(IntentHandler):
    intent_names = frozenset({"ForgetMeIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.ask_to_forget(handler_input)


class ConfirmationHandler(IntentHandler):
    """Yes or no while an action waits for confirmation (registered before plain yes/no)."""

    intent_names = frozenset({"AMAZON.YesIntent", "AMAZON.NoIntent"})

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return (
            super().can_handle(handler_input)
            and conversation.pending_action(handler_input) in CONFIRMATIONS
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        action = CONFIRMATIONS[str(conversation.pending_action(handler_input))]
        return action(handler_input, get_intent_name(handler_input) == "AMAZON.YesIntent")


class SetReminderHandler(IntentHandler):
    intent_names = frozenset({bedtime_reminder.SET_INTENT})

    def handle(self, handler_input: HandlerInput) -> Response:
        return bedtime_reminder.request_reminder(handler_input)


class ReminderStatusHandler(IntentHandler):
    intent_names = frozenset({"ReminderStatusIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return bedtime_reminder.tell_reminder(handler_input)


class CancelReminderHandler(IntentHandler):
    intent_names = frozenset({"CancelReminderIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return bedtime_reminder.ask_to_cancel(handler_input)


class PermissionAnswerHandler(AbstractRequestHandler):
    """Alexa's answer to our voice permission request (Connections.Response, AskFor)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return (
            is_request_type("Connections.Response")(handler_input)
            and getattr(request, "name", None) == reminders.ASK_FOR
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return bedtime_reminder.permission_answered(handler_input)
