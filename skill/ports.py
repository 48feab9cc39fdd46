"""The small interfaces features use to reach beyond the turn (the listener's memory and
Alexa's reminders), and the shape of a feature. `skill.alexa` passes the real ports; a
feature test passes `Memory(None, None, session)` or a fake of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from skill.memory import Memory
from skill.reminders.port import Reminders
from skill.replies import Reply
from skill.turn import Session, Turn


@dataclass(frozen=True)
class Ports:
    memory: Memory
    reminders: Reminders


#: A feature: the turn, tonight's session (which it may change) and the ports, to a reply.
Feature = Callable[[Turn, Session, Ports], Reply]
