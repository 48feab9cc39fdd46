"""The held-out sets as Alexa NLU annotation sets, and the ASK CLI commands that evaluate them.

    python -m skill.dev.model.nlu_eval            # write tests/data/nlu/*.json
    python -m skill.dev.model.nlu_eval --check    # exit 1 if they are stale
    python -m skill.dev.model.nlu_eval --commands # print the ASK CLI commands (`make nlu-eval`)
    python -m skill.dev.model.nlu_eval --run      # run them (needs ASK_SKILL_ID and an ASK profile)

One annotation set per held-out set and locale (the row's variety picks the locale), in the
body the Skill Management API takes for "update annotations" (application/json):
`{"data": [{"inputs": {"utterance", "referenceTimestamp"}, "expected": [{"intent":
{"name", "slots": {name: {"value"}}}}]}]}` (ask-smapi-model's
UpdateNLUAnnotationSetAnnotationsRequest). The expected intent is the one that gives the
row's answer: an article topic's own intent (a benefit: BenefitDetailIntent and its slot),
the built-in or custom intent of an action, and the slots the row's columns name.

Amazon lists the NLU evaluation and utterance-conflict APIs among its deprecated features;
the pinned ASK CLI (tools/ask-cli) still has the NLU commands. Conflict detection is
printed too, and run only if the CLI knows the command.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.dev.model import build, source
from skill.dev.model.measure import (
    ACTION_LABELS,
    HEALTH_STATEMENT,
    Row,
    load_intent_set,
    load_set,
)
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.names import Intent, Slot

COMMAND = "python -m skill.dev.model.nlu_eval"
DATA = build.REPO_ROOT / "tests" / "data"
OUT = DATA / "nlu"
REFERENCE_TIMESTAMP = "2026-12-06T00:00:00.000Z"
ASK = ["npx", "--prefix", "tools/ask-cli", "ask"]
STAGE = "development"

#: The held-out sets shipped as annotation sets: name -> (path, older intent format?).
SETS: Mapping[str, tuple[Path, bool]] = {
    "first": (DATA / "heldout_utterances.tsv", True),
    "blind": (DATA / "heldout_blind.tsv", True),
    "set-a": (DATA / "heldout_set_a.tsv", False),
    "set-b": (DATA / "heldout_set_b.tsv", False),
    "set-c": (DATA / "heldout_set_c.tsv", False),
}
_INTENT_FOR_LABEL: dict[str, str] = {
    **{label: intent for intent, label in ACTION_LABELS.items()},
    "closer": Intent.STOP,
    "start_over": Intent.START_OVER,
    HEALTH_STATEMENT: Intent.HEALTH_CONCERN,
    **{label: intent for intent, label in ANSWER_FOR_INTENT.items()},
}
_COLUMN_SLOT: dict[str, str] = {
    "kind": Slot.CONDITION,
    "amount": Slot.AMOUNT,
    "unit": Slot.UNIT,
    "time": Slot.TIME,
}
_TYPE_FOR_SLOT: dict[str, str] = {
    Slot.BENEFIT: "BenefitType",
    Slot.CONDITION: "ConditionType",
    Slot.UNIT: "DoseUnitType",
}


def _value_name(slot: str, value_id: str) -> str:
    """The spoken name of a custom slot value, which Alexa reports as the slot's value."""
    kind = next(t for t in source.SLOT_TYPES if t.name == _TYPE_FOR_SLOT[slot])
    return next(value.name for value in kind.values if value.id == value_id)


def expected(row: Row) -> dict[str, Any]:
    """The intent (and slots) whose answer the row names."""
    slots: dict[str, str] = {}
    if row.label in {
        benefit.id for t in source.SLOT_TYPES if t.name == "BenefitType" for benefit in t.values
    }:
        intent = str(Intent.BENEFIT_DETAIL)
        slots[Slot.BENEFIT] = _value_name(Slot.BENEFIT, row.label)
    else:
        intent = str(_INTENT_FOR_LABEL[row.label])
    for column, value in row.columns.items():
        slot = _COLUMN_SLOT.get(column)
        if slot is None:
            continue
        slots[slot] = _value_name(slot, value) if slot in _TYPE_FOR_SLOT else value
    named: dict[str, Any] = {"name": intent}
    if slots:
        named["slots"] = {name: {"value": value} for name, value in sorted(slots.items())}
    return {"intent": named}


def annotation_sets() -> dict[str, dict[str, Any]]:
    """File stem ("set-a.en-GB") -> the annotations body for that set and locale."""
    bodies: dict[str, dict[str, Any]] = {}
    for name, (path, older) in SETS.items():
        rows = load_intent_set(path) if older else load_set(path)
        by_locale: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_locale[row.locale].append(row)
        for locale in source.LOCALES:
            if not by_locale.get(locale):
                continue
            data = [
                {
                    "inputs": {"utterance": row.phrase, "referenceTimestamp": REFERENCE_TIMESTAMP},
                    "expected": [expected(row)],
                }
                for row in by_locale[locale]
            ]
            bodies[f"{name}.{locale}"] = {"data": data}
    return bodies


