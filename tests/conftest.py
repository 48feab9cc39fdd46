"""Shared fixtures: the real skill, and conversations with it."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from tests.envelopes import APPLICATION_ID
from tests.talk import Conversation

ENTRY = Path(__file__).resolve().parent.parent / "lambda" / "lambda_function.py"


@pytest.fixture
def settings(tmp_path: object) -> Settings:
    """Settings for one test: no skill id enforced, no persistence."""
    return Settings(skill_id=None, persistence=False)


@pytest.fixture
def skill(settings: Settings) -> CustomSkill:
    return build_skill(settings)


@pytest.fixture
def conversation(skill: CustomSkill) -> Callable[..., Conversation]:
    """Start a new conversation: `talk = conversation(); talk.open()`."""

    def start(**kwargs: object) -> Conversation:
        return Conversation(skill, **kwargs)  # type: ignore[arg-type]

    return start


def load_entry(**env: str) -> ModuleType:
    """lambda/lambda_function.py imported in-process, as Lambda's INIT would, with the
    `SKILL_*`/`ALEXA_*` environment `env` alone (raises SystemExit as INIT would fail)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("SKILL_", "ALEXA_")):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        spec = importlib.util.spec_from_file_location("lambda_function", ENTRY)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def entry_module() -> Iterator[ModuleType]:
    """lambda/lambda_function.py imported in-process, as Lambda's INIT would, for the
    test envelopes' skill id."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield load_entry(ALEXA_SKILL_ID=APPLICATION_ID, SKILL_PERSISTENCE="false")
    root.setLevel(level)
    root.handlers[:] = handlers
