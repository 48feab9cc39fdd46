"""Shared fixtures: the real skill, and conversations with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from tests.talk import Conversation


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
