"""Fail-closed settings and what the logs must (and must not) say (issue 12)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.config import ConfigError, Settings
from skill.dispatch import invoke_json
from skill.logs import configure_logging
from skill.web.app import create_app
from testing.envelopes import APPLICATION_ID, benefit, envelope
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
