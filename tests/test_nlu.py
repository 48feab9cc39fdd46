"""Typed text resolves the way Alexa would resolve the same words, from the deployed model."""

from __future__ import annotations

from typing import Any

import pytest

from skill.dev.console.fuzzy import FUZZY_THRESHOLD
from skill.dev.console.nlu import (
    AMAZON_TIME,
    BUILT_IN_SAMPLES,
    FALLBACK_INTENT,
    LAUNCH_REQUEST,
    MATCH,
    NO_MATCH,
    Resolution,
    compiled_model,
    resolve,
)
from skill.dev.console.times import EXAMPLES, find_time, is_value, parse_time
from skill.dev.console.words import normalise
from skill.dev.model.build import build_interaction_model
from skill.dev.model.measure import Reading, label_of
from skill.dev.model.source import BUILT_IN_INTENTS, BUILT_IN_PHRASES, LOCALES
from skill.names import Slot

BENEFIT = ("BenefitDetailIntent", "benefit")
BEDTIME = ("SetReminderIntent", "bedtime")

# What a person may say for an AMAZON.TIME slot, and the value Alexa sends for it.
TIMES = [
    ("nine thirty pm", "21:30"),
    ("ten", "22:00"),
    ("10:30 pm", "22:30"),
    ("half past ten", "22:30"),
    ("quarter to eleven", "22:45"),
    ("eleven o'clock", "23:00"),
    ("21:15", "21:15"),
    ("midnight", "00:00"),
    ("tonight", "NI"),
]

CARRIER_SLOTS = frozenset({Slot.LEAD.value, Slot.TAIL.value})


def _custom_intents(locale: str) -> list[dict[str, Any]]:
    language = build_interaction_model(locale)["interactionModel"]["languageModel"]
    return [intent for intent in language["intents"] if intent["samples"]]


def _spoken_values(locale: str, type_name: str) -> list[tuple[str, str]]:
    """(what a person says, what the skill gets) for every value name and synonym of a
    custom type (the value id), or for a few spoken times (the AMAZON.TIME value)."""
    if type_name == AMAZON_TIME:
        return TIMES
    if type_name == "AMAZON.NUMBER":
        return [("four hundred", "400"), ("eight hundred", "800"), ("2", "2")]
    language = build_interaction_model(locale)["interactionModel"]["languageModel"]
    (kind,) = [kind for kind in language["types"] if kind["name"] == type_name]
    return [
        (said, value["id"])
        for value in kind["values"]
        for said in (value["name"]["value"], *value["name"]["synonyms"])
    ]


def _got(heard: Resolution, slot: str) -> str | None:
    """What the skill learns from a slot: the resolved id, or an AMAZON.TIME value."""
    match = heard.slots.get(slot)
    if match is None:
        return None
    return match.value if match.type in (AMAZON_TIME, "AMAZON.NUMBER") else match.id


CASES = [(locale, intent["name"]) for locale in LOCALES for intent in _custom_intents(locale)]


@pytest.mark.parametrize(("locale", "intent_name"), CASES)
def test_every_sample_of_the_model_resolves_to_its_own_intent(
    locale: str, intent_name: str
) -> None:
    (intent,) = [i for i in _custom_intents(locale) if i["name"] == intent_name]
    slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
    wrong: list[tuple[object, ...]] = []
    for sample in intent["samples"]:
        slots = [name for name in slot_types if f"{{{name}}}" in sample]
        if not slots:
            heard = resolve(sample, locale)
            if heard.intent != intent_name or heard.score != 100:
                wrong.append((sample, heard.intent))
            continue
        # Every value of the first slot; any other slot filled with its first value.
        slot, *rest = slots
        filler = {name: _spoken_values(locale, slot_types[name])[0] for name in rest}
        for said, expected in _spoken_values(locale, slot_types[slot]):
            text = sample.replace(f"{{{slot}}}", said)
            for name, (other, _) in filler.items():
                text = text.replace(f"{{{name}}}", other)
            heard = resolve(text, locale)
            others = {name: _got(heard, name) for name in rest}
            unfilled = [m.value for n, m in heard.slots.items() if n not in slots and m.value]
            # A carrier slot ({lead}, {tail}) is ignored by the runtime: "please cancel the
            # reminder" may match the literal twin instead, the intent is what counts.
            carrier = slot in CARRIER_SLOTS and _got(heard, slot) is None
            if (
                heard.intent != intent_name
                or (_got(heard, slot) != expected and not carrier)
                or others != {name: value for name, (_, value) in filler.items()}
                or unfilled
            ):
                wrong.append((text, heard.intent, _got(heard, slot), others))
    assert wrong == []


