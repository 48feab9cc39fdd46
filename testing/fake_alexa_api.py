"""A fake Alexa API (Reminders and the device time zone) over real HTTPS, for tests.

The skill's service layer talks to it exactly as to Amazon: through the SDK's service
clients and `skill.sdk.api_client.TimeoutApiClient`, over TLS checked against a throw-away
CA (`api.ca_path`). It serves the reminders endpoints and the time-zone setting, validates a
create or update as Amazon would (a first occurrence already past is a 400, judged in the
device's real zone, `api.device_zone`, without a `timeZoneId`), and answers 401 without
`Authorization: Bearer <api.token>`. `fake_alexa_api` shows how tests drive it.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import json
import logging
import re
import socket
import ssl
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from testing import envelopes

logger = logging.getLogger(__name__)

#: The apiAccessToken the fake expects unless told otherwise.
DEFAULT_TOKEN = "fake-alexa-api-access-token"
#: Path prefixes for `fail(..., path=...)` and `delay(..., path=...)`.
REMINDERS_PATH = "/v1/alerts/reminders"
TIME_ZONE_PATH = "/v2/devices/"
#: The scope `point_at` grants or denies (spelled out here, not imported from the skill).
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"

_REMINDER = re.compile(r"/v1/alerts/reminders/([^/]+)")
_TIME_ZONE = re.compile(r"/v2/devices/([^/]+)/settings/System\.timeZone")
_LOCAL_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?")
_RULE_KEYS = {"FREQ", "BYHOUR", "BYMINUTE", "BYSECOND", "INTERVAL"}


# --------------------------------------------------------------------------- TLS material


@dataclass(frozen=True)
class _TlsFiles:
    ca: Path
    cert: Path
    key: Path


@functools.cache
def _tls_material() -> tuple[bytes, bytes, bytes]:
    """(CA PEM, server cert PEM, server key PEM): generated once per process (EC P-256)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fake Alexa API Test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        ca_cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.PEM),
        key_pem,
    )


