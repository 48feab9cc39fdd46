"""Features driven with plain values: a Turn, a Session, and ports (no envelope, no SDK)."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field

import pytest

from skill import bedtime, conversation, preferences
from skill.content import load_content
from skill.memory import Memory
from skill.names import REMINDER_PERMISSION, Intent, Pending, RequestType, Voice
from skill.ports import Ports
from skill.reminders import dialog
from skill.reminders.clock import LEAD, reminder_time_for
from skill.reminders.port import NightlyReminders, Outcome, ReminderResult
from skill.replies import MAX_CONSENT_WORDS, render
from skill.turn import Session, SlotValue, Turn

PROMPTS = load_content().prompts


@dataclass
class FakeReminders:
    """The Reminders port, answering from a list and recording every call."""

    reminders: list[tuple[str, datetime.time]] = field(default_factory=list)
    fail_with: Outcome | None = None
    calls: list[str] = field(default_factory=list)

    def find(self, stored_id: str | None) -> NightlyReminders:
        self.calls.append("find")
        return NightlyReminders(self.fail_with or Outcome.FOUND, tuple(self.reminders))

    def set(self, at: datetime.time, spoken_text: str, stored_id: str | None) -> ReminderResult:
        self.calls.append(f"set {at:%H:%M}")
        if self.fail_with:
            return ReminderResult(self.fail_with)
        self.reminders = [("token-1", at)]
        return ReminderResult(Outcome.CREATED, "token-1", at)

    def delete(self, stored_id: str | None) -> ReminderResult:
        self.calls.append("delete")
        self.reminders = []
        return ReminderResult(Outcome.DELETED, stored_id)


def intent(name: str, *, new: bool = False, granted: bool = True, **slots: str) -> Turn:
    return Turn(
        kind=RequestType.INTENT,
        intent=name,
        slots={slot: SlotValue(spoken=value) for slot, value in slots.items()},
        has_session=True,
        new_session=new,
        permissions=frozenset({REMINDER_PERMISSION}) if granted else frozenset(),
    )


def ports(session: Session, reminders: FakeReminders | None = None) -> Ports:
    return Ports(Memory(None, None, session), reminders or FakeReminders())


def test_an_answer_in_a_conversation_offers_a_topic_not_heard_tonight() -> None:
    session = Session(heard=["timing"])
    reply = conversation.answer(intent(Intent.DOSAGE), session, ports(session), "dosage")
    assert reply.speech == (load_content().answer("dosage").speech,)
    assert reply.offer not in (None, "timing", "dosage")
    assert session.heard == ["timing", "dosage"] and session.last_topic == "dosage"
    rendered = render(intent(Intent.DOSAGE), session, reply)
    assert rendered.reprompt is not None and session.offered_topic == reply.offer


def test_a_one_shot_answer_closes_the_microphone() -> None:
    session = Session()
    reply = conversation.answer(intent(Intent.TIMING, new=True), session, ports(session), "timing")
    rendered = render(intent(Intent.TIMING, new=True), session, reply)
    assert rendered.reprompt is None and rendered.speech == reply.speech
    assert session.offered_topic is None


def test_a_bedtime_becomes_a_consent_question_and_yes_sets_it_lead_minutes_before() -> None:
    session, reminders = Session(), FakeReminders()
    asked = dialog.request_reminder(
        intent(Intent.SET_REMINDER, bedtime="22:30"), session, ports(session, reminders)
    )
    assert asked.pending == Pending.SET_REMINDER and reminders.calls == []
    render(intent(Intent.SET_REMINDER), session, asked)
    the_ports = ports(session, reminders)
    done = dialog.consent_answered(intent(Intent.YES), session, the_ports, True)
    at = reminder_time_for(datetime.time(22, 30))
    assert reminders.calls == [f"set {at:%H:%M}"]
    assert (
        datetime.datetime(2026, 1, 1, 22, 30) - datetime.datetime(2026, 1, 1, at.hour, at.minute)
    ) == LEAD
    assert done.card_title == PROMPTS.reminder_card_title
    assert the_ports.memory.record.reminder_id == "token-1"
    assert the_ports.memory.record.bedtime == datetime.time(22, 30)


def test_without_the_permission_the_plan_goes_into_a_voice_permission_request() -> None:
    session = Session()
    turn = intent(Intent.SET_REMINDER, granted=False, bedtime="22:30")
    reply = dialog.request_reminder(turn, session, ports(session))
    assert reply.ask_permission is not None and reply.ask_permission.startswith("reminder@")
    assert reply.reprompt is None


def test_a_refused_api_call_gets_the_consent_card_and_a_calm_answer() -> None:
    session = Session(reminder_plan=["21:45", "22:30"], pending=Pending.SET_REMINDER)
    reminders = FakeReminders(fail_with=Outcome.NO_PERMISSION)
    reply = dialog.consent_answered(intent(Intent.YES), session, ports(session, reminders), True)
    assert reply.consent_card and reply.speech == (PROMPTS.reminder_no_permission,)


def test_quiet_voice_is_a_session_value_and_a_memory_change() -> None:
    session = Session()
    the_ports = ports(session)
    preferences.speak_quietly(intent(Intent.QUIET_VOICE), session, the_ports)
    assert session.voice == Voice.QUIET
    assert the_ports.memory.record.voice == Voice.QUIET


def test_the_session_round_trips_through_attributes_and_drops_junk() -> None:
    session = Session(heard=["timing"], offered_topic="dosage", misses=1, returning=True)
    assert Session.from_attributes(session.to_attributes()) == session
    junk = {"heard": "timing", "offered_topic": "no_such_topic", "misses": True, "pending": 3}
    assert Session.from_attributes(junk) == Session()


def test_tonight_and_earlier_nights_stay_apart_in_the_session() -> None:
    session = Session(heard=["timing"], heard_before=("dosage", "what_is"), nearness="far")
    assert Session.from_attributes(session.to_attributes()) == session
    reply = conversation.answer(intent(Intent.CAUSES), session, ports(session), "causes")
    assert session.heard == ["timing", "causes"]  # tonight only
    assert session.heard_before == ("dosage", "what_is")  # never written through the session
    assert reply.offer not in {"timing", "causes", "dosage", "what_is"}


def test_a_regular_who_heard_everything_gets_anything_else_not_goodnight() -> None:
    everything = load_content().offered_topics
    session = Session(heard_before=everything, returning=True, nearness="far")
    reply = conversation.answer(intent(Intent.TIMING), session, ports(session), "timing")
    assert reply.follow_up == (PROMPTS.anything_else,)
    assert reply.reprompt is not None and reply.offer is None


@pytest.mark.parametrize(
    ("now", "near"),
    [
        ((21, 59), False),
        ((22, 0), True),  # half an hour before a 22:30 bedtime
        ((22, 29), True),
        ((23, 59), True),
        ((4, 30), True),  # six hours past
        ((4, 31), False),
        ((15, 0), False),
    ],
)
def test_near_bedtime_is_half_an_hour_before_until_six_hours_after(
    now: tuple[int, int], near: bool
) -> None:
    at = datetime.datetime(2026, 12, 1, *now)
    assert bedtime.is_near(datetime.time(22, 30), at) is near
    # Across midnight too: a 00:15 bedtime is near at 23:50 the evening before.
    assert bedtime.is_near(datetime.time(0, 15), datetime.datetime(2026, 12, 1, 23, 50))


def test_a_recognised_speaker_hears_the_reminder_is_for_everyone_on_this_echo() -> None:
    session = Session()
    shared = dataclasses.replace(
        intent(Intent.SET_REMINDER, bedtime="22:30"), person_id="amzn1.ask.person.X"
    )
    reply = dialog.request_reminder(shared, session, ports(session))
    assert PROMPTS.reminder_shared in reply.speech
    assert sum(len(part.split()) for part in reply.speech) <= MAX_CONSENT_WORDS
    anyone = dialog.request_reminder(
        intent(Intent.SET_REMINDER, bedtime="22:30"), Session(), ports(Session())
    )
    assert PROMPTS.reminder_shared not in anyone.speech


def test_forget_me_with_nothing_stored_asks_nothing() -> None:
    session = Session()
    reply = preferences.ask_to_forget(intent(Intent.FORGET_ME), session, ports(session))
    assert reply.speech == (PROMPTS.forget_nothing,) and reply.pending is None
