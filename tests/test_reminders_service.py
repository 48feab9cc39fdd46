"""The reminder service layer against a fake Alexa API, over real HTTPS.

Each API test runs a real skill (`CustomSkillBuilder` with `TimeoutApiClient`) whose one
handler calls the service function under test, so the SDK's own ServiceClientFactory,
Reminders and settings clients and DefaultApiClient code carry every request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.services import ApiClient, ApiClientRequest
from ask_sdk_model.services.reminder_management import GetReminderResponse
from hypothesis import given
from hypothesis import strategies as st

from skill import names, timetext
from skill.reminders import clock as reminder_clock
from skill.reminders import service as reminders
from skill.reminders.port import NightlyReminders, Outcome, ReminderResult
from skill.sdk.api_client import TimeoutApiClient
from testing import envelopes
from testing.fake_alexa_api import (
    REMINDERS_PATH,
    REMINDERS_SCOPE,
    TIME_ZONE_PATH,
    FakeAlexaApi,
    fake_alexa_api,
    point_at,
    unused_port,
)
from testing.talk import invoke

T = TypeVar("T")
SPOKEN = "Time for your magnesium glycinate."
NINE_FIFTEEN = clock(21, 15)
RULE = "FREQ=DAILY;BYHOUR=21;BYMINUTE=15;BYSECOND=0;INTERVAL=1;"


@pytest.fixture
def api() -> Iterator[FakeAlexaApi]:
    with fake_alexa_api(locale="en-GB", time_zone="Europe/London") as server:
        yield server
    assert not server.server_errors, server.server_errors


@pytest.fixture
def caplog_reminders(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="skill.reminders.service")
    return caplog


class _Probe(AbstractRequestHandler):
    """Handles any request by calling one service function and keeping its result."""

    def __init__(self, action: Callable[[HandlerInput], Any]) -> None:
        self.action = action
        self.results: list[Any] = []

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        self.results.append(self.action(handler_input))
        response: Response = handler_input.response_builder.response
        return response


def run(
    action: Callable[[HandlerInput], T],
    envelope: dict[str, Any],
    api_client: ApiClient | None,
) -> T:
    """Send `envelope` through a real skill whose only handler runs `action`."""
    probe = _Probe(action)
    builder = CustomSkillBuilder()
    if api_client is not None:
        builder = CustomSkillBuilder(api_client=api_client)
    builder.add_request_handler(probe)
    invoke(builder.create(), envelope)
    (result,) = probe.results
    return result  # type: ignore[no-any-return]


def request(api: FakeAlexaApi, **point: Any) -> dict[str, Any]:
    """An in-session IntentRequest in en-GB, aimed at the fake."""
    envelope = envelopes.intent("SetReminderIntent", new=False, locale="en-GB")
    return point_at(envelope, api, **point)


def client_for(api: FakeAlexaApi, timeout: float = 2.0) -> TimeoutApiClient:
    return TimeoutApiClient(timeout=timeout, verify=api.ca_path)


def create(
    api: FakeAlexaApi, *, timeout: float = 2.0, at: clock = NINE_FIFTEEN, **point: Any
) -> ReminderResult:
    return run(
        lambda hi: reminders.set_nightly_reminder(hi, at, SPOKEN),
        request(api, **point),
        client_for(api, timeout),
    )


def seed(api: FakeAlexaApi) -> str:
    """One more nightly reminder at Alexa, created whatever is there already (as an older
    version of the skill did): the create step alone, without the list that stops it."""

    def make(hi: HandlerInput) -> ReminderResult:
        prepared = reminders._prepared(hi, NINE_FIFTEEN, SPOKEN, "create")
        assert prepared is not None
        return reminders._create(*prepared)

    result = run(make, request(api), client_for(api))
    assert result.outcome is Outcome.CREATED and result.reminder_id is not None
    return result.reminder_id


def warnings_from(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    records = [
        r
        for r in caplog.records
        if r.name == "skill.reminders.service" and r.levelno >= logging.WARNING
    ]
    for record in records:
        assert record.exc_info is None, "expected faults are logged without a stack trace"
    return records


# --------------------------------------------------------------------------- create


def test_create_sends_a_daily_reminder_in_the_device_time_zone(api: FakeAlexaApi) -> None:
    before = datetime.now(ZoneInfo("Europe/London")).date()
    result = create(api)
    after = datetime.now(ZoneInfo("Europe/London")).date()

    assert result.outcome is Outcome.CREATED
    assert result.time == NINE_FIFTEEN
    assert result.reminder_id in api.reminders
    (body,) = api.created
    trigger = body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["timeZoneId"] == "Europe/London"
    assert trigger["recurrence"]["recurrenceRules"] == [RULE]
    start = datetime.fromisoformat(trigger["recurrence"]["startDateTime"])
    # The first reminder is the next 9:15 PM in the device's zone: today or tomorrow.
    assert start.time() == NINE_FIFTEEN
    assert before <= start.date() <= after + timedelta(days=1)
    assert start > datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    assert "scheduledTime" not in trigger
    assert body["alertInfo"] == {"spokenInfo": {"content": [{"locale": "en-GB", "text": SPOKEN}]}}
    assert body["pushNotification"] == {"status": "ENABLED"}
    assert "+" not in body["requestTime"] and not body["requestTime"].endswith("Z")

    zone_call, list_call, create_call = api.calls  # set lists first: never a second one
    assert (list_call.method, list_call.path) == ("GET", REMINDERS_PATH)
    assert zone_call.method == "GET"
    assert zone_call.path == f"/v2/devices/{envelopes.DEVICE_ID}/settings/System.timeZone"
    assert create_call.method == "POST" and create_call.path == REMINDERS_PATH
    assert create_call.headers["Authorization"] == f"Bearer {api.token}"


def test_the_sdk_can_read_a_reminder_with_alert_info() -> None:
    """ask-sdk-model names a module that does not exist; skill.sdk.patches aliases it."""
    payload = (
        '{"alertToken": "t", "status": "ON", "alertInfo": {"spokenInfo": '
        '{"content": [{"locale": "en-US", "text": "hi"}]}}}'
    )
    reminder = DefaultSerializer().deserialize(
        payload,
        "ask_sdk_model.services.reminder_management.get_reminder_response.GetReminderResponse",
    )
    assert isinstance(reminder, GetReminderResponse)
    assert reminder.alert_info is not None and reminder.alert_info.spoken_info is not None
    assert reminder.alert_info.spoken_info.content[0].text == "hi"


def test_empty_spoken_text_is_a_caller_bug(api: FakeAlexaApi) -> None:
    with pytest.raises(ValueError):
        run(
            lambda hi: reminders.set_nightly_reminder(hi, NINE_FIFTEEN, "  "),
            request(api),
            client_for(api),
        )
    assert api.calls == []


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (401, None, Outcome.NO_PERMISSION),
        (403, "NO_USER_PERMISSION", Outcome.NO_PERMISSION),
        (403, "DEVICE_NOT_SUPPORTED", Outcome.UNSUPPORTED),
        (403, "MAX_REMINDERS_EXCEEDED", Outcome.UNSUPPORTED),
        (429, "TOO_MANY_REQUESTS", Outcome.THROTTLED),
        (500, "INTERNAL_SERVER_ERROR", Outcome.UNAVAILABLE),
        (503, "SERVICE_UNAVAILABLE", Outcome.UNAVAILABLE),
        (504, None, Outcome.UNAVAILABLE),
        (400, "INVALID_TRIGGER", Outcome.UNAVAILABLE),
    ],
)
def test_create_faults_become_outcomes(
    api: FakeAlexaApi,
    caplog_reminders: pytest.LogCaptureFixture,
    status: int,
    code: str | None,
    outcome: Outcome,
) -> None:
    api.fail(status, code=code, path=REMINDERS_PATH)
    result = create(api)
    assert result == ReminderResult(outcome)
    assert api.reminders == {}
    (record,) = warnings_from(caplog_reminders)
    assert record.levelno == (logging.ERROR if status == 400 else logging.WARNING)
    message = record.getMessage()
    assert f"HTTP {status}" in message and outcome.name in message
    if code:
        assert code in message


def test_an_unreadable_error_page_is_unavailable(
    api: FakeAlexaApi, caplog_reminders: pytest.LogCaptureFixture
) -> None:
    api.fail(500, path=REMINDERS_PATH, raw_body="<html>Bad gateway</html>")
    assert create(api).outcome is Outcome.UNAVAILABLE
    (record,) = warnings_from(caplog_reminders)
    assert "UNAVAILABLE" in record.getMessage()


def test_a_slow_api_times_out_instead_of_hanging_the_skill(
    api: FakeAlexaApi, caplog_reminders: pytest.LogCaptureFixture
) -> None:
    api.delay(3.0, path=REMINDERS_PATH)
    started = time.monotonic()
    result = create(api, timeout=0.3)
    elapsed = time.monotonic() - started
    assert result.outcome is Outcome.UNAVAILABLE
    assert elapsed < 2.0
    (record,) = warnings_from(caplog_reminders)
    assert "timed out" in record.getMessage()
    assert "HTTP none" in record.getMessage()


def test_a_refused_connection_is_unavailable(
    api: FakeAlexaApi, caplog_reminders: pytest.LogCaptureFixture
) -> None:
    envelope = request(api)
    envelope["context"]["System"]["apiEndpoint"] = f"https://127.0.0.1:{unused_port()}"
    actions: tuple[Callable[[HandlerInput], ReminderResult | NightlyReminders], ...] = (
        lambda hi: reminders.set_nightly_reminder(hi, NINE_FIFTEEN, SPOKEN),
        lambda hi: reminders.find_nightly_reminders(hi, "some-token"),
        lambda hi: reminders.delete_nightly_reminders(hi, "some-token"),
    )
    for action in actions:
        assert run(action, envelope, client_for(api)).outcome is Outcome.UNAVAILABLE
    records = warnings_from(caplog_reminders)
    # set logs the failed time-zone lookup and the failed list; find and delete one each.
    assert len(records) == 4
    for record in records:
        assert "HTTP none" in record.getMessage()
        assert "Connection refused" in record.getMessage()
    assert api.calls == []


def test_a_certificate_from_an_untrusted_ca_is_refused(api: FakeAlexaApi) -> None:
    """verify=True (the system trust store) must not accept the fake's test CA."""
    result = run(
        lambda hi: reminders.set_nightly_reminder(hi, NINE_FIFTEEN, SPOKEN),
        request(api),
        TimeoutApiClient(timeout=2.0),
    )
    assert result.outcome is Outcome.UNAVAILABLE
    assert api.calls == []


