"""Conversations with the real skill, turn by turn, as someone in bed would have them."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.content import load_content
from skill.conversation import BENEFIT_TOPICS
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.replies import MAX_ANSWER_WORDS, sentences, words
from testing import envelopes
from testing.envelopes import benefit, intent, slot
from testing.talk import Conversation, Turn, invoke

CONTENT = load_content()
PROMPTS = CONTENT.prompts
Start = Callable[..., Conversation]


def spoken(topic: str) -> str:
    return CONTENT.answer(topic).speech


def offer_after(topic: str, said: str | None = None) -> str:
    """What follows a topic heard first in a session: the offer of its next topic, or of
    the first later one, that fits one breath with the answer; "What else would you
    like to know?" after what the article doesn't say; else "Anything else?"."""
    answer = CONTENT.answer(topic)
    said = answer.speech if said is None else said
    if answer.offer is None:
        fits = words(said, PROMPTS.ask_next) <= MAX_ANSWER_WORDS
        return PROMPTS.ask_next if fits else PROMPTS.anything_else
    for after in (answer.next, *CONTENT.offered_topics):
        offer = CONTENT.answer(after).offer if after and after != topic else None
        if offer and words(said, offer) <= MAX_ANSWER_WORDS:
            return offer
    return PROMPTS.anything_else


def benefits_listed() -> str:
    """Inside a conversation, the benefits as a list (their first sentence), then "which?"."""
    return f"{sentences(spoken('how_it_helps'))[0]} {PROMPTS.which_benefit}"


def assert_valid_ssml(turn: Turn) -> None:
    ElementTree.fromstring(turn.ssml)
    if turn.reprompt:
        ElementTree.fromstring(turn.response["reprompt"]["outputSpeech"]["ssml"])


def test_open_question_yes_more_repeat_stop(conversation: Start) -> None:
    talk = conversation()

    welcome = talk.open()
    assert PROMPTS.welcome in welcome.speech
    assert PROMPTS.disclaimer in welcome.speech
    assert PROMPTS.suggest in welcome.speech
    assert welcome.reprompt == PROMPTS.welcome_reprompt
    assert not welcome.ends_session

    timing = talk.say("TimingIntent")
    assert timing.speech == f"{spoken('timing')} {offer_after('timing')}"
    assert timing.reprompt == offer_after("timing")
    assert timing.card == {
        "type": "Simple",
        "title": CONTENT.answer("timing").card_title,
        "content": CONTENT.answer("timing").card_text,
    }
    assert not timing.ends_session

    offered = str(CONTENT.answer("timing").next)
    yes = talk.say("AMAZON.YesIntent")
    assert yes.speech.startswith(spoken(offered))
    assert not yes.ends_session

    more = talk.say("AMAZON.MoreIntent")
    assert more.speech.startswith(CONTENT.answer(offered).more or PROMPTS.no_more)
    assert not more.ends_session

    again = talk.say("AMAZON.RepeatIntent")
    assert again.speech == more.speech
    assert again.reprompt == more.reprompt

    goodbye = talk.say("AMAZON.StopIntent")
    assert goodbye.speech == PROMPTS.goodbye
    assert goodbye.ends_session
    assert goodbye.reprompt == ""
    for turn in talk.turns:
        assert_valid_ssml(turn)


@pytest.mark.parametrize(("intent_name", "topic"), sorted(ANSWER_FOR_INTENT.items()))
def test_one_shot_question_answers_and_closes_the_microphone(
    skill: CustomSkill, intent_name: str, topic: str
) -> None:
    turn = Turn(invoke(skill, intent(intent_name, new=True)))
    assert turn.speech == spoken(topic)
    assert turn.ends_session
    assert "reprompt" not in turn.response or not turn.response["reprompt"]
    assert turn.card and turn.card["title"] == CONTENT.answer(topic).card_title
    assert_valid_ssml(turn)


def test_one_shot_when_to_take_it(skill: CustomSkill) -> None:
    """'Alexa, ask bedtime magnesium when to take it.'"""
    turn = Turn(invoke(skill, intent("TimingIntent", new=True)))
    assert "30 minutes to an hour before bedtime" in turn.speech
    assert turn.ends_session


