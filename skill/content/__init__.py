"""The skill's words, loaded once from `answers.json` beside the article they come from.

Handlers never hold prose: they name a topic or a prompt key and this module
supplies the text. Loading validates the file's shape, so a typo in a key fails
at start-up (and in the tests), not in someone's bedroom.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import cache, cached_property
from pathlib import Path
from typing import Any

CONTENT_DIR = Path(__file__).resolve().parent
ARTICLE_PATH = CONTENT_DIR / "article.txt"
ANSWERS_PATH = CONTENT_DIR / "answers.json"
#: Generated from the interaction model's `topic:` keys (`make model`).
INTENT_TOPICS_PATH = CONTENT_DIR / "intent_topics.json"
PRIVACY_PATH = CONTENT_DIR / "privacy.html"
NIGHT_SCREEN_PATH = CONTENT_DIR / "night_screen.json"


class ContentError(ValueError):
    """The content file is missing a field or refers to an unknown topic."""


@dataclass(frozen=True)
class Answer:
    """One topic from the article: what is said, and where it came from."""

    topic: str
    speech: str
    sources: tuple[str, ...]
    card_title: str
    card_text: str
    offer: str | None = None  # None: what the article doesn't say; never offered
    next: str | None = None  # the topic to offer next, if not heard yet
    more: str | None = None
    more_sources: tuple[str, ...] = ()


class Prompts:
    """Words that are not article facts: welcome, help, goodbye and the like.

    A plain class rather than a dataclass: with this many fields, generating the
    dataclass methods would cost every Lambda cold start. The annotations are the one
    list of prompt names; loading checks answers.json has exactly these.
    """

    disclaimer: str
    welcome: str
    suggest: str
    welcome_reprompt: str
    help: str
    help_reprompt: str
    reprompt: str
    goodbye: str
    fallback: str
    fallback_reprompt: str
    fallback_goodnight: str
    all_heard: str
    source_said: str
    source_none: str
    help_reminder: str
    help_cancel_reminder: str
    help_set_reminder: str
    help_evening: str
    help_forget: str
    error: str
    error_reprompt: str
    which_benefit: str
    no_more: str
    nothing_yet: str
    ask_next: str
    welcome_back: str
    quiet_on: str
    quiet_off: str
    forget_confirm: str
    forget_confirm_person: str
    forget_reprompt: str
    forgotten: str
    forgotten_reminder: str
    forgotten_shared_reminder: str
    forget_reminder_failed: str
    forget_kept: str
    ask_bedtime: str
    ask_bedtime_reprompt: str
    reminder_every_night: str
    reminder_every_day: str
    reminder_plan: str
    reminder_plan_bedtime: str
    reminder_confirm: str
    reminder_confirm_reprompt: str
    reminder_not_set: str
    reminder_zone_unknown: str
    reminder_text: str
    reminder_card_title: str
    reminder_card_text: str
    reminder_permission: str
    reminder_declined: str
    reminder_no_permission: str
    reminder_unsupported: str
    reminder_throttled: str
    reminder_unavailable: str
    reminder_status: str
    reminder_none: str
    reminder_cancel_confirm: str
    reminder_cancel_reprompt: str
    reminder_cancelled: str
    reminder_kept: str
    # The small turns, the fallback that knows the dialog, bedtime-aware (issue 18, 17).
    anything_else: str
    near_bedtime: str
    help_benefit: str
    fallback_again: str
    fallback_health: str
    forget_bedtime: str
    forget_voice: str
    forget_topics: str
    forget_visits: str
    forget_reminder: str
    list_and: str
    forget_nothing: str
    reminder_shall: str
    reminder_shared: str
    reminder_done: str
    ask_bedtime_again: str

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.__annotations__)

    def __init__(self, values: dict[str, Any]) -> None:
        _fill(self, "prompts", values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("prompts are read-only")


class SafetyTexts:
    """The safety net's sentences (`safety.texts`), with `{placeholders}` filled in by
    `skill.safety`: the listener's amount, a condition's words, an emergency line."""

    urgent_call: str
    urgent_call_if: str
    urgent_poison: str
    urgent_nhs: str
    urgent_hospital: str
    urgent_over_range: str
    urgent_count: str
    urgent_headline: str
    urgent_card_title: str
    unwell: str
    unwell_card_title: str
    condition: str
    condition_card_title: str
    amount_compared: str
    amount_if_milligrams: str
    amount_count: str
    amount_no_unit: str
    amount_advice: str
    amount_taken_advice: str
    amount_card_title: str
    extra_dose: str
    extra_dose_card_title: str

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.__annotations__)

    def __init__(self, values: dict[str, Any]) -> None:
        _fill(self, "safety.texts", values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("safety texts are read-only")

    def text(self, key: str) -> str:
        """A text by its key (the helpline table names its swallowing sentence by key)."""
        if key not in self.names():
            raise ContentError(f"safety.texts has no {key!r}")
        value: str = getattr(self, key)
        return value


@dataclass(frozen=True)
class Safety:
    """Everything the safety net says, and the words it puts into its sentences."""

    texts: SafetyTexts
    sources: dict[str, tuple[str, ...]]  # text key -> the article sentences it rests on
    comparisons: dict[str, str]  # "above" -> "is above"
    units: dict[str, tuple[str, str]]  # DoseUnitType id -> (singular, plural)
    conditions: dict[str, str]  # ConditionType id -> how it is named back to the listener
    condition_answers: dict[str, str]  # ConditionType id -> the article answer that says it


def _fill(target: Prompts | SafetyTexts, where: str, values: dict[str, Any]) -> None:
    """Set every annotated text of `target` from `values`: all present, all text."""
    names = target.names()
    missing = set(names) - set(values)
    unknown = set(values) - set(names)
    if missing or unknown:
        raise ContentError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    for key in names:
        if not isinstance(values[key], str):
            raise ContentError(f"{where}.{key} must be text")
        object.__setattr__(target, key, values[key])


@dataclass(frozen=True)
class Content:
    """All answers keyed by topic, plus the prompts and the safety net's words."""

    answers: dict[str, Answer]
    prompts: Prompts
    safety: Safety

    def answer(self, topic: str) -> Answer:
        return self.answers[topic]

    @cached_property
    def offered_topics(self) -> tuple[str, ...]:
        """Topics that can be offered ("Want to know ...?"), in the order they are offered.

        Worked out once: the content never changes while the skill runs."""
        return tuple(topic for topic, answer in self.answers.items() if answer.offer)


