"""Run one Alexa request, given as parsed JSON, through the skill.

Lambda hands us a dict and wants a dict back; the local console does the same.
The SDK's serializer does both conversions, so every host speaks identical JSON.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from ask_sdk_model.request import Request

from skill.logs import describe_request
from skill.sdk.serialize import CachingSerializer

KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)
#: The only parts of `context` the skill reads: System (reminders and memory read its
#: apiEndpoint, apiAccessToken, device, user and person) and, of the Viewport, only
#: `VIEWPORT_READ` (the night screen's profile). A screen device's Viewports, Extensions
#: and APL state, and the rest of its Viewport, would cost more to turn into SDK models
#: than the rest of a request (tests/test_dispatch.py keeps the skill from reading them).
READ_CONTEXT = frozenset({"System", "Viewport"})
#: The Viewport fields kept: what `skill.alexa` needs to name the viewport profile.
VIEWPORT_READ = (
    "mode",
    "shape",
    "dpi",
    "pixelWidth",
    "pixelHeight",
    "currentPixelWidth",
    "currentPixelHeight",
)

#: The deepest nesting of JSON arrays and objects accepted in a request body. Alexa's
#: envelopes nest about 8 deep; the SDK's model and deepcopy recurse once per level.
MAX_JSON_DEPTH = 64

#: A JSON string, or what is left of one that never ends: matching it never backtracks
#: over more than its own characters, so cutting strings out is linear in the text,
#: valid or not (a body of unterminated strings made it quadratic: 80 KB, 33 s).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text`, read as JSON, nests arrays and objects more than `limit` deep.

    Runs on the raw text before `json.loads`, so a hostile body is refused before any
    recursive parsing, model building or copying: strings are cut out (brackets inside
    them do not count), then the depth is a running sum over the brackets left, all in
    C-level loops. Text that is not valid JSON may be miscounted; `json.loads` rejects
    it next anyway.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot nest deeper than the number of openings
    brackets = _JSON_BRACKET.findall(_JSON_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


def structure_problem(data: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why already-parsed JSON cannot be handed to the SDK, or None: nested deeper than
    `limit` (the SDK's models and deepcopy recurse once per level), or a NaN or infinite
    number (not JSON: an answer echoing it back would not be JSON either).

    For hosts that receive the body parsed (Lambda); the web endpoint checks the raw
    text instead (`nesting_too_deep`, `parse_json`). Iterative: no recursion to overflow.
    """
    if _plain_and_sound(data, limit):
        return None
    return _first_problem(data, limit)


#: Types whose values need no look: JSON's strings, integers, booleans and null.
_SOUND_SCALARS = frozenset({str, int, bool, type(None)})


def _plain_and_sound(data: Any, limit: int) -> bool:
    """True if `data` is plain dicts and lists (exactly these types) of finite floats and
    other leaves, nested at most `limit` deep, so `structure_problem` has nothing to say.
    False means "look closer": `_first_problem` then finds the same answer it always did.
    One level at a time, one type test per value: about a third of the cost of
    `_first_problem`'s walk, which every request pays."""
    level = [data]
    depth = 1
    while level:
        if depth > limit:
            return False
        below: list[Any] = []
        for container in level:
            kind = type(container)
            if kind is dict:
                children: Any = container.values()
            elif kind is list:
                children = container
            else:
                return False
            for child in children:
                kind = type(child)
                if kind in _SOUND_SCALARS:
                    continue
                if kind is dict or kind is list:
                    below.append(child)
                elif kind is float:
                    if not math.isfinite(child):
                        return False
                elif isinstance(child, (dict, list, float)):
                    return False  # a subclass: the long walk decides
                # else a leaf the long walk passes over too (a StrEnum, a tuple ...)
        level = below
        depth += 1
    return True


