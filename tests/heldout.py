"""The held-out phrasings (tests/data/heldout_*.tsv) against the deployed model.

A phrase is understood when it equals a sample of its expected intent exactly, with the
row's slots filled by the words said (lowercase, punctuation dropped), and equals no
other intent's sample. This is the figure for the deployed model: Alexa, not our console.

A row's slot value is either the words said for the slot (the first set: `benefit=sleep`)
or the value Alexa resolves them to (the blind set: `benefit=sleep_quality`, an id of the
slot type; `time=21:30`, an AMAZON.TIME value). A sample fills a slot only with words its
type accepts that resolve to the row's value, and every slot the row names must be filled.

A built-in intent (AMAZON.HelpIntent, ...) also understands, with no sample, the phrases
Alexa's own training gives it: those of `built_in_phrases` (intents.yaml) that the console
takes for that intent ("help", "stop", "repeat that"). Any other phrase needs a sample.

Two sets: heldout_utterances.tsv, written by someone who had read the samples, and
heldout_blind.tsv, written before anyone looking at it had read them (the honest figure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from skill.dev.console.times import parse_time
from skill.dev.model import build, source

DATA = Path(__file__).resolve().parent / "data"
HELDOUT_PATH = DATA / "heldout_utterances.tsv"
BLIND_PATH = DATA / "heldout_blind.tsv"
SLOT = re.compile(r"\{([A-Za-z_]+)\}")
TIME_TYPE = "AMAZON.TIME"


@dataclass(frozen=True)
class Heldout:
    phrase: str
    intent: str
    slots: dict[str, str]


def normalise(text: str) -> str:
    """How a transcript is compared with a sample: lowercase words, no punctuation."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def load_heldout(path: Path = HELDOUT_PATH) -> list[Heldout]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, intent, *slot_cells = line.split("\t")
        slots = dict(cell.split("=", 1) for cell in slot_cells if cell)
        rows.append(Heldout(normalise(phrase), intent, slots))
    return rows


def model_samples(locale: str) -> dict[str, list[str]]:
    """Intent name -> its samples, as the generated model for `locale` carries them."""
    language = build.build_interaction_model(locale)["interactionModel"]["languageModel"]
    return {intent["name"]: list(intent["samples"]) for intent in language["intents"]}


def slot_phrases(locale: str) -> dict[str, dict[str, str]]:
    """Slot name -> every phrase its custom type accepts (value names and synonyms),
    each with the id it resolves to. AMAZON.* slots accept nothing here (see `resolves`)."""
    language = build.build_interaction_model(locale)["interactionModel"]["languageModel"]
    by_type = {
        kind["name"]: {
            normalise(phrase): value.get("id", value["name"]["value"])
            for value in kind["values"]
            for phrase in (value["name"]["value"], *value["name"]["synonyms"])
        }
        for kind in language["types"]
    }
    return {
        slot["name"]: by_type.get(slot["type"], {})
        for intent in language["intents"]
        for slot in intent.get("slots", [])
    }


def slot_types(locale: str) -> dict[str, str]:
    """Slot name -> its type, over every intent of the model for `locale`."""
    language = build.build_interaction_model(locale)["interactionModel"]["languageModel"]
    return {
        slot["name"]: slot["type"]
        for intent in language["intents"]
        for slot in intent.get("slots", [])
    }


def resolves(words: str, value: str, kind: str, accepted: dict[str, str]) -> bool:
    """True when `words` said for a slot give the row's `value` (words said or resolved)."""
    if kind == TIME_TYPE:
        return words == normalise(value) or parse_time(words) == value
    return words in accepted and value in {accepted[words], words}


def _pattern(sample: str) -> re.Pattern[str]:
    """The sample as a regex over normalised words, each {slot} a named run of words."""
    parts = []
    for n, piece in enumerate(SLOT.split(sample)):
        if n % 2:
            parts.append(f"(?P<{piece}>[a-z0-9' ]+?)")
        else:
            parts.append(re.escape(piece.lower()))
    return re.compile("".join(parts))


def built_in_understands() -> dict[str, set[str]]:
    """Built-in intent -> the phrases Alexa's own training gives it (no sample needed)."""
    return {
        name: {normalise(p) for p in phrases if p in source.BUILT_IN_PHRASES}
        for name, phrases in source.SOURCE.built_in_samples.items()
    }


def understood_as(row: Heldout, locale: str = "en-US") -> set[str]:
    """The intents whose samples the row's phrase equals (its slots filled by words said)."""
    accepted = slot_phrases(locale)
    kinds = slot_types(locale)
    owners = {
        name
        for name, phrases in built_in_understands().items()
        if not row.slots and row.phrase in phrases
    }
    for intent, samples in model_samples(locale).items():
        for sample in samples:
            names = SLOT.findall(sample)
            if set(names) != set(row.slots):
                continue
            if not names:
                if normalise(sample) == row.phrase:
                    owners.add(intent)
                continue
            found = _pattern(normalise_keeping_slots(sample)).fullmatch(row.phrase)
            if found and all(
                resolves(found.group(name), row.slots[name], kinds[name], accepted[name])
                for name in names
            ):
                owners.add(intent)
    return owners


def normalise_keeping_slots(sample: str) -> str:
    """`normalise` for a sample, leaving its {slot} markers in place."""
    pieces = SLOT.split(sample)
    return " ".join(
        f"{{{piece}}}" if n % 2 else normalise(piece) for n, piece in enumerate(pieces)
    ).strip()


def figure(rows: list[Heldout], locale: str = "en-US") -> tuple[float, list[Heldout]]:
    """The share of rows understood as exactly their intent, and the rows that are not."""
    missed = [row for row in rows if understood_as(row, locale) != {row.intent}]
    return 1 - len(missed) / len(rows), missed


__all__ = ["BLIND_PATH", "HELDOUT_PATH", "Heldout", "figure", "load_heldout", "source"]
