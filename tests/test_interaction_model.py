"""The interaction model: committed files match the source, and the source obeys Alexa's rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from skill.content import load_content
from skill.dev.model import build, source
from testing import ROOT

REPO_ROOT = ROOT
PACKAGE_DIR = REPO_ROOT / "interaction_model"

REQUIRED_INTENTS = {
    "WhatIsIntent",
    "WhyGlycinateIntent",
    "BenefitsIntent",
    "BenefitDetailIntent",
    "FormsIntent",
    "DosageIntent",
    "TimingIntent",
    "HydrationIntent",
    "SafetyIntent",
    "SummaryIntent",
}
REQUIRED_BUILT_INS = {
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
}
BENEFIT_IDS = {"muscle_relaxation", "sleep_quality", "stress_anxiety", "nerve_function"}
MIN_SAMPLES = 20  # the floor; the model carries 25+ per intent
MAX_WORDS = 15
WORD = r"(?:[a-z]+(?:'[a-z]+)?|\{[A-Za-z_]+\})"
SAMPLE_RE = re.compile(rf"^{WORD}(?: {WORD})*$")
SLOT_RE = re.compile(r"\{([A-Za-z_]+)\}")
ASK_PREFIX = f"alexa, ask {source.INVOCATION_NAME} "
LAUNCH_PHRASE = f"alexa, open {source.INVOCATION_NAME}"

ALL_SAMPLES = [(i.name, s) for i in source.CUSTOM_INTENTS for s in i.samples]


def _language_model(locale: str) -> dict[str, Any]:
    model: dict[str, Any] = build.build_interaction_model(locale)["interactionModel"]
    language: dict[str, Any] = model["languageModel"]
    return language


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --- committed files ---------------------------------------------------------------


@pytest.mark.parametrize("locale", source.LOCALES)
def test_committed_model_matches_generated(locale: str) -> None:
    path = PACKAGE_DIR / "interactionModels" / "custom" / f"{locale}.json"
    expected = build.render_json(build.build_interaction_model(locale))
    assert path.read_text(encoding="utf-8") == expected, f"stale: run `{build.COMMAND}`"


def test_nothing_stale_in_repo() -> None:
    assert build.stale_interaction_models(PACKAGE_DIR) == []
    assert build.main(["--check"]) == 0


def test_the_intent_topic_map_is_generated_from_the_topic_keys(tmp_path: Path) -> None:
    """Adding a topic is answers.json + a `topic:` in intents.yaml + `make model`."""
    assert build.stale_intent_topics() == []
    topics = build.intent_topics()
    assert topics == {i.name: i.topic for i in source.SOURCE.intents if i.topic}
    assert set(topics.values()) <= set(load_content().answers)
    hand_edited = tmp_path / "intent_topics.json"
    hand_edited.write_text(build.render_json({**topics, "OrderPizzaIntent": "timing"}))
    assert build.stale_intent_topics(hand_edited) == [hand_edited]


def test_default_root_is_the_repo_package() -> None:
    assert build.DEFAULT_ROOT == PACKAGE_DIR
    assert build.REPO_ROOT == REPO_ROOT
    assert build.model_path(PACKAGE_DIR, "en-GB") == (
        PACKAGE_DIR / "interactionModels" / "custom" / "en-GB.json"
    )


def test_write_then_check_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(build.stale_interaction_models(tmp_path)) == len(source.LOCALES) + 1
    assert build.main(["--check", "--root", str(tmp_path)]) == 1
    assert "stale:" in capsys.readouterr().err

    written = build.write_interaction_models(tmp_path)
    assert written == [
        *(build.model_path(tmp_path, loc) for loc in source.LOCALES),
        tmp_path / "skill.json",
    ]
    assert build.stale_interaction_models(tmp_path) == []
    assert build.main(["--check", "--root", str(tmp_path)]) == 0
    text = written[0].read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '\n  "interactionModel"' in text  # two-space indent

    written[1].write_text(text.replace("bedtime magnesium", "bedtime", 1), encoding="utf-8")
    assert build.stale_interaction_models(tmp_path) == [written[1]]
    assert build.main(["--root", str(tmp_path)]) == 0
    assert build.stale_interaction_models(tmp_path) == []


def test_endpoint_added_by_ask_deploy_is_not_drift(tmp_path: Path) -> None:
    build.write_interaction_models(tmp_path)
    skill_json = tmp_path / "skill.json"
    deployed = _load(skill_json)
    endpoint = {"uri": "arn:aws:lambda:us-east-1:123456789012:function:bedtime"}
    deployed["manifest"]["apis"]["custom"]["endpoint"] = endpoint
    skill_json.write_text(json.dumps(deployed), encoding="utf-8")  # ASK CLI's own formatting
    assert build.stale_interaction_models(tmp_path) == []
    build.write_interaction_models(tmp_path)
    assert _load(skill_json)["manifest"]["apis"]["custom"]["endpoint"] == endpoint

    deployed["manifest"]["manifestVersion"] = "2.0"
    skill_json.write_text(json.dumps(deployed), encoding="utf-8")
    assert build.stale_interaction_models(tmp_path) == [skill_json]


def test_unknown_locale_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        build.build_interaction_model("fr-FR")
    with pytest.raises(ValueError, match="unknown locale"):
        build.model_path(PACKAGE_DIR, "en")


# --- the source files ----------------------------------------------------------------


def _edited_source(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of intents.yaml with one exact edit, for the loader to refuse."""
    text = source.INTENTS_PATH.read_text(encoding="utf-8")
    assert old in text, old
    edited = tmp_path / "intents.yaml"
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edited