def test_inside_a_conversation_each_answer_offers_the_next_topic(conversation: Start) -> None:
    for intent_name, topic in ANSWER_FOR_INTENT.items():
        talk = conversation()
        talk.open()
        turn = talk.say(intent_name)
        assert not turn.ends_session
        assert words(turn.speech) <= MAX_ANSWER_WORDS or topic == "summary", turn.speech
        if topic == "how_it_helps":
            assert turn.speech == benefits_listed()
            continue
        assert turn.speech == f"{spoken(topic)} {offer_after(topic)}"
        offered = offer_after(topic) not in (PROMPTS.ask_next, PROMPTS.anything_else)
        assert turn.reprompt == (offer_after(topic) if offered else PROMPTS.help_reprompt)


def test_no_after_an_offer_says_goodnight(conversation: Start) -> None:
    talk = conversation()
    talk.open()
    talk.say("DosageIntent")
    turn = talk.say("AMAZON.NoIntent")
    assert turn.speech == PROMPTS.goodbye
    assert turn.ends_session


def test_cancel_says_goodnight(conversation: Start) -> None:
    talk = conversation()
    talk.open()
    turn = talk.say("AMAZON.CancelIntent")
    assert turn.speech == PROMPTS.goodbye and turn.ends_session


def test_help_lists_what_to_ask_and_keeps_listening(conversation: Start) -> None:
    talk = conversation()
    talk.open()
    turn = talk.say("AMAZON.HelpIntent")
    assert PROMPTS.help in turn.speech
    assert not turn.ends_session


def test_fallback_redirects_gently_and_keeps_the_session(conversation: Start) -> None:
    talk = conversation()
    talk.open()
    timing = talk.say("TimingIntent")
    turn = talk.say("AMAZON.FallbackIntent")
    # The offer was a yes/no question: the miss asks it again, briefly.
    assert turn.speech == f"{PROMPTS.fallback_again} {timing.reprompt}"
    assert turn.reprompt == timing.reprompt
    assert not turn.ends_session
    # "Repeat" after a fallback still repeats the last real answer.
    assert talk.say("AMAZON.RepeatIntent").speech.startswith(spoken("timing"))


@pytest.mark.parametrize("intent_name", ["AMAZON.StartOverIntent", "AMAZON.NavigateHomeIntent"])
def test_start_over_and_home_return_to_the_welcome(conversation: Start, intent_name: str) -> None:
    talk = conversation()
    talk.open()
    talk.say("DosageIntent")
    turn = talk.say(intent_name)
    assert PROMPTS.welcome in turn.speech
    assert not turn.ends_session
    # The earlier offer is gone: "yes" now gets one topic offered, never the question again.
    offered = talk.say("AMAZON.YesIntent")
    assert offered.speech == CONTENT.answer("what_is").offer and not offered.ends_session
    assert talk.say("AMAZON.YesIntent").speech.startswith(spoken("what_is"))


def test_tell_me_more_before_any_answer_offers_help(conversation: Start) -> None:
    talk = conversation()
    talk.open()
    turn = talk.say("AMAZON.MoreIntent")
    assert PROMPTS.help in turn.speech and not turn.ends_session


def test_repeat_before_anything_was_said(skill: CustomSkill) -> None:
    turn = Turn(invoke(skill, intent("AMAZON.RepeatIntent", new=True)))
    assert turn.speech.startswith(PROMPTS.nothing_yet)
    assert not turn.ends_session


def test_a_topic_without_a_follow_up_says_so_and_offers_the_next(conversation: Start) -> None:
    topic = next(a.topic for a in CONTENT.answers.values() if a.more is None)
    intent_name = next(name for name, t in ANSWER_FOR_INTENT.items() if t == topic)
    talk = conversation()
    talk.open()
    talk.say(intent_name)
    turn = talk.say("AMAZON.MoreIntent")
    assert turn.speech == f"{PROMPTS.no_more} {offer_after(topic, PROMPTS.no_more)}"


