"""The skill reads only `context.System` and seven fields of `context.Viewport`, so the
rest of a device's context is never read."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import Context

from skill.dev.console.requests import on_echo_show
from skill.dispatch import READ_CONTEXT, VIEWPORT_READ, invoke_json, read_envelope
from skill.names import Intent
from testing import ROOT
from testing.envelopes import benefit, intent
from testing.talk import Conversation

RUNTIME = ROOT / "skill"
ANSWER_INTENTS = (
    *(Intent.WHAT_IS, Intent.WHY_GLYCINATE, Intent.BENEFITS, Intent.FORMS, Intent.DOSAGE),
    *(Intent.TIMING, Intent.HYDRATION, Intent.SAFETY, Intent.SUMMARY, Intent.HELP),
)
#: Context parts the SDK models, by attribute name, that the skill does not read.
UNREAD = {
    attribute: key for attribute, key in Context.attribute_map.items() if key not in READ_CONTEXT
}


def test_a_screen_device_gets_the_same_answer_as_a_speaker_and_a_night_screen(
    skill: CustomSkill,
) -> None:
    dot = intent("BenefitDetailIntent", {"benefit": benefit("sleep", "sleep_quality")})
    show = on_echo_show(copy.deepcopy(dot))
    on_show, on_dot = invoke_json(skill, show), invoke_json(skill, dot)
    directives = on_show["response"].pop("directives")
    assert [d["type"] for d in directives] == ["Alexa.Presentation.APL.RenderDocument"]
    assert on_show == on_dot


def test_only_the_system_context_is_read_and_the_event_is_left_alone(skill: CustomSkill) -> None:
    show = on_echo_show(intent("TimingIntent"))
    sent = copy.deepcopy(show)
    context: Any = read_envelope(skill, show).context
    assert show == sent
    system = show["context"]["System"]
    assert context.system.device.device_id == system["device"]["deviceId"]
    assert context.system.api_access_token == system["apiAccessToken"]
    assert context.system.api_endpoint == system["apiEndpoint"]
    for attribute in UNREAD:
        assert getattr(context, attribute) is None, attribute
    viewport = show["context"]["Viewport"]
    assert len(viewport) > len(VIEWPORT_READ)
    for key, attribute in context.viewport.attribute_map.items():
        value = getattr(context.viewport, key)
        if attribute in VIEWPORT_READ:
            assert getattr(value, "value", value) == viewport[attribute], attribute
        else:
            assert value is None, attribute  # experiences, touch, keyboard, video ...


def test_the_runtime_never_reads_another_context_part() -> None:
    """If a feature starts reading, say, the Viewport, READ_CONTEXT must grow first."""
    attributes = "|".join(UNREAD)
    pattern = re.compile(
        rf"context\)?\.({attributes})\b"  # envelope.context.viewport
        rf"|getattr\([^)]*context[^)]*,\s*[\"']({attributes})[\"']"  # getattr(context, "...")
        r"|get_viewport_profile|utils\.viewport"  # the SDK's viewport helpers
        r"|" + "|".join(re.escape(f'"{key}"') for key in UNREAD.values())  # the JSON keys
    )
    runtime = [p for p in RUNTIME.rglob("*.py") if "dev" not in p.relative_to(RUNTIME).parts]
    assert len(runtime) > 20
    readers = {
        f"{path.relative_to(RUNTIME)}: {match.group(0)}"
        for path in runtime
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    }
    assert not readers


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_session_attributes_stay_flat_and_small(conversation: Callable[..., Conversation]) -> None:
    """The SDK deep-copies them on every request: a long session must not make them grow.

    Every answer intent, twice over, with yes, more and repeat between: the attributes
    stay under 1 KB and two levels deep (`unsaved.heard`, `last_reply`).
    """
    talk = conversation()
    talk.open()
    largest = 0
    for _ in range(2):
        for name in ANSWER_INTENTS:
            for said in (name, Intent.YES, Intent.MORE, Intent.REPEAT):
                if talk.ended:  # everything heard: the skill said goodnight; a new session
                    talk = conversation()
                    talk.open()
                talk.say(said)
                assert _depth(talk.attributes) <= 3, talk.attributes
                largest = max(largest, len(json.dumps(talk.attributes)))
    assert 200 < largest <= 1024


# --- the route table picks what the SDK's scan of the handler list would ---------------


def _route_cases() -> list[dict[str, Any]]:
    from skill.dev.console.requests import connections_response, intent_request
    from skill.names import Pending, SessionKey
    from testing.envelopes import envelope, launch, session_ended, skill_disabled

    names = [*Intent, "AMAZON.SomethingNewIntent", "Unknown"]
    cases: list[dict[str, Any]] = [launch(), session_ended(), skill_disabled()]
    for pending in [None, *Pending, "no_such_action"]:
        attributes = {} if pending is None else {SessionKey.PENDING: str(pending)}
        cases += [intent(str(name), new=False, attributes=attributes) for name in names]
    no_intent = envelope(intent_request("AMAZON.HelpIntent"))
    del no_intent["request"]["intent"]
    cases.append(no_intent)
    for name in ("AskFor", "Other"):
        cases.append(envelope(connections_response(name, "t", {"status": "ACCEPTED"})))
    can = envelope(intent_request("DosageIntent"))
    can["request"]["type"] = "CanFulfillIntentRequest"
    cases.append(can)
    return cases


def test_the_route_table_chooses_as_the_sdk_would(skill: CustomSkill) -> None:
    from ask_sdk_core.attributes_manager import AttributesManager
    from ask_sdk_core.handler_input import HandlerInput

    from skill.builder import request_handlers
    from skill.handlers.base import RouteTable

    handlers = request_handlers()
    table = RouteTable(handlers)
    chosen = set()
    for event in _route_cases():
        envelope = read_envelope(skill, event)

        def handler_input(envelope: Any = envelope) -> HandlerInput:  # fresh: state is per request
            return HandlerInput(
                request_envelope=envelope, attributes_manager=AttributesManager(envelope)
            )

        scan = next((h for h in handlers if h.can_handle(handler_input())), None)
        assert table.chosen(handler_input()) is scan, event["request"]
        assert table.can_handle(handler_input()) is (scan is not None)
        chosen.add(id(scan))
    assert len(chosen) > 20  # the cases reach nearly every handler


# --- the structure check's fast path says what the long walk says ----------------------


def _structures() -> list[Any]:
    import random

    from skill.dispatch import MAX_JSON_DEPTH

    class Sub(dict[str, Any]):
        pass

    def nested(depth: int, leaf: Any = 1) -> Any:
        value: Any = leaf
        for i in range(depth):
            value = [value] if i % 2 else {"k": value}
        return value

    nan, inf = float("nan"), float("inf")
    values: list[Any] = [None, "x", 1, 1.5, nan, {}, [], Sub(a=1), Sub(a=nested(80))]
    for depth in (MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 200):
        ends: list[Any] = [1, [], {}, nan, -inf, 2.5, (1,), Sub()]
        for leaf in ends:
            values.append(nested(depth, leaf))
            values.append({"a": [nested(depth, leaf)], "b": nan})
            values.append([nan, nested(depth, leaf)])
    rng = random.Random(22)

    class Real(float):
        pass

    from skill.names import Bedtime

    leaves = [1, "s", None, True, 0.5, nan, inf, (1, 2), 10**30, Sub(), Bedtime.NEAR]
    leaves += [Real(nan), Real(1.0), [Sub(a=[nan])]]
    for _ in range(300):
        value: Any = rng.choice(leaves)
        for _ in range(rng.randrange(90)):
            value = (
                {"k": value, "n": rng.choice(leaves)}
                if rng.random() < 0.5
                else [rng.choice(leaves), value]
            )
        values.append(value)
    return values


def test_the_fast_structure_check_agrees_with_the_long_walk() -> None:
    from skill.dispatch import _first_problem, structure_problem

    for limit in (3, 64):
        for value in _structures():
            assert structure_problem(value, limit) == _first_problem(value, limit)
