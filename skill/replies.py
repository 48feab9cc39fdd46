"""The reply kit: one `Reply` per turn, and `render`, the one place that decides the mic.

Features say *what* a turn contains; `render` alone decides whether the microphone stays
open. A one-shot question closes its session after the answer, unless the reply asks what
only the listener can answer (`question`: a bedtime, a yes/no). In a conversation the answer
is followed by an offer, "what next?" or a goodnight, and listening goes on while there is a
reprompt. `render` works on plain values; `skill.alexa` makes the SDK's response of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skill.content import load_content
from skill.names import RequestType
from skill.turn import Session, Turn


@dataclass(frozen=True)
class Reply:
    """One turn: what is said, what follows if we keep listening, a card, what "yes" means."""

    speech: tuple[str, ...]
    follow_up: tuple[str, ...] = ()  # said only when the conversation goes on
    reprompt: str | None = None  # None: the session ends
    question: bool = False  # asks what only the listener can answer: open even after a one-shot
    card_title: str | None = None
    card_text: str | None = None
    headline: str | None = None  # the few words a screen shows largest ("Call 911")
    consent_card: bool = False  # the Alexa app card asking for the reminders permission
    ask_permission: str | None = None  # ask for the reminders permission by voice; the token
    offer: str | None = None  # the topic "yes" will take
    pending: str | None = None  # the action "yes" will confirm
    elicit: tuple[str, str] | None = None  # (intent, slot) Alexa should listen for next
    remember: bool = True  # kept for "repeat that"
    misses: int = 0  # consecutive turns not understood, this one included (0: understood)
    source: str | None = None  # the article sentence the answer comes from, for a screen
    shown: str | None = None  # what a screen shows for the speech, when they differ ("911")
    near_bedtime: bool = False  # said near the listener's bedtime: softly (and a dim screen)


#: Words in an answer turn, the answer and any offer together (one breath at bedtime).
MAX_ANSWER_WORDS = 30
#: Words in the reminder's consent question, the one turn that must state a whole plan.
MAX_CONSENT_WORDS = 35

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def words(*parts: str) -> int:
    """How many words `parts` say together."""
    return sum(len(part.split()) for part in parts)


def sentences(text: str) -> list[str]:
    """`text` split after each full stop, question or exclamation mark."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


@dataclass(frozen=True)
class Rendered:
    """What to send: the words, and whether (and for what) we keep listening."""

    speech: tuple[str, ...]
    reprompt: str | None  # None: the session ends
    elicit: tuple[str, str] | None
    reply: Reply


def is_one_shot(turn: Turn, session: Session) -> bool:
    """True for a question that opened its own session ("ask ... when to take it").

    A one-shot that needed a follow-up question (bedtime, a yes/no) stays one-shot
    until it is answered, so the final answer still closes the microphone.
    """
    return turn.opens_alone or (turn.kind != RequestType.LAUNCH and session.one_shot)


def render(turn: Turn, session: Session, reply: Reply) -> Rendered:
    """Decide the microphone for `reply`, and note in `session` what the next turn needs."""
    one_shot = is_one_shot(turn, session)
    listening = reply.reprompt is not None and (reply.question or not one_shot)
    in_conversation = listening or not one_shot
    speech = (*reply.speech, *reply.follow_up) if in_conversation else reply.speech
    session.offered_topic = reply.offer if listening else None
    session.pending = reply.pending if listening else None
    session.eliciting = ".".join(reply.elicit) if listening and reply.elicit else None
    session.misses = reply.misses if listening else 0
    if not listening:
        return Rendered(speech, None, None, reply)
    if one_shot:
        session.one_shot = True
    if reply.remember:
        # Compact on purpose: the SDK deep-copies session attributes on every request.
        session.last_reply = (reply.reprompt or "", *speech)
    return Rendered(speech, reply.reprompt or "", reply.elicit, reply)


def stored_reply(session: Session) -> Reply | None:
    """The last reply that kept listening, with whatever offer or pending yes/no the
    session still holds, so "repeat that" keeps the question it repeats answerable."""
    last = session.last_reply
    if last is None:
        return None
    return Reply(
        speech=tuple(last[1:]),
        reprompt=last[0],
        question=True,
        offer=session.offered_topic,
        pending=session.pending,
    )


def then_ask_next(
    said: str, *, card_title: str | None = None, card_text: str | None = None
) -> Reply:
    """Something short, then "what next?" if the conversation goes on."""
    prompts = load_content().prompts
    return Reply(
        speech=(said,),
        follow_up=(prompts.ask_next,),
        reprompt=prompts.help_reprompt,
        card_title=card_title,
        card_text=card_text,
    )
