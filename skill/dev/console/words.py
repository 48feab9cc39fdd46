"""Typed text as Alexa hands it to a skill: lowercase words, no punctuation, contractions
and digits spelled out; and which of its words carry the topic."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Typed shorthand and contractions, spelled out the way the samples are written.
_WORDS: Mapping[str, str] = {
    "what's": "what is",
    "whats": "what is",
    "it's": "it is",
    "that's": "that is",
    "thats": "that is",
    "there's": "there is",
    "theres": "there is",
    "how's": "how is",
    "where's": "where is",
    "who's": "who is",
    "i'm": "i am",
    "im": "i am",
    "i'd": "i would",
    "i've": "i have",
    "ive": "i have",
    "i'll": "i will",
    "you're": "you are",
    "don't": "do not",
    "dont": "do not",
    "doesn't": "does not",
    "doesnt": "does not",
    "isn't": "is not",
    "isnt": "is not",
    "aren't": "are not",
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "won't": "will not",
    "wont": "will not",
    "shouldn't": "should not",
    "let's": "let us",
    "ok": "okay",
    "k": "okay",
    "mg": "milligrams",
    "mgs": "milligrams",
    "meds": "medications",
    "med": "medication",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "doc": "doctor",
    "dr": "doctor",
    "abt": "about",
    "w": "with",
}

# Words that carry no topic: a near-miss must share half of the others with its sample.
# "turn", "switch", "off" and "set" say what to do to something, not what it is about:
# "turn off the lights" shares no topic with "turn off my reminder".
_CARRIER_TEXT = """
a an the i me my mine it its is are was were be am to of for with and or not no do does did
should can could would will shall may might must what how when why which who where please
about tell say give you your this that these those in on at by from some any just really so
if there here get got need want like know let us we our one ones than then too very much
many more also hey alexa turn switch off set
"""
_CARRIER_WORDS = frozenset(_CARRIER_TEXT.split())
_ONES_TEXT = "zero one two three four five six seven eight nine ten eleven twelve thirteen \
fourteen fifteen sixteen seventeen eighteen nineteen"
_TENS_TEXT = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"


# A typed clock time: "9:30", "21:00", and "9.30" when am or pm follows.
_CLOCK = re.compile(
    r"\b([01]?[0-9]|2[0-3])(?::([0-5][0-9])|\.([0-5][0-9])(?=\s*[ap]\.?\s?m\b))(?![0-9])"
)


def _number_words(number: int) -> str:
    """Digits as the samples write them: 400 -> "four hundred"."""
    ones = _ONES_TEXT.split()
    tens = _TENS_TEXT.split()
    if number < 20:
        return ones[number]
    if number < 100:
        return tens[number // 10] + (f" {ones[number % 10]}" if number % 10 else "")
    if number < 1000:
        rest = number % 100
        return f"{ones[number // 100]} hundred" + (f" {_number_words(rest)}" if rest else "")
    if number < 1_000_000:
        rest = number % 1000
        thousands = _number_words(number // 1000)
        return f"{thousands} thousand" + (f" {_number_words(rest)}" if rest else "")
    return str(number)


def _clock_words(found: re.Match[str]) -> str:
    """A typed clock time as it is spoken: "9:30" -> "nine thirty", "21:00" -> "twenty one
    hundred", "10:05" -> "ten oh five", "10:00" -> "ten oclock"."""
    hour = int(found[1])
    minute = int(found[2] or found[3])
    if minute == 0:
        said = "oclock" if 1 <= hour <= 12 else "hundred"
    elif minute < 10:
        said = f"oh {_number_words(minute)}"
    else:
        said = _number_words(minute)
    return f" {_number_words(hour)} {said} "


def normalise(text: str, *, keep_slots: bool = False) -> str:
    """Lowercase words without punctuation, contractions and digits spelled out.

    Alexa hands skills lowercase words with numbers spelled out; typed text and the
    model's samples both go through here so they compare like for like. A typed clock
    time is spelled out as it is said ("9:30pm" -> "nine thirty pm").
    """
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    text = _CLOCK.sub(_clock_words, text)
    text = re.sub(r"(\d)\.(\d)", r"\1 point \2", text)
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text)
    allowed = r"[^a-z0-9'{}_ ]" if keep_slots else r"[^a-z0-9' ]"
    text = re.sub(allowed, " ", text)
    words: list[str] = []
    for raw in text.split():
        word = raw.strip("'")
        if not word:
            continue
        word = _WORDS.get(word, word)
        if word.isdigit():
            word = _number_words(int(word))
        words.append(word.replace("'", "") if "{" not in word else word)
    return " ".join(words)


def topic_words(text: str) -> list[str]:
    """The words of `text` that say what it is about (not carrier words like "what is")."""
    return [word for word in text.split() if word not in _CARRIER_WORDS]
