"""The Lambda entry's memory and request log, through the real entry in a fresh interpreter.

On Lambda (AWS_LAMBDA_FUNCTION_NAME set) without SKILL_DYNAMODB_TABLE, memory is off
with one warning at INIT: never SQLite in a folder Lambda cannot write. With a table
and only AWS_REGION (what Lambda sets), the entry reaches it, building one boto3
session. Every request leaves one bare JSON line on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from skill.content import load_content
from testing import LAMBDA_ENTRY, ROOT
from testing.envelopes import (
    API_ACCESS_TOKEN,
    APPLICATION_ID,
    DEVICE_ID,
    USER_ID,
    benefit,
    intent,
    launch,
    session_ended,
)
from testing.talk import plain
from tests.test_persistence_dynamodb import (
    create_table,
    endpoint_of,
    make_resource,
    start_server,
    stop_server,
)

PROJECT = ROOT
ENTRY = LAMBDA_ENTRY
CONTENT = load_content()

DRIVER = """
import json, os, sys
result_file = sys.argv[1]
sys.path[:0] = sys.argv[2:]
sessions = []
if os.environ.get("TEST_COUNT_SESSIONS"):
    import botocore.session
    plain_init = botocore.session.Session.__init__
    def counted(self, *args, **kwargs):
        sessions.append(1)
        plain_init(self, *args, **kwargs)
    botocore.session.Session.__init__ = counted
events = json.load(sys.stdin)
import lambda_function
responses = []
for event in events:
    try:
        responses.append(lambda_function.lambda_handler(event, None))
    except Exception as refused:  # what Lambda would report as the invocation's error
        responses.append({"raised": type(refused).__name__})
with open(result_file, "w", encoding="utf-8") as out:
    json.dump({"responses": responses, "modules": sorted(sys.modules),
               "sessions": len(sessions)}, out)
"""
"""Runs in the subprocess: import the entry, answer `events` (stdin), write a report."""

UNRESOLVED = "purple elephants"
"""A slot value as a listener might say it: it must never reach the request log."""


def run_entry(
    tmp_path: Path, events: list[dict[str, Any]], **env: str
) -> tuple[dict[str, Any], list[str]]:
    """Import the entry from the repo (-I: no user site, no PYTHONPATH) and answer `events`;
    returns the report and stderr's lines."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "ALEXA_SKILL_ID": APPLICATION_ID,
        **env,
    }
    result = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, "-I", "-c", DRIVER, str(result), str(ENTRY.parent), str(PROJECT)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return report, done.stderr.splitlines()


def conversation() -> list[dict[str, Any]]:
    return [
        launch(),
        intent("TimingIntent", new=True),  # a one-shot: the visit is written at its end
        intent("BenefitDetailIntent", slots={"benefit": benefit(UNRESOLVED)}, new=False),
        session_ended(),
    ]


def request_lines(stderr: list[str]) -> list[dict[str, Any]]:
    lines = []
    for text in stderr:
        if text.startswith("{"):
            line = json.loads(text)  # the whole line is one JSON object
            assert isinstance(line, dict)
            if line.get("log") == "request":
                lines.append(line)
    return lines


def warnings(stderr: list[str]) -> list[str]:
    """The messages of the WARNING and ERROR lines (the entry logs one JSON object a line)."""
    entries = [json.loads(line) for line in stderr]
    return [e["message"] for e in entries if e.get("level") in ("WARNING", "ERROR", "CRITICAL")]


def speech(response: dict[str, Any]) -> str:
    return plain(response["response"]["outputSpeech"]["ssml"])


def assert_private(lines: list[dict[str, Any]], responses: list[dict[str, Any]]) -> None:
    text = json.dumps(lines)
    for secret in (USER_ID, DEVICE_ID, API_ACCESS_TOKEN, UNRESOLVED):
        assert secret not in text
    for response in responses:
        if "outputSpeech" in response["response"]:  # a session end has none
            assert speech(response) not in text


# --- on Lambda without a table: memory off, one warning -----------------------------------


