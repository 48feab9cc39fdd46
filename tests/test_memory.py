"""The stored record: every field written, read back, and odd stored values tolerated."""

from __future__ import annotations

import datetime
from dataclasses import fields
from typing import Any

import pytest

from skill.memory import ListenerMemory, person_key
from skill.names import Voice


def test_every_field_is_written_and_read_back() -> None:
    record = ListenerMemory(
        first_seen="2026-11-25",
        visits=3,
        topics_heard=["timing", "dosage"],
        last_topic="dosage",
        voice=Voice.QUIET,
        bedtime=datetime.time(22, 30),
        reminder_id="alert-token",
        reminder_time=datetime.time(21, 45),
    )
    stored = record.to_attributes()
    assert set(stored) == {spec.name for spec in fields(ListenerMemory)}
    assert (stored["bedtime"], stored["reminder_time"]) == ("22:30", "21:45")  # JSON stays text
    assert ListenerMemory.from_attributes(stored) == record
    stored["topics_heard"].append("hydration")
    assert record.topics_heard == ["timing", "dosage"]  # the stored dict is a copy


@pytest.mark.parametrize(
    "odd",
    [
        {"visits": -1, "voice": "shout", "topics_heard": "timing", "bedtime": 2230},
        {"visits": True, "topics_heard": ["timing", 7, None], "last_topic": ["x"]},
        {"unknown": 1},
    ],
)
def test_odd_stored_values_fall_back_to_defaults(odd: dict[str, Any]) -> None:
    record = ListenerMemory.from_attributes(odd)
    assert record.visits == 0
    assert record.voice == "normal"
    assert all(isinstance(topic, str) for topic in record.topics_heard)
    assert record.bedtime is None and record.last_topic is None


def test_a_persons_key_names_neither_id_and_differs_by_account() -> None:
    key = person_key("amzn1.ask.account.ONE", "amzn1.ask.person.ANNA")
    assert key == person_key("amzn1.ask.account.ONE", "amzn1.ask.person.ANNA")
    assert key != person_key("amzn1.ask.account.TWO", "amzn1.ask.person.ANNA")
    assert key != person_key("amzn1.ask.account.ONE", "amzn1.ask.person.BEN")
    assert "ONE" not in key and "ANNA" not in key
