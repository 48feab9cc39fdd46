"""The last line of defence: a calm, fixed reply and a log line for the operator."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.exceptions import DispatchException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import alexa, conversation
from skill.logs import ERROR, mark_outcome

logger = logging.getLogger(__name__)


def _describe(handler_input: HandlerInput) -> str:
    request = getattr(handler_input.request_envelope, "request", None)
    kind = getattr(request, "object_type", None) or type(request).__name__
    intent = getattr(getattr(request, "intent", None), "name", None)
    return f"{kind} {intent}" if intent else str(kind)


class UnhandledRequestHandler(AbstractExceptionHandler):
    """No handler matched (an intent not in our model): redirect like a fallback."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, DispatchException)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.warning("no handler for %s", _describe(handler_input))
        return alexa.respond(handler_input, conversation.fallback)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Anything else: log it with its traceback, speak a fixed apology."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error("error handling %s", _describe(handler_input), exc_info=exception)
        mark_outcome(ERROR)
        # Drop anything the failed handler had half-built (a card, a directive).
        handler_input.response_builder.response = Response()
        return alexa.respond(handler_input, conversation.apology)