def _write_tls_files(directory: Path) -> _TlsFiles:
    ca, cert, key = _tls_material()
    files = _TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca.write_bytes(ca)
    files.cert.write_bytes(cert)
    files.key.write_bytes(key)
    return files


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Call:
    """One request the fake received, as it arrived."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """Answer the next `remaining` matching calls with `status` (after `delay` seconds).

    `status=None` only delays, then answers normally. `path` is a prefix of the request
    path (None matches every call). `raw_body` replaces the JSON error body verbatim.
    """

    status: int | None
    code: str | None = None
    message: str | None = None
    delay: float = 0.0
    remaining: int = 1
    path: str | None = None
    raw_body: str | None = None


@dataclass
class _Stored:
    body: dict[str, Any]
    created: str
    status: str = "ON"


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------- validation


def _rule_parts(rule: object) -> dict[str, str] | None:
    if not isinstance(rule, str):
        return None
    parts: dict[str, str] = {}
    for piece in rule.split(";"):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        if not sep or name not in _RULE_KEYS or name in parts:
            return None
        parts[name] = value
    return parts


def _invalid_create(body: Any, locale: str, device_zone: str) -> tuple[str, str] | None:
    """(code, message) for what the real API would reject in a create body; None if valid."""
    if not isinstance(body, dict):
        return "INVALID_REQUEST", "body must be a JSON object"
    if not _LOCAL_ISO.fullmatch(str(body.get("requestTime", ""))):
        return "INVALID_REQUEST_TIME", "requestTime must be ISO 8601 local time"
    trigger = body.get("trigger")
    if not isinstance(trigger, dict) or trigger.get("type") != "SCHEDULED_ABSOLUTE":
        return "INVALID_TRIGGER", "trigger.type must be SCHEDULED_ABSOLUTE"
    if "timeZoneId" in trigger and not isinstance(trigger["timeZoneId"], str):
        return "INVALID_TIME_ZONE", "timeZoneId must be a string"
    recurrence = trigger.get("recurrence")
    if not isinstance(recurrence, dict):
        return "INVALID_RECURRENCE", "a nightly reminder needs a recurrence"
    if "scheduledTime" in trigger or {"freq", "byDay"} & recurrence.keys():
        return "INVALID_TRIGGER", "use startDateTime and recurrenceRules, not freq/byDay"
    start = str(recurrence.get("startDateTime", ""))
    if not _LOCAL_ISO.fullmatch(start):
        return "INVALID_RECURRENCE", "startDateTime must be ISO 8601 local time, no offset"
    rules = recurrence.get("recurrenceRules")
    if not isinstance(rules, list) or len(rules) != 1:
        return "INVALID_RECURRENCE", "exactly one recurrence rule expected"
    parts = _rule_parts(rules[0])
    if parts is None or parts.get("FREQ") != "DAILY":
        return "INVALID_RECURRENCE", "rule must be FREQ=DAILY"
    if parts.get("INTERVAL", "1") != "1" or parts.get("BYSECOND", "0") != "0":
        return "INVALID_RECURRENCE", "INTERVAL must be 1 and BYSECOND 0"
    try:
        hour, minute = int(parts["BYHOUR"]), int(parts["BYMINUTE"])
    except (KeyError, ValueError):
        return "INVALID_RECURRENCE", "rule needs numeric BYHOUR and BYMINUTE"
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return "INVALID_RECURRENCE", "BYHOUR or BYMINUTE out of range"
    if start[11:16] != f"{hour:02d}:{minute:02d}":
        return "INVALID_RECURRENCE", "startDateTime time differs from BYHOUR/BYMINUTE"
    zone = trigger.get("timeZoneId") or device_zone
    try:
        now_there = datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
    except (KeyError, ValueError):
        return "INVALID_TIME_ZONE", f"unknown time zone {zone!r}"
    if datetime.fromisoformat(start) <= now_there:
        return "INVALID_RECURRENCE", f"startDateTime is in the past in {zone}"
    content = ((body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content")
    if not isinstance(content, list) or not content:
        return "INVALID_ALERT_INFO", "alertInfo.spokenInfo.content must be a non-empty list"
    for item in content:
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            return "INVALID_ALERT_INFO", "every spoken content needs text"
    if locale not in {item.get("locale") for item in content}:
        return "INVALID_LOCALE", f"no spoken content for locale {locale}"
    push = (body.get("pushNotification") or {}).get("status")
    if push not in {"ENABLED", "DISABLED"}:
        return "INVALID_PUSH_NOTIFICATION", "pushNotification.status must be ENABLED/DISABLED"
    return None


# --------------------------------------------------------------------------- server


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    timeout = 5

    def do_GET(self) -> None:
        self.server.api._serve(self)

    do_POST = do_GET
    do_DELETE = do_GET
    do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake Alexa API: " + format, *args)


class _Server(http.server.ThreadingHTTPServer):
    # Join handler threads on close, so none outlives the test that started it.
    daemon_threads = False
    block_on_close = True

    def __init__(self, api: FakeAlexaApi, context: ssl.SSLContext) -> None:
        self.api = api
        self.tls = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS per connection, in the handler thread, so a slow handshake blocks nobody."""
        request.settimeout(5)
        tls = self.tls.wrap_socket(request, server_side=True)
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (timeouts, refused certificates) are expected; record the rest."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # includes ssl.SSLError, ConnectionError, TimeoutError
            logger.debug("fake Alexa API: client connection ended: %r", error)
            return
        if error is not None:
            self.api.server_errors.append(error)


