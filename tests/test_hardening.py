"""Fail-closed settings and what the logs must (and must not) say (issue 12)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.config import ConfigError, Settings, workers_from_env
from skill.dispatch import InvalidEnvelope, invoke_json, nesting_too_deep
from skill.logs import configure_logging, write_request_lines
from skill.web.app import create_app
from testing import ROOT
from testing.envelopes import APPLICATION_ID, benefit, envelope, intent, launch
from testing.lambda_entry import loaded_entry
from testing.talk import Conversation

# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "  ", "true", "TRUE", "1", "yes", "on"])
def test_verification_stays_on_unless_explicitly_off(raw: str) -> None:
    assert Settings.from_env({"SKILL_VERIFY_REQUESTS": raw}).verify_requests is True


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "off", " OFF "])
def test_only_an_explicit_false_turns_verification_off(raw: str) -> None:
    assert Settings.from_env({"SKILL_VERIFY_REQUESTS": raw}).verify_requests is False


@pytest.mark.parametrize("raw", ["flase", "disabled", "none", "0.0", "nope", "-"])
def test_an_unreadable_flag_refuses_to_start(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"SKILL_VERIFY_REQUESTS must be true or false"):
        Settings.from_env({"SKILL_VERIFY_REQUESTS": raw})


@pytest.mark.parametrize("name", ["SKILL_PERSISTENCE", "SKILL_ALLOW_ANY_SKILL_ID"])
def test_a_blank_flag_means_its_default(name: str) -> None:
    assert Settings.from_env({name: ""}) == Settings.from_env({})


def test_the_web_service_needs_a_skill_id_when_verifying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ConfigError, match="ALEXA_SKILL_ID is not set"):
        create_app(Settings(persistence=False))
    assert "refusing to start" in caplog.text
    # A skill id, or verification off (loudly), or the explicit opt-out: each starts.
    create_app(Settings(skill_id=APPLICATION_ID, persistence=False))
    create_app(Settings(verify_requests=False, persistence=False))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="skill.web.app"):
        create_app(Settings(allow_any_skill_id=True, persistence=False))
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "ANY skill" in caplog.text


def test_the_opt_out_comes_from_the_environment() -> None:
    env = {"SKILL_ALLOW_ANY_SKILL_ID": "true", "SKILL_PERSISTENCE": "false"}
    assert Settings.from_env(env).allow_any_skill_id is True
    create_app(Settings.from_env(env))


# --- logs -------------------------------------------------------------------------------


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Undo `configure_logging` (it sets levels on the root and library loggers)."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "botocore", "urllib3")}
    handlers = list(root.handlers)
    yield
    root.handlers[:] = handlers
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    write_request_lines(None)  # request lines back to the logger, where caplog sees them


@pytest.mark.usefixtures("root_logging")
def test_botocore_stays_at_warning_even_at_debug() -> None:
    configure_logging("DEBUG")
    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("botocore.endpoint").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("botocore").isEnabledFor(logging.INFO)
    assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("botocore").isEnabledFor(logging.WARNING)


def test_the_words_of_an_unresolved_slot_are_never_logged(
    conversation: Callable[..., Conversation], caplog: pytest.LogCaptureFixture
) -> None:
    talk = conversation()
    with caplog.at_level(logging.DEBUG):
        talk.say("BenefitDetailIntent", benefit=benefit("my secret left toe"))
    assert "did not resolve" in caplog.text  # the event is still logged
    assert "secret" not in caplog.text


def _session_ended_with_error() -> dict[str, object]:
    request = {
        "type": "SessionEndedRequest",
        "requestId": "amzn1.echo-api.request.err",
        "timestamp": "2026-01-01T00:00:00Z",
        "locale": "en-US",
        "reason": "ERROR",
        "error": {"type": "INVALID_RESPONSE", "message": "SSML is not well formed"},
    }
    return envelope(request, new=False)


def test_alexa_reporting_our_error_is_logged_at_warning_without_ids(
    skill: CustomSkill, caplog: pytest.LogCaptureFixture
) -> None:
    event = _session_ended_with_error()
    with caplog.at_level(logging.INFO):
        invoke_json(skill, event)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["session ended with an error: INVALID_RESPONSE: SSML is not well formed"]
    assert "amzn1." not in caplog.text


def test_an_ordinary_session_end_logs_no_warning(
    skill: CustomSkill, caplog: pytest.LogCaptureFixture
) -> None:
    event = _session_ended_with_error()
    event["request"]["reason"] = "USER_INITIATED"  # type: ignore[index]
    del event["request"]["error"]  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING):
        invoke_json(skill, event)
    assert caplog.records == []


@pytest.mark.usefixtures("root_logging")
def test_the_dev_server_without_a_skill_id_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from skill.__main__ import main

    for name in ("ALEXA_SKILL_ID", "SKILL_VERIFY_REQUESTS", "SKILL_ALLOW_ANY_SKILL_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SKILL_PERSISTENCE", "false")
    assert main(["serve", "--port", "1"]) == 2
    assert "configuration error: ALEXA_SKILL_ID is not set" in capsys.readouterr().err


# --- issue 21: settings range-checked at start --------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        *(
            (name, raw)
            for name in ("SKILL_CERT_FETCH_TIMEOUT", "SKILL_API_TIMEOUT")
            for raw in ("nan", "inf", "-inf", "1e308", "1e-9", "0", "-1", "8", "soon")
        ),
        ("SKILL_LOG_LEVEL", "verbose"),
        ("SKILL_LOG_LEVEL", "trace"),
        ("ALEXA_SKILL_ID", "*"),
        ("ALEXA_SKILL_ID", "amzn1.ask.skill.x"),
        ("ALEXA_SKILL_ID", "amzn1.ask.skill.00000000-0000-0000-0000-00000000000"),
        ("ALEXA_SKILL_ID", APPLICATION_ID + "-2"),
    ],
)
def test_settings_out_of_range_refuse_to_start_with_one_line(
    name: str, raw: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: nan, inf, 1e308, 1e-9 timeouts started a service that can never verify;
    SKILL_LOG_LEVEL=verbose died with a raw traceback; a skill id of "*" rejected all."""
    for variable in ("ALEXA_SKILL_ID", "SKILL_PERSISTENCE", "SKILL_LOG_LEVEL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ALEXA_SKILL_ID", APPLICATION_ID)
    monkeypatch.setenv("SKILL_PERSISTENCE", "false")
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError, match=name):
        create_app()
    [refusal] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert refusal.getMessage().startswith(f"refusing to start: {name} must ")
    assert refusal.exc_info is None


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("SKILL_CERT_FETCH_TIMEOUT", "0.1"),
        ("SKILL_CERT_FETCH_TIMEOUT", "7"),
        ("SKILL_API_TIMEOUT", "2.5"),
        ("SKILL_LOG_LEVEL", " debug "),
        ("ALEXA_SKILL_ID", "amzn1.echo-sdk-ams.app.12345678-90ab-cdef-1234-567890abcdef"),
    ],
)
def test_settings_within_range_start(name: str, raw: str) -> None:
    Settings.from_env({name: raw})


