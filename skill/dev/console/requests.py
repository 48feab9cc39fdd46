"""Alexa request envelopes as JSON dicts, shaped exactly like the ones Alexa sends.

The console builds its requests here, and so do the tests (testing/envelopes.py), so
what the skill receives locally is what it receives from Alexa: a session with its
attributes, the System context, and a request with a fresh id and a UTC timestamp.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from skill.names import RequestType

# Ids for a console that has no Amazon account behind it.
LOCAL_APPLICATION_ID = "amzn1.ask.skill.local-console"
LOCAL_USER_ID = "amzn1.ask.account.LOCALCONSOLE"
LOCAL_DEVICE_ID = "amzn1.ask.device.LOCALCONSOLE"
LOCAL_API_ACCESS_TOKEN = "local-console-api-access-token"
API_ENDPOINT = "https://api.amazonalexa.com"
MATCH = "ER_SUCCESS_MATCH"
NO_MATCH = "ER_SUCCESS_NO_MATCH"


def timestamp() -> str:
    """Now, in UTC, ISO 8601 to the second with a Z, as Alexa stamps requests."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_session_id() -> str:
    return f"amzn1.echo-api.session.{uuid.uuid4()}"


def new_request_id() -> str:
    return f"amzn1.echo-api.request.{uuid.uuid4()}"


def envelope(
    request: Mapping[str, Any],
    *,
    new: bool = True,
    attributes: dict[str, Any] | None = None,
    session_id: str | None = None,
    application_id: str = LOCAL_APPLICATION_ID,
    user_id: str = LOCAL_USER_ID,
    locale: str = "en-US",
    device_id: str = LOCAL_DEVICE_ID,
    api_access_token: str = LOCAL_API_ACCESS_TOKEN,
) -> dict[str, Any]:
    """Wrap a request body in the session and context Alexa sends with it."""
    body = {
        "requestId": new_request_id(),
        "timestamp": timestamp(),
        "locale": locale,
        **request,
    }
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id or new_session_id(),
            "application": {"applicationId": application_id},
            "attributes": attributes or {},
            "user": {"userId": user_id},
        },
        "context": {
            "System": {
                "application": {"applicationId": application_id},
                "user": {"userId": user_id},
                "device": {"deviceId": device_id, "supportedInterfaces": {}},
                "apiEndpoint": API_ENDPOINT,
                "apiAccessToken": api_access_token,
            }
        },
        "request": body,
    }


def launch_request() -> dict[str, Any]:
    """The body of "Alexa, open bedtime magnesium"."""
    return {"type": RequestType.LAUNCH}


def session_ended_request(reason: str = "USER_INITIATED") -> dict[str, Any]:
    """The body Alexa sends when a session ends other than by the skill's own choice."""
    return {"type": RequestType.SESSION_ENDED, "reason": reason}


def connections_response(
    name: str, token: str, payload: Mapping[str, Any], *, code: str = "200"
) -> dict[str, Any]:
    """The body Alexa sends a skill after its Connections.SendRequest directive is done.

    For "AskFor" (a permission asked for by voice) the payload holds the answer:
    `{"status": "ACCEPTED" | "DENIED" | "NOT_ANSWERED", "permissionScope": ...}`.
    """
    return {
        "type": "Connections.Response",
        "name": name,
        "status": {"code": code, "message": "OK" if code == "200" else "ERROR"},
        "payload": dict(payload),
        "token": token,
    }


def intent_request(
    name: str,
    slots: Mapping[str, dict[str, Any]] | None = None,
    *,
    dialog_state: str | None = None,
) -> dict[str, Any]:
    """The body of an IntentRequest; `dialog_state` only for intents with a dialog model."""
    body: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": dict(slots or {})},
    }
    if dialog_state:
        body["dialogState"] = dialog_state
    return body


def authority(application_id: str, slot_type: str) -> str:
    """The entity-resolution authority Alexa names for a custom slot type."""
    return f"amzn1.er-authority.echo-sdk.{application_id}.{slot_type}"


def resolution(
    application_id: str, slot_type: str, resolved: tuple[str, str] | None
) -> dict[str, Any]:
    """One resolutionsPerAuthority entry: `resolved` is (name, id), or None for no match."""
    entry: dict[str, Any] = {"authority": authority(application_id, slot_type)}
    if resolved is None:
        entry["status"] = {"code": NO_MATCH}
    else:
        name, value_id = resolved
        entry["status"] = {"code": MATCH}
        entry["values"] = [{"value": {"name": name, "id": value_id}}]
    return entry


def slot(
    name: str, value: str | None = None, resolution: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A slot as Alexa sends it; `resolution` is its entity-resolution entry, if any."""
    filled: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        filled["value"] = value
    if resolution is not None:
        filled["resolutions"] = {"resolutionsPerAuthority": [resolution]}
    return filled


def on_echo_show(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` as an Echo Show sends it: its context also describes the screen (about 1.3 KB).

    Viewport, Viewports, Extensions, the APL state and the APL runtime among the supported
    interfaces: the parts a screen device adds to every request, as an Echo Show 8 sends
    them. The skill has no screen output, so it reads none of them.
    """
    context = doc["context"]
    context["System"]["device"]["supportedInterfaces"] = {
        "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2024.2"}}
    }
    video = {"codecs": ["H_264_42", "H_264_41"]}
    context["Viewport"] = {
        "experiences": [
            {"arcMinuteWidth": 346, "arcMinuteHeight": 216, "canRotate": False, "canResize": False}
        ],
        "mode": "HUB",
        "shape": "RECTANGLE",
        "pixelWidth": 1280,
        "pixelHeight": 800,
        "dpi": 160,
        "currentPixelWidth": 1280,
        "currentPixelHeight": 800,
        "touch": ["SINGLE"],
        "keyboard": [],
        "video": video,
    }
    context["Viewports"] = [
        {
            "type": "APL",
            "id": "main",
            "shape": "RECTANGLE",
            "dpi": 160,
            "presentationType": "STANDARD",
            "canRotate": False,
            "configuration": {
                "current": {
                    "mode": "HUB",
                    "video": video,
                    "size": {"type": "DISCRETE", "pixelWidth": 1280, "pixelHeight": 800},
                }
            },
        }
    ]
    context["Extensions"] = {
        "available": {
            "aplext:backstack:10": {},
            "alexaext:datastore:10": {},
        }
    }
    context["Alexa.Presentation.APL"] = {
        "token": "",
        "version": "1.0",
        "componentsVisibleOnScreen": [
            {
                "uid": ":1000",
                "position": "1280x800+0+0:0",
                "type": "text",
                "tags": {"viewport": {}},
                "children": [],
                "entities": [],
            }
        ],
    }
    return doc
