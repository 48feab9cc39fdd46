"""Generate the Alexa interaction models and skill.json from the source (intents.yaml,
manifest.yaml), so the five English locales cannot drift apart, and the skill's
intent -> topic map (skill/content/intent_topics.json) from the intents' `topic:`.

    python -m skill.dev.model.build          # write interaction_model/ and the map
    python -m skill.dev.model.build --check  # exit 1 if a committed file is stale
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.dev.model.source import SOURCE, Intent, Slot, SlotType
from skill.dev.placeholders import URL_SETTING, url_problem

REPO_ROOT = Path(__file__).resolve().parents[3]
# The ASK CLI skill package (skillMetadata.src in ask-resources.json).
DEFAULT_ROOT = REPO_ROOT / "interaction_model"
COMMAND = "python -m skill.dev.model.build"
#: What the skill reads at run time: which topic each article-answer intent speaks.
INTENT_TOPICS_PATH = REPO_ROOT / "skill" / "content" / "intent_topics.json"


def _check_locale(locale: str) -> None:
    if locale not in SOURCE.locales:
        expected = ", ".join(SOURCE.locales)
        raise ValueError(f"unknown locale {locale!r}; expected one of {expected}")


def example_phrases() -> list[str]:
    """The skill.json example phrases: the launch phrase, then one-shot questions."""
    name = SOURCE.invocation_name
    asked = (f"Alexa, ask {name} {u}" for u in SOURCE.manifest.example_utterances)
    return [f"Alexa, open {name}", *asked][:3]


def _slot_json(slot: Slot) -> dict[str, Any]:
    declared: dict[str, Any] = {"name": slot.name, "type": slot.type}
    if slot.elicitation_samples:
        declared["samples"] = list(slot.elicitation_samples)
    return declared


def locale_samples(name: str, samples: Sequence[str], locale: str) -> list[str]:
    """An intent's samples in `locale`: the shared ones, then that locale's own."""
    extra = SOURCE.locale_samples.get(locale, {}).get(name, ())
    return list(dict.fromkeys((*samples, *extra)))


def _intent_json(intent: Intent, locale: str) -> dict[str, Any]:
    return {
        "name": intent.name,
        "slots": [_slot_json(slot) for slot in intent.slots],
        "samples": locale_samples(intent.name, intent.samples, locale),
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
            for intent in SOURCE.intents
            if any(slot.elicitation_samples for slot in intent.slots)
        ],
        "delegationStrategy": "SKILL_RESPONSE",
    }


def _type_json(slot_type: SlotType, locale: str) -> dict[str, Any]:
    extra = SOURCE.locale_synonyms.get(locale, {})
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
                "invocationName": SOURCE.invocation_name,
                "modelConfiguration": {
                    "fallbackIntentSensitivity": {"level": SOURCE.fallback_sensitivity}
                },
                "intents": [
                    *(_intent_json(intent, locale) for intent in SOURCE.intents),
                    *(
                        {
                            "name": name,
                            "samples": locale_samples(
                                name, SOURCE.built_in_model_samples[name], locale
                            ),
                        }
                        for name in SOURCE.built_in_samples
                    ),
                ],
                "types": [_type_json(slot_type, locale) for slot_type in SOURCE.slot_types],
            },
            "dialog": _dialog_json(),
        }
    }


def privacy_locales(url: str) -> dict[str, dict[str, str]]:
    """privacyAndCompliance.locales: `url` in every locale, or nothing at all while `url`
    is a placeholder (skill.dev.placeholders.url_problem). `ask deploy` uploads the skill
    package before its build hook can refuse, so a placeholder must never be in skill.json:
    without an address the deploy refuses instead (or, with SKILL_PRIVACY_URL_PENDING=1,
    uploads no address)."""
    if url_problem(url) is not None:
        return {}
    return {locale: {"privacyPolicyUrl": url} for locale in SOURCE.locales}


def build_skill_manifest() -> dict[str, Any]:
    """skill.json without `apis.custom.endpoint`, which `ask deploy` fills in, and without
    a privacy policy address while manifest.yaml's is a placeholder (privacy_locales)."""
    text = SOURCE.manifest
    privacy: dict[str, Any] = dict(text.privacy_and_compliance)
    locales = privacy_locales(text.privacy_policy_url)
    if locales:
        privacy["locales"] = locales
    locale_info = {
        "name": text.name,
        "summary": text.summary,
        "description": text.description,
        "examplePhrases": example_phrases(),
        "keywords": list(text.keywords),
        "smallIconUri": text.small_icon_uri,
        "largeIconUri": text.large_icon_uri,
    }
    return {
        "manifest": {
            "publishingInformation": {
                "locales": {locale: copy.deepcopy(locale_info) for locale in SOURCE.locales},
                "isAvailableWorldwide": False,
                "distributionCountries": [locale.split("-")[1] for locale in SOURCE.locales],
                "testingInstructions": text.testing_instructions,
                "category": text.category,
            },
            "privacyAndCompliance": privacy,
            "apis": {"custom": {"interfaces": [{"type": kind} for kind in text.interfaces]}},
            "permissions": [{"name": name} for name in text.permissions],
            "events": {"subscriptions": [{"eventName": name} for name in text.event_subscriptions]},
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


def _deployed_events_endpoint(existing: Any) -> Any:
    """The events endpoint `ask deploy` wrote (skillEvents in ask-resources.json), if any."""
    if not isinstance(existing, dict):
        return None
    events = existing.get("manifest", {}).get("events", {})
    return events.get("endpoint") if isinstance(events, dict) else None


def _manifest_for(root: Path) -> dict[str, Any]:
    manifest = build_skill_manifest()
    existing = _read_json(manifest_path(root))
    endpoint = _deployed_endpoint(existing)
    if endpoint is not None:
        custom = manifest["manifest"]["apis"]["custom"]
        manifest["manifest"]["apis"]["custom"] = {"endpoint": endpoint, **custom}
    events_endpoint = _deployed_events_endpoint(existing)
    if events_endpoint is not None:
        events = manifest["manifest"]["events"]
        manifest["manifest"]["events"] = {"endpoint": events_endpoint, **events}
    return manifest


def intent_topics() -> dict[str, str]:
    """Each article-answer intent and the topic it speaks, in the model's order."""
    return {intent.name: intent.topic for intent in SOURCE.intents if intent.topic}


def stale_intent_topics(path: Path = INTENT_TOPICS_PATH) -> list[Path]:
    """[path] if the committed intent -> topic map differs from the source, else []."""
    try:
        actual = path.read_text(encoding="utf-8")
    except OSError:
        actual = None
    return [] if actual == render_json(intent_topics()) else [path]


def write_interaction_models(root: Path = DEFAULT_ROOT) -> list[Path]:
    """Write every locale's model and skill.json under `root`; return the paths written."""
    written: list[Path] = []
    for locale in SOURCE.locales:
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
    """Generated files under `root` that are missing or differ from the source.

    Models must match byte for byte; skill.json is compared as JSON, ignoring the
    endpoint `ask deploy` adds, because the ASK CLI rewrites that file itself.
    """
    stale: list[Path] = []
    for locale in SOURCE.locales:
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
        prog=COMMAND,
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
        stale = [*stale_interaction_models(root), *stale_intent_topics()]
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print(f"regenerate with: {COMMAND}", file=sys.stderr)
            return 1
        print(f"up to date: {root}")
        return 0
    for path in write_interaction_models(root):
        print(f"wrote {path}")
    url = SOURCE.manifest.privacy_policy_url
    problem = url_problem(url)
    if problem is not None:
        print(
            f"note: skill.json has no privacyPolicyUrl: {url} is {problem}. The deploy "
            f"refuses until you set {URL_SETTING} to your published policy's address "
            'and run this again (README, "Deploying to AWS Lambda").',
            file=sys.stderr,
        )
    INTENT_TOPICS_PATH.write_text(render_json(intent_topics()), encoding="utf-8")
    print(f"wrote {INTENT_TOPICS_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
