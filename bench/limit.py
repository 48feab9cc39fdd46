"""The limit: a minimal hand-written dispatcher giving the skill's answers to the bench mix.

No SDK, no models, no handler chain: it reads the fields that decide the skill's answer
(request type, intent name, the resolved slot id, and the session attributes the answer
depends on), finds the answer in a table, and builds a fresh response envelope from it,
copying the session attributes the skill would carry. The table is filled by asking the
real skill once per envelope of the mix, and `check` proves the two agree on every
envelope before anything is timed. This is what any Python dispatcher of these answers
has to do at least; the distance from ours to it is what the SDK and the skill's
structure cost.

`wire` adds what Lambda's runtime does around a handler: JSON text in, JSON text out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Handler = Callable[[Event, Any], dict[str, Any]]
Key = tuple[Any, ...]

#: The session attributes some answer depends on (what a yes, a more or a repeat reads).
_READS = ("offered_topic", "last_topic", "last_reply", "pending", "voice", "returning")


def _key(event: Event) -> Key:
    request = event["request"]
    kind = request["type"]
    name = resolved = None
    if kind == "IntentRequest":
        intent = request["intent"]
        name = intent["name"]
        for slot in (intent.get("slots") or {}).values():
            for authority in (slot.get("resolutions") or {}).get("resolutionsPerAuthority", ()):
                values = authority.get("values")
                if values:
                    resolved = values[0]["value"]["id"]
    session = event.get("session") or {}
    attributes = session.get("attributes") or {}
    read = tuple(
        tuple(value) if isinstance(value := attributes.get(k), list) else value for k in _READS
    )
    return (kind, name, resolved, session.get("new"), read)


def _fresh(value: Any) -> Any:
    """A new copy of a JSON-shaped value (what building the response costs)."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


class HandWritten:
    """`handler(event, context)` with the skill's answers, dispatched by hand."""

    def __init__(self, answers: dict[Key, dict[str, Any]]) -> None:
        self._answers = answers

    @classmethod
    def learn(cls, skill: Handler, events: list[Event]) -> HandWritten:
        """Ask the real skill once per event; its answers fill the table."""
        return cls({_key(event): skill(event, None) for event in events})

    def __call__(self, event: Event, context: Any) -> dict[str, Any]:
        built: dict[str, Any] = _fresh(self._answers[_key(event)])
        return built

    def check(self, skill: Handler, events: list[Event]) -> None:
        """Raise unless this dispatcher and `skill` give equal answers to every event."""
        for event in events:
            if self(event, None) != skill(event, None):
                raise RuntimeError(f"limit: answer differs for {event['request']}")


def wire(handler: Handler) -> Callable[[bytes], bytes]:
    """`handler` behind JSON bytes in and out, as Lambda's runtime calls it."""
    loads, dumps = json.loads, json.dumps

    def call(body: bytes) -> bytes:
        return dumps(handler(loads(body), None)).encode()

    return call
