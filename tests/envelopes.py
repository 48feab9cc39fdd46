"""Builders for Alexa request envelopes, so tests read like the conversation.

launch()                                   "Alexa, open bedtime magnesium"
intent("TimingIntent", new=True)           "Alexa, ask bedtime magnesium when to take it"
intent("BenefitDetailIntent", slots={"benefit": benefit("sleep")})
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

APPLICATION_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request: dict[str, Any],
    *,
    new: bool = True,
    attributes: dict[str, Any] | None = None,
    session_id: str | None = None,
    application_id: str = APPLICATION_ID,
    user_id: str = USER_ID,
    locale: str = "en-US",
) -> dict[str, Any]:
    """Wrap a request in the session and context Alexa sends with it."""
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": _timestamp(),
        "locale": locale,
        **request,
    }
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": {"applicationId": application_id},
            "attributes": attributes or {},
            "user": {"userId": user_id},
        },
        "context": {
            "System": {
                "application": {"applicationId": application_id},
                "user": {"userId": user_id},
                "device": {"deviceId": DEVICE_ID, "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "test-api-access-token",
            }
        },
        "request": request,
    }


def launch(**kwargs: Any) -> dict[str, Any]:
    return envelope({"type": "LaunchRequest"}, **kwargs)


def session_ended(reason: str = "USER_INITIATED", **kwargs: Any) -> dict[str, Any]:
    return envelope({"type": "SessionEndedRequest", "reason": reason}, new=False, **kwargs)


def slot(name: str, value: str | None = None, resolution: dict[str, Any] | None = None) -> dict:
    """A slot as Alexa sends it; `resolution` is the entity-resolution block, if any."""
    filled: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        filled["value"] = value
    if resolution is not None:
        filled["resolutions"] = {"resolutionsPerAuthority": [resolution]}
    return filled


def benefit(value: str, resolved_id: str | None = None) -> dict[str, Any]:
    """The `benefit` slot: matched to `resolved_id`, or ER_SUCCESS_NO_MATCH when None."""
    authority = f"amzn1.er-authority.echo-sdk.{APPLICATION_ID}.BenefitType"
    if resolved_id is None:
        resolution = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
    else:
        resolution = {
            "authority": authority,
            "status": {"code": "ER_SUCCESS_MATCH"},
            "values": [{"value": {"name": value, "id": resolved_id}}],
        }
    return slot("benefit", value, resolution)


def intent(
    name: str,
    slots: dict[str, dict[str, Any]] | None = None,
    *,
    dialog_state: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """An IntentRequest; `new=True` (the default) is a one-shot question."""
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots or {}},
    }
    if dialog_state:
        request["dialogState"] = dialog_state
    return envelope(request, **kwargs)
