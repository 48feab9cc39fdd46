"""Typed text resolves the way Alexa would resolve the same words, from the deployed model."""

from __future__ import annotations

from typing import Any

import pytest

from skill.console.nlu import (
    BUILT_IN_SAMPLES,
    FALLBACK_INTENT,
    FUZZY_THRESHOLD,
    LAUNCH_REQUEST,
    MATCH,
    NO_MATCH,
    compiled_model,
    normalise,
    resolve,
)
from skill.interaction_model import (
    BUILT_IN_INTENTS,
    BUILT_IN_PHRASES,
    LOCALES,
    build_interaction_model,
)

BENEFIT = ("BenefitDetailIntent", "benefit")


def _custom_intents(locale: str) -> list[dict[str, Any]]:
    language = build_interaction_model(locale)["interactionModel"]["languageModel"]
    return [intent for intent in language["intents"] if intent["samples"]]


def _spoken_values(locale: str, type_name: str) -> list[tuple[str, str]]:
    """(what a person says, the value id) for every value name and synonym of a type."""
    language = build_interaction_model(locale)["interactionModel"]["languageModel"]
    (kind,) = [kind for kind in language["types"] if kind["name"] == type_name]
    return [
        (said, value["id"])
        for value in kind["values"]
        for said in (value["name"]["value"], *value["name"]["synonyms"])
    ]


CASES = [(locale, intent["name"]) for locale in LOCALES for intent in _custom_intents(locale)]


@pytest.mark.parametrize(("locale", "intent_name"), CASES)
def test_every_sample_of_the_model_resolves_to_its_own_intent(
    locale: str, intent_name: str
) -> None:
    (intent,) = [i for i in _custom_intents(locale) if i["name"] == intent_name]
    slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
    wrong = []
    for sample in intent["samples"]:
        slots = [name for name in slot_types if f"{{{name}}}" in sample]
        if not slots:
            heard = resolve(sample, locale)
            if heard.intent != intent_name or heard.score != 100:
                wrong.append((sample, heard.intent))
            continue
        (slot,) = slots
        for said, value_id in _spoken_values(locale, slot_types[slot]):
            text = sample.replace(f"{{{slot}}}", said)
            heard = resolve(text, locale)
            if heard.intent != intent_name or heard.slot_id(slot) != value_id:
                wrong.append((text, heard.intent, heard.slot_id(slot)))
    assert wrong == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_slot_elicitation_sample_fills_the_slot(locale: str) -> None:
    samples = compiled_model(locale).elicitation[BENEFIT]
    wrong = []
    for template in samples:
        for said, value_id in _spoken_values(locale, "BenefitType"):
            text = template.sample.replace("{benefit}", said)
            heard = resolve(text, locale, eliciting=BENEFIT)
            if heard.intent != "BenefitDetailIntent" or heard.slot_id("benefit") != value_id:
                wrong.append((text, heard.intent, heard.slot_id("benefit")))
    assert wrong == []


PARAPHRASES = [
    # How people really ask at bedtime: half asleep, typing on a phone.
    ("when shuld i take it", "TimingIntent"),
    ("What time should I take magnesium?", "TimingIntent"),
    ("should I take it right before I go to sleep", "TimingIntent"),
    ("how long before bed do I take it", "TimingIntent"),
    ("how soon does it kick in", "TimingIntent"),
    ("what's the best time of day to take magnesium", "TimingIntent"),
    ("do i take it in the morning or at night", "TimingIntent"),
    ("how many milligrams", "DosageIntent"),
    ("how much magnesium glycinate do I need", "DosageIntent"),
    ("whats the right dosage", "DosageIntent"),
    ("how many mg a day", "DosageIntent"),
    ("Is 400mg too much?", "DosageIntent"),
    ("how much shoud i tkae", "DosageIntent"),
    ("how many capsules do i take", "DosageIntent"),
    ("is it ok with my pills", "SafetyIntent"),
    ("can i take it with my meds", "SafetyIntent"),
    ("can I take it with my blood pressure medication", "SafetyIntent"),
    ("is it safe to take it every single night", "SafetyIntent"),
    ("are there any side effects?", "SafetyIntent"),
    ("do I need to check with my doctor", "SafetyIntent"),
    ("is it safe for pregnant women", "SafetyIntent"),
    ("what is magnesium glycinate exactly", "WhatIsIntent"),
    ("whats glycinate", "WhatIsIntent"),
    ("what is this magnesium stuff", "WhatIsIntent"),
    ("why glycinate and not citrate", "WhyGlycinateIntent"),
    ("is glycinate better than magnesium oxide", "WhyGlycinateIntent"),
    ("why not just regular magnesium", "WhyGlycinateIntent"),
    ("will it stop my leg cramps", "BenefitsIntent"),
    ("does it actually work for cramps", "BenefitsIntent"),
    ("I keep getting cramps in my legs at night", "BenefitsIntent"),
    ("does it help me sleep better", "BenefitDetailIntent"),
    ("can it help with my anxiety", "BenefitDetailIntent"),
    ("how does it help my muscles relax", "BenefitDetailIntent"),
    ("does it come in pill form", "FormsIntent"),
    ("can I buy it as a powder", "FormsIntent"),
    ("is it a capsule or powder", "FormsIntent"),
    ("should I drink extra water with it", "HydrationIntent"),
    ("how much water do I need", "HydrationIntent"),
    ("give me a quick summary", "SummaryIntent"),
    ("sum it all up for me", "SummaryIntent"),
    ("whats the bottom line", "SummaryIntent"),
    ("yes please", "AMAZON.YesIntent"),
    ("nah", "AMAZON.NoIntent"),
    ("could you say that again", "AMAZON.RepeatIntent"),
    ("helpp", "AMAZON.HelpIntent"),
]


