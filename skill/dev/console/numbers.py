"""Spoken numbers to the value Alexa's AMAZON.NUMBER slot sends ("eight hundred" -> "800").

Alexa sends an AMAZON.NUMBER slot as digits, whether the listener said "800" or "eight
hundred". The console (and the held-out measure) read the words the same way: digits,
or number words up to the thousands ("a thousand", "fifteen hundred", "two thousand
five hundred", "one hundred and fifty"). Anything else is no number.
"""

from __future__ import annotations

import re

_UNITS = {
    word: n
    for n, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    word: 10 * n
    for n, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2
    )
}
_DIGITS = re.compile(r"\d+")


def parse_number(text: str) -> int | None:
    """The whole number the words say, or None if they say anything else."""
    words = text.replace("-", " ").split()
    if len(words) == 1 and _DIGITS.fullmatch(words[0]):
        return int(words[0])
    total = current = 0
    seen = False
    for n, word in enumerate(words):
        following = words[n + 1] if n + 1 < len(words) else ""
        if word in _UNITS:
            rest = current % 100
            if rest and not (rest >= 20 and rest % 10 == 0 and _UNITS[word] < 10):
                return None  # "five six", "twenty twelve"
            current += _UNITS[word]
        elif word in _TENS:
            if current % 100:
                return None
            current += _TENS[word]
        elif word == "hundred":
            if current >= 100:
                return None
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif word in ("a", "one") and following in ("hundred", "thousand") and not current:
            current = 0
            seen = True
            continue
        elif word == "and" and seen and following in (*_UNITS, *_TENS):
            continue
        else:
            return None
        seen = True
    return total + current if seen else None
