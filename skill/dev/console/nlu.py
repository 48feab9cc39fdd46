"""Typed text to an intent and slots, resolved against the interaction model as Alexa would.

Alexa's language understanding is not available offline, so the console approximates
it from the very model that is deployed (`skill/dev/model/intents.yaml`, through
`skill.dev.model.build`):

1. the invocation forms: "open bedtime magnesium" is a launch, "ask bedtime magnesium
   <question>" is the question in a new session;
2. exact matches: built-in phrases, then samples, each compiled to a regex where
   `{slot}` captures text, whose value is then resolved to its id like Alexa's entity
   resolution; an AMAZON.TIME slot sends the time as Alexa does ("nine thirty pm" ->
   "21:30", see `skill.dev.console.times`), or the words themselves if they are no time;
3. near-misses (typos, paraphrases): rapidfuzz over every sample, with slots filled from
   their type's values (AMAZON.TIME slots from a few representative times, and a time in
   the text stands in for the slot), kept only if the sample has at least half of the
   text's topic words (so "what is the weather" is not "what is the dose", and "turn off
   the lights" is not "turn off my reminder");
4. otherwise AMAZON.FallbackIntent.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz, process

from skill.dev.console import times
from skill.dev.model.build import build_interaction_model
from skill.dev.model.source import SOURCE

logger = logging.getLogger(__name__)

INTENT_REQUEST = "IntentRequest"
LAUNCH_REQUEST = "LaunchRequest"
FALLBACK_INTENT = "AMAZON.FallbackIntent"
MATCH = "ER_SUCCESS_MATCH"
NO_MATCH = "ER_SUCCESS_NO_MATCH"
AMAZON_TIME = "AMAZON.TIME"

# A near-miss must score at least this against a sample (`similarity`, 0-100). In
# tests/test_nlu.py the 47 paraphrases that need fuzzy matching score 72 to 98 (median
# 89); off-topic requests reach 78 on carrier words alone ("what is the ..."), which the
# topic-word check rejects, and at most 69 among samples that pass it.
FUZZY_THRESHOLD = 70.0
# Two words are "the same word" for the content-word check at this fuzz.ratio.
WORD_THRESHOLD = 80.0
# A typed slot value resolves to a type value (name or synonym) at this fuzz.ratio, so a
# typo ("sleeep") resolves; speech recognition would not have made it.
VALUE_THRESHOLD = 85.0

# Alexa supplies the samples of built-in intents; the console takes its own from the
# source (intents.yaml: built_in_intents). Every phrase of its built_in_phrases is among
# them (tests check).
BUILT_IN_SAMPLES: Mapping[str, tuple[str, ...]] = {
    name: samples for name, samples in SOURCE.built_in_samples.items() if samples
}

# Typed shorthand and contractions, spelled out the way the samples are written.
_WORDS: Mapping[str, str] = {
    "what's": "what is",
    "whats": "what is",
    "it's": "it is",
    "that's": "that is",
    "thats": "that is",
    "there's": "there is",
    "theres": "there is",
    "how's": "how is",
    "where's": "where is",
    "who's": "who is",
    "i'm": "i am",
    "im": "i am",
    "i'd": "i would",
    "i've": "i have",
    "ive": "i have",
    "i'll": "i will",
    "you're": "you are",
    "don't": "do not",
    "dont": "do not",
    "doesn't": "does not",
    "doesnt": "does not",
    "isn't": "is not",
    "isnt": "is not",
    "aren't": "are not",
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "won't": "will not",
    "wont": "will not",
    "shouldn't": "should not",
    "let's": "let us",
    "ok": "okay",
    "k": "okay",
    "mg": "milligrams",
    "mgs": "milligrams",
    "meds": "medications",
    "med": "medication",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "doc": "doctor",
    "dr": "doctor",
    "abt": "about",
    "w": "with",
}

# Words that carry no topic: a near-miss must share half of the others with its sample.
# "turn", "switch", "off" and "set" say what to do to something, not what it is about:
# "turn off the lights" shares no topic with "turn off my reminder".
_CARRIER_TEXT = """
a an the i me my mine it its is are was were be am to of for with and or not no do does did
should can could would will shall may might must what how when why which who where please
about tell say give you your this that these those in on at by from some any just really so
if there here get got need want like know let us we our one ones than then too very much
many more also hey alexa turn switch off set
"""
_CARRIER_WORDS = frozenset(_CARRIER_TEXT.split())
_ONES_TEXT = "zero one two three four five six seven eight nine ten eleven twelve thirteen \
fourteen fifteen sixteen seventeen eighteen nineteen"
_TENS_TEXT = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"

_LAUNCH = r"(?:alexa )?(?:(?:open|launch|start|begin|load|run|use|play|ask|talk to) )?{name}"
_ONE_SHOT = r"(?:alexa )?(?:ask|tell|open|launch|start|use|load|run) {name} (?P<question>.+)"
_ONE_SHOT_AFTER = r"(?:alexa )?(?P<question>.+) (?:using|with|from|on|in|via) {name}"
# Words Alexa drops between the invocation name and the question.
_CONNECTORS = re.compile(r"(?:to|about|for|if|whether|and|that|me) (?P<question>.+)")
_SLOT = re.compile(r"\{(\w+)\}")
# A typed clock time: "9:30", "21:00", and "9.30" when am or pm follows.
_CLOCK = re.compile(
    r"\b([01]?[0-9]|2[0-3])(?::([0-5][0-9])|\.([0-5][0-9])(?=\s*[ap]\.?\s?m\b))(?![0-9])"
)
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


def _number_words(number: int) -> str:
    """Digits as the samples write them: 400 -> "four hundred"."""
    ones = _ONES_TEXT.split()
    tens = _TENS_TEXT.split()
    if number < 20:
        return ones[number]
    if number < 100:
        return tens[number // 10] + (f" {ones[number % 10]}" if number % 10 else "")
    if number < 1000:
        rest = number % 100
        return f"{ones[number // 100]} hundred" + (f" {_number_words(rest)}" if rest else "")
    if number < 1_000_000:
        rest = number % 1000
        thousands = _number_words(number // 1000)
        return f"{thousands} thousand" + (f" {_number_words(rest)}" if rest else "")
    return str(number)


def _clock_words(found: re.Match[str]) -> str:
    """A typed clock time as it is spoken: "9:30" -> "nine thirty", "21:00" -> "twenty one
    hundred", "10:05" -> "ten oh five", "10:00" -> "ten oclock"."""
    hour = int(found[1])
    minute = int(found[2] or found[3])
    if minute == 0:
        said = "oclock" if 1 <= hour <= 12 else "hundred"
    elif minute < 10:
        said = f"oh {_number_words(minute)}"
    else:
        said = _number_words(minute)
    return f" {_number_words(hour)} {said} "


