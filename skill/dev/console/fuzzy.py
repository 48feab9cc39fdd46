"""Near-misses (typos, paraphrases): rapidfuzz over every sample, its slot filled with
each value it may take, kept only if it shares the text's topic words."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from skill.dev.console import times
from skill.dev.console.words import normalise, topic_words

# A near-miss must score at least this against a sample (`similarity`, 0-100). In
# tests/test_nlu.py the 47 paraphrases that need fuzzy matching score 72 to 98 (median
# 89); off-topic requests reach 78 on carrier words alone ("what is the ..."), which the
# topic-word check rejects, and at most 69 among samples that pass it.
FUZZY_THRESHOLD = 70.0
# Two words are "the same word" for the content-word check at this fuzz.ratio.
WORD_THRESHOLD = 80.0
SLOT = re.compile(r"\{(\w+)\}")


def similarity(query: str, candidate: str, *, score_cutoff: float | None = None) -> float:
    """Mean of token_set_ratio (forgives word order and extra words) and ratio (does not)."""
    score = (fuzz.token_set_ratio(query, candidate) + fuzz.ratio(query, candidate)) / 2
    return score if score_cutoff is None or score >= score_cutoff else 0.0


def _covers(words: Sequence[str], wanted: Sequence[str]) -> bool:
    """True when at least half of `wanted` appear (or nearly) among `words`."""
    return sum(_found(word, words) for word in wanted) * 2 >= len(wanted)


def _found(word: str, words: Sequence[str]) -> bool:
    """True when `word`, or a near spelling of it, is among `words`."""
    return (
        process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=WORD_THRESHOLD) is not None
    )


@dataclass(frozen=True)
class Template:
    """One sample: literal text, or a regex whose groups are the sample's slots."""

    intent: str
    sample: str
    text: str
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Choice:
    """A fuzzy-match candidate: a sample with its slot (if any) filled with a known value.

    `timed` names the sample's AMAZON.TIME slot: the text's own time fills it instead.
    """

    template: Template
    fill: Mapping[str, str]
    timed: str | None = None


def compile_sample(
    intent: str, sample: str, closed: Mapping[str, Sequence[str]] | None = None
) -> Template:
    """A sample as a template; a slot named in `closed` matches only those words (so
    two slots side by side, "{amount} {unit}", split where the second one's words are)."""
    text = normalise(sample, keep_slots=True)
    if not SLOT.search(text):
        return Template(intent, sample, text, None)
    parts = SLOT.split(text)  # literal, name, literal, name, ..., literal
    words = closed or {}
    regex = "".join(
        re.escape(part)
        if index % 2 == 0
        else (
            f"(?P<{part}>{'|'.join(map(re.escape, sorted(words[part], key=len, reverse=True)))})"
            if part in words
            else f"(?P<{part}>.+?)"
        )
        for index, part in enumerate(parts)
    )
    return Template(intent, sample, text, re.compile(regex))


class Pool:
    """Candidate texts for rapidfuzz, and the choices they stand for."""

    def __init__(self, choices: Sequence[tuple[str, Choice]]) -> None:
        self.texts = [text for text, _ in choices]
        self.choices = [choice for _, choice in choices]

    def best(
        self, text: str, wanted: Sequence[str], required: Sequence[str]
    ) -> tuple[Choice, float] | None:
        """The best candidate at or above the threshold that has half of each word list."""
        for candidate, score, index in process.extract(
            text, self.texts, scorer=similarity, score_cutoff=FUZZY_THRESHOLD, limit=None
        ):
            words = candidate.split()
            if _covers(words, required) and _covers(words, wanted):
                return self.choices[index], score
        return None


class Fuzzy:
    """Every candidate text of a set of templates, ready for rapidfuzz.

    Samples with an AMAZON.TIME slot are filled with `times.EXAMPLES`; a clock time in
    the text is compared with them as the first example ("remind me at eight fifteen"
    as "remind me at ten"). Its words are no topic words for any sample: any time fits
    the slot, and a time says nothing about what is asked.
    """

    def __init__(self, choices: Sequence[tuple[str, Choice]]) -> None:
        self.plain = Pool([(text, choice) for text, choice in choices if not choice.timed])
        self.timed = Pool([(text, choice) for text, choice in choices if choice.timed])

    def best(self, text: str, explain: str | None = None) -> tuple[Choice, float] | None:
        """The best candidate at or above the threshold that shares the text's topic.

        At least half of the text's topic words (not carrier words) must appear in the
        candidate, and half of `explain`'s too, if given.
        """
        required = topic_words(explain) if explain else []
        words = text.split()
        span = times.find_time(words)
        if span is not None and times.parse_time(" ".join(words[span])) in times.VAGUE_VALUES:
            span = None  # "tonight" stays a word; only a clock time stands in for the slot
        if span is None:
            found = self.plain.best(text, topic_words(text), required)
            timed = self.timed.best(text, topic_words(text), required)
        else:
            # A clock time is no topic ("should i take it at ten pm" is about timing).
            said = frozenset(words[span])
            wanted = topic_words(" ".join(words[: span.start] + words[span.stop :]))
            required = [word for word in required if word not in said]
            found = self.plain.best(text, wanted, required)
            masked = [*words[: span.start], times.EXAMPLES[0], *words[span.stop :]]
            timed = self.timed.best(" ".join(masked), wanted, required)
        if timed is None or found is None:
            return timed or found
        # The same intent without the time would drop what the text says ("remind me to
        # take my magnesium at ten thirty" is "remind me to take it at {time}").
        same = span is not None and timed[0].template.intent == found[0].template.intent
        return timed if same or timed[1] > found[1] else found