def _elicited_slots(locale: str) -> list[tuple[str, str, str]]:
    """(intent, slot, slot type) for every slot with elicitation samples."""
    return [
        (intent["name"], slot["name"], slot["type"])
        for intent in _custom_intents(locale)
        for slot in intent.get("slots", [])
        if slot.get("samples")
    ]


def test_the_elicited_slots_are_the_benefit_and_the_bedtime() -> None:
    for locale in LOCALES:
        assert [(i, s) for i, s, _ in _elicited_slots(locale)] == [BENEFIT, BEDTIME]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_slot_elicitation_sample_fills_the_slot(locale: str) -> None:
    wrong = []
    for intent_name, slot, slot_type in _elicited_slots(locale):
        for template in compiled_model(locale).elicitation[(intent_name, slot)]:
            for said, expected in _spoken_values(locale, slot_type):
                text = template.sample.replace(f"{{{slot}}}", said)
                heard = resolve(text, locale, eliciting=(intent_name, slot))
                if (heard.intent, _got(heard, slot), heard.dialog_state) != (
                    intent_name,
                    expected,
                    "IN_PROGRESS",
                ):
                    wrong.append((text, heard.intent, _got(heard, slot), heard.dialog_state))
    assert wrong == []


PARAPHRASES = [
    # How people really ask at bedtime: half asleep, typing on a phone.
    ("when shuld i take it", "TimingIntent"),
    ("What time should I take magnesium?", "TimingIntent"),
    ("should I take it right before I go to sleep", "TimingIntent"),
    ("how long before bed do I take it", "TimingIntent"),
    ("how soon does it kick in", "HowSoonIntent"),
    ("what's the best time of day to take magnesium", "TimingIntent"),
    ("do i take it in the morning or at night", "TimingIntent"),
    ("should i take it at ten pm", "TimingIntent"),  # a time, but no reminder
    ("how many milligrams", "DosageIntent"),
    ("how much magnesium glycinate do I need", "DosageIntent"),
    ("whats the right dosage", "DosageIntent"),
    ("how many mg a day", "DosageIntent"),
    ("Is 400mg too much?", "AmountIntent"),  # a specific amount: compared with the article
    ("how much shoud i tkae", "DosageIntent"),
    ("how many capsules do i take", "DosageIntent"),
    ("is it ok with my pills", "InteractionsIntent"),  # pills: other medicines
    ("can i take it with my meds", "InteractionsIntent"),
    ("can I take it with my blood pressure medication", "InteractionsIntent"),
    ("is it safe to take it every single night", "EveryNightIntent"),
    ("are there any side effects?", "SideEffectsIntent"),
    ("do I need to check with my doctor", "SafetyIntent"),
    ("is it safe for pregnant women", "PregnancyIntent"),
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
    ("whisper please", "QuietVoiceIntent"),
    ("can you talk a bit more quietly", "QuietVoiceIntent"),
    ("speak normally", "NormalVoiceIntent"),
    ("please speak a bit louder", "NormalVoiceIntent"),
    ("forget about me", "ForgetMeIntent"),
    ("forget everything you know about me", "ForgetMeIntent"),
    ("remind me to take it at nine thirty pm", "SetReminderIntent"),
    ("please remind me at 8:15 pm", "SetReminderIntent"),
    ("can you set up a nightly reminder", "SetReminderIntent"),
    ("when's my reminder", "ReminderStatusIntent"),
    ("what time is my reminder set for", "ReminderStatusIntent"),
    ("cancel my reminder", "CancelReminderIntent"),
    ("please turn off my bedtime reminder", "CancelReminderIntent"),
    ("stop reminding me every night", "CancelReminderIntent"),
]


@pytest.mark.parametrize(("said", "expected"), PARAPHRASES)
def test_paraphrases_and_typos_reach_the_intended_question(said: str, expected: str) -> None:
    """The intended answer: that intent, or one whose slot resolves to the same answer
    ("will it stop my leg cramps" is TopicIntent with the topic how_it_helps)."""
    heard = resolve(said)
    slots = {name: match.id or match.value for name, match in heard.slots.items() if match.value}
    got = label_of(Reading(str(heard.intent), slots, True))
    wanted = label_of(Reading(expected, {}, True))
    assert heard.intent == expected or (got is not None and got == wanted), heard
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
    ("said", "slot", "value"),
    [
        ("remind me to take it at nine thirty pm", "time", "21:30"),
        ("remind me at 9pm", "time", "21:00"),
        ("please remind me at 8:15 pm", "time", "20:15"),
        ("can you set my reminder for quarter to ten", "time", "21:45"),
        ("could you remind me to take my magnesium at ten thirty", "time", "22:30"),
        ("i want a reminder at nine forty five", "time", "21:45"),
        ("i go to bed at ten thirty", "bedtime", "22:30"),
    ],
)
def test_a_time_in_a_reminder_request_fills_the_time_slot(said: str, slot: str, value: str) -> None:
    heard = resolve(said)
    assert heard.intent == "SetReminderIntent"
    assert heard.slots[slot].value == value
    assert heard.slots[slot].status is None  # AMAZON.TIME: no entity resolution
    other = "bedtime" if slot == "time" else "time"
    assert heard.slots[other].value is None
    assert heard.dialog_state == "STARTED"


