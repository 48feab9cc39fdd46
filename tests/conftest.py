"""Shared fixtures: the real skill, and conversations with it."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
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


@pytest.fixture(scope="module")
def entry_module() -> Iterator[ModuleType]:
    """lambda/lambda_function.py imported in-process, as Lambda's INIT would."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("ALEXA_SKILL_ID", raising=False)
        env.delenv("SKILL_DYNAMODB_TABLE", raising=False)
        env.setenv("SKILL_PERSISTENCE", "false")
        spec = importlib.util.spec_from_file_location("lambda_function", ENTRY)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    yield module
    root.setLevel(level)
    root.handlers[:] = handlers
