"""Understood the first time: held-out phrasings against the deployed model, by the answer.

A phrase counts when its exact match (intent and resolved slots) gives the answer its row
names (skill.dev.model.measure). Every set in tests/data is spent, so each must stay at
95% or more; a set below that is recorded as not there yet (strict xfail, so reaching it
fails until the record is updated), and must never slide below its recorded figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.content import load_content
from skill.dev.model import measure
from skill.dev.model.measure import Row, judge, judge_all, load_set
from testing import ROOT
from tests.heldout import SET_A_PATH, SET_B_PATH, SET_C_PATH, spent_sets

SETS = spent_sets()
SPENT_FLOOR = 95
RECORDED = {"first": 92, "blind": 95, "a": 87, "b": 81, "c": 46}
"""Right-answer figures (whole percent, rounded down) each spent set has reached."""
CAPABILITY_LABELS = set(load_content().answers) | set(measure.ACTION_LABELS.values())
README = ROOT / "README.md"


def _share(name: str) -> int:
    return int(measure.figure(judge_all(SETS[name])).right_share * 100)


def test_the_sets_are_big_enough_and_use_known_labels() -> None:
    for name, rows in SETS.items():
        assert len(rows) >= 150, name
        assert {row.label for row in rows} <= CAPABILITY_LABELS | {measure.HEALTH_STATEMENT}
    for name in ("a", "b", "c"):
        rows = SETS[name]
        assert len({(row.variety, row.phrase) for row in rows}) == len(rows), f"{name}: a row twice"


@pytest.mark.parametrize(
    ("name", "path"), [("a", SET_A_PATH), ("b", SET_B_PATH), ("c", SET_C_PATH)]
)
def test_sets_a_b_and_c_say_they_are_spent_and_cover_every_variety_and_group(
    name: str, path: Path
) -> None:
    assert path.read_text(encoding="utf-8").startswith(f"# SPENT: set {name.upper()}")
    rows = SETS[name]
    assert {row.locale for row in rows} == {"en-US", "en-GB", "en-AU", "en-IN", "en-CA"}
    assert {row.group for row in rows} == {
        "topics/actions",
        "closers",
        "emergency",
        "condition",
        "amounts",
    }


@pytest.mark.parametrize("name", RECORDED)
def test_no_spent_set_slides_below_its_recorded_figure(name: str) -> None:
    assert _share(name) >= RECORDED[name], f"{name}: {_share(name)}% right answer"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True, reason=f"{name}: {RECORDED[name]}% right answer, not yet 95%"
            ),
        )
        if RECORDED[name] < SPENT_FLOOR
        else name
        for name in RECORDED
    ],
)
def test_every_spent_set_reaches_ninety_five_percent(name: str) -> None:
    assert _share(name) >= SPENT_FLOOR


def test_the_readme_states_set_a_as_spent_with_its_figure() -> None:
    stated = re.search(r"Set A \(spent: tuned on\) right answer: (\d+)%", _readme())
    assert stated, "README must state set A's figure and that it is spent"
    assert int(stated.group(1)) == _share("a")


def _readme() -> str:
    return " ".join(README.read_text(encoding="utf-8").split())


@pytest.mark.parametrize(
    ("row", "right"),
    [
        # A topic by its words, through the topic family; the wrong topic is wrong.
        (Row("us", "tell me about insomnia", "sleep_quality"), True),
        (Row("us", "tell me about insomnia", "nerve_function"), False),
        # Spoken numbers are what AMAZON.NUMBER sends; the columns must agree.
        (
            Row(
                "us",
                "is eight hundred milligrams too much",
                "amount_check",
                {"amount": "800", "unit": "milligrams"},
            ),
            True,
        ),
        (
            Row("us", "is eight hundred milligrams too much", "amount_check", {"amount": "400"}),
            False,
        ),
        (Row("us", "i took two thousand milligrams", "amount_taken", {"amount": "2000"}), True),
        # A condition's kind; a question while pregnant also answers "pregnancy".
        (Row("us", "i'm pregnant", "condition", {"kind": "pregnancy"}), True),
        (Row("us", "i'm pregnant", "condition", {"kind": "kidney"}), False),
        (Row("us", "can i take it while i'm pregnant", "pregnancy"), True),
        # Alexa's own phrase for a built-in; an AMAZON.TIME column.
        (Row("us", "stop", "closer"), True),
        (Row("us", "remind me at nine thirty pm", "set_reminder", {"time": "21:30"}), True),
        (Row("us", "remind me at nine thirty pm", "set_reminder", {"time": "22:30"}), False),
        # Nothing fuzzy: a phrase no sample has is wrong.
        (Row("us", "please recite a limerick about magnesium", "what_is"), False),
        # Filled pauses are not transcribed; the variety picks the locale's own samples.
        (Row("us", "um tell me about insomnia", "sleep_quality"), True),
        (Row("gb", "ought i to take it every night", "every_night"), True),
        (Row("us", "ought i to take it every night", "every_night"), False),
    ],
)
def test_rows_are_judged_by_the_answer_they_get(row: Row, right: bool) -> None:
    assert (
        judge(Row(row.variety, measure.normalise(row.phrase), row.label, row.columns)).right
        is right
    )


def test_the_summary_prints_figures_and_never_a_phrase(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert measure.main([str(SET_A_PATH), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "right answer" in out and "[variety]" in out and "[group]" in out
    for row in load_set(SET_A_PATH):
        assert f" {row.phrase} " not in f" {out} ", "the summary leaked a phrase"
