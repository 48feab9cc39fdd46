"""One log format in production, plain text for people.

Production (Lambda, gunicorn with gunicorn.conf.py) writes every line as one JSON object:
the app's logging (skill.logs.JsonFormatter), the request lines, and gunicorn's error and
access logs (tests/test_proxy.py runs gunicorn). The console stays plain text.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skill.config import ConfigError, Settings
from skill.logs import JsonFormatter
from testing import ROOT
from testing.envelopes import launch

PROJECT = ROOT


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord("skill.web", logging.ERROR, __file__, 1, message, args, info)


def test_a_record_is_one_json_line_even_with_newlines_and_a_traceback() -> None:
    line = JsonFormatter().format(_record("refused %s", "a\nforged line", exc=True))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["log"] == "app" and entry["level"] == "ERROR" and entry["logger"] == "skill.web"
    assert entry["message"] == "refused a\nforged line"
    assert "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_the_log_format_setting() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"SKILL_LOG_FORMAT": " JSON "}).log_format == "json"
    with pytest.raises(ConfigError, match="SKILL_LOG_FORMAT"):
        Settings.from_env({"SKILL_LOG_FORMAT": "xml"})


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKILL_", "ALEXA_"))}
    return {**env, "SKILL_PERSISTENCE": "false", "SKILL_LOG_LEVEL": "INFO", **extra}


LAMBDA_DRIVER = """
import json, sys
sys.path.insert(0, "lambda")
import lambda_function
lambda_function.lambda_handler(json.loads(sys.argv[1]), None)
"""


def test_the_lambda_entry_writes_only_json_lines() -> None:
    """Outside Lambda's runtime (no root handler of its own) the entry's formatter; in
    Lambda the stack's LoggingConfig LogFormat JSON (tests/test_infrastructure.py)."""
    done = subprocess.run(
        [sys.executable, "-c", LAMBDA_DRIVER, json.dumps(launch())],
        cwd=PROJECT,
        env=_env(SKILL_ALLOW_ANY_SKILL_ID="true"),  # so INIT logs a warning
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stderr.splitlines()
    entries = [json.loads(line) for line in lines]
    kinds = {entry["log"] for entry in entries}
    assert kinds == {"app", "request"}, lines  # the any-skill warning, the request
    assert any(entry.get("level") == "WARNING" for entry in entries)


def test_the_console_stays_plain_text(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "skill", "ask", "when should I take it"],
        cwd=PROJECT,
        env=_env(SKILL_PERSISTENCE="true", SKILL_SQLITE_PATH=str(tmp_path / "users.sqlite3")),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "30 minutes to an hour" in done.stdout
    logged = [line for line in done.stderr.splitlines() if line.strip()]
    assert logged, "expected INFO lines at SKILL_LOG_LEVEL=INFO"
    assert not any(line.lstrip().startswith("{") for line in logged), logged
    assert any(" INFO skill." in line for line in logged), logged
