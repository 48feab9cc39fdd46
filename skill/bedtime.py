"""Bedtime-aware: near the listener's own bedtime, say less.

When the bedtime they stored (with their reminder) is half an hour away or has passed,
on the device's own clock, the skill says once a session "It's nearly your bedtime, so
I'll keep it short," then speaks softly, answers in one sentence, offers nothing and
closes. Without a stored bedtime, or when the device's time zone is unknown, nothing
changes. Checked once a session: the memory is read and the clock asked at most once.
"""

from __future__ import annotations

import datetime

from skill.content import load_content
from skill.names import Bedtime
from skill.ports import Ports
from skill.replies import sentences
from skill.turn import Session, Turn

#: How long before bedtime "nearly your bedtime" starts.
NEAR = datetime.timedelta(minutes=30)
#: How long after bedtime it is still "past your bedtime" (then it is tomorrow's day).
PAST = datetime.timedelta(hours=6)

_DAY = datetime.timedelta(days=1)
#: Kept in a short answer when the article's advice sits in a later sentence.
PROFESSIONAL = "healthcare professional"


def is_near(bedtime: datetime.time, now: datetime.datetime) -> bool:
    """True from `NEAR` before `bedtime` until `PAST` after it, on the wall clock `now`."""
    tonight = datetime.datetime.combine(now.date(), bedtime)
    for candidate in (tonight - _DAY, tonight, tonight + _DAY):
        if candidate - NEAR <= now <= candidate + PAST:
            return True
    return False


def near(turn: Turn, session: Session, ports: Ports) -> bool:
    """True when tonight's session is near the listener's bedtime (checked once)."""
    if session.nearness is None:
        session.nearness = _check(turn, ports)
    return session.nearness in (Bedtime.NEAR, Bedtime.SAID)


def _check(turn: Turn, ports: Ports) -> Bedtime:
    if not ports.memory.enabled or turn.timestamp is None:
        return Bedtime.FAR
    bedtime = ports.memory.record.bedtime
    if bedtime is None:
        return Bedtime.FAR
    now = ports.clock.local(turn.timestamp)
    if now is None:  # the time zone is unknown: behave as usual
        return Bedtime.FAR
    return Bedtime.NEAR if is_near(bedtime, now) else Bedtime.FAR


def is_near_tonight(session: Session) -> bool:
    """Near bedtime, as already checked this session (never checks)."""
    return session.nearness in (Bedtime.NEAR, Bedtime.SAID)


def keep_short(session: Session) -> tuple[str, ...]:
    """ "It's nearly your bedtime, so I'll keep it short," the first time tonight only."""
    if session.nearness == Bedtime.NEAR:
        session.nearness = Bedtime.SAID
        return (load_content().prompts.near_bedtime,)
    return ()


def one_sentence(text: str) -> str:
    """The first sentence of an answer, or all of it when the advice to see a healthcare
    professional would otherwise be lost (safety before brevity)."""
    parts = sentences(text)
    if not parts:
        return text
    if PROFESSIONAL in text and PROFESSIONAL not in parts[0]:
        return text
    return parts[0]
