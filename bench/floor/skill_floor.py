"""The SDK floor: a hello-world skill on ask-sdk-core, the least any skill on this SDK does.

It never imports the `skill` package, so its cost is the SDK's alone: `python -m bench`
measures Bedtime Magnesium against it (see BENCHMARKS.md). Like a Lambda bundle, this
folder is not a package; its modules import each other by top-level name.
"""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

logger = logging.getLogger(__name__)

TITLE = "Hello World"
WELCOME = "Welcome to the Alexa Skills Kit, you can say hello!"
HELLO = "Hello World!"
SORRY = "Sorry, I had trouble doing what you asked. Please try again."


class LaunchRequestHandler(AbstractRequestHandler):
    """Welcome and keep listening, as the SDK's hello-world sample does."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        builder = handler_input.response_builder
        builder.speak(WELCOME).ask(WELCOME).set_card(SimpleCard(TITLE, WELCOME))
        response: Response = builder.response
        return response


class HelloIntentHandler(AbstractRequestHandler):
    """The one intent: say hello and close the session."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("HelloIntent")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        builder = handler_input.response_builder
        builder.speak(HELLO).set_card(SimpleCard(TITLE, HELLO)).set_should_end_session(True)
        response: Response = builder.response
        return response


class SessionEndedRequestHandler(AbstractRequestHandler):
    """Alexa ignores speech here, so answer with an empty response."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        response: Response = handler_input.response_builder.response
        return response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Anything unhandled (an unknown intent included): log it and apologise."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error(exception, exc_info=True)
        builder = handler_input.response_builder
        builder.speak(SORRY).ask(SORRY)
        response: Response = builder.response
        return response


def build_skill() -> CustomSkill:
    """The four components, registered the way the SDK documentation shows."""
    builder = SkillBuilder()
    builder.add_request_handler(LaunchRequestHandler())
    builder.add_request_handler(HelloIntentHandler())
    builder.add_request_handler(SessionEndedRequestHandler())
    builder.add_exception_handler(CatchAllExceptionHandler())
    return builder.create()


SKILL = build_skill()
