"""Two sleepers, one Echo: a recognised person's memory is their own.

The real skill, the fake Alexa API (reminders, time zone) and both stores: SQLite and
DynamoDB (a local moto server). Alexa sends `context.System.person.personId` when it
recognises a voice profile; without one, memory is the account's, as before.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_core.skill import CustomSkill
from moto.server import ThreadedMotoServer

from skill.bedtime import is_near
from skill.builder import build_skill
from skill.config import Settings
from skill.content import load_content
from skill.memory import PEOPLE, person_key
from skill.names import Intent, Voice
from skill.persistence import build_persistence_adapter
from skill.persistence.resilient import ResilientPersistenceAdapter
from skill.sdk.api_client import TimeoutApiClient
from skill.speech import QUIET_PROSODY
from testing import envelopes
from testing.envelopes import USER_ID, recognised, skill_disabled, slot
from testing.fake_alexa_api import FakeAlexaApi, fake_alexa_api, point_at
from testing.talk import Conversation, Turn, invoke
from tests.test_persistence_dynamodb import (
    create_table,
    endpoint_of,
    make_client,
    make_resource,
    start_server,
    stop_server,
)

PROMPTS = load_content().prompts
ANNA = "amzn1.ask.person.ANNA0000000000000000000000000000"
BEN = "amzn1.ask.person.BEN00000000000000000000000000000"


@pytest.fixture
def api() -> Iterator[FakeAlexaApi]:
    with fake_alexa_api() as running:
        yield running
    assert not running.server_errors, running.server_errors


@pytest.fixture(scope="module")
def moto() -> Iterator[ThreadedMotoServer]:
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ResilientPersistenceAdapter]:
    """The account's store: SQLite in a file, or DynamoDB on a local moto server."""
    if request.param == "sqlite":
        sqlite = build_persistence_adapter(Settings(sqlite_path=tmp_path / "users.sqlite3"))
        assert sqlite is not None
        yield sqlite
        return
    server = request.getfixturevalue("moto")
    table = create_table(make_resource(endpoint_of(server)))
    settings = Settings(dynamodb_table=table.name, sqlite_path=tmp_path / "unused.sqlite3")
    dynamodb = build_persistence_adapter(settings, dynamodb_client=make_client(endpoint_of(server)))
    assert dynamodb is not None
    yield dynamodb
    table.delete()


@pytest.fixture
def skill(api: FakeAlexaApi, store: ResilientPersistenceAdapter) -> CustomSkill:
    client = TimeoutApiClient(timeout=0.5, verify=api.ca_path)
    return build_skill(Settings(persistence=True), persistence_adapter=store, api_client=client)


