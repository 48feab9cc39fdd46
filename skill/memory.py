"""What the skill remembers about a listener across nights, and nothing more.

Stored per Alexa user id (`ListenerMemory`): first seen, visits, topics heard, last
topic, voice, bedtime and the id of their nightly reminder. Nothing about their
health or doses.

Two sleepers, one Echo: when Alexa recognises the speaker (`context.System.person`),
their memory is their own. It lives in the account's record under `people`, keyed by
`person_key` (a digest of the user and person ids, so neither id is stored or logged),
and holds everything but the reminder: Alexa's Reminders API keeps reminders per
account, so the reminder's id and time stay in the account's part, shared. Without a
recognised person, the account's own fields are today's per-account memory. A
person's "forget me" removes their part only; the account's "forget me" removes the
account's fields and leaves the recognised people theirs; disabling the skill removes
the whole record, everyone's.

`Memory` is the port features record changes on: the record is read from the store at
most once per request, when first needed; settings the listener asks for are written
at the end of the request; the visit and topics heard ride in the session
(`Session.unsaved`) and are written once, when it ends (or along with an earlier
settings write). Both writes are atomic, so simultaneous sessions of the same person
never lose a visit: settings as a read-modify-write (`Store.update_attributes`), the
visit and topics as `Store.record_session`, which on DynamoDB needs no read at all (an
atomic ADD), so any number of them land at once (a recognised person's visit, kept in
the record's `people` map, is a read-modify-write too). If the store is down the skill
answers without memory (the persistence layer logs it).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from skill.names import Voice
from skill.timetext import from_clock, to_clock
from skill.turn import MAX_UNSAVED_TOPICS, Session, Unsaved

if TYPE_CHECKING:  # imported when a session is recorded: a skill without a store never does
    from skill.persistence.base import SessionEnd

logger = logging.getLogger(__name__)

Change = Callable[["ListenerMemory"], None]


def _reached(store: Store) -> bool:
    """Whether the store's last call on this thread reached it (ResilientPersistenceAdapter
    keeps that as `available`); a store without the notion raises its faults instead."""
    return bool(getattr(store, "available", True))


class Store(Protocol):
    """The persistence adapter as memory uses it (`ResilientPersistenceAdapter`)."""

    def get_attributes(self, request_envelope: Any) -> dict[str, Any]: ...

    def update_attributes(
        self, user: Any, fn: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]: ...

    def record_session(self, user: Any, session: SessionEnd) -> None: ...

    def delete_attributes(self, request_envelope: Any) -> None: ...


@dataclass
class ListenerMemory:
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
    def from_attributes(cls, attributes: dict[str, Any]) -> ListenerMemory:
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

#: The record's key for the recognised people's parts.
PEOPLE = "people"
#: Fields everyone on the account shares (Alexa keeps reminders per account).
SHARED_FIELDS = ("reminder_id", "reminder_time")


def person_key(user_id: str, person_id: str) -> str:
    """The key of a recognised person's part of the account's record: derived from both
    ids (SHA-256), so neither is stored, and one person on two accounts has two keys."""
    import hashlib  # only when Alexa recognises a voice: not on every cold start

    digest = hashlib.sha256(f"{user_id}\n{person_id}".encode()).hexdigest()
    return f"p-{digest[:32]}"


def _people(stored: dict[str, Any]) -> dict[str, Any]:
    people = stored.get(PEOPLE)
    return dict(people) if isinstance(people, dict) else {}


def _view(stored: dict[str, Any], person: str | None) -> dict[str, Any]:
    """The stored attributes one listener sees: the account's, or a person's part plus
    the shared fields."""
    if person is None:
        return stored
    own = _people(stored).get(person)
    view = dict(own) if isinstance(own, dict) else {}
    view.update({name: stored.get(name) for name in SHARED_FIELDS})
    return view


def _surviving(stored: dict[str, Any], person: str | None) -> dict[str, Any]:
    """What a "forget me" leaves of `stored`: without `person` (the account forgets its
    own fields) the people's parts; with one, everything but that person's part."""
    people = _people(stored)
    left: dict[str, Any] = {}
    if person is not None:
        people.pop(person, None)
        left = {k: v for k, v in stored.items() if k != PEOPLE}
    if people:
        left[PEOPLE] = people
    return left


def _rejoined(left: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """`left` written back over whatever was stored since the delete (newer wins)."""
    people = {**_people(left), **_people(now)}
    joined = {**left, **now}
    if people:
        joined[PEOPLE] = people
    return joined


def _merged(stored: dict[str, Any], person: str | None, record: ListenerMemory) -> dict[str, Any]:
    """`stored` with one listener's record written in, everything else left as it was."""
    attributes = record.to_attributes()
    merged = dict(stored)
    if person is None:
        merged.update(attributes)
        return merged
    people = _people(stored)
    people[person] = {k: v for k, v in attributes.items() if k not in SHARED_FIELDS}
    merged[PEOPLE] = people
    for name in SHARED_FIELDS:
        if attributes[name] is None:
            merged.pop(name, None)
        else:
            merged[name] = attributes[name]
    return merged