def write(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, body in annotation_sets().items():
        path = out / f"{stem}.json"
        path.write_text(build.render_json(body), encoding="utf-8")
        written.append(path)
    return written


def stale(out: Path = OUT) -> list[Path]:
    """Annotation files missing, different, or no longer generated."""
    bodies = annotation_sets()
    wrong = [
        out / f"{stem}.json"
        for stem, body in bodies.items()
        if not (out / f"{stem}.json").is_file()
        or (out / f"{stem}.json").read_text(encoding="utf-8") != build.render_json(body)
    ]
    extra = [p for p in sorted(out.glob("*.json")) if p.stem not in bodies]
    return wrong + extra


def commands(skill_id: str = "$ASK_SKILL_ID") -> list[list[str]]:
    """Every ASK CLI call, in order; <id> stands for what the call before it returned."""
    calls: list[list[str]] = []
    for stem in annotation_sets():
        name, locale = stem.rsplit(".", 1)
        set_name = f"bedtime-magnesium-{name}-{locale}"
        path = (OUT / f"{stem}.json").relative_to(build.REPO_ROOT)
        calls += [
            [
                *ASK,
                "smapi",
                "create-nlu-annotation-set",
                "-s",
                skill_id,
                "--locale",
                locale,
                "--name",
                set_name,
            ],
            [
                *ASK,
                "smapi",
                "update-properties-for-nlu-annotation-sets",
                "-s",
                skill_id,
                "--annotation-id",
                "<annotation-id>",
                "--name",
                set_name,
            ],
            [
                *ASK,
                "smapi",
                "update-annotations-for-nlu-annotation-sets",
                "-s",
                skill_id,
                "--annotation-id",
                "<annotation-id>",
                "--content-type",
                "application/json",
                "--update-nlu-annotation-set-annotations-request",
                f"file:{path}",
            ],
            [
                *ASK,
                "smapi",
                "create-nlu-evaluations",
                "-s",
                skill_id,
                "--locale",
                locale,
                "--stage",
                STAGE,
                "--source-annotation-id",
                "<annotation-id>",
            ],
            [
                *ASK,
                "smapi",
                "get-nlu-evaluation",
                "-s",
                skill_id,
                "--evaluation-id",
                "<evaluation-id>",
            ],
            [
                *ASK,
                "smapi",
                "get-result-for-nlu-evaluations",
                "-s",
                skill_id,
                "--evaluation-id",
                "<evaluation-id>",
            ],
        ]
    for locale in source.LOCALES:
        for check in (
            "get-conflict-detection-job-status-for-interaction-model",
            "get-conflicts-for-interaction-model",
        ):
            calls.append(
                [
                    *ASK,
                    "smapi",
                    check,
                    "-s",
                    skill_id,
                    "--locale",
                    locale,
                    "--stage",
                    STAGE,
                    "--vers",
                    "~current",
                ]
            )
    return calls


def run(skill_id: str) -> int:
    """Upload each set, evaluate it against the development model, then conflict detection."""
    ids: dict[str, str] = {}
    for call in commands(skill_id):
        call = [ids.get(part, part) for part in call]
        print("$", shlex.join(call), flush=True)
        done = subprocess.run(
            call, capture_output=True, text=True, check=False, cwd=build.REPO_ROOT
        )
        print(done.stdout, end="")
        if done.returncode != 0:
            print(done.stderr, end="", file=sys.stderr)
            if "conflict" in call[5]:
                continue  # not in every CLI version: Amazon deprecated the API
            return done.returncode
        try:
            answer = json.loads(done.stdout or "{}")
        except ValueError:
            continue
        if isinstance(answer, dict) and "id" in answer:
            key = "<evaluation-id>" if call[5] == "create-nlu-evaluations" else "<annotation-id>"
            ids[key] = str(answer["id"])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if tests/data/nlu is stale")
    mode.add_argument("--commands", action="store_true", help="print the ASK CLI commands")
    mode.add_argument("--run", action="store_true", help="upload and evaluate (needs ASK_SKILL_ID)")
    args = parser.parse_args(argv)
    if args.check:
        wrong = stale()
        for path in wrong:
            print(f"stale: {path}", file=sys.stderr)
        return 1 if wrong else 0
    if args.commands or (args.run and not os.environ.get("ASK_SKILL_ID")):
        if args.run:
            print("# ASK_SKILL_ID is not set: the commands `make nlu-eval` would run:")
        for call in commands():
            print(shlex.join(call).replace("'$ASK_SKILL_ID'", "$ASK_SKILL_ID"))
        return 0
    if args.run:
        return run(os.environ["ASK_SKILL_ID"])
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