def test_plain_http_endpoints_are_refused(api: FakeAlexaApi) -> None:
    envelope = request(api)
    envelope["context"]["System"]["apiEndpoint"] = f"http://127.0.0.1:{api.port}"
    result = run(
        lambda hi: reminders.set_nightly_reminder(hi, NINE_FIFTEEN, SPOKEN),
        envelope,
        client_for(api),
    )
    assert result.outcome is Outcome.UNAVAILABLE
    assert api.calls == []


def test_a_wrong_bearer_token_is_no_permission(api: FakeAlexaApi) -> None:
    result = create(api, token="not-the-token")
    assert result.outcome is Outcome.NO_PERMISSION
    assert api.reminders == {}
    assert {call.headers["Authorization"] for call in api.calls} == {"Bearer not-the-token"}


def test_a_skill_without_an_api_client_reports_unavailable(
    api: FakeAlexaApi, caplog_reminders: pytest.LogCaptureFixture
) -> None:
    result = run(
        lambda hi: reminders.set_nightly_reminder(hi, NINE_FIFTEEN, SPOKEN),
        request(api),
        None,
    )
    assert result.outcome is Outcome.UNAVAILABLE
    assert api.calls == []
    (record,) = warnings_from(caplog_reminders)
    assert record.levelno == logging.ERROR


