"""Logging set-up for entry points, and the one JSON line each request leaves behind.

Modules only ever call `logging.getLogger(__name__)`. Entry points call
`configure_logging` once. Each host wraps a request in `begin_request` /
`end_request` (or `request_logged`): that logs one JSON object on one line, with the
request type, the intent, the outcome and the latency, and nothing that identifies
or quotes the listener (no user or device ids, no tokens, no slot values).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _json_string
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Libraries kept at WARNING whatever the level: at DEBUG botocore logs whole requests
#: and responses (user ids, stored records), urllib3 every URL it opens.
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")

REQUEST_LOGGER = "skill.requests"
"""The logger of the per-request JSON lines (configure_logging sends them to stderr bare)."""

ANSWERED = "answered"
REJECTED = "rejected"
ERROR = "error"

_request_logger = logging.getLogger(REQUEST_LOGGER)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,79}")
_current: ContextVar[RequestLine | None] = ContextVar("request_line", default=None)


class RequestLineWriter:
    """Writes each request line to a file descriptor with one `os.write`: no logging
    records, handlers, locks or text-layer buffering. A line is one JSON object, under
    PIPE_BUF bytes, so a pipe (how Lambda's runtime reads stderr) takes it whole, never
    interleaved with another writer's output. Self-contained on purpose: however the
    rest of the logs are formatted, request lines stay the same bare JSON."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __call__(self, line: str) -> None:
        try:  # noqa: SIM105 (contextlib.suppress costs more than the write's own call)
            os.write(self.fd, (line + "\n").encode())
        except OSError:  # stderr closed or full: a log line never fails a request
            pass


def _to_logger(line: str) -> None:
    """Before `configure_logging` (tests, a host that configures its own logging): a
    record on the `skill.requests` logger, whatever handlers it has."""
    _request_logger.info(line)


_write: Callable[[str], None] = _to_logger


def write_request_lines(writer: Callable[[str], None] | None) -> None:
    """Send each request's line to `writer` (None: back to the `skill.requests` logger)."""
    global _write
    _write = _to_logger if writer is None else writer


def configure_logging(level: str, *, json_lines: bool = False) -> None:
    """Set the root level and a format, once, from the configured level name.

    `json_lines` (production: Lambda, gunicorn; SKILL_LOG_FORMAT=json) makes every log
    line one JSON object (JsonFormatter); otherwise the format is plain text for people
    (the console). Request lines go to stderr as bare JSON, one per line, written
    straight to its file descriptor (RequestLineWriter), not through logging: a log tool
    (CloudWatch Logs Insights on Lambda, which collects stdout and stderr) then reads
    their fields. stdout stays free for programs that drive the entry and print results.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else OneLineFormatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])  # no-op if the root has one
    logging.getLogger().setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        sys.stderr.flush()
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a stderr with no file behind it
        if not any(getattr(h, "_bare_json", False) for h in _request_logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            handler._bare_json = True  # type: ignore[attr-defined]
            _request_logger.addHandler(handler)
        _request_logger.setLevel(logging.INFO)
        _request_logger.propagate = False
        write_request_lines(None)
    else:
        write_request_lines(RequestLineWriter(fd))


#: Line breaks and other control characters, as the escapes Python would write for them.
_ESCAPES = {
    code: repr(chr(code))[1:-1] for code in (*range(32), 0x7F, 0x85, 0x2028, 0x2029) if code != 9
}


class OneLineFormatter(logging.Formatter):
    """The text format with each message on one line: a newline (or any other control
    character) that a request carried into a message, say in an intent name or the error
    Alexa reports, is written as an escape (\\n), so it cannot forge a log line. A
    traceback still follows on lines of its own. (Request lines are JSON: escaped.)"""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).translate(_ESCAPES)


class RequestLine:
    """What one request's log line will say; filled in as the request goes."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.request_type: str | None = None
        self.intent: str | None = None
        self.outcome = ANSWERED
        self.status: int | None = None
        self._started = time.perf_counter()

    def describe(self, envelope: object) -> None:
        """Take the request type and intent name from a parsed envelope, and nothing else."""
        request = envelope.get("request") if isinstance(envelope, dict) else None
        if not isinstance(request, dict):
            return
        self.request_type = _name(request.get("type"))
        intent = request.get("intent")
        if isinstance(intent, dict):
            self.intent = _name(intent.get("name"))

    def fields(self) -> dict[str, Any]:
        """The line's fields, in a fixed order."""
        fields: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "log": "request",
            "host": self.host,
            "request_type": self.request_type,
            "intent": self.intent,
            "outcome": self.outcome,
        }
        if self.status is not None:
            fields["status"] = self.status
        fields["latency_ms"] = round((time.perf_counter() - self._started) * 1000, 1)
        return fields

    def text(self) -> str:
        """`fields()` as compact JSON, formatted in one go: json.dumps of a dict costs
        several times this. Every string is JSON-escaped (a newline can never start a
        forged line), though the names already passed `_NAME` (or are "invalid")."""
        latency = round((time.perf_counter() - self._started) * 1000, 1)
        status = "" if self.status is None else f',"status":{int(self.status)}'
        now = _timestamp()
        return (
            f'{{"time":"{now}","log":"request","host":{_json_string(self.host)},'
            f'"request_type":{_quoted(self.request_type)},"intent":{_quoted(self.intent)},'
            f'"outcome":{_json_string(self.outcome)}{status},"latency_ms":{latency!r}}}'
        )


