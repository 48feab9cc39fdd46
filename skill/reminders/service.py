"""The Alexa Reminders and settings APIs, for the nightly reminder: permission, create, get, delete.

(Over 300 lines on purpose: one API surface and the one mapping of its faults to outcomes.)

This module holds no prose: the dialog passes in the words the reminder speaks and
chooses what to say about each `Outcome`.

Every call goes through the SDK's service clients (`ReminderManagementServiceClient`,
`UpsServiceClient`) and so through the skill's api client (`skill.sdk.api_client`). A
failed call never raises: it is logged at warning with its HTTP status and a short
reason, and comes back as an `Outcome` the dialog can speak about.
"""

from __future__ import annotations

import datetime
import enum
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_core.exceptions import ApiClientException, SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_device_id
from ask_sdk_model import PermissionStatus
from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.services import ServiceClientFactory, ServiceException
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Status,
    Trigger,
    TriggerType,
)
from ask_sdk_model.ui import AskForPermissionsConsentCard

from skill.names import ASK_FOR_TASK, REMINDER_PERMISSION
from skill.reminders.clock import daily_rule
from skill.sdk.patches import alias_spoken_info_module

logger = logging.getLogger(__name__)

# The voice-permission request for reminders ("Set Up Voice Permissions for Reminders",
# section "Send a Connections.SendRequest directive"): task AskFor, version 1, one scope.
ASK_FOR = ASK_FOR_TASK
ASK_FOR_PAYLOAD: dict[str, str] = {
    "@type": "AskForPermissionsConsentRequest",
    "@version": "1",
    "permissionScope": REMINDER_PERMISSION,
}

_RULE_PART = re.compile(r"\b(BYHOUR|BYMINUTE)=([0-9]{1,2})\b")
_REASON_LIMIT = 240
# What the SDK puts in front of every transport error ("Call to service failed: Error ...").
_SDK_PREFIXES = ("Call to service failed: ", "Error executing the request: ")


class Outcome(enum.Enum):
    """What became of a Reminders API call, in terms a handler can speak about."""

    CREATED = "created"
    FOUND = "found"
    DELETED = "deleted"
    NOT_FOUND = "not_found"
    #: 401, or a 403 saying the user has not granted the reminders permission.
    NO_PERMISSION = "no_permission"
    #: Any other 403: this device or account cannot have reminders.
    UNSUPPORTED = "unsupported"
    #: 429: the skill is sending too many requests.
    THROTTLED = "throttled"
    #: 5xx, timeouts, refused connections, responses we could not read, our own 400s.
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ReminderResult:
    """An outcome, plus the reminder's id (alert token) and daily time when known."""

    outcome: Outcome
    reminder_id: str | None = None
    time: datetime.time | None = None


# --------------------------------------------------------------------------- permission


def has_permission(handler_input: HandlerInput) -> bool:
    """True when the request says the user granted the reminders permission."""
    system = getattr(getattr(handler_input.request_envelope, "context", None), "system", None)
    permissions = getattr(getattr(system, "user", None), "permissions", None)
    scopes = getattr(permissions, "scopes", None)
    if not isinstance(scopes, dict):
        return False
    return getattr(scopes.get(REMINDER_PERMISSION), "status", None) is PermissionStatus.GRANTED


def permission_request_directive(token: str = "") -> SendRequestDirective:
    """Ask for the reminders permission by voice; `token` comes back in Connections.Response."""
    return SendRequestDirective(name=ASK_FOR, payload=dict(ASK_FOR_PAYLOAD), token=token)


def consent_card() -> AskForPermissionsConsentCard:
    """The Alexa app card that asks for the reminders permission (the voice request's fallback)."""
    return AskForPermissionsConsentCard(permissions=[REMINDER_PERMISSION])


# --------------------------------------------------------------------------- API calls

_FAULTS = (ServiceException, ApiClientException, SerializationException)


def _services(handler_input: HandlerInput, operation: str) -> ServiceClientFactory | None:
    """The SDK's service client factory, or None (logged) when the skill cannot call APIs."""
    try:
        factory: ServiceClientFactory = handler_input.service_client_factory
    except ValueError:  # the SDK's "no configured API client"
        logger.error("Reminder %s skipped: the skill was built without an api client", operation)
        return None
    system = getattr(getattr(handler_input.request_envelope, "context", None), "system", None)
    if not getattr(system, "api_endpoint", None) or not getattr(system, "api_access_token", None):
        logger.warning("Reminder %s skipped: the request has no API endpoint or token", operation)
        return None
    return factory