def test_a_reminder_request_without_a_time_leaves_the_slots_empty() -> None:
    # "night" is the sample's own word, not an AMAZON.TIME value.
    heard = resolve("remind me every single night")
    assert heard.intent == "SetReminderIntent"
    assert [slot.value for slot in heard.slots.values()] == [None, None]


def test_a_time_slot_sends_alexas_value_and_keeps_the_words() -> None:
    time = resolve("remind me at half past nine").slots["time"]
    assert (time.value, time.heard, time.type, time.understood) == (
        "21:30",
        "half past nine",
        AMAZON_TIME,
        True,
    )


def test_words_that_are_no_time_are_sent_as_they_are() -> None:
    heard = resolve("remind me at banana o'clock")
    assert heard.intent == "SetReminderIntent"
    time = heard.slots["time"]
    assert (time.value, time.understood) == ("banana oclock", False)


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
        "turn on the lights",
        "switch off the tv",
        "turn off my alarm",
        "set a timer for ten minutes",
        "wake me up at seven",
        "remind me to buy milk",
        "set an alarm for 7:30",
        "call my mom at 5:30",
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
    heard = resolve("does it support insomnia")
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
    ("said", "bedtime", "sample"),
    [
        ("i go to bed at ten thirty", "22:30", "i go to bed at {bedtime}"),
        ("ten thirty", "22:30", "{bedtime}"),
        ("10:30", "22:30", "{bedtime}"),
        ("11pm", "23:00", "{bedtime}"),
        ("around eleven", "23:00", "around {bedtime}"),
        ("my bedtime is 22:30", "22:30", "my bedtime is {bedtime}"),
        ("usually about half past ten", "22:30", "usually {bedtime}"),
        ("midnight", "00:00", "{bedtime}"),
        ("tonight", "NI", "{bedtime}"),
        ("i usually go to bed around ten thirty", "22:30", "i usually go to bed at {bedtime}"),
        ("i'm in bed by eleven", "23:00", "{bedtime}"),
    ],
)
def test_after_what_time_is_bedtime_the_answer_fills_the_bedtime(
    said: str, bedtime: str, sample: str
) -> None:
    heard = resolve(said, eliciting=BEDTIME)
    assert heard.intent == "SetReminderIntent"
    assert heard.slots["bedtime"].value == bedtime
    assert heard.slots["time"].value is None
    assert heard.dialog_state == "IN_PROGRESS"
    assert heard.sample == sample


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("stop", "AMAZON.StopIntent"),
        ("cancel", "AMAZON.CancelIntent"),
        ("no", "AMAZON.NoIntent"),
        ("when to take it", "TimingIntent"),
        ("cancel my reminder", "CancelReminderIntent"),
    ],
)
def test_after_what_time_is_bedtime_other_requests_still_work(said: str, expected: str) -> None:
    assert resolve(said, eliciting=BEDTIME).intent == expected


def test_after_what_time_is_bedtime_anything_else_is_sent_as_said() -> None:
    # Alexa fills the slot with what it heard; the skill finds no time in it and asks again.
    heard = resolve("whenever i feel tired", eliciting=BEDTIME)
    assert heard.intent == "SetReminderIntent"
    bedtime = heard.slots["bedtime"]
    assert (bedtime.value, bedtime.understood) == ("whenever i feel tired", False)