class FakeAlexaApi:
    """The fake API's state: what it expects, what it stored, and the faults to inject."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        device_id: str = envelopes.DEVICE_ID,
        time_zone: str | None = "Europe/London",
        locale: str = "en-US",
        device_zone: str | None = None,
    ) -> None:
        self.token = token
        self.device_id = device_id
        #: What the time-zone setting answers; None answers 204 No Content.
        self.time_zone = time_zone
        #: The locale every created reminder must have spoken content for.
        self.locale = locale
        #: The device's real zone, judged when a reminder comes without `timeZoneId`.
        self.device_zone = device_zone or time_zone or "UTC"
        self.reminders: dict[str, _Stored] = {}
        self.calls: list[Call] = []
        self.server_errors: list[BaseException] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._files: _TlsFiles | None = None

    # -- lifecycle

    def start(self) -> FakeAlexaApi:
        """Listen on 127.0.0.1 (a free port) with TLS, serving from a background thread."""
        self._dir = tempfile.TemporaryDirectory(prefix="fake-alexa-api-")
        self._files = _write_tls_files(Path(self._dir.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._files.cert, self._files.key)
        self._server = _Server(self, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="fake-alexa-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake delayed handlers, stop serving, join every thread, remove the TLS files."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._dir is not None:
            self._dir.cleanup()
        self._server = self._thread = self._dir = None

    def __enter__(self) -> FakeAlexaApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests read

    @property
    def port(self) -> int:
        assert self._server is not None, "the fake Alexa API is not running"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The apiEndpoint to put in request envelopes."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_path(self) -> str:
        """PEM of the CA that issued the server certificate: pass as `verify=`."""
        assert self._files is not None, "the fake Alexa API is not running"
        return str(self._files.ca)

    @property
    def created(self) -> list[dict[str, Any]]:
        """Bodies of the reminders created so far, oldest first."""
        with self._lock:
            return [stored.body for stored in self.reminders.values()]

    def calls_to(self, prefix: str) -> list[Call]:
        """Calls whose path starts with `prefix`."""
        with self._lock:
            return [call for call in self.calls if call.path.startswith(prefix)]

    # -- what tests change

    def fail(
        self,
        status: int,
        *,
        code: str | None = None,
        message: str | None = None,
        times: int = 1,
        path: str | None = None,
        raw_body: str | None = None,
    ) -> None:
        """Answer the next `times` calls (under `path`, if given) with `status`."""
        with self._lock:
            self._faults.append(Fault(status, code, message, 0.0, times, path, raw_body))

    def delay(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        """Hold the next `times` calls (under `path`) for `seconds` before answering normally."""
        with self._lock:
            self._faults.append(Fault(None, delay=seconds, remaining=times, path=path))

    def complete(self, alert_token: str) -> None:
        """Mark a stored reminder COMPLETED, as Alexa does once a reminder has run its course."""
        with self._lock:
            self.reminders[alert_token].status = "COMPLETED"

    # -- serving

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or path.startswith(fault.path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _serve(self, handler: _Handler) -> None:
        path = unquote(urlsplit(handler.path).path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.calls.append(Call(handler.command, path, dict(handler.headers.items()), body))

        fault = self._take_fault(path)
        if fault is not None:
            if fault.delay:
                self._stopping.wait(fault.delay)
            if fault.status is not None:
                if fault.raw_body is not None:
                    _send_raw(handler, fault.status, fault.raw_body, "text/html")
                else:
                    code = fault.code or _default_code(path, fault.status)
                    message = fault.message or "injected by the fake Alexa API"
                    _send(handler, fault.status, {"code": code, "message": message})
                return

        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            code = _default_code(path, 401)
            _send(handler, 401, {"code": code, "message": "bad or missing token"})
            return

        if path.rstrip("/") == REMINDERS_PATH and handler.command == "POST":
            self._create(handler, body)
        elif path.rstrip("/") == REMINDERS_PATH and handler.command == "GET":
            self._list(handler)
        elif (match := _REMINDER.fullmatch(path)) and handler.command == "PUT":
            self._update(handler, match.group(1), body)
        elif (match := _REMINDER.fullmatch(path)) and handler.command in {"GET", "DELETE"}:
            self._one_reminder(handler, match.group(1))
        elif (match := _TIME_ZONE.fullmatch(path)) and handler.command == "GET":
            self._time_zone(handler, match.group(1))
        else:
            _send(handler, 404, {"code": "NOT_FOUND", "message": f"no {handler.command} {path}"})

    def _create(self, handler: _Handler, body: Any) -> None:
        invalid = _invalid_create(body, self.locale, self.device_zone)
        if invalid is not None:
            code, message = invalid
            _send(handler, 400, {"code": code, "message": message})
            return
        token = f"amzn1.ask.alert.{uuid.uuid4()}"
        now = _timestamp()
        with self._lock:
            self.reminders[token] = _Stored(body=body, created=now)
        _send(
            handler,
            201,
            {
                "alertToken": token,
                "createdTime": now,
                "updatedTime": now,
                "status": "ON",
                "version": "1",
                "href": f"/v1/alerts/reminders/{token}",
            },
        )

    def _update(self, handler: _Handler, token: str, body: Any) -> None:
        invalid = _invalid_create(body, self.locale, self.device_zone)
        if invalid is not None:
            code, message = invalid
            _send(handler, 400, {"code": code, "message": message})
            return
        now = _timestamp()
        with self._lock:
            stored = self.reminders.get(token)
            if stored is not None:
                stored.body, stored.status = body, "ON"
        if stored is None:
            _send(handler, 404, {"code": "NOT_FOUND", "message": "no such reminder"})
            return
        _send(
            handler,
            200,
            {
                "alertToken": token,
                "createdTime": stored.created,
                "updatedTime": now,
                "status": "ON",
                "version": "2",
                "href": f"/v1/alerts/reminders/{token}",
            },
        )

    def _list(self, handler: _Handler) -> None:
        with self._lock:
            alerts = [_reminder_json(token, stored) for token, stored in self.reminders.items()]
        _send(handler, 200, {"totalCount": str(len(alerts)), "alerts": alerts, "links": None})

    def _one_reminder(self, handler: _Handler, token: str) -> None:
        with self._lock:
            stored = self.reminders.get(token)
            if stored is not None and handler.command == "DELETE":
                del self.reminders[token]
        if stored is None:
            _send(handler, 404, {"code": "NOT_FOUND", "message": "no such reminder"})
        elif handler.command == "DELETE":
            _send_raw(handler, 200, "", None)
        else:
            _send(handler, 200, _reminder_json(token, stored))

    def _time_zone(self, handler: _Handler, device_id: str) -> None:
        if device_id != self.device_id:
            _send(handler, 404, {"code": "INVALID_URI", "message": "unknown device"})
        elif self.time_zone is None:
            _send_raw(handler, 204, "", None)
        else:
            _send(handler, 200, self.time_zone)


def _reminder_json(token: str, stored: _Stored) -> dict[str, Any]:
    """A stored reminder as the API returns it (GET one, and each entry of the list)."""
    body = stored.body
    return {
        "alertToken": token,
        "createdTime": stored.created,
        "updatedTime": stored.created,
        "trigger": body["trigger"],
        "status": stored.status,
        "alertInfo": body["alertInfo"],
        "pushNotification": body["pushNotification"],
        "version": "1",
    }


# Error codes as each API spells them; the SDK reads settings-API codes into an enum
# (ask_sdk_model.services.ups.ErrorCode), so those must be real values.
_REMINDER_CODES = {
    401: "UNAUTHORIZED",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
_SETTINGS_CODES = {401: "INVALID_TOKEN", 403: "INVALID_TOKEN"}


def _default_code(path: str, status: int) -> str:
    if path.startswith(TIME_ZONE_PATH):
        return _SETTINGS_CODES.get(status, "UNKNOWN_ERROR")
    return _REMINDER_CODES.get(status, f"HTTP_{status}")


def _send(handler: _Handler, status: int, payload: Any) -> None:
    _send_raw(handler, status, json.dumps(payload), "application/json")


def _send_raw(handler: _Handler, status: int, text: str, content_type: str | None) -> None:
    data = text.encode()
    handler.send_response(status)
    if content_type and data:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if data:
        handler.wfile.write(data)


# --------------------------------------------------------------------------- helpers


@contextmanager
def fake_alexa_api(**settings: Any) -> Iterator[FakeAlexaApi]:
    """A running fake (keyword settings as for `FakeAlexaApi`), stopped on exit.

    Typical use::

        with fake_alexa_api(locale="en-GB", time_zone="Europe/London") as api:
            client = TimeoutApiClient(timeout=2.0, verify=api.ca_path)
            envelope = point_at(envelopes.intent("SetReminderIntent", locale="en-GB"), api)
            ...  # run the skill; then inspect api.created, api.calls
            api.fail(429)  # the next call answers 429
            api.fail(500, path=TIME_ZONE_PATH)  # the next time-zone lookup answers 500
            api.delay(2.0, path=REMINDERS_PATH)  # the next reminders call answers late

    As a pytest fixture::

        @pytest.fixture
        def alexa_api() -> Iterator[FakeAlexaApi]:
            with fake_alexa_api() as api:
                yield api
    """
    api = FakeAlexaApi(**settings).start()
    try:
        yield api
    finally:
        api.stop()


def point_at(
    envelope: dict[str, Any],
    api: FakeAlexaApi,
    *,
    permission: str | None = "GRANTED",
    token: str | None = None,
) -> dict[str, Any]:
    """Aim an envelope (from `testing.envelopes`) at the fake: apiEndpoint, token, permission.

    `permission` is the reminders scope status ("GRANTED"/"DENIED"), or None for a user
    with no permissions at all. `token` overrides the apiAccessToken (to test a bad one).
    """
    system = envelope["context"]["System"]
    system["apiEndpoint"] = api.base_url
    system["apiAccessToken"] = api.token if token is None else token
    users = [system.setdefault("user", {})]
    if envelope.get("session"):
        users.append(envelope["session"].setdefault("user", {}))
    for user in users:
        if permission is None:
            user.pop("permissions", None)
        else:
            user["permissions"] = {
                "consentToken": "fake-consent-token",
                "scopes": {REMINDERS_SCOPE: {"status": permission}},
            }
    return envelope


def unused_port() -> int:
    """A local port nothing listens on (for connection-refused tests)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
