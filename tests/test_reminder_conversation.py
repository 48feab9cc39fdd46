"""The nightly reminder, spoken end to end: the real skill, the SDK's Reminders client,
and a fake Alexa API over HTTPS on 127.0.0.1 that checks the token and every body.

What the listener hears must be true of their own reminders: the facts before any
create, one reminder however often they ask, Alexa's list as the truth, "forget me"
deleting at Alexa too, and never a first reminder in the past.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from skill.content import load_content
from skill.names import Intent, RequestType, SessionKey
from skill.persistence import SqlitePersistenceAdapter
from skill.reminders.clock import LEAD, reminder_time_for
from skill.sdk.api_client import TimeoutApiClient
from skill.timetext import spoken_clock, spoken_time, to_clock
from skill.web.app import create_app
from testing import envelopes
from testing.envelopes import USER_ID, slot
from testing.fake_alexa_api import (
    REMINDERS_PATH,
    TIME_ZONE_PATH,
    FakeAlexaApi,
    fake_alexa_api,
    point_at,
)
from testing.lambda_entry import loaded_entry
from testing.talk import Conversation, Turn, invoke

PROMPTS = load_content().prompts
SCOPE = "alexa::alerts:reminders:skill:readwrite"

#: Every expected time follows the lead time (skill.reminders.clock.LEAD): changing it
#: changes what these tests expect, not their text.
LEAD_MINUTES = int(LEAD.total_seconds()) // 60


def before(bedtime: str) -> time:
    """The reminder time for a bedtime given as "HH:MM"."""
    return reminder_time_for(time.fromisoformat(bedtime))


def plan(bedtime: str, every: str = "every night") -> str:
    """ "every night at 9:45 PM, 45 minutes before your 10:30 PM bedtime", from the lead."""
    at, bed = before(bedtime), time.fromisoformat(bedtime)
    before_bed = f"{LEAD_MINUTES} minutes before your {spoken_time(bed)} bedtime"
    return f"{every} at {spoken_time(at)}, {before_bed}"


def consent(plan: str) -> str:
    """The one consent question: the plan, then "Shall I?"."""
    return f"{PROMPTS.reminder_confirm.format(plan=plan)} {PROMPTS.reminder_shall}"


def done(at: time, every: str = "every night") -> str:
    """ "Done. 9:45 every night.": the plan is not repeated."""
    clock = spoken_clock(at) if every == "every night" else spoken_time(at)
    return PROMPTS.reminder_done.format(time=clock, every=every)


def rule(at: time) -> str:
    return f"BYHOUR={at.hour};BYMINUTE={at.minute}"


AT_10_30 = before("22:30")  # 9:45 PM with a 45-minute lead
FOR_10_30 = plan("22:30")
NINE_45 = spoken_time(AT_10_30)  # "9:45 PM"


@pytest.fixture
def api() -> Iterator[FakeAlexaApi]:
    with fake_alexa_api() as running:
        yield running
    assert not running.server_errors, running.server_errors


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


def remind(
    skill: CustomSkill, api: FakeAlexaApi, answers: tuple[str, ...] = ("yes",), **slots: Any
) -> list[Turn]:
    """ "Alexa, ask bedtime magnesium to remind me ...", then yes/no to each question."""
    talk = talk_with(skill, api)
    turns = [talk.say(Intent.SET_REMINDER, **slots)]
    for answer in answers:
        turns.append(talk.say(Intent.YES if answer == "yes" else Intent.NO))
    return turns


def writes(api: FakeAlexaApi) -> list[str]:
    """The calls that create or change a reminder, in order."""
    return [call.method for call in api.calls_to(REMINDERS_PATH) if call.method in {"POST", "PUT"}]


def permission_answer(
    api: FakeAlexaApi, payload: dict[str, Any], token: str, code: str = "200"
) -> dict[str, Any]:
    """The Connections.Response Alexa sends after asking for permission by voice."""
    request = {
        "type": "Connections.Response",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": "en-US",
        "name": "AskFor",
        "status": {"code": code, "message": "OK" if code == "200" else "ERROR"},
        "payload": payload,
        "token": token,
    }
    return point_at(envelopes.envelope(request), api, permission="GRANTED")


def v1(status: str) -> dict[str, Any]:
    return {"status": status, "isCardThrown": False, "permissionScope": SCOPE}


def v2(status: str) -> dict[str, Any]:
    return {
        "permissionScopes": [
            {"permissionScope": SCOPE, "consentLevel": "ACCOUNT", "status": status}
        ]
    }


def stored(db_path: Path) -> dict[str, Any]:
    return SqlitePersistenceAdapter(db_path).get_attributes(USER_ID)


def rule_of(body: dict[str, Any]) -> str:
    return str(body["trigger"]["recurrence"]["recurrenceRules"][0])


# --------------------------------------------------------------------------- consent


def test_remind_me_asks_for_bedtime_states_the_facts_and_sets_it_only_on_yes(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    talk = talk_with(skill, api)
    question = talk.say(Intent.SET_REMINDER)
    assert question.speech == PROMPTS.ask_bedtime
    assert not question.ends_session
    assert question.directives[0]["type"] == "Dialog.ElicitSlot"
    assert question.directives[0]["slotToElicit"] == "bedtime"

    confirm = talk.send(
        envelopes.intent,
        Intent.SET_REMINDER,
        {"bedtime": slot("bedtime", "22:30")},
        dialog_state="IN_PROGRESS",
    )
    assert confirm.speech == consent(FOR_10_30)
    assert confirm.speech == (f"I'll remind you {FOR_10_30}. Shall I?")
    assert "10:30 PM bedtime" in confirm.speech
    assert not confirm.ends_session
    assert writes(api) == []  # nothing set before the listener said yes

    set_ = talk.say(Intent.YES)
    assert set_.speech == done(AT_10_30)
    assert set_.ends_session  # it began as a one-shot request: answered, then closed
    assert set_.card == {
        "type": "Simple",
        "title": PROMPTS.reminder_card_title,
        "content": PROMPTS.reminder_card_text.format(plan=FOR_10_30),
    }
    assert f"every night at {spoken_time(AT_10_30)}" in set_.card["content"]
    [body] = api.created
    assert rule_of(body) == f"FREQ=DAILY;{rule(AT_10_30)};BYSECOND=0;INTERVAL=1;"
    assert "scheduledTime" not in body["trigger"]
    assert body["trigger"]["timeZoneId"] == "Europe/London"
    record = stored(db_path)
    assert (record["bedtime"], record["reminder_time"]) == ("22:30", to_clock(AT_10_30))
    assert record["reminder_id"] in api.reminders
    for call in api.calls:
        assert call.headers["Authorization"] == f"Bearer {api.token}"


def test_the_reminder_speaks_short_discreet_words_without_the_skill_name(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    [body] = api.created
    [content] = body["alertInfo"]["spokenInfo"]["content"]
    assert content == {"locale": "en-US", "text": "Time for your magnesium."}
    assert "bedtime magnesium" not in content["text"].lower()


def test_no_to_the_facts_keeps_nothing(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    confirm, declined = remind(skill, api, ("no",), bedtime=slot("bedtime", "22:30"))
    assert "every night" in confirm.speech and spoken_time(AT_10_30) in confirm.speech
    assert declined.speech == PROMPTS.reminder_not_set
    assert declined.ends_session
    assert writes(api) == [] and api.reminders == {}
    record = stored(db_path)
    assert record.get("bedtime") is None and record.get("reminder_id") is None


def test_a_time_said_outright_is_confirmed_with_its_facts(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    confirm, set_ = remind(skill, api, time=slot("time", "21:30"))
    assert confirm.speech == consent("every night at 9:30 PM")
    assert set_.speech == done(time(21, 30))
    assert "BYHOUR=21;BYMINUTE=30" in rule_of(api.created[0])


def test_a_known_bedtime_is_used_without_asking_again(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "23:00"))
    confirm, set_ = remind(skill, api)
    assert confirm.speech == consent(plan("23:00"))
    assert set_.speech == done(before("23:00"))


# --------------------------------------------------------------------------- AM or PM


def test_ten_thirty_is_taken_as_evening_inside_the_one_consent_question(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    """Said up front, a bedtime becomes a reminder in two turns: the plan, then yes."""
    confirm, set_ = remind(skill, api, ("yes",), bedtime=slot("bedtime", "10:30"))
    assert confirm.speech == consent(FOR_10_30)
    assert not confirm.ends_session
    assert set_.speech == done(AT_10_30)
    assert set_.speech == f"Done. {spoken_clock(AT_10_30)} every night."
    assert writes(api) == ["POST"]
    assert rule(AT_10_30) in rule_of(api.created[0])
    assert stored(db_path)["bedtime"] == "22:30"


def test_no_to_the_evening_reading_asks_again_and_a_morning_bedtime_is_every_day(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    confirm = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "10:30"))
    assert confirm.speech == consent(FOR_10_30)
    again = talk.say(Intent.NO)
    assert again.speech == PROMPTS.ask_bedtime_again
    assert "morning" in again.speech and "night" in again.speech
    assert again.directives[0]["slotToElicit"] == "bedtime"
    # "Ten thirty in the morning" arrives as 10:30 again: now read as said.
    morning = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "10:30"))
    assert morning.speech == consent(plan("10:30", "every day"))
    assert "night" not in morning.speech
    assert talk.say(Intent.YES).speech == done(before("10:30"), "every day")
    assert rule(before("10:30")) in rule_of(api.created[0])


def test_no_to_the_evening_reading_then_ten_thirty_at_night_is_evening(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "10:30"))
    talk.say(Intent.NO)
    again = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "22:30"))
    assert again.speech == consent(FOR_10_30)


@pytest.mark.parametrize(
    ("slots", "said"),
    [
        ({"bedtime": "06:00"}, plan("18:00")),
        ({"bedtime": "12:30"}, plan("00:30")),
        ({"bedtime": "12:00"}, plan("00:00")),  # "your midnight bedtime"
        ({"time": "09:30"}, "every night at 9:30 PM"),
    ],
)
def test_morning_and_midday_times_are_taken_as_evening_and_said_so(
    skill: CustomSkill, api: FakeAlexaApi, slots: dict[str, str], said: str
) -> None:
    (confirm,) = remind(
        skill, api, (), **{name: slot(name, value) for name, value in slots.items()}
    )
    assert confirm.speech == consent(said)
    assert writes(api) == []


def test_a_late_night_bedtime_needs_no_am_pm_question(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    (confirm,) = remind(skill, api, (), bedtime=slot("bedtime", "00:30"))
    assert confirm.speech == consent(plan("00:30"))


@pytest.mark.parametrize(
    ("part", "answer", "plan"),
    [
        ("NI", "10:30", FOR_10_30),
        ("EV", "09:00", plan("21:00")),
        ("MO", "10:30", plan("10:30", "every day")),
        ("AF", "03:00", plan("15:00", "every day")),
    ],
)
def test_morning_afternoon_evening_and_night_ask_for_the_time_and_read_it_that_way(
    skill: CustomSkill, api: FakeAlexaApi, part: str, answer: str, plan: str
) -> None:
    talk = talk_with(skill, api)
    question = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", part))
    assert question.speech == PROMPTS.ask_bedtime
    assert question.directives[0]["slotToElicit"] == "bedtime"
    confirm = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", answer))
    assert confirm.speech == consent(plan)
    assert writes(api) == []


def test_a_vague_time_asks_for_bedtime(skill: CustomSkill, api: FakeAlexaApi) -> None:
    turn = ask(skill, api, Intent.SET_REMINDER, time=slot("time", "EV"))
    assert turn.speech == PROMPTS.ask_bedtime
    assert api.calls == []


# --------------------------------------------------------------------------- permission


def test_the_permission_request_says_the_facts_and_uses_askfor_version_2(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api, permission="DENIED")
    turn = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "22:30"))
    assert turn.speech == PROMPTS.reminder_permission.format(plan=FOR_10_30)
    assert "every night" in turn.speech and NINE_45 in turn.speech
    [directive] = turn.directives
    assert directive["type"] == "Connections.SendRequest"
    assert directive["name"] == "AskFor"
    assert directive["payload"] == {
        "@type": "AskForPermissionsConsentRequest",
        "@version": "2",
        "permissionScopes": [{"permissionScope": SCOPE, "consentLevel": "ACCOUNT"}],
    }
    assert directive["token"] == f"reminder@{to_clock(AT_10_30)}/22:30"
    assert api.calls == []


@pytest.mark.parametrize("shape", [v1, v2], ids=["version-1", "version-2"])
def test_v1_and_v2_permission_answers_both_set_the_reminder_they_were_asked_for(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path, shape: Callable[[str], dict[str, Any]]
) -> None:
    turn = Turn(
        invoke(
            skill, permission_answer(api, shape("ACCEPTED"), f"reminder@{to_clock(AT_10_30)}/22:30")
        )
    )
    assert turn.speech == done(AT_10_30)
    assert turn.ends_session
    [body] = api.created
    assert rule(AT_10_30) in rule_of(body)
    assert stored(db_path)["bedtime"] == "22:30"


@pytest.mark.parametrize("shape", [v1, v2], ids=["version-1", "version-2"])
@pytest.mark.parametrize("status", ["DENIED", "NOT_ANSWERED"])
def test_permission_denied_or_unanswered_says_so_and_sends_a_consent_card(
    skill: CustomSkill, api: FakeAlexaApi, status: str, shape: Callable[[str], dict[str, Any]]
) -> None:
    turn = Turn(invoke(skill, permission_answer(api, shape(status), "reminder@21:30")))
    assert turn.speech == PROMPTS.reminder_declined
    assert turn.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}
    assert turn.ends_session
    assert api.calls == []


@pytest.mark.parametrize(
    ("payload", "code", "token"),
    [
        (v2("ACCEPTED"), "500", "reminder@21:30"),  # the task failed: no answer at all
        (v1("ACCEPTED"), "400", "reminder@21:30"),
        (v2("ACCEPTED"), "200", "something-else"),  # not our request
        (
            {"permissionScopes": [{"permissionScope": "other", "status": "ACCEPTED"}]},
            "200",
            "reminder@21:30",
        ),
        ({}, "200", "reminder@21:30"),
    ],
)
def test_only_an_accepted_answer_to_our_request_sets_anything(
    skill: CustomSkill, api: FakeAlexaApi, payload: dict[str, Any], code: str, token: str
) -> None:
    turn = Turn(invoke(skill, permission_answer(api, payload, token, code)))
    assert turn.speech == PROMPTS.reminder_declined
    assert api.calls == []


# --------------------------------------------------------------------------- one reminder


def test_two_remind_me_requests_leave_exactly_one_reminder(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    _, again = remind(skill, api, bedtime=slot("bedtime", "23:00"))
    assert again.speech == done(before("23:00"))
    assert len(api.reminders) == 1
    assert writes(api) == ["POST", "PUT"]
    [(token, only)] = api.reminders.items()
    assert rule(before("23:00")) in rule_of(only.body)
    assert stored(db_path)["reminder_id"] == token


def test_a_reminder_whose_id_was_lost_is_found_and_updated_not_doubled(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    SqlitePersistenceAdapter(db_path).delete_attributes(USER_ID)  # id lost
    status = ask(skill, api, Intent.REMINDER_STATUS)
    assert status.speech == PROMPTS.reminder_status.format(plan=f"every night at {NINE_45}")
    assert stored(db_path)["reminder_id"] in api.reminders  # adopted again
    SqlitePersistenceAdapter(db_path).delete_attributes(USER_ID)
    remind(skill, api, time=slot("time", "21:00"))
    assert len(api.reminders) == 1
    assert writes(api) == ["POST", "PUT"]


def test_duplicates_left_by_an_older_version_are_folded_into_one(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    remind(skill, api, time=slot("time", "21:30"))
    [(_, first)] = api.reminders.items()
    api.reminders["amzn1.ask.alert.old-duplicate"] = type(first)(
        body=first.body, created=first.created
    )
    remind(skill, api, time=slot("time", "21:15"))
    assert len(api.reminders) == 1
    [only] = api.reminders.values()
    assert "BYHOUR=21;BYMINUTE=15" in rule_of(only.body)


def test_cancel_leaves_none_and_status_then_says_none(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    assert ask(skill, api, Intent.REMINDER_STATUS).speech == PROMPTS.reminder_none
    remind(skill, api, time=slot("time", "21:30"))
    remind(skill, api, time=slot("time", "21:40"))
    status = ask(skill, api, Intent.REMINDER_STATUS)
    assert status.speech == PROMPTS.reminder_status.format(plan="every night at 9:40 PM")

    one_shot = talk_with(skill, api)
    confirm = one_shot.say(Intent.CANCEL_REMINDER)
    assert confirm.speech == PROMPTS.reminder_cancel_confirm.format(time="9:40 PM")
    kept = one_shot.say(Intent.NO)
    assert kept.speech == PROMPTS.reminder_kept
    assert len(api.reminders) == 1

    talk = talk_with(skill, api)
    talk.open()
    talk.say(Intent.CANCEL_REMINDER)
    cancelled = talk.say(Intent.YES)
    assert cancelled.speech == f"{PROMPTS.reminder_cancelled} {PROMPTS.ask_next}"
    assert api.reminders == {}
    assert stored(db_path)["reminder_id"] is None
    assert ask(skill, api, Intent.REMINDER_STATUS).speech == PROMPTS.reminder_none


def test_a_reminder_deleted_in_the_alexa_app_is_reported_as_gone(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    remind(skill, api, time=slot("time", "21:30"))
    api.reminders.clear()  # the listener deleted it in the Alexa app
    assert ask(skill, api, Intent.REMINDER_STATUS).speech == PROMPTS.reminder_none
    assert stored(db_path)["reminder_id"] is None
    assert ask(skill, api, Intent.CANCEL_REMINDER).speech == PROMPTS.reminder_none


def test_a_completed_reminder_counts_as_gone(skill: CustomSkill, api: FakeAlexaApi) -> None:
    remind(skill, api, time=slot("time", "21:30"))
    [token] = api.reminders
    api.complete(token)
    assert ask(skill, api, Intent.REMINDER_STATUS).speech == PROMPTS.reminder_none


# --------------------------------------------------------------------------- forget me


def test_forget_me_names_the_reminder_and_deletes_it_at_alexa_then_the_record(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    talk = talk_with(skill, api)
    question = talk.say(Intent.FORGET_ME)
    assert question.speech == (
        f"Do you want me to forget your visits, your 10:30 PM bedtime and your {NINE_45} reminder?"
    )
    forgotten = talk.say(Intent.YES)
    assert forgotten.speech == PROMPTS.forgotten_reminder.format(time=NINE_45)
    assert api.reminders == {}
    assert stored(db_path) == {}
    delete = [call for call in api.calls if call.method == "DELETE"]
    assert len(delete) == 1


def test_forget_me_finds_and_deletes_a_reminder_whose_id_was_lost(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    remind(skill, api, time=slot("time", "21:30"))
    SqlitePersistenceAdapter(db_path).delete_attributes(USER_ID)  # id lost
    talk = talk_with(skill, api)
    assert "your 9:30 PM reminder?" in talk.say(Intent.FORGET_ME).speech
    assert talk.say(Intent.YES).speech == PROMPTS.forgotten_reminder.format(time="9:30 PM")
    assert api.reminders == {} and stored(db_path) == {}


def test_a_yes_whose_plan_was_lost_sets_nothing_and_asks_again(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "22:30"))
    talk.attributes.pop(SessionKey.REMINDER_PLAN)
    assert talk.say(Intent.YES).speech == PROMPTS.ask_bedtime
    assert writes(api) == []


def test_forget_me_without_a_reminder_asks_the_plain_question(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    talk = talk_with(skill, api)
    visits = PROMPTS.forget_confirm.format(things=PROMPTS.forget_visits)
    assert talk.say(Intent.FORGET_ME).speech == visits
    assert talk.say(Intent.YES).speech == PROMPTS.forgotten


def test_forget_me_says_so_when_the_delete_fails_and_keeps_the_id_to_retry(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    [token] = api.reminders
    talk = talk_with(skill, api)
    talk.say(Intent.FORGET_ME)
    api.fail(503, path=f"{REMINDERS_PATH}/")  # the DELETE fails, the list works
    failed = talk.say(Intent.YES)
    assert failed.speech == PROMPTS.forget_reminder_failed.format(time=NINE_45)
    assert token in api.reminders
    record = stored(db_path)
    assert (record["reminder_id"], record["reminder_time"]) == (token, to_clock(AT_10_30))
    assert record["bedtime"] is None and record["visits"] == 0

    again = talk_with(skill, api)
    assert f"{NINE_45} reminder" in again.say(Intent.FORGET_ME).speech
    assert again.say(Intent.YES).speech == PROMPTS.forgotten_reminder.format(time=NINE_45)
    assert api.reminders == {} and stored(db_path) == {}


def test_forget_me_when_alexa_cannot_delete_the_reminder_leaves_no_earlier_copy(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    """Issue 21: that path rewrote the record instead of deleting it, and never truncated
    the WAL; earlier versions (bedtime, topics, voice) stayed in it."""
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    talk = talk_with(skill, api)
    talk.say(Intent.FORGET_ME)
    api.fail(503, path=f"{REMINDERS_PATH}/")
    talk.say(Intent.YES)
    raw = b"".join(
        path.read_bytes()
        for path in (db_path, db_path.with_name(db_path.name + "-wal"))
        if path.exists()
    )
    assert b'"22:30"' not in raw  # the bedtime, in no version of the record
    record = stored(db_path)
    assert record["bedtime"] is None and record["reminder_id"]  # what must stay, stays
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or b"22:30" not in wal.read_bytes()


# --------------------------------------------------------------------------- time zone

ZONES = [
    "Etc/GMT+12",  # UTC-12
    "Pacific/Pago_Pago",  # UTC-11
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Tongatapu",  # UTC+13
    "Pacific/Kiritimati",  # UTC+14
]


@pytest.mark.parametrize("device_zone", ZONES)
@pytest.mark.parametrize("at", ["00:00", "06:30", "12:00", "19:00", "21:45", "23:59"])
def test_without_the_time_zone_the_first_reminder_is_never_in_the_past(
    skill: CustomSkill, api: FakeAlexaApi, device_zone: str, at: str
) -> None:
    api.device_zone = device_zone
    api.fail(500, path=TIME_ZONE_PATH)
    talk = talk_with(skill, api)
    talk.say(Intent.SET_REMINDER, time=slot("time", at))
    if 6 <= int(at[:2]) <= 12:  # taken as evening: the listener says no, and the time again
        talk.say(Intent.NO)
        talk.say(Intent.SET_REMINDER, time=slot("time", at))
    set_ = talk.say(Intent.YES)
    [body] = api.created  # the fake refuses (400) a start already past on the device
    trigger = body["trigger"]
    assert "timeZoneId" not in trigger  # Alexa uses the device's own zone
    start = datetime.fromisoformat(trigger["recurrence"]["startDateTime"])
    assert start > datetime.now(ZoneInfo(device_zone)).replace(tzinfo=None)
    assert start.strftime("%H:%M") == at
    assert PROMPTS.reminder_zone_unknown in set_.speech


def test_with_the_time_zone_known_the_first_reminder_is_the_next_one(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    remind(skill, api, time=slot("time", "23:59"))
    [body] = api.created
    start = datetime.fromisoformat(body["trigger"]["recurrence"]["startDateTime"])
    now = datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    assert 0 < (start - now).total_seconds() <= 24 * 3600  # tonight, unless already past


# --------------------------------------------------------------------------- faults

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
        _, turn = remind(skill, api, time=slot("time", "21:30"))
    assert turn.speech == said
    assert turn.ends_session
    assert PROMPTS.error not in turn.speech
    assert api.reminders == {}
    assert not [r for r in caplog.records if r.name.startswith("skill.handlers.errors")]
    assert any(r.name == "skill.reminders.service" for r in caplog.records)
    if status == 401:
        assert turn.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}


def test_a_slow_api_times_out_into_a_calm_answer(
    skill: CustomSkill, api: FakeAlexaApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.delay(2.0, path=REMINDERS_PATH)
    with caplog.at_level(logging.WARNING):
        _, turn = remind(skill, api, time=slot("time", "21:30"))
    assert turn.speech == PROMPTS.reminder_unavailable
    assert not [r for r in caplog.records if r.name.startswith("skill.handlers.errors")]


def test_status_and_cancel_faults_are_calm_too(skill: CustomSkill, api: FakeAlexaApi) -> None:
    remind(skill, api, time=slot("time", "21:30"))
    api.fail(503, path=REMINDERS_PATH)
    assert ask(skill, api, Intent.REMINDER_STATUS).speech == PROMPTS.reminder_unavailable
    talk = talk_with(skill, api)
    talk.open()
    talk.say(Intent.CANCEL_REMINDER)
    api.fail(429, path=REMINDERS_PATH)
    assert talk.say(Intent.YES).speech.startswith(PROMPTS.reminder_throttled)
    assert len(api.reminders) == 1


# --------------------------------------------------------------------------- skill disabled


def skill_disabled(user_id: str = USER_ID) -> dict[str, Any]:
    """AlexaSkillEvent.SkillDisabled as Alexa sends it: no session, a context, a body."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope = envelopes.envelope(
        {
            "type": RequestType.SKILL_DISABLED,
            "eventCreationTime": stamp,
            "eventPublishingTime": stamp,
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
        },
        user_id=user_id,
    )
    del envelope["session"]
    return envelope


