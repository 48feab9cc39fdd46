"""The held-out phrasings (tests/data/heldout_utterances.tsv) against the deployed model.

A phrase is understood when it equals a sample of its expected intent exactly, with the
row's slot values put in for the slots (lowercase, punctuation dropped), and equals no
other intent's sample. This is the figure for the deployed model: Alexa, not our console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from skill.dev.model import build, source

HELDOUT_PATH = Path(__file__).resolve().parent / "data" / "heldout_utterances.tsv"
SLOT = re.compile(r"\{([A-Za-z_]+)\}")


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


def slot_phrases(locale: str) -> dict[str, set[str]]:
    """Slot name -> every phrase its custom type accepts (value names and synonyms)."""
    language = build.build_interaction_model(locale)["interactionModel"]["languageModel"]
    by_type = {
        kind["name"]: {
            normalise(phrase)
            for value in kind["values"]
            for phrase in (value["name"]["value"], *value["name"]["synonyms"])
        }
        for kind in language["types"]
    }
    return {
        slot["name"]: by_type.get(slot["type"], set())
        for intent in language["intents"]
        for slot in intent.get("slots", [])
    }


def understood_as(row: Heldout, locale: str = "en-US") -> set[str]:
    """The intents whose samples the row's phrase equals (its slot values put in)."""
    accepted = slot_phrases(locale)
    owners = set()
    for intent, samples in model_samples(locale).items():
        for sample in samples:
            names = SLOT.findall(sample)
            if any(
                name not in row.slots or normalise(row.slots[name]) not in accepted[name]
                for name in names
            ):
                continue
            filled = sample
            for name in names:
                filled = filled.replace(f"{{{name}}}", row.slots[name])
            if normalise(filled) == row.phrase:
                owners.add(intent)
    return owners


def figure(rows: list[Heldout], locale: str = "en-US") -> tuple[float, list[Heldout]]:
    """The share of rows understood as exactly their intent, and the rows that are not."""
    missed = [row for row in rows if understood_as(row, locale) != {row.intent}]
    return 1 - len(missed) / len(rows), missed


__all__ = ["Heldout", "figure", "load_heldout", "source"]