def test_source_files_load_as_committed() -> None:
    assert source.load() == source.SOURCE
    assert source.SOURCE.manifest.name == "Bedtime Magnesium"
    assert source.MODEL_DIR == REPO_ROOT / "skill" / "dev" / "model"


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("    topic: what_is\n    slots:", "    topic: what_is\n    slot:", "keys"),
        ('      - "yes"\n', "      - yes\n", "quote words"),
        ("      - what's in it\n", "      - 400\n", "expected text"),
        ("  en-GB:\n    BenefitType:", "  en-XX:\n    BenefitType:", "keys"),
        ("      nerve_function: [nerve signalling]", "      nerves: [nerve signalling]", "id"),
        ("built_in_intents:\n  AMAZON.HelpIntent:", "built_in_intents:\n  HelpIntent:", "AMAZON"),
        ("locale_samples:\n  en-GB:", "locale_samples:\n  en-XX:", "keys"),
        ("locale_samples:\n  en-GB:\n", "locale_samples:\n  en-AU: {}\n  en-GB:\n", "twice"),
        ("    EveryNightIntent:\n", "    NoSuchIntent:\n", "an intent"),
        ("invocation_name: bedtime magnesium", "invocation_name: [bedtime", "intents.yaml"),
    ],
)
def test_source_of_the_wrong_shape_is_refused(
    tmp_path: Path, old: str, new: str, complaint: str
) -> None:
    """A typo in the YAML stops the build with where it is, never a smaller model."""
    with pytest.raises(source.ModelSourceError, match=complaint):
        source.load(_edited_source(tmp_path, old, new))


def test_manifest_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    text = source.MANIFEST_PATH.read_text(encoding="utf-8")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text.replace("containsAds: false", "containsAds: no way"), encoding="utf-8")
    with pytest.raises(source.ModelSourceError, match="containsAds"):
        source.load(manifest=manifest)


# --- model structure ---------------------------------------------------------------


def test_intent_names_and_locales() -> None:
    assert source.LOCALES == ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
    assert source.INVOCATION_NAME == "bedtime magnesium"
    assert {i.name for i in source.CUSTOM_INTENTS} >= REQUIRED_INTENTS
    assert set(source.BUILT_IN_INTENTS) == REQUIRED_BUILT_INS


