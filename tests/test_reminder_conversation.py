"""The nightly reminder, spoken end to end: the real skill, the SDK's Reminders client,
and a fake Alexa API over HTTPS on 127.0.0.1 that checks the token and every body."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from skill.content import load_content
from skill.persistence import SqlitePersistenceAdapter
from skill.sdk.api_client import TimeoutApiClient
from tests import envelopes
from tests.envelopes import USER_ID, slot
from tests.fake_alexa_api import REMINDERS_PATH, FakeAlexaApi, fake_alexa_api, point_at
from tests.talk import Conversation, Turn, invoke

PROMPTS = load_content().prompts
SCOPE = "alexa::alerts:reminders:skill:readwrite"


@pytest.fixture
def api() -> Iterator[FakeAlexaApi]:
    with fake_alexa_api() as running:
        yield running


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "users.sqlite3"


@pytest.fixture
def skill(api: FakeAlexaApi, db_path: Path) -> CustomSkill:
    """The production skill, trusting the fake API's test CA, with a short API timeout."""
    client = TimeoutApiClient(timeout=0.5, verify=api.ca_path)
    return build_skill(Settings(persistence=True, sqlite_path=db_path), api_client=client)


def aimed(api: FakeAlexaApi, permission: str | None = "GRANTED") -> Callable[..., dict[str, Any]]:
    """Envelope builders whose requests go to the fake API, with this permission state."""

    def build(make: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return point_at(make(*args, **kwargs), api, permission=permission)

    return build


def ask(
    skill: CustomSkill,
    api: FakeAlexaApi,
    intent_name: str,
    permission: str = "GRANTED",
    **slots: Any,
) -> Turn:
    """A one-shot question ("Alexa, ask bedtime magnesium to ...")."""
    envelope = aimed(api, permission)(envelopes.intent, intent_name, slots or None, new=True)
    return Turn(invoke(skill, envelope))


def talk_with(skill: CustomSkill, api: FakeAlexaApi, permission: str = "GRANTED") -> Conversation:
    talk = Conversation(skill)
    aim = aimed(api, permission)
    original = talk.send

    def send(build: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> Turn:
        return original(lambda *a, **k: aim(build, *a, **k), *args, **kwargs)

    talk.send = send  # type: ignore[method-assign]
    return talk


def permission_answer(api: FakeAlexaApi, status: str, token: str) -> dict[str, Any]:
    """The Connections.Response Alexa sends after asking for permission by voice."""
    request = {
        "type": "Connections.Response",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": "en-US",
        "name": "AskFor",
        "status": {"code": "200", "message": "OK"},
        "payload": {"status": status, "isCardThrown": False, "permissionScope": SCOPE},
        "token": token,
    }
    permission = "GRANTED" if status == "ACCEPTED" else "DENIED"
    return point_at(envelopes.envelope(request), api, permission=permission)


def stored(db_path: Path) -> dict[str, Any]:
    return SqlitePersistenceAdapter(db_path).get_attributes(USER_ID)


def rule_of(body: dict[str, Any]) -> str:
    return str(body["trigger"]["recurrence"]["recurrenceRules"][0])


def test_remind_me_asks_for_bedtime_then_sets_a_nightly_reminder_in_the_window(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    talk = talk_with(skill, api)
    question = talk.say("SetReminderIntent")
    assert question.speech == PROMPTS.ask_bedtime
    assert question.reprompt == PROMPTS.ask_bedtime_reprompt
    assert not question.ends_session
    assert question.directives[0]["type"] == "Dialog.ElicitSlot"
    assert question.directives[0]["slotToElicit"] == "bedtime"

    done = talk.send(
        envelopes.intent,
        "SetReminderIntent",
        {"bedtime": slot("bedtime", "22:30")},
        dialog_state="IN_PROGRESS",
    )
    # 45 minutes before 10:30 PM: inside the article's "30 minutes to an hour before bed".
    assert done.speech == PROMPTS.reminder_set.format(time="9:45 PM")
    assert done.ends_session  # it began as a one-shot request: answered, then closed
    assert done.card and done.card["title"] == PROMPTS.reminder_card_title
    [body] = api.created
    assert "FREQ=DAILY" in rule_of(body) and "BYHOUR=21;BYMINUTE=45" in rule_of(body)
    assert body["alertInfo"]["spokenInfo"]["content"] == [
        {"locale": "en-US", "text": PROMPTS.reminder_text}
    ]
    assert body["trigger"]["timeZoneId"] == "Europe/London"
    record = stored(db_path)
    assert record["bedtime"] == "22:30"
    assert record["reminder_time"] == "21:45"
    assert record["reminder_id"]


def test_remind_me_at_a_time_sets_it_at_that_time_and_closes(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    turn = ask(skill, api, "SetReminderIntent", time=slot("time", "21:30"))
    assert turn.speech == PROMPTS.reminder_set.format(time="9:30 PM")
    assert turn.ends_session
    assert "BYHOUR=21;BYMINUTE=30" in rule_of(api.created[0])


def test_a_known_bedtime_is_used_without_asking_again(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    first = ask(skill, api, "SetReminderIntent", bedtime=slot("bedtime", "23:00"))
    assert first.speech == PROMPTS.reminder_set.format(time="10:15 PM")
    turn = ask(skill, api, "SetReminderIntent")
    assert turn.speech == PROMPTS.reminder_set.format(time="10:15 PM")


def test_a_vague_bedtime_is_asked_again(skill: CustomSkill, api: FakeAlexaApi) -> None:
    turn = ask(skill, api, "SetReminderIntent", bedtime=slot("bedtime", "NI"))
    assert turn.speech == PROMPTS.ask_bedtime
    assert api.created == []


def test_without_permission_it_asks_by_voice_and_creates_when_accepted(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    turn = ask(skill, api, "SetReminderIntent", permission="DENIED", time=slot("time", "21:30"))
    assert turn.speech == PROMPTS.reminder_permission
    [directive] = turn.directives
    assert directive["type"] == "Connections.SendRequest"
    assert directive["name"] == "AskFor"
    assert directive["payload"]["permissionScope"] == SCOPE
    assert api.created == []

    accepted = Turn(invoke(skill, permission_answer(api, "ACCEPTED", directive["token"])))
    assert accepted.speech == PROMPTS.reminder_set.format(time="9:30 PM")
    assert accepted.ends_session
    assert len(api.created) == 1


@pytest.mark.parametrize("status", ["DENIED", "NOT_ANSWERED"])
def test_permission_denied_or_unanswered_says_so_and_sends_a_consent_card(
    skill: CustomSkill, api: FakeAlexaApi, status: str
) -> None:
    turn = Turn(invoke(skill, permission_answer(api, status, "reminder@21:30")))
    assert turn.speech == PROMPTS.reminder_declined
    assert turn.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}
    assert turn.ends_session
    assert api.created == []


def test_when_is_my_reminder_and_cancel_with_confirmation(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    assert ask(skill, api, "ReminderStatusIntent").speech == PROMPTS.reminder_none
    ask(skill, api, "SetReminderIntent", time=slot("time", "21:30"))
    status = ask(skill, api, "ReminderStatusIntent")
    assert status.speech == PROMPTS.reminder_status.format(time="9:30 PM")

    one_shot = talk_with(skill, api)  # "Alexa, ask bedtime magnesium to cancel my reminder"
    confirm = one_shot.say("CancelReminderIntent")
    assert confirm.speech == PROMPTS.reminder_cancel_confirm.format(time="9:30 PM")
    assert not confirm.ends_session
    kept = one_shot.say("AMAZON.NoIntent")
    assert kept.speech == PROMPTS.reminder_kept
    assert kept.ends_session
    assert len(api.reminders) == 1

    talk = talk_with(skill, api)  # "Alexa, open bedtime magnesium" ... "cancel my reminder"
    talk.open()
    talk.say("CancelReminderIntent")
    cancelled = talk.say("AMAZON.YesIntent")
    assert cancelled.speech == f"{PROMPTS.reminder_cancelled} {PROMPTS.ask_next}"
    assert not cancelled.ends_session
    assert api.reminders == {}
    assert stored(db_path)["reminder_id"] is None
    assert ask(skill, api, "ReminderStatusIntent").speech == PROMPTS.reminder_none


def test_a_reminder_deleted_in_the_alexa_app_is_reported_as_none(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    ask(skill, api, "SetReminderIntent", time=slot("time", "21:30"))
    api.reminders.clear()
    assert ask(skill, api, "ReminderStatusIntent").speech == PROMPTS.reminder_none


FAULTS = {
    "401": (401, None, PROMPTS.reminder_no_permission),
    "403 unsupported": (403, "DEVICE_NOT_SUPPORTED", PROMPTS.reminder_unsupported),
    "429": (429, None, PROMPTS.reminder_throttled),
    "500": (500, None, PROMPTS.reminder_unavailable),
    "503": (503, None, PROMPTS.reminder_unavailable),
}


@pytest.mark.parametrize(("status", "code", "said"), FAULTS.values(), ids=list(FAULTS))
def test_api_faults_get_a_calm_answer_not_the_error_handler(
    skill: CustomSkill,
    api: FakeAlexaApi,
    caplog: pytest.LogCaptureFixture,
    status: int,
    code: str | None,
    said: str,
) -> None:
    api.fail(status, code=code, path=REMINDERS_PATH)
    with caplog.at_level(logging.WARNING):
        turn = ask(skill, api, "SetReminderIntent", time=slot("time", "21:30"))
    assert turn.speech == said
    assert turn.ends_session
    assert PROMPTS.error not in turn.speech
    assert not [r for r in caplog.records if r.name.startswith("skill.handlers.errors")]
    assert any(r.name == "skill.reminders.service" for r in caplog.records)
    if status == 401:
        assert turn.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}


def test_a_slow_api_times_out_into_a_calm_answer(
    skill: CustomSkill, api: FakeAlexaApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.delay(2.0, path=REMINDERS_PATH)
    with caplog.at_level(logging.WARNING):
        turn = ask(skill, api, "SetReminderIntent", time=slot("time", "21:30"))
    assert turn.speech == PROMPTS.reminder_unavailable
    assert not [r for r in caplog.records if r.name.startswith("skill.handlers.errors")]


def test_status_and_cancel_faults_are_calm_too(skill: CustomSkill, api: FakeAlexaApi) -> None:
    ask(skill, api, "SetReminderIntent", time=slot("time", "21:30"))
    api.fail(503, path=REMINDERS_PATH)
    assert ask(skill, api, "ReminderStatusIntent").speech == PROMPTS.reminder_unavailable
    talk = talk_with(skill, api)
    talk.open()
    talk.say("CancelReminderIntent")
    api.fail(429, path=REMINDERS_PATH)
    assert talk.say("AMAZON.YesIntent").speech.startswith(PROMPTS.reminder_throttled)
    assert len(api.reminders) == 1
