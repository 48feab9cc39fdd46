"""Held-out phrasings against the deployed model, by exact sample matching.

    python -m skill.dev.model.measure PATH --summary   # aggregate figures only, never a phrase
    python -m skill.dev.model.measure PATH --misses    # also the phrases missed (spent sets only)

A set is a tab-separated file, `#` lines are comments:

    variety <TAB> phrase <TAB> label [<TAB> key=value ...]

`label` is an answer id of the capabilities list the set's writer was given (the topics
of skill/content/answers.json, `closer`, `emergency`, `condition`, `amount_check`, ...).
`kind=` (condition), `amount=`, `unit=` (amounts) and `time=` (HH:MM, a reminder) must
equal what the matched sample's slots resolve to. The variety picks the locale whose
model is used (`gb`, `uk` -> en-GB; `au` -> en-AU; `in`, `indian` -> en-IN; `ca` -> en-CA;
anything else en-US).

Two figures per set:
- **matched a sample**: the phrase equals a sample of the model (its slots filled with
  words their type accepts: a custom type's values and synonyms, spoken numbers for
  AMAZON.NUMBER, a time for AMAZON.TIME);
- **right answer**: every intent the phrase matches (samples, or Alexa's own phrases for a
  built-in intent: "stop", "help") gives the row's label, by the runtime's own tables
  (`skill.handlers.answers.ANSWER_FOR_INTENT`, slot ids that are content topics), with
  the row's slot columns. Matching two intents that answer differently is wrong.

Phrases are compared lowercased, without punctuation, and without the filled pauses
speech recognition does not transcribe ("um", "uh", "erm"). Nothing fuzzy: this is a
lower bound for a device, whose statistical model also takes near-misses.
"""

from __future__ import annotations

import argparse
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skill.content import load_content
from skill.dev.console.numbers import parse_number
from skill.dev.console.times import parse_time
from skill.dev.model import build, source
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.names import Intent, Slot

COMMAND = "python -m skill.dev.model.measure"
SLOT = re.compile(r"\{([A-Za-z_]+)\}")
FILLED_PAUSES = frozenset({"um", "uh", "erm", "er", "uhm", "umm", "hmm", "mm"})
TIME_TYPE = "AMAZON.TIME"
NUMBER_TYPE = "AMAZON.NUMBER"

#: What each non-article intent does, named as the capabilities list names it.
ACTION_LABELS: Mapping[str, str] = {
    Intent.SOURCE: "source",
    Intent.QUIET_VOICE: "quiet_voice",
    Intent.NORMAL_VOICE: "normal_voice",
    Intent.FORGET_ME: "forget_me",
    Intent.SET_REMINDER: "set_reminder",
    Intent.REMINDER_STATUS: "reminder_status",
    Intent.CANCEL_REMINDER: "cancel_reminder",
    Intent.HELP: "help",
    Intent.REPEAT: "repeat",
    Intent.MORE: "more",
    Intent.YES: "yes",
    Intent.NO: "no",
    Intent.START_OVER: "start_over",
    Intent.NAVIGATE_HOME: "start_over",
    Intent.STOP: "closer",
    Intent.CANCEL: "closer",
    Intent.EMERGENCY: "emergency",
    Intent.HEALTH_CONCERN: "condition",
    Intent.AMOUNT: "amount_check",
    Intent.AMOUNT_TAKEN: "amount_taken",
    Intent.EXTRA_DOSE: "extra_dose",
}
#: Intents whose one slot's resolved id is the content topic they answer.
TOPIC_SLOTS: Mapping[str, str] = {Intent.BENEFIT_DETAIL: Slot.BENEFIT, Intent.TOPIC: Slot.TOPIC}
#: A health statement naming pregnancy or medication also answers those questions.
ALSO_ANSWERS: Mapping[tuple[str, str], str] = {
    ("condition", "pregnancy"): "pregnancy",
    ("condition", "breastfeeding"): "pregnancy",
    ("condition", "medication"): "interactions",
}
#: Row column -> the slots that may carry it.
COLUMN_SLOTS: Mapping[str, tuple[str, ...]] = {
    "kind": (Slot.CONDITION,),
    "amount": (Slot.AMOUNT,),
    "unit": (Slot.UNIT,),
    "time": (Slot.TIME, Slot.BEDTIME),
}
#: Older sets label every health statement with the one intent that then caught them all.
HEALTH_STATEMENT = "health_statement"
SAFETY_NET = frozenset({"emergency", "condition", "amount_taken", "amount_check", "extra_dose"})
GROUPS: Mapping[str, str] = {
    HEALTH_STATEMENT: "condition",
    "closer": "closers",
    "emergency": "emergency",
    "condition": "condition",
    "amount_check": "amounts",
    "amount_taken": "amounts",
    "extra_dose": "amounts",
}
TOPICS_AND_ACTIONS = "topics/actions"
LOCALE_OF_VARIETY: Mapping[str, str] = {
    "gb": "en-GB",
    "uk": "en-GB",
    "british": "en-GB",
    "au": "en-AU",
    "australian": "en-AU",
    "in": "en-IN",
    "indian": "en-IN",
    "ca": "en-CA",
    "canadian": "en-CA",
}


