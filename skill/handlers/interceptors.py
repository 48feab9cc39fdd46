"""Load the listener's memory when a request arrives; write its changes when it leaves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import SsmlOutputSpeech

from skill import memory
from skill.content import load_content
from skill.names import RequestType, SessionKey, Voice
from skill.replies import session_attributes, voice
from skill.speech import to_ssml

if TYPE_CHECKING:
    from skill.persistence import ResilientPersistenceAdapter

# Requests that start a visit when they open a session.
VISIT_REQUESTS = frozenset({RequestType.LAUNCH, RequestType.INTENT})


class LoadMemoryInterceptor(AbstractRequestInterceptor):
    """Attach this request's `Memory`; at the start of a session, count the visit."""

    def __init__(self, adapter: ResilientPersistenceAdapter) -> None:
        self._adapter = adapter

    def process(self, handler_input: HandlerInput) -> None:
        remembered = memory.Memory(self._adapter, handler_input)
        handler_input.attributes_manager.request_attributes[memory.REQUEST_KEY] = remembered
        session_state = handler_input.request_envelope.session
        if not remembered.enabled or session_state is None or not session_state.new:
            return
        if get_request_type(handler_input) not in VISIT_REQUESTS:
            return
        session = session_attributes(handler_input)
        record = remembered.record
        # Only what differs from a first-time, normal-voice listener rides in the session.
        if record.visits > 0:
            session[SessionKey.RETURNING] = True
            if record.topics_heard:  # offers skip what they heard before
                session[SessionKey.HEARD] = list(record.topics_heard)
        if record.voice != Voice.NORMAL:
            session[SessionKey.VOICE] = record.voice
        remembered.note_visit()


class SaveMemoryInterceptor(AbstractResponseInterceptor):
    """Write what is due: settings now, the visit and topics when the session ends."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if get_request_type(handler_input) == RequestType.CAN_FULFILL:
            return  # Alexa asking whether we could answer: not a visit, nothing to write
        session_ends = response.should_end_session is True or (
            get_request_type(handler_input) == RequestType.SESSION_ENDED
        )
        if not memory.memory_of(handler_input).commit(session_ends=session_ends):
            _say_not_stored(handler_input, response)


def _say_not_stored(handler_input: HandlerInput, response: Response) -> None:
    """What the listener asked for (a setting, "forget me") could not be stored: never
    claim it was. The reply becomes the reviewed apology; the store's fault is logged."""
    if response.output_speech is None:  # nothing is said (a session end): logged only
        return
    quiet = voice(handler_input) == Voice.QUIET
    apology = to_ssml((load_content().prompts.error,), quiet=quiet)
    response.output_speech = SsmlOutputSpeech(ssml=f"<speak>{apology}</speak>")
