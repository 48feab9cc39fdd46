"""The Flask endpoint: verified Alexa requests in, clear 4xx answers for everything else."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.config import Settings
from skill.content import load_content
from skill.dispatch import MAX_JSON_DEPTH
from skill.web.app import EXTENSION, create_app
from testing import pki
from testing.envelopes import APPLICATION_ID, intent, launch

PROMPTS = load_content().prompts


@pytest.fixture
def cert_source() -> pki.CertSource:
    return pki.CertSource()


@pytest.fixture
def app(cert_source: pki.CertSource) -> Iterator[Flask]:
    """The production app with verification on; only S3 and the trust store are stand-ins."""
    settings = Settings(skill_id=APPLICATION_ID, verify_requests=True, persistence=False)
    app = create_app(settings, cert_fetch=cert_source, trust_roots=pki.trust_roots())
    app.config.update(TESTING=True)
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def skill_calls(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every request that reaches the skill itself."""
    skill = app.extensions[EXTENSION]._skill
    calls: list[Any] = []
    original = skill.invoke

    def recording_invoke(**kwargs: Any) -> Any:
        calls.append(kwargs["request_envelope"])
        return original(**kwargs)

    monkeypatch.setattr(skill, "invoke", recording_invoke)
    return calls


def post_signed(client: FlaskClient, envelope: dict[str, Any], **sign: Any) -> Any:
    body = json.dumps(envelope).encode()
    return client.post("/", data=body, headers=pki.signed_headers(body, **sign))


def test_a_signed_launch_is_answered(client: FlaskClient, skill_calls: list[Any]) -> None:
    response = post_signed(client, launch())
    assert response.status_code == 200
    assert response.is_json
    assert PROMPTS.welcome in response.json["response"]["outputSpeech"]["ssml"]
    assert len(skill_calls) == 1


def test_a_signed_one_shot_question_closes_the_session(client: FlaskClient) -> None:
    response = post_signed(client, intent("TimingIntent", new=True))
    assert response.status_code == 200
    assert response.json["response"]["shouldEndSession"] is True