def _build_answer(topic: str, raw: dict[str, Any]) -> Answer:
    known = {f.name for f in fields(Answer)} - {"topic"}
    unknown = set(raw) - known
    if unknown:
        raise ContentError(f"answers.{topic}: unknown field(s) {sorted(unknown)}")
    try:
        return Answer(
            topic=topic,
            speech=raw["speech"],
            sources=tuple(raw["sources"]),
            offer=raw.get("offer"),
            next=raw.get("next"),
            card_title=raw["card_title"],
            card_text=raw["card_text"],
            more=raw.get("more"),
            more_sources=tuple(raw.get("more_sources", ())),
        )
    except KeyError as missing:
        raise ContentError(f"answers.{topic}: missing field {missing}") from None


def parse_content(data: dict[str, Any]) -> Content:
    """Turn the content document into `Content`, checking cross references."""
    answers = {topic: _build_answer(topic, raw) for topic, raw in data["answers"].items()}
    for answer in answers.values():
        if (answer.offer is None) != (answer.next is None):
            raise ContentError(f"answers.{answer.topic}: 'offer' and 'next' go together")
        if answer.next is not None and answers.get(answer.next, answer).offer is None:
            raise ContentError(f"answers.{answer.topic}: next topic {answer.next!r} is unknown")
        if answer.more and not answer.more_sources:
            raise ContentError(f"answers.{answer.topic}: 'more' needs 'more_sources'")
    safety = _build_safety(data["safety"])
    for condition, topic in safety.condition_answers.items():
        if topic not in answers:
            raise ContentError(f"safety.condition_answers.{condition}: no answer {topic!r}")
    return Content(answers=answers, prompts=Prompts(data["prompts"]), safety=safety)


def _build_safety(raw: dict[str, Any]) -> Safety:
    texts = SafetyTexts(raw["texts"])
    sources = {key: tuple(cited) for key, cited in raw["sources"].items()}
    for key in sources:
        texts.text(key)  # a source for a text that does not exist is a typo
    units = {unit: (str(one), str(many)) for unit, (one, many) in raw["units"].items()}
    return Safety(
        texts=texts,
        sources=sources,
        comparisons=dict(raw["comparisons"]),
        units=units,
        conditions=dict(raw["conditions"]),
        condition_answers=dict(raw["condition_answers"]),
    )


@cache
def load_content(path: Path = ANSWERS_PATH) -> Content:
    """Load and validate the content file once per process."""
    return parse_content(json.loads(path.read_text(encoding="utf-8")))


@cache
def intent_topics(path: Path = INTENT_TOPICS_PATH) -> dict[str, str]:
    """Each article-answer intent and the topic it speaks; every topic must exist."""
    topics: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(topics.values()) - set(load_content().answers))
    if unknown:
        raise ContentError(f"{path.name}: unknown topic(s) {unknown}")
    return topics


@cache
def article_text(path: Path = ARTICLE_PATH) -> str:
    """The article, the single source of truth for every fact spoken."""
    return path.read_text(encoding="utf-8")


def article_title() -> str:
    """The article's title (its first line), shown on the card that quotes it."""
    return article_text().split("\n", 1)[0].strip()


NOT_CONFIGURED = "(not configured: set {variable})"
"""What the policy says where the operator left a setting out; the deploy refuses that
(hooks/build.sh), a local server shows it."""


@cache
def privacy_policy(
    operator: str | None = None, contact: str | None = None, path: Path = PRIVACY_PATH
) -> str:
    """The privacy policy (plain HTML) served at GET /privacy, by the web service and on
    Lambda by skill/privacy_page.py, naming the operator and a contact
    (`SKILL_OPERATOR`, `SKILL_CONTACT`), HTML-escaped."""
    import html  # only the page needs these: not at every cold start's import
    import re

    filled = {
        "operator": operator or NOT_CONFIGURED.format(variable="SKILL_OPERATOR"),
        "contact": contact or NOT_CONFIGURED.format(variable="SKILL_CONTACT"),
    }
    return re.sub(
        r"\{\{(operator|contact)\}\}",
        lambda found: html.escape(filled[found.group(1)]),
        path.read_text(encoding="utf-8"),
    )


@cache
def night_screen_document(path: Path = NIGHT_SCREEN_PATH) -> dict[str, Any]:
    """The night screen's APL document (data-bound; `skill.screen` fills its data).

    Read on the first answer to a screen device, once per process. Treat it as frozen:
    every response refers to this one dict."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("type") != "APL":
        raise ContentError(f"{path.name}: not an APL document")
    return document