@pytest.mark.parametrize("locale", source.LOCALES)
def test_every_model_has_custom_and_built_in_intents(locale: str) -> None:
    model = _language_model(locale)
    assert model["invocationName"] == "bedtime magnesium"
    assert model["modelConfiguration"] == {"fallbackIntentSensitivity": {"level": "LOW"}}
    intents = {intent["name"]: intent for intent in model["intents"]}
    assert len(intents) == len(model["intents"])
    assert set(intents) == {i.name for i in source.CUSTOM_INTENTS} | REQUIRED_BUILT_INS
    assert set(intents) >= REQUIRED_INTENTS
    for name in REQUIRED_BUILT_INS:
        samples = build.locale_samples(name, source.BUILT_IN_MODEL_SAMPLES[name], locale)
        assert intents[name] == {"name": name, "samples": samples}
    # Bedtime closers end the session on a real device, in every locale (issue 9).
    for closer in (
        "goodnight",
        "i'm going to sleep",
        "that's all thanks",
        "thank you",
        "good night then",
        "sweet dreams",
        "night night",
        "okay thank you",
        "nothing else",
        "that's it for tonight",
        "that's all for tonight",
        "thanks that's it",
        "cheers night",
    ):
        assert closer in intents["AMAZON.StopIntent"]["samples"]
    assert "never mind" in intents["AMAZON.CancelIntent"]["samples"]
    for intent in source.CUSTOM_INTENTS:
        assert intents[intent.name]["samples"]


def test_locales_differ_only_by_declared_synonyms_and_samples() -> None:
    base = _language_model("en-US")
    assert "en-US" not in source.LOCALE_SAMPLES, "en-US is the reference model"
    for locale in source.LOCALES:
        model = _language_model(locale)
        own = source.LOCALE_SAMPLES.get(locale, {})
        for intent, base_intent in zip(model["intents"], base["intents"], strict=True):
            extra = [s for s in own.get(intent["name"], ()) if s not in base_intent["samples"]]
            assert intent["samples"] == base_intent["samples"] + extra
            assert {k: v for k, v in intent.items() if k != "samples"} == {
                k: v for k, v in base_intent.items() if k != "samples"
            }
        assert model["invocationName"] == base["invocationName"]
        extras = source.LOCALE_SYNONYMS.get(locale, {})
        for slot_type, base_type in zip(model["types"], base["types"], strict=True):
            for value, base_value in zip(slot_type["values"], base_type["values"], strict=True):
                added = list(extras.get((slot_type["name"], value["id"]), ()))
                assert value["name"]["synonyms"] == base_value["name"]["synonyms"] + added


SAMPLE_BUDGET = 1892
"""Samples per locale before issue 17 (padded copies included): the model may not grow."""


@pytest.mark.parametrize("locale", source.LOCALES)
def test_each_locale_stays_within_the_sample_budget_and_alexa_limits(locale: str) -> None:
    model = build.build_interaction_model(locale)
    language = model["interactionModel"]["languageModel"]
    samples = sum(len(intent["samples"]) for intent in language["intents"])
    elicited = sum(
        len(slot.get("samples", ()))
        for intent in language["intents"]
        for slot in intent.get("slots", ())
    )
    assert samples + elicited <= SAMPLE_BUDGET
    # Alexa's documented limits: 250 intents, 100 custom slot types, 1.5 MB of model JSON.
    assert len(language["intents"]) <= 250
    assert len(language["types"]) <= 100
    assert len(build.render_json(model).encode()) < 1_500_000


def test_templates_expand_to_every_option() -> None:
    assert source.expand("[can|should] i take it [tonight|]") == (
        "can i take it tonight",
        "can i take it",
        "should i take it tonight",
        "should i take it",
    )
    assert source.expand("plain sample") == ("plain sample",)
    assert source.expand_all(("a [b|]", "a")) == ("a b", "a")


def test_locale_synonyms_refer_to_real_values() -> None:
    values = {(t.name, v.id) for t in source.SLOT_TYPES for v in t.values}
    for locale, extras in source.LOCALE_SYNONYMS.items():
        assert locale in source.LOCALES
        assert set(extras) <= values