def normalise(text: str, *, keep_slots: bool = False) -> str:
    """Lowercase words without punctuation, contractions and digits spelled out.

    Alexa hands skills lowercase words with numbers spelled out; typed text and the
    model's samples both go through here so they compare like for like. A typed clock
    time is spelled out as it is said ("9:30pm" -> "nine thirty pm").
    """
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    text = _CLOCK.sub(_clock_words, text)
    text = re.sub(r"(\d)\.(\d)", r"\1 point \2", text)
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text)
    allowed = r"[^a-z0-9'{}_ ]" if keep_slots else r"[^a-z0-9' ]"
    text = re.sub(allowed, " ", text)
    words: list[str] = []
    for raw in text.split():
        word = raw.strip("'")
        if not word:
            continue
        word = _WORDS.get(word, word)
        if word.isdigit():
            word = _number_words(int(word))
        words.append(word.replace("'", "") if "{" not in word else word)
    return " ".join(words)


def similarity(query: str, candidate: str, *, score_cutoff: float | None = None) -> float:
    """Mean of token_set_ratio (forgives word order and extra words) and ratio (does not)."""
    score = (fuzz.token_set_ratio(query, candidate) + fuzz.ratio(query, candidate)) / 2
    return score if score_cutoff is None or score >= score_cutoff else 0.0