def _short(text: object) -> str:
    """One line for a log message, cut in the middle: transport errors end with the cause."""
    line = " ".join(str(text).split())
    for noise in _SDK_PREFIXES:
        line = line.removeprefix(noise)
    if len(line) <= _REASON_LIMIT:
        return line
    head = _REASON_LIMIT // 3
    return f"{line[:head]} … {line[head - _REASON_LIMIT :]}"


def _error_details(body: object) -> tuple[str | None, str | None]:
    """(code, message) from an SDK error model, a dict or raw JSON text; Nones otherwise."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return None, _short(body) if body else None
    if isinstance(body, dict):
        code, message = body.get("code"), body.get("message")
    else:
        code, message = getattr(body, "code", None), getattr(body, "message", None)
    if isinstance(code, enum.Enum):  # the settings API's ErrorCode
        code = code.value
    return (
        str(code) if code is not None else None,
        _short(message) if message is not None else None,
    )


def _classify(error: Exception, *, missing_is_not_found: bool) -> tuple[Outcome, int | None, str]:
    """Map an SDK fault to (outcome, HTTP status or None for transport faults, reason)."""
    if not isinstance(error, ServiceException):
        # Unreadable bodies (SerializationException) and client faults that escaped wrapping.
        return Outcome.UNAVAILABLE, None, f"{type(error).__name__}: {_short(error)}"
    status = error.status_code
    if error.headers is None and error.body is None and status == 500:
        # The SDK reports transport failures (timeouts, refused connections, TLS errors)
        # as a bodiless 500 "Call to service failed: ..."; say what really happened.
        return Outcome.UNAVAILABLE, None, _short(error)
    code, message = _error_details(error.body)
    reason = ": ".join(part for part in (code, message) if part) or _short(error)
    if status == 401:
        return Outcome.NO_PERMISSION, status, reason
    if status == 403:
        if code and "PERMISSION" in code.upper():
            return Outcome.NO_PERMISSION, status, reason
        return Outcome.UNSUPPORTED, status, reason
    if status == 404 and missing_is_not_found:
        return Outcome.NOT_FOUND, status, reason
    if status == 429:
        return Outcome.THROTTLED, status, reason
    return Outcome.UNAVAILABLE, status, reason


def _failed(operation: str, error: Exception, *, missing_is_not_found: bool = False) -> Outcome:
    """Classify and log one failed call (no stack trace: these faults are expected)."""
    outcome, status, reason = _classify(error, missing_is_not_found=missing_is_not_found)
    # A 400 means Alexa rejected what we sent: a bug on our side, worth a louder log.
    level = logging.ERROR if status == 400 else logging.WARNING
    logger.log(
        level,
        "Reminder %s failed: %s (HTTP %s) %s",
        operation,
        outcome.name,
        status if status is not None else "none",
        reason,
    )
    return outcome


def _device_time_zone(handler_input: HandlerInput, factory: ServiceClientFactory) -> str | None:
    """The device's IANA time zone from the settings API, or None (logged) if unknown."""
    device_id = get_device_id(handler_input)
    if not device_id:
        logger.warning("No device id in the request; the reminder will use the device's zone")
        return None
    try:
        zone = factory.get_ups_service().get_system_time_zone(device_id)
    except _FAULTS as error:
        _, status, reason = _classify(error, missing_is_not_found=False)
        logger.warning(
            "Time zone lookup failed (HTTP %s) %s; the reminder will use the device's zone",
            status if status is not None else "none",
            reason,
        )
        return None
    if zone is None:
        logger.warning("Time zone lookup gave no zone; the reminder will use the device's zone")
        return None
    name = zone.strip() if isinstance(zone, str) else ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning(
            "Time zone lookup gave %r, not a known zone; the reminder will use the device's zone",
            _short(zone),
        )
        return None
    return name


def _now_in(zone_name: str | None) -> datetime.datetime:
    """Now as naive wall-clock time in `zone_name` (UTC when the zone is unknown)."""
    zone = ZoneInfo(zone_name) if zone_name else datetime.UTC
    return datetime.datetime.now(zone).replace(tzinfo=None, microsecond=0)


def _reminder_request(
    at: datetime.time, spoken_text: str, locale: str, zone_name: str | None
) -> ReminderRequest:
    now = _now_in(zone_name)
    start = datetime.datetime.combine(now.date(), at)
    if start <= now:  # the first reminder is the next time `at` comes round
        start += datetime.timedelta(days=1)
    return ReminderRequest(
        request_time=now,
        trigger=Trigger(
            object_type=TriggerType.SCHEDULED_ABSOLUTE,
            time_zone_id=zone_name,
            recurrence=Recurrence(start_date_time=start, recurrence_rules=[daily_rule(at)]),
        ),
        alert_info=AlertInfo(
            spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=spoken_text)])
        ),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


