"""The one adapter between the ASK SDK and the skill's features.

Per request it parses the `Turn` once, reads tonight's `Session`, opens the listener's
`Memory`, calls a feature `(turn, session, ports) -> Reply`, renders the reply as the SDK's
response, writes the session back and commits memory. Features never see `HandlerInput`;
only this module, the route table (`builder.py`) and the SDK handler classes (`handlers/`)
do. It is also the one home for the locale, for screens (the night screen, where the device
can show it) and for the recognised person (memory for the account and for that person).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent as IntentModel
from ask_sdk_model import IntentConfirmationStatus, Response
from ask_sdk_model.ui import SimpleCard, SsmlOutputSpeech

from skill import bedtime, discovery
from skill.content import load_content
from skill.memory import Memory, Store
from skill.names import RequestType, Voice
from skill.ports import Feature, Ports
from skill.reminders.port import NightlyReminders, ReminderResult, Reminders
from skill.replies import Reply, render
from skill.screen import (
    NIGHT_SCREEN_TOKEN,
    night_screen,
    night_screen_data,
    shows_night_screen,
    viewport_profile,
)
from skill.speech import to_ssml
from skill.turn import Screen, Session, SlotValue, TaskAnswer, Turn

if TYPE_CHECKING:
    from ask_sdk_model import RequestEnvelope

logger = logging.getLogger(__name__)

REQUEST_KEY = "turn_state"
ER_SUCCESS_MATCH = "ER_SUCCESS_MATCH"  # compared by value: keeps the SDK's ER enums off cold start
GRANTED = "GRANTED"
# Requests that start a visit when they open a session.
VISIT_REQUESTS = frozenset({RequestType.LAUNCH, RequestType.INTENT})


@dataclass
class _State:
    turn: Turn
    session: Session
    memory: Memory


# --------------------------------------------------------------------------- the turn


def parse_turn(envelope: RequestEnvelope) -> Turn:
    """The request's facts, read once from the SDK's model (parts may be missing: the
    envelope comes from outside)."""
    request: Any = envelope.request
    session = envelope.session
    context = getattr(envelope, "context", None)
    system = getattr(context, "system", None)
    kind = str(getattr(request, "object_type", None) or "")
    intent = getattr(request, "intent", None)
    user = getattr(system, "user", None)
    user_id = getattr(user, "user_id", None)
    scopes = getattr(getattr(user, "permissions", None), "scopes", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    timestamp = getattr(request, "timestamp", None)
    return Turn(
        kind=kind,
        intent=getattr(intent, "name", None),
        slots=_slots(getattr(intent, "slots", None)),
        locale=getattr(request, "locale", None),
        has_session=session is not None,
        new_session=bool(getattr(session, "new", False)),
        screen=_screen(interfaces, context),
        permissions=frozenset(
            name
            for name, scope in (scopes.items() if isinstance(scopes, dict) else ())
            if _value(getattr(scope, "status", None)) == GRANTED
        ),
        person_id=_text(getattr(getattr(system, "person", None), "person_id", None)),
        user_id=user_id if isinstance(user_id, str) and user_id else None,
        timestamp=timestamp if isinstance(timestamp, datetime.datetime) else None,
        task=_task(request) if kind == RequestType.CONNECTIONS_RESPONSE else None,
    )


def _screen(interfaces: Any, context: Any) -> Screen:
    """What the device can show: APL or not and, for APL, its viewport profile and shape
    (from `context.Viewport`, of which skill/dispatch.py keeps only the parts read here)."""
    if getattr(interfaces, "alexa_presentation_apl", None) is None:
        return Screen()
    viewport = getattr(context, "viewport", None)
    if viewport is None:
        return Screen(supports_apl=True)
    width = viewport.current_pixel_width or viewport.pixel_width
    height = viewport.current_pixel_height or viewport.pixel_height
    dpi = viewport.dpi
    if not all(type(n) in (int, float) for n in (width, height, dpi)):
        return Screen(supports_apl=True)
    mode, shape = _value(viewport.mode), _value(viewport.shape)
    mode = mode if isinstance(mode, str) else None
    shape = shape.lower() if isinstance(shape, str) else None
    profile = viewport_profile(mode, shape, int(width), int(height), int(dpi))
    return Screen(supports_apl=True, profile=profile, shape=shape)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _value(code: Any) -> Any:
    return getattr(code, "value", code)


def _slots(slots: Any) -> dict[str, SlotValue]:
    if not isinstance(slots, dict):
        return {}
    return {name: _slot(slot) for name, slot in slots.items()}


def _slot(slot: Any) -> SlotValue:
    ids: list[str] = []
    matched = False
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if _value(status) != ER_SUCCESS_MATCH:
            continue
        values = getattr(authority, "values", None)
        matched = matched or bool(values)
        for wrapper in values or []:
            value_id = getattr(getattr(wrapper, "value", None), "id", None)
            if isinstance(value_id, str):
                ids.append(value_id)
    spoken = getattr(slot, "value", None)
    return SlotValue(
        spoken=spoken if isinstance(spoken, str) else None,
        resolved_ids=tuple(ids),
        matched=matched,
    )


def _task(request: Any) -> TaskAnswer:
    from skill.reminders.service import permission_granted  # only for a task's answer

    token = getattr(request, "token", None)
    return TaskAnswer(
        name=getattr(request, "name", None),
        token=token if isinstance(token, str) else None,
        accepted=permission_granted(request),
    )


# --------------------------------------------------------------------------- state


def _state(handler_input: HandlerInput, store: Store | None = None) -> _State:
    attributes = handler_input.attributes_manager.request_attributes
    state = attributes.get(REQUEST_KEY)
    if not isinstance(state, _State):
        turn = parse_turn(handler_input.request_envelope)
        raw = handler_input.attributes_manager.session_attributes if turn.has_session else {}
        session = Session.from_attributes(raw)
        state = _State(turn, session, Memory(store, turn.user_id, session, turn.person_id))
        attributes[REQUEST_KEY] = state
    return state


def turn_of(handler_input: HandlerInput) -> Turn:
    return _state(handler_input).turn


def session_of(handler_input: HandlerInput) -> Session:
    return _state(handler_input).session


def begin(handler_input: HandlerInput, store: Store) -> None:
    """A request arrives: open the listener's memory; a new session counts as a visit."""
    state = _state(handler_input, store)
    turn = state.turn
    if state.memory.enabled and turn.new_session and turn.kind in VISIT_REQUESTS:
        state.memory.open_visit()


