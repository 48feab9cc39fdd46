"""The request mixes both sides are measured on: one realistic conversation, many users.

Ours gets ten requests: a launch, a one-shot question, an in-session conversation
(dosage, a resolved benefit slot, yes, more, repeat, help, stop) and the session end.
The session attributes each in-session request carries are the ones the skill itself
returned for the turn before, so every request takes its real path (no fallbacks).
The floor gets the same envelopes in the same proportions, reshaped for a hello-world
skill: every intent becomes HelloIntent without slots, and sessions carry no attributes.
"""

from __future__ import annotations

import copy
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from skill.content import load_content
from skill.dispatch import invoke_json
from testing import envelopes

Event = dict[str, Any]

APPLICATION_ID = envelopes.APPLICATION_ID
SESSION_ID = "amzn1.echo-api.session.bench-conversation"
LABELS = (
    "LaunchRequest",
    "TimingIntent (one-shot)",
    "DosageIntent",
    "BenefitDetailIntent (sleep)",
    "AMAZON.YesIntent",
    "AMAZON.MoreIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "SessionEndedRequest",
)


def _in_session(name: str, attributes: dict[str, Any], **kwargs: Any) -> Event:
    return envelopes.intent(name, new=False, attributes=attributes, session_id=SESSION_ID, **kwargs)


def ours_template() -> list[Event]:
    """Our ten requests, in `LABELS` order, each checked to get a real (non-fallback) answer.

    Built by talking to the skill with SQLite memory on (a throw-away file), so the
    attributes are what it emits in production: the voice, the returning flag and the
    unsaved visit and topics ride along in the session.
    """
    with tempfile.TemporaryDirectory(prefix="bench-mix-") as folder:
        settings = Settings(
            skill_id=APPLICATION_ID, persistence=True, sqlite_path=Path(folder) / "mix.sqlite3"
        )
        return _talk(build_skill(settings))


def _talk(skill: CustomSkill) -> list[Event]:
    prompts = load_content().prompts
    attributes: dict[str, Any] = {}
    conversation: list[Event] = []

    def turn(event: Event) -> None:
        nonlocal attributes
        conversation.append(event)
        result = invoke_json(skill, copy.deepcopy(event))
        speech = str((result["response"].get("outputSpeech") or {}).get("ssml", ""))
        if any(p in speech for p in (prompts.fallback, prompts.error, prompts.nothing_yet)):
            raise RuntimeError(f"bench mix: {event['request']} got a fallback answer")
        attributes = dict(result.get("sessionAttributes") or {})

    turn(envelopes.launch(session_id=SESSION_ID))
    one_shot = envelopes.intent("TimingIntent", new=True)
    for name, kwargs in (
        ("DosageIntent", {}),
        (
            "BenefitDetailIntent",
            {"slots": {"benefit": envelopes.benefit("sleep", "sleep_quality")}},
        ),
        ("AMAZON.YesIntent", {}),
        ("AMAZON.MoreIntent", {}),
        ("AMAZON.RepeatIntent", {}),
        ("AMAZON.HelpIntent", {}),
        ("AMAZON.StopIntent", {}),
    ):
        turn(_in_session(name, attributes, **kwargs))
    ended = envelopes.session_ended(session_id=SESSION_ID, attributes=attributes)
    events = [conversation[0], one_shot, *conversation[1:], ended]
    assert len(events) == len(LABELS)
    return events


def floor_template(ours: list[Event]) -> list[Event]:
    """The floor's equivalent of `ours`: same envelopes, HelloIntent, no slots or attributes."""
    events = copy.deepcopy(ours)
    for event in events:
        event["session"]["attributes"] = {}
        request = event["request"]
        if request["type"] == "IntentRequest":
            request["intent"] = {"name": "HelloIntent", "confirmationStatus": "NONE", "slots": {}}
    return events


def user_ids(count: int) -> list[str]:
    """Distinct Alexa user ids, so persistence sees many listeners, not one hot row."""
    return [f"amzn1.ask.account.BENCH{n:05d}" for n in range(count)]


def timestamp() -> str:
    """Now, in Alexa's request timestamp format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def for_user(template: list[Event], user_id: str, *, now: str | None = None) -> list[Event]:
    """A copy of `template` from `user_id`, with fresh request ids and (optionally) timestamps."""
    events = copy.deepcopy(template)
    for event in events:
        for holder in (event.get("session"), event["context"]["System"]):
            if isinstance(holder, dict) and isinstance(holder.get("user"), dict):
                holder["user"]["userId"] = user_id
        event["request"]["requestId"] = f"amzn1.echo-api.request.{uuid.uuid4()}"
        if now is not None:
            event["request"]["timestamp"] = now
    return events
