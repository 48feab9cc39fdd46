"""Every stored conversation (tests/data/replay/, recorded by `python -m tests.replay`)
replays to the same responses: a refactor must not change a byte of what the skill says,
shows or keeps in the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.replay import CORPUS, SCENARIOS, load, path_of, replay

FILES = sorted(CORPUS.glob("*.json"))


def test_every_scenario_is_recorded() -> None:
    assert sorted(path.stem for path in FILES) == sorted(SCENARIOS)
    assert all(path_of(name).exists() for name in SCENARIOS)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_replays_identically(path: Path) -> None:
    data = load(path)
    assert data["turns"], "an empty scenario proves nothing"
    for index, recorded, now in replay(data):
        assert now == recorded, f"{path.stem}, turn {index}"