def finish(handler_input: HandlerInput, response: Response) -> None:
    """A response leaves: write what memory has due, and the session as it is now."""
    state = _state(handler_input)
    if state.turn.kind == RequestType.CAN_FULFILL:
        return  # Alexa asking whether we could answer: not a visit, nothing to write
    session_ends = response.should_end_session is True or (
        state.turn.kind == RequestType.SESSION_ENDED
    )
    if not state.memory.commit(session_ends=session_ends):
        _say_not_stored(state, response)
    _write_session(handler_input, state)


def _say_not_stored(state: _State, response: Response) -> None:
    """What the listener asked for (a setting, "forget me") could not be stored: never
    claim it was. The reply becomes the reviewed apology; the store's fault is logged."""
    if response.output_speech is None:  # nothing is said (a session end): logged only
        return
    apology = to_ssml((load_content().prompts.error,), quiet=_voice(state) == Voice.QUIET)
    response.output_speech = SsmlOutputSpeech(ssml=f"<speak>{apology}</speak>")


def _write_session(handler_input: HandlerInput, state: _State) -> None:
    if state.turn.has_session:
        handler_input.attributes_manager.session_attributes = state.session.to_attributes()


# --------------------------------------------------------------------------- responding


def respond(handler_input: HandlerInput, feature: Feature) -> Response:
    """Run a feature on this request and send its reply."""
    state = _state(handler_input)
    ports = Ports(
        memory=state.memory,
        reminders=_AlexaRemindersOnDemand(handler_input),
        clock=_AlexaClockOnDemand(handler_input),
    )
    reply = feature(state.turn, state.session, ports)
    return render_reply(handler_input, state, reply)


def respond_silently(handler_input: HandlerInput, action: Callable[..., None]) -> Response:
    """Run a feature that says nothing (an event such as SkillDisabled)."""
    state = _state(handler_input)
    action(state.turn, state.session, Ports(state.memory, _AlexaRemindersOnDemand(handler_input)))
    response: Response = handler_input.response_builder.response
    return response


