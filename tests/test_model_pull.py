"""Pulling an edit made in the Alexa developer console back into the model source.

`ask smapi get-interaction-model` exports what the console holds; skill.dev.model.pull
compares it with what intents.yaml generates, reports every difference, and writes the
additions into (a copy of) intents.yaml as text, keeping its comments and order.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from skill.dev.model import pull
from skill.dev.model.build import build_interaction_model
from skill.dev.model.source import INTENTS_PATH, MANIFEST_PATH, SOURCE, load


def _intent(model: dict[str, Any], name: str) -> dict[str, Any]:
    intents = model["interactionModel"]["languageModel"]["intents"]
    found: dict[str, Any] = next(i for i in intents if i["name"] == name)
    return found


def edited_in_the_console() -> dict[str, Any]:
    """The generated en-US model as someone changed it in the developer console."""
    model = copy.deepcopy(build_interaction_model("en-US"))
    _intent(model, "TimingIntent")["samples"].append("what hour do i take my magnesium")
    removed = _intent(model, "DosageIntent")["samples"].pop(0)
    assert removed
    _intent(model, "AMAZON.StopIntent")["samples"].append("lights out")
    _intent(model, "AMAZON.FallbackIntent")["samples"].append("sing me a song")
    (benefit,) = _intent(model, "BenefitDetailIntent")["slots"]
    benefit["samples"] = [*benefit.get("samples", []), "the {benefit} bit"]
    intents = model["interactionModel"]["languageModel"]["intents"]
    intents.append({"name": "WeatherIntent", "slots": [], "samples": ["what's the weather"]})
    types = model["interactionModel"]["languageModel"]["types"]
    benefit_type = next(t for t in types if t["name"] == "BenefitType")
    benefit_type["values"][0]["name"]["synonyms"].append("cramping muscles")
    benefit_type["values"].append(
        {"id": "energy", "name": {"value": "energy", "synonyms": ["tiredness", "yes"]}}
    )
    return model


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    copied = tmp_path / "intents.yaml"
    shutil.copy(INTENTS_PATH, copied)
    return copied


def _export(tmp_path: Path, model: dict[str, Any]) -> Path:
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def test_an_unchanged_export_has_nothing_to_pull(
    tmp_path: Path, source_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _export(tmp_path, build_interaction_model("en-US"))
    for extra in ([], ["--dry-run"]):
        assert pull.main([str(exported), "--source", str(source_copy), *extra]) == 0
    assert "nothing to pull" in capsys.readouterr().out
    assert source_copy.read_bytes() == INTENTS_PATH.read_bytes()


def test_the_dry_run_reports_every_difference_and_writes_nothing(
    tmp_path: Path, source_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _export(tmp_path, edited_in_the_console())
    assert pull.main([str(exported), "--source", str(source_copy), "--dry-run"]) == 1
    said = capsys.readouterr().out.splitlines()
    assert "TimingIntent: + sample 'what hour do i take my magnesium'" in said
    assert "AMAZON.StopIntent: + sample 'lights out'" in said
    assert "AMAZON.FallbackIntent: + sample 'sing me a song'" in said
    assert "BenefitDetailIntent.benefit: + elicitation sample 'the {benefit} bit'" in said
    assert "BenefitType muscle_relaxation: + synonym 'cramping muscles'" in said
    assert "BenefitType: + value 'energy' ('energy')" in said
    assert any(line.startswith("by hand: DosageIntent: - sample") for line in said)
    assert any(line.startswith("by hand: new intent WeatherIntent") for line in said)
    assert source_copy.read_bytes() == INTENTS_PATH.read_bytes()


def test_pulling_adds_to_the_source_and_keeps_everything_else(
    tmp_path: Path, source_copy: Path
) -> None:
    exported = _export(tmp_path, edited_in_the_console())
    assert pull.main([str(exported), "--source", str(source_copy)]) == 0

    pulled = load(source_copy, MANIFEST_PATH)
    intents = {intent.name: intent for intent in pulled.intents}
    assert "what hour do i take my magnesium" in intents["TimingIntent"].samples
    assert intents["DosageIntent"].samples == next(
        i.samples for i in SOURCE.intents if i.name == "DosageIntent"
    )  # a removal is only reported
    assert "WeatherIntent" not in intents  # a new intent too
    assert "lights out" in pulled.built_in_model_samples["AMAZON.StopIntent"]
    assert pulled.built_in_model_samples["AMAZON.FallbackIntent"] == ("sing me a song",)
    (benefit,) = intents["BenefitDetailIntent"].slots
    assert benefit.elicitation_samples[-1] == "the {benefit} bit"
    benefit_type = next(t for t in pulled.slot_types if t.name == "BenefitType")
    assert "cramping muscles" in benefit_type.values[0].synonyms
    assert benefit_type.values[-1].id == "energy"
    assert benefit_type.values[-1].synonyms == ("tiredness", "yes")  # "yes" quoted

    # Only lines were added: every comment and line of the original is still there, in order.
    original = INTENTS_PATH.read_text("utf-8").splitlines()
    now = iter(source_copy.read_text("utf-8").splitlines())
    assert all(any(line == later for later in now) for line in original)
    # Pulled again: only what needs a person is left.
    again = pull.compare(edited_in_the_console(), pulled, "en-US")
    assert again.additions() == 0 and len(again.by_hand) == 2


def test_an_export_that_is_no_model_is_refused(
    tmp_path: Path, source_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _export(tmp_path, {"manifest": {}})
    assert pull.main([str(exported), "--source", str(source_copy)]) == 2
    assert "not an Alexa interaction model" in capsys.readouterr().err
