"""Types and user-id helpers shared by the persistence adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeAlias, runtime_checkable

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import Context, RequestEnvelope, User
from ask_sdk_model.interfaces.system import SystemState

Attributes: TypeAlias = dict[str, Any]
"""A user's stored memory: any JSON-able dict."""

UpdateFn: TypeAlias = Callable[[Attributes], Attributes]
"""Turns the stored attributes into the ones to store (may mutate its argument).

It may be called more than once, each time on freshly read attributes (DynamoDB
retries on a conflicting write), so it must depend on nothing but its argument.
"""

UserRef: TypeAlias = RequestEnvelope | str
"""A request envelope, or the Alexa user id taken from one."""

RETENTION_DAYS = 400
"""A listener not seen for this long is forgotten: every write starts the period again;
DynamoDB's TTL and the SQLite sweep delete what has expired, and an expired record is
never read back meanwhile (skill/content/privacy.html, "How long")."""
RETENTION_SECONDS = RETENTION_DAYS * 24 * 60 * 60


@runtime_checkable
class SupportsUpdate(Protocol):
    """An adapter that can read-modify-write one user's attributes in one step."""

    def update_attributes(self, user: UserRef, fn: UpdateFn) -> Attributes: ...


@runtime_checkable
class SupportsRecordSession(Protocol):
    """An adapter that can count a visit and the topics heard without a read (DynamoDB),
    or inside its own write transaction (SQLite)."""

    def record_session(self, user: UserRef, session: SessionEnd) -> None: ...


class SessionEnd:
    """What an ended session adds to a listener's record: `visits` (0 or 1) and the topics
    heard, in order (the last is the last topic); `today` (an ISO date) is the first
    seen date of a listener never counted before. Stored under the attribute names
    skill/memory.py reads: `visits`, `topics_heard`, `last_topic`, `first_seen`.

    `rewrite`, if given, is the same change as a read-modify-write function (memory's,
    which also fills in the record's other fields); stores that read and write whole
    records (SQLite, DynamoDB's fallback) apply it instead of `apply`'s plain one."""

    __slots__ = ("rewrite", "today", "topics", "visits")

    def __init__(
        self,
        visits: int,
        topics: tuple[str, ...],
        today: str,
        rewrite: UpdateFn | None = None,
    ) -> None:
        self.visits = visits
        self.topics = topics
        self.today = today
        self.rewrite = rewrite

    def __repr__(self) -> str:
        return f"SessionEnd(visits={self.visits}, topics={self.topics!r}, today={self.today!r})"

    def apply(self, attributes: Attributes) -> Attributes:
        """`attributes` with this session counted (the read-modify-write form, as SQLite
        does it inside its transaction): `rewrite`'s result, or else visits added,
        topics joined in order, last topic set, first seen set to `today` if it was not
        (wrong-typed stored values replaced, as ListenerMemory.from_attributes ignores
        them)."""
        if self.rewrite is not None:
            return self.rewrite(attributes)
        visits = attributes.get(VISITS)
        if not isinstance(visits, int) or isinstance(visits, bool) or visits < 0:
            visits = 0
        if self.visits:
            attributes[VISITS] = visits + self.visits
            if not isinstance(attributes.get(FIRST_SEEN), str):
                attributes[FIRST_SEEN] = self.today
        if self.topics:
            stored = attributes.get(TOPICS_HEARD)
            heard = [t for t in stored if isinstance(t, str)] if isinstance(stored, list) else []
            heard.extend(t for t in dict.fromkeys(self.topics) if t not in heard)
            attributes[TOPICS_HEARD] = heard
            attributes[LAST_TOPIC] = self.topics[-1]
        return attributes


VISITS = "visits"
TOPICS_HEARD = "topics_heard"
LAST_TOPIC = "last_topic"
FIRST_SEEN = "first_seen"
"""The record's fields a session end writes (skill/memory.py's ListenerMemory)."""


def user_id_of(user: UserRef) -> str:
    """The Alexa user id that keys the stored attributes; the SDK keys DynamoDB the same way."""
    user_id: object = user
    if not isinstance(user, str):
        context = getattr(user, "context", None)
        system = getattr(context, "system", None)
        user_id = getattr(getattr(system, "user", None), "user_id", None)
    if not isinstance(user_id, str) or not user_id:
        raise PersistenceException("request envelope has no Alexa user id")
    return user_id


def envelope_for_user(user: UserRef) -> RequestEnvelope:
    """An envelope carrying only the user id, for adapters whose keygen needs an envelope."""
    if not isinstance(user, str):
        return user
    return RequestEnvelope(context=Context(system=SystemState(user=User(user_id=user_id_of(user)))))
