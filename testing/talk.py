"""Talk to the real skill the way Alexa does, and read what it said."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ask_sdk_core.skill import CustomSkill

from skill.dev.console.session import Reply, plain
from skill.dispatch import invoke_json
from testing import envelopes

__all__ = ["Conversation", "Turn", "invoke", "plain"]

# One way to send a request (the hosts' way) and one way to read a reply (the console's).
invoke = invoke_json


@dataclass(frozen=True)
class Turn(Reply):
    """One reply from the skill, with the raw SSML and card the tests compare."""

    @property
    def ssml(self) -> str:
        return str((self.response.get("outputSpeech") or {}).get("ssml", ""))

    @property
    def card(self) -> dict[str, Any] | None:  # type: ignore[override]
        return self.response.get("card")


@dataclass
class Conversation:
    """A session with the skill: attributes carried between turns, like Alexa."""

    skill: CustomSkill
    user_id: str = envelopes.USER_ID
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)
    started: bool = False
    ended: bool = False
    turns: list[Turn] = field(default_factory=list)
    # How an envelope reaches the skill: by default in-process (what the Lambda entry
    # does); a test may post it to the web endpoint or call the Lambda entry instead.
    transport: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def send(self, build: Any, *args: Any, **kwargs: Any) -> Turn:
        assert not self.ended, "the skill already closed this session"
        envelope = build(
            *args,
            new=not self.started,
            attributes=self.attributes,
            session_id=self.session_id,
            user_id=self.user_id,
            **kwargs,
        )
        raw = self.transport(envelope) if self.transport else invoke(self.skill, envelope)
        turn = Turn(raw)
        self.started = True
        self.attributes = dict(turn.attributes)
        self.ended = turn.ends_session
        self.turns.append(turn)
        return turn

    def open(self) -> Turn:
        return self.send(envelopes.launch)

    def say(self, intent_name: str, **slots: dict[str, Any]) -> Turn:
        return self.send(envelopes.intent, intent_name, slots or None)