@dataclass(frozen=True)
class Row:
    """One held-out phrasing: who says it, what is said, what the skill should do."""

    variety: str
    phrase: str
    label: str
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return GROUPS.get(self.label, TOPICS_AND_ACTIONS)

    @property
    def locale(self) -> str:
        return locale_of(self.variety)


@dataclass(frozen=True)
class Reading:
    """One way the model understands a phrase: an intent and its resolved slots."""

    intent: str
    slots: Mapping[str, str]
    sample: bool  # True for a sample of the model, False for a built-in intent's own phrase


@dataclass(frozen=True)
class Verdict:
    row: Row
    matched: bool
    right: bool


def normalise(text: str) -> str:
    """How a transcript is compared with a sample: lowercase words, no punctuation."""
    words = re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()
    return " ".join(word for word in words if word not in FILLED_PAUSES)


def locale_of(variety: str) -> str:
    for word in re.split(r"[^a-z]+", variety.lower()):
        if word in LOCALE_OF_VARIETY:
            return LOCALE_OF_VARIETY[word]
    return "en-US"


def load_set(path: Path) -> list[Row]:
    """The rows of a `variety<TAB>phrase<TAB>label[<TAB>key=value...]` file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 3 or any("=" not in cell for cell in cells[3:] if cell):
            raise ValueError(f"{path.name}:{number}: expected variety, phrase, label, key=value")
        variety, phrase, label, *extra = cells
        columns = dict(cell.strip().split("=", 1) for cell in extra if cell.strip())
        rows.append(Row(variety.strip(), normalise(phrase), label.strip(), columns))
    return rows


def load_intent_set(path: Path, variety: str = "us") -> list[Row]:
    """An older `phrase<TAB>Intent[<TAB>slot=value...]` set as labelled rows.

    The label is what the runtime answers for that intent and slots (a benefit given as
    the words said, "sleep", is resolved first); a time slot becomes the `time` column.
    """
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, intent, *cells = line.split("\t")
        slots = dict(cell.split("=", 1) for cell in cells if cell)
        resolved = {
            name: matcher("en-US").values.get(source.BENEFIT_TYPE, {}).get(value, value)
            for name, value in slots.items()
        }
        label = (
            HEALTH_STATEMENT
            if intent == Intent.HEALTH_CONCERN
            else label_of(Reading(intent, resolved, True))
        )
        if label is None:
            raise ValueError(f"{path.name}: no answer for {intent} {slots}")
        columns: dict[str, str] = {}
        for name, value in slots.items():
            if name in COLUMN_SLOTS["time"]:
                columns["time"] = value
        rows.append(Row(variety, normalise(phrase), label, columns))
    return rows


def label_of(reading: Reading) -> str | None:
    """The answer the runtime gives for a reading, named by its capability label."""
    if reading.intent in ANSWER_FOR_INTENT:
        return ANSWER_FOR_INTENT[reading.intent]
    if reading.intent in TOPIC_SLOTS:
        topic = reading.slots.get(TOPIC_SLOTS[reading.intent])
        return topic if topic in content_topics() else None
    return ACTION_LABELS.get(reading.intent)


@functools.cache
def content_topics() -> frozenset[str]:
    return frozenset(load_content().answers)


def gives(reading: Reading, row: Row) -> bool:
    """True when the reading produces the row's answer, its slots agreeing with the row."""
    label = label_of(reading)
    if label is None:
        return False
    if row.label == HEALTH_STATEMENT:
        return label in SAFETY_NET
    kind = reading.slots.get(Slot.CONDITION, "other")
    if label != row.label and ALSO_ANSWERS.get((label, kind)) != row.label:
        return False
    if label != row.label:
        return True  # "can i take it while pregnant" answers the pregnancy question
    for column, expected in row.columns.items():
        names = COLUMN_SLOTS.get(column, (column,))
        said = [reading.slots[name] for name in names if name in reading.slots]
        if column == "kind":
            said = said or ["other"]
        if not any(_same(column, value, expected) for value in said):
            return False
    return True


def _same(column: str, value: str, expected: str) -> bool:
    if column == "amount":
        try:
            return float(value) == float(expected)
        except ValueError:
            return False
    return value == expected.strip().lower()


