"""The held-out sets ship as NLU annotation sets, generated and never hand-edited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.dev.model import nlu_eval, source
from skill.dev.model.measure import Row


def test_the_committed_annotation_sets_match_the_held_out_sets() -> None:
    assert nlu_eval.stale() == [], f"regenerate with: {nlu_eval.COMMAND}"
    # Every spent set ships, set B in every locale its rows name.
    stems = set(nlu_eval.annotation_sets())
    assert {stem.split(".")[0] for stem in stems} == {"first", "blind", "set-a", "set-b", "set-c"}
    assert {f"set-b.{locale}" for locale in source.LOCALES} <= stems


def test_a_stale_or_leftover_file_is_reported(tmp_path: Path) -> None:
    assert len(nlu_eval.stale(tmp_path)) == len(nlu_eval.annotation_sets())
    nlu_eval.write(tmp_path)
    assert nlu_eval.stale(tmp_path) == []
    (tmp_path / "old.en-US.json").write_text("{}", encoding="utf-8")
    assert nlu_eval.stale(tmp_path) == [tmp_path / "old.en-US.json"]


def test_each_body_has_the_shape_the_api_takes() -> None:
    intents = {i.name for i in source.CUSTOM_INTENTS} | set(source.BUILT_IN_INTENTS)
    for stem, body in nlu_eval.annotation_sets().items():
        assert stem.rsplit(".", 1)[1] in source.LOCALES
        for item in body["data"]:
            assert set(item) == {"inputs", "expected"}
            assert set(item["inputs"]) == {"utterance", "referenceTimestamp"}
            (want,) = item["expected"]
            assert want["intent"]["name"] in intents
            for slot in want["intent"].get("slots", {}).values():
                assert set(slot) == {"value"} and slot["value"]
    json.dumps(nlu_eval.annotation_sets())


@pytest.mark.parametrize(
    ("row", "intent", "slots"),
    [
        (Row("us", "x", "sleep_quality"), "BenefitDetailIntent", {"benefit": "sleep quality"}),
        (Row("us", "x", "dosage"), "DosageIntent", {}),
        (Row("us", "x", "closer"), "AMAZON.StopIntent", {}),
        (
            Row("us", "x", "condition", {"kind": "kidney"}),
            "HealthConcernIntent",
            {"condition": "kidney disease"},
        ),
        (
            Row("us", "x", "amount_check", {"amount": "800", "unit": "milligrams"}),
            "AmountIntent",
            {"amount": "800", "unit": "milligrams"},
        ),
        (Row("gb", "x", "set_reminder", {"time": "22:30"}), "SetReminderIntent", {"time": "22:30"}),
    ],
)
def test_the_expected_intent_is_the_one_that_gives_the_answer(
    row: Row, intent: str, slots: dict[str, str]
) -> None:
    named = nlu_eval.expected(row)["intent"]
    assert named["name"] == intent
    assert {k: v["value"] for k, v in named.get("slots", {}).items()} == slots


def test_offline_it_prints_the_commands_and_exits_zero(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASK_SKILL_ID", raising=False)
    assert nlu_eval.main(["--run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("# ASK_SKILL_ID is not set")
    calls = out[1:]
    assert all(line.startswith("npx --prefix tools/ask-cli ask smapi ") for line in calls)
    done = {line.split()[5] for line in calls}
    assert done == {
        "create-nlu-annotation-set",
        "update-properties-for-nlu-annotation-sets",
        "update-annotations-for-nlu-annotation-sets",
        "create-nlu-evaluations",
        "get-nlu-evaluation",
        "get-result-for-nlu-evaluations",
        "get-conflict-detection-job-status-for-interaction-model",
        "get-conflicts-for-interaction-model",
    }
    uploads = [line for line in calls if "update-annotations-for-nlu-annotation-sets" in line]
    assert len(uploads) == len(nlu_eval.annotation_sets())
    assert all("file:tests/data/nlu/" in line for line in uploads)
