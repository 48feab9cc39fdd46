"""A request handler that names the intents it serves, so the model can be checked against it."""

from __future__ import annotations

from typing import ClassVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, is_request_type


class IntentHandler(AbstractRequestHandler):
    """Handles IntentRequests whose intent is one of `intent_names`."""

    intent_names: ClassVar[frozenset[str]] = frozenset()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input)) and (
            get_intent_name(handler_input) in self.intent_names
        )
