"""The interaction model and the handlers agree, both ways, in every locale."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import request_handlers
from skill.content import load_content
from skill.dev.model import build, source
from skill.handlers.answers import ANSWER_FOR_INTENT
from skill.handlers.base import IntentHandler
from skill.names import Benefit, Intent, Slot
from testing.envelopes import intent, slot
from testing.talk import Conversation, Turn, invoke

PROMPTS = load_content().prompts
HANDLED_INTENTS = frozenset().union(
    *(h.intent_names for h in request_handlers() if isinstance(h, IntentHandler))
)


def model_intents(locale: str) -> dict[str, list[str]]:
    """Intent name -> slot names, read from the committed model file for a locale."""
    path = build.model_path(build.DEFAULT_ROOT, locale)
    model = json.loads(path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    return {i["name"]: [s["name"] for s in i.get("slots", [])] for i in model["intents"]}


@pytest.mark.parametrize("locale", source.LOCALES)
def test_every_model_intent_has_a_handler(locale: str) -> None:
    assert set(model_intents(locale)) - HANDLED_INTENTS == set()


@pytest.mark.parametrize("locale", source.LOCALES)
def test_every_handled_intent_is_in_the_model(locale: str) -> None:
    assert HANDLED_INTENTS - set(model_intents(locale)) == set()


@pytest.mark.parametrize("locale", source.LOCALES)
def test_the_vocabulary_names_every_model_intent_and_slot_and_nothing_else(locale: str) -> None:
    intents = model_intents(locale)
    # Article-answer intents need no name in the vocabulary: their `topic:` routes them.
    assert set(Intent) <= set(intents)
    assert set(intents) - set(Intent) <= set(ANSWER_FOR_INTENT)
    assert {name for slots in intents.values() for name in slots} == set(Slot)


def test_benefit_ids_in_the_model_are_the_vocabulary() -> None:
    (benefit_type,) = [t for t in source.SOURCE.slot_types if t.name == source.BENEFIT_TYPE]
    assert {value.id for value in benefit_type.values} == set(Benefit)


def _assert_handled(turn: Turn, intent_name: str, caplog: pytest.LogCaptureFixture) -> None:
    problems = [r for r in caplog.records if r.name.startswith("skill.handlers.errors")]
    assert not problems, f"{intent_name} reached the exception handlers: {problems}"
    assert turn.speech != PROMPTS.error
    if intent_name != Intent.FALLBACK:
        assert turn.speech != PROMPTS.fallback


@pytest.mark.parametrize("locale", source.LOCALES)
def test_every_model_intent_runs_through_the_real_skill(
    locale: str,
    skill: CustomSkill,
    conversation: Callable[..., Conversation],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for intent_name, slot_names in model_intents(locale).items():
        empty_slots = {name: slot(name) for name in slot_names}
        one_shot = Turn(invoke(skill, intent(intent_name, empty_slots, new=True, locale=locale)))
        _assert_handled(one_shot, intent_name, caplog)

        talk = conversation()
        talk.open()
        in_session = talk.send(intent, intent_name, empty_slots, locale=locale)
        _assert_handled(in_session, intent_name, caplog)
