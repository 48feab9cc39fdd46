"""The small interfaces features use to reach beyond the turn (the listener's memory,
Alexa's reminders and the device's clock), and the shape of a feature. `skill.alexa`
passes the real ports; a feature test passes `Memory(None, None, session)` or a fake of
its own."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from skill.memory import Memory
from skill.reminders.port import Reminders
from skill.replies import Reply
from skill.turn import Session, Turn


class DeviceClock(Protocol):
    """The device's own wall clock (its time zone from Alexa's settings API)."""

    def local(self, at: datetime.datetime) -> datetime.datetime | None:
        """`at` (aware, UTC) as naive wall-clock time on the device; None if unknown."""
        ...


class NoClock:
    """A device whose time zone is unknown: bedtime-aware replies stay off."""

    def local(self, at: datetime.datetime) -> datetime.datetime | None:
        return None


#: The clock of a device whose time zone is unknown (feature tests, hosts without APIs).
NO_CLOCK: DeviceClock = NoClock()


@dataclass(frozen=True)
class Ports:
    memory: Memory
    reminders: Reminders
    clock: DeviceClock = NO_CLOCK


#: A feature: the turn, tonight's session (which it may change) and the ports, to a reply.
Feature = Callable[[Turn, Session, Ports], Reply]
