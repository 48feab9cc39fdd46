"""The Alexa Reminders and settings APIs for the nightly reminder: permission, list, set
(create or update, never a second one), find, delete; `AlexaReminders` is the dialog's
`Reminders` port.

It holds no prose: the dialog passes in the words and chooses what to say about each
`Outcome`. Calls go through the SDK's service clients and `skill.sdk.api_client`; a failed
call never raises: it is logged at warning (HTTP status, short reason) and comes back as an
`Outcome` the dialog can speak about.
"""

from __future__ import annotations

import datetime
import enum
import json
import logging
import re
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
from skill.reminders.clock import daily_rule, latest_wall_clock, next_occurrence
from skill.reminders.port import NightlyReminders, Outcome, ReminderResult
from skill.sdk.patches import alias_spoken_info_module

logger = logging.getLogger(__name__)

# The voice-permission request for reminders ("Set Up Voice Permissions for Reminders",
# section "Send a Connections.SendRequest directive"): task AskFor, the current version 2,
# whose `permissionScopes` is a list with a consent level (ACCOUNT: the account holder the
# device is registered to). Version 1 (`permissionScope`, no list) still works at Alexa,
# and `permission_granted` reads answers in either shape.
ASK_FOR = ASK_FOR_TASK
CONSENT_LEVEL = "ACCOUNT"
ASK_FOR_PAYLOAD: dict[str, Any] = {
    "@type": "AskForPermissionsConsentRequest",
    "@version": "2",
    "permissionScopes": [{"permissionScope": REMINDER_PERMISSION, "consentLevel": CONSENT_LEVEL}],
}
ACCEPTED = "ACCEPTED"

_RULE_PART = re.compile(r"\b(BYHOUR|BYMINUTE)=([0-9]{1,2})\b")
_REASON_LIMIT = 240
# What the SDK puts in front of every transport error ("Call to service failed: Error ...").
_SDK_PREFIXES = ("Call to service failed: ", "Error executing the request: ")


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
    payload = {
        **ASK_FOR_PAYLOAD,
        "permissionScopes": [dict(ASK_FOR_PAYLOAD["permissionScopes"][0])],
    }
    return SendRequestDirective(name=ASK_FOR, payload=payload, token=token)


def permission_granted(request: Any) -> bool:
    """True when Alexa's Connections.Response to our AskFor says the reminders scope is ACCEPTED.

    The current documented shape: `status.code` "200" (the task ran) and, in the payload,
    `permissionScopes`: [{permissionScope, consentLevel, status}]. Version 1 answers carry
    `payload.status` (and `payload.permissionScope`) instead; both are read. Anything
    else (another status code, another scope, DENIED, NOT_ANSWERED, junk) is False.
    """
    code = getattr(getattr(request, "status", None), "code", None)
    if str(code).strip() != "200":
        return False
    payload = getattr(request, "payload", None)
    if not isinstance(payload, dict):
        return False
    scopes = payload.get("permissionScopes")
    if isinstance(scopes, list):
        return any(
            isinstance(scope, dict)
            and scope.get("permissionScope") == REMINDER_PERMISSION
            and scope.get("status") == ACCEPTED
            for scope in scopes
        )
    scope = payload.get("permissionScope", REMINDER_PERMISSION)
    return scope == REMINDER_PERMISSION and payload.get("status") == ACCEPTED


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
    """A daily SCHEDULED_ABSOLUTE reminder, as the Reminders API reference describes it.

    No `scheduledTime`: the reference marks `freq`, `byDay` and `scheduledTime` as the old
    recurrence form and says Alexa ignores them when `startDateTime`/`recurrenceRules`
    are present, so sending one would only be a second, silently ignored statement of
    the time. The time is in the rule (BYHOUR/BYMINUTE); `startDateTime` (local, no
    offset) is the first occurrence.

    With the device's zone known, the first occurrence is the next `at` on the device's
    clock (tonight if it is still ahead). Without it, `timeZoneId` is left out, which
    Alexa reads as the device's own zone, and the start is the next `at` on the
    furthest-ahead clock on Earth (UTC+14): never in the past wherever the device is,
    at the price that tonight may be skipped (the dialog says so).
    """
    utc_now = datetime.datetime.now(datetime.UTC)
    if zone_name:
        now = _now_in(zone_name)
        start = next_occurrence(at, now)
    else:
        now = utc_now.replace(tzinfo=None, microsecond=0)
        start = next_occurrence(at, latest_wall_clock(utc_now))
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


