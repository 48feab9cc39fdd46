"""Shared fixtures: the real skill, and conversations with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from skill.dev.bundle import LAMBDA_PYTHON
from testing.envelopes import APPLICATION_ID
from testing.lambda_entry import loaded_entry
from testing.lambda_python import NO_LAMBDA_PYTHON, found_lambda_python
from testing.talk import Conversation


def pytest_report_header() -> str:
    """Say at the top of every run whether the bundle tests can run here."""
    python = found_lambda_python()
    return f"Lambda's Python {LAMBDA_PYTHON}: {python or 'NOT FOUND, ' + NO_LAMBDA_PYTHON}"


@pytest.fixture
def settings(tmp_path: object) -> Settings:
    """Settings for one test: no skill id enforced, no persistence."""
    return Settings(skill_id=None, persistence=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's SQLite memory lives: a folder of its own, as in production."""
    return tmp_path / "memory" / "users.sqlite3"


@pytest.fixture
def skill(settings: Settings) -> CustomSkill:
    return build_skill(settings)


@pytest.fixture
def conversation(skill: CustomSkill) -> Callable[..., Conversation]:
    """Start a new conversation: `talk = conversation(); talk.open()`."""

    def start(**kwargs: object) -> Conversation:
        return Conversation(skill, **kwargs)  # type: ignore[arg-type]

    return start


@pytest.fixture(scope="module")
def entry_module() -> Iterator[ModuleType]:
    """lambda/lambda_function.py imported in-process, as Lambda's INIT would, for the
    test envelopes' skill id."""
    with loaded_entry(ALEXA_SKILL_ID=APPLICATION_ID) as module:
        yield module
