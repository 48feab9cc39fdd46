"""Spoken times to AMAZON.TIME slot values, the way Alexa fills them.

(About 300 lines: one table-driven parser of every spoken time form Alexa resolves.)

A slot of type AMAZON.TIME never carries the words that were said: Alexa sends the
time as "HH:MM" on a 24-hour clock ("nine thirty pm" -> "21:30"), or one of four
special values for a vague part of the day: "MO" (morning), "AF" (afternoon), "EV"
(evening) and "NI" (night, "tonight"). `parse_time` does the same for the console,
over words as `skill.dev.console.words.normalise` leaves them (lowercase, digits spelled
out, so "9:30 pm" arrives as "nine thirty pm").

It understands, with or without "am"/"pm", "a m"/"p m", "in the morning", "in the
afternoon", "in the evening", "at night" or "tonight" after the time:

- clock times: "nine thirty", "ten oh five", "twenty one thirty", "ten fifteen";
- hours: "ten", "ten o'clock", military "twenty one hundred (hours)";
- "half past nine", "quarter past ten", "quarter to eleven", "twenty to eleven",
  "ten minutes past ten", "quarter of ten", British "half ten", "nine and a half";
- "noon", "midday", "midnight", "quarter to midnight", "half past noon";
- "morning", "afternoon", "evening", "tonight", "night" (the special values).

An hour of 1 to 12 with no "am" or "pm" is ambiguous. Alexa resolves it to the next
time that hour comes round; the console cannot know the listener's clock, so it
assumes the evening, when a bedtime skill is used: 5 to 11 are PM ("ten thirty" ->
"22:30"), 12 is midnight ("twelve thirty" -> "00:30") and 1 to 4 are the small hours
("one" -> "01:00"). Hours 0 and 13 to 23 are already on a 24-hour clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MORNING = "MO"
AFTERNOON = "AF"
EVENING = "EV"
NIGHT = "NI"
VAGUE_VALUES = frozenset({MORNING, AFTERNOON, EVENING, NIGHT})

#: An AMAZON.TIME value Alexa can send: "HH:MM" or a special value.
VALUE = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|MO|AF|EV|NI")

#: Representative spoken times: what the console fills AMAZON.TIME samples with for
#: fuzzy matching. The first one also stands in for whatever time a text names.
EXAMPLES: tuple[str, ...] = ("ten", "nine thirty", "ten thirty pm", "half past nine")

#: Hours with no am/pm that the console reads as PM (see the module docstring).
EVENING_HOURS = range(5, 12)

_ONES: tuple[str, ...] = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}

# Whole phrases that are one value.
_FIXED: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): value
    for phrase, value in (
        ("noon", "12:00"),
        ("midday", "12:00"),
        ("twelve noon", "12:00"),
        ("noon time", "12:00"),
        ("noontime", "12:00"),
        ("midnight", "00:00"),
        ("twelve midnight", "00:00"),
        ("morning", MORNING),
        ("the morning", MORNING),
        ("this morning", MORNING),
        ("in the morning", MORNING),
        ("early morning", MORNING),
        ("afternoon", AFTERNOON),
        ("the afternoon", AFTERNOON),
        ("this afternoon", AFTERNOON),
        ("in the afternoon", AFTERNOON),
        ("evening", EVENING),
        ("the evening", EVENING),
        ("this evening", EVENING),
        ("in the evening", EVENING),
        ("early evening", EVENING),
        ("late evening", EVENING),
        ("night", NIGHT),
        ("tonight", NIGHT),
        ("at night", NIGHT),
        ("nighttime", NIGHT),
        ("night time", NIGHT),
        ("late at night", NIGHT),
        ("late tonight", NIGHT),
        ("later tonight", NIGHT),
    )
}

# Words after a time that say which half of the day it is: "am", "pm" or "night"
# ("at night" is PM for 5 to 11, but "two at night" is 2 AM and "twelve at night" midnight).
_PERIODS: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): value
    for phrase, value in (
        ("am", "am"),
        ("a m", "am"),
        ("in the morning", "am"),
        ("this morning", "am"),
        ("pm", "pm"),
        ("p m", "pm"),
        ("in the afternoon", "pm"),
        ("this afternoon", "pm"),
        ("in the evening", "pm"),
        ("this evening", "pm"),
        ("at night", "night"),
        ("tonight", "night"),
        ("at night time", "night"),
    )
}

# Said before or after a time without changing it ("around ten", "ten or so").
_LEADING = frozenset(
    {"at", "around", "about", "by", "approximately", "roughly", "say", "usually", "normally"}
    | {"generally", "maybe"}
)
_TRAILING: tuple[tuple[str, ...], ...] = (("or", "so"), ("please",), ("ish",))
# No time takes more words than "twenty five minutes to eleven in the evening".
_LONGEST = 9
_OCLOCK: tuple[tuple[str, ...], ...] = (("oclock",), ("o", "clock"))
_OH = frozenset({"oh", "o", "zero"})
_PAST = frozenset({"past", "after"})
_TO = frozenset({"to", "till", "til", "before", "of"})


def is_value(value: str | None) -> bool:
    """True for a value Alexa would send in an AMAZON.TIME slot ("21:30", "NI")."""
    return value is not None and VALUE.fullmatch(value) is not None


def parse_time(text: str) -> str | None:
    """The AMAZON.TIME value of spoken words ("nine thirty pm" -> "21:30"), or None.

    `text` is normalised words (`skill.dev.console.words.normalise`); "at", "around" or
    "about" before the time and "or so" or "please" after it are allowed. None means
    the words are not a time Alexa would understand.
    """
    words = text.split()
    while words and words[0] in _LEADING:
        words = words[1:]
    for tail in _TRAILING:
        if len(words) > len(tail) and tuple(words[-len(tail) :]) == tail:
            words = words[: -len(tail)]
    return _parse(words)


def find_time(words: Sequence[str], *, exclude: frozenset[str] = frozenset()) -> slice | None:
    """Where in `words` a time is named, or None.

    A clock time ("nine thirty pm") wins over a vague one ("tonight"), then the longer
    phrase, then the earlier. A vague phrase made only of `exclude` words (a sample's
    own words, such as "night" in "remind me every night") does not count.
    """
    best: tuple[bool, int, int] | None = None  # (is a clock time, length, -start)
    for start in range(len(words)):
        for end in range(min(len(words), start + _LONGEST), start, -1):
            value = _parse(words[start:end])
            if value is None:
                continue
            vague = value in VAGUE_VALUES
            if not (vague and all(word in exclude for word in words[start:end])):
                rank = (not vague, end - start, -start)
                best = max(best, rank) if best is not None else rank
            break
    if best is None:
        return None
    return slice(-best[2], -best[2] + best[1])


def _parse(words: Sequence[str]) -> str | None:
    if not words:
        return None
    fixed = _FIXED.get(tuple(words))
    if fixed is not None:
        return fixed
    period, rest = _split_period(list(words))
    found = _clock(rest)
    if found is None:
        return None
    hour, minute, twelve_hour = found
    if twelve_hour:
        hour = _meridiem(hour, period)
    elif period == "am" and hour >= 12:
        return None  # "twenty one am"; "twenty one pm" is only redundant
    return f"{hour:02d}:{minute:02d}"


def _split_period(words: list[str]) -> tuple[str | None, list[str]]:
    """("am" | "pm" | "night" | None, the words before it)."""
    for size in (3, 2, 1):
        if len(words) > size:
            period = _PERIODS.get(tuple(words[-size:]))
            if period is not None:
                return period, words[:-size]
    return None, words


def _meridiem(hour: int, period: str | None) -> int:
    """A 12-hour clock hour (1-12) on the 24-hour clock, given what was said after it."""
    if period == "am":
        return 0 if hour == 12 else hour
    if period == "pm":
        return 12 if hour == 12 else hour + 12
    # "at night", "tonight" or nothing: the evening reading, then the small hours.
    if hour == 12:
        return 0
    if hour in EVENING_HOURS:
        return hour + 12
    return hour


def _number(words: Sequence[str], top: int) -> int | None:
    """Spoken 0..top ("twenty one"), or None."""
    if len(words) == 1 and words[0] in _ONES:
        value = _ONES.index(words[0])
    elif len(words) == 1 and words[0] in _TENS:
        value = _TENS[words[0]]
    elif len(words) == 2 and words[0] in _TENS and words[1] in _ONES[1:10]:
        value = _TENS[words[0]] + _ONES.index(words[1])
    else:
        return None
    return value if value <= top else None


def _minutes(words: Sequence[str]) -> int | None:
    """The minutes after an hour: "thirty", "oh five", "fifteen", "o'clock"."""
    if tuple(words) in _OCLOCK:
        return 0
    if len(words) == 2 and words[0] in _OH:
        single = _number(words[1:], 9)
        return single if single else None
    return _number(words, 59)


def _hour(words: Sequence[str]) -> tuple[int, bool] | None:
    """(hour, whether on a 12-hour clock) for "ten", "twenty one", "noon", "midnight"."""
    if tuple(words) in (("noon",), ("midday",)):
        return 12, False
    if tuple(words) == ("midnight",):
        return 0, False
    hour = _number(words, 23)
    if hour is None:
        return None
    return hour, 1 <= hour <= 12


def _relative(words: Sequence[str]) -> tuple[int, int, bool] | None:
    """ "half past nine", "quarter to eleven", "twenty minutes past ten", "half ten"."""
    if words and words[0] == "a":
        words = words[1:]
    for index, word in enumerate(words):
        if word not in _PAST and word not in _TO:
            continue
        amount = list(words[:index])
        if amount and amount[-1] in ("minutes", "minute"):
            amount = amount[:-1]
        minutes = {"half": 30, "quarter": 15}.get(" ".join(amount)) or _number(amount, 30)
        hour = _hour(words[index + 1 :])
        if not minutes or hour is None or (minutes == 30 and word in _TO):
            return None
        base, twelve_hour = hour
        if word in _PAST:
            return base, minutes, twelve_hour
        earlier = (base - 1) % 24
        if twelve_hour and earlier == 0:
            earlier = 12  # "quarter to one" is 12:45 on a 12-hour clock
        return earlier, 60 - minutes, twelve_hour
    if len(words) >= 2 and words[0] == "half":  # British "half ten" is 10:30
        hour = _hour(words[1:])
        if hour is not None and hour[1]:
            return hour[0], 30, True
    return None


def _clock(words: list[str]) -> tuple[int, int, bool] | None:
    """(hour, minute, whether on a 12-hour clock) of a time with its am/pm removed."""
    if not words:
        return None
    relative = _relative(words)
    if relative is not None:
        return relative
    military = words[-1] == "hours"  # "twenty one hundred hours", "oh nine thirty hours"
    if military:
        words = words[:-1]
    if len(words) >= 4 and words[-3:] in (["and", "a", "half"], ["and", "a", "quarter"]):
        hour = _hour(words[:-3])
        if hour is None:
            return None
        return hour[0], 30 if words[-1] == "half" else 15, hour[1] and not military
    if len(words) >= 2 and words[-1] == "hundred":  # "twenty one hundred", "oh nine hundred"
        hours = words[1:-1] if words[0] in _OH and len(words) == 3 else words[:-1]
        exact = _number(hours, 23)
        return (exact, 0, False) if exact is not None else None
    if len(words) >= 2 and words[0] in _OH and words[1] in _ONES[1:10]:
        # "oh nine thirty": a 24-hour clock
        minute = _minutes(words[2:]) if len(words) > 2 else 0
        return (_ONES.index(words[1]), minute, False) if minute is not None else None
    # "ten", "ten oclock", "nine thirty", "twenty one thirty": the longest hour that
    # leaves valid minutes ("twenty five" is 20:05, there being no hour 25).
    for split in (2, 1):
        hour = _hour(words[:split]) if split <= len(words) else None
        if hour is None:
            continue
        rest = words[split:]
        minute = _minutes(rest) if rest else 0
        if minute is not None:
            return hour[0], minute, hour[1] and not military
    return None