@pytest.mark.parametrize(("said", "expected"), PARAPHRASES)
def test_paraphrases_and_typos_reach_the_intended_question(said: str, expected: str) -> None:
    heard = resolve(said)
    assert heard.intent == expected, heard
    assert heard.score >= FUZZY_THRESHOLD


@pytest.mark.parametrize(
    ("said", "benefit"),
    [
        ("does it help me sleep better", "sleep_quality"),
        ("can it help with my anxiety", "stress_anxiety"),
        ("how does it help my muscles relax", "muscle_relaxation"),
        ("how does it help with sleeep", "sleep_quality"),
    ],
)
def test_a_paraphrased_benefit_question_still_names_the_benefit(said: str, benefit: str) -> None:
    heard = resolve(said)
    assert heard.intent == "BenefitDetailIntent"
    assert heard.slot_id("benefit") == benefit
    assert heard.slots["benefit"].status == MATCH


@pytest.mark.parametrize(
    "said",
    [
        "what's the weather",
        "play some music",
        "order a pizza",
        "set an alarm for seven",
        "tell me a joke",
        "who won the football game",
        "turn off the lights",
        "call my mom",
        "what is the capital of france",
        "add milk to my shopping list",
        "read me the news",
        "how do i bake bread",
        "book a taxi",
        "",
    ],
)
def test_off_topic_requests_fall_back(said: str) -> None:
    heard = resolve(said)
    assert heard.intent == FALLBACK_INTENT
    assert heard.slots == {}


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("help", "AMAZON.HelpIntent"),
        ("what can I say?", "AMAZON.HelpIntent"),
        ("Stop.", "AMAZON.StopIntent"),
        ("cancel", "AMAZON.CancelIntent"),
        ("never mind", "AMAZON.CancelIntent"),
        ("yes", "AMAZON.YesIntent"),
        ("Yeah!", "AMAZON.YesIntent"),
        ("no", "AMAZON.NoIntent"),
        ("nope", "AMAZON.NoIntent"),
        ("tell me more", "AMAZON.MoreIntent"),
        ("more", "AMAZON.MoreIntent"),
        ("go on", "AMAZON.MoreIntent"),
        ("repeat", "AMAZON.RepeatIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("go home", "AMAZON.NavigateHomeIntent"),
    ],
)
def test_built_in_phrases_reach_the_built_in_intents(said: str, expected: str) -> None:
    heard = resolve(said)
    assert (heard.intent, heard.score) == (expected, 100)


def test_the_console_knows_every_phrase_the_model_reserves_for_built_ins() -> None:
    assert set(BUILT_IN_SAMPLES) <= set(BUILT_IN_INTENTS)
    assert set(BUILT_IN_INTENTS) - set(BUILT_IN_SAMPLES) == {FALLBACK_INTENT}
    for phrase in BUILT_IN_PHRASES:
        assert resolve(phrase).intent in BUILT_IN_SAMPLES, phrase


