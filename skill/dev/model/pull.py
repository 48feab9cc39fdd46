"""Pull an edit made in the Alexa developer console back into the model source.

The skill package (interaction_model/) is generated from skill/dev/model/intents.yaml;
an edit made in the developer console lives only at Amazon until it is pulled back:

    ask smapi get-interaction-model -s <skill id> -l en-US -g development > en-US.json
    python -m skill.dev.model.pull en-US.json             # report, and add to intents.yaml
    python -m skill.dev.model.pull en-US.json --dry-run   # report only (exit 1 if any)
    make model && make test                               # regenerate, check, commit

It compares the exported model with the one the source generates for that locale and
reports every difference. What can be added without a judgement call is written into
intents.yaml, as text, so its comments and order stay: samples of existing intents
(built-in intents too), slot synonyms and slot values, a slot's elicitation samples.
What would delete or rename something (a sample or synonym removed in the console, a new
or removed intent, a changed invocation name) is only reported: do it by hand. Added
samples and synonyms are shared by every locale (the source has one list for all).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.dev.model.source import INTENTS_PATH, MANIFEST_PATH, ModelSource, load

COMMAND = "python -m skill.dev.model.pull"


@dataclass
class Pull:
    """What the exported model has that the source does not, and what it lacks."""

    samples: dict[str, list[str]] = field(default_factory=dict)
    """intent -> samples to add (custom or built-in intent)."""
    elicitation: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(intent, slot) -> elicitation samples to add."""
    synonyms: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(slot type, value id) -> synonyms to add."""
    values: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """slot type -> new values ({id, name, synonyms})."""
    by_hand: list[str] = field(default_factory=list)
    """Differences that are only reported (removals, new intents, renames)."""

    def additions(self) -> int:
        return (
            sum(map(len, self.samples.values()))
            + sum(map(len, self.elicitation.values()))
            + sum(map(len, self.synonyms.values()))
            + sum(map(len, self.values.values()))
        )

    def report(self) -> list[str]:
        lines = [f"{intent}: + sample {s!r}" for intent, new in self.samples.items() for s in new]
        lines += [
            f"{intent}.{slot}: + elicitation sample {s!r}"
            for (intent, slot), new in self.elicitation.items()
            for s in new
        ]
        lines += [
            f"{type_name} {value_id}: + synonym {s!r}"
            for (type_name, value_id), new in self.synonyms.items()
            for s in new
        ]
        lines += [
            f"{type_name}: + value {value['id']!r} ({value['name']!r})"
            for type_name, new in self.values.items()
            for value in new
        ]
        return lines + [f"by hand: {line}" for line in self.by_hand]


def _language_model(exported: Mapping[str, Any]) -> Mapping[str, Any]:
    """The languageModel of `ask smapi get-interaction-model` output (or of a model file)."""
    model = exported.get("interactionModel", exported)
    language: Mapping[str, Any] = model.get("languageModel", model)
    if "intents" not in language:
        raise ValueError("not an Alexa interaction model: no languageModel.intents")
    return language


def _new(items: Sequence[str], known: Sequence[str]) -> list[str]:
    seen = {" ".join(k.lower().split()) for k in known}
    return [item for item in items if " ".join(item.lower().split()) not in seen]


def compare(exported: Mapping[str, Any], source: ModelSource, locale: str) -> Pull:
    """The differences between an exported model for `locale` and the source."""
    language = _language_model(exported)
    pull = Pull()
    if language.get("invocationName") != source.invocation_name:
        pull.by_hand.append(
            f"invocation name {language.get('invocationName')!r} "
            f"(source: {source.invocation_name!r})"
        )
    custom = {intent.name: intent for intent in source.intents}
    built_in = dict(source.built_in_model_samples)
    exported_names = set()
    for intent in language["intents"]:
        name = intent["name"]
        exported_names.add(name)
        samples = list(intent.get("samples", []))
        if name in custom:
            known: Sequence[str] = custom[name].samples
        elif name in built_in:
            known = built_in[name]
        else:
            pull.by_hand.append(f"new intent {name} ({len(samples)} samples): add it by hand")
            continue
        if added := _new(samples, known):
            pull.samples[name] = added
        for removed in _new(list(known), samples):
            pull.by_hand.append(f"{name}: - sample {removed!r} (removed in the console)")
        slots = {slot.name: slot for slot in custom[name].slots} if name in custom else {}
        for slot in intent.get("slots", []):
            if slot["name"] not in slots:
                pull.by_hand.append(f"{name}: new slot {slot['name']} ({slot.get('type')})")
                continue
            added = _new(slot.get("samples", []), slots[slot["name"]].elicitation_samples)
            if added:
                pull.elicitation[(name, slot["name"])] = added
    for name in sorted((set(custom) | set(built_in)) - exported_names):
        pull.by_hand.append(f"intent {name} is not in the export (removed in the console?)")

    types = {slot_type.name: slot_type for slot_type in source.slot_types}
    extra = source.locale_synonyms.get(locale, {})
    for exported_type in language.get("types", []):
        slot_type = types.get(exported_type["name"])
        if slot_type is None:
            pull.by_hand.append(f"new slot type {exported_type['name']}: add it by hand")
            continue
        values = {value.id: value for value in slot_type.values}
        for value in exported_type.get("values", []):
            value_id = value.get("id") or value["name"]["value"]
            synonyms = list(value["name"].get("synonyms", []))
            if value_id not in values:
                pull.values.setdefault(slot_type.name, []).append(
                    {"id": value_id, "name": value["name"]["value"], "synonyms": synonyms}
                )
                continue
            known_synonyms = [
                *values[value_id].synonyms,
                *extra.get((slot_type.name, value_id), ()),
            ]
            if added := _new(synonyms, known_synonyms):
                pull.synonyms[(slot_type.name, value_id)] = added
            for removed in _new(known_synonyms, synonyms):
                pull.by_hand.append(f"{slot_type.name} {value_id}: - synonym {removed!r}")
    return pull


# --- writing into intents.yaml, as text ---------------------------------------------------


def _scalar(text: str) -> str:
    """`text` as a YAML list item: plain when it reads back as itself, else "quoted"."""
    try:
        plain = yaml.safe_load(text) == text and not text.startswith(("{", "[", "'", '"'))
    except yaml.YAMLError:
        plain = False
    return text if plain and ": " not in text and " #" not in text else json.dumps(text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int) -> int:
    """The index after the last line of the block that opens at `start`: every following
    line indented deeper (blank lines and comments in between belong to it)."""
    depth = _indent(lines[start])
    last = start
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if _indent(line) <= depth:
            break
        last = index
    return last + 1


def _find(lines: list[str], text: str, start: int = 0, stop: int | None = None) -> int:
    stop = len(lines) if stop is None else stop
    for index in range(start, stop):
        if lines[index].strip() == text:
            return index
    raise ValueError(f"{text!r} not found in {INTENTS_PATH.name}")


def _append_to_list(
    lines: list[str], owner: int, key: str, items: Sequence[str], before: str | None = None
) -> None:
    """Append `items` to the list `key:` inside the block that opens at line `owner`;
    create `key:` (before the key `before`, else at the block's end) if it is missing."""
    end = _block_end(lines, owner)
    key_indent = _indent(lines[owner]) + 2
    try:
        at = next(
            i
            for i in range(owner + 1, end)
            if lines[i].strip() == f"{key}:" and _indent(lines[i]) == key_indent
        )
    except StopIteration:
        insert = end
        if before is not None:
            insert = next(
                (i for i in range(owner + 1, end) if lines[i].strip().startswith(f"{before}:")),
                end,
            )
        lines[insert:insert] = [" " * key_indent + f"{key}:"]
        at = insert
    list_end = _block_end(lines, at)
    new = [" " * (key_indent + 2) + "- " + _scalar(item) for item in items]
    lines[list_end:list_end] = new


def apply(pull: Pull, text: str) -> str:
    """intents.yaml's text with the pull's additions written in (comments kept)."""
    lines = text.split("\n")
    section = {
        name: _find(lines, f"{name}:")
        for name in ("intents", "slot_types", "built_in_intents")
        if f"{name}:" in (line.strip() for line in lines)
    }
    for intent, samples in pull.samples.items():
        if intent.startswith("AMAZON."):
            owner = _find(lines, f"{intent}:", section["built_in_intents"])
            _append_to_list(lines, owner, "samples", samples, before="console_samples")
        else:
            owner = _find(lines, f"- name: {intent}", section["intents"])
            _append_to_list(lines, owner, "samples", samples)
    for (intent, slot), samples in pull.elicitation.items():
        owner = _find(lines, f"- name: {intent}", section["intents"])
        slot_line = _find(lines, f"- name: {slot}", owner, _block_end(lines, owner))
        _append_to_list(lines, slot_line, "elicitation_samples", samples)
    section = {name: _find(lines, f"{name}:") for name in section}
    for (type_name, value_id), synonyms in pull.synonyms.items():
        owner = _find(lines, f"- name: {type_name}", section["slot_types"])
        value = _find(lines, f"- id: {value_id}", owner, _block_end(lines, owner))
        _append_to_list(lines, value, "synonyms", synonyms)
    for type_name, values in pull.values.items():
        owner = _find(lines, f"- name: {type_name}", section["slot_types"])
        values_line = _find(lines, "values:", owner, _block_end(lines, owner))
        end = _block_end(lines, values_line)
        pad = " " * (_indent(lines[values_line]) + 2)
        new: list[str] = []
        for added in values:
            new += [f"{pad}- id: {added['id']}", f"{pad}  name: {_scalar(added['name'])}"]
            if added["synonyms"]:
                new += [f"{pad}  synonyms:"]
                new += [f"{pad}    - {_scalar(s)}" for s in added["synonyms"]]
        lines[end:end] = new
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("exported", type=Path, help="`ask smapi get-interaction-model` output")
    parser.add_argument("--locale", default=None, help="the export's locale (default: the first)")
    parser.add_argument("--dry-run", action="store_true", help="report only; exit 1 if any")
    parser.add_argument("--source", type=Path, default=INTENTS_PATH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    source = load(args.source, MANIFEST_PATH)
    locale = args.locale or source.locales[0]
    if locale not in source.locales:
        parser.error(f"unknown locale {locale}; the source has {', '.join(source.locales)}")
    try:
        exported = json.loads(args.exported.read_text(encoding="utf-8"))
        pull = compare(exported, source, locale)
    except (OSError, ValueError, KeyError, TypeError) as problem:
        print(f"{COMMAND}: cannot read {args.exported}: {problem}", file=sys.stderr)
        return 2
    for line in pull.report():
        print(line)
    if not pull.additions() and not pull.by_hand:
        print(f"{args.exported} ({locale}) matches {args.source}: nothing to pull")
        return 0
    if args.dry_run:
        return 1
    if pull.additions():
        updated = apply(pull, args.source.read_text(encoding="utf-8"))
        args.source.write_text(updated, encoding="utf-8")
        load(args.source, MANIFEST_PATH)  # still a valid source, or this raises
        print(
            f"added {pull.additions()} to {args.source}; now `make model` and `make test`"
            + (f" (and {len(pull.by_hand)} change(s) by hand)" if pull.by_hand else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
