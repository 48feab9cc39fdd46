"""The safety net in tiers (issue 18), as a careful pharmacist would have it.

Each tier is driven twice: as a feature with plain `Turn` values, and through the real
skill with envelopes (testing/envelopes.py) built from many wordings of our own, resolved
against the interaction model the way the console resolves them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill import safety
from skill.content import article_text, load_content
from skill.content import helplines as helplines_module
from skill.content.helplines import HELPLINES, helplines
from skill.dev.console import requests as alexa
from skill.dev.console.nlu import resolve
from skill.dev.model.source import LOCALES
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.memory import Memory
from skill.names import Condition, Intent, RequestType, Slot
from skill.ports import Ports
from skill.replies import Reply, render
from skill.turn import Session, SlotValue, Turn
from testing import envelopes
from testing.envelopes import APPLICATION_ID
from testing.talk import Turn as Heard
from testing.talk import invoke
from tests.test_content import NUMBER
from tests.test_features import FakeReminders

CONTENT = load_content()
PROMPTS = CONTENT.prompts
SAFETY = CONTENT.safety
ARTICLE = article_text()
TEXTS = SAFETY.texts
MAX_WORDS = 30  # any answer, with what follows it
MAX_URGENT_WORDS = 35
TYPICAL = "the article's typical 200 to 400 milligrams a day"
# Anything that could be heard as "go ahead, take more".
NUDGE = re.compile(
    r"\b(yes|go ahead|take (?:more|another|extra|it now)|have another|double up|"
    r"safe to take|fine to take|that's fine|that's okay)\b",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- helpers


def turn(
    name: str,
    *,
    locale: str | None = "en-US",
    new: bool = False,
    slots: dict[str, SlotValue] | None = None,
    **named: SlotValue,
) -> Turn:
    return Turn(
        kind=RequestType.INTENT,
        intent=name,
        slots={**(slots or {}), **named},
        locale=locale,
        has_session=True,
        new_session=new,
    )


def ids(*values: str) -> SlotValue:
    return SlotValue(spoken=values[0], resolved_ids=values, matched=True)


def said(value: str) -> SlotValue:
    return SlotValue(spoken=value)


def run(feature: Any, t: Turn) -> tuple[Reply, Session]:
    session = Session()
    reply = feature(t, session, Ports(Memory(None, None, session), FakeReminders()))
    return reply, session


def words(text: str) -> int:
    return len(text.split())


def whole(reply: Reply) -> str:
    """Everything said in a conversation: the reply, then what follows it."""
    return " ".join((*reply.speech, *reply.follow_up))


def ask(skill: CustomSkill, text: str, *, locale: str = "en-US", new: bool = True) -> Heard:
    """Say `text` to the real skill: resolved like Alexa would, sent as an envelope."""
    resolution = resolve(text, locale)
    assert resolution.intent is not None, text
    slots: dict[str, dict[str, Any]] = {}
    for name, match in resolution.slots.items():
        if match.value is None:
            continue
        entry = None
        if not match.type.startswith("AMAZON."):
            resolved = (match.resolved_name or match.value, match.id) if match.id else None
            entry = alexa.resolution(APPLICATION_ID, match.type, resolved)
        slots[name] = envelopes.slot(name, match.value, entry)
    envelope = envelopes.intent(resolution.intent, slots or None, new=new, locale=locale)
    return Heard(invoke(skill, envelope))


def intent_of(text: str, locale: str = "en-US") -> str | None:
    return resolve(text, locale).intent


def call(locale: str | None) -> str:
    return TEXTS.urgent_call.format(emergency=helplines(locale).emergency.spoken)


# --------------------------------------------------------------------------- urgent

URGENT = [
    "i can't breathe",
    "i'm struggling breathing",
    "my chest hurts",
    "i have chest pains",
    "my throat is closing up",
    "my lips are swelling",
    "i think i'm having an allergic reaction",
    "i think i'm going to faint",
    "i passed out",
    "my heart is racing",
    "my husband has collapsed",
    "i'm gasping for air",
]
SWALLOWED = [
    "my little boy swallowed a bunch of my pills",
    "i just took the whole bottle",
    "my daughter ate some of my magnesium pills",
    "my toddler got into the pill bottle",
    "i swallowed a handful of pills",
    "my son has swallowed my tablets",
    "i think i've taken too many pills",
]


@pytest.mark.parametrize("locale", [*LOCALES, None, "de-DE"])
def test_urgent_opens_with_the_locale_s_number_closes_and_leaves_a_card(
    locale: str | None,
) -> None:
    reply, _ = run(safety.urgent, turn(Intent.EMERGENCY, locale=locale))
    lines = helplines(locale)
    assert reply.speech[0] == call(locale)
    assert reply.speech[0].startswith("Please call ")
    assert reply.reprompt is None and not reply.follow_up
    assert reply.headline == f"Call {lines.emergency.shown}"
    assert reply.card_title == TEXTS.urgent_card_title
    assert reply.card_text is not None and lines.emergency.shown in reply.card_text
    rendered = render(turn(Intent.EMERGENCY, locale=locale), Session(), reply)
    assert rendered.reprompt is None
    assert words(" ".join(reply.speech)) <= MAX_URGENT_WORDS


def test_urgent_without_a_swallowing_says_only_where_to_get_help() -> None:
    reply, _ = run(safety.urgent, turn(Intent.EMERGENCY))
    assert reply.speech == ("Please call nine one one now.",)
    assert reply.card_text == "Please call 911 now."


@pytest.mark.parametrize(
    ("locale", "then"),
    [
        (
            "en-US",
            "You can also call Poison Help, one eight hundred, two two two, one two two two.",
        ),
        (
            "en-CA",
            "You can also call a poison centre, one eight four four, seven six four, "
            "seven six six nine.",
        ),
        ("en-AU", "You can also call the Poisons Information Centre, thirteen eleven twenty-six."),
        ("en-GB", "If it isn't an emergency, call NHS one one one."),
        ("en-IN", "Or go to the nearest hospital."),
    ],
)
def test_a_swallowing_adds_the_poison_line_where_the_country_has_one(
    locale: str, then: str
) -> None:
    pills = ids("a bunch of my pills", "many_pills")
    reply, _ = run(safety.urgent, turn(Intent.EMERGENCY, locale=locale, pills=pills))
    assert reply.speech == (call(locale), then)
    poison = helplines(locale).poison
    if poison is not None:
        assert reply.card_text is not None and poison.shown in reply.card_text


def test_every_shipped_locale_has_a_number_and_each_number_its_source() -> None:
    assert set(LOCALES) <= set(HELPLINES)
    text = Path(str(helplines_module.__file__)).read_text(encoding="utf-8")
    table = text[text.index("HELPLINES: dict") : text.index("ANYWHERE = ")]
    source = table.splitlines()
    numbered = [
        i for i, line in enumerate(source) if re.search(r"\b(emergency|poison)=Line\(", line)
    ]
    # One emergency line per locale, and every line (emergency or poison) sourced just above.
    assert len([i for i in numbered if "emergency=" in source[i]]) == len(HELPLINES)
    for index in numbered:
        above = source[index - 1].strip()
        if not above.startswith("# source: https://"):
            above = source[index - 2].strip()  # a source too long for one comment line
        assert re.match(r"# source: https://\S+", above), source[index]
    for locale in LOCALES:
        lines = HELPLINES[locale]
        assert re.search(r"\d", lines.emergency.shown), locale
        assert lines.emergency.spoken and not re.search(r"\d", lines.emergency.spoken)
        assert lines.swallowed in TEXTS.names(), locale


def test_no_number_is_guessed_for_a_locale_we_do_not_ship() -> None:
    reply, _ = run(safety.urgent, turn(Intent.EMERGENCY, locale="fr-FR"))
    assert reply.speech[0] == "Please call your local emergency number now."


@pytest.mark.parametrize("said_", URGENT + SWALLOWED)
def test_urgent_wordings_through_the_skill(skill: CustomSkill, said_: str) -> None:
    assert intent_of(said_) == Intent.EMERGENCY, said_
    heard = ask(skill, said_)
    assert heard.speech.startswith("Please call nine one one now."), heard.speech
    assert heard.ends_session
    assert heard.card is not None and "911" in heard.card["content"]
    assert words(heard.speech) <= MAX_URGENT_WORDS
    swallowed = said_ in SWALLOWED
    assert ("Poison Help" in heard.speech) == swallowed, heard.speech


@pytest.mark.parametrize("locale", LOCALES)
def test_urgent_in_every_locale_through_the_skill(skill: CustomSkill, locale: str) -> None:
    heard = ask(skill, "my little boy swallowed a bunch of my pills", locale=locale)
    assert heard.speech.startswith(call(locale)), heard.speech
    assert heard.ends_session and heard.card is not None


# --------------------------------------------------------------------------- unwell

UNWELL = [
    "i feel really unwell",
    "i feel dizzy",
    "i'm scared",
    "i took too much",
    "my stomach hurts",
    "i feel sick",
    "the cramp won't stop",
]


@pytest.mark.parametrize("said_", UNWELL)
def test_feeling_unwell_gets_a_professional_then_the_number_if_serious(
    skill: CustomSkill, said_: str
) -> None:
    assert intent_of(said_) == Intent.HEALTH_CONCERN, said_
    heard = ask(skill, said_, new=False)
    assert heard.speech.startswith("I'm sorry to hear that.")
    assert "healthcare professional" in heard.speech
    assert heard.speech.endswith("If it feels serious, call nine one one.")
    assert heard.ends_session and heard.card is not None
    assert "911" in heard.card["content"]


# --------------------------------------------------------------------------- conditions

# A statement and a question about the same thing: the same words.
SAME_ANSWER = [
    ("i'm pregnant", "can i take it while pregnant"),
    ("i am pregnant", "is it safe during pregnancy"),
    ("i'm breastfeeding", "is it safe while breastfeeding"),
    ("i'm nursing my baby", "can you take it while nursing"),
    ("i'm on blood thinners", "does it interact with other drugs"),
    ("i take warfarin", "can i take it with my blood pressure pills"),
    ("i'm on antidepressants", "will it mess with my meds"),
    ("i have kidney disease", "can i take it if i have kidney disease"),
    ("i have a heart condition", "is it safe if i have a heart condition"),
    ("i'm diabetic", "i'm diabetic can i take it"),
    ("i have epilepsy", "can i take it if i have epilepsy"),
]
NAMED_BACK = {
    Condition.PREGNANCY: "pregnancy or breastfeeding",
    Condition.BREASTFEEDING: "pregnancy or breastfeeding",
    Condition.MEDICATION: "other medicines or supplements",
    Condition.KIDNEY: "a kidney condition",
    Condition.HEART: "a heart condition",
    Condition.DIABETES: "diabetes",
    Condition.OTHER: "a health condition",
}


@pytest.mark.parametrize("condition", list(Condition))
def test_a_condition_is_named_back_and_sent_to_a_professional_without_alarm(
    condition: Condition,
) -> None:
    reply, session = run(
        safety.health_concern, turn(Intent.HEALTH_CONCERN, condition=ids(condition.value))
    )
    text = whole(reply)
    assert reply.speech[0].startswith(f"Because you mentioned {NAMED_BACK[condition]}, ")
    assert "healthcare professional" in text
    for alarm in ("emergency", "call", "now", "urgent", "nine one one"):
        assert alarm not in reply.speech[0].lower(), alarm
    assert reply.follow_up == (PROMPTS.ask_next,) and reply.offer is None
    assert reply.reprompt is not None  # "what else?" in a conversation ...
    one_shot = render(turn(Intent.HEALTH_CONCERN, new=True), session, reply)
    assert one_shot.reprompt is None  # ... and a one-shot closes
    assert words(text) <= MAX_WORDS


def test_a_condition_the_model_does_not_know_is_still_a_condition() -> None:
    unknown = SlotValue(spoken="a funny thyroid")
    reply, _ = run(safety.health_concern, turn(Intent.HEALTH_CONCERN, condition=unknown))
    assert reply.speech[0].startswith("Because you mentioned a health condition, ")


@pytest.mark.parametrize(("statement", "question"), SAME_ANSWER)
def test_a_statement_and_a_question_get_the_same_answer(
    skill: CustomSkill, statement: str, question: str
) -> None:
    first, second = ask(skill, statement), ask(skill, question)
    assert first.speech == second.speech, (statement, question)
    assert first.speech.startswith("Because you mentioned ")
    assert "healthcare professional" in first.speech
    assert "emergency" not in first.speech.lower()
    assert first.ends_session  # a one-shot closes


def test_in_a_conversation_a_condition_is_followed_by_what_else_never_an_offer(
    skill: CustomSkill,
) -> None:
    opened = Heard(invoke(skill, envelopes.launch()))
    attributes = opened.attributes
    for statement in ("i'm pregnant", "i have kidney disease", "can i take it while pregnant"):
        resolution = resolve(statement)
        slots: dict[str, dict[str, Any]] | None = None
        if resolution.slots.get(Slot.CONDITION) and resolution.slot_id(Slot.CONDITION):
            match = resolution.slots[Slot.CONDITION]
            entry = alexa.resolution(APPLICATION_ID, match.type, (str(match.value), str(match.id)))
            slots = {str(Slot.CONDITION): envelopes.slot(Slot.CONDITION, match.value, entry)}
        envelope = envelopes.intent(str(resolution.intent), slots, new=False, attributes=attributes)
        heard = Heard(invoke(skill, envelope))
        assert heard.speech.endswith(PROMPTS.ask_next)
        assert not heard.ends_session and "offered_topic" not in heard.attributes
        assert words(heard.speech) <= MAX_WORDS
        attributes = heard.attributes


# --------------------------------------------------------------------------- amounts

ASKED = [
    ("is a thousand milligrams too much", "1000 milligrams is well above " + TYPICAL),
    ("is 1000 milligrams too much", "1000 milligrams is well above " + TYPICAL),
    ("is 500 milligrams okay", "500 milligrams is above " + TYPICAL),
    ("can i take 300 milligrams", "300 milligrams is within " + TYPICAL),
    ("would 400 milligrams be too much", "400 milligrams is within " + TYPICAL),
    ("is 200 milligrams enough", "200 milligrams is within " + TYPICAL),
    ("is 100 milligrams enough", "100 milligrams is below " + TYPICAL),
    ("is 2 grams too much", "2 grams is well above " + TYPICAL),
    ("what about 1 gram", "1 gram is well above " + TYPICAL),
    (
        "would 3 tablets be too much",
        "The article gives doses in milligrams, 200 to 400 a day, not in tablets.",
    ),
    (
        "can i take 2 capsules",
        "The article gives doses in milligrams, 200 to 400 a day, not in capsules.",
    ),
    (
        "is 4 pills too many",
        "The article gives doses in milligrams, 200 to 400 a day, not in pills.",
    ),
    ("can i take 500", "If that's milligrams, 500 is above " + TYPICAL),
]


@pytest.mark.parametrize(("said_", "first"), ASKED)
def test_an_amount_is_compared_with_the_article_s_range(
    skill: CustomSkill, said_: str, first: str
) -> None:
    assert intent_of(said_) == Intent.AMOUNT, said_
    heard = ask(skill, said_, new=False)
    assert heard.speech.startswith(first.rstrip(".")), heard.speech
    assert not heard.speech.startswith("The article doesn't give a maximum")
    assert "healthcare professional" in heard.speech
    assert heard.speech.endswith(PROMPTS.ask_next)
    assert words(heard.speech) <= MAX_WORDS
    assert not NUDGE.search(heard.speech), heard.speech


@pytest.mark.parametrize(
    ("amount", "unit", "first"),
    [
        ("1000", "milligrams", "1000 milligrams is well above"),
        ("800", "milligrams", "800 milligrams is well above"),
        ("401", "milligrams", "401 milligrams is above"),
        ("0.3", "grams", "0.3 grams is within"),
        ("0.1", "grams", "0.1 grams is below"),
        ("1.5", "grams", "1.5 grams is well above"),
        ("1", "tablets", "The article gives doses in milligrams, 200 to 400 a day, not in tablet."),
    ],
)
def test_amounts_as_plain_values(amount: str, unit: str, first: str) -> None:
    t = turn(Intent.AMOUNT, amount=said(amount), unit=ids(unit))
    reply, session = run(safety.amount, t)
    assert reply.speech[0].startswith(first.rstrip(".")), reply.speech
    assert session.last_topic == safety.DOSE_TOPIC  # "where does it say that?" reads the dose


@pytest.mark.parametrize("amount", [None, "?", "", "lots", "-5", "0", "NaN", "1e99"])
def test_an_amount_not_heard_gets_the_general_answer_without_inventing(
    amount: str | None,
) -> None:
    slots = {"unit": ids("milligrams")}
    if amount is not None:
        slots["amount"] = said(amount)
    reply, _ = run(safety.amount, turn(Intent.AMOUNT, slots=slots))
    assert reply.speech == (CONTENT.answer("too_much").speech,)


def test_a_number_spoken_is_the_listener_s_or_the_article_s() -> None:
    """Only what the listener said and the cited 200 and 400; never an invented number."""
    for amount in ("1000", "2", "350", "0.5", "1234567"):
        for unit in ("milligrams", "grams", "pills", None):
            slots = {"amount": said(amount)}
            if unit:
                slots["unit"] = ids(unit)
            for feature, name in (
                (safety.amount, Intent.AMOUNT),
                (safety.amount_taken, Intent.AMOUNT_TAKEN),
            ):
                reply, _ = run(feature, turn(name, slots=slots))
                allowed = {"200", "400", amount} | set(helplines("en-US").emergency.spoken.split())
                allowed |= set(
                    str(getattr(helplines("en-US").poison, "spoken", "")).replace(",", "").split()
                )
                for number in NUMBER.findall(" ".join(reply.speech)):
                    assert number.lower() in allowed, (amount, unit, number, reply.speech)


# --------------------------------------------------------------------------- taken

TAKEN_URGENT = [
    ("i took 800 milligrams", TEXTS.urgent_over_range),
    ("i've had 2 grams tonight", TEXTS.urgent_over_range),
    ("i took a thousand milligrams is that bad", TEXTS.urgent_over_range),
    ("i just took 450 milligrams", TEXTS.urgent_over_range),
    ("i took 5 capsules", TEXTS.urgent_count.format(unit="capsules")),
    ("i took eight tablets", TEXTS.urgent_count.format(unit="tablets")),
    ("i swallowed 6 pills", TEXTS.urgent_count.format(unit="pills")),
]
TAKEN_CALM = [
    ("i took 300 milligrams", "300 milligrams is within " + TYPICAL),
    ("i've taken 400 milligrams", "400 milligrams is within " + TYPICAL),
    ("i took 100 milligrams", "100 milligrams isn't above " + TYPICAL),
    ("i had 200 milligrams before bed", "200 milligrams is within " + TYPICAL),
    ("i took 1 tablet", "The article gives doses in milligrams, 200 to 400 a day, not in tablet."),
    # Two capsules is a common serving: met calmly, never with the emergency number.
    ("i took two tablets", TEXTS.amount_count.format(unit="tablets")),
]


@pytest.mark.parametrize(("said_", "reason"), TAKEN_URGENT)
def test_taken_beyond_the_range_is_urgent_with_the_poison_line(
    skill: CustomSkill, said_: str, reason: str
) -> None:
    assert intent_of(said_) == Intent.AMOUNT_TAKEN, said_
    heard = ask(skill, said_, new=False)
    line = helplines("en-US").poison
    assert line is not None
    poison = TEXTS.urgent_poison.format(poison=line.spoken)
    assert heard.speech == f"Please call nine one one now. {poison} {reason}"
    assert heard.ends_session and heard.card is not None
    assert "1-800-222-1222" in heard.card["content"]
    assert words(heard.speech) <= MAX_URGENT_WORDS


@pytest.mark.parametrize(("said_", "first"), TAKEN_CALM)
def test_taken_within_the_range_is_calm_and_never_more(
    skill: CustomSkill, said_: str, first: str
) -> None:
    assert intent_of(said_) == Intent.AMOUNT_TAKEN, said_
    heard = ask(skill, said_, new=False)
    assert heard.speech.startswith(first.rstrip(".")), heard.speech
    assert TEXTS.amount_taken_advice in heard.speech
    assert "below" not in heard.speech and "call" not in heard.speech.lower()
    assert not NUDGE.search(heard.speech), heard.speech
    assert words(heard.speech) <= MAX_WORDS


@pytest.mark.parametrize("locale", LOCALES)
def test_taken_beyond_the_range_in_every_locale(locale: str) -> None:
    t = turn(Intent.AMOUNT_TAKEN, locale=locale, amount=said("900"), unit=ids("milligrams"))
    reply, _ = run(safety.amount_taken, t)
    assert reply.speech[0] == call(locale)
    assert reply.speech[-1] == TEXTS.urgent_over_range
    assert reply.reprompt is None and reply.headline
    assert words(" ".join(reply.speech)) <= MAX_URGENT_WORDS


def test_taken_without_a_number_is_like_feeling_unwell() -> None:
    reply, _ = run(safety.amount_taken, turn(Intent.AMOUNT_TAKEN, unit=ids("pills")))
    assert reply.speech == (TEXTS.unwell.format(emergency="nine one one"),)


def test_a_number_said_without_a_unit() -> None:
    few, _ = run(safety.amount_taken, turn(Intent.AMOUNT_TAKEN, amount=said("3")))
    assert few.speech[0].startswith(TEXTS.amount_no_unit)  # three of something: met calmly
    many, _ = run(safety.amount_taken, turn(Intent.AMOUNT_TAKEN, amount=said("7")))
    assert many.speech[0] == call("en-US")  # seven of something: many pills
    large, _ = run(safety.amount_taken, turn(Intent.AMOUNT_TAKEN, amount=said("300")))
    assert large.speech[0].startswith("If that's milligrams, 300 is within")


# --------------------------------------------------------------------------- extra doses

EXTRA = [
    "should i take another one",
    "can i double the dose",
    "can i take a bit more than usual",
    "i woke up with a cramp can i take more",
    "i forgot if i took it should i take another",
    "is it safe to take another",
    "should i double up tonight",
    "can i have a second one if the cramp comes back",
]


@pytest.mark.parametrize("said_", EXTRA)
def test_another_double_or_more_is_never_a_yes(skill: CustomSkill, said_: str) -> None:
    assert intent_of(said_) == Intent.EXTRA_DOSE, said_
    heard = ask(skill, said_, new=False)
    assert heard.speech.startswith(TEXTS.extra_dose)
    assert "healthcare professional" in heard.speech
    assert not heard.speech.startswith("The article doesn't give a maximum")
    assert not NUDGE.search(heard.speech), heard.speech
    assert words(heard.speech) <= MAX_WORDS


def test_too_much_keeps_its_honest_doesnt_say(skill: CustomSkill) -> None:
    heard = Heard(invoke(skill, envelopes.intent(Intent.TOO_MUCH, new=True)))
    assert heard.speech == CONTENT.answer("too_much").speech
    assert heard.speech.startswith("The article doesn't give a maximum")


# --------------------------------------------------------------------------- every turn


def every_safety_turn() -> Iterator[tuple[str, Reply, int]]:
    """Every reply the safety net can give, in every locale, with its word budget."""
    for locale in (*LOCALES, None):
        yield (
            f"urgent {locale}",
            run(safety.urgent, turn(Intent.EMERGENCY, locale=locale))[0],
            MAX_URGENT_WORDS,
        )
        pills = ids("the whole bottle", "many_pills")
        reply = run(safety.urgent, turn(Intent.EMERGENCY, locale=locale, pills=pills))[0]
        yield f"swallowed {locale}", reply, MAX_URGENT_WORDS
        for amount, unit in (("123456789", "milligrams"), ("9", "capsules"), ("7", None)):
            slots = {"amount": said(amount)} | ({"unit": ids(unit)} if unit else {})
            t = turn(Intent.AMOUNT_TAKEN, locale=locale, slots=slots)
            yield (
                f"taken {amount} {unit} {locale}",
                run(safety.amount_taken, t)[0],
                MAX_URGENT_WORDS,
            )
        unwell = run(safety.health_concern, turn(Intent.HEALTH_CONCERN, locale=locale))[0]
        yield f"unwell {locale}", unwell, MAX_WORDS
    for condition in Condition:
        t = turn(Intent.HEALTH_CONCERN, condition=ids(condition.value))
        yield f"condition {condition}", run(safety.health_concern, t)[0], MAX_WORDS
    for feature, name in (
        (safety.amount, Intent.AMOUNT),
        (safety.amount_taken, Intent.AMOUNT_TAKEN),
    ):
        for amount in ("123456789", "1000", "300", "100", "1", "0.25"):
            for unit in ("milligrams", "grams", "capsules", None):
                slots = {"amount": said(amount)} | ({"unit": ids(unit)} if unit else {})
                yield (
                    f"{name} {amount} {unit}",
                    run(feature, turn(name, slots=slots))[0],
                    (MAX_URGENT_WORDS if name == Intent.AMOUNT_TAKEN else MAX_WORDS),
                )
    yield "extra dose", run(safety.extra_dose, turn(Intent.EXTRA_DOSE))[0], MAX_WORDS


def test_the_condition_questions_are_the_article_answers_the_statements_give() -> None:
    """PregnancyIntent and InteractionsIntent are article answers (the route table's
    ANSWER_FOR_INTENT); HealthConcernIntent with the condition says the same words."""
    for name, condition in ((Intent.PREGNANCY, "pregnancy"), (Intent.INTERACTIONS, "medication")):
        topic = ANSWER_FOR_INTENT[name]
        assert SAFETY.condition_answers[condition] == topic
        stated, _ = run(
            safety.health_concern, turn(Intent.HEALTH_CONCERN, condition=ids(condition))
        )
        assert stated.speech == (CONTENT.answer(topic).speech,)


TURNS = list(every_safety_turn())


@pytest.mark.parametrize(("label", "reply", "budget"), TURNS, ids=[t[0] for t in TURNS])
def test_every_safety_turn_fits_its_budget_and_never_nudges(
    label: str, reply: Reply, budget: int
) -> None:
    text = whole(reply)
    limit = MAX_URGENT_WORDS if reply.headline else MAX_WORDS
    assert words(text) <= min(limit, budget), f"{label}: {words(text)} words: {text}"
    assert not NUDGE.search(text), f"{label}: {text}"
    assert "healthcare professional" in text or reply.headline, label
    if reply.headline:  # urgent: the number first, the session closed, a card
        assert text.startswith("Please call ") and reply.reprompt is None and reply.card_text


@pytest.mark.parametrize("key", SAFETY.texts.names())
def test_every_number_in_a_safety_text_is_in_the_sentence_it_cites(key: str) -> None:
    text = TEXTS.text(key)
    cited = " ".join(SAFETY.sources.get(key, ())).lower()
    for number in NUMBER.findall(text):
        assert re.search(rf"\b{re.escape(number.lower())}\b", cited), (key, number)
    for sentence in SAFETY.sources.get(key, ()):
        assert sentence in ARTICLE, (key, sentence)
    if re.search(r"\b(200|400)\b", text):
        assert "article" in text, f"{key}: a dose is the article's"


def test_an_unknown_phrase_in_a_short_urgent_carrier_still_hears_help_first() -> None:
    """ "i {symptom}" with words Alexa could not resolve: the number first, as a condition."""
    known, _ = run(safety.urgent, turn(Intent.EMERGENCY, symptom=ids("can't breathe")))
    assert known.speech[0] == call("en-US")
    for slot in ("symptom", "body"):
        unknown, _ = run(safety.urgent, turn(Intent.EMERGENCY, slots={slot: said("want a snack")}))
        assert unknown.speech[0] == "If this is an emergency, please call nine one one now."
        assert unknown.reprompt is None and unknown.headline == "Call 911"
    with_pills, _ = run(
        safety.urgent,
        turn(
            Intent.EMERGENCY, symptom=said("feel odd"), pills=ids("a bunch of pills", "many_pills")
        ),
    )
    assert with_pills.speech[0] == call("en-US")
