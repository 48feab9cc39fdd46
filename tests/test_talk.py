"""How the skill talks (issue 18 items 2, 3, 4, 6; issue 17 item 2), through the real
skill: a regular on night 21, the reminder in two turns, the small turns, near bedtime,
and a fallback that knows where the listener is. Each conversation is written out as
it is heard, with its turn count."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from skill.content import load_content
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.names import Intent, Slot
from skill.persistence import SqlitePersistenceAdapter
from skill.reminders.clock import LEAD_MINUTES, reminder_time_for
from skill.replies import MAX_ANSWER_WORDS, MAX_CONSENT_WORDS, sentences, words
from skill.sdk.api_client import TimeoutApiClient
from skill.speech import QUIET_PROSODY
from skill.timetext import spoken_clock, spoken_time
from testing import envelopes
from testing.envelopes import USER_ID, benefit, slot
from testing.fake_alexa_api import (
    REMINDERS_PATH,
    TIME_ZONE_PATH,
    FakeAlexaApi,
    fake_alexa_api,
    point_at,
)
from testing.talk import Conversation, Turn, invoke
from tests.replay import CORPUS, load

CONTENT = load_content()
PROMPTS = CONTENT.prompts
INTENT_FOR_TOPIC = {topic: name for name, topic in ANSWER_FOR_INTENT.items()}
SCOPE = "alexa::alerts:reminders:skill:readwrite"


@pytest.fixture
def api() -> Iterator[FakeAlexaApi]:
    with fake_alexa_api(time_zone="Europe/London") as running:
        yield running
    assert not running.server_errors, running.server_errors


@pytest.fixture
def skill(api: FakeAlexaApi, db_path: Path) -> CustomSkill:
    """The production skill with memory in SQLite, calling the fake Alexa API."""
    client = TimeoutApiClient(timeout=0.5, verify=api.ca_path)
    return build_skill(Settings(persistence=True, sqlite_path=db_path), api_client=client)


def talk_with(
    skill: CustomSkill,
    api: FakeAlexaApi,
    *,
    permission: str = "GRANTED",
    at: str | None = None,
) -> Conversation:
    """A session aimed at the fake API; `at` pins the request time ("2026-12-01T22:10:00Z")."""
    talk = Conversation(skill)
    original = talk.send

    def send(build: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> Turn:
        def aimed(*a: Any, **k: Any) -> dict[str, Any]:
            envelope = point_at(build(*a, **k), api, permission=permission)
            if at is not None:
                envelope["request"]["timestamp"] = at
            return envelope

        return original(aimed, *args, **kwargs)

    talk.send = send  # type: ignore[method-assign]
    return talk


def ask_topic(talk: Conversation, topic: str) -> Turn:
    """Ask for one article topic the way a listener would (its own intent)."""
    if topic in INTENT_FOR_TOPIC:
        return talk.say(INTENT_FOR_TOPIC[topic])
    return talk.say(Intent.BENEFIT_DETAIL, benefit=benefit(topic, topic))


def store(db_path: Path, **fields: Any) -> None:
    """Put a listener's record in place, as earlier nights would have left it."""
    SqlitePersistenceAdapter(db_path).update_attributes(
        USER_ID, lambda stored: {**stored, "visits": 3, **fields}
    )


def stored(db_path: Path) -> dict[str, Any]:
    return SqlitePersistenceAdapter(db_path).get_attributes(USER_ID)


def ends_with_a_question(turn: Turn) -> bool:
    return turn.speech.rstrip().endswith("?")


# --------------------------------------------------------------------------- a regular


