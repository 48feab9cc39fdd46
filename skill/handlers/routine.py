"""Handlers with a condition beyond the intent name: yes/no confirmations, permission
answers, and the requests that say nothing (session ended, skill disabled)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill import alexa, preferences
from skill.handlers.base import IntentHandler, Route
from skill.names import ASK_FOR_TASK, Intent, Pending, RequestType
from skill.ports import Ports
from skill.reminders import dialog as reminder
from skill.replies import Reply
from skill.turn import Session, Turn

# A pending action, and what to do when the listener says yes (True) or no (False).
CONFIRMATIONS: dict[str, Callable[[Turn, Session, Ports, bool], Reply]] = {
    Pending.FORGET: preferences.forget,
    Pending.CANCEL_REMINDER: reminder.cancel,
    Pending.EVENING: reminder.evening_answered,
    Pending.SET_REMINDER: reminder.consent_answered,
}


def _confirmed(turn: Turn, session: Session, ports: Ports) -> Reply:
    action = CONFIRMATIONS[str(session.pending)]
    return action(turn, session, ports, turn.intent == Intent.YES)


class ConfirmationHandler(IntentHandler):
    """Yes or no while an action waits for confirmation (registered before plain yes/no)."""

    intent_names = frozenset({Intent.YES, Intent.NO})

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return (
            super().can_handle(handler_input)
            and alexa.session_of(handler_input).pending in CONFIRMATIONS
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, _confirmed)


class PermissionAnswerHandler(AbstractRequestHandler):
    """Alexa's answer to our voice permission request (Connections.Response, AskFor)."""

    def routes(self) -> Iterable[Route]:
        return ((RequestType.CONNECTIONS_RESPONSE, None),)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not is_request_type(RequestType.CONNECTIONS_RESPONSE)(handler_input):
            return False
        return getattr(handler_input.request_envelope.request, "name", None) == ASK_FOR_TASK

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, reminder.permission_answered)


class SessionEndedHandler(AbstractRequestHandler):
    """SessionEndedRequest: nothing to say (Alexa would not say it)."""

    def routes(self) -> Iterable[Route]:
        return ((RequestType.SESSION_ENDED, None),)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type(RequestType.SESSION_ENDED)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.session_ended(handler_input)


class SkillDisabledHandler(AbstractRequestHandler):
    """AlexaSkillEvent.SkillDisabled: forget the listener; no speech for an event."""

    def routes(self) -> Iterable[Route]:
        return ((RequestType.SKILL_DISABLED, None),)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type(RequestType.SKILL_DISABLED)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond_silently(handler_input, preferences.skill_disabled)
