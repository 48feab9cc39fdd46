"""What the skill remembers about a returning listener, and nothing more.

Stored per Alexa user id: first seen, visits, topics heard, last topic, voice
preference, bedtime and the id of their nightly reminder. Nothing about their
health or doses.

A session reads the record once, when it opens. The visit and the topics heard
ride along in the session attributes and are written once, when the session
ends (the skill's closing answer, or Alexa's SessionEndedRequest); settings the
listener asks for (voice, bedtime, reminder, "forget me") are written at once.
Every write is one atomic read-modify-write (`update_attributes`), so two devices
of the same person never lose a visit. If the store is down, the skill answers
without memory: reads give a blank record, writes are skipped, and the
persistence layer logs it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_user_id

from skill.names import SessionKey, Voice
from skill.reminders.clock import from_clock, to_clock

if TYPE_CHECKING:  # the store itself is imported only when persistence is on
    from skill.persistence import ResilientPersistenceAdapter

logger = logging.getLogger(__name__)

REQUEST_KEY = "memory"
# SessionKey.UNSAVED holds what this session has not written yet:
# {"visit": true, "heard": ["timing", ...]} (plain JSON, echoed back by Alexa).
UNSAVED = SessionKey.UNSAVED
MAX_UNSAVED_TOPICS = 32

Change = Callable[["UserRecord"], None]


@dataclass
class UserRecord:
    """One listener's stored record (plain JSON types only)."""

    first_seen: str | None = None
    visits: int = 0
    topics_heard: list[str] = field(default_factory=list)
    last_topic: str | None = None
    voice: str = Voice.NORMAL
    bedtime: datetime.time | None = None  # local to the device; stored as "HH:MM"
    reminder_id: str | None = None
    reminder_time: datetime.time | None = None  # stored as "HH:MM"

    @classmethod
    def from_attributes(cls, attributes: dict[str, Any]) -> UserRecord:
        """Tolerant of missing, unknown or wrong-typed fields (older or hand-edited records)."""
        record = cls()
        if not attributes:
            return record
        visits = attributes.get("visits")
        if isinstance(visits, int) and not isinstance(visits, bool) and visits >= 0:
            record.visits = visits
        topics = attributes.get("topics_heard")
        if isinstance(topics, list):
            record.topics_heard = [topic for topic in topics if isinstance(topic, str)]
        if attributes.get("voice") in (Voice.NORMAL, Voice.QUIET):
            record.voice = attributes["voice"]
        record.bedtime = from_clock(attributes.get("bedtime"))
        record.reminder_time = from_clock(attributes.get("reminder_time"))
        for name in _TEXT_FIELDS:
            value = attributes.get(name)
            if isinstance(value, str):
                setattr(record, name, value)
        return record

    def to_attributes(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict: this runs on every write, and asdict deep-copies.
        return {
            "first_seen": self.first_seen,
            "visits": self.visits,
            "topics_heard": list(self.topics_heard),
            "last_topic": self.last_topic,
            "voice": self.voice,
            "bedtime": _clock_or_none(self.bedtime),
            "reminder_id": self.reminder_id,
            "reminder_time": _clock_or_none(self.reminder_time),
        }


# Optional text fields, copied from a stored record only when they are strings.
_TEXT_FIELDS = ("first_seen", "last_topic", "reminder_id")


def _clock_or_none(at: datetime.time | None) -> str | None:
    return to_clock(at) if at is not None else None


class Memory:
    """The record for the listener behind one request, with its unsaved changes."""

    def __init__(self, adapter: ResilientPersistenceAdapter | None, handler_input: HandlerInput):
        self._adapter = adapter
        self._session: dict[str, Any] = {}
        if handler_input.request_envelope.session is not None:
            attributes = handler_input.attributes_manager.session_attributes
            if isinstance(attributes, dict):
                self._session = attributes
        self._user_id = _user_id(handler_input)
        self._enabled = adapter is not None and self._user_id is not None
        self._record: UserRecord | None = None
        self._changes: list[Change] = []
        self._forget = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def record(self) -> UserRecord:
        """The stored record as of this request (read once), with the unsaved changes."""
        if self._record is None:
            stored: dict[str, Any] = {}
            if self._adapter is not None and self._user_id is not None:
                stored = self._adapter.get_attributes(self._user_id)
            self._record = UserRecord.from_attributes(stored)
            for change in (*self._unsaved_changes(), *self._changes):
                change(self._record)
        return self._record

    @property
    def loaded_record(self) -> UserRecord | None:
        """The record if this request has read it already; never reads just for this."""
        return self._record

    def change(self, change: Change) -> None:
        """A setting the listener asked for: written at the end of this request."""
        if self._record is not None:
            change(self._record)
        self._changes.append(change)

    def note_visit(self) -> None:
        """A session opened: counted when it ends."""
        if not self._enabled:  # nothing will be written: carry nothing in the session
            return
        self._unsaved()["visit"] = True
        if self._record is not None:
            record_visit(self._record)

    def note_heard(self, topic: str) -> None:
        """A topic was answered: remembered when the session ends."""
        if not self._enabled:
            return
        topics = self._unsaved().setdefault("heard", [])
        if isinstance(topics, list):
            if topic in topics:  # once each; the last one is the last topic
                topics.remove(topic)
            if len(topics) < MAX_UNSAVED_TOPICS:
                topics.append(topic)
        if self._record is not None:
            heard(topic)(self._record)

    def forget(self, *, keep: Change | None = None) -> None:
        """Delete everything stored for this listener (after they confirmed, or when they
        disabled the skill). `keep` writes back the little that must survive, e.g. the
        id of a reminder Alexa could not delete yet, so "forget me" can try again."""
        self._changes.clear()
        self._session.pop(UNSAVED, None)
        self._record = UserRecord()
        self._forget = True
        if keep is not None:
            self.change(keep)

    def commit(self, *, session_ends: bool) -> bool:
        """Write what is due in one atomic update; a store fault is logged, not raised.

        Settings are due now; the visit and topics are due when the session ends
        (and go along with any earlier write, to save a second one). Returns False
        when something the listener asked for (a setting, "forget me") could not be
        stored, which they would notice, so the reply must say so; True otherwise
        (a visit or topic that could not be counted is only logged).
        """
        if self._adapter is None or self._user_id is None:
            return True
        if self._forget:
            if not self._changes:
                self._adapter.delete_attributes(self._user_id)
                return self._adapter.available
            kept = UserRecord()
            for change in self._changes:
                change(kept)
            self._changes.clear()
            self._adapter.update_attributes(self._user_id, lambda _stored: kept.to_attributes())
            return self._adapter.available
        if not self._changes and not (session_ends and UNSAVED in self._session):
            return True
        asked = bool(self._changes)
        changes = [*self._unsaved_changes(), *self._changes]
        self._changes.clear()
        self._session.pop(UNSAVED, None)

        def apply(stored: dict[str, Any]) -> dict[str, Any]:
            record = UserRecord.from_attributes(stored)
            for change in changes:
                change(record)
            return record.to_attributes()

        self._adapter.update_attributes(self._user_id, apply)
        return self._adapter.available or not asked

    def _unsaved(self) -> dict[str, Any]:
        unsaved = self._session.get(UNSAVED)
        if not isinstance(unsaved, dict):
            unsaved = self._session[UNSAVED] = {}
        return unsaved

    def _unsaved_changes(self) -> list[Change]:
        """The session's unsaved visit and topics as changes (the session comes from outside)."""
        unsaved = self._session.get(UNSAVED)
        if not isinstance(unsaved, dict):
            return []
        changes: list[Change] = [record_visit] if unsaved.get("visit") is True else []
        topics = unsaved.get("heard")
        if isinstance(topics, list):
            changes += [heard(t) for t in topics[:MAX_UNSAVED_TOPICS] if isinstance(t, str) and t]
        return changes


def _user_id(handler_input: HandlerInput) -> str | None:
    """The Alexa user id that keys the store, if the request carries one."""
    if handler_input.request_envelope.context is None:
        return None
    user_id = get_user_id(handler_input)
    return user_id if isinstance(user_id, str) and user_id else None


def memory_of(handler_input: HandlerInput) -> Memory:
    """This request's memory; a blank, never-stored one if the skill runs without persistence."""
    attributes = handler_input.attributes_manager.request_attributes
    memory = attributes.get(REQUEST_KEY)
    if not isinstance(memory, Memory):
        memory = Memory(None, handler_input)
        attributes[REQUEST_KEY] = memory
    return memory


# --- changes ------------------------------------------------------------------------------


def record_visit(record: UserRecord) -> None:
    record.visits += 1
    if record.first_seen is None:
        record.first_seen = datetime.datetime.now(datetime.UTC).date().isoformat()


def heard(topic: str) -> Change:
    def change(record: UserRecord) -> None:
        if topic not in record.topics_heard:
            record.topics_heard.append(topic)
        record.last_topic = topic

    return change


def set_voice(voice: str) -> Change:
    def change(record: UserRecord) -> None:
        record.voice = voice

    return change


def set_bedtime(bedtime: datetime.time) -> Change:
    def change(record: UserRecord) -> None:
        record.bedtime = bedtime

    return change


def set_reminder(reminder_id: str | None, at: datetime.time | None) -> Change:
    def change(record: UserRecord) -> None:
        record.reminder_id = reminder_id
        record.reminder_time = at

    return change