def _topic_words(text: str) -> list[str]:
    return [word for word in text.split() if word not in _CARRIER_WORDS]


def _covers(words: Sequence[str], wanted: Sequence[str]) -> bool:
    """True when at least half of `wanted` appear (or nearly) among `words`."""
    return sum(_found(word, words) for word in wanted) * 2 >= len(wanted)


def _found(word: str, words: Sequence[str]) -> bool:
    """True when `word`, or a near spelling of it, is among `words`."""
    return (
        process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=WORD_THRESHOLD) is not None
    )


@dataclass(frozen=True)
class _Value:
    id: str
    name: str
    spoken: tuple[str, ...]  # the name and every synonym, normalised


@dataclass(frozen=True)
class _Template:
    """One sample: literal text, or a regex whose groups are the sample's slots."""

    intent: str
    sample: str
    text: str
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class _Choice:
    """A fuzzy-match candidate: a sample with its slot (if any) filled with a known value.

    `timed` names the sample's AMAZON.TIME slot: the text's own time fills it instead.
    """

    template: _Template
    fill: Mapping[str, str]
    timed: str | None = None


def _compile(intent: str, sample: str) -> _Template:
    text = normalise(sample, keep_slots=True)
    if not _SLOT.search(text):
        return _Template(intent, sample, text, None)
    parts = _SLOT.split(text)  # literal, name, literal, name, ..., literal
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return _Template(intent, sample, text, re.compile(regex))


class _Pool:
    """Candidate texts for rapidfuzz, and the choices they stand for."""

    def __init__(self, choices: Sequence[tuple[str, _Choice]]) -> None:
        self.texts = [text for text, _ in choices]
        self.choices = [choice for _, choice in choices]

    def best(
        self, text: str, wanted: Sequence[str], required: Sequence[str]
    ) -> tuple[_Choice, float] | None:
        """The best candidate at or above the threshold that has half of each word list."""
        for candidate, score, index in process.extract(
            text, self.texts, scorer=similarity, score_cutoff=FUZZY_THRESHOLD, limit=None
        ):
            words = candidate.split()
            if _covers(words, required) and _covers(words, wanted):
                return self.choices[index], score
        return None


