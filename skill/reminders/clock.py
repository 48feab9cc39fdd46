"""Clock arithmetic for the nightly reminder: plain `datetime.time`, no SDK.

The article advises taking magnesium glycinate 30 minutes to an hour before
bedtime, so the reminder goes off 45 minutes before the bedtime the listener gives.
Times are `datetime.time` everywhere in code; they become text only at the edges:
`"HH:MM"` in storage (`to_clock`/`from_clock`) and "9:45 PM" in speech (`spoken_time`).
"""

from __future__ import annotations

import datetime
import re

#: The article's window: 30 minutes to an hour before bedtime. We aim for the middle.
WINDOW_MINUTES = (30, 60)
LEAD = datetime.timedelta(minutes=45)

_MINUTES_PER_DAY = 24 * 60
_AMAZON_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def _minute_of_day(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _from_minute_of_day(minutes: int) -> datetime.time:
    minutes %= _MINUTES_PER_DAY
    return datetime.time(minutes // 60, minutes % 60)


def reminder_time_for(bedtime: datetime.time) -> datetime.time:
    """45 minutes before `bedtime` (to the minute), wrapping past midnight."""
    lead = int(LEAD.total_seconds()) // 60
    return _from_minute_of_day(_minute_of_day(bedtime) - lead)


def minutes_before_bed(reminder: datetime.time, bedtime: datetime.time) -> int:
    """How many minutes (0..1439) the reminder goes off before bedtime, across midnight."""
    return (_minute_of_day(bedtime) - _minute_of_day(reminder)) % _MINUTES_PER_DAY


def in_window(reminder: datetime.time, bedtime: datetime.time) -> bool:
    """True when the reminder is 30 to 60 minutes (inclusive) before bedtime."""
    low, high = WINDOW_MINUTES
    return low <= minutes_before_bed(reminder, bedtime) <= high


def parse_amazon_time(value: object) -> datetime.time | None:
    """An AMAZON.TIME slot value ("21:30") as a time; None for "MO"/"AF"/"EV"/"NI" or junk.

    The vague values (morning, afternoon, evening, night) name no minute to set a
    reminder for, so the handler should ask again. Never raises.
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


def spoken_time(at: datetime.time) -> str:
    """ "9:45 PM": how Alexa reads a clock time naturally."""
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def daily_rule(at: datetime.time) -> str:
    """The iCalendar rule for "every day at `at`" that the Reminders API takes."""
    return f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0;INTERVAL=1;"
