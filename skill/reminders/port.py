"""The nightly reminder's view of the Alexa Reminders API: a small port and its results.

The dialog speaks about `Outcome`s and never sees HTTP; `skill.reminders.service`
implements `Reminders` over the SDK's service clients, and a test can pass a fake.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import Protocol


class Outcome(enum.Enum):
    """What became of a Reminders API call, in terms a handler can speak about."""

    CREATED = "created"
    #: An existing nightly reminder was changed in place (PUT) instead of adding another.
    UPDATED = "updated"
    FOUND = "found"
    DELETED = "deleted"
    NOT_FOUND = "not_found"
    #: 401, or a 403 saying the user has not granted the reminders permission.
    NO_PERMISSION = "no_permission"
    #: Any other 403: this device or account cannot have reminders.
    UNSUPPORTED = "unsupported"
    #: 429: the skill is sending too many requests.
    THROTTLED = "throttled"
    #: 5xx, timeouts, refused connections, responses we could not read, our own 400s.
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ReminderResult:
    """An outcome, plus the reminder's id (alert token) and daily time when known.

    `zone_known` is False when a set reminder had to go without the device's time zone:
    its first night may then be tomorrow (see `_reminder_request`).
    """

    outcome: Outcome
    reminder_id: str | None = None
    time: datetime.time | None = None
    zone_known: bool = True


@dataclass(frozen=True)
class NightlyReminders:
    """The skill's nightly reminders that are on at Alexa (FOUND), or why we could not tell.

    `reminders` holds (alert token, daily time) pairs; more than one is a duplicate
    left by an older version of the skill.
    """

    outcome: Outcome
    reminders: tuple[tuple[str, datetime.time | None], ...] = ()

    @property
    def first(self) -> tuple[str, datetime.time | None] | None:
        return self.reminders[0] if self.reminders else None


class Reminders(Protocol):
    """What the reminder dialog (and "forget me") asks of Alexa's reminders."""

    def find(self, stored_id: str | None) -> NightlyReminders:
        """FOUND with our nightly reminders on at Alexa (maybe none), or the fault."""
        ...

    def set(self, at: datetime.time, spoken_text: str, stored_id: str | None) -> ReminderResult:
        """Exactly one nightly reminder at `at`: ours updated, or one created."""
        ...

    def delete(self, stored_id: str | None) -> ReminderResult:
        """Every nightly reminder of ours deleted: DELETED, NOT_FOUND, or the fault."""
        ...
