"""Builders for Alexa request envelopes, so tests read like the conversation.

launch()                                   "Alexa, open bedtime magnesium"
intent("TimingIntent", new=True)           "Alexa, ask bedtime magnesium when to take it"
intent("BenefitDetailIntent", slots={"benefit": benefit("sleep")})

The shapes come from skill/dev/console/requests.py, the one envelope builder, so the
tests and the local console send the skill the same JSON; only the ids differ.
"""

from __future__ import annotations

from typing import Any

from skill.dev.console import requests as alexa
from skill.dev.model.source import BENEFIT_TYPE

APPLICATION_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"
API_ACCESS_TOKEN = "test-api-access-token"


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
    return alexa.envelope(
        request,
        new=new,
        attributes=attributes,
        session_id=session_id,
        application_id=application_id,
        user_id=user_id,
        locale=locale,
        device_id=DEVICE_ID,
        api_access_token=API_ACCESS_TOKEN,
    )


def launch(**kwargs: Any) -> dict[str, Any]:
    return envelope(alexa.launch_request(), **kwargs)


def session_ended(reason: str = "USER_INITIATED", **kwargs: Any) -> dict[str, Any]:
    return envelope(alexa.session_ended_request(reason), new=False, **kwargs)


def slot(
    name: str, value: str | None = None, resolution: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A slot as Alexa sends it; `resolution` is the entity-resolution block, if any."""
    return alexa.slot(name, value, resolution)


def benefit(value: str, resolved_id: str | None = None) -> dict[str, Any]:
    """The `benefit` slot: matched to `resolved_id`, or ER_SUCCESS_NO_MATCH when None."""
    resolved = None if resolved_id is None else (value, resolved_id)
    return slot("benefit", value, alexa.resolution(APPLICATION_ID, BENEFIT_TYPE, resolved))


def intent(
    name: str,
    slots: dict[str, dict[str, Any]] | None = None,
    *,
    dialog_state: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """An IntentRequest; `new=True` (the default) is a one-shot question."""
    return envelope(alexa.intent_request(name, slots, dialog_state=dialog_state), **kwargs)


def recognised(doc: dict[str, Any], person_id: str) -> dict[str, Any]:
    """`doc` as Alexa sends it when it recognised the speaker's voice profile
    (`context.System.person`); `doc` is changed and returned."""
    doc["context"]["System"]["person"] = {
        "personId": person_id,
        "personAccessToken": f"person-token-{person_id[-6:]}",
    }
    return doc


def skill_disabled() -> dict[str, Any]:
    """AlexaSkillEvent.SkillDisabled: the listener disabled the skill (no session)."""
    stamp = "2026-01-01T00:00:00Z"
    request = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "eventCreationTime": stamp,
        "eventPublishingTime": stamp,
        "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
    }
    doc = envelope(request)
    del doc["session"]
    return doc
