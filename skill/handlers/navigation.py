"""Handlers for opening, leaving and finding your way around the skill."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill import conversation
from skill.handlers.base import IntentHandler


class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.welcome(handler_input)


class StartOverHandler(IntentHandler):
    """ "Start over" and "go home" return to the welcome."""

    intent_names = frozenset({"AMAZON.StartOverIntent", "AMAZON.NavigateHomeIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.welcome(handler_input)


class HelpHandler(IntentHandler):
    intent_names = frozenset({"AMAZON.HelpIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.help_prompt(handler_input)


class StopHandler(IntentHandler):
    intent_names = frozenset({"AMAZON.StopIntent", "AMAZON.CancelIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.goodbye(handler_input)


class FallbackHandler(IntentHandler):
    intent_names = frozenset({"AMAZON.FallbackIntent"})

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.fallback(handler_input)


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        return conversation.silence(handler_input)
