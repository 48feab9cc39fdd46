"""Times as text, at the edges: AMAZON.TIME slot values in, "HH:MM" in storage, "9:45 PM"
in speech. A leaf: plain `datetime.time`, imported by memory and the reminder alike."""

from __future__ import annotations

import datetime
import re

_AMAZON_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def parse_amazon_time(value: object) -> datetime.time | None:
    """An AMAZON.TIME slot value ("21:30") as a time; None for "MO"/"AF"/"EV"/"NI" or junk.

    The vague values (morning, afternoon, evening, night) name no minute to set a
    reminder for, so the handler should ask again (see `parse_day_part`). Never raises.
    """
    if not isinstance(value, str):
        return None
    match = _AMAZON_TIME.fullmatch(value.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return datetime.time(hour, minute)


def to_clock(at: datetime.time) -> str:
    """ "21:45": how a time is stored."""
    return at.strftime("%H:%M")


def from_clock(text: object) -> datetime.time | None:
    """A stored "HH:MM" back to a time; None for anything else (records come from outside)."""
    return parse_amazon_time(text)


MIDNIGHT = datetime.time(0, 0)
NOON = datetime.time(12, 0)


def spoken_time(at: datetime.time) -> str:
    """ "9:45 PM": how Alexa reads a clock time naturally; "midnight" and "noon" as words
    ("12:00 AM" leaves a listener guessing)."""
    if at.replace(second=0, microsecond=0) in _WORDS:
        return _WORDS[at.replace(second=0, microsecond=0)]
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def spoken_clock(at: datetime.time) -> str:
    """ "10:30": a 12-hour reading without AM or PM, where the words around it say which
    ("9:45 every night"); "midnight" and "noon" as words."""
    if at.replace(second=0, microsecond=0) in _WORDS:
        return _WORDS[at.replace(second=0, microsecond=0)]
    return f"{at.hour % 12 or 12}:{at.minute:02d}"


_WORDS = {MIDNIGHT: "midnight", NOON: "noon"}