def _clock_or_none(at: datetime.time | None) -> str | None:
    return to_clock(at) if at is not None else None


class Memory:
    """The listener behind one request: their record, read once, and the changes to write.

    `Memory(None, None, session)` is a blank memory that never reads or writes (the
    skill without persistence, or a feature test). With `person_id` (the speaker Alexa
    recognised) the listener is that person, within the account.
    """

    def __init__(
        self,
        store: Store | None,
        user_id: str | None,
        session: Session,
        person_id: str | None = None,
    ) -> None:
        self._store = store
        self._session = session
        self._user_id = user_id
        self._person = person_key(user_id, person_id) if user_id and person_id else None
        self._others_stored: bool | None = None  # other listeners' parts in the record
        self._enabled = store is not None and user_id is not None
        self._record: ListenerMemory | None = None
        self._changes: list[Change] = []
        self._forget = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def record(self) -> ListenerMemory:
        """The stored record as of this request (read once), with the unsaved changes."""
        if self._record is None:
            stored: dict[str, Any] = {}
            if self._store is not None and self._user_id is not None:
                stored = self._store.get_attributes(self._user_id)
            people = _people(stored)
            people.pop(self._person or "", None)
            self._others_stored = bool(people)
            self._record = ListenerMemory.from_attributes(_view(stored, self._person))
            for change in (*self._unsaved_changes(), *self._changes):
                change(self._record)
        return self._record

    @property
    def recognised(self) -> bool:
        """Whether this memory is a recognised person's (not the whole account's)."""
        return self._person is not None

    @property
    def loaded_record(self) -> ListenerMemory | None:
        """The record if this request has read it already; never reads just for this."""
        return self._record

    def change(self, change: Change) -> None:
        """A setting the listener asked for: written at the end of this request."""
        if self._record is not None:
            change(self._record)
        self._changes.append(change)

    def open_visit(self) -> None:
        """A session opened: a regular is recognised (offers prefer what they have never
        heard; their voice carries over), and the visit is counted when it ends. What they
        heard on earlier nights stays apart from tonight's (`Session.heard_before`)."""
        if not self._enabled:  # nothing will be written: carry nothing in the session
            return
        record = self.record
        session = self._session
        # Only what differs from a first-time, normal-voice listener rides in the session.
        if record.visits > 0:
            session.returning = True
            if record.topics_heard:
                session.heard_before = tuple(record.topics_heard)
        if record.voice != Voice.NORMAL:
            session.voice = record.voice
        self._unsaved().visit = True
        record_visit(record)

    def note_heard(self, topic: str) -> None:
        """A topic was answered: remembered when the session ends."""
        if not self._enabled:
            return
        topics = self._unsaved().heard
        if topic in topics:  # once each; the last one is the last topic
            topics.remove(topic)
        if len(topics) < MAX_UNSAVED_TOPICS:
            topics.append(topic)
        if self._record is not None:
            heard(topic)(self._record)

    def forget(self, *, keep: Change | None = None, everyone: bool = False) -> None:
        """Delete everything stored for this listener (after they confirmed), or with
        `everyone` the account's whole record (the skill was disabled). `keep` writes back
        the little that must survive, e.g. the id of a reminder Alexa could not delete
        yet, so "forget me" can try again."""
        self._changes.clear()
        self._session.unsaved = None
        self._record = ListenerMemory()
        self._forget = True
        if everyone:
            self._person = None
            self._others_stored = False
        if keep is not None:
            self.change(keep)

    def commit(self, *, session_ends: bool) -> bool:
        """Write what is due, atomically; a store fault is logged, not raised.

        Settings are due now (one read-modify-write); the visit and topics are due when
        the session ends, or go along with an earlier settings write (one
        `record_session`: on DynamoDB an atomic ADD that needs no read). Returns False
        when something the listener asked for (a setting, "forget me") could not be
        stored, which they would notice, so the reply must say so; True otherwise
        (a visit or topic that could not be counted is only logged).
        """
        if self._store is None or self._user_id is None:
            return True
        if self._forget:
            return self._commit_forget()
        unsaved = self._session.unsaved
        if not self._changes and not (session_ends and unsaved is not None):
            return True
        person = self._person
        stored = True
        if self._changes:  # settings: a read-modify-write of their own fields
            self._store.update_attributes(self._user_id, _rewrite(self._changes, person))
            self._changes.clear()
            stored = _reached(self._store)
        if unsaved is not None:  # the visit and topics
            changes = self._unsaved_changes()
            self._session.unsaved = None
            rewrite = _rewrite(changes, person)
            if person is not None:
                # A recognised person's part lives inside the record's `people` map, which
                # DynamoDB cannot ADD to: their session end is a read-modify-write.
                self._store.update_attributes(self._user_id, rewrite)
            else:  # the account's: added, never read first
                from skill.persistence.base import SessionEnd

                visits = 1 if unsaved.visit else 0
                session = SessionEnd(visits, tuple(unsaved.heard), _today(), rewrite)
                self._store.record_session(self._user_id, session)
        return stored

    def _commit_forget(self) -> bool:
        """Delete this listener's memory, keeping only what `forget(keep=...)` asked for
        and other listeners' parts.

        Delete first, always: the store then leaves no earlier version behind (SQLite
        zeroes the row and empties its WAL); rewriting the record in place would keep
        them. What must survive (`keep`, the other people's parts) is written afresh
        after, merged with anything another listener wrote in between (their newer
        parts win); a write between the read and the delete is the one thing lost.
        False when the store could not be reached (the reply says so).
        """
        assert self._store is not None and self._user_id is not None
        kept: ListenerMemory | None = None
        if self._changes:
            kept = ListenerMemory()
            for change in self._changes:
                change(kept)
            self._changes.clear()
        person = self._person
        left: dict[str, Any] = {}
        if person is not None or self._others_stored is not False:
            left = _surviving(self._store.get_attributes(self._user_id), person)
            if not _reached(self._store):
                return False  # deleting now would lose the other people's parts
        if kept is not None:
            attributes = kept.to_attributes()
            names = SHARED_FIELDS if person is not None else tuple(attributes)
            left.update({name: attributes[name] for name in names})
        self._store.delete_attributes(self._user_id)
        forgotten = _reached(self._store)
        if not left:
            return forgotten
        self._store.update_attributes(self._user_id, lambda now: _rejoined(left, now))
        return forgotten and _reached(self._store)

    def _unsaved(self) -> Unsaved:
        if self._session.unsaved is None:
            self._session.unsaved = Unsaved()
        return self._session.unsaved

    def _unsaved_changes(self) -> list[Change]:
        """The session's unsaved visit and topics as changes."""
        unsaved = self._session.unsaved
        if unsaved is None:
            return []
        changes: list[Change] = [record_visit] if unsaved.visit else []
        return changes + [heard(topic) for topic in unsaved.heard]


