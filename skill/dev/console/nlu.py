"""Typed text to an intent and slots, resolved against the interaction model as Alexa would.

(Over 300 lines: one class, CompiledModel, holds the matching order, read best in one place;
text normalising is in `words`, near-miss scoring in `fuzzy`.)

Alexa's language understanding is not available offline, so the console approximates
it from the very model that is deployed (`skill/dev/model/intents.yaml`, through
`skill.dev.model.build`):

1. the invocation forms: "open bedtime magnesium" is a launch, "ask bedtime magnesium
   <question>" is the question in a new session;
2. exact matches: built-in phrases, then samples, each compiled to a regex where
   `{slot}` captures text, whose value is then resolved to its id like Alexa's entity
   resolution; an AMAZON.TIME slot sends the time as Alexa does ("nine thirty pm" ->
   "21:30", see `skill.dev.console.times`), or the words themselves if they are no time;
3. near-misses (typos, paraphrases; `skill.dev.console.fuzzy`): rapidfuzz over every
   sample, with slots filled from their type's values (AMAZON.TIME slots from a few
   representative times, and a time in the text stands in for the slot), kept only if
   the sample has at least half of the text's topic words (so "what is the weather" is
   not "what is the dose", and "turn off the lights" is not "turn off my reminder");
4. otherwise AMAZON.FallbackIntent.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz, process

from skill.dev.console import times
from skill.dev.console.fuzzy import SLOT, Choice, Fuzzy, Template, compile_sample
from skill.dev.console.numbers import parse_number
from skill.dev.console.words import normalise
from skill.dev.model.build import build_interaction_model
from skill.dev.model.source import SOURCE
from skill.names import Intent, RequestType, Slot

#: Carrier slots (openers and tails the runtime ignores) and the phrase slots of health
#: statements ("i {symptom}", "my {body}"): matched only by their own type's phrases, so a
#: sample made of one such slot and a word or two never swallows whatever follows "i".
CARRIER_SLOTS = frozenset(
    slot.value
    for slot in (
        Slot.LEAD,
        Slot.TAIL,
        Slot.SYMPTOM,
        Slot.BODY,
        Slot.AILMENT,
        Slot.ACHE,
        Slot.HAVE,
        Slot.CHECK,
    )
)

logger = logging.getLogger(__name__)

INTENT_REQUEST = "IntentRequest"
LAUNCH_REQUEST = RequestType.LAUNCH
FALLBACK_INTENT = Intent.FALLBACK
MATCH = "ER_SUCCESS_MATCH"
NO_MATCH = "ER_SUCCESS_NO_MATCH"
AMAZON_TIME = "AMAZON.TIME"
AMAZON_NUMBER = "AMAZON.NUMBER"

# A typed slot value resolves to a type value (name or synonym) at this fuzz.ratio, so a
# typo ("sleeep") resolves; speech recognition would not have made it.
VALUE_THRESHOLD = 85.0

# Alexa supplies the samples of built-in intents; the console takes its own from the
# source (intents.yaml: built_in_intents). Every phrase of its built_in_phrases is among
# them (tests check).
BUILT_IN_SAMPLES: Mapping[str, tuple[str, ...]] = {
    name: samples for name, samples in SOURCE.built_in_samples.items() if samples
}

_LAUNCH = r"(?:alexa )?(?:(?:open|launch|start|begin|load|run|use|play|ask|talk to) )?{name}"
_ONE_SHOT = r"(?:alexa )?(?:ask|tell|open|launch|start|use|load|run) {name} (?P<question>.+)"
_ONE_SHOT_AFTER = r"(?:alexa )?(?P<question>.+) (?:using|with|from|on|in|via) {name}"
# Words Alexa drops between the invocation name and the question.
_CONNECTORS = re.compile(r"(?:to|about|for|if|whether|and|that|me) (?P<question>.+)")
_DETERMINER = re.compile(r"^(?:my|the|your|a|an|some) ")


@dataclass(frozen=True)
class SlotMatch:
    """One slot as Alexa would fill it: what was said, and what it resolved to.

    `value` is what Alexa sends: the words for a custom type, the time ("21:30") for
    AMAZON.TIME, whose words are then kept in `heard`.
    """

    name: str
    type: str
    value: str | None = None
    id: str | None = None
    resolved_name: str | None = None
    heard: str | None = None

    @property
    def status(self) -> str | None:
        """The entity-resolution status code; None for an empty or AMAZON.* slot."""
        if self.value is None or self.type.startswith("AMAZON."):
            return None
        return MATCH if self.id is not None else NO_MATCH

    @property
    def understood(self) -> bool:
        """False when something was said that does not fit the slot's type.

        That is an unresolved custom value, or words that are no time in an
        AMAZON.TIME slot (sent as they are, so the skill can ask again).
        """
        if self.value is None:
            return True
        if self.type == AMAZON_TIME:
            return times.is_value(self.value)
        if self.type == AMAZON_NUMBER:
            return self.value.isdigit()
        return self.status != NO_MATCH


@dataclass(frozen=True)
class Resolution:
    """What Alexa would send for one utterance."""

    intent: str | None
    slots: Mapping[str, SlotMatch] = field(default_factory=dict)
    score: float = 100.0
    sample: str | None = None
    text: str = ""
    request_type: str = INTENT_REQUEST
    new_session: bool = False
    dialog_state: str | None = None

    @property
    def is_launch(self) -> bool:
        return self.request_type == LAUNCH_REQUEST

    @property
    def is_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT

    def slot_id(self, name: str) -> str | None:
        """The resolved id of a slot, or None when it is empty or did not resolve."""
        slot = self.slots.get(name)
        return slot.id if slot else None


@dataclass(frozen=True)
class _Value:
    id: str
    name: str
    spoken: tuple[str, ...]  # the name and every synonym, normalised


def _unresolved_words(resolution: Resolution | None) -> str | None:
    if resolution is None:
        return None
    return " ".join(
        slot.heard or slot.value or "" for slot in resolution.slots.values() if not slot.understood
    )


class CompiledModel:
    """One locale's interaction model, compiled for matching typed text."""

    def __init__(self, locale: str, model: Mapping[str, Any]) -> None:
        self.locale = locale
        language = model["interactionModel"]["languageModel"]
        name = r"(?:the )?" + re.escape(normalise(language["invocationName"]))
        self.launch = re.compile(_LAUNCH.format(name=name))
        self.one_shot = (
            re.compile(_ONE_SHOT.format(name=name)),
            re.compile(_ONE_SHOT_AFTER.format(name=name)),
        )
        self.types: dict[str, list[_Value]] = {
            kind["name"]: [
                _Value(
                    value["id"],
                    value["name"]["value"],
                    tuple(
                        normalise(said)
                        for said in (value["name"]["value"], *value["name"].get("synonyms", ()))
                    ),
                )
                for value in kind["values"]
            ]
            for kind in language.get("types", ())
        }
        self.slot_types: dict[str, dict[str, str]] = {}
        self.literal: dict[str, Template] = {}
        self.slotted: list[Template] = []
        self.elicitation: dict[tuple[str, str], list[Template]] = {}
        for built_in, phrases in BUILT_IN_SAMPLES.items():
            for phrase in phrases:
                self.literal.setdefault(
                    normalise(phrase), Template(built_in, phrase, normalise(phrase), None)
                )
        for intent in language["intents"]:
            name = intent["name"]
            self.slot_types[name] = {slot["name"]: slot["type"] for slot in intent.get("slots", ())}
            for sample in intent.get("samples", ()):
                template = compile_sample(name, sample, self._closed(name, sample))
                if template.pattern is None:
                    self.literal.setdefault(template.text, template)
                else:
                    self.slotted.append(template)
            for slot in intent.get("slots", ()):
                if slot.get("samples"):
                    # The most specific sample first: "usually {bedtime}" before "{bedtime}".
                    self.elicitation[(name, slot["name"])] = sorted(
                        (compile_sample(name, sample) for sample in slot["samples"]),
                        key=lambda template: -len(SLOT.sub("", template.text)),
                    )
        dialog = model["interactionModel"].get("dialog", {})
        self.dialog_intents = frozenset(intent["name"] for intent in dialog.get("intents", ()))
        self.fuzzy = Fuzzy(
            [(text, Choice(template, {})) for text, template in self.literal.items()]
            + list(self._filled(self.slotted))
        )
        self.elicitation_fuzzy = {
            key: Fuzzy(list(self._filled(templates))) for key, templates in self.elicitation.items()
        }

    def _closed(self, intent: str, sample: str) -> dict[str, list[str]]:
        """For a sample with two slots or more, or a carrier slot (`{lead}`, `{tail}`): each
        custom slot's words (see compile_sample). A carrier takes only its type's phrases,
        so "how does it help {tail}" never swallows "with headaches"."""
        names = SLOT.findall(sample)
        if len(names) < 2 and not CARRIER_SLOTS.intersection(names):
            return {}
        types = self.slot_types[intent]
        return {
            name: [said for value in self.types[types[name]] for said in value.spoken]
            for name in names
            if types.get(name) in self.types
        }

    def _filled(self, templates: Iterable[Template]) -> Iterable[tuple[str, Choice]]:
        """Each slotted sample once per spoken value (single-slot samples, as in this model)."""
        for template in templates:
            names = SLOT.findall(template.text)
            if len(names) != 1:
                continue
            (name,) = names
            if name in {Slot.LEAD, Slot.TAIL}:
                continue  # the core without its opener or tail is a sample of its own
            slot_type = self.slot_types[template.intent].get(name, "")
            if slot_type == AMAZON_TIME:
                for spoken in times.EXAMPLES:
                    filled = template.text.replace(f"{{{name}}}", spoken)
                    yield filled, Choice(template, {name: spoken}, timed=name)
                continue
            for value in self.types.get(slot_type, ()):
                for spoken in value.spoken:
                    filled = template.text.replace(f"{{{name}}}", spoken)
                    yield filled, Choice(template, {name: spoken})

    def resolve_value(self, intent: str, slot: str, value: str | None) -> SlotMatch:
        """Entity resolution: a spoken value to its type value's id, as Alexa does.

        An AMAZON.TIME value becomes the time Alexa would send ("21:30", "NI"); words
        that are no time are sent as they are.
        """
        slot_type = self.slot_types.get(intent, {}).get(slot, "")
        if value is None:
            return SlotMatch(slot, slot_type)
        if slot_type == AMAZON_TIME:
            said = normalise(value)
            return SlotMatch(slot, slot_type, times.parse_time(said) or said, heard=said)
        if slot_type == AMAZON_NUMBER:
            # Alexa sends digits for "eight hundred" as for "800".
            said = normalise(value)
            number = parse_number(said)
            return SlotMatch(slot, slot_type, said if number is None else str(number), heard=said)
        values = self.types.get(slot_type)
        if values is None:
            return SlotMatch(slot, slot_type, value)
        said = normalise(value)
        bare = _DETERMINER.sub("", said)
        for words in (said, bare):  # the exact words first: "my tablets" before "tablets"
            for known in values:
                if words in known.spoken:
                    return SlotMatch(slot, slot_type, value, known.id, known.name)
        spoken = [(text, known) for known in values for text in known.spoken]
        best = process.extractOne(
            said, [text for text, _ in spoken], scorer=fuzz.ratio, score_cutoff=VALUE_THRESHOLD
        )
        if best is not None:
            known = spoken[best[2]][1]
            return SlotMatch(slot, slot_type, value, known.id, known.name)
        return SlotMatch(slot, slot_type, value)

    def _slots(self, intent: str, said: Mapping[str, str]) -> dict[str, SlotMatch]:
        """Every declared slot of the intent, filled where something was said (like Alexa)."""
        return {
            name: self.resolve_value(intent, name, said.get(name))
            for name in self.slot_types.get(intent, {})
        }

    def _resolution(
        self,
        template: Template,
        said: Mapping[str, str],
        score: float,
        text: str,
        *,
        elicited: bool = False,
    ) -> Resolution:
        state = None
        if template.intent in self.dialog_intents:
            state = "IN_PROGRESS" if elicited else "STARTED"
        return Resolution(
            template.intent,
            self._slots(template.intent, said),
            round(score, 1),
            template.sample,
            text,
            dialog_state=state,
        )

    def _regex(
        self, templates: Iterable[Template], text: str, *, elicited: bool = False
    ) -> tuple[Resolution | None, Resolution | None]:
        """The first sample match whose slots all resolve, and the first whose do not."""
        unresolved: Resolution | None = None
        for template in templates:
            assert template.pattern is not None
            found = template.pattern.fullmatch(text)
            if found is None:
                continue
            result = self._resolution(template, found.groupdict(), 100.0, text, elicited=elicited)
            if all(slot.understood for slot in result.slots.values()):
                return result, unresolved
            unresolved = unresolved or result
        return None, unresolved

    def _from_choice(
        self, choice: Choice, score: float, text: str, *, elicited: bool = False
    ) -> Resolution:
        """A fuzzy match: the slot value the sample was filled with, resolved.

        If the carrier phrase lines up with the text, the value is what the text says
        there; it keeps the near-miss's resolution when it does not resolve itself. An
        AMAZON.TIME slot takes the time the text names, or stays empty.
        """
        result = self._resolution(choice.template, choice.fill, score, text, elicited=elicited)
        pattern = choice.template.pattern
        found = pattern.fullmatch(text) if pattern is not None else None
        if choice.timed is not None:
            said = found[choice.timed] if found is not None else None
            heard = self.resolve_value(
                choice.template.intent,
                choice.timed,
                self._time_in(said or text, choice.template) or said,
            )
            return replace(result, slots={**result.slots, choice.timed: heard})
        if found is None:
            return result
        slots = dict(result.slots)
        for name, said in found.groupdict().items():
            heard = self.resolve_value(choice.template.intent, name, said)
            near = slots.get(name)
            if heard.id is None and near is not None and near.id is not None:
                heard = replace(near, value=said)
            slots[name] = heard
        return replace(result, slots=slots)

    @staticmethod
    def _time_in(text: str, template: Template) -> str | None:
        """The words of the time `text` names; not a vague one the sample itself says."""
        words = text.split()
        span = times.find_time(words, exclude=frozenset(template.text.split()))
        return " ".join(words[span]) if span is not None else None

    def match(self, text: str) -> Resolution:
        """Resolve normalised text inside a session (no invocation name)."""
        if not text:
            return Resolution(FALLBACK_INTENT, score=0.0, text=text)
        literal = self.literal.get(text)
        if literal is not None:
            return self._resolution(literal, {}, 100.0, text)
        resolved, unresolved = self._regex(self.slotted, text)
        if resolved is not None:
            return resolved
        # A near-miss may beat a sample whose slot did not resolve ("what about the dose"),
        # but only if it accounts for the words in that slot ("how does it help with
        # headaches" stays a benefit question with an unknown benefit, as on Alexa).
        near = self.fuzzy.best(text, explain=_unresolved_words(unresolved))
        if near is not None:
            return self._from_choice(near[0], near[1], text)
        if unresolved is not None:
            return unresolved
        return Resolution(FALLBACK_INTENT, score=0.0, text=text)

    def match_elicited(self, text: str, intent: str, slot: str) -> Resolution:
        """After Dialog.ElicitSlot: try the text as that slot's value first, like Alexa."""
        templates = self.elicitation.get((intent, slot))
        if not templates:
            return self.match(text)
        resolved, unresolved = self._regex(templates, text, elicited=True)
        if resolved is not None:
            return resolved
        ordinary = self.match(text)
        if ordinary.intent == intent and ordinary.dialog_state is not None:
            # The intent's own sample ("i go to bed at {bedtime}") answers the question
            # too: on Alexa the dialog goes on, it does not start again.
            ordinary = replace(ordinary, dialog_state="IN_PROGRESS")
        understood = all(slot.understood for slot in ordinary.slots.values())
        if ordinary.score >= 100.0 and not ordinary.is_fallback and understood:
            return ordinary
        near = self.elicitation_fuzzy[(intent, slot)].best(text)
        if near is not None and near[1] >= ordinary.score:
            return self._from_choice(near[0], near[1], text, elicited=True)
        if not ordinary.is_fallback and understood:
            return ordinary
        if unresolved is not None and self.slot_types[intent].get(slot) == AMAZON_TIME:
            # A time among other words ("i'm in bed by eleven") is the time asked for.
            words = text.split()
            span = times.find_time(words)
            if span is not None:
                heard = self.resolve_value(intent, slot, " ".join(words[span]))
                return replace(unresolved, slots={**unresolved.slots, slot: heard})
        # `{slot}` on its own takes anything: Alexa fills the slot, unresolved.
        return unresolved or ordinary

    def resolve(self, text: str, eliciting: tuple[str, str] | None = None) -> Resolution:
        """Resolve raw typed text, including the invocation forms."""
        said = normalise(text)
        if self.launch.fullmatch(said):
            return Resolution(None, text=said, request_type=LAUNCH_REQUEST, new_session=True)
        for form in self.one_shot:
            found = form.fullmatch(said)
            if found is None:
                continue
            question = found["question"]
            options = [self.match(question)]
            connected = _CONNECTORS.fullmatch(question)
            if connected is not None:
                options.append(self.match(connected["question"]))
            best = max(options, key=lambda option: (not option.is_fallback, option.score))
            return replace(best, new_session=True)
        if said.startswith("alexa "):
            said = said.removeprefix("alexa ")
        if eliciting is not None:
            return self.match_elicited(said, *eliciting)
        return self.match(said)


@functools.cache
def compiled_model(locale: str = "en-US") -> CompiledModel:
    """The locale's model, compiled once per process."""
    return CompiledModel(locale, build_interaction_model(locale))


def resolve(
    text: str, locale: str = "en-US", *, eliciting: tuple[str, str] | None = None
) -> Resolution:
    """What Alexa would send for `text`; `eliciting` is (intent, slot) after Dialog.ElicitSlot."""
    return compiled_model(locale).resolve(text, eliciting)