def test_a_regular_who_heard_everything_is_welcomed_and_answered_on_night_21(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    """Twenty nights hear every topic (memory in SQLite, through the real skill); on
    night 21 the listener is welcomed, answered, and asked "Anything else?"."""
    topics = list(CONTENT.offered_topics)
    for night in range(20):
        talk = talk_with(skill, api)
        assert not talk.open().ends_session
        answered = ask_topic(talk, topics[night % len(topics)])
        assert not answered.ends_session, f"night {night + 1}: {answered.speech}"
        talk.say(Intent.STOP)
    record = stored(db_path)
    assert record["visits"] == 20
    assert set(record["topics_heard"]) == set(topics)

    night_21 = talk_with(skill, api)
    welcome = night_21.open()
    assert welcome.speech == f"{PROMPTS.welcome_back} {PROMPTS.help_reprompt}"
    assert not welcome.ends_session
    timing = night_21.say(Intent.TIMING)
    assert timing.speech == f"{CONTENT.answer('timing').speech} {PROMPTS.anything_else}"
    assert PROMPTS.all_heard not in timing.speech
    assert not timing.ends_session  # the microphone stays open
    dose = night_21.say(Intent.DOSAGE)  # and again: never dismissed
    assert dose.speech == f"{CONTENT.answer('dosage').speech} {PROMPTS.anything_else}"
    assert not dose.ends_session
    # "yes" to "Anything else?" offers one topic not heard tonight.
    offered = night_21.say(Intent.YES)
    assert offered.speech in {
        CONTENT.answer(t).offer for t in topics if t not in {"timing", "dosage"}
    }
    assert len(night_21.turns) == 4


def test_everything_heard_tonight_is_a_goodnight_only_tonight(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.open()
    for topic in CONTENT.offered_topics:
        turn = ask_topic(talk, topic)
    assert turn.speech.endswith(PROMPTS.all_heard) and turn.ends_session
    tomorrow = talk_with(skill, api)
    tomorrow.open()
    again = tomorrow.say(Intent.TIMING)
    assert again.speech.endswith(PROMPTS.anything_else) and not again.ends_session


# --------------------------------------------------------------------------- the reminder


def remind_flow(talk: Conversation, *said: tuple[str, dict[str, Any]]) -> list[Turn]:
    return [talk.say(name, **slots) for name, slots in said]


def test_reminder_granted_in_two_turns(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    """ "remind me at ten thirty" -> consent (evening said inside it) -> yes: 2 turns."""
    talk = talk_with(skill, api)
    consent, done = remind_flow(
        talk, (Intent.SET_REMINDER, {"bedtime": slot("bedtime", "10:30")}), (Intent.YES, {})
    )
    at = reminder_time_for(time(22, 30))
    assert consent.speech == (
        f"I'll remind you every night at {spoken_time(at)}, {LEAD_MINUTES} minutes before "
        f"your 10:30 PM bedtime. {PROMPTS.reminder_shall}"
    )
    assert words(consent.speech) <= MAX_CONSENT_WORDS
    assert done.speech == f"Done. {spoken_clock(at)} every night."
    assert done.ends_session and len(talk.turns) == 2
    assert [c.method for c in api.calls_to(REMINDERS_PATH) if c.method == "POST"] == ["POST"]
    assert stored(db_path)["bedtime"] == "22:30"


def test_reminder_permission_denied_in_two_turns(skill: CustomSkill, api: FakeAlexaApi) -> None:
    """Without the permission, the plan goes into Alexa's permission request; a denial
    sets nothing and leaves a card: 2 turns."""
    talk = talk_with(skill, api, permission="DENIED")
    asked = talk.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "10:30"))
    at = reminder_time_for(time(22, 30))
    assert f"{spoken_time(at)}" in asked.speech and "10:30 PM bedtime" in asked.speech
    assert asked.directives[0]["name"] == "AskFor"
    token = asked.directives[0]["token"]
    answer = envelopes.envelope(
        {
            "type": "Connections.Response",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "locale": "en-US",
            "name": "AskFor",
            "status": {"code": "200", "message": "OK"},
            "payload": {"permissionScope": SCOPE, "status": "DENIED"},
            "token": token,
        },
        new=True,
    )
    declined = Turn(invoke(skill, point_at(answer, api, permission="DENIED")))
    assert declined.speech == PROMPTS.reminder_declined
    assert declined.ends_session
    assert api.created == []


def test_reminder_at_midnight_is_said_as_midnight(skill: CustomSkill, api: FakeAlexaApi) -> None:
    talk = talk_with(skill, api)
    consent, done = remind_flow(
        talk, (Intent.SET_REMINDER, {"bedtime": slot("bedtime", "00:00")}), (Intent.YES, {})
    )
    at = reminder_time_for(time(0, 0))
    assert "your midnight bedtime" in consent.speech and "12:00" not in consent.speech
    assert f"every night at {spoken_time(at)}" in consent.speech
    assert done.speech == f"Done. {spoken_clock(at)} every night."
    assert len(talk.turns) == 2


def test_reminder_for_a_morning_bedtime_in_four_turns(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    """Taken as evening first; no -> "morning or night?" -> the time again -> yes."""
    talk = talk_with(skill, api)
    evening, again, morning, done = remind_flow(
        talk,
        (Intent.SET_REMINDER, {"bedtime": slot("bedtime", "07:00")}),
        (Intent.NO, {}),
        (Intent.SET_REMINDER, {"bedtime": slot("bedtime", "07:00")}),
        (Intent.YES, {}),
    )
    assert "7:00 PM bedtime" in evening.speech
    assert again.speech == PROMPTS.ask_bedtime_again
    at = reminder_time_for(time(7, 0))
    assert morning.speech == (
        f"I'll remind you every day at {spoken_time(at)}, {LEAD_MINUTES} minutes before "
        f"your 7:00 AM bedtime. {PROMPTS.reminder_shall}"
    )
    assert done.speech == f"Done. {spoken_time(at)} every day."
    assert len(talk.turns) == 4
    [body] = api.created
    assert (
        f"BYHOUR={at.hour};BYMINUTE={at.minute};"
        in body["trigger"]["recurrence"]["recurrenceRules"][0]
    )


@pytest.mark.parametrize("closer", [Intent.STOP, Intent.CANCEL])
def test_stop_or_cancel_mid_reminder_says_no_reminder_first(
    skill: CustomSkill, api: FakeAlexaApi, closer: str
) -> None:
    for first in ({}, {"bedtime": slot("bedtime", "22:30")}):  # waiting for bedtime, or yes
        talk = talk_with(skill, api)
        talk.open()
        talk.say(Intent.SET_REMINDER, **first)
        turn = talk.say(closer)
        assert turn.speech == f"{PROMPTS.reminder_not_set} {PROMPTS.goodbye}"
        assert turn.ends_session
    assert api.created == []


def test_help_while_waiting_for_a_bedtime_never_invites_cancel(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.open()
    talk.say(Intent.SET_REMINDER)
    helped = talk.say(Intent.HELP)
    assert "cancel" not in helped.speech.lower() and "cancel" not in helped.reprompt.lower()
    assert ends_with_a_question(helped)
    assert helped.directives[0]["slotToElicit"] == Slot.BEDTIME


# --------------------------------------------------------------------------- small turns


def test_yes_to_what_else_offers_one_topic_never_the_question_again(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.open()
    talk.say(Intent.SIDE_EFFECTS)  # what the article doesn't say: "what else?", no offer
    offered = talk.say(Intent.YES)
    assert offered.speech == CONTENT.answer("what_is").offer
    answered = talk.say(Intent.YES)
    assert answered.speech.startswith(CONTENT.answer("what_is").speech)


def test_a_benefit_name_is_understood_after_the_benefits_list(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.open()
    listed = talk.say(Intent.BENEFITS)
    assert listed.speech.endswith(PROMPTS.which_benefit)
    assert words(listed.speech) <= MAX_ANSWER_WORDS
    assert listed.directives == [
        {
            "type": "Dialog.ElicitSlot",
            "slotToElicit": "benefit",
            "updatedIntent": {"name": "BenefitDetailIntent", "confirmationStatus": "NONE"},
        }
    ]
    sleep = talk.send(
        envelopes.intent,
        Intent.BENEFIT_DETAIL,
        {"benefit": benefit("sleep", "sleep_quality")},
        dialog_state="IN_PROGRESS",
    )
    assert sleep.speech.startswith(CONTENT.answer("sleep_quality").speech)


def test_forget_me_names_exactly_what_is_stored(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    talk = talk_with(skill, api)
    talk.open()
    talk.say(Intent.TIMING)
    talk.say(Intent.QUIET_VOICE)
    asked = talk.say(Intent.FORGET_ME)
    assert asked.speech == (
        "Do you want me to forget your visits, the topics you've heard and your quiet voice?"
    )
    assert "bedtime" not in asked.speech  # none was ever given
    talk.say(Intent.NO)


def test_a_one_shot_where_does_it_say_that_closes(skill: CustomSkill, api: FakeAlexaApi) -> None:
    turn = Turn(invoke(skill, point_at(envelopes.intent(Intent.SOURCE, new=True), api)))
    assert turn.speech == PROMPTS.source_none
    assert turn.ends_session


def test_every_answer_turn_fits_one_breath_with_its_offer(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    for topic in CONTENT.answers:
        talk = talk_with(skill, api)
        talk.open()
        turn = ask_topic(talk, topic)
        own = words(CONTENT.answer(topic).speech)
        if own > MAX_ANSWER_WORDS - words(PROMPTS.anything_else):
            # An answer text already at the limit (summary: being rewritten, issue 18
            # item 5) adds nothing but "Anything else?".
            assert turn.speech.endswith(PROMPTS.anything_else), topic
            continue
        assert words(turn.speech) <= MAX_ANSWER_WORDS, f"{topic}: {turn.speech}"


# --------------------------------------------------------------------------- near bedtime

# December: London is on UTC, so these are also the device's wall-clock times.
TEN_PAST_TEN = "2026-12-01T22:10:00Z"  # bedtime 22:30 is 20 minutes away
ONE_AM = "2026-12-02T01:00:00Z"  # past it
AFTERNOON = "2026-12-01T15:00:00Z"


@pytest.mark.parametrize("at", [TEN_PAST_TEN, ONE_AM])
def test_near_bedtime_says_so_once_then_one_sentence_softly_and_closes(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path, at: str
) -> None:
    store(db_path, bedtime="22:30", topics_heard=["timing"])
    talk = talk_with(skill, api, at=at)
    welcome = talk.open()
    assert welcome.speech == (
        f"{PROMPTS.welcome_back} {PROMPTS.near_bedtime} {PROMPTS.help_reprompt}"
    )
    assert QUIET_PROSODY in welcome.ssml and not welcome.ends_session
    timing = talk.say(Intent.TIMING)
    assert timing.speech == sentences(CONTENT.answer("timing").speech)[0]  # said once only
    assert QUIET_PROSODY in timing.ssml
    assert timing.ends_session  # no offer
    assert len(talk.turns) == 2
    zone_lookups = [c for c in api.calls if c.path.startswith(TIME_ZONE_PATH)]
    assert len(zone_lookups) == 1  # once a session


def test_near_bedtime_every_reply_is_soft_and_a_quote_closes(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    store(db_path, bedtime="22:30")
    talk = talk_with(skill, api, at=TEN_PAST_TEN)
    talk.open()
    missed = talk.say(Intent.FALLBACK)
    assert QUIET_PROSODY in missed.ssml and not missed.ends_session
    one_shot = talk_with(skill, api, at=TEN_PAST_TEN)
    one_shot.say(Intent.TIMING)
    # A new session: said once again, then the quote alone, and closed.
    quoting = talk_with(skill, api, at=TEN_PAST_TEN)
    quoting.open()
    quoting.attributes["last_topic"] = "timing"
    quote = quoting.say(Intent.SOURCE)
    assert quote.speech.startswith(PROMPTS.source_said.format(quote="")[:10])
    assert PROMPTS.near_bedtime not in quote.speech  # said with the welcome already
    assert quote.ends_session and QUIET_PROSODY in quote.ssml


def test_near_bedtime_a_one_shot_question_is_short_too(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    store(db_path, bedtime="22:30")
    talk = talk_with(skill, api, at=TEN_PAST_TEN)
    dose = talk.say(Intent.DOSAGE)
    # The dose keeps its pointer to a professional: safety before brevity.
    assert dose.speech == f"{PROMPTS.near_bedtime} {CONTENT.answer('dosage').speech}"
    timing = talk_with(skill, api, at=TEN_PAST_TEN).say(Intent.TIMING)
    first = sentences(CONTENT.answer("timing").speech)[0]
    assert timing.speech == f"{PROMPTS.near_bedtime} {first}"
    assert timing.ends_session and QUIET_PROSODY in timing.ssml


def test_far_from_bedtime_or_without_a_time_zone_nothing_changes(
    skill: CustomSkill, api: FakeAlexaApi, db_path: Path
) -> None:
    store(db_path, bedtime="22:30")
    afternoon = talk_with(skill, api, at=AFTERNOON)
    afternoon.open()
    normal = afternoon.say(Intent.TIMING)
    assert normal.speech.startswith(CONTENT.answer("timing").speech)
    assert not normal.ends_session and QUIET_PROSODY not in normal.ssml

    api.fail(500, path=TIME_ZONE_PATH)
    unknown = talk_with(skill, api, at=TEN_PAST_TEN)
    unknown.open()
    turn = unknown.say(Intent.TIMING)
    assert PROMPTS.near_bedtime not in turn.speech and not turn.ends_session


def test_without_a_stored_bedtime_the_clock_is_never_asked(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api, at=TEN_PAST_TEN)
    talk.open()
    talk.say(Intent.TIMING)
    assert not [c for c in api.calls if c.path.startswith(TIME_ZONE_PATH)]


# --------------------------------------------------------------------------- the fallback


def test_a_miss_inside_a_dialog_asks_its_question_again(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    # In the afternoon: the reminder stores a bedtime, and bedtime would shorten replies.
    talk = talk_with(skill, api, at=AFTERNOON)
    talk.open()
    talk.say(Intent.SET_REMINDER)
    bedtime = talk.say(Intent.FALLBACK)
    assert bedtime.speech == f"{PROMPTS.fallback_again} {PROMPTS.ask_bedtime}"
    assert bedtime.directives[0]["slotToElicit"] == Slot.BEDTIME

    consent = talk_with(skill, api, at=AFTERNOON)
    consent.open()
    consent.say(Intent.SET_REMINDER, bedtime=slot("bedtime", "22:30"))
    again = consent.say(Intent.FALLBACK)
    assert again.speech == f"{PROMPTS.fallback_again} {PROMPTS.reminder_confirm_reprompt}"
    assert consent.say(Intent.YES).speech.startswith("Done.")

    which = talk_with(skill, api, at=AFTERNOON)
    which.open()
    which.say(Intent.BENEFITS)
    missed = which.say(Intent.FALLBACK)
    assert missed.speech == f"{PROMPTS.fallback_again} {PROMPTS.which_benefit}"
    assert missed.directives[0]["slotToElicit"] == "benefit"


def test_a_miss_outside_a_dialog_and_the_health_pointer_once_a_session(
    skill: CustomSkill, api: FakeAlexaApi
) -> None:
    talk = talk_with(skill, api)
    talk.open()
    first = talk.say(Intent.FALLBACK)
    assert first.speech == f"{PROMPTS.fallback} {PROMPTS.fallback_health} {PROMPTS.help_reprompt}"
    talk.say(Intent.SIDE_EFFECTS)  # understood: misses start again
    second = talk.say(Intent.FALLBACK)
    assert second.speech == f"{PROMPTS.fallback} {PROMPTS.help_reprompt}"
    helped = talk.say(Intent.FALLBACK)
    assert helped.speech.startswith(PROMPTS.help) and not helped.ends_session
    goodnight = talk.say(Intent.FALLBACK)
    assert goodnight.speech == PROMPTS.fallback_goodnight and goodnight.ends_session


def test_every_open_microphone_turn_in_the_replay_corpus_ends_with_a_question() -> None:
    checked = 0
    for path in sorted(CORPUS.glob("*.json")):
        for index, turn in enumerate(load(path)["turns"]):
            response = Turn(turn["response"])
            if response.response.get("shouldEndSession") is False:
                checked += 1
                assert ends_with_a_question(response), f"{path.stem} {index}: {response.speech}"
    assert checked > 50