def test_a_request_without_an_api_token_makes_no_call(
    api: FakeAlexaApi, caplog_reminders: pytest.LogCaptureFixture
) -> None:
    envelope = request(api)
    del envelope["context"]["System"]["apiAccessToken"]
    result = run(
        lambda hi: reminders.set_nightly_reminder(hi, NINE_FIFTEEN, SPOKEN),
        envelope,
        client_for(api),
    )
    assert result.outcome is Outcome.UNAVAILABLE
    assert api.calls == []
    (record,) = warnings_from(caplog_reminders)
    assert "no API endpoint or token" in record.getMessage()


# --------------------------------------------------------------------------- time zone


@pytest.mark.parametrize(
    "break_lookup",
    [
        pytest.param(lambda api: api.fail(500, path=TIME_ZONE_PATH), id="500"),
        pytest.param(lambda api: api.fail(403, path=TIME_ZONE_PATH), id="403"),
        pytest.param(lambda api: api.delay(3.0, path=TIME_ZONE_PATH), id="timeout"),
        pytest.param(lambda api: setattr(api, "time_zone", None), id="204-no-content"),
        pytest.param(lambda api: setattr(api, "time_zone", "Mars/Olympus"), id="unknown-zone"),
        pytest.param(lambda api: setattr(api, "device_id", "other"), id="404-device"),
    ],
)
def test_without_a_time_zone_the_reminder_uses_the_devices_own(
    api: FakeAlexaApi,
    caplog_reminders: pytest.LogCaptureFixture,
    break_lookup: Callable[[FakeAlexaApi], None],
) -> None:
    break_lookup(api)
    result = create(api, timeout=0.3)
    assert result.outcome is Outcome.CREATED
    (body,) = api.created
    assert "timeZoneId" not in body["trigger"]
    assert body["trigger"]["recurrence"]["recurrenceRules"] == [RULE]
    (record,) = warnings_from(caplog_reminders)
    assert "zone" in record.getMessage()