class _Fuzzy:
    """Every candidate text of a set of templates, ready for rapidfuzz.

    Samples with an AMAZON.TIME slot are filled with `times.EXAMPLES`; a clock time in
    the text is compared with them as the first example ("remind me at eight fifteen"
    as "remind me at ten"). Its words are no topic words for any sample: any time fits
    the slot, and a time says nothing about what is asked.
    """

    def __init__(self, choices: Sequence[tuple[str, _Choice]]) -> None:
        self.plain = _Pool([(text, choice) for text, choice in choices if not choice.timed])
        self.timed = _Pool([(text, choice) for text, choice in choices if choice.timed])

    def best(self, text: str, explain: str | None = None) -> tuple[_Choice, float] | None:
        """The best candidate at or above the threshold that shares the text's topic.

        At least half of the text's topic words (not carrier words) must appear in the
        candidate, and half of `explain`'s too, if given.
        """
        required = _topic_words(explain) if explain else []
        words = text.split()
        span = times.find_time(words)
        if span is not None and times.parse_time(" ".join(words[span])) in times.VAGUE_VALUES:
            span = None  # "tonight" stays a word; only a clock time stands in for the slot
        if span is None:
            found = self.plain.best(text, _topic_words(text), required)
            timed = self.timed.best(text, _topic_words(text), required)
        else:
            # A clock time is no topic ("should i take it at ten pm" is about timing).
            said = frozenset(words[span])
            wanted = _topic_words(" ".join(words[: span.start] + words[span.stop :]))
            required = [word for word in required if word not in said]
            found = self.plain.best(text, wanted, required)
            masked = [*words[: span.start], times.EXAMPLES[0], *words[span.stop :]]
            timed = self.timed.best(" ".join(masked), wanted, required)
        if timed is None or found is None:
            return timed or found
        # The same intent without the time would drop what the text says ("remind me to
        # take my magnesium at ten thirty" is "remind me to take it at {time}").
        same = span is not None and timed[0].template.intent == found[0].template.intent
        return timed if same or timed[1] > found[1] else found


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
        self.literal: dict[str, _Template] = {}
        self.slotted: list[_Template] = []
        self.elicitation: dict[tuple[str, str], list[_Template]] = {}
        for built_in, phrases in BUILT_IN_SAMPLES.items():
            for phrase in phrases:
                self.literal.setdefault(
                    normalise(phrase), _Template(built_in, phrase, normalise(phrase), None)
                )
        for intent in language["intents"]:
            name = intent["name"]
            self.slot_types[name] = {slot["name"]: slot["type"] for slot in intent.get("slots", ())}
            for sample in intent.get("samples", ()):
                template = _compile(name, sample)
                if template.pattern is None:
                    self.literal.setdefault(template.text, template)
                else:
                    self.slotted.append(template)
            for slot in intent.get("slots", ()):
                if slot.get("samples"):
                    # The most specific sample first: "usually {bedtime}" before "{bedtime}".
                    self.elicitation[(name, slot["name"])] = sorted(
                        (_compile(name, sample) for sample in slot["samples"]),
                        key=lambda template: -len(_SLOT.sub("", template.text)),
                    )
        dialog = model["interactionModel"].get("dialog", {})
        self.dialog_intents = frozenset(intent["name"] for intent in dialog.get("intents", ()))
        self.fuzzy = _Fuzzy(
            [(text, _Choice(template, {})) for text, template in self.literal.items()]
            + list(self._filled(self.slotted))
        )
        self.elicitation_fuzzy = {
            key: _Fuzzy(list(self._filled(templates)))
            for key, templates in self.elicitation.items()
        }

    def _filled(self, templates: Iterable[_Template]) -> Iterable[tuple[str, _Choice]]:
        """Each slotted sample once per spoken value (single-slot samples, as in this model)."""
        for template in templates:
            names = _SLOT.findall(template.text)
            if len(names) != 1:
                continue
            (name,) = names
            slot_type = self.slot_types[template.intent].get(name, "")
            if slot_type == AMAZON_TIME:
                for spoken in times.EXAMPLES:
                    filled = template.text.replace(f"{{{name}}}", spoken)
                    yield filled, _Choice(template, {name: spoken}, timed=name)
                continue
            for value in self.types.get(slot_type, ()):
                for spoken in value.spoken:
                    filled = template.text.replace(f"{{{name}}}", spoken)
                    yield filled, _Choice(template, {name: spoken})

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
        values = self.types.get(slot_type)
        if values is None:
            return SlotMatch(slot, slot_type, value)
        said = normalise(value)
        bare = _DETERMINER.sub("", said)
        for known in values:
            if said in known.spoken or bare in known.spoken:
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
        template: _Template,
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
        self, templates: Iterable[_Template], text: str, *, elicited: bool = False
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
        self, choice: _Choice, score: float, text: str, *, elicited: bool = False
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
    def _time_in(text: str, template: _Template) -> str | None:
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
        if ordinary.score >= 100.0 and not ordinary.is_fallback:
            return ordinary
        near = self.elicitation_fuzzy[(intent, slot)].best(text)
        if near is not None and near[1] >= ordinary.score:
            return self._from_choice(near[0], near[1], text, elicited=True)
        if not ordinary.is_fallback:
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
