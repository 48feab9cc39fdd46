"""One JSON log line per request on the web service (skill/logs.py, skill/web/app.py).

Lambda's lines are checked through the real entry in tests/test_lambda_memory.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.config import Settings
from skill.logs import ERROR, REQUEST_LOGGER, RequestLine, mark_outcome, request_logged
from skill.web.app import create_app
from testing.envelopes import (
    API_ACCESS_TOKEN,
    APPLICATION_ID,
    DEVICE_ID,
    USER_ID,
    benefit,
    intent,
    launch,
)

UNRESOLVED = "purple elephants"

FIELDS = {"time", "log", "host", "request_type", "intent", "outcome", "status", "latency_ms"}


@pytest.fixture
def client() -> FlaskClient:
    settings = Settings(verify_requests=False, persistence=False, skill_id=APPLICATION_ID)
    return create_app(settings).test_client()


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    found = []
    for record in caplog.records:
        if record.name == REQUEST_LOGGER:
            line = json.loads(record.getMessage())
            assert isinstance(line, dict)
            found.append(line)
    return found


def one_line(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    [line] = lines(caplog)
    caplog.clear()
    return line


def test_an_answered_request(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, REQUEST_LOGGER)
    assert client.post("/", json=launch()).status_code == 200
    line = one_line(caplog)
    assert set(line) == FIELDS
    assert line["log"] == "request" and line["host"] == "web"
    assert (line["request_type"], line["intent"]) == ("LaunchRequest", None)
    assert (line["outcome"], line["status"]) == ("answered", 200)
    assert isinstance(line["latency_ms"], float) and 0 <= line["latency_ms"] < 5000

    event = intent("BenefitDetailIntent", slots={"benefit": benefit(UNRESOLVED)}, new=False)
    answered = client.post("/", json=event)
    assert answered.status_code == 200
    line = one_line(caplog)
    assert (line["request_type"], line["intent"]) == ("IntentRequest", "BenefitDetailIntent")
    said = answered.get_json()["response"]["outputSpeech"]["ssml"]
    text = json.dumps(line)
    for private in (USER_ID, DEVICE_ID, API_ACCESS_TOKEN, UNRESOLVED, said):
        assert private not in text


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (b"{not json", 400, None),
        (json.dumps({"version": "1.0", "request": {"type": "Nonsense"}}).encode(), 400, "Nonsense"),
        (json.dumps(launch(application_id="amzn1.ask.skill.other")).encode(), 400, "LaunchRequest"),
        (json.dumps({"request": {"type": "Say <b>hello</b> " + USER_ID}}).encode(), 400, "invalid"),
    ],
)
def test_a_rejected_request(
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    status: int,
    kind: str | None,
) -> None:
    caplog.set_level(logging.INFO, REQUEST_LOGGER)
    assert client.post("/", data=body, content_type="application/json").status_code == status
    line = one_line(caplog)
    assert (line["outcome"], line["status"], line["request_type"]) == ("rejected", status, kind)
    assert USER_ID not in json.dumps(line)


def test_wrong_method_and_health_checks(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, REQUEST_LOGGER)
    assert client.get("/healthz").status_code == 200
    assert lines(caplog) == []  # probes are not Alexa requests
    assert client.get("/").status_code == 405
    assert one_line(caplog)["outcome"] == "rejected"


def test_an_apology_or_an_exception_is_an_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, REQUEST_LOGGER)
    with request_logged("lambda"):
        mark_outcome(ERROR)  # what the catch-all exception handler does
    assert one_line(caplog)["outcome"] == "error"
    with pytest.raises(RuntimeError), request_logged("lambda"):
        raise RuntimeError("boom")
    line = one_line(caplog)
    assert line["outcome"] == "error" and "boom" not in json.dumps(line)
    mark_outcome(ERROR)  # outside a request: nothing to mark, nothing logged
    assert lines(caplog) == []


@pytest.mark.parametrize(
    ("request_type", "intent", "outcome", "status"),
    [
        ("LaunchRequest", None, "answered", None),
        ("IntentRequest", "AMAZON.StopIntent", "answered", 200),
        (None, None, "rejected", 400),
        ("invalid", "invalid", "error", 500),
    ],
)
def test_the_line_written_directly_is_the_json_of_its_fields(
    request_type: str | None, intent: str | None, outcome: str, status: int | None
) -> None:
    line = RequestLine("web")
    line.request_type, line.intent, line.outcome, line.status = (
        request_type,
        intent,
        outcome,
        status,
    )
    written, fields = json.loads(line.text()), line.fields()
    assert list(written) == list(fields)  # same keys, same order
    for moving in ("time", "latency_ms"):
        assert type(written.pop(moving)) is type(fields.pop(moving))
    assert written == fields