def test_an_unknown_benefit_is_heard_but_does_not_resolve() -> None:
    heard = resolve("how does it help with headaches")
    assert heard.intent == "BenefitDetailIntent"
    benefit = heard.slots["benefit"]
    assert (benefit.value, benefit.id, benefit.status) == ("headaches", None, NO_MATCH)


def test_a_benefit_synonym_resolves_to_its_value() -> None:
    heard = resolve("tell me about insomnia")
    benefit = heard.slots["benefit"]
    assert (benefit.value, benefit.id, benefit.resolved_name) == (
        "insomnia",
        "sleep_quality",
        "sleep quality",
    )
    assert benefit.status == MATCH
    assert heard.dialog_state == "STARTED"


def test_british_spelling_resolves_only_where_the_model_has_it() -> None:
    assert resolve("does it support nerve signalling", "en-GB").slot_id("benefit") == (
        "nerve_function"
    )
    assert resolve("nerve signalling benefits", "en-GB").sample == "{benefit} benefits"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("ask bedtime magnesium when to take it", "TimingIntent"),
        ("Alexa, ask Bedtime Magnesium: when should I take it?", "TimingIntent"),
        ("tell bedtime magnesium to give me a summary", "SummaryIntent"),
        ("ask bedtime magnesium about the dosage", "DosageIntent"),
        ("ask bedtime magnesium for the short version", "SummaryIntent"),
        ("ask bedtime magnesium to summarize the article", "SummaryIntent"),
        ("ask bedtime magnesium if it is safe", "SafetyIntent"),
        ("ask bedtime magnesium about sleep", "BenefitDetailIntent"),
        ("how much to take using bedtime magnesium", "DosageIntent"),
    ],
)
def test_a_question_with_the_invocation_name_is_a_one_shot(said: str, expected: str) -> None:
    heard = resolve(said)
    assert heard.intent == expected
    assert heard.new_session


@pytest.mark.parametrize(
    "said",
    [
        "open bedtime magnesium",
        "Alexa, launch Bedtime Magnesium!",
        "start bedtime magnesium",
        "ask bedtime magnesium",
    ],
)
def test_opening_the_skill_is_a_launch(said: str) -> None:
    heard = resolve(said)
    assert heard.request_type == LAUNCH_REQUEST
    assert heard.is_launch and heard.new_session
    assert heard.intent is None


def test_inside_a_session_a_question_is_not_a_new_session() -> None:
    assert not resolve("when should I take it").new_session


def test_after_which_benefit_a_bare_answer_fills_the_slot() -> None:
    heard = resolve("sleep", eliciting=BENEFIT)
    assert heard.intent == "BenefitDetailIntent"
    assert heard.slot_id("benefit") == "sleep_quality"
    assert heard.dialog_state == "IN_PROGRESS"
    assert heard.sample == "{benefit}"


@pytest.mark.parametrize(
    ("said", "benefit"),
    [("the muscle one", "muscle_relaxation"), ("stress please", "stress_anxiety")],
)
def test_after_which_benefit_the_slot_samples_fill_it(said: str, benefit: str) -> None:
    assert resolve(said, eliciting=BENEFIT).slot_id("benefit") == benefit


@pytest.mark.parametrize(
    ("said", "expected"),
    [("stop", "AMAZON.StopIntent"), ("no", "AMAZON.NoIntent"), ("when to take it", "TimingIntent")],
)
def test_after_which_benefit_other_requests_still_work(said: str, expected: str) -> None:
    assert resolve(said, eliciting=BENEFIT).intent == expected


def test_after_which_benefit_anything_else_is_an_unresolved_benefit() -> None:
    heard = resolve("headaches", eliciting=BENEFIT)
    assert heard.intent == "BenefitDetailIntent"
    assert heard.slots["benefit"].status == NO_MATCH


@pytest.mark.parametrize(
    ("typed", "heard"),
    [
        ("What's the DOSE?", "what is the dose"),
        ("Is 400mg too much?!", "is four hundred milligrams too much"),
        ("I\u2019m on   medication.", "i am on medication"),
        ("ok, sure", "okay sure"),
        ("magnesium-glycinate & sleep", "magnesium glycinate and sleep"),
    ],
)
def test_typed_text_is_normalised_like_speech(typed: str, heard: str) -> None:
    assert normalise(typed) == heard


def test_the_model_is_compiled_once_per_locale() -> None:
    assert compiled_model("en-GB") is compiled_model("en-GB")
    assert compiled_model("en-GB") is not compiled_model("en-US")


def test_an_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        resolve("when to take it", "fr-FR")
