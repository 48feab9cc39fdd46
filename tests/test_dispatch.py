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