def test_session_ended_is_handled_silently(skill: CustomSkill) -> None:
    turn = Turn(invoke(skill, envelopes.session_ended("EXCEEDED_MAX_REPROMPTS")))
    assert turn.speech == ""
    assert turn.card is None


@pytest.mark.parametrize("topic", sorted(BENEFIT_TOPICS))
def test_each_benefit_by_its_resolved_id(skill: CustomSkill, topic: str) -> None:
    slots = {"benefit": benefit("whatever was heard", topic)}
    turn = Turn(invoke(skill, intent("BenefitDetailIntent", slots, new=True)))
    assert turn.speech == spoken(topic)
    assert turn.ends_session


@pytest.mark.parametrize(
    "benefit_slot",
    [
        slot("benefit"),  # empty
        benefit("my left toe"),  # ER_SUCCESS_NO_MATCH
        slot("benefit", "sleepy"),  # a value with no resolutions at all
        benefit("sleep", "not_a_topic"),  # an id the skill does not know
    ],
    ids=["empty", "no-match", "unresolved", "unknown-id"],
)
def test_an_empty_or_unknown_benefit_gets_the_list(
    skill: CustomSkill, conversation: Start, benefit_slot: dict[str, Any]
) -> None:
    one_shot = Turn(invoke(skill, intent("BenefitDetailIntent", {"benefit": benefit_slot})))
    assert one_shot.speech == spoken("how_it_helps")
    assert one_shot.ends_session

    talk = conversation()
    talk.open()
    turn = talk.say("BenefitDetailIntent", benefit=benefit_slot)
    assert turn.speech == benefits_listed()
    assert turn.reprompt == PROMPTS.which_benefit
    assert not turn.ends_session
    assert turn.directives == [
        {
            "type": "Dialog.ElicitSlot",
            "slotToElicit": "benefit",
            "updatedIntent": {"name": "BenefitDetailIntent", "confirmationStatus": "NONE"},
        }
    ]
    # The listener answers just "sleep"; Alexa fills the elicited slot.
    answer = talk.send(
        intent,
        "BenefitDetailIntent",
        {"benefit": benefit("sleep", "sleep_quality")},
        dialog_state="IN_PROGRESS",
    )
    assert answer.speech.startswith(spoken("sleep_quality"))
    assert not answer.directives


def test_a_benefit_intent_without_slots_gets_the_list(skill: CustomSkill) -> None:
    request = intent("BenefitDetailIntent")
    del request["request"]["intent"]["slots"]
    assert Turn(invoke(skill, request)).speech == spoken("how_it_helps")


def test_an_intent_the_skill_does_not_know_is_redirected(
    skill: CustomSkill, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        turn = Turn(invoke(skill, intent("OrderPizzaIntent", new=False)))
    assert turn.speech.startswith(PROMPTS.fallback)
    assert not turn.ends_session
    assert "no handler for IntentRequest OrderPizzaIntent" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_failing_handler_gets_a_calm_apology_not_the_exception(
    skill: CustomSkill, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch-all handler itself runs: a topic missing from content raises KeyError."""
    monkeypatch.setitem(ANSWER_FOR_INTENT, "TimingIntent", "no_such_topic")
    with caplog.at_level(logging.ERROR):
        one_shot = Turn(invoke(skill, intent("TimingIntent", new=True)))
        in_conversation = Turn(invoke(skill, intent("TimingIntent", new=False)))
    assert one_shot.speech == PROMPTS.error
    assert one_shot.ends_session
    assert one_shot.card is None
    assert in_conversation.speech == f"{PROMPTS.error} {PROMPTS.error_reprompt}"
    assert in_conversation.reprompt == PROMPTS.error_reprompt
    assert "no_such_topic" not in one_shot.speech + in_conversation.speech
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert "no_such_topic" in str(errors[0].exc_info[1])


def test_without_memory_the_session_carries_no_unsaved_memory(conversation: Start) -> None:
    """Persistence off: nothing will ever be written, so nothing rides in the session for it."""
    talk = conversation()
    talk.open()
    turn = talk.say("TimingIntent")
    assert "unsaved" not in turn.attributes