def test_the_start_date_is_the_next_occurrence_in_the_device_zone(api: FakeAlexaApi) -> None:
    api.time_zone = "Pacific/Kiritimati"  # UTC+14: often a different date from UTC
    before = datetime.now(ZoneInfo(api.time_zone)).date()
    assert create(api).outcome is Outcome.CREATED
    after = datetime.now(ZoneInfo(api.time_zone)).date()
    (body,) = api.created
    start = datetime.fromisoformat(body["trigger"]["recurrence"]["startDateTime"])
    assert before <= start.date() <= after + timedelta(days=1)
    assert start > datetime.now(ZoneInfo(api.time_zone)).replace(tzinfo=None)
    assert body["trigger"]["timeZoneId"] == "Pacific/Kiritimati"
    request_time = datetime.fromisoformat(body["requestTime"])
    now_there = datetime.now(ZoneInfo(api.time_zone)).replace(tzinfo=None)
    assert abs((now_there - request_time).total_seconds()) < 60
    assert datetime.now(UTC).tzinfo is UTC  # requestTime above is wall-clock, not UTC


# --------------------------------------------------------------------------- permission


def _permission_of(envelope: dict[str, Any]) -> bool:
    return run(reminders.has_permission, envelope, None)


def test_has_permission_reads_the_reminders_scope(api: FakeAlexaApi) -> None:
    assert _permission_of(request(api, permission="GRANTED")) is True
    assert _permission_of(request(api, permission="DENIED")) is False
    assert _permission_of(request(api, permission=None)) is False

    no_scopes = request(api)
    del no_scopes["context"]["System"]["user"]["permissions"]["scopes"]
    assert _permission_of(no_scopes) is False

    other_scope = request(api)
    other_scope["context"]["System"]["user"]["permissions"]["scopes"] = {
        "alexa::profile:name:read": {"status": "GRANTED"}
    }
    assert _permission_of(other_scope) is False

    no_user = request(api)
    del no_user["context"]["System"]["user"]
    assert _permission_of(no_user) is False


def test_the_permission_request_directive_and_card() -> None:
    serializer = DefaultSerializer()
    assert names.REMINDER_PERMISSION == REMINDERS_SCOPE
    assert serializer.serialize(reminders.permission_request_directive("remind")) == {
        "type": "Connections.SendRequest",
        "name": "AskFor",
        "payload": {
            "@type": "AskForPermissionsConsentRequest",
            "@version": "2",
            "permissionScopes": [{"permissionScope": REMINDERS_SCOPE, "consentLevel": "ACCOUNT"}],
        },
        "token": "remind",
    }
    assert serializer.serialize(reminders.consent_card()) == {
        "type": "AskForPermissionsConsent",
        "permissions": [REMINDERS_SCOPE],
    }