def render_reply(handler_input: HandlerInput, state: _State, reply: Reply) -> Response:
    """The SDK response for a reply: words in the listener's voice, card, directives."""
    rendered = render(state.turn, state.session, reply)
    # Near bedtime every reply is soft, not only the short answers.
    near = reply.near_bedtime or bedtime.is_near_tonight(state.session)
    quiet = near or _voice(state) == Voice.QUIET
    builder = handler_input.response_builder
    if reply.ask_permission is not None:
        from skill.reminders.service import permission_request_directive

        builder.add_directive(permission_request_directive(reply.ask_permission))
    if reply.consent_card:
        from skill.reminders.service import consent_card

        builder.set_card(consent_card())
    builder.speak(to_ssml(rendered.speech, quiet=quiet))
    if reply.ask_permission is None and shows_night_screen(state.turn.screen):
        # Not beside Alexa's own permission prompt: that task takes the screen itself.
        _night_screen(handler_input, reply)
    if reply.card_title and reply.card_text:
        builder.set_card(SimpleCard(title=reply.card_title, content=reply.card_text))
    if rendered.reprompt is None:
        builder.set_should_end_session(True)
    else:
        if rendered.elicit is not None:
            _elicit_slot(handler_input, *rendered.elicit)
        builder.ask(to_ssml([rendered.reprompt], quiet=quiet))
    _write_session(handler_input, state)
    response: Response = builder.response
    return response


def _voice(state: _State) -> str:
    """This session's voice, else the stored one if it was read for this request anyway
    (a session copies it in when it opens), else normal."""
    if state.session.voice in (Voice.NORMAL, Voice.QUIET):
        return str(state.session.voice)
    record = state.memory.loaded_record
    return record.voice if record is not None else Voice.NORMAL


def _night_screen(handler_input: HandlerInput, reply: Reply) -> None:
    """The night screen document, bound to this reply (screen devices only)."""
    # Screen devices only: the APL package imports every APL model class it has.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    handler_input.response_builder.add_directive(
        RenderDocumentDirective(
            token=NIGHT_SCREEN_TOKEN,
            document=night_screen(),
            datasources=night_screen_data(reply),
        )
    )


def _elicit_slot(handler_input: HandlerInput, intent_name: str, slot_name: str) -> None:
    """Ask Alexa to listen for one slot's value next (needs the intent in the dialog model)."""
    from ask_sdk_model.dialog import ElicitSlotDirective  # rare; kept off the cold start

    handler_input.response_builder.add_directive(
        ElicitSlotDirective(
            updated_intent=IntentModel(
                name=intent_name, confirmation_status=IntentConfirmationStatus.NONE
            ),
            slot_to_elicit=slot_name,
        )
    )


def answer_can_fulfill(handler_input: HandlerInput, answerable: Collection[str]) -> Response:
    """Alexa asks whether the skill could answer an intent: nothing said, nothing stored."""
    verdict = discovery.can_fulfill(turn_of(handler_input), answerable)
    handler_input.response_builder.set_can_fulfill_intent(verdict)
    response: Response = handler_input.response_builder.response
    return response


def session_ended(handler_input: HandlerInput) -> Response:
    """SessionEndedRequest: Alexa ignores any speech, so send none.

    Reason ERROR is how Alexa reports that an earlier response of ours was invalid:
    log its type and message (no ids) at WARNING.
    """
    request = handler_input.request_envelope.request
    reason = getattr(getattr(request, "reason", None), "value", None)
    if reason == "ERROR":
        error = getattr(request, "error", None)
        kind = getattr(getattr(error, "object_type", None), "value", None)
        message = str(getattr(error, "message", None) or "")[:300]
        logger.warning("session ended with an error: %s: %s", kind or "-", message or "-")
    response: Response = handler_input.response_builder.response
    return response


class _AlexaClockOnDemand:
    """The device clock port over Alexa's settings API, loaded on first use (most
    requests never ask: only a listener with a stored bedtime, once a session)."""

    def __init__(self, handler_input: HandlerInput) -> None:
        self._handler_input = handler_input

    def local(self, at: datetime.datetime) -> datetime.datetime | None:
        from skill.reminders.service import device_wall_clock

        return device_wall_clock(self._handler_input, at)


class _AlexaRemindersOnDemand:
    """The Reminders port over Alexa's API, loaded on first use (the SDK's reminder
    models cost cold-start time that a request about the article should not pay)."""

    def __init__(self, handler_input: HandlerInput) -> None:
        self._handler_input = handler_input
        self._port: Reminders | None = None

    def _real(self) -> Reminders:
        if self._port is None:
            from skill.reminders.service import AlexaReminders

            self._port = AlexaReminders(self._handler_input)
        return self._port

    def find(self, stored_id: str | None) -> NightlyReminders:
        return self._real().find(stored_id)

    def set(self, at: datetime.time, spoken_text: str, stored_id: str | None) -> ReminderResult:
        return self._real().set(at, spoken_text, stored_id)

    def delete(self, stored_id: str | None) -> ReminderResult:
        return self._real().delete(stored_id)