# --- samples -------------------------------------------------------------------------


@pytest.mark.parametrize("intent", source.CUSTOM_INTENTS, ids=lambda i: i.name)
def test_enough_samples(intent: source.Intent) -> None:
    assert len(intent.samples) >= MIN_SAMPLES


def test_samples_unique_across_all_intents() -> None:
    built_in = [s for samples in source.BUILT_IN_MODEL_SAMPLES.values() for s in samples]
    counts = Counter(
        source.normalise_sample(sample) for sample in [*(s for _, s in ALL_SAMPLES), *built_in]
    )
    duplicates = {sample: n for sample, n in counts.items() if n > 1}
    assert duplicates == {}


def test_sample_text_is_valid() -> None:
    """Every sample, checked at once: the offenders are listed together."""
    offenders = [
        f"{intent}: {sample!r}"
        for intent, sample in ALL_SAMPLES
        if not SAMPLE_RE.fullmatch(sample)
        or sample != source.normalise_sample(sample)
        or len(sample.split()) > MAX_WORDS
    ]
    assert offenders == []


def _takes_a_built_in_phrase(intent: str, sample: str) -> bool:
    if source.normalise_sample(sample) in source.BUILT_IN_PHRASES:
        return True
    # "more" in a dose question must reach its honest answer, never AMAZON.MoreIntent.
    dose = intent == "ExtraDoseIntent" or (
        intent in {"TooMuchIntent", "HealthConcernIntent"}
        and re.search(r"\b(take|took) more\b", sample)
    )
    return "more" in sample.split() and not dose  # "more" belongs to AMAZON.MoreIntent


def test_samples_leave_built_in_phrases_alone() -> None:
    offenders = [
        f"{intent}: {sample!r}"
        for intent, sample in ALL_SAMPLES
        if _takes_a_built_in_phrase(intent, sample)
    ]
    assert offenders == []


def test_the_sample_checks_can_fail() -> None:
    assert not SAMPLE_RE.fullmatch("What's This?")
    assert _takes_a_built_in_phrase("WhatIsIntent", "help")
    assert _takes_a_built_in_phrase("WhatIsIntent", "tell me more about it")
    assert not _takes_a_built_in_phrase("TooMuchIntent", "i took more than i should")


def test_built_in_phrases_cover_the_obvious() -> None:
    for phrase in ("help", "stop", "repeat that", "tell me more", "yes", "no", "start over"):
        assert phrase in source.BUILT_IN_PHRASES


@pytest.mark.parametrize("intent", source.CUSTOM_INTENTS, ids=lambda i: i.name)
def test_slots_are_declared_used_and_typed(intent: source.Intent) -> None:
    declared = {slot.name for slot in intent.slots}
    assert len(declared) == len(intent.slots)
    used = {name for sample in intent.samples for name in SLOT_RE.findall(sample)}
    assert used <= declared, f"undeclared slots {used - declared}"
    assert declared <= used, f"slots never sampled {declared - used}"
    custom_types = {t.name for t in source.SLOT_TYPES}
    for slot in intent.slots:
        assert slot.type in custom_types or slot.type.startswith("AMAZON.")
    for sample in intent.samples:
        assert SLOT_RE.sub("", sample).strip(), f"slot-only sample {sample!r} swallows everything"