def _prepared(
    handler_input: HandlerInput, at: datetime.time, spoken_text: str, operation: str
) -> tuple[ServiceClientFactory, ReminderRequest, datetime.time, str | None] | None:
    """The factory, the request body, the minute and the device zone for one create or
    update; None (logged) when the skill cannot call the API."""
    if not spoken_text or not spoken_text.strip():
        raise ValueError("a reminder needs words to speak")
    factory = _services(handler_input, operation)
    if factory is None:
        return None
    at = at.replace(second=0, microsecond=0, tzinfo=None)
    locale = getattr(handler_input.request_envelope.request, "locale", None) or "en-US"
    zone_name = _device_time_zone(handler_input, factory)
    return factory, _reminder_request(at, spoken_text.strip(), locale, zone_name), at, zone_name


def _token_of(response: Any, operation: str) -> str | None:
    token = getattr(response, "alert_token", None)
    if not isinstance(token, str) or not token:
        logger.warning("Reminder %s failed: UNAVAILABLE (HTTP 2xx) no alert token", operation)
        return None
    return token


def _create(
    factory: ServiceClientFactory,
    request: ReminderRequest,
    at: datetime.time,
    zone_name: str | None,
) -> ReminderResult:
    try:
        response = factory.get_reminder_management_service().create_reminder(request)
    except _FAULTS as error:
        return ReminderResult(_failed("create", error))
    token = _token_of(response, "create")
    if token is None:
        return ReminderResult(Outcome.UNAVAILABLE)
    logger.info("Reminder created: daily at %s, zone %s", at.strftime("%H:%M"), zone_name or "-")
    return ReminderResult(Outcome.CREATED, token, at, zone_known=zone_name is not None)


def set_nightly_reminder(
    handler_input: HandlerInput,
    at: datetime.time,
    spoken_text: str,
    stored_id: str | None = None,
) -> ReminderResult:
    """Make sure exactly one nightly reminder is on, at `at`: update ours or create one.

    Alexa's list of the skill's reminders is the truth. If a nightly reminder is there
    (the stored one first, else any: the id may have been lost), it is updated in place
    (PUT) and any duplicates an older version left are deleted; only if there is none is
    one created. If the list cannot be read nothing is created (a second reminder is
    worse than none): the listing fault comes back as the outcome.
    """
    prepared = _prepared(handler_input, at, spoken_text, "set")
    if prepared is None:
        return ReminderResult(Outcome.UNAVAILABLE)
    factory, request, at, zone_name = prepared
    found = _list(factory, stored_id)
    if found.outcome is not Outcome.FOUND:
        return ReminderResult(found.outcome)
    tokens = [token for token, _ in found.reminders]
    if not tokens:
        return _create(factory, request, at, zone_name)
    keep, *duplicates = tokens
    client = factory.get_reminder_management_service()
    try:
        response = client.update_reminder(keep, request)
    except _FAULTS as error:
        outcome = _failed("update", error, missing_is_not_found=True)
        if outcome is Outcome.NOT_FOUND:  # deleted in the app a moment ago
            return _create(factory, request, at, zone_name)
        return ReminderResult(outcome)
    token = _token_of(response, "update") or keep
    for duplicate in duplicates:
        _delete(factory, duplicate)
    logger.info(
        "Reminder updated: daily at %s, zone %s, %d duplicate(s) removed",
        at.strftime("%H:%M"),
        zone_name or "-",
        len(duplicates),
    )
    return ReminderResult(Outcome.UPDATED, token, at, zone_known=zone_name is not None)


