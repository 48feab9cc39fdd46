"""The Alexa interaction model and skill manifest, generated from this one source.

Every locale's model (and skill.json) is built from the data below, so the five English
locales cannot drift apart. To add an intent, add one `Intent` to `CUSTOM_INTENTS` and
regenerate:

    python -m skill.interaction_model          # write interaction_model/
    python -m skill.interaction_model --check  # exit 1 if the committed files are stale
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INVOCATION_NAME = "bedtime magnesium"
SKILL_NAME = "Bedtime Magnesium"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")

REPO_ROOT = Path(__file__).resolve().parent.parent
# The ASK CLI skill package (skillMetadata.src in ask-resources.json).
DEFAULT_ROOT = REPO_ROOT / "interaction_model"
# Icons in the skill package (drawn by tools/make_icons.py). `ask deploy` uploads the
# whole package when skill.json names `file://` icons, and Alexa resolves them from it.
SMALL_ICON_URI = "file://assets/images/icon-108.png"
LARGE_ICON_URI = "file://assets/images/icon-512.png"


@dataclass(frozen=True)
class Slot:
    """A slot on an intent; `type` names a `SLOT_TYPES` entry or an AMAZON.* type.

    `elicitation_samples` are what a person may answer when the skill asks for
    this slot (Dialog.ElicitSlot); a slot that has them joins the dialog model.
    """

    name: str
    type: str
    elicitation_samples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    """A custom intent: lowercase samples, no punctuation, numbers spelled out."""

    name: str
    samples: tuple[str, ...]
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class SlotValue:
    """One slot value; `id` is what handlers see after entity resolution."""

    id: str
    name: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlotType:
    """A custom slot type and its values."""

    name: str
    values: tuple[SlotValue, ...]


BENEFIT_TYPE = "BenefitType"

SLOT_TYPES: tuple[SlotType, ...] = (
    SlotType(
        BENEFIT_TYPE,
        (
            SlotValue(
                "muscle_relaxation",
                "muscle relaxation",
                (
                    "muscles",
                    "muscle",
                    "relaxing my muscles",
                    "relaxing muscles",
                    "relaxing the muscles",
                    "muscle tension",
                    "tense muscles",
                    "tight muscles",
                    "muscle tightness",
                    "muscle spasms",
                    "muscle contractions",
                    "relaxation",
                ),
            ),
            SlotValue(
                "sleep_quality",
                "sleep quality",
                (
                    "sleep",
                    "sleeping",
                    "sleeping better",
                    "sleep better",
                    "better sleep",
                    "quality of sleep",
                    "restful sleep",
                    "falling asleep",
                    "staying asleep",
                    "insomnia",
                    "rest",
                ),
            ),
            SlotValue(
                "stress_anxiety",
                "stress and anxiety",
                (
                    "stress",
                    "anxiety",
                    "mood",
                    "my mood",
                    "worry",
                    "worrying",
                    "feeling anxious",
                    "feeling stressed",
                    "stress levels",
                    "calm",
                    "feeling calm",
                ),
            ),
            SlotValue(
                "nerve_function",
                "nerve function",
                (
                    "nerves",
                    "nerve",
                    "nerve health",
                    "nerve signals",
                    "nerve signaling",
                    "nervous system",
                    "healthy nerves",
                    "my nerves",
                ),
            ),
        ),
    ),
)

# The only per-locale differences: extra synonyms, keyed by (slot type, value id).
# British spelling is what ASR is likely to return in these locales.
LOCALE_SYNONYMS: Mapping[str, Mapping[tuple[str, str], tuple[str, ...]]] = {
    "en-GB": {(BENEFIT_TYPE, "nerve_function"): ("nerve signalling",)},
    "en-AU": {(BENEFIT_TYPE, "nerve_function"): ("nerve signalling",)},
    "en-IN": {(BENEFIT_TYPE, "nerve_function"): ("nerve signalling",)},
}

# Answers to "Which would you like to hear about: muscles, sleep, stress, or nerves?"
BENEFIT_SLOT = Slot(
    "benefit",
    BENEFIT_TYPE,
    elicitation_samples=(
        "{benefit}",
        "the {benefit} one",
        "about {benefit}",
        "{benefit} please",
        "tell me about {benefit}",
        "i'd like to hear about {benefit}",
        "the one about {benefit}",
    ),
)

CUSTOM_INTENTS: tuple[Intent, ...] = (
    Intent(
        "WhatIsIntent",
        (
            "what is magnesium glycinate",
            "what's magnesium glycinate",
            "what magnesium glycinate is",
            "what exactly is magnesium glycinate",
            "what is it",
            "what is this supplement",
            "what is this stuff",
            "what's this stuff",
            "what is glycinate",
            "what's glycinate",
            "what is magnesium",
            "what's magnesium",
            "what is glycine",
            "what kind of magnesium is it",
            "what kind of supplement is magnesium glycinate",
            "what kind of supplement is it",
            "tell me what magnesium glycinate is",
            "tell me what it is",
            "explain magnesium glycinate",
            "explain what it is",
            "describe magnesium glycinate",
            "define magnesium glycinate",
            "magnesium glycinate",
            "about magnesium glycinate",
            "what does magnesium glycinate mean",
            "what does glycinate mean",
            "what does chelated mean",
            "what is chelated magnesium",
            "i don't know what magnesium glycinate is",
            "what am i taking",
        ),
    ),
    Intent(
        "WhyGlycinateIntent",
        (
            "why glycinate",
            "why magnesium glycinate",
            "why this form",
            "why this form of magnesium",
            "why the glycinate form",
            "about the glycinate form",
            "why glycinate and not another form",
            "why glycinate instead of other magnesium",
            "why not regular magnesium",
            "why not magnesium oxide",
            "why not magnesium citrate",
            "why choose glycinate",
            "why should i choose glycinate",
            "why pick magnesium glycinate",
            "why does the form matter",
            "what's special about glycinate",
            "what is special about magnesium glycinate",
            "what makes glycinate different",
            "what makes magnesium glycinate better",
            "is glycinate better than other forms",
            "is glycinate better than other magnesium",
            "how is glycinate different from other magnesium",
            "which type of magnesium is best",
            "which kind of magnesium absorbs best",
            "does glycinate absorb better",
            "is it absorbed better",
            "how well is it absorbed",
            "how well does my body absorb it",
            "why is glycinate easier to absorb",
            "what is bioavailability",
            "tell me about bioavailability",
        ),
    ),
    Intent(
        "BenefitsIntent",
        (
            "how does it help with leg cramps",
            "how does magnesium glycinate help with leg cramps",
            "how does magnesium help leg cramps",
            "how does it help",
            "how it helps",
            "how it helps with leg cramps",
            "how can it help with night cramps",
            "does it help with leg cramps",
            "does magnesium help with cramps",
            "will it help my leg cramps",
            "will it fix my leg cramps",
            "can it help my night cramps",
            "what are the benefits",
            "what are the benefits of magnesium glycinate",
            "benefits",
            "the benefits",
            "about the benefits",
            "give me an overview of the benefits",
            "benefits for leg cramps",
            "what does it do",
            "what does magnesium glycinate do",
            "what does it do for cramps",
            "what is it good for",
            "what's it good for",
            "why does it help with cramps",
            "how does it work",
            "how does magnesium glycinate work",
            "how does it prevent cramps at night",
            "does it work for leg cramps",
            "does it really work",
            "is it good for leg cramps",
            "i get leg cramps at night",
            "my legs cramp at night",
            "i keep waking up with leg cramps",
            "what can it do for me",
        ),
    ),
    Intent(
        "BenefitDetailIntent",
        (
            "how does it help with {benefit}",
            "how does it help my {benefit}",
            "how does magnesium glycinate help with {benefit}",
            "how does magnesium help with {benefit}",
            "does it help with {benefit}",
            "does magnesium glycinate help with {benefit}",
            "can it help with {benefit}",
            "will it help with {benefit}",
            "tell me about {benefit}",
            "tell me about the {benefit} benefit",
            "about {benefit}",
            "what about {benefit}",
            "how about {benefit}",
            "what does it do for {benefit}",
            "what does it do for my {benefit}",
            "is it good for {benefit}",
            "is magnesium glycinate good for {benefit}",
            "how does it improve {benefit}",
            "does it improve {benefit}",
            "does it support {benefit}",
            "how does it support {benefit}",
            "how does it affect {benefit}",
            "the {benefit} benefit",
            "explain the {benefit} benefit",
            "{benefit} benefits",
            "benefits for {benefit}",
            "{benefit} please",
            "the {benefit} one",
            "i want to hear about {benefit}",
            "i'd like to hear about {benefit}",
            "what's the link between magnesium and {benefit}",
            "what is the connection between magnesium and {benefit}",
        ),
        (BENEFIT_SLOT,),
    ),
    Intent(
        "FormsIntent",
        (
            "what forms does it come in",
            "what forms does magnesium glycinate come in",
            "what forms are there",
            "what forms can i get",
            "what form should i buy",
            "what does it come in",
            "how does it come",
            "how is it sold",
            "the forms",
            "about the forms",
            "forms",
            "capsules",
            "powder",
            "powders",
            "tablets",
            "pills",
            "capsules powders and tablets",
            "capsules or tablets",
            "capsules or powder",
            "should i take capsules or powder",
            "should i get capsules or tablets",
            "does it come in capsules",
            "does it come in tablets",
            "does it come as a powder",
            "is there a powder",
            "is there a powder version",
            "can i get it as a powder",
            "can i get it in pill form",
            "is it a pill",
            "is it a pill or a powder",
            "which form is easiest to take",
        ),
    ),
    Intent(
        "DosageIntent",
        (
            "how much",
            "how much to take",
            "how much should i take",
            "how much do i take",
            "how much of it should i take",
            "how much magnesium glycinate should i take",
            "how much magnesium should i take",
            "how much magnesium",
            "how much glycinate",
            "how much a day",
            "how much per day",
            "how much is too much",
            "how many milligrams",
            "how many milligrams should i take",
            "how many milligrams of magnesium glycinate",
            "how many pills should i take",
            "how many capsules should i take",
            "dose",
            "dosage",
            "the dose",
            "the dosage",
            "about the dose",
            "about the dosage",
            "daily dose",
            "what dose",
            "what dose should i take",
            "what's the dose",
            "what is the dose",
            "what's the dosage",
            "what is the right dose",
            "what's a typical dose",
            "the recommended dose",
            "what is the recommended dosage",
            "milligrams",
            "is four hundred milligrams too much",
            "is two hundred milligrams enough",
            "can i take four hundred milligrams",
        ),
    ),
    Intent(
        "TimingIntent",
        (
            "when to take it",
            "when to take magnesium glycinate",
            "when should i take it",
            "when should i take magnesium glycinate",
            "when do i take it",
            "when is the best time to take it",
            "what's the best time to take it",
            "best time to take it",
            "best time to take magnesium glycinate",
            "what time should i take it",
            "what time of day",
            "timing",
            "the timing",
            "about the timing",
            "about timing",
            "before bed",
            "take it before bed",
            "should i take it before bed",
            "should i take it at night",
            "should i take it at bedtime",
            "should i take it in the morning",
            "can i take it in the morning",
            "can i take it right before bed",
            "morning or night",
            "is night the best time",
            "how long before bed should i take it",
            "how long before bedtime",
            "how early before bed",
            "when does it kick in",
            "how long does it take to kick in",
            "how long does it take to work",
            "how soon does it work",
        ),
    ),
    Intent(
        "HydrationIntent",
        (
            "water",
            "hydration",
            "about hydration",
            "about water",
            "what about water",
            "what about hydration",
            "tell me about hydration",
            "how much water",
            "how much water should i drink",
            "how much should i drink",
            "how much fluid should i drink",
            "should i drink water",
            "should i drink extra water",
            "do i need to drink water",
            "do i need water with it",
            "do i need to stay hydrated",
            "should i stay hydrated",
            "stay hydrated",
            "staying hydrated",
            "drinking water",
            "does hydration matter",
            "why does hydration matter",
            "why is hydration important",
            "is hydration important",
            "how important is water",
            "should i take it with water",
            "do i take it with water",
            "can i take it with water",
            "does water help",
            "does water help it absorb",
            "how does water help",
        ),
    ),
    Intent(
        "SafetyIntent",
        (
            "is it safe",
            "is magnesium glycinate safe",
            "is it safe for me",
            "is it safe to take every night",
            "is it safe to take every day",
            "is it dangerous",
            "can i take too much",
            "safety",
            "about safety",
            "warnings",
            "side effects",
            "what are the side effects",
            "are there side effects",
            "does it have side effects",
            "any side effects",
            "interactions",
            "drug interactions",
            "what about interactions",
            "does it interact with anything",
            "does it interact with my medications",
            "can i take it with my medication",
            "can i take it with my medications",
            "can i take it with other medicines",
            "i'm on medication",
            "i take other medications",
            "should i ask my doctor",
            "should i talk to my doctor",
            "should i check with my doctor first",
            "do i need to see a doctor",
            "should i ask a pharmacist",
            "i have a health condition",
            "is it okay with my health condition",
            "is it safe while pregnant",
            "can i take it if i'm pregnant",
            "is it safe for kids",
            "can my child take it",
        ),
    ),
    Intent(
        "SummaryIntent",
        (
            "summary",
            "a summary",
            "the summary",
            "give me a summary",
            "summarize",
            "summarize it",
            "summarize the article",
            "sum it up",
            "sum up",
            "sum it all up",
            "short version",
            "the short version",
            "give me the short version",
            "the quick version",
            "the gist",
            "what's the gist",
            "give me the gist",
            "bottom line",
            "the bottom line",
            "what's the bottom line",
            "the main points",
            "what are the main points",
            "key points",
            "what are the key points",
            "in a nutshell",
            "give me a quick overview",
            "what's the article about",
            "what is the article about",
            "the takeaways",
            "what do i need to know",
            "tell me everything quickly",
        ),
    ),
    Intent(
        "QuietVoiceIntent",
        (
            "whisper",
            "whisper to me",
            "please whisper",
            "can you whisper",
            "start whispering",
            "speak quietly",
            "speak a little quieter",
            "speak softer",
            "speak softly",
            "talk quietly",
            "talk softer",
            "talk softly",
            "use a quiet voice",
            "use your quiet voice",
            "quiet voice please",
            "be quieter",
            "lower your voice",
            "use a softer voice",
            "speak in a whisper",
            "talk in a whisper",
            "can you speak quietly",
            "could you talk softly",
            "my partner is asleep",
            "keep your voice down",
        ),
    ),
    Intent(
        "NormalVoiceIntent",
        (
            "speak normally",
            "talk normally",
            "use your normal voice",
            "normal voice",
            "normal voice please",
            "stop whispering",
            "don't whisper",
            "quit whispering",
            "speak up",
            "speak louder",
            "talk louder",
            "use your regular voice",
            "regular voice",
            "go back to your normal voice",
            "back to normal voice",
            "you can speak normally",
            "i can't hear you",
            "louder please",
            "be louder",
            "switch to your normal voice",
            "stop speaking quietly",
        ),
    ),
    Intent(
        "ForgetMeIntent",
        (
            "forget me",
            "forget about me",
            "please forget me",
            "forget everything about me",
            "forget what you know about me",
            "forget my bedtime",
            "delete my data",
            "delete my information",
            "delete everything you know about me",
            "erase my data",
            "erase my information",
            "clear my data",
            "clear my history",
            "remove my data",
            "reset my data",
            "reset everything about me",
            "don't remember me",
            "stop remembering me",
            "wipe my data",
            "delete what you remember",
            "forget my history",
        ),
    ),
    Intent(
        "SetReminderIntent",
        (
            "remind me to take it",
            "remind me to take magnesium",
            "remind me to take my magnesium",
            "remind me to take magnesium glycinate",
            "remind me every night",
            "remind me before bed",
            "remind me before bedtime",
            "set a reminder",
            "set a bedtime reminder",
            "set a nightly reminder",
            "set a reminder to take it",
            "set up a reminder",
            "create a reminder",
            "i want a reminder",
            "can you remind me",
            "can you remind me to take it",
            "give me a reminder every night",
            "nightly reminder",
            "bedtime reminder",
            "remind me at {time}",
            "remind me to take it at {time}",
            "set a reminder for {time}",
            "set a reminder at {time}",
            "set my reminder for {time}",
            "remind me every night at {time}",
            "i go to bed at {bedtime} remind me",
            "remind me before my bedtime at {bedtime}",
            "set a reminder my bedtime is {bedtime}",
        ),
        (
            Slot("time", "AMAZON.TIME"),
            Slot(
                "bedtime",
                "AMAZON.TIME",
                elicitation_samples=(
                    "{bedtime}",
                    "at {bedtime}",
                    "around {bedtime}",
                    "about {bedtime}",
                    "usually {bedtime}",
                    "i go to bed at {bedtime}",
                    "i usually go to bed at {bedtime}",
                    "my bedtime is {bedtime}",
                    "bedtime is {bedtime}",
                ),
            ),
        ),
    ),
    Intent(
        "ReminderStatusIntent",
        (
            "when is my reminder",
            "what time is my reminder",
            "when's my reminder",
            "do i have a reminder",
            "is my reminder set",
            "is there a reminder",
            "what reminder do i have",
            "check my reminder",
            "tell me my reminder",
            "when will you remind me",
            "what time will you remind me",
            "when do you remind me",
            "when is my bedtime reminder",
            "what time is my bedtime reminder",
            "did you set my reminder",
            "is my bedtime reminder on",
            "what is my reminder time",
            "my reminder time",
            "reminder status",
            "have i got a reminder",
            "what time did i set my reminder for",
        ),
    ),
    Intent(
        "CancelReminderIntent",
        (
            "cancel my reminder",
            "cancel the reminder",
            "cancel my bedtime reminder",
            "delete my reminder",
            "delete the reminder",
            "remove my reminder",
            "remove the reminder",
            "turn off my reminder",
            "turn off the reminder",
            "stop reminding me",
            "stop the reminders",
            "stop my reminder",
            "i don't want the reminder",
            "i don't want a reminder anymore",
            "i don't need reminders",
            "get rid of my reminder",
            "clear my reminder",
            "switch off my reminder",
            "disable my reminder",
            "cancel the nightly reminder",
            "don't remind me anymore",
        ),
    ),
)

# Alexa supplies these intents' samples; ours stay empty.
BUILT_IN_INTENTS: tuple[str, ...] = (
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.MoreIntent",
    "AMAZON.StartOverIntent",
)

# Phrases the built-ins above answer; a custom sample equal to one would steal it.
# Custom samples also avoid the word "more", which belongs to AMAZON.MoreIntent.
BUILT_IN_PHRASES: frozenset[str] = frozenset(
    {
        "help",
        "help me",
        "can you help me",
        "what can i say",
        "what can i ask",
        "what can you do",
        "stop",
        "off",
        "shut up",
        "quiet",
        "cancel",
        "never mind",
        "nevermind",
        "forget it",
        "exit",
        "quit",
        "goodbye",
        "bye",
        "go home",
        "home",
        "repeat",
        "repeat that",
        "say that again",
        "again",
        "what was that",
        "come again",
        "yes",
        "yeah",
        "yep",
        "sure",
        "okay",
        "ok",
        "please do",
        "no",
        "nope",
        "no thanks",
        "more",
        "tell me more",
        "more please",
        "go on",
        "keep going",
        "continue",
        "what else",
        "next",
        "start over",
        "restart",
        "start again",
        "begin again",
    }
)

FALLBACK_SENSITIVITY = "LOW"

# skill.json: publishing text shared by every locale.
DISCLAIMER = "general information, not a substitute for professional medical advice"
SUMMARY = "Short, calm bedtime answers about magnesium glycinate for night leg cramps."
DESCRIPTION = (
    "Bedtime Magnesium answers short bedtime questions about one article on magnesium "
    "glycinate for leg cramps at night: what it is, why the glycinate form, how it may help "
    "with muscles, sleep, stress and nerves, the forms it comes in, the typical dosage, when "
    "to take it before bed, hydration, and a short summary. Ask one question and get one "
    "short answer, or open the skill and keep asking.\n\n"
    f"Everything the skill says is {DISCLAIMER}. Always consult a healthcare professional "
    "before starting any new supplement, especially if you have a health condition or take "
    "other medications."
)
# Utterance parts must be samples in CUSTOM_INTENTS (tests check); at most three.
EXAMPLE_UTTERANCES: tuple[str, ...] = ("when to take it", "how much to take")
KEYWORDS: tuple[str, ...] = (
    "magnesium",
    "magnesium glycinate",
    "leg cramps",
    "night cramps",
    "muscle cramps",
    "sleep",
    "bedtime",
    "supplement",
)
CATEGORY = "HEALTH_AND_FITNESS"
TESTING_INSTRUCTIONS = (
    "No account linking, purchases or personal information. Say 'Alexa, open bedtime "
    "magnesium', then ask 'when to take it', 'how much to take', 'how does it help with "
    "sleep', 'is it safe' or 'give me a summary'. One-shot questions also work: 'Alexa, ask "
    "bedtime magnesium when to take it'. Answers come only from one article about magnesium "
    "glycinate for night leg cramps; safety and medication questions are referred to a "
    "healthcare professional."
)


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")


def normalise_sample(sample: str) -> str:
    """Lowercase with single spaces: how Alexa compares samples for duplicates."""
    return " ".join(sample.lower().split())


def example_phrases() -> list[str]:
    """The skill.json example phrases: the launch phrase, then one-shot questions."""
    launch = f"Alexa, open {INVOCATION_NAME}"
    return [launch, *(f"Alexa, ask {INVOCATION_NAME} {u}" for u in EXAMPLE_UTTERANCES)][:3]


def _slot_json(slot: Slot) -> dict[str, Any]:
    declared: dict[str, Any] = {"name": slot.name, "type": slot.type}
    if slot.elicitation_samples:
        declared["samples"] = list(slot.elicitation_samples)
    return declared


def _intent_json(intent: Intent) -> dict[str, Any]:
    return {
        "name": intent.name,
        "slots": [_slot_json(slot) for slot in intent.slots],
        "samples": list(intent.samples),
    }


def _dialog_json() -> dict[str, Any]:
    """The dialog model: intents whose slots the skill elicits itself (SKILL_RESPONSE)."""
    return {
        "intents": [
            {
                "name": intent.name,
                "confirmationRequired": False,
                "prompts": {},
                "slots": [
                    {
                        "name": slot.name,
                        "type": slot.type,
                        "confirmationRequired": False,
                        "elicitationRequired": False,
                        "prompts": {},
                    }
                    for slot in intent.slots
                ],
            }
            for intent in CUSTOM_INTENTS
            if any(slot.elicitation_samples for slot in intent.slots)
        ],
        "delegationStrategy": "SKILL_RESPONSE",
    }


def _type_json(slot_type: SlotType, locale: str) -> dict[str, Any]:
    extra = LOCALE_SYNONYMS.get(locale, {})
    return {
        "name": slot_type.name,
        "values": [
            {
                "id": value.id,
                "name": {
                    "value": value.name,
                    "synonyms": [*value.synonyms, *extra.get((slot_type.name, value.id), ())],
                },
            }
            for value in slot_type.values
        ],
    }


def build_interaction_model(locale: str) -> dict[str, Any]:
    """The full ASK interaction model JSON for one locale."""
    _check_locale(locale)
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": INVOCATION_NAME,
                "modelConfiguration": {
                    "fallbackIntentSensitivity": {"level": FALLBACK_SENSITIVITY}
                },
                "intents": [
                    *(_intent_json(intent) for intent in CUSTOM_INTENTS),
                    *({"name": name, "samples": []} for name in BUILT_IN_INTENTS),
                ],
                "types": [_type_json(slot_type, locale) for slot_type in SLOT_TYPES],
            },
            "dialog": _dialog_json(),
        }
    }


def build_skill_manifest() -> dict[str, Any]:
    """skill.json without `apis.custom.endpoint`, which `ask deploy` fills in."""
    locale_info = {
        "name": SKILL_NAME,
        "summary": SUMMARY,
        "description": DESCRIPTION,
        "examplePhrases": example_phrases(),
        "keywords": list(KEYWORDS),
        "smallIconUri": SMALL_ICON_URI,
        "largeIconUri": LARGE_ICON_URI,
    }
    return {
        "manifest": {
            "publishingInformation": {
                "locales": {locale: copy.deepcopy(locale_info) for locale in LOCALES},
                "isAvailableWorldwide": False,
                "distributionCountries": [locale.split("-")[1] for locale in LOCALES],
                "testingInstructions": TESTING_INSTRUCTIONS,
                "category": CATEGORY,
            },
            "privacyAndCompliance": {
                "allowsPurchases": False,
                "usesPersonalInfo": False,
                "isChildDirected": False,
                "isExportCompliant": True,
                "containsAds": False,
            },
            "apis": {"custom": {"interfaces": []}},
            # The nightly reminder (Alexa Reminders API); asked for by voice.
            "permissions": [{"name": "alexa::alerts:reminders:skill:readwrite"}],
            "manifestVersion": "1.0",
        }
    }


def model_path(root: Path, locale: str) -> Path:
    """Where the ASK CLI skill package keeps one locale's custom model."""
    _check_locale(locale)
    return root / "interactionModels" / "custom" / f"{locale}.json"


