"""One Alexa session at a time, kept the way Alexa keeps it.

Alexa, not the skill, remembers a conversation: it sends `session.new` true only on
the first request, echoes back whatever `sessionAttributes` the last response held,
ends the session when a response says `shouldEndSession`, and after a
Dialog.ElicitSlot directive listens for that slot's value first.

A Connections.SendRequest directive hands the conversation to Alexa itself (AskFor:
"may this skill set reminders?"); Alexa then answers the skill with a
Connections.Response request. The console has no Alexa account to ask, so it reports
the request (`Reply.permission_request`) and sends nothing; `ConsoleSession.deliver`
can still send such a request by hand.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from skill.dev.console import requests
from skill.dev.console.nlu import Resolution
from skill.dev.console.transport import Transport

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")


def plain(ssml: str | None) -> str:
    """SSML to the words a listener hears: tags dropped, entities unescaped."""
    if not ssml:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", ssml)).split())


@dataclass(frozen=True)
class Reply:
    """One response envelope from the skill, read as a listener would hear it."""

    raw: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        value: dict[str, Any] = self.raw.get("response") or {}
        return value

    @property
    def speech(self) -> str:
        return plain((self.response.get("outputSpeech") or {}).get("ssml"))

    @property
    def reprompt(self) -> str:
        reprompt = self.response.get("reprompt") or {}
        return plain((reprompt.get("outputSpeech") or {}).get("ssml"))

    @property
    def card(self) -> tuple[str, str] | None:
        """(title, text) of the card shown in the Alexa app, if any."""
        card = self.response.get("card")
        if not card:
            return None
        if card.get("type") == "AskForPermissionsConsent":
            return "Permission request", ", ".join(str(p) for p in card.get("permissions") or [])
        return str(card.get("title") or ""), str(card.get("content") or card.get("text") or "")

    @property
    def directives(self) -> list[dict[str, Any]]:
        value = self.response.get("directives")
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    @property
    def permission_request(self) -> str | None:
        """The permission scope the skill asked Alexa to request by voice, if it did.

        That is a Connections.SendRequest directive named AskFor; Alexa would ask the
        listener and answer the skill with a Connections.Response.
        """
        for directive in self.directives:
            if directive.get("type") == "Connections.SendRequest" and (
                directive.get("name") == "AskFor"
            ):
                payload = directive.get("payload")
                if not isinstance(payload, dict):
                    return ""
                # Version 2 lists the scopes ("permissionScopes"); version 1 names one.
                scopes = payload.get("permissionScopes")
                if isinstance(scopes, list) and scopes and isinstance(scopes[0], dict):
                    return str(scopes[0].get("permissionScope") or "")
                return str(payload.get("permissionScope") or "")
        return None

    @property
    def ends_session(self) -> bool:
        return self.response.get("shouldEndSession") is True

    @property
    def attributes(self) -> dict[str, Any]:
        value: dict[str, Any] = self.raw.get("sessionAttributes") or {}
        return value

    @property
    def eliciting(self) -> tuple[str, str] | None:
        """(intent, slot) when the skill asked Alexa to listen for one slot's value."""
        for directive in self.directives:
            if directive.get("type") == "Dialog.ElicitSlot":
                intent = (directive.get("updatedIntent") or {}).get("name")
                slot = directive.get("slotToElicit")
                if intent and slot:
                    return str(intent), str(slot)
        return None


@dataclass(frozen=True)
class Exchange:
    """A request sent and the reply it got."""

    request: dict[str, Any]
    reply: Reply


@dataclass
class ConsoleSession:
    """Builds each request like Alexa would, from what the conversation so far left behind."""

    transport: Transport
    locale: str = "en-US"
    application_id: str = requests.LOCAL_APPLICATION_ID
    user_id: str = requests.LOCAL_USER_ID
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    started: bool = False
    eliciting: tuple[str, str] | None = None

    @property
    def is_open(self) -> bool:
        return self.session_id is not None

    def _slots(self, resolution: Resolution) -> dict[str, dict[str, Any]]:
        filled: dict[str, dict[str, Any]] = {}
        for name, match in resolution.slots.items():
            entry = None
            if match.status == requests.MATCH and match.id is not None:
                resolved = (match.resolved_name or match.value or "", match.id)
                entry = requests.resolution(self.application_id, match.type, resolved)
            elif match.status == requests.NO_MATCH:
                entry = requests.resolution(self.application_id, match.type, None)
            filled[name] = requests.slot(name, match.value, entry)
        return filled

    def _body(self, resolution: Resolution) -> dict[str, Any]:
        if resolution.is_launch or resolution.intent is None:
            return requests.launch_request()
        return requests.intent_request(
            resolution.intent, self._slots(resolution), dialog_state=resolution.dialog_state
        )

    def _envelope(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.session_id is not None
        return requests.envelope(
            body,
            new=not self.started,
            attributes=dict(self.attributes),
            session_id=self.session_id,
            application_id=self.application_id,
            user_id=self.user_id,
            locale=self.locale,
        )

    def _start(self) -> None:
        self.session_id = requests.new_session_id()
        self.attributes = {}
        self.started = False
        self.eliciting = None

    def _close(self) -> None:
        self.session_id = None
        self.attributes = {}
        self.started = False
        self.eliciting = None

    def send(self, resolution: Resolution) -> Exchange:
        """Send what was said: in a new session if it named the skill or none is open."""
        return self.deliver(self._body(resolution), new_session=resolution.new_session)

    def deliver(self, body: dict[str, Any], *, new_session: bool = False) -> Exchange:
        """Send one request body (an IntentRequest, or one Alexa itself originates, such
        as the Connections.Response after a permission prompt) and keep its reply."""
        if new_session or not self.is_open:
            self._start()
        request = self._envelope(body)
        reply = Reply(self.transport.send(request))
        self.started = True
        self.attributes = dict(reply.attributes)
        self.eliciting = reply.eliciting
        if reply.ends_session:
            self._close()
        return Exchange(request, reply)

    def end(self, reason: str = "USER_INITIATED") -> Exchange | None:
        """Tell the skill the session is over ("exit", or the person went quiet)."""
        if not self.is_open:
            return None
        request = self._envelope(requests.session_ended_request(reason))
        self._close()
        return Exchange(request, Reply(self.transport.send(request)))