def _is_nightly(reminder: Any, stored_id: str | None) -> bool:
    """One of ours: the id we stored, or a daily recurrence (the only kind the skill sets).

    The list only ever holds reminders this skill created (Alexa scopes it to the skill),
    so a daily one is the nightly reminder even when its id was lost or it came from an
    older version with other words.
    """
    if stored_id and getattr(reminder, "alert_token", None) == stored_id:
        return True
    recurrence = getattr(getattr(reminder, "trigger", None), "recurrence", None)
    rules = getattr(recurrence, "recurrence_rules", None) or []
    if any("FREQ=DAILY" in str(rule).upper() for rule in rules):
        return True
    freq = getattr(recurrence, "freq", None)
    return str(getattr(freq, "value", freq)).upper() == "DAILY"


def _list(factory: ServiceClientFactory, stored_id: str | None) -> NightlyReminders:
    """The skill's nightly reminders that are ON, the stored one first."""
    try:
        response = factory.get_reminder_management_service().get_reminders()
    except _FAULTS as error:
        return NightlyReminders(_failed("list", error))
    alerts = getattr(response, "alerts", None) or []
    ours = [
        reminder
        for reminder in alerts
        if getattr(reminder, "status", None) is Status.ON
        and isinstance(getattr(reminder, "alert_token", None), str)
        and _is_nightly(reminder, stored_id)
    ]
    ours.sort(key=lambda reminder: reminder.alert_token != stored_id)
    return NightlyReminders(
        Outcome.FOUND, tuple((reminder.alert_token, _time_of(reminder)) for reminder in ours)
    )


def find_nightly_reminders(
    handler_input: HandlerInput, stored_id: str | None = None
) -> NightlyReminders:
    """FOUND with the nightly reminders on at Alexa (maybe none), or the fault that hid them."""
    factory = _services(handler_input, "list")
    if factory is None:
        return NightlyReminders(Outcome.UNAVAILABLE)
    return _list(factory, stored_id)


def delete_nightly_reminders(
    handler_input: HandlerInput, stored_id: str | None = None
) -> ReminderResult:
    """Delete every nightly reminder of ours at Alexa: DELETED, NOT_FOUND (there was none),
    or the first fault (then some may remain; the caller keeps what it needs to retry)."""
    factory = _services(handler_input, "delete")
    if factory is None:
        return ReminderResult(Outcome.UNAVAILABLE, stored_id)
    found = _list(factory, stored_id)
    if found.outcome is not Outcome.FOUND:
        return ReminderResult(found.outcome, stored_id)
    if not found.reminders:
        return ReminderResult(Outcome.NOT_FOUND, stored_id)
    for token, _ in found.reminders:
        outcome = _delete(factory, token)
        if outcome not in (Outcome.DELETED, Outcome.NOT_FOUND):
            return ReminderResult(outcome, token)
    return ReminderResult(Outcome.DELETED, found.reminders[0][0])


def _delete(factory: ServiceClientFactory, token: str) -> Outcome:
    try:
        factory.get_reminder_management_service().delete_reminder(token)
    except _FAULTS as error:
        return _failed("delete", error, missing_is_not_found=True)
    return Outcome.DELETED


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


def device_wall_clock(
    handler_input: HandlerInput, at: datetime.datetime
) -> datetime.datetime | None:
    """`at` as naive wall-clock time in the device's zone (settings API); None, logged,
    when the zone is unknown."""
    factory = _services(handler_input, "time zone")
    if factory is None:
        return None
    zone = _device_time_zone(handler_input, factory)
    if zone is None:
        return None
    moment = at if at.tzinfo is not None else at.replace(tzinfo=datetime.UTC)
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


class AlexaReminders:
    """The `Reminders` port over the Alexa Reminders API, for one request."""

    def __init__(self, handler_input: HandlerInput) -> None:
        self._handler_input = handler_input

    def find(self, stored_id: str | None) -> NightlyReminders:
        return find_nightly_reminders(self._handler_input, stored_id)

    def set(self, at: datetime.time, spoken_text: str, stored_id: str | None) -> ReminderResult:
        return set_nightly_reminder(self._handler_input, at, spoken_text, stored_id)

    def delete(self, stored_id: str | None) -> ReminderResult:
        return delete_nightly_reminders(self._handler_input, stored_id)


alias_spoken_info_module()
