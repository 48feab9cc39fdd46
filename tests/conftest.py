"""Shared fixtures: the real skill, and conversations with it."""

from __future__ import annotations

import functools
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
from skill.dev.bundle import LAMBDA_PYTHON, BundleError, find_lambda_python
from tests.talk import Conversation

ENTRY = Path(__file__).resolve().parent.parent / "lambda" / "lambda_function.py"

NO_LAMBDA_PYTHON = (
    f"no Python {LAMBDA_PYTHON} found (the Lambda runtime's version, needed to compile "
    f"and run the bundle): the bundle tests skip. Put python{LAMBDA_PYTHON} on PATH, "
    f"install a pyenv {LAMBDA_PYTHON}, or set SKILL_LAMBDA_PYTHON"
)
"""The one reason every test that needs the Lambda runtime's Python skips with."""


@functools.cache
def _found_lambda_python() -> str | None:
    try:
        python, _ = find_lambda_python()
    except BundleError:
        return None
    return python


def pytest_report_header() -> str:
    """Say at the top of every run whether the bundle tests can run here."""
    python = _found_lambda_python()
    return f"Lambda's Python {LAMBDA_PYTHON}: {python or 'NOT FOUND, ' + NO_LAMBDA_PYTHON}"


def lambda_python() -> str:
    """The Python the bundle is compiled with and run by (python3.12), or skip the test.

    Without one, `make test` still passes on a machine with only its default Python, and
    the bundle tests skip, all with NO_LAMBDA_PYTHON. CI sets PY312_REQUIRED=1, which
    turns that skip into a failure.
    """
    python = _found_lambda_python()
    if python is None:
        if os.environ.get("PY312_REQUIRED"):
            pytest.fail(f"PY312_REQUIRED is set but {NO_LAMBDA_PYTHON}")
        pytest.skip(NO_LAMBDA_PYTHON)
    return python


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
