"""Clock arithmetic for the nightly reminder: plain `datetime.time`, no SDK.

The article advises taking magnesium glycinate 30 minutes to an hour before
bedtime, so the reminder goes off 45 minutes before the bedtime the listener gives.
Times are `datetime.time` everywhere in code; they become text only at the edges
(`skill.timetext`: "HH:MM" in storage, "9:45 PM" in speech).
"""

from __future__ import annotations

import datetime

#: The article's window: 30 minutes to an hour before bedtime. We aim for the middle.
WINDOW_MINUTES = (30, 60)
LEAD = datetime.timedelta(minutes=45)
#: The lead in whole minutes, as it is spoken ("45 minutes before your bedtime").
LEAD_MINUTES = int(LEAD.total_seconds()) // 60

_MINUTES_PER_DAY = 24 * 60


def _minute_of_day(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _from_minute_of_day(minutes: int) -> datetime.time:
    minutes %= _MINUTES_PER_DAY
    return datetime.time(minutes // 60, minutes % 60)


def reminder_time_for(bedtime: datetime.time) -> datetime.time:
    """45 minutes before `bedtime` (to the minute), wrapping past midnight."""
    return _from_minute_of_day(_minute_of_day(bedtime) - LEAD_MINUTES)


def minutes_before_bed(reminder: datetime.time, bedtime: datetime.time) -> int:
    """How many minutes (0..1439) the reminder goes off before bedtime, across midnight."""
    return (_minute_of_day(bedtime) - _minute_of_day(reminder)) % _MINUTES_PER_DAY


def in_window(reminder: datetime.time, bedtime: datetime.time) -> bool:
    """True when the reminder is 30 to 60 minutes (inclusive) before bedtime."""
    low, high = WINDOW_MINUTES
    return low <= minutes_before_bed(reminder, bedtime) <= high


def daily_rule(at: datetime.time) -> str:
    """The iCalendar rule for "every day at `at`" that the Reminders API takes."""
    return f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0;INTERVAL=1;"


# --- AM or PM ---------------------------------------------------------------------------
#
# AMAZON.TIME gives a 24-hour clock, and "ten thirty" often arrives as "10:30" (morning).
# A nightly reminder is for the evening or night; anything else is confirmed first.

#: The evening-or-night span a nightly reminder belongs to: 17:00 up to 06:00.
EVENING_STARTS = datetime.time(17, 0)
NIGHT_ENDS = datetime.time(6, 0)
#: AMAZON.TIME's vague values: morning, afternoon, evening, night.
DAY_PARTS = frozenset({"MO", "AF", "EV", "NI"})
_TWELVE_HOURS = 12 * 60


def is_evening_or_night(at: datetime.time) -> bool:
    """True from 5 PM to just before 6 AM: when a nightly reminder makes sense."""
    return at >= EVENING_STARTS or at < NIGHT_ENDS


def may_mean_evening(heard: datetime.time) -> bool:
    """True for a morning or midday reading (6:00 to 12:59) whose twin 12 hours later is
    evening or night: "10:30" may well mean 10:30 PM, "12:15" a quarter past midnight."""
    return NIGHT_ENDS.hour <= heard.hour <= 12


def twelve_hours_later(at: datetime.time) -> datetime.time:
    """The same clock reading on the other half of the day: 10:30 -> 22:30, 12:15 -> 00:15."""
    return _from_minute_of_day(_minute_of_day(at) + _TWELVE_HOURS)


def parse_day_part(value: object) -> str | None:
    """ "EV", "NI", "MO" or "AF" from an AMAZON.TIME slot; None for anything else."""
    if not isinstance(value, str):
        return None
    part = value.strip().upper()
    return part if part in DAY_PARTS else None


def in_day_part(heard: datetime.time, part: str | None) -> datetime.time:
    """Read a clock time in the part of day the listener named ("at night" ... "10:30").

    Evening or night turns a morning reading into its evening twin (and "12:30 at night"
    into 00:30); afternoon or evening turns 1:00 to 5:59 into 13:00 to 17:59; morning
    turns 12:xx into 00:xx. Anything already in that part of day is kept.
    """
    hour = heard.hour
    if part in ("EV", "NI") and may_mean_evening(heard):
        return twelve_hours_later(heard)
    if part in ("AF", "EV") and 1 <= hour <= 5:
        return twelve_hours_later(heard)
    if part == "MO" and hour == 12:
        return twelve_hours_later(heard)
    return heard


# --- the first reminder -----------------------------------------------------------------

#: The furthest-ahead wall clock on Earth (UTC+14, the Line Islands).
LATEST_UTC_OFFSET = datetime.timedelta(hours=14)


def next_occurrence(at: datetime.time, now: datetime.datetime) -> datetime.datetime:
    """The first time `at` comes round strictly after the naive wall-clock `now`."""
    start = datetime.datetime.combine(now.date(), at)
    if start <= now:
        start += datetime.timedelta(days=1)
    return start


def latest_wall_clock(utc_now: datetime.datetime) -> datetime.datetime:
    """Now on the furthest-ahead clock on Earth, naive: a start after this is in the
    future in every time zone (what we use when the device's zone is unknown)."""
    return (utc_now.astimezone(datetime.UTC) + LATEST_UTC_OFFSET).replace(
        tzinfo=None, microsecond=0
    )