def test_settings_in_code_are_range_checked_too() -> None:
    with pytest.raises(ConfigError, match="cert_fetch_timeout"):
        Settings(cert_fetch_timeout=float("nan"))
    with pytest.raises(ConfigError, match="api_timeout"):
        Settings(api_timeout=1e-9)


@pytest.mark.parametrize("raw", ["0", "-1", "65", "two", "1.5", "nan"])
def test_web_concurrency_is_range_checked(raw: str) -> None:
    """WEB_CONCURRENCY=0 ran a master with no workers: /healthz hung."""
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY must be a whole number from 1"):
        workers_from_env({"WEB_CONCURRENCY": raw})
    assert workers_from_env({"WEB_CONCURRENCY": "4"}) == 4
    assert workers_from_env({}) == 2


def test_gunicorn_refuses_web_concurrency_zero_with_one_line(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SKILL_", "ALEXA_"))},
        "WEB_CONCURRENCY": "0",
        "ALEXA_SKILL_ID": APPLICATION_ID,
        "SKILL_PERSISTENCE": "false",
    }
    conf = ROOT / "gunicorn.conf.py"
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(conf), "--check-config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "refusing to start: WEB_CONCURRENCY must be a whole number" in done.stderr
    assert "Traceback" not in done.stderr


# --- issue 21: the Lambda entry follows the web path's rules -------------------------------


