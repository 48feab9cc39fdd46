"""A request handler that names the intents it serves, so the model can be checked against it."""

from __future__ import annotations

from typing import ClassVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest


class IntentHandler(AbstractRequestHandler):
    """Handles IntentRequests whose intent is one of `intent_names`."""

    intent_names: ClassVar[frozenset[str]] = frozenset()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if not isinstance(request, IntentRequest):
            return False
        # An IntentRequest may arrive without an intent; it then matches no handler.
        return getattr(request.intent, "name", None) in self.intent_names
