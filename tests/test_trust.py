"""Issue 9, "a conversation you can trust at 2 a.m.", through the real skill's hosts.

Every conversation here goes through the web endpoint (Flask test client) and through
the Lambda entry (lambda/lambda_function.py, imported as Lambda's INIT would), never
through a mock: the safety net, what the article doesn't say, the new cited topics,
faithful answers, offers without loops, an escalating fallback, bedtime closers, the
turn budget, "where does it say that?" and CanFulfillIntentRequest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill
from flask import Flask

from skill.builder import build_skill
from skill.config import Settings
from skill.content import article_text, article_title, load_content
from skill.dev.console.nlu import resolve
from skill.dev.model import source
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.names import Intent, Pending, Slot
from skill.persistence import SqlitePersistenceAdapter
from skill.replies import sentences
from skill.web.app import create_app
from testing import ROOT, envelopes, pki
from testing.envelopes import APPLICATION_ID, USER_ID, benefit, intent
from testing.talk import Conversation, Turn

CONTENT = load_content()
PROMPTS = CONTENT.prompts
MAX_TURN_WORDS = 30  # an answer with its offer: one breath (issue 18)
MAX_OFFER_WORDS = 5
NOT_IN_ARTICLE = {
    Intent.SIDE_EFFECTS: "side_effects",
    Intent.CHILDREN: "children",
    Intent.PREGNANCY: "pregnancy",
    Intent.INTERACTIONS: "interactions",
    Intent.TOO_MUCH: "too_much",
    Intent.HOW_SOON: "how_soon",
    Intent.HOW_LONG: "how_long",
    Intent.WHERE_TO_BUY: "where_to_buy",
}
NEW_TOPICS = {
    Intent.CAUSES: "causes",
    Intent.NATURAL: "natural",
    Intent.MAGNESIUM_ROLE: "magnesium_role",
    Intent.EVERY_NIGHT: "every_night",
    Intent.RELAX: "relax",
}
Post = Callable[[dict[str, Any]], dict[str, Any]]


def web_post(app: Flask) -> Post:
    client = app.test_client()

    def post(envelope: dict[str, Any]) -> dict[str, Any]:
        answer = client.post("/", data=json.dumps(envelope), content_type="application/json")
        assert answer.status_code == 200, answer.data
        body: dict[str, Any] = answer.get_json()
        return body

    return post


@pytest.fixture(params=["web", "lambda"])
def post(request: pytest.FixtureRequest, entry_module: ModuleType) -> Post:
    """One way into the real skill: the web endpoint, or the Lambda entry."""
    if request.param == "web":
        return web_post(create_app(Settings(verify_requests=False, persistence=False)))
    handler: Post = lambda event: entry_module.lambda_handler(event, None)  # noqa: E731
    return handler


@pytest.fixture
def talk(post: Post, skill: CustomSkill) -> Callable[[], Conversation]:
    """A new conversation through the chosen host."""
    return lambda: Conversation(skill, transport=post)


def one_shot(post: Post, name: str, **slots: dict[str, Any]) -> Turn:
    return Turn(post(intent(name, slots or None, new=True)))


def words(text: str) -> int:
    return len(text.split())


def assert_within_budget(turn: Turn) -> None:
    """Answer and offer within one breath. An answer text already at the limit (the
    summary, 30 words: the answer texts are being rewritten under issue 18 item 5) may
    add only "Anything else?"."""
    topic = turn.attributes.get("last_topic")
    said = words(CONTENT.answer(topic).speech) if topic else 0
    limit = max(MAX_TURN_WORDS, said + words(PROMPTS.anything_else))
    assert words(turn.speech) <= limit, f"{words(turn.speech)} words: {turn.speech}"
    offer = turn.attributes.get("offered_topic")
    if offer:
        assert words(turn.reprompt) <= MAX_OFFER_WORDS, turn.reprompt


# --- 1. the safety net ---------------------------------------------------------------


def test_feeling_unwell_gets_a_professional_and_help_if_serious_and_the_session_closes(
    talk: Callable[[], Conversation], post: Post
) -> None:
    """ "i feel really unwell", "my leg is cramping now": the tiers are tests/test_safety.py."""
    unwell = CONTENT.safety.texts.unwell.format(emergency="nine one one")
    conversation = talk()
    conversation.open()
    turn = conversation.say(Intent.HEALTH_CONCERN)
    assert turn.speech == unwell
    assert "healthcare professional" in turn.speech and "nine one one" in turn.speech
    assert "take" not in turn.speech.lower()
    assert turn.ends_session
    alone = one_shot(post, Intent.HEALTH_CONCERN)
    assert alone.speech == unwell and alone.ends_session


SAFETY_NET_INTENTS = {
    Intent.HEALTH_CONCERN,
    Intent.EMERGENCY,
    Intent.AMOUNT,
    Intent.AMOUNT_TAKEN,
    Intent.EXTRA_DOSE,
}


@pytest.mark.parametrize(
    "said",
    [
        "i can't breathe",
        "my son swallowed some of my pills",
        "should i take another one",
        "is eight hundred milligrams okay",
        "i took 1000 mg is that bad",
        "i have kidney disease",
        "my leg is cramping right now what do i do",
        "I'm pregnant",
        "i feel really unwell",
        "i'm on blood thinners",
    ],
)
def test_health_statements_reach_the_safety_net_in_the_console(said: str) -> None:
    """The health-concern route: a condition, an amount taken, an emergency."""
    assert resolve(said).intent in SAFETY_NET_INTENTS


def test_the_fallback_never_nudges_to_take_it(talk: Callable[[], Conversation]) -> None:
    conversation = talk()
    conversation.open()
    for _ in range(3):
        turn = conversation.say(Intent.FALLBACK)
        assert "when to take" not in turn.speech and "how much to take" not in turn.speech


# --- 2. what the article doesn't say ------------------------------------------------------


@pytest.mark.parametrize(("name", "topic"), sorted(NOT_IN_ARTICLE.items()))
def test_what_the_article_does_not_say_is_named(post: Post, name: str, topic: str) -> None:
    turn = one_shot(post, name)
    assert turn.speech == CONTENT.answer(topic).speech
    assert "The article doesn't" in turn.speech
    assert "healthcare professional" in turn.speech
    assert turn.ends_session


def test_too_much_adds_the_typical_dose(post: Post) -> None:
    turn = one_shot(post, Intent.TOO_MUCH)
    assert "200 to 400 milligrams a day" in turn.speech


def test_how_long_until_it_works_promises_no_timing(post: Post) -> None:
    timing = next(i for i in source.CUSTOM_INTENTS if i.name == Intent.TIMING)
    assert "how long does it take to work" not in timing.samples
    assert resolve("how long does it take to work").intent == Intent.HOW_SOON
    turn = one_shot(post, Intent.HOW_SOON)
    assert "30 minutes" not in turn.speech and "doesn't say" in turn.speech


def test_after_what_the_article_does_not_say_nothing_is_offered(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    turn = conversation.say(Intent.CHILDREN)
    assert turn.speech.endswith(PROMPTS.ask_next)
    assert "offered_topic" not in turn.attributes
    assert not turn.ends_session


def test_questions_about_pregnancy_children_or_medications_are_never_stored(
    tmp_path: Path,
) -> None:
    db = tmp_path / "users.sqlite3"
    app = create_app(Settings(verify_requests=False, persistence=True, sqlite_path=db))
    conversation = Conversation(build_skill(Settings(persistence=False)), transport=web_post(app))
    conversation.open()
    for name in (Intent.TIMING, *NOT_IN_ARTICLE):
        conversation.say(name)
    conversation.say(Intent.STOP)
    record = SqlitePersistenceAdapter(db).get_attributes(USER_ID)
    assert record["topics_heard"] == ["timing"]
    assert record["last_topic"] == "timing"
    one_shot(web_post(app), Intent.PREGNANCY)
    assert SqlitePersistenceAdapter(db).get_attributes(USER_ID)["topics_heard"] == ["timing"]


# --- 3. new cited topics ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "topic"), sorted(NEW_TOPICS.items()))
def test_new_topics_are_answered_from_the_article(post: Post, name: str, topic: str) -> None:
    turn = one_shot(post, name)
    assert turn.speech == CONTENT.answer(topic).speech
    for sentence in CONTENT.answer(topic).sources:
        assert sentence in article_text()


def test_causes_names_low_magnesium_and_stress(post: Post) -> None:
    turn = one_shot(post, Intent.CAUSES)
    assert "too little magnesium" in turn.speech and "Stress and anxiety" in turn.speech


# --- 4. faithfulness ----------------------------------------------------------------------


def test_why_glycinate_keeps_the_hedge_and_more_adds_something(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    why = conversation.say(Intent.WHY_GLYCINATE)
    assert "known for" in why.speech and "Because" not in why.speech
    more = conversation.say(Intent.MORE)
    said_more = more.speech.removesuffix(more.reprompt).strip()
    assert said_more == CONTENT.answer("why_glycinate").more
    assert said_more not in why.speech and "glycine" in said_more


# --- 5. no loops ----------------------------------------------------------------------------


def test_saying_yes_reaches_every_topic_once_then_goodnight(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    turn = conversation.say(Intent.WHAT_IS)
    heard = ["what_is"]
    offers_alone = 0  # "yes" to a question that offered nothing: one topic is offered
    while not turn.ends_session:
        offered = turn.attributes.get("offered_topic")
        assert offered not in heard, f"{offered} offered again after {heard}"
        assert_within_budget(turn)
        assert turn.speech.endswith("?"), turn.speech
        turn = conversation.say(Intent.YES)
        if offered is None:
            offers_alone += 1
            assert turn.speech == CONTENT.answer(turn.attributes["offered_topic"]).offer
            continue
        listed = sentences(CONTENT.answer(offered).speech)[0]  # the benefits, listed
        assert turn.speech.startswith(listed)
        heard.append(offered)
    assert set(heard) == set(CONTENT.offered_topics), "every topic is reachable"
    assert turn.speech.endswith(PROMPTS.all_heard)
    assert len(conversation.turns) == len(CONTENT.offered_topics) + 1 + offers_alone
    assert offers_alone <= 3, "answers and offers fit one breath nearly always"


def test_an_offer_is_never_a_topic_already_heard(talk: Callable[[], Conversation]) -> None:
    conversation = talk()
    conversation.open()
    heard: set[str] = set()
    for name in (Intent.SUMMARY, Intent.SAFETY, Intent.TIMING, Intent.DOSAGE, Intent.SUMMARY):
        turn = conversation.say(name)
        heard.add(ANSWER_FOR_INTENT[name])
        assert turn.attributes.get("offered_topic") not in heard


def test_a_returning_listener_is_not_offered_what_they_heard_before(tmp_path: Path) -> None:
    db = tmp_path / "users.sqlite3"
    app = create_app(Settings(verify_requests=False, persistence=True, sqlite_path=db))
    skill = build_skill(Settings(persistence=False))
    first = Conversation(skill, transport=web_post(app))
    first.open()
    for name in (Intent.TIMING, Intent.DOSAGE, Intent.WHY_GLYCINATE):
        first.say(name)
    first.say(Intent.STOP)
    heard_before = {"timing", "dosage", "why_glycinate"}
    assert set(SqlitePersistenceAdapter(db).get_attributes(USER_ID)["topics_heard"]) == (
        heard_before
    )
    second = Conversation(skill, transport=web_post(app))
    welcome = second.open()
    assert welcome.attributes["offered_topic"] not in heard_before
    turn = second.say(Intent.WHAT_IS)  # its own next, why_glycinate, was heard last time
    assert turn.attributes["offered_topic"] not in heard_before | {"what_is"}


# --- 6. the fallback escalates ------------------------------------------------------------


def test_misses_escalate_redirect_help_goodnight(talk: Callable[[], Conversation]) -> None:
    conversation = talk()
    conversation.open()
    first = conversation.say(Intent.FALLBACK)
    assert first.speech == f"{PROMPTS.fallback} {PROMPTS.fallback_health} {PROMPTS.help_reprompt}"
    assert not first.ends_session
    second = conversation.say(Intent.FALLBACK)
    assert second.speech.startswith(PROMPTS.help) and not second.ends_session
    third = conversation.say(Intent.FALLBACK)
    assert third.speech == PROMPTS.fallback_goodnight
    assert third.ends_session


def test_an_understood_turn_resets_the_misses(talk: Callable[[], Conversation]) -> None:
    conversation = talk()
    conversation.open()
    conversation.say(Intent.FALLBACK)
    conversation.say(Intent.TIMING)
    again = conversation.say(Intent.FALLBACK)
    assert again.speech.startswith(PROMPTS.fallback_again)  # the first miss: the offer again
    assert "misses" not in conversation.turns[-2].attributes


@pytest.mark.parametrize("detour", [Intent.FALLBACK, Intent.HELP])
def test_a_pending_offer_survives_a_miss_or_help(
    talk: Callable[[], Conversation], detour: str
) -> None:
    conversation = talk()
    conversation.open()
    timing = conversation.say(Intent.TIMING)
    offered = timing.attributes["offered_topic"]
    conversation.say(detour)
    yes = conversation.say(Intent.YES)
    assert yes.speech.startswith(CONTENT.answer(offered).speech)


def test_an_unknown_intent_counts_as_a_miss(talk: Callable[[], Conversation]) -> None:
    conversation = talk()
    conversation.open()
    conversation.say("OrderPizzaIntent")
    conversation.say("OrderPizzaIntent")
    assert conversation.say("OrderPizzaIntent").ends_session


# --- 7. bedtime closers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "built_in"),
    [
        ("goodnight", Intent.STOP),
        ("I'm going to sleep", Intent.STOP),
        ("that's all, thanks", Intent.STOP),
        ("thank you", Intent.STOP),
        ("never mind", Intent.CANCEL),
    ],
)
def test_closers_are_in_every_deployed_model_and_end_the_session(
    talk: Callable[[], Conversation], said: str, built_in: str
) -> None:
    phrase = said.lower().replace(",", "")
    for locale in source.LOCALES:
        model = json.loads(
            (ROOT / "interaction_model/interactionModels/custom" / f"{locale}.json").read_text(
                encoding="utf-8"
            )
        )
        samples = {
            i["name"]: i["samples"] for i in model["interactionModel"]["languageModel"]["intents"]
        }
        assert phrase in samples[built_in], f"{locale}: {phrase!r}"
    assert resolve(said).intent == built_in
    conversation = talk()
    conversation.open()
    turn = conversation.say(built_in)
    assert turn.speech == PROMPTS.goodbye and turn.ends_session


# --- 8. the turn budget and help that fits ----------------------------------------------


def test_every_turn_of_a_long_conversation_fits_the_budget(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    for name in (
        Intent.BENEFITS,
        Intent.MORE,
        Intent.SOURCE,
        Intent.BENEFIT_DETAIL,
        Intent.HEALTH_CONCERN,
    ):
        conversation.say(name)
    singles: list[str] = [*ANSWER_FOR_INTENT, Intent.MORE, Intent.SOURCE, Intent.HELP]
    for single in (*singles, Intent.FALLBACK):
        fresh = talk()
        fresh.open()
        fresh.say(single)
        conversation.turns.extend(fresh.turns)
    for turn in conversation.turns:
        assert_within_budget(turn)


def test_help_names_three_things_the_reminder_and_the_quiet_voice(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    turn = conversation.say(Intent.HELP)
    assert turn.speech == f"{PROMPTS.help} {PROMPTS.help_reprompt}"
    assert "reminder" in turn.speech and "quietly" in turn.speech
    assert turn.speech.count("reminder") == 1


def test_help_while_setting_a_reminder_speaks_of_the_reminder(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    asked = conversation.say(Intent.SET_REMINDER)
    assert asked.speech == PROMPTS.ask_bedtime
    turn = conversation.say(Intent.HELP)
    assert turn.speech == PROMPTS.help_reminder
    assert turn.directives[0]["type"] == "Dialog.ElicitSlot"
    assert turn.directives[0]["slotToElicit"] == Slot.BEDTIME


@pytest.mark.parametrize(
    ("pending", "help_line"),
    [
        (Pending.CANCEL_REMINDER, PROMPTS.help_cancel_reminder),
        (Pending.SET_REMINDER, PROMPTS.help_set_reminder),
        (Pending.EVENING, PROMPTS.help_evening),
        (Pending.FORGET, PROMPTS.help_forget),
    ],
)
def test_help_while_a_yes_or_no_waits_says_how_to_answer_and_keeps_the_question(
    post: Post, skill: CustomSkill, pending: Pending, help_line: str
) -> None:
    conversation = Conversation(
        skill, transport=post, started=True, attributes={"pending": pending}
    )
    turn = conversation.say(Intent.HELP)
    assert turn.speech == help_line
    assert turn.attributes["pending"] == pending
    assert not turn.ends_session


# --- 11. "where does it say that?" ------------------------------------------------------


def test_where_does_it_say_that_reads_the_sentence_verbatim(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    conversation.say(Intent.DOSAGE)
    turn = conversation.say(Intent.SOURCE)
    assert turn.speech.startswith(
        "The article says: The typical dosage for magnesium glycinate ranges from "
        "200 milligrams to 400 milligrams per day."
    )
    assert turn.card is not None
    assert turn.card["title"] == article_title()
    cited = CONTENT.answer("dosage").sources
    assert turn.card["content"] == "\n\n".join(cited)
    assert all(sentence in article_text() for sentence in cited)
    assert not turn.ends_session


def test_the_source_of_tell_me_more_is_its_own_sentence(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    conversation.say(Intent.WHY_GLYCINATE)
    conversation.say(Intent.MORE)
    turn = conversation.say(Intent.SOURCE)
    expected = CONTENT.answer("why_glycinate").more_sources[0]
    assert turn.speech.startswith(f"The article says: {expected}")


def test_the_source_of_what_the_article_does_not_say_offers_nothing(
    talk: Callable[[], Conversation],
) -> None:
    conversation = talk()
    conversation.open()
    conversation.say(Intent.TOO_MUCH)
    turn = conversation.say(Intent.SOURCE)
    assert turn.speech.startswith("The article says: The typical dosage")
    assert turn.speech.endswith(PROMPTS.ask_next)
    assert "offered_topic" not in turn.attributes


def test_where_does_it_say_that_before_any_answer(talk: Callable[[], Conversation]) -> None:
    conversation = talk()
    conversation.open()
    turn = conversation.say(Intent.SOURCE)
    assert turn.speech.startswith(PROMPTS.source_none)
    assert not turn.ends_session


# --- 10. CanFulfillIntentRequest -------------------------------------------------------------


def can_fulfill(name: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {
        "type": "CanFulfillIntentRequest",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots or {}},
    }
    return envelopes.envelope(body, new=True)


def verdict(response: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = response["response"]["canFulfillIntent"]
    assert "outputSpeech" not in response["response"]
    assert not response.get("sessionAttributes")
    return answer


@pytest.mark.parametrize("name", sorted(set(ANSWER_FOR_INTENT) - set(NOT_IN_ARTICLE)))
def test_article_intents_can_be_fulfilled(post: Post, name: str) -> None:
    assert verdict(post(can_fulfill(name))) == {"canFulfill": "YES"}


@pytest.mark.parametrize(
    "name",
    [
        *sorted(NOT_IN_ARTICLE),
        Intent.HEALTH_CONCERN,
        Intent.EMERGENCY,
        Intent.AMOUNT,
        Intent.AMOUNT_TAKEN,
        Intent.EXTRA_DOSE,
        Intent.TOPIC,  # a topic may be one the article doesn't cover
        Intent.SET_REMINDER,
        Intent.FORGET_ME,
        Intent.QUIET_VOICE,
        Intent.SOURCE,
        Intent.HELP,
        "OrderPizzaIntent",
    ],
)
def test_other_intents_are_refused(post: Post, name: str) -> None:
    assert verdict(post(can_fulfill(name))) == {"canFulfill": "NO"}


def test_a_known_benefit_is_yes_an_unknown_one_maybe(post: Post) -> None:
    known = verdict(
        post(can_fulfill(Intent.BENEFIT_DETAIL, {"benefit": benefit("sleep", "sleep_quality")}))
    )
    assert known == {
        "canFulfill": "YES",
        "slots": {"benefit": {"canUnderstand": "YES", "canFulfill": "YES"}},
    }
    unknown = verdict(post(can_fulfill(Intent.BENEFIT_DETAIL, {"benefit": benefit("my toe")})))
    assert unknown == {
        "canFulfill": "MAYBE",
        "slots": {"benefit": {"canUnderstand": "MAYBE", "canFulfill": "NO"}},
    }


def test_can_fulfill_counts_no_visit_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "users.sqlite3"
    app = create_app(Settings(verify_requests=False, persistence=True, sqlite_path=db))
    post = web_post(app)
    assert verdict(post(can_fulfill(Intent.TIMING)))["canFulfill"] == "YES"
    assert SqlitePersistenceAdapter(db).get_attributes(USER_ID) == {}


def test_can_fulfill_through_the_verifying_endpoint() -> None:
    """Signed, with the production verifiers on: Alexa's request is accepted and answered."""
    settings = Settings(skill_id=APPLICATION_ID, verify_requests=True, persistence=False)
    app = create_app(settings, cert_fetch=pki.CertSource(), trust_roots=pki.trust_roots())
    body = json.dumps(can_fulfill(Intent.DOSAGE)).encode()
    answer = app.test_client().post("/", data=body, headers=pki.signed_headers(body))
    assert answer.status_code == 200
    assert answer.get_json()["response"]["canFulfillIntent"] == {"canFulfill": "YES"}