def test_lambda_without_a_skill_id_refuses_to_start(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(SystemExit), loaded_entry():
        pass
    assert "ALEXA_SKILL_ID is not set: refusing to start" in caplog.text
    # The explicit opt-out starts, saying so.
    with loaded_entry(SKILL_ALLOW_ANY_SKILL_ID="true") as entry:
        answer = entry.lambda_handler(envelope_for_app("amzn1.ask.skill.other"), None)
    assert answer["response"]
    assert "ANY skill" in caplog.text


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SKILL_API_TIMEOUT": "inf"}, "SKILL_API_TIMEOUT must be between"),
        ({"SKILL_LOG_LEVEL": "verbose"}, "SKILL_LOG_LEVEL must be one of"),
        ({"ALEXA_SKILL_ID": "*"}, "ALEXA_SKILL_ID must be this skill's id"),
    ],
)
def test_lambda_settings_refuse_to_start_with_one_line(
    env: dict[str, str], message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(SystemExit), loaded_entry(**{"ALEXA_SKILL_ID": APPLICATION_ID, **env}):
        pass
    [refusal] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert refusal.getMessage().startswith(f"refusing to start: {message}")


def envelope_for_app(application_id: str) -> dict[str, Any]:
    return envelope({**launch()["request"]}, application_id=application_id)


def _deep_session() -> dict[str, Any]:
    event = launch(new=False)
    deep: Any = "bottom"
    for _ in range(500):
        deep = {"d": deep}
    event["session"]["attributes"] = {"deep": deep}
    return event


def _wrong_types() -> list[dict[str, Any]]:
    as_string = intent("TimingIntent")
    as_string["request"]["intent"] = "TimingIntent"
    slot_list = intent("BenefitDetailIntent", {"benefit": benefit("sleep")})
    slot_list["request"]["intent"]["slots"] = [1, 2]
    return [as_string, slot_list]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (_deep_session(), "JSON nested too deeply"),
        *((event, "not a valid Alexa request envelope") for event in _wrong_types()),
        ({**launch(), "version": "1.0", "extra": float("nan")}, "NaN or infinite"),
        (envelope_for_app("amzn1.ask.skill.11111111-1111-1111-1111-111111111111"), "another skill"),
    ],
    ids=["deep", "intent-string", "slots-list", "nan", "other-skill"],
)
def test_lambda_rejects_what_the_web_endpoint_rejects_cleanly(
    entry_module: ModuleType, event: dict[str, Any], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 21: 500-deep attributes raised RecursionError, wrong types the SDK's
    SerializationException, and another skill's request was an error, not a rejection."""
    with caplog.at_level(logging.INFO), pytest.raises(InvalidEnvelope, match=reason):
        entry_module.lambda_handler(event, None)
    assert [r.levelname for r in caplog.records if r.name == "lambda_function"] == ["WARNING"]
    [warning] = [r.getMessage() for r in caplog.records if r.name == "lambda_function"]
    assert warning.startswith("request rejected: ") and reason in warning
    assert "Traceback" not in caplog.text and "SerializationException" not in caplog.text
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "skill.requests"]
    assert line["outcome"] == "rejected"


def test_the_web_endpoint_never_echoes_nan(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(verify_requests=False, persistence=False))
    event = launch(new=False)
    body = json.dumps(event).replace('"attributes": {}', '"attributes": {"x": NaN}')
    assert "NaN" in body
    answer = app.test_client().post("/", data=body, content_type="application/json")
    assert (answer.status_code, answer.get_json()) == (400, {"error": "malformed JSON"})


def test_the_nesting_check_is_linear_on_invalid_bodies() -> None:
    """Issue 21: 80 KB of unterminated strings cost 33 s of CPU (after a valid signature)."""
    for body in ('["' + '\\"' * 40_000, "[" * 70 + '"\\"' * 27_000, '{"' + "\\\n" * 40_000):
        started = time.process_time()
        nesting_too_deep(body)
        assert time.process_time() - started < 0.5, body[:20]
    assert nesting_too_deep("[" * 65 + '"]]]' + "]" * 65)
    assert not nesting_too_deep("[" * 64 + '"[[["' + "]" * 64)


# --- issue 21: log injection --------------------------------------------------------------


@pytest.mark.usefixtures("root_logging")
def test_newlines_from_a_request_cannot_forge_log_lines(
    skill: CustomSkill, capsys: pytest.CaptureFixture[str]
) -> None:
    """The web service's text log (gunicorn's stderr): one record, one line. (On Lambda the
    runtime's own handler writes each record as one CloudWatch event.)"""
    logging.getLogger().handlers.clear()  # as under gunicorn: configure_logging's handler
    configure_logging("INFO")
    forged = "\n2026-01-01 00:00:00,000 CRITICAL skill.web: refusing to start: forged"
    unknown = intent("NoSuchIntent")
    unknown["request"]["intent"]["name"] = "NoSuchIntent" + forged
    invoke_json(skill, unknown)
    ended = _session_ended_with_error()
    ended["request"]["error"]["message"] = "bad SSML" + forged  # type: ignore[index]
    invoke_json(skill, ended)
    lines = capsys.readouterr().err.splitlines()
    assert not [line for line in lines if line.startswith("2026-01-01 00:00:00,000")], lines
    assert any("no handler for IntentRequest NoSuchIntent\\n2026" in line for line in lines)
    assert any("bad SSML\\n2026" in line for line in lines)
