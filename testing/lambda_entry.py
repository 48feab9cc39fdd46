"""lambda/lambda_function.py imported in-process, as Lambda's INIT would."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

from skill.logs import write_request_lines
from testing import LAMBDA_ENTRY


@contextmanager
def loaded_entry(name: str = "lambda_function", **env: str) -> Iterator[ModuleType]:
    """Import the entry under `name` with `env` set (persistence off unless given), and
    put back the root logger's level and handlers, and the request-line writer, that it
    configured when done."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("ALEXA_SKILL_ID", raising=False)
            patch.delenv("SKILL_DYNAMODB_TABLE", raising=False)
            patch.setenv("SKILL_PERSISTENCE", "false")
            for key, value in env.items():
                patch.setenv(key, value)
            spec = importlib.util.spec_from_file_location(name, LAMBDA_ENTRY)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        # In-process, request lines go to their logger (caplog sees them), not to fd 2;
        # the subprocess tests (tests/test_lambda_memory.py) read the real stderr.
        write_request_lines(None)
        yield module
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        write_request_lines(None)  # request lines back to their logger, where caplog sees them