def test_health_check(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def _unknown_type() -> bytes:
    envelope = launch()
    envelope["request"]["type"] = "Pizza.Delivered"
    return json.dumps(envelope).encode()


def _without_context() -> bytes:
    envelope = launch()
    del envelope["context"]
    return json.dumps(envelope).encode()


def _wrong_typed_timestamp() -> bytes:
    envelope = launch()
    envelope["request"]["timestamp"] = 12
    return json.dumps(envelope).encode()


BAD_BODIES = {
    "malformed JSON": (b'{"version": "1.0", "request": ', "malformed JSON"),
    "empty body": (b"", "empty body"),
    "whitespace body": (b"   \n", "empty body"),
    "invalid UTF-8": (b'{"version": "\xff\xfe"}', "body is not valid UTF-8"),
    "JSON array": (b"[1, 2, 3]", "body is not a JSON object"),
    "JSON string": (b'"hello"', "body is not a JSON object"),
    "object that is not an envelope": (b'{"hello": "world"}', "not an Alexa request envelope"),
    "unknown request type": (_unknown_type(), "unknown request type"),
    "no context": (_without_context(), "not an Alexa request envelope"),
    "wrong-typed timestamp": (_wrong_typed_timestamp(), "not an Alexa request envelope"),
}


@pytest.mark.parametrize(("body", "reason"), BAD_BODIES.values(), ids=list(BAD_BODIES))
def test_bad_input_gets_400_with_a_short_json_reason(
    client: FlaskClient, skill_calls: list[Any], body: bytes, reason: str
) -> None:
    response = client.post("/", data=body, headers=pki.signed_headers(body))
    assert response.status_code == 400
    assert response.is_json
    assert response.json is not None
    # Verification runs first: a body without a fresh timestamp never gets parsed.
    assert response.json["error"] in (reason, "request verification failed") or (
        response.json["error"].startswith(reason)
    )
    assert "Traceback" not in response.get_data(as_text=True)
    assert skill_calls == []


@pytest.mark.parametrize(("body", "reason"), BAD_BODIES.values(), ids=list(BAD_BODIES))
def test_bad_input_reasons_behind_verification(body: bytes, reason: str) -> None:
    client = create_app(Settings(verify_requests=False, persistence=False)).test_client()
    response = client.post("/", data=body)
    assert response.status_code == 400
    assert response.json is not None and response.json["error"].startswith(reason)


def test_deep_json_is_refused_before_parsing(client: FlaskClient, skill_calls: list[Any]) -> None:
    envelope = launch(new=False)
    deep: Any = "bottom"
    for _ in range(500):
        deep = {"d": deep}
    envelope["session"]["attributes"] = {"deep": deep}
    response = post_signed(client, envelope)
    assert (response.status_code, response.json) == (400, {"error": "JSON nested too deeply"})
    assert skill_calls == []


def test_nesting_up_to_the_limit_is_answered(client: FlaskClient) -> None:
    envelope = launch(new=False)
    deep: Any = "bottom"
    for _ in range(MAX_JSON_DEPTH - 2):  # {envelope {session {"d": ... 64 deep
        deep = {"d": deep}
    envelope["session"]["attributes"] = deep
    assert post_signed(client, envelope).status_code == 200
    envelope["session"]["attributes"] = {"d": deep}
    assert post_signed(client, envelope).status_code == 400


def test_an_unsigned_request_is_rejected(client: FlaskClient, skill_calls: list[Any]) -> None:
    response = client.post("/", data=json.dumps(launch()))
    assert response.status_code == 400
    assert response.json == {"error": "request verification failed"}
    assert skill_calls == []


def test_a_tampered_body_is_rejected(client: FlaskClient, skill_calls: list[Any]) -> None:
    body = json.dumps(launch()).encode()
    headers = pki.signed_headers(body)
    tampered = body.replace(b"LaunchRequest", b"IntentRequest")
    response = client.post("/", data=tampered, headers=headers)
    assert response.status_code == 400
    assert skill_calls == []


def test_a_request_signed_by_another_key_is_rejected(
    client: FlaskClient, skill_calls: list[Any]
) -> None:
    response = post_signed(client, launch(), key=pki.private_key("intruder"))
    assert response.status_code == 400
    assert skill_calls == []


def test_a_replayed_request_outside_150_seconds_is_rejected(
    client: FlaskClient, skill_calls: list[Any]
) -> None:
    envelope = launch()
    stale = datetime.now(UTC) - timedelta(seconds=151)
    envelope["request"]["timestamp"] = stale.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = post_signed(client, envelope)
    assert response.status_code == 400
    assert response.json == {"error": "request verification failed"}
    assert skill_calls == []


def test_a_timestamp_without_time_zone_is_rejected_not_a_500(client: FlaskClient) -> None:
    envelope = launch()
    envelope["request"]["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert post_signed(client, envelope).status_code == 400


def test_a_request_for_another_skill_is_rejected(
    client: FlaskClient, skill_calls: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    other = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
    with caplog.at_level(logging.WARNING):
        response = post_signed(client, launch(application_id=other))
    assert response.status_code == 400
    assert response.json == {"error": "request is for another skill"}
    assert skill_calls == []
    assert "another skill" in caplog.text


def test_a_failed_certificate_fetch_is_a_rejected_request(
    client: FlaskClient,
    cert_source: pki.CertSource,
    skill_calls: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cert_source.error = TimeoutError("timed out")
    with caplog.at_level(logging.WARNING):
        response = post_signed(client, launch())
    assert response.status_code == 400
    assert skill_calls == []
    assert "rejected" in caplog.text


def test_a_body_over_128_kib_is_413(client: FlaskClient, skill_calls: list[Any]) -> None:
    envelope = launch()
    envelope["padding"] = "z" * (128 * 1024)
    response = post_signed(client, envelope)
    assert response.status_code == 413
    assert response.is_json and "larger than" in response.json["error"]
    assert skill_calls == []


def test_get_on_the_endpoint_is_405(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 405
    assert response.is_json


def test_an_unknown_path_is_a_json_404(client: FlaskClient) -> None:
    response = client.post("/nowhere", data=b"{}")
    assert response.status_code == 404 and response.is_json


def test_verification_off_is_a_loud_local_choice(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="skill.web.app"):
        app = create_app(Settings(verify_requests=False, persistence=False))
    assert "verification is OFF" in caplog.text
    response = app.test_client().post("/", data=json.dumps(launch()))
    assert response.status_code == 200


def test_configuration_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALEXA_SKILL_ID", APPLICATION_ID)
    monkeypatch.setenv("SKILL_VERIFY_REQUESTS", "false")
    monkeypatch.setenv("SKILL_PERSISTENCE", "false")
    client = create_app().test_client()
    assert client.post("/", data=json.dumps(launch())).status_code == 200
    other = launch(application_id="amzn1.ask.skill.other")
    assert client.post("/", data=json.dumps(other)).status_code == 400


def test_verification_is_on_by_default() -> None:
    client = create_app(Settings(skill_id=APPLICATION_ID, persistence=False)).test_client()
    response = client.post("/", data=json.dumps(launch()))
    assert response.status_code == 400
    assert response.json == {"error": "request verification failed"}