_stamped: tuple[int, str] = (-1, "")
"""The last whole second formatted, and its text: most lines reuse it."""


def _timestamp() -> str:
    """Now in UTC, as `datetime.now(UTC).isoformat(timespec="milliseconds")` writes it,
    for a third of its cost: the date and time of day are formatted once a second."""
    global _stamped
    now = time.time()
    second = int(now)
    if second != _stamped[0]:  # threads racing here both write the same text
        _stamped = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_stamped[1]}.{int((now - second) * 1000):03d}+00:00"


def _quoted(name: str | None) -> str:
    return "null" if name is None else _json_string(name)


def _name(value: object) -> str | None:
    """An Alexa type or intent name as sent, or "invalid" for anything else (never free text)."""
    if value is None:
        return None
    return value if isinstance(value, str) and _NAME.fullmatch(value) else "invalid"


def begin_request(host: str) -> RequestLine:
    """Start timing a request; `describe_request` and `mark_outcome` fill in its line."""
    line = RequestLine(host)
    _current.set(line)
    return line


def end_request(line: RequestLine, *, status: int | None = None) -> None:
    """Log the request's line. An HTTP status sets the outcome: 4xx rejected, 5xx error."""
    _current.set(None)
    if status is not None:
        line.status = status
        if status >= 500:
            line.outcome = ERROR
        elif status >= 400:
            line.outcome = REJECTED
    _write(line.text())


@contextmanager
def request_logged(host: str) -> Iterator[RequestLine]:
    """`begin_request` ... `end_request` around a block; an exception makes it an error."""
    line = begin_request(host)
    try:
        yield line
    except BaseException:
        if line.outcome == ANSWERED:
            line.outcome = ERROR
        raise
    finally:
        end_request(line)


def describe_request(envelope: object) -> None:
    """Note the current request's type and intent (no-op outside a request)."""
    line = _current.get()
    if line is not None:
        line.describe(envelope)


def mark_outcome(outcome: str) -> None:
    """Set the current request's outcome, e.g. ERROR when the skill apologised."""
    line = _current.get()
    if line is not None:
        line.outcome = outcome


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: `time`, `log` ("app", or the `log` this
    formatter was made for), `level`, `logger`, `message`, and `exception` (the traceback,
    newlines escaped) when there is one. Fields as the request lines name them, so one
    Logs Insights query reads both (`filter log = "app" and level = "ERROR"`)."""

    def __init__(self, log: str = "app") -> None:
        super().__init__()
        self.log = log

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "log": self.log,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields.update(self.extra_fields(record))
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            fields["exception"] = self.formatStack(record.stack_info)
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)

    def extra_fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """More fields for one kind of record (gunicorn.conf.py's access lines); none here."""
        return {}
