"""The caching serializer reads and writes exactly what the SDK's own serializer does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.builder import build_skill
from skill.config import Settings
from skill.sdk.serialize import CachingSerializer
from tests.envelopes import benefit, intent, launch, session_ended, slot

ENVELOPES = {
    "launch": launch(),
    "benefit": intent("BenefitDetailIntent", {"benefit": benefit("sleep", "sleep_quality")}),
    "no match": intent("BenefitDetailIntent", {"benefit": benefit("toes")}),
    "time slot": intent("SetReminderIntent", {"time": slot("time", "21:30")}),
    "session ended": session_ended(),
}


@pytest.mark.parametrize("envelope", ENVELOPES.values(), ids=list(ENVELOPES))
def test_round_trips_match_the_sdk_serializer(envelope: dict[str, Any]) -> None:
    body = json.dumps(envelope)
    ours, sdk = CachingSerializer(), DefaultSerializer()
    for _ in range(2):  # the second pass is served from the cache
        assert ours.serialize(ours.deserialize(body, RequestEnvelope)) == sdk.serialize(
            sdk.deserialize(body, RequestEnvelope)
        )


def test_class_lookups_are_remembered() -> None:
    serializer = CachingSerializer()
    serializer.deserialize(json.dumps(ENVELOPES["benefit"]), RequestEnvelope)
    assert "ask_sdk_model.slot.Slot" in serializer._classes
    assert len(serializer._classes) > 10


def test_the_skill_uses_it() -> None:
    assert isinstance(build_skill(Settings(persistence=False)).serializer, CachingSerializer)


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-25T21:14:40Z",
        "2026-11-25T21:14:40.123Z",
        "2026-11-25T21:14:40.123456Z",
        "2026-11-25T21:14:40+02:00",  # not Alexa's form: the SDK's own parser
        "2026-11-25T21:14:40",
        "Wed, 25 Nov 2026 21:14:40 GMT",
    ],
)
def test_timestamps_read_as_the_sdk_reads_them(stamp: str) -> None:
    envelope = launch()
    envelope["request"]["timestamp"] = stamp
    body = json.dumps(envelope)
    ours = CachingSerializer().deserialize(body, RequestEnvelope).request.timestamp
    sdk = DefaultSerializer().deserialize(body, RequestEnvelope).request.timestamp
    assert ours == sdk
    assert ours.utcoffset() == sdk.utcoffset()