# --- changes ------------------------------------------------------------------------------


def _rewrite(
    changes: list[Change], person: str | None
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The changes as a read-modify-write of the stored record: of the account's own
    fields, or of `person`'s part (and the shared fields)."""
    changes = list(changes)

    def apply(stored: dict[str, Any]) -> dict[str, Any]:
        record = ListenerMemory.from_attributes(_view(stored, person))
        for change in changes:
            change(record)
        return _merged(stored, person, record)

    return apply


def _today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def record_visit(record: ListenerMemory) -> None:
    record.visits += 1
    if record.first_seen is None:
        record.first_seen = _today()


def heard(topic: str) -> Change:
    def change(record: ListenerMemory) -> None:
        if topic not in record.topics_heard:
            record.topics_heard.append(topic)
        record.last_topic = topic

    return change


def set_voice(voice: str) -> Change:
    def change(record: ListenerMemory) -> None:
        record.voice = voice

    return change


def set_bedtime(bedtime: datetime.time) -> Change:
    def change(record: ListenerMemory) -> None:
        record.bedtime = bedtime

    return change


def set_reminder(reminder_id: str | None, at: datetime.time | None) -> Change:
    def change(record: ListenerMemory) -> None:
        record.reminder_id = reminder_id
        record.reminder_time = at

    return change