class Matcher:
    """One locale's model, compiled for exact matching."""

    def __init__(self, locale: str) -> None:
        language = build.build_interaction_model(locale)["interactionModel"]["languageModel"]
        self.values: dict[str, dict[str, str]] = {
            kind["name"]: {
                normalise(said): value["id"]
                for value in kind["values"]
                for said in (value["name"]["value"], *value["name"]["synonyms"])
            }
            for kind in language["types"]
        }
        self.literal: dict[str, set[str]] = defaultdict(set)
        self.slotted: list[tuple[str, re.Pattern[str], dict[str, str]]] = []
        for intent in language["intents"]:
            types = {slot["name"]: slot["type"] for slot in intent.get("slots", ())}
            for sample in intent["samples"]:
                if SLOT.search(sample):
                    closed = {
                        name: list(self.values[kind])
                        for name, kind in types.items()
                        if kind in self.values
                    }
                    self.slotted.append((intent["name"], _pattern(sample, closed), types))
                else:
                    self.literal[normalise(sample)].add(intent["name"])
        self.built_in: dict[str, set[str]] = defaultdict(set)
        for name, phrases in source.SOURCE.built_in_samples.items():
            for phrase in phrases:
                if phrase in source.BUILT_IN_PHRASES:
                    self.built_in[normalise(phrase)].add(name)

    def resolve(self, words: str, kind: str) -> str | None:
        """What Alexa sends for `words` in a slot of type `kind`, if exact matching takes it."""
        if kind == TIME_TYPE:
            return parse_time(words)
        if kind == NUMBER_TYPE:
            number = parse_number(words)
            return None if number is None else str(number)
        return self.values.get(kind, {}).get(words)

    def readings(self, phrase: str) -> list[Reading]:
        found = [Reading(name, {}, True) for name in sorted(self.literal.get(phrase, ()))]
        found += [Reading(name, {}, False) for name in sorted(self.built_in.get(phrase, ()))]
        for intent, pattern, types in self.slotted:
            match = pattern.fullmatch(phrase)
            if match is None:
                continue
            slots = {
                name: self.resolve(said, types[name]) for name, said in match.groupdict().items()
            }
            if all(value is not None for value in slots.values()):
                found.append(Reading(intent, {k: v for k, v in slots.items() if v}, True))
        return found


def _pattern(sample: str, closed: Mapping[str, Sequence[str]]) -> re.Pattern[str]:
    """The sample as a regex over normalised words, each {slot} a named run of words
    (a custom type's slot: one of its value names or synonyms)."""
    pieces = SLOT.split(sample)
    text = " ".join(
        f"{{{piece}}}" if n % 2 else normalise(piece) for n, piece in enumerate(pieces)
    ).strip()
    parts = [
        (_alternatives(piece, closed[piece]) if piece in closed else f"(?P<{piece}>[a-z0-9' ]+?)")
        if n % 2
        else re.escape(piece)
        for n, piece in enumerate(SLOT.split(" ".join(text.split())))
    ]
    return re.compile("".join(parts))


def _alternatives(name: str, phrases: Sequence[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return f"(?P<{name}>{'|'.join(map(re.escape, ordered))})"


@functools.cache
def matcher(locale: str) -> Matcher:
    return Matcher(locale)


def judge(row: Row) -> Verdict:
    readings = matcher(row.locale).readings(row.phrase)
    matched = any(reading.sample for reading in readings)
    right = bool(readings) and all(gives(reading, row) for reading in readings)
    return Verdict(row, matched, right)


def judge_all(rows: Iterable[Row]) -> list[Verdict]:
    return [judge(row) for row in rows]


@dataclass(frozen=True)
class Figure:
    total: int
    matched: int
    right: int

    @property
    def right_share(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def matched_share(self) -> float:
        return self.matched / self.total if self.total else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<22} n={self.total:<4} matched a sample {self.matched:>4} "
            f"({self.matched_share:6.1%})  right answer {self.right:>4} ({self.right_share:6.1%})"
        )


def figure(verdicts: Sequence[Verdict]) -> Figure:
    return Figure(
        len(verdicts),
        sum(verdict.matched for verdict in verdicts),
        sum(verdict.right for verdict in verdicts),
    )


def breakdown(verdicts: Sequence[Verdict]) -> dict[str, dict[str, Figure]]:
    """Figures overall, per variety and per group."""
    by: dict[str, dict[str, list[Verdict]]] = {
        "variety": defaultdict(list),
        "group": defaultdict(list),
    }
    for verdict in verdicts:
        by["variety"][verdict.row.variety].append(verdict)
        by["group"][verdict.row.group].append(verdict)
    return {
        "overall": {"all": figure(verdicts)},
        **{
            kind: {name: figure(part) for name, part in sorted(groups.items())}
            for kind, groups in by.items()
        },
    }


def summary(verdicts: Sequence[Verdict]) -> str:
    """Aggregate figures only: no phrase of the set appears."""
    lines = []
    for kind, figures in breakdown(verdicts).items():
        lines.append(f"[{kind}]")
        lines.extend(result.line(name) for name, result in figures.items())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a variety<TAB>phrase<TAB>label set")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--summary", action="store_true", help="aggregate figures only (default)")
    shown.add_argument(
        "--misses", action="store_true", help="also list missed phrases: for spent sets only"
    )
    args = parser.parse_args(argv)
    verdicts = judge_all(load_set(args.path))
    print(summary(verdicts))
    if args.misses:
        for verdict in verdicts:
            if not verdict.right:
                readings = matcher(verdict.row.locale).readings(verdict.row.phrase)
                got = ", ".join(f"{r.intent}{dict(r.slots) or ''}" for r in readings) or "-"
                columns = " ".join(f"{k}={v}" for k, v in verdict.row.columns.items())
                row = verdict.row
                print(f"MISS {row.variety}\t{row.phrase}\t{row.label} {columns}\t-> {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