def _first_problem(data: Any, limit: int) -> str | None:
    """The problem `structure_problem` reports, found the long way (any types)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, float) and not math.isfinite(value):
                return "JSON with a NaN or infinite number"
            continue
        if depth > limit:
            return "JSON nested too deeply"
        stack.extend((child, depth + 1) for child in children)
    return None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """`json.loads`, refusing NaN, Infinity and -Infinity (Python accepts them; JSON
    does not, and an answer that echoed them back would not be JSON)."""
    return json.loads(text, parse_constant=_no_constants)


class InvalidEnvelope(ValueError):
    """The event is not an Alexa request envelope the skill can answer."""


def envelope_problem(data: Any) -> str | None:
    """Why `data` is not an Alexa request envelope, or None if it has the right shape.

    Alexa always sends these parts; the SDK assumes them and would fail deep inside.
    Every host checks this first, so it also notes the request type and intent name
    for the request's log line (skill/logs.py), refused or not.
    """
    describe_request(data)
    if not isinstance(data, dict):
        return "body is not a JSON object"
    if not isinstance(data.get("version"), str):
        return "not an Alexa request envelope: missing version"
    req = data.get("request")
    if not isinstance(req, dict) or not isinstance(req.get("type"), str):
        return "not an Alexa request envelope: missing request type"
    if req["type"] not in KNOWN_REQUEST_TYPES:
        return "unknown request type"
    if not isinstance(req.get("requestId"), str) or not isinstance(req.get("timestamp"), str):
        return "not an Alexa request envelope: missing requestId or timestamp"
    context = data.get("context")
    system = context.get("System") if isinstance(context, dict) else None
    application = system.get("application") if isinstance(system, dict) else None
    if not isinstance(application, dict) or not isinstance(application.get("applicationId"), str):
        return "not an Alexa request envelope: missing context.System.application"
    session = data.get("session")
    if session is not None and not isinstance(session, dict):
        return "not an Alexa request envelope: session is not an object"
    return None


def read_envelope(skill: CustomSkill, event: dict[str, Any]) -> RequestEnvelope:
    """The SDK's model of a parsed request, its `context` cut to what the skill reads.

    The web endpoint checks the request's signature over the raw body, never over this
    model, so leaving parts out here changes nothing it verifies. `event` is not modified.
    Our serializer also skips the JSON round trip.
    """
    context = event.get("context")
    if isinstance(context, dict) and "Viewport" in context:
        kept = {part: value for part, value in context.items() if part in READ_CONTEXT}
        viewport = kept["Viewport"]
        if isinstance(viewport, dict):
            kept["Viewport"] = {
                key: _as_float(viewport[key]) for key in VIEWPORT_READ if key in viewport
            }
        event = {**event, "context": kept}
    elif isinstance(context, dict) and not READ_CONTEXT.issuperset(context):
        kept = {part: value for part, value in context.items() if part in READ_CONTEXT}
        event = {**event, "context": kept}
    serializer = skill.serializer
    if isinstance(serializer, CachingSerializer):
        envelope = serializer.from_data(event, RequestEnvelope)
    else:
        envelope = serializer.deserialize(json.dumps(event), RequestEnvelope)
    assert isinstance(envelope, RequestEnvelope)
    return envelope


def _as_float(value: Any) -> Any:
    """An int as the float the SDK's model makes of it (its sizes are typed `float`),
    so the model reads it as is instead of converting it; anything else unchanged."""
    return float(value) if type(value) is int else value


def for_another_skill(data: dict[str, Any], skill_id: str | None) -> bool:
    """True when a well-shaped envelope (`envelope_problem` passed) names another skill.
    No `skill_id` means any skill is answered, on purpose (`require_skill_id`)."""
    return bool(skill_id) and data["context"]["System"]["application"]["applicationId"] != (
        skill_id
    )


def invoke_json(
    skill: CustomSkill,
    event: dict[str, Any],
    context: Any = None,
    *,
    skill_id: str | None = None,
) -> dict[str, Any]:
    """Deserialize `event`, invoke the skill, and return the serialized response envelope.

    Raises `InvalidEnvelope` (a short, safe message) for an event that is not an
    Alexa request envelope: too deep or not JSON (`structure_problem`), the wrong shape
    (`envelope_problem`), another skill's (`skill_id`), or parts of the wrong type for
    the SDK's models (an intent that is a string, a slot that is a list): the same
    checks as the web endpoint's.
    """
    problem = envelope_problem(event) or structure_problem(event)
    if problem:
        raise InvalidEnvelope(problem)
    if for_another_skill(event, skill_id):
        raise InvalidEnvelope("for another skill")
    try:
        request = read_envelope(skill, event)
    except Exception:
        raise InvalidEnvelope("not a valid Alexa request envelope") from None
    response = skill.invoke(request_envelope=request, context=context)
    result = skill.serializer.serialize(response)
    assert isinstance(result, dict)
    return result
