"""Open the listener's memory when a request arrives; write what is due when it leaves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill import alexa

if TYPE_CHECKING:
    from skill.persistence import ResilientPersistenceAdapter


class LoadMemoryInterceptor(AbstractRequestInterceptor):
    """Attach this request's memory; at the start of a session, count the visit."""

    def __init__(self, adapter: ResilientPersistenceAdapter) -> None:
        self._adapter = adapter

    def process(self, handler_input: HandlerInput) -> None:
        alexa.begin(handler_input, self._adapter)


class SaveMemoryInterceptor(AbstractResponseInterceptor):
    """Write what is due: settings now, the visit and topics when the session ends."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        alexa.finish(handler_input, response)
