"""One turn of the conversation as plain values: the request's facts (`Turn`) and
tonight's session (`Session`).

`skill.alexa` builds both once per request; features read and change them and never see
the SDK. Session attributes come from outside (anyone can post anything), so
`Session.from_attributes` keeps only well-formed values and `to_attributes` writes only what
differs from a fresh session. What lasts beyond tonight is the listener's memory
(`skill.memory.ListenerMemory`), a different thing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skill.content import load_content
from skill.names import Bedtime, Pending, RequestType, SessionKey, Voice

#: The most topics a session carries unsaved (a session hears at most every topic once).
MAX_UNSAVED_TOPICS = 32


@dataclass(frozen=True)
class SlotValue:
    """A filled slot: what was heard, and the ids Alexa resolved it to (entity resolution)."""

    spoken: str | None = None
    resolved_ids: tuple[str, ...] = ()  # ER_SUCCESS_MATCH value ids, in Alexa's order
    matched: bool = False  # some authority said ER_SUCCESS_MATCH with values

    @property
    def resolved_id(self) -> str | None:
        return self.resolved_ids[0] if self.resolved_ids else None


@dataclass(frozen=True)
class Screen:
    """What the device can show (APL), for the night screen (`skill.screen`): its APL
    viewport profile ("hubLandscapeMedium") and shape ("round", "rectangle"), named by
    the adapter from `context.Viewport`; None when the device sent no Viewport."""

    supports_apl: bool = False
    profile: str | None = None
    shape: str | None = None


@dataclass(frozen=True)
class TaskAnswer:
    """Alexa's Connections.Response to a task we sent (AskFor): its token, and whether the
    reminders permission was accepted."""

    name: str | None
    token: str | None
    accepted: bool


@dataclass(frozen=True)
class Turn:
    """The facts of one request, parsed once."""

    kind: str  # the request type, e.g. "IntentRequest"
    intent: str | None = None
    slots: Mapping[str, SlotValue] = field(default_factory=dict)
    locale: str | None = None
    has_session: bool = False
    new_session: bool = False
    screen: Screen = Screen()
    permissions: frozenset[str] = frozenset()  # scopes the listener granted
    person_id: str | None = None  # the recognised speaker, if Alexa sends one
    user_id: str | None = None
    timestamp: datetime.datetime | None = None
    task: TaskAnswer | None = None  # for Connections.Response

    @property
    def opens_alone(self) -> bool:
        """A request that needs no conversation around it: a question that opened its own
        session ("ask ... when to take it"), or a request outside any session (e.g.
        Alexa's answer to a permission request). Never a launch."""
        if self.kind == RequestType.LAUNCH:
            return False
        return not self.has_session or self.kind != RequestType.INTENT or self.new_session

    def slot(self, name: str) -> SlotValue:
        return self.slots.get(name) or SlotValue()

    def granted(self, scope: str) -> bool:
        return scope in self.permissions


#: The values a session may hold for `pending` and `nearness` (built once, not per read).
_PENDING = frozenset(Pending)
_BEDTIME = frozenset(Bedtime)


@dataclass
class Unsaved:
    """The visit and topics this session has not written to memory yet."""

    visit: bool = False
    heard: list[str] = field(default_factory=list)

    @classmethod
    def from_attributes(cls, value: object) -> Unsaved | None:
        if not isinstance(value, dict):
            return None
        topics = value.get("heard")
        heard = (
            [t for t in topics[:MAX_UNSAVED_TOPICS] if isinstance(t, str) and t]
            if isinstance(topics, list)
            else []
        )
        return cls(visit=value.get("visit") is True, heard=heard)

    def to_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if self.visit:
            attributes["visit"] = True
        if self.heard:
            attributes["heard"] = list(self.heard)
        return attributes


@dataclass
class Session:
    """Tonight's conversation: what was heard, what "yes" would do, the last reply."""

    heard: list[str] = field(default_factory=list)  # tonight's topics, this session only
    # What a regular heard on earlier nights: the lifetime record, read when the session
    # opened and never written through the session (memory keeps it).
    heard_before: tuple[str, ...] = ()
    last_topic: str | None = None
    last_part: str | None = None  # "more" when the last topic's follow-up was said
    offered_topic: str | None = None  # the topic "yes" takes
    pending: str | None = None  # the Pending action "yes"/"no" answers
    last_reply: tuple[str, ...] | None = None  # (reprompt, *speech) of the last listening reply
    voice: str | None = None  # set only when not the normal voice
    returning: bool = False
    one_shot: bool = False  # a one-shot question waiting for a follow-up answer
    misses: int = 0
    eliciting: str | None = None  # "<intent>.<slot>" Alexa listens for next
    reminder_plan: list[str] | None = None  # ["HH:MM", "HH:MM"?] awaiting yes/no
    day_part: str | None = None  # "EV"/"NI"/"MO"/"AF" a vague bedtime named; "said": as said
    health_pointer_said: bool = False  # a miss has pointed to a professional tonight
    nearness: str | None = None  # how near bedtime (a `Bedtime`), once checked; None: not yet
    unsaved: Unsaved | None = None

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, Any] | None) -> Session:
        """Read session attributes, keeping only well-formed values."""
        if not attributes:
            return cls()
        answers = load_content().answers

        def topic(key: str) -> str | None:
            value = attributes.get(key)
            return value if isinstance(value, str) and value in answers else None

        def text(key: str) -> str | None:
            value = attributes.get(key)
            return value if isinstance(value, str) and value else None

        def topics(key: str) -> list[str]:
            value = attributes.get(key)
            if not isinstance(value, list):
                return []
            return [t for t in value if isinstance(t, str) and t in answers]

        nearness = attributes.get(SessionKey.NEARNESS)
        last = attributes.get(SessionKey.LAST_REPLY)
        misses = attributes.get(SessionKey.MISSES)
        plan = attributes.get(SessionKey.REMINDER_PLAN)
        pending = attributes.get(SessionKey.PENDING)
        voice = attributes.get(SessionKey.VOICE)
        last_reply = (
            tuple(last)
            if isinstance(last, list)
            and len(last) >= 2
            and all(isinstance(part, str) and part for part in last)
            else None
        )
        return cls(
            heard=topics(SessionKey.HEARD),
            heard_before=tuple(topics(SessionKey.HEARD_BEFORE)),
            last_topic=topic(SessionKey.LAST_TOPIC),
            last_part=text(SessionKey.LAST_PART),
            offered_topic=topic(SessionKey.OFFERED_TOPIC),
            pending=pending if isinstance(pending, str) and pending in _PENDING else None,
            last_reply=last_reply,
            voice=voice if voice in (Voice.NORMAL, Voice.QUIET) else None,
            returning=bool(attributes.get(SessionKey.RETURNING)),
            one_shot=attributes.get(SessionKey.ONE_SHOT) is True,
            misses=misses if isinstance(misses, int) and not isinstance(misses, bool) else 0,
            eliciting=text(SessionKey.ELICITING),
            reminder_plan=list(plan)
            if isinstance(plan, list) and all(isinstance(part, str) for part in plan)
            else None,
            day_part=text(SessionKey.DAY_PART),
            health_pointer_said=attributes.get(SessionKey.HEALTH_POINTER_SAID) is True,
            nearness=nearness if isinstance(nearness, str) and nearness in _BEDTIME else None,
            unsaved=Unsaved.from_attributes(attributes.get(SessionKey.UNSAVED)),
        )

    def to_attributes(self) -> dict[str, Any]:
        """Plain JSON for Alexa to echo back: only what differs from a fresh session."""
        values: tuple[tuple[str, Any], ...] = (
            (SessionKey.HEARD, list(self.heard)),
            (SessionKey.HEARD_BEFORE, list(self.heard_before)),
            (SessionKey.LAST_TOPIC, self.last_topic),
            (SessionKey.LAST_PART, self.last_part),
            (SessionKey.OFFERED_TOPIC, self.offered_topic),
            (SessionKey.PENDING, self.pending),
            (SessionKey.LAST_REPLY, list(self.last_reply) if self.last_reply else None),
            (SessionKey.VOICE, self.voice),
            (SessionKey.RETURNING, self.returning),
            (SessionKey.ONE_SHOT, self.one_shot),
            (SessionKey.MISSES, self.misses),
            (SessionKey.ELICITING, self.eliciting),
            (SessionKey.REMINDER_PLAN, self.reminder_plan),
            (SessionKey.DAY_PART, self.day_part),
            (SessionKey.HEALTH_POINTER_SAID, self.health_pointer_said),
            (SessionKey.NEARNESS, self.nearness),
        )
        # Plain JSON all the way down: a StrEnum member (a `Bedtime`, a `Pending`) is
        # stored as its text, as Alexa will echo it back.
        attributes = {
            str(key): str(value) if isinstance(value, str) else value
            for key, value in values
            if value
        }
        if self.unsaved is not None:
            attributes[SessionKey.UNSAVED] = self.unsaved.to_attributes()
        return attributes