def test_lambda_without_a_table_runs_without_memory_and_says_so_once(tmp_path: Path) -> None:
    report, stderr = run_entry(tmp_path, conversation(), AWS_LAMBDA_FUNCTION_NAME="bedtime")

    [warning] = warnings(stderr)
    assert "user memory is OFF" in warning and "SKILL_DYNAMODB_TABLE" in warning
    responses = report["responses"]
    assert CONTENT.prompts.welcome in speech(responses[0])
    assert CONTENT.answer("timing").speech in speech(responses[1])
    # No store at all: nothing imported, nothing written.
    assert not [m for m in report["modules"] if m.startswith(("skill.persistence", "sqlite3"))]
    assert list((tmp_path / "home").rglob("*")) == []


def test_off_lambda_the_entry_keeps_sqlite(tmp_path: Path) -> None:
    """The switch is Lambda's own variable: run elsewhere, the entry remembers as before."""
    _, stderr = run_entry(tmp_path, conversation())
    assert warnings(stderr) == []
    assert (tmp_path / "home" / "data" / "bedtime-magnesium" / "users.sqlite3").is_file()


# --- on Lambda with a table: AWS_REGION only, no botocore session -----------------------------


@pytest.fixture(scope="module")
def dynamodb_endpoint() -> Iterator[str]:
    server: ThreadedMotoServer = start_server()
    try:
        yield endpoint_of(server)
    finally:
        stop_server(server)


def test_lambda_with_a_table_and_aws_region_remembers(
    tmp_path: Path, dynamodb_endpoint: str
) -> None:
    table = create_table(make_resource(dynamodb_endpoint))  # us-east-1
    report, stderr = run_entry(
        tmp_path,
        conversation(),
        AWS_LAMBDA_FUNCTION_NAME="bedtime",
        AWS_REGION="us-east-1",  # as Lambda sets it; no AWS_DEFAULT_REGION
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL_DYNAMODB=dynamodb_endpoint,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        SKILL_DYNAMODB_TABLE=table.name,
        TEST_COUNT_SESSIONS="1",
    )
    assert warnings(stderr) == []
    assert report["sessions"] == 0  # the skill's own client: no botocore session, no boto3
    assert not [m for m in report["modules"] if m.split(".")[0] in ("boto3", "ask_sdk_dynamodb")]
    # The session end is one atomic ADD beside the attributes map (the ledger).
    item = table.get_item(Key={"id": USER_ID})["Item"]
    assert item["visits"] == 1
    assert item["topics_heard"] == {"timing"}
    assert item["last_topic"] == "timing"
    assert "attributes" not in item
    assert list((tmp_path / "home").rglob("*")) == []
    assert len(request_lines(stderr)) == 4


# --- the request log --------------------------------------------------------------------------


def test_each_lambda_request_logs_one_json_line(tmp_path: Path) -> None:
    junk = {"version": "1.0", "request": {"type": "Nonsense", "intent": {"name": "x y"}}}
    report, stderr = run_entry(tmp_path, [*conversation(), junk], SKILL_PERSISTENCE="false")

    *lines, refused = request_lines(stderr)
    assert report["responses"][-1] == {"raised": "InvalidEnvelope"}
    assert refused["outcome"] == "rejected"
    assert (refused["request_type"], refused["intent"]) == ("Nonsense", "invalid")
    assert [(line["request_type"], line["intent"]) for line in lines] == [
        ("LaunchRequest", None),
        ("IntentRequest", "TimingIntent"),
        ("IntentRequest", "BenefitDetailIntent"),
        ("SessionEndedRequest", None),
    ]
    for line in lines:
        assert line["host"] == "lambda"
        assert line["outcome"] == "answered"
        assert isinstance(line["latency_ms"], float) and 0 <= line["latency_ms"] < 5000
        assert set(line) == {
            "time",
            "log",
            "host",
            "request_type",
            "intent",
            "outcome",
            "latency_ms",
        }
    assert_private(lines, report["responses"][:-1])