# --- AMAZON.TIME ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "value"),
    [
        # Clock times, with and without am/pm; typed digits are spelled out first.
        ("9:30", "21:30"),
        ("9:30 pm", "21:30"),
        ("9:30pm", "21:30"),
        ("9:30 a.m.", "09:30"),
        ("9.30pm", "21:30"),
        ("nine thirty", "21:30"),
        ("nine thirty pm", "21:30"),
        ("nine thirty p m", "21:30"),
        ("ten oh five", "22:05"),
        ("10:05", "22:05"),
        ("ten fifteen", "22:15"),
        ("nine forty five", "21:45"),
        ("twenty one thirty", "21:30"),
        ("21:30", "21:30"),
        ("23:59", "23:59"),
        ("0:30", "00:30"),
        # Hours.
        ("ten", "22:00"),
        ("10 pm", "22:00"),
        ("10pm", "22:00"),
        ("ten o'clock", "22:00"),
        ("10:00", "22:00"),
        ("ten o clock at night", "22:00"),
        ("eleven tonight", "23:00"),
        ("seven in the morning", "07:00"),
        ("seven am", "07:00"),
        ("three in the afternoon", "15:00"),
        ("eight in the evening", "20:00"),
        ("twenty one hundred", "21:00"),
        ("21:00", "21:00"),
        ("twenty one hundred hours", "21:00"),
        ("oh nine hundred", "09:00"),
        # Past and to.
        ("half past nine", "21:30"),
        ("half past nine pm", "21:30"),
        ("quarter past ten", "22:15"),
        ("a quarter past ten", "22:15"),
        ("quarter after ten", "22:15"),
        ("quarter to eleven", "22:45"),
        ("a quarter to eleven", "22:45"),
        ("quarter of eleven", "22:45"),
        ("twenty to eleven", "22:40"),
        ("twenty five to eleven", "22:35"),
        ("ten minutes past ten", "22:10"),
        ("half ten", "22:30"),
        ("nine and a half", "21:30"),
        # Noon and midnight.
        ("noon", "12:00"),
        ("midday", "12:00"),
        ("twelve noon", "12:00"),
        ("midnight", "00:00"),
        ("twelve midnight", "00:00"),
        ("quarter to midnight", "23:45"),
        ("half past noon", "12:30"),
        ("twelve pm", "12:00"),
        ("twelve am", "00:00"),
        # Around the time.
        ("at ten", "22:00"),
        ("around ten thirty", "22:30"),
        ("about eleven pm", "23:00"),
        ("ten thirty or so", "22:30"),
        # The parts of the day: Alexa's special values.
        ("tonight", "NI"),
        ("night", "NI"),
        ("at night", "NI"),
        ("evening", "EV"),
        ("this evening", "EV"),
        ("in the evening", "EV"),
        ("morning", "MO"),
        ("in the morning", "MO"),
        ("afternoon", "AF"),
        ("this afternoon", "AF"),
    ],
)
def test_spoken_times_become_alexas_time_values(said: str, value: str) -> None:
    assert parse_time(normalise(said)) == value
    assert is_value(value)


@pytest.mark.parametrize(
    ("said", "value"),
    [
        # No am/pm: a bedtime skill reads 5 to 11 as the evening...
        ("five", "17:00"),
        ("eight thirty", "20:30"),
        ("eleven", "23:00"),
        # ...twelve as midnight, and 1 to 4 as the small hours that follow.
        ("twelve", "00:00"),
        ("twelve thirty", "00:30"),
        ("quarter to one", "00:45"),
        ("one", "01:00"),
        ("four", "04:00"),
        # Said outright, am and pm win.
        ("eleven am", "11:00"),
        ("one pm", "13:00"),
        ("quarter to one pm", "12:45"),
        ("two at night", "02:00"),
        ("twelve at night", "00:00"),
    ],
)
def test_an_hour_without_am_or_pm_is_read_as_bedtime_would_be(said: str, value: str) -> None:
    assert parse_time(normalise(said)) == value


@pytest.mark.parametrize(
    "said",
    [
        "",
        "banana",
        "whenever i feel tired",
        "thirty",
        "twenty one am",
        "forty past ten",
        "half to ten",
        "ten ten ten",
        "twenty five hundred",
        "13:30 am",
    ],
)
def test_words_that_are_no_time_have_no_time_value(said: str) -> None:
    assert parse_time(normalise(said)) is None


def test_a_time_is_found_among_other_words() -> None:
    words = normalise("please remind me every night at 9:30 pm").split()
    found = find_time(words)
    assert found is not None and words[found] == ["nine", "thirty", "pm"]
    # A vague time counts, unless it is only the sample's own words.
    words = normalise("remind me every night").split()
    found = find_time(words)
    assert found is not None and words[found] == ["night"]
    assert find_time(words, exclude=frozenset(words)) is None
    assert find_time(normalise("how does it help with sleep").split()) is None


def test_the_fuzzy_examples_are_times() -> None:
    assert all(is_value(parse_time(example)) for example in EXAMPLES)


@pytest.mark.parametrize(
    ("typed", "heard"),
    [
        ("What's the DOSE?", "what is the dose"),
        ("Is 400mg too much?!", "is four hundred milligrams too much"),
        ("I\u2019m on   medication.", "i am on medication"),
        ("ok, sure", "okay sure"),
        ("magnesium-glycinate & sleep", "magnesium glycinate and sleep"),
        ("remind me at 9:30pm", "remind me at nine thirty pm"),
        ("21:00", "twenty one hundred"),
        ("10:05 p.m.", "ten oh five p m"),
        ("9.30 am", "nine thirty am"),
        ("1.5 mg", "one point five milligrams"),
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
