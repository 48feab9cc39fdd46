"""Keeps the skill talking when its memory store is down.

A bedtime answer matters more than remembering the listener, so every store
failure becomes "no memory this time": one warning line, never an exception.
"""

from __future__ import annotations

import logging
import threading

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from skill.persistence.base import (
    Attributes,
    SessionEnd,
    SupportsRecordSession,
    SupportsUpdate,
    UpdateFn,
    UserRef,
    envelope_for_user,
)

logger = logging.getLogger(__name__)

_MAX_MESSAGE = 300


class _LastOutcome(threading.local):
    available: bool = True


class ResilientPersistenceAdapter(AbstractPersistenceAdapter):
    """Wraps an adapter with atomic updates so that get returns {} and save/delete/update
    do nothing on failure: the skill simply answers without memory.

    `available` reports whether this thread's last operation reached the store (the
    tests and the soak read it; no handler needs to).
    """

    def __init__(self, inner: AbstractPersistenceAdapter) -> None:
        self.inner = inner
        self._last = _LastOutcome()
        self._degraded = False

    def __repr__(self) -> str:
        return f"ResilientPersistenceAdapter({self.inner!r})"

    @property
    def available(self) -> bool:
        """Whether this thread's last operation succeeded (True before any)."""
        return self._last.available

    def prepare(self) -> None:
        """Do ahead (Lambda INIT) what the first call needs and no request decides, such as
        opening a connection, where the store has such a step. Never fails: a store that
        cannot be reached now is tried again, and reported, by the first call."""
        prepare = getattr(self.inner, "prepare", None)
        if prepare is None:
            return
        try:
            prepare()
        except Exception as exc:  # the first call will say what is wrong
            logger.debug("preparing %r failed: %s: %s", self.inner, type(exc).__name__, exc)

    def get_attributes(self, request_envelope: UserRef) -> Attributes:
        """The stored attributes, or {} when the store cannot be read."""
        try:
            attributes = self.inner.get_attributes(envelope_for_user(request_envelope))
            _check_dict(attributes)
        except Exception as exc:
            self._failed("read", exc)
            return {}
        self._succeeded()
        return attributes

    def save_attributes(self, request_envelope: UserRef, attributes: Attributes) -> None:
        """Store the attributes, or do nothing when the store cannot be written."""
        try:
            self.inner.save_attributes(envelope_for_user(request_envelope), attributes)
        except Exception as exc:
            self._failed("write", exc)
            return
        self._succeeded()

    def delete_attributes(self, request_envelope: UserRef) -> None:
        """Forget the user, or do nothing when the store cannot be written."""
        try:
            self.inner.delete_attributes(envelope_for_user(request_envelope))
        except Exception as exc:
            self._failed("delete", exc)
            return
        self._succeeded()

    def update_attributes(self, user: UserRef, fn: UpdateFn) -> Attributes:
        """Read-modify-write the user's attributes atomically (the inner adapter's own
        `update_attributes`: SQLite, DynamoDB); returns the stored result, or {} on failure.

        When the store fails, nothing is saved, so stored memory is never replaced by
        attributes rebuilt from {}. Exceptions raised by `fn` itself are the caller's
        bug and propagate unchanged.
        """
        inner = self.inner
        if not isinstance(inner, SupportsUpdate):
            raise TypeError(f"{inner!r} has no atomic update_attributes")
        fn_errors: list[Exception] = []

        def guarded(attributes: Attributes) -> Attributes:
            try:
                return fn(attributes)
            except Exception as exc:
                fn_errors.append(exc)
                raise

        try:
            updated = inner.update_attributes(user, guarded)
        except Exception as exc:
            if fn_errors and exc is fn_errors[0]:
                raise
            if fn_errors:  # the inner adapter wrapped the caller's error: unwrap it
                raise fn_errors[0] from exc
            self._failed("update", exc)
            return {}
        self._succeeded()
        return updated

    def record_session(self, user: UserRef, session: SessionEnd) -> None:
        """Count an ended session's visit and topics (the inner adapter's
        `record_session`: DynamoDB's atomic ADD, SQLite's transaction), or do nothing
        when the store cannot be written. An adapter without it gets the same change as
        a read-modify-write (`SessionEnd.apply`)."""
        inner = self.inner
        if not isinstance(inner, SupportsRecordSession):
            self.update_attributes(user, session.apply)
            return
        try:
            inner.record_session(user, session)
        except Exception as exc:
            self._failed("update", exc)
            return
        self._succeeded()

    def _failed(self, what: str, exc: Exception) -> None:
        self._last.available = False
        self._degraded = True
        message = " ".join(str(exc).split())[:_MAX_MESSAGE]
        logger.warning(
            "user memory %s failed, carrying on without it: %s: %s",
            what,
            type(exc).__name__,
            message,
        )

    def _succeeded(self) -> None:
        self._last.available = True
        if self._degraded:
            self._degraded = False
            logger.info("user memory is available again")


def _check_dict(attributes: object) -> None:
    if not isinstance(attributes, dict):
        raise PersistenceException(f"store returned {type(attributes).__name__}, not a dict")