# --------------------------------------------------------------------------- time arithmetic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("21:30", clock(21, 30)),
        ("09:30", clock(9, 30)),
        ("00:00", clock(0, 0)),
        ("23:59", clock(23, 59)),
        (" 22:05 ", clock(22, 5)),
        ("7:45", clock(7, 45)),
        ("22:05:30", clock(22, 5)),
        ("MO", None),
        ("AF", None),
        ("EV", None),
        ("NI", None),
        ("24:00", None),
        ("12:60", None),
        ("noon", None),
        ("2130", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_amazon_time(value: str | None, expected: clock | None) -> None:
    assert timetext.parse_amazon_time(value) == expected


def test_parse_amazon_time_never_raises_on_odd_input() -> None:
    for odd in (42, b"21:30", ["21:30"], "٢١:٣٠", "21:30\n22:00"):
        assert timetext.parse_amazon_time(odd) is None


LEAD_MINUTES = int(reminder_clock.LEAD.total_seconds()) // 60


@pytest.mark.parametrize(
    "bedtime", [clock(22, 0), clock(23, 30), clock(0, 45), clock(0, 15), clock(0, 0)]
)
def test_reminder_time_for_is_the_lead_before_bed_across_midnight(bedtime: clock) -> None:
    reminder = reminder_clock.reminder_time_for(bedtime)
    assert reminder_clock.minutes_before_bed(reminder, bedtime) == LEAD_MINUTES
    on_the_day = datetime.combine(date(2026, 3, 2), bedtime)
    assert on_the_day - reminder_clock.LEAD == datetime.combine(
        date(2026, 3, 2) if reminder <= bedtime else date(2026, 3, 1), reminder
    )
    assert reminder_clock.in_window(reminder, bedtime)  # inside the article's 30-60 minutes


def test_reminder_time_for_ignores_seconds() -> None:
    assert reminder_clock.reminder_time_for(clock(22, 0, 59)) == reminder_clock.reminder_time_for(
        clock(22, 0)
    )


def test_every_bedtime_gets_a_reminder_inside_the_window() -> None:
    for minute in range(24 * 60):
        bedtime = clock(minute // 60, minute % 60)
        assert reminder_clock.in_window(reminder_clock.reminder_time_for(bedtime), bedtime)


@pytest.mark.parametrize(
    ("reminder", "bedtime", "minutes", "inside"),
    [
        (clock(21, 30), clock(22, 0), 30, True),
        (clock(21, 0), clock(22, 0), 60, True),
        (clock(21, 31), clock(22, 0), 29, False),
        (clock(20, 59), clock(22, 0), 61, False),
        (clock(23, 40), clock(0, 20), 40, True),
        (clock(22, 0), clock(22, 0), 0, False),
        (clock(22, 10), clock(22, 0), 1430, False),
    ],
)
def test_minutes_before_bed_and_the_window(
    reminder: clock, bedtime: clock, minutes: int, inside: bool
) -> None:
    assert reminder_clock.minutes_before_bed(reminder, bedtime) == minutes
    assert reminder_clock.in_window(reminder, bedtime) is inside


# --------------------------------------------------------------------------- the client


def test_the_timeout_and_verify_reach_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The binding rides on the SDK's private _resolve_method: an upgrade that stops
    routing calls through it must fail here, not drop the timeout silently."""
    import requests

    seen: dict[str, Any] = {}

    class Answer:
        status_code = 200
        text = "{}"
        headers: ClassVar[dict[str, str]] = {}

    def fake_get(**kwargs: Any) -> Answer:
        seen.update(kwargs)
        return Answer()

    monkeypatch.setattr(requests, "get", fake_get)
    client = TimeoutApiClient(timeout=1.5, verify="/ca.pem")
    client.invoke(ApiClientRequest(method="GET", url="https://api.example", headers=[]))
    assert (seen["timeout"], seen["verify"]) == (1.5, "/ca.pem")


def test_without_resolve_method_the_client_refuses_to_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ask_sdk_core.api_client import DefaultApiClient

    monkeypatch.delattr(DefaultApiClient, "_resolve_method")
    with pytest.raises(RuntimeError, match="_resolve_method"):
        TimeoutApiClient().invoke(ApiClientRequest(method="GET", url="https://a.example"))


def test_timeout_api_client_refuses_unsafe_settings() -> None:
    with pytest.raises(ValueError):
        TimeoutApiClient(verify=False)
    with pytest.raises(ValueError):
        TimeoutApiClient(timeout=0)
    client = TimeoutApiClient()
    assert client.timeout == 3.0 and client.verify is True


# --------------------------------------------------------------------------- one nightly reminder


def set_(
    api: FakeAlexaApi, at: clock = NINE_FIFTEEN, stored_id: str | None = None
) -> ReminderResult:
    return run(
        lambda hi: reminders.set_nightly_reminder(hi, at, SPOKEN, stored_id),
        request(api),
        client_for(api),
    )


def find(api: FakeAlexaApi, stored_id: str | None = None) -> NightlyReminders:
    return run(
        lambda hi: reminders.find_nightly_reminders(hi, stored_id), request(api), client_for(api)
    )


def delete_all(api: FakeAlexaApi, stored_id: str | None = None) -> ReminderResult:
    return run(
        lambda hi: reminders.delete_nightly_reminders(hi, stored_id),
        request(api),
        client_for(api),
    )


def methods(api: FakeAlexaApi) -> list[str]:
    return [f"{call.method} {call.path}" for call in api.calls_to(REMINDERS_PATH)]


def test_set_creates_one_when_alexa_has_none(api: FakeAlexaApi) -> None:
    result = set_(api)
    assert result.outcome is Outcome.CREATED and result.zone_known
    assert methods(api) == [f"GET {REMINDERS_PATH}", f"POST {REMINDERS_PATH}"]
    assert list(api.reminders) == [result.reminder_id]


def test_set_updates_the_one_alexa_has_in_place(api: FakeAlexaApi) -> None:
    first = set_(api)
    assert first.reminder_id is not None
    api.calls.clear()
    second = set_(api, clock(22, 5), stored_id=None)  # even with the id lost
    assert second == ReminderResult(Outcome.UPDATED, first.reminder_id, clock(22, 5))
    assert methods(api) == [
        f"GET {REMINDERS_PATH}",
        f"PUT {REMINDERS_PATH}/{first.reminder_id}",
    ]
    put = api.calls_to(f"{REMINDERS_PATH}/")[0]
    assert put.headers["Authorization"] == f"Bearer {api.token}"
    assert put.body["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=22;BYMINUTE=5;BYSECOND=0;INTERVAL=1;"
    ]
    assert "scheduledTime" not in put.body["trigger"]
    [only] = api.reminders.values()
    assert only.body == put.body


def test_set_keeps_the_stored_one_and_deletes_duplicates(api: FakeAlexaApi) -> None:
    ids = [seed(api) for _ in range(3)]
    keep = ids[1]
    assert keep is not None
    result = set_(api, stored_id=keep)
    assert result.outcome is Outcome.UPDATED and result.reminder_id == keep
    assert list(api.reminders) == [keep]


def test_set_leaves_a_reminder_that_is_not_nightly_alone(api: FakeAlexaApi) -> None:
    other = create(api)
    assert other.reminder_id is not None
    api.reminders[other.reminder_id].body["trigger"]["recurrence"]["recurrenceRules"] = [
        "FREQ=WEEKLY;BYHOUR=9;BYMINUTE=0"
    ]
    result = set_(api)
    assert result.outcome is Outcome.CREATED
    assert len(api.reminders) == 2


def test_set_creates_when_the_one_found_is_deleted_before_the_update(api: FakeAlexaApi) -> None:
    first = set_(api)
    api.fail(404, code="NOT_FOUND", path=f"{REMINDERS_PATH}/")
    second = set_(api)
    assert second.outcome is Outcome.CREATED
    assert second.reminder_id != first.reminder_id


@pytest.mark.parametrize(
    ("status", "outcome"), [(503, Outcome.UNAVAILABLE), (429, Outcome.THROTTLED)]
)
def test_set_creates_nothing_when_the_list_cannot_be_read(
    api: FakeAlexaApi, status: int, outcome: Outcome
) -> None:
    api.fail(status, path=REMINDERS_PATH)
    assert set_(api) == ReminderResult(outcome)
    assert methods(api) == [f"GET {REMINDERS_PATH}"]
    assert api.reminders == {}


def test_find_puts_the_stored_one_first_and_skips_completed_ones(api: FakeAlexaApi) -> None:
    a, b, done = (seed(api) for _ in range(3))
    assert a and b and done
    api.complete(done)
    found = find(api, stored_id=b)
    assert found.outcome is Outcome.FOUND
    assert found.reminders == ((b, NINE_FIFTEEN), (a, NINE_FIFTEEN))
    assert find(api).first == (a, NINE_FIFTEEN)
    api.reminders.clear()
    assert find(api) == NightlyReminders(Outcome.FOUND, ())


def test_delete_nightly_deletes_every_one_of_ours(api: FakeAlexaApi) -> None:
    for _ in range(2):
        seed(api)
    assert len(api.reminders) == 2
    assert delete_all(api).outcome is Outcome.DELETED
    assert api.reminders == {}
    assert delete_all(api).outcome is Outcome.NOT_FOUND


def test_delete_nightly_reports_a_failed_delete(api: FakeAlexaApi) -> None:
    created = create(api)
    api.fail(503, path=f"{REMINDERS_PATH}/")
    result = delete_all(api, created.reminder_id)
    assert result == ReminderResult(Outcome.UNAVAILABLE, created.reminder_id)
    assert created.reminder_id in api.reminders


def test_set_without_the_zone_says_so_in_its_result(api: FakeAlexaApi) -> None:
    api.fail(500, path=TIME_ZONE_PATH)
    result = set_(api)
    assert result.outcome is Outcome.CREATED and not result.zone_known


# --------------------------------------------------------------------------- permission answers


class _Status:
    def __init__(self, code: object) -> None:
        self.code = code


class _Answer:
    def __init__(self, payload: object, code: object = "200") -> None:
        self.payload = payload
        self.status = _Status(code)


def _v2(status: str, scope: str = REMINDERS_SCOPE) -> dict[str, Any]:
    return {
        "permissionScopes": [
            {"permissionScope": scope, "consentLevel": "ACCOUNT", "status": status}
        ]
    }


@pytest.mark.parametrize(
    ("answer", "granted"),
    [
        (_Answer({"status": "ACCEPTED", "permissionScope": REMINDERS_SCOPE}), True),
        (_Answer({"status": "ACCEPTED", "isCardThrown": False}), True),
        (_Answer(_v2("ACCEPTED")), True),
        (_Answer(_v2("ACCEPTED"), code=200), True),
        (_Answer({"status": "DENIED", "permissionScope": REMINDERS_SCOPE}), False),
        (_Answer({"status": "NOT_ANSWERED"}), False),
        (_Answer(_v2("DENIED")), False),
        (_Answer(_v2("NOT_ANSWERED")), False),
        (_Answer(_v2("ACCEPTED", "alexa::profile:name:read")), False),
        (_Answer({"status": "ACCEPTED", "permissionScope": "other"}), False),
        (_Answer(_v2("ACCEPTED"), code="500"), False),
        (_Answer({"status": "ACCEPTED"}, code="400"), False),
        (_Answer(_v2("ACCEPTED"), code=None), False),
        (_Answer({"permissionScopes": ["ACCEPTED"]}), False),
        (_Answer("ACCEPTED"), False),
        (_Answer(None), False),
        (object(), False),
    ],
)
def test_permission_granted_reads_version_1_and_version_2_answers(
    answer: object, granted: bool
) -> None:
    assert reminders.permission_granted(answer) is granted


# --------------------------------------------------------------------------- AM or PM, first night


@pytest.mark.parametrize(
    ("heard", "evening"),
    [
        (clock(5, 59), False),
        (clock(6, 0), True),
        (clock(10, 30), True),
        (clock(12, 59), True),
        (clock(13, 0), False),
        (clock(22, 30), False),
        (clock(0, 30), False),
    ],
)
def test_may_mean_evening(heard: clock, evening: bool) -> None:
    assert reminder_clock.may_mean_evening(heard) is evening
    if evening:
        assert reminder_clock.is_evening_or_night(reminder_clock.twelve_hours_later(heard))


@pytest.mark.parametrize(
    ("at", "evening_or_night"),
    [
        (clock(16, 59), False),
        (clock(17, 0), True),
        (clock(23, 59), True),
        (clock(5, 59), True),
        (clock(6, 0), False),
        (clock(12, 0), False),
    ],
)
def test_is_evening_or_night(at: clock, evening_or_night: bool) -> None:
    assert reminder_clock.is_evening_or_night(at) is evening_or_night


@pytest.mark.parametrize(
    ("heard", "part", "read"),
    [
        (clock(10, 30), "NI", clock(22, 30)),
        (clock(12, 30), "NI", clock(0, 30)),
        (clock(1, 0), "NI", clock(1, 0)),
        (clock(22, 0), "NI", clock(22, 0)),
        (clock(9, 0), "EV", clock(21, 0)),
        (clock(5, 0), "EV", clock(17, 0)),
        (clock(3, 0), "AF", clock(15, 0)),
        (clock(12, 30), "AF", clock(12, 30)),
        (clock(10, 30), "MO", clock(10, 30)),
        (clock(12, 15), "MO", clock(0, 15)),
        (clock(10, 30), None, clock(10, 30)),
    ],
)
def test_in_day_part(heard: clock, part: str | None, read: clock) -> None:
    assert reminder_clock.in_day_part(heard, part) == read


def test_parse_day_part() -> None:
    assert [reminder_clock.parse_day_part(v) for v in ("EV", "ni", " MO ", "AF")] == [
        "EV",
        "NI",
        "MO",
        "AF",
    ]
    for odd in ("21:30", "", None, 7, "EVENING"):
        assert reminder_clock.parse_day_part(odd) is None


@pytest.mark.parametrize(
    ("at", "clock_text", "time_text"),
    [
        (clock(22, 30), "10:30", "10:30 PM"),
        (clock(10, 30), "10:30", "10:30 AM"),
        (clock(0, 15), "12:15", "12:15 AM"),
        (clock(12, 5), "12:05", "12:05 PM"),
        (clock(0, 0), "midnight", "midnight"),  # never "12:00 AM"
        (clock(12, 0), "noon", "noon"),
    ],
)
def test_spoken_clock_and_time(at: clock, clock_text: str, time_text: str) -> None:
    assert timetext.spoken_clock(at) == clock_text
    assert timetext.spoken_time(at) == time_text


def test_next_occurrence_is_strictly_after_now() -> None:
    now = datetime(2026, 3, 1, 21, 45)
    assert reminder_clock.next_occurrence(clock(21, 45), now) == datetime(2026, 3, 2, 21, 45)
    assert reminder_clock.next_occurrence(clock(21, 46), now) == datetime(2026, 3, 1, 21, 46)
    assert reminder_clock.next_occurrence(clock(0, 0), now) == datetime(2026, 3, 2, 0, 0)


@given(
    utc_now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    minute=st.integers(0, 24 * 60 - 1),
    offset_minutes=st.integers(-12 * 60, 14 * 60),
)
def test_without_a_zone_the_first_start_is_in_the_future_in_every_zone(
    utc_now: datetime, minute: int, offset_minutes: int
) -> None:
    """UTC-12 to UTC+14: the start chosen from the latest clock is never past anywhere,
    and at most two nights late."""
    at = clock(minute // 60, minute % 60)
    start = reminder_clock.next_occurrence(at, reminder_clock.latest_wall_clock(utc_now))
    local_now = (utc_now + timedelta(minutes=offset_minutes)).replace(tzinfo=None)
    assert start > local_now
    assert start - local_now <= timedelta(days=3)
