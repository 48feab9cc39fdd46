"""Request handlers that say what they serve, so the model can be checked against them.

Most intents need no class of their own: an `IntentRoute` pairs intent names with
one call into the conversation layer, and `skill.builder` lists them in a table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

Respond = Callable[[HandlerInput], Response]


class IntentHandler(AbstractRequestHandler):
    """Handles IntentRequests whose intent is one of `intent_names`."""

    intent_names: frozenset[str] = frozenset()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if not isinstance(request, IntentRequest):
            return False
        # An IntentRequest may arrive without an intent; it then matches no handler.
        return getattr(request.intent, "name", None) in self.intent_names


class IntentRoute(IntentHandler):
    """Intents answered by a single call, e.g. AMAZON.HelpIntent -> conversation.help_prompt."""

    def __init__(self, intent_names: Iterable[str], respond: Respond) -> None:
        self.intent_names = frozenset(intent_names)
        self._respond = respond

    def handle(self, handler_input: HandlerInput) -> Response:
        return self._respond(handler_input)

    def __repr__(self) -> str:
        return f"IntentRoute({sorted(self.intent_names)}, {self._respond.__qualname__})"


class RequestRoute(AbstractRequestHandler):
    """A request type (LaunchRequest, SessionEndedRequest ...) answered by a single call."""

    def __init__(self, request_type: str, respond: Respond) -> None:
        self.request_type = request_type
        self._respond = respond

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return getattr(handler_input.request_envelope.request, "object_type", None) == (
            self.request_type
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return self._respond(handler_input)