@pytest.mark.parametrize("locale", source.LOCALES)
def test_no_slot_value_turns_a_sample_into_another(locale: str) -> None:
    """Alexa's utterance-conflict check: a filled-in slot sample must not equal another sample."""
    model = _language_model(locale)
    phrases = {
        t["name"]: [p for v in t["values"] for p in (v["name"]["value"], *v["name"]["synonyms"])]
        for t in model["types"]
    }
    owner = {source.normalise_sample(s): i["name"] for i in model["intents"] for s in i["samples"]}
    for intent in model["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent["samples"]:
            for name in SLOT_RE.findall(sample):
                for phrase in phrases.get(types[name], []):
                    filled = source.normalise_sample(sample.replace(f"{{{name}}}", phrase))
                    assert owner.get(filled, intent["name"]) == intent["name"], (
                        f"{intent['name']} {sample!r} with {phrase!r} is {owner[filled]}'s"
                    )


def test_benefit_slot() -> None:
    detail = next(i for i in source.CUSTOM_INTENTS if i.name == "BenefitDetailIntent")
    assert [(slot.name, slot.type) for slot in detail.slots] == [("benefit", "BenefitType")]
    assert source.BENEFIT_TYPE == "BenefitType"
    benefit_type = next(t for t in source.SLOT_TYPES if t.name == "BenefitType")
    assert {v.id for v in benefit_type.values} == BENEFIT_IDS


@pytest.mark.parametrize("locale", source.LOCALES)
def test_elicited_slots_are_in_the_dialog_model(locale: str) -> None:
    """The skill asks "which benefit?" with Dialog.ElicitSlot, which needs a dialog model."""
    model = build.build_interaction_model(locale)["interactionModel"]
    dialog = {intent["name"]: intent for intent in model["dialog"]["intents"]}
    assert model["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"
    for intent in model["languageModel"]["intents"]:
        for slot in intent.get("slots", []):
            if "samples" not in slot:
                continue
            assert slot["samples"], slot
            for sample in slot["samples"]:
                assert f"{{{slot['name']}}}" in sample
                assert re.fullmatch(r"[a-z' ]*(\{[a-z]+\}[a-z' ]*)+", sample), sample
            dialog_slots = {s["name"]: s for s in dialog[intent["name"]]["slots"]}
            assert dialog_slots[slot["name"]]["type"] == slot["type"]
    assert "BenefitDetailIntent" in dialog


@pytest.mark.parametrize("locale", source.LOCALES)
def test_slot_type_values_unique(locale: str) -> None:
    types = _language_model(locale)["types"]
    assert len({t["name"] for t in types}) == len(types)
    for slot_type in types:
        ids = [value["id"] for value in slot_type["values"]]
        assert len(set(ids)) == len(ids)
        phrases = [
            source.normalise_sample(phrase)
            for value in slot_type["values"]
            for phrase in (value["name"]["value"], *value["name"]["synonyms"])
        ]
        repeated = {p: n for p, n in Counter(phrases).items() if n > 1}
        assert repeated == {}, f"{slot_type['name']} repeats {repeated}"
        for phrase in phrases:
            assert SAMPLE_RE.fullmatch(phrase) and "{" not in phrase
        for value in slot_type["values"]:
            assert len(value["name"]["synonyms"]) >= 3


# --- skill.json ----------------------------------------------------------------------


def _sample_patterns() -> list[re.Pattern[str]]:
    """Each sample as a regex; custom slots match their values and synonyms."""
    values = {
        t.name: sorted({p for v in t.values for p in (v.name, *v.synonyms)}, key=len, reverse=True)
        for t in source.SLOT_TYPES
    }
    patterns = []
    for intent in source.CUSTOM_INTENTS:
        types = {slot.name: slot.type for slot in intent.slots}
        for sample in intent.samples:
            parts = re.split(r"(\{[A-Za-z_]+\})", sample)
            regex = "".join(
                (
                    "(?:" + "|".join(map(re.escape, values[types[p[1:-1]]])) + ")"
                    if types.get(p[1:-1]) in values
                    else ".+"
                )
                if SLOT_RE.fullmatch(p)
                else re.escape(p)
                for p in parts
            )
            patterns.append(re.compile(regex))
    return patterns


def _is_real_utterance(phrase: str, patterns: list[re.Pattern[str]]) -> bool:
    text = " ".join(phrase.lower().rstrip(".?!").split())
    if text == LAUNCH_PHRASE:
        return True
    if not text.startswith(ASK_PREFIX):
        return False
    utterance = text.removeprefix(ASK_PREFIX)
    return any(p.fullmatch(utterance) for p in patterns)


def test_example_phrase_matcher() -> None:
    patterns = _sample_patterns()
    assert _is_real_utterance("Alexa, ask bedtime magnesium how does it help with sleep", patterns)
    assert not _is_real_utterance("Alexa, ask bedtime magnesium how does it help with x", patterns)
    assert not _is_real_utterance("Alexa, ask bedtime magnesium to sing", patterns)
    assert not _is_real_utterance("Alexa, ask other skill when to take it", patterns)


def test_skill_manifest() -> None:
    manifest = _load(PACKAGE_DIR / "skill.json")["manifest"]
    assert manifest["manifestVersion"] == "1.0"
    publishing = manifest["publishingInformation"]
    assert set(publishing["locales"]) == set(source.LOCALES)
    assert publishing["isAvailableWorldwide"] is False
    assert sorted(publishing["distributionCountries"]) == ["AU", "CA", "GB", "IN", "US"]
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    assert publishing["testingInstructions"]
    # No "locales": manifest.yaml's privacy_policy_url is still the placeholder, which the
    # generator leaves out (tests/test_privacy.py: a real one goes into every locale).
    assert manifest["privacyAndCompliance"] == {
        "allowsPurchases": False,
        "usesPersonalInfo": True,  # bedtime, reminder id, visits, topics per user id
        "isChildDirected": False,
        "isExportCompliant": True,
        "containsAds": False,
    }
    assert manifest["apis"] == {"custom": {"interfaces": [{"type": "CAN_FULFILL_INTENT_REQUEST"}]}}
    assert manifest["permissions"] == [{"name": "alexa::alerts:reminders:skill:readwrite"}]
    assert manifest["events"] == {"subscriptions": [{"eventName": "SKILL_DISABLED"}]}
    assert "remind me to take it" in publishing["testingInstructions"]


@pytest.mark.parametrize("locale", source.LOCALES)
def test_skill_manifest_locale(locale: str) -> None:
    info = _load(PACKAGE_DIR / "skill.json")["manifest"]["publishingInformation"]["locales"][locale]
    assert info["name"] == "Bedtime Magnesium"
    assert 0 < len(info["summary"]) <= 160
    assert (
        "general information, not a substitute for professional medical advice"
        in (info["description"])
    )
    # The emergency line, beside the disclaimer (the same paragraph).
    (paragraph,) = [p for p in info["description"].split("\n\n") if "medical advice" in p]
    assert (
        "If you think you may have a medical emergency, call your local emergency number."
        in paragraph
    )
    assert info["keywords"]
    phrases = info["examplePhrases"]
    assert 1 <= len(phrases) <= 3
    patterns = _sample_patterns()
    for phrase in phrases:
        assert _is_real_utterance(phrase, patterns), f"{phrase!r} is not a real sample"


# --- ask-resources.json --------------------------------------------------------------


def test_ask_resources() -> None:
    resources = _load(REPO_ROOT / "ask-resources.json")
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    skill_package = (REPO_ROOT / profile["skillMetadata"]["src"]).resolve()
    assert skill_package == PACKAGE_DIR
    assert (skill_package / "skill.json").is_file()
    assert (skill_package / "interactionModels" / "custom").is_dir()
    # The code folder exists on a fresh clone; hooks/build.sh builds the real bundle.
    assert profile["code"]["default"]["src"] == "./lambda"
    infrastructure = profile["skillInfrastructure"]
    assert infrastructure["type"] == "@ask-cli/cfn-deployer"
    assert infrastructure["userConfig"] == {
        "runtime": "python3.12",
        "handler": "lambda_function.lambda_handler",
        "templatePath": "./infrastructure/cfn-deployer/skill-stack.yaml",
        "awsRegion": "us-east-1",
        # `ask deploy` points the manifest's events endpoint at the Lambda and subscribes.
        "skillEvents": {"subscriptions": ["SKILL_DISABLED"]},
        # The stack's own parameters (tests/test_infrastructure.py, tests/test_privacy.py).
        "cfn": infrastructure["userConfig"]["cfn"],
    }