def test_skill_disabled_deletes_the_record_through_the_lambda_entry(
    api: FakeAlexaApi, db_path: Path, skill: CustomSkill
) -> None:
    remind(skill, api, bedtime=slot("bedtime", "22:30"))
    other = "amzn1.ask.account.SOMEONE-ELSE"
    SqlitePersistenceAdapter(db_path).save_attributes(other, {"visits": 3})
    assert stored(db_path)["bedtime"] == "22:30"
    with loaded_entry(
        "lambda_function_disabled",
        SKILL_PERSISTENCE="true",
        SKILL_SQLITE_PATH=str(db_path),
        ALEXA_SKILL_ID=envelopes.APPLICATION_ID,
    ) as entry:
        answer = entry.lambda_handler(skill_disabled(), None)
    assert "outputSpeech" not in answer["response"]
    assert stored(db_path) == {}
    assert SqlitePersistenceAdapter(db_path).get_attributes(other) == {"visits": 3}


def test_skill_disabled_deletes_the_record_through_the_web_endpoint(
    api: FakeAlexaApi, db_path: Path, skill: CustomSkill
) -> None:
    remind(skill, api, time=slot("time", "21:30"))
    assert stored(db_path)["reminder_id"]
    app = create_app(
        Settings(skill_id=None, persistence=True, sqlite_path=db_path, verify_requests=False)
    )
    answer = app.test_client().post("/", json=skill_disabled())
    assert answer.status_code == 200
    assert "outputSpeech" not in answer.get_json()["response"]
    assert stored(db_path) == {}