def talk_as(skill: CustomSkill, api: FakeAlexaApi, person: str | None) -> Conversation:
    """A conversation with the Echo, in the voice of `person` (None: not recognised)."""
    talk = Conversation(skill)
    original = talk.send

    def send(build: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> Turn:
        def aimed(*a: Any, **k: Any) -> dict[str, Any]:
            doc = point_at(build(*a, **k), api, permission="GRANTED")
            return recognised(doc, person) if person else doc

        return original(aimed, *args, **kwargs)

    talk.send = send  # type: ignore[method-assign]
    return talk


def far_bedtimes(api: FakeAlexaApi) -> tuple[str, str]:
    """Two bedtimes nowhere near now on the device's clock (so the bedtime-aware mode,
    which speaks softly near a stored bedtime, stays out of what these tests hear),
    outside 6:00-12:59 (which the reminder dialog would ask to read as evening)."""
    now = datetime.datetime.now(ZoneInfo(api.time_zone or "UTC")).replace(tzinfo=None)
    hours = [*range(13, 24), *range(0, 6)]
    far = [
        f"{hour:02d}:30"
        for hour in hours
        if not any(
            is_near(datetime.time(hour, 30), now + datetime.timedelta(minutes=m))
            for m in (0, 15)  # still far a quarter of an hour from now
        )
    ]
    return far[0], far[-1]


def set_bedtime(skill: CustomSkill, api: FakeAlexaApi, person: str, bedtime: str) -> Turn:
    """ "Remind me to take it, I go to bed at ...", then yes; the consent question."""
    talk = talk_as(skill, api, person)
    asked = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", bedtime))
    talk.say(Intent.YES)
    return asked


def whisper(skill: CustomSkill, api: FakeAlexaApi, person: str | None) -> None:
    talk = talk_as(skill, api, person)
    talk.open()
    talk.say(Intent.QUIET_VOICE)
    talk.say(Intent.STOP)


def opens_quietly(skill: CustomSkill, api: FakeAlexaApi, person: str | None) -> bool:
    talk = talk_as(skill, api, person)
    turn = talk.open()
    talk.say(Intent.STOP)
    return QUIET_PROSODY in turn.ssml


def person_part(store: ResilientPersistenceAdapter, person: str) -> dict[str, Any] | None:
    part = store.get_attributes(USER_ID).get(PEOPLE, {}).get(person_key(USER_ID, person))
    return part if isinstance(part, dict) else None


def test_two_people_keep_separate_bedtimes_and_voices(
    skill: CustomSkill, api: FakeAlexaApi, store: ResilientPersistenceAdapter
) -> None:
    anna_bedtime, ben_bedtime = far_bedtimes(api)
    asked = set_bedtime(skill, api, ANNA, anna_bedtime)
    assert PROMPTS.reminder_shared in asked.speech  # said to a recognised voice, before yes
    set_bedtime(skill, api, BEN, ben_bedtime)
    whisper(skill, api, ANNA)

    anna, ben = person_part(store, ANNA), person_part(store, BEN)
    assert anna is not None and ben is not None
    assert (anna["bedtime"], anna["voice"]) == (anna_bedtime, Voice.QUIET)
    assert (ben["bedtime"], ben["voice"]) == (ben_bedtime, Voice.NORMAL)
    assert opens_quietly(skill, api, ANNA)
    assert not opens_quietly(skill, api, BEN)
    assert not opens_quietly(skill, api, None)  # the account itself never whispered

    record = store.get_attributes(USER_ID)
    assert "reminder_id" not in anna and "reminder_id" not in ben
    assert record["reminder_id"]  # one reminder, the account's (Alexa keeps it there)
    text = json.dumps(record)
    assert ANNA not in text and BEN not in text  # neither person id is stored raw


def test_one_persons_forget_me_leaves_the_other_and_the_shared_reminder(
    skill: CustomSkill, api: FakeAlexaApi, store: ResilientPersistenceAdapter
) -> None:
    anna_bedtime, ben_bedtime = far_bedtimes(api)
    set_bedtime(skill, api, ANNA, anna_bedtime)
    set_bedtime(skill, api, BEN, ben_bedtime)
    whisper(skill, api, BEN)
    reminder = store.get_attributes(USER_ID)["reminder_id"]

    talk = talk_as(skill, api, ANNA)
    talk.open()
    asked = talk.say(Intent.FORGET_ME)
    assert asked.speech.startswith("Do you want me to forget")
    assert "bedtime" in asked.speech and "quiet voice" not in asked.speech  # Anna's things
    assert "reminder" not in asked.speech  # the account's, not Anna's to forget
    assert asked.speech.endswith(PROMPTS.forget_confirm_person.split("? ", 1)[1])
    done = talk.say(Intent.YES)
    assert "is for everyone on this Echo, so it stays" in done.speech
    assert done.ends_session

    assert person_part(store, ANNA) is None
    ben = person_part(store, BEN)
    assert ben is not None and (ben["bedtime"], ben["voice"]) == (ben_bedtime, Voice.QUIET)
    assert store.get_attributes(USER_ID)["reminder_id"] == reminder
    assert reminder in api.reminders  # not deleted at Alexa either
    assert opens_quietly(skill, api, BEN)


def test_the_account_memory_without_a_person_is_apart_from_the_peoples(
    skill: CustomSkill, api: FakeAlexaApi, store: ResilientPersistenceAdapter
) -> None:
    whisper(skill, api, None)
    whisper(skill, api, ANNA)
    talk = talk_as(skill, api, None)
    talk.open()
    talk.say(Intent.FORGET_ME)
    talk.say(Intent.YES)
    record = store.get_attributes(USER_ID)
    assert record.get("voice") is None  # the account's own fields are gone ...
    assert person_part(store, ANNA) is not None  # ... Anna's stay
    assert opens_quietly(skill, api, ANNA)
    assert not opens_quietly(skill, api, None)


def test_the_last_person_forgotten_leaves_no_record(
    skill: CustomSkill, api: FakeAlexaApi, store: ResilientPersistenceAdapter
) -> None:
    whisper(skill, api, ANNA)
    talk = talk_as(skill, api, ANNA)
    talk.open()
    talk.say(Intent.FORGET_ME)
    talk.say(Intent.YES)
    assert store.get_attributes(USER_ID) == {}


def test_disabling_the_skill_forgets_everyone(
    skill: CustomSkill, api: FakeAlexaApi, store: ResilientPersistenceAdapter
) -> None:
    whisper(skill, api, ANNA)
    whisper(skill, api, BEN)
    whisper(skill, api, None)
    invoke(skill, skill_disabled())
    assert store.get_attributes(USER_ID) == {}


def test_a_one_shot_question_from_a_person_counts_for_them_only(
    skill: CustomSkill, api: FakeAlexaApi, store: ResilientPersistenceAdapter
) -> None:
    doc = recognised(envelopes.intent(Intent.TIMING, new=True), BEN)
    invoke(skill, point_at(doc, api))
    ben = person_part(store, BEN)
    assert ben is not None and ben["topics_heard"] == ["timing"]
    assert person_part(store, ANNA) is None
    assert store.get_attributes(USER_ID).get("topics_heard") is None
