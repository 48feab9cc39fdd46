"""Handlers for the bedtime routine: the quiet voice, "forget me", and yes/no confirmations."""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name
from ask_sdk_model import Response

from skill import conversation, memory
from skill.handlers.base import IntentHandler

# A pending action, and what to do when the listener says yes (True) or no (False).
CONFIRMATIONS: dict[str, Callable[[HandlerInput, bool], Response]] = {
    "forget": conversation.forget,
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
