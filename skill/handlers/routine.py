"""Handlers with a condition beyond the intent name: yes/no confirmations, permission answers."""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, is_request_type
from ask_sdk_model import Response

from skill import preferences
from skill.handlers.base import IntentHandler
from skill.names import ASK_FOR_TASK, Intent, Pending, RequestType
from skill.reminders import dialog as reminder
from skill.replies import pending_action

# A pending action, and what to do when the listener says yes (True) or no (False).
CONFIRMATIONS: dict[str, Callable[[HandlerInput, bool], Response]] = {
    Pending.FORGET: preferences.forget,
    Pending.CANCEL_REMINDER: reminder.cancel,
    Pending.EVENING: reminder.evening_answered,
    Pending.SET_REMINDER: reminder.consent_answered,
}


class ConfirmationHandler(IntentHandler):
    """Yes or no while an action waits for confirmation (registered before plain yes/no)."""

    intent_names = frozenset({Intent.YES, Intent.NO})

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and pending_action(handler_input) in CONFIRMATIONS

    def handle(self, handler_input: HandlerInput) -> Response:
        action = CONFIRMATIONS[str(pending_action(handler_input))]
        return action(handler_input, get_intent_name(handler_input) == Intent.YES)


class PermissionAnswerHandler(AbstractRequestHandler):
    """Alexa's answer to our voice permission request (Connections.Response, AskFor)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not is_request_type(RequestType.CONNECTIONS_RESPONSE)(handler_input):
            return False
        return getattr(handler_input.request_envelope.request, "name", None) == ASK_FOR_TASK

    def handle(self, handler_input: HandlerInput) -> Response:
        return reminder.permission_answered(handler_input)
