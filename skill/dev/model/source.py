"""The interaction-model source, intents.yaml and manifest.yaml, loaded and shape-checked.

The generator (`skill.dev.model.build`) and the console (`skill.dev.console`) both read
the model through here. A file that does not have the expected shape (a missing or
misspelt key, a number where text belongs) stops the load with the file and the place,
so a typo never yields a silently smaller model. Alexa's own rules (unique samples,
declared slots, ...) are checked by tests/test_interaction_model.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MODEL_DIR = Path(__file__).resolve().parent
INTENTS_PATH = MODEL_DIR / "intents.yaml"
MANIFEST_PATH = MODEL_DIR / "manifest.yaml"

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, refusing a key given twice in one mapping (YAML would keep the last
    silently: a second `en-GB:` or intent under `locale_samples` would drop the first)."""


def _unique_keys(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_keys)


_CHOICE = re.compile(r"\[([^\[\]]*)\]")


def expand(template: str) -> tuple[str, ...]:
    """Every sample a template stands for: each `[a|b|]` group is one of its options
    (an empty option drops the group), in order, without repeats, single-spaced.

    >>> expand("[can|should] i take it [now|]")
    ('can i take it now', 'can i take it', 'should i take it now', 'should i take it')
    """
    found = _CHOICE.search(template)
    if found is None:
        return (" ".join(template.split()),)
    expanded: list[str] = []
    for option in found.group(1).split("|"):
        expanded.extend(expand(template[: found.start()] + option + template[found.end() :]))
    return tuple(dict.fromkeys(sample for sample in expanded if sample))


def expand_all(templates: tuple[str, ...]) -> tuple[str, ...]:
    """`expand` over a list of templates, keeping the first of any repeat."""
    return tuple(dict.fromkeys(sample for template in templates for sample in expand(template)))


class ModelSourceError(ValueError):
    """A source file is missing, is no YAML, or does not have the expected shape."""


@dataclass(frozen=True)
class Slot:
    """A slot on an intent; `type` names a slot type of the source or an AMAZON.* type.

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
    topic: str | None = None  # the answers.json topic an article-answer intent speaks


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


@dataclass(frozen=True)
class Manifest:
    """skill.json's publishing text, shared by every locale (manifest.yaml)."""

    name: str
    summary: str
    description: str
    example_utterances: tuple[str, ...]
    keywords: tuple[str, ...]
    small_icon_uri: str
    large_icon_uri: str
    category: str
    testing_instructions: str
    privacy_and_compliance: Mapping[str, bool]
    privacy_policy_url: str
    permissions: tuple[str, ...]
    event_subscriptions: tuple[str, ...]
    interfaces: tuple[str, ...] = ()  # apis.custom.interfaces, e.g. CAN_FULFILL_INTENT_REQUEST


@dataclass(frozen=True)
class ModelSource:
    """Everything intents.yaml and manifest.yaml say, in the order they say it."""

    invocation_name: str
    locales: tuple[str, ...]
    fallback_sensitivity: str
    intents: tuple[Intent, ...]
    slot_types: tuple[SlotType, ...]
    locale_synonyms: Mapping[str, Mapping[tuple[str, str], tuple[str, ...]]]
    built_in_samples: Mapping[str, tuple[str, ...]]
    """Every built-in intent (the model's order) and the phrases the console takes for it."""
    built_in_model_samples: Mapping[str, tuple[str, ...]]
    """Extra samples the deployed model gives a built-in intent (e.g. bedtime closers)."""
    built_in_phrases: frozenset[str]
    manifest: Manifest
    locale_samples: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """locale -> intent (custom or built-in) -> extra samples that locale's model alone has."""


def load(intents: Path = INTENTS_PATH, manifest: Path = MANIFEST_PATH) -> ModelSource:
    """Read and shape-check both source files, or raise ModelSourceError."""
    model = _Reader(intents)
    top = model.mapping(
        model.document,
        "",
        required=("invocation_name", "locales", "fallback_sensitivity", "intents"),
        optional=(
            "slot_types",
            "locale_synonyms",
            "locale_samples",
            "built_in_intents",
            "built_in_phrases",
        ),
    )
    locales = model.texts(top["locales"], "locales")
    slot_types = tuple(
        _slot_type(model, raw, f"slot_types[{n}]")
        for n, raw in enumerate(model.items(top.get("slot_types", []), "slot_types"))
    )
    synonyms = top.get("locale_synonyms", {})
    reserved = model.texts(top.get("built_in_phrases", []), "built_in_phrases")
    custom = tuple(
        _intent(model, raw, f"intents[{n}]")
        for n, raw in enumerate(model.items(top["intents"], "intents"))
    )
    built_ins = top.get("built_in_intents", {})
    known_intents = {intent.name for intent in custom} | set(model.mapping(built_ins, "built_ins"))
    return ModelSource(
        invocation_name=model.text(top["invocation_name"], "invocation_name"),
        locales=locales,
        fallback_sensitivity=model.text(top["fallback_sensitivity"], "fallback_sensitivity"),
        intents=custom,
        slot_types=slot_types,
        locale_synonyms=_locale_synonyms(model, synonyms, locales, slot_types),
        built_in_samples=_built_ins(model, top.get("built_in_intents", {})),
        built_in_model_samples=_built_in_model_samples(model, top.get("built_in_intents", {})),
        built_in_phrases=frozenset(reserved),
        manifest=_manifest(_Reader(manifest)),
        locale_samples=_locale_samples(
            model, top.get("locale_samples", {}), locales, known_intents
        ),
    )


