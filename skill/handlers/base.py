"""Request handlers that say what they serve, so the model can be checked against them.

Most intents need no class of their own: an `IntentRoute` pairs intent names with one
feature, and `skill.builder` lists them in a table; `skill.alexa` runs the feature.
"""

from __future__ import annotations

from collections.abc import Iterable

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill import alexa
from skill.ports import Feature


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
    """Intents answered by one feature, e.g. AMAZON.HelpIntent -> conversation.help_prompt."""

    def __init__(self, intent_names: Iterable[str], feature: Feature) -> None:
        self.intent_names = frozenset(intent_names)
        self._feature = feature

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, self._feature)

    def __repr__(self) -> str:
        return f"IntentRoute({sorted(self.intent_names)}, {self._feature.__qualname__})"


class RequestRoute(AbstractRequestHandler):
    """A request type (LaunchRequest ...) answered by one feature."""

    def __init__(self, request_type: str, feature: Feature) -> None:
        self.request_type = request_type
        self._feature = feature

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return getattr(handler_input.request_envelope.request, "object_type", None) == (
            self.request_type
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return alexa.respond(handler_input, self._feature)