def create_nightly_reminder(
    handler_input: HandlerInput, at: datetime.time, spoken_text: str
) -> ReminderResult:
    """Create a reminder that speaks `spoken_text` every day at `at`, device-local time.

    The device's time zone comes from the settings API; if that lookup fails the
    reminder is created without `timeZoneId`, which Alexa reads as the device's own
    zone. Returns CREATED with the alert token as `reminder_id`, or the failure outcome.
    Raises ValueError only for an empty `spoken_text` (a caller bug, not an API fault).
    """
    if not spoken_text or not spoken_text.strip():
        raise ValueError("a reminder needs words to speak")
    factory = _services(handler_input, "create")
    if factory is None:
        return ReminderResult(Outcome.UNAVAILABLE)
    at = at.replace(second=0, microsecond=0, tzinfo=None)
    locale = getattr(handler_input.request_envelope.request, "locale", None) or "en-US"
    zone_name = _device_time_zone(handler_input, factory)
    request = _reminder_request(at, spoken_text.strip(), locale, zone_name)
    try:
        response = factory.get_reminder_management_service().create_reminder(request)
    except _FAULTS as error:
        return ReminderResult(_failed("create", error))
    token = getattr(response, "alert_token", None)
    if not isinstance(token, str) or not token:
        logger.warning("Reminder create failed: UNAVAILABLE (HTTP 2xx) no alert token in response")
        return ReminderResult(Outcome.UNAVAILABLE)
    logger.info("Reminder created: daily at %s, zone %s", at.strftime("%H:%M"), zone_name or "-")
    return ReminderResult(Outcome.CREATED, token, at)


def _time_of(reminder: Any) -> datetime.time | None:
    """The daily time of a fetched reminder: its recurrence rule, else its start or schedule."""
    trigger = getattr(reminder, "trigger", None)
    recurrence = getattr(trigger, "recurrence", None)
    for rule in getattr(recurrence, "recurrence_rules", None) or []:
        parts = dict(_RULE_PART.findall(str(rule)))
        if "BYHOUR" in parts and "BYMINUTE" in parts:
            hour, minute = int(parts["BYHOUR"]), int(parts["BYMINUTE"])
            if hour < 24 and minute < 60:
                return datetime.time(hour, minute)
    for moment in (
        getattr(recurrence, "start_date_time", None),
        getattr(trigger, "scheduled_time", None),
    ):
        if isinstance(moment, datetime.datetime):
            return moment.time().replace(second=0, microsecond=0, tzinfo=None)
    return None


def get_reminder(handler_input: HandlerInput, reminder_id: str) -> ReminderResult:
    """FOUND (with its daily time) while the reminder is on; NOT_FOUND once gone or completed."""
    if not reminder_id:
        return ReminderResult(Outcome.NOT_FOUND)
    factory = _services(handler_input, "get")
    if factory is None:
        return ReminderResult(Outcome.UNAVAILABLE, reminder_id)
    try:
        reminder = factory.get_reminder_management_service().get_reminder(reminder_id)
    except _FAULTS as error:
        return ReminderResult(_failed("get", error, missing_is_not_found=True), reminder_id)
    status = getattr(reminder, "status", None)
    if status is Status.ON:
        return ReminderResult(Outcome.FOUND, reminder_id, _time_of(reminder))
    if status is Status.COMPLETED:
        return ReminderResult(Outcome.NOT_FOUND, reminder_id)
    logger.warning("Reminder get failed: UNAVAILABLE (HTTP 2xx) unexpected status %r", status)
    return ReminderResult(Outcome.UNAVAILABLE, reminder_id)


def delete_reminder(handler_input: HandlerInput, reminder_id: str) -> ReminderResult:
    """DELETED, or NOT_FOUND when Alexa no longer has it (already deleted counts as done)."""
    if not reminder_id:
        return ReminderResult(Outcome.NOT_FOUND)
    factory = _services(handler_input, "delete")
    if factory is None:
        return ReminderResult(Outcome.UNAVAILABLE, reminder_id)
    try:
        factory.get_reminder_management_service().delete_reminder(reminder_id)
    except _FAULTS as error:
        return ReminderResult(_failed("delete", error, missing_is_not_found=True), reminder_id)
    return ReminderResult(Outcome.DELETED, reminder_id)


alias_spoken_info_module()