def manifest_path(root: Path) -> Path:
    """The skill package manifest."""
    return root / "skill.json"


def render_json(data: Mapping[str, Any]) -> str:
    """Pretty JSON as committed: 2-space indent, insertion order, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _deployed_endpoint(existing: Any) -> Any:
    """The endpoint `ask deploy` wrote into skill.json, if any, so regeneration keeps it."""
    if not isinstance(existing, dict):
        return None
    custom = existing.get("manifest", {}).get("apis", {}).get("custom", {})
    return custom.get("endpoint") if isinstance(custom, dict) else None


def _manifest_for(root: Path) -> dict[str, Any]:
    manifest = build_skill_manifest()
    endpoint = _deployed_endpoint(_read_json(manifest_path(root)))
    if endpoint is not None:
        custom = manifest["manifest"]["apis"]["custom"]
        manifest["manifest"]["apis"]["custom"] = {"endpoint": endpoint, **custom}
    return manifest


def write_interaction_models(root: Path = DEFAULT_ROOT) -> list[Path]:
    """Write every locale's model and skill.json under `root`; return the paths written."""
    written: list[Path] = []
    for locale in LOCALES:
        path = model_path(root, locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_json(build_interaction_model(locale)), encoding="utf-8")
        written.append(path)
    path = manifest_path(root)
    manifest = _manifest_for(root)
    path.write_text(render_json(manifest), encoding="utf-8")
    written.append(path)
    return written


def stale_interaction_models(root: Path = DEFAULT_ROOT) -> list[Path]:
    """Generated files under `root` that are missing or differ from this source.

    Models must match byte for byte; skill.json is compared as JSON, ignoring the
    endpoint `ask deploy` adds, because the ASK CLI rewrites that file itself.
    """
    stale: list[Path] = []
    for locale in LOCALES:
        path = model_path(root, locale)
        expected = render_json(build_interaction_model(locale))
        try:
            actual = path.read_text(encoding="utf-8")
        except OSError:
            actual = None
        if actual != expected:
            stale.append(path)
    path = manifest_path(root)
    if _read_json(path) != _manifest_for(root):
        stale.append(path)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """Write the generated skill package files, or with --check list stale ones."""
    parser = argparse.ArgumentParser(
        prog="python -m skill.interaction_model",
        description="Generate the Alexa interaction models and skill.json from one source.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    parser.add_argument(
        "--root", type=Path, default=DEFAULT_ROOT, help="skill package directory to use"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.check:
        stale = stale_interaction_models(root)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("regenerate with: python -m skill.interaction_model", file=sys.stderr)
            return 1
        print(f"up to date: {root}")
        return 0
    for path in write_interaction_models(root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
