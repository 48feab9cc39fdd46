"""Talk to the real skill the way Alexa does, and read what it said."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from tests import envelopes

_TAG = re.compile(r"<[^>]+>")


def plain(ssml: str | None) -> str:
    """SSML to the words a listener hears."""
    if not ssml:
        return ""
    text = _TAG.sub(" ", ssml)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&quot;", '"').replace("&apos;", "'")
    return " ".join(text.split())


def invoke(skill: CustomSkill, envelope: dict[str, Any]) -> dict[str, Any]:
    """Send one envelope through the skill exactly as a host would (JSON in, JSON out)."""
    request = skill.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
    response = skill.invoke(request_envelope=request, context=None)
    result: dict[str, Any] = skill.serializer.serialize(response)
    return result


@dataclass
class Turn:
    """One reply from the skill."""

    raw: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        value: dict[str, Any] = self.raw.get("response") or {}
        return value

    @property
    def ssml(self) -> str:
        return str((self.response.get("outputSpeech") or {}).get("ssml", ""))

    @property
    def speech(self) -> str:
        return plain(self.ssml)

    @property
    def reprompt(self) -> str:
        reprompt = self.response.get("reprompt") or {}
        return plain((reprompt.get("outputSpeech") or {}).get("ssml"))

    @property
    def ends_session(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    @property
    def card(self) -> dict[str, Any] | None:
        return self.response.get("card")

    @property
    def attributes(self) -> dict[str, Any]:
        value: dict[str, Any] = self.raw.get("sessionAttributes") or {}
        return value

    @property
    def directives(self) -> list[dict[str, Any]]:
        value: list[dict[str, Any]] = self.response.get("directives") or []
        return value


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
        turn = Turn(invoke(self.skill, envelope))
        self.started = True
        self.attributes = dict(turn.attributes)
        self.ended = turn.ends_session
        self.turns.append(turn)
        return turn

    def open(self) -> Turn:
        return self.send(envelopes.launch)

    def say(self, intent_name: str, **slots: dict[str, Any]) -> Turn:
        return self.send(envelopes.intent, intent_name, slots or None)