class _Reader:
    """One parsed YAML file, and checks that name the file and place of a wrong shape."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.document: object = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (OSError, yaml.YAMLError) as problem:
            raise ModelSourceError(f"{path}: {problem}") from None

    def fail(self, where: str, wanted: str, got: object) -> ModelSourceError:
        place = where or "top level"
        return ModelSourceError(f"{self.path.name}: {place}: expected {wanted}, got {got!r}")

    def mapping(
        self,
        value: object,
        where: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> dict[str, object]:
        """`value` as a mapping; with key lists given, exactly those keys (less the optional)."""
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise self.fail(where, "a mapping", value)
        missing = [key for key in required if key not in value]
        unknown = [key for key in value if key not in required + optional]
        if missing or (unknown and (required or optional)):
            raise self.fail(where, f"keys {', '.join(required + optional)}", sorted(value))
        return value

    def items(self, value: object, where: str) -> list[object]:
        if not isinstance(value, list):
            raise self.fail(where, "a list", value)
        return value

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, 'text (quote words like "yes", "no", "off")', value)
        return value

    def texts(self, value: object, where: str) -> tuple[str, ...]:
        items = self.items(value, where)
        return tuple(self.text(item, f"{where}[{n}]") for n, item in enumerate(items))


def _intent(model: _Reader, raw: object, where: str) -> Intent:
    fields = model.mapping(raw, where, required=("name", "samples"), optional=("slots", "topic"))
    slots = []
    for n, slot_raw in enumerate(model.items(fields.get("slots", []), f"{where}.slots")):
        here = f"{where}.slots[{n}]"
        slot = model.mapping(
            slot_raw, here, required=("name", "type"), optional=("elicitation_samples",)
        )
        slots.append(
            Slot(
                model.text(slot["name"], f"{here}.name"),
                model.text(slot["type"], f"{here}.type"),
                model.texts(slot.get("elicitation_samples", []), f"{here}.elicitation_samples"),
            )
        )
    return Intent(
        model.text(fields["name"], f"{where}.name"),
        expand_all(model.texts(fields["samples"], f"{where}.samples")),
        tuple(slots),
        model.text(fields["topic"], f"{where}.topic") if "topic" in fields else None,
    )


def _slot_type(model: _Reader, raw: object, where: str) -> SlotType:
    fields = model.mapping(raw, where, required=("name", "values"))
    values = []
    for n, value_raw in enumerate(model.items(fields["values"], f"{where}.values")):
        here = f"{where}.values[{n}]"
        value = model.mapping(value_raw, here, required=("id", "name"), optional=("synonyms",))
        values.append(
            SlotValue(
                model.text(value["id"], f"{here}.id"),
                model.text(value["name"], f"{here}.name"),
                model.texts(value.get("synonyms", []), f"{here}.synonyms"),
            )
        )
    return SlotType(model.text(fields["name"], f"{where}.name"), tuple(values))


def _locale_synonyms(
    model: _Reader, raw: object, locales: tuple[str, ...], slot_types: tuple[SlotType, ...]
) -> dict[str, dict[tuple[str, str], tuple[str, ...]]]:
    """locale -> slot type -> value id -> extra synonyms, each naming what exists."""
    known = {(kind.name, value.id) for kind in slot_types for value in kind.values}
    extras: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {}
    for locale, by_type in model.mapping(raw, "locale_synonyms", optional=locales).items():
        for type_name, by_value in model.mapping(by_type, f"locale_synonyms.{locale}").items():
            for value_id, synonyms in model.mapping(
                by_value, f"locale_synonyms.{locale}.{type_name}"
            ).items():
                where = f"locale_synonyms.{locale}.{type_name}.{value_id}"
                if (type_name, value_id) not in known:
                    raise model.fail(where, "a slot type and value id of slot_types", value_id)
                extras.setdefault(locale, {})[(type_name, value_id)] = model.texts(synonyms, where)
    return extras


def _locale_samples(
    model: _Reader, raw: object, locales: tuple[str, ...], intents: set[str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """locale -> intent -> extra samples (templates expanded), each naming what exists."""
    extras: dict[str, dict[str, tuple[str, ...]]] = {}
    for locale, by_intent in model.mapping(raw, "locale_samples", optional=locales).items():
        for name, templates in model.mapping(by_intent, f"locale_samples.{locale}").items():
            where = f"locale_samples.{locale}.{name}"
            if name not in intents:
                raise model.fail(where, "an intent of intents or built_in_intents", name)
            extras.setdefault(locale, {})[name] = expand_all(model.texts(templates, where))
    return extras


def _built_ins(model: _Reader, raw: object) -> dict[str, tuple[str, ...]]:
    built_ins: dict[str, tuple[str, ...]] = {}
    for name, fields in model.mapping(raw, "built_in_intents").items():
        where = f"built_in_intents.{name}"
        if not name.startswith("AMAZON."):
            raise model.fail(where, "an AMAZON.* intent name", name)
        known = model.mapping(fields, where, required=("console_samples",), optional=("samples",))
        console = model.texts(known["console_samples"], f"{where}.console_samples")
        extra = expand_all(model.texts(known.get("samples", []), f"{where}.samples"))
        # The console understands what the deployed model does, and its own stand-ins.
        built_ins[name] = tuple(dict.fromkeys((*console, *extra)))
    return built_ins


def _built_in_model_samples(model: _Reader, raw: object) -> dict[str, tuple[str, ...]]:
    """The `samples` a built-in intent carries into the deployed model (most have none)."""
    return {
        name: expand_all(
            model.texts(
                model.mapping(fields, f"built_in_intents.{name}").get("samples", []),
                f"built_in_intents.{name}.samples",
            )
        )
        for name, fields in model.mapping(raw, "built_in_intents").items()
    }


def _manifest(model: _Reader) -> Manifest:
    fields = model.mapping(
        model.document,
        "",
        required=(
            "name",
            "summary",
            "description",
            "example_utterances",
            "keywords",
            "small_icon_uri",
            "large_icon_uri",
            "category",
            "testing_instructions",
            "privacy_and_compliance",
            "privacy_policy_url",
            "permissions",
            "event_subscriptions",
        ),
        optional=("interfaces",),
    )
    privacy = model.mapping(fields["privacy_and_compliance"], "privacy_and_compliance")
    for key, flag in privacy.items():
        if not isinstance(flag, bool):
            raise model.fail(f"privacy_and_compliance.{key}", "true or false", flag)
    return Manifest(
        name=model.text(fields["name"], "name"),
        summary=model.text(fields["summary"], "summary"),
        description=model.text(fields["description"], "description"),
        example_utterances=model.texts(fields["example_utterances"], "example_utterances"),
        keywords=model.texts(fields["keywords"], "keywords"),
        small_icon_uri=model.text(fields["small_icon_uri"], "small_icon_uri"),
        large_icon_uri=model.text(fields["large_icon_uri"], "large_icon_uri"),
        category=model.text(fields["category"], "category"),
        testing_instructions=model.text(fields["testing_instructions"], "testing_instructions"),
        privacy_and_compliance={key: bool(flag) for key, flag in privacy.items()},
        privacy_policy_url=_https_url(model, fields["privacy_policy_url"], "privacy_policy_url"),
        permissions=model.texts(fields["permissions"], "permissions"),
        event_subscriptions=model.texts(fields["event_subscriptions"], "event_subscriptions"),
        interfaces=model.texts(fields.get("interfaces", []), "interfaces"),
    )


def _https_url(model: _Reader, value: object, where: str) -> str:
    url = model.text(value, where)
    if not url.startswith("https://") or " " in url:
        raise model.fail(where, "an https:// URL", url)
    return url


def normalise_sample(sample: str) -> str:
    """Lowercase with single spaces: how Alexa compares samples for duplicates."""
    return " ".join(sample.lower().split())


SOURCE = load()
"""The committed source, read once per process."""

INVOCATION_NAME = SOURCE.invocation_name
LOCALES = SOURCE.locales
CUSTOM_INTENTS = SOURCE.intents
SLOT_TYPES = SOURCE.slot_types
LOCALE_SYNONYMS = SOURCE.locale_synonyms
BUILT_IN_INTENTS: tuple[str, ...] = tuple(SOURCE.built_in_samples)
BUILT_IN_PHRASES = SOURCE.built_in_phrases
BUILT_IN_MODEL_SAMPLES = SOURCE.built_in_model_samples
LOCALE_SAMPLES = SOURCE.locale_samples

BENEFIT_TYPE = "BenefitType"
"""The benefit slot's type, for request envelopes built in tests (tests check it exists)."""
