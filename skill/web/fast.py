"""The Alexa POST without Flask: a thin WSGI layer in front of the Flask app.

Flask's per-request machinery costs CPU on the one route Alexa calls (BENCHMARKS.md).
`ThinRoute` answers POST / itself when the body has a plain Content-Length within the limit,
calling the same `answer` the Flask route calls, with the status line, headers, JSON bytes
and request log line Flask would give. Everything else goes to Flask unchanged: other paths
and methods, a missing, malformed or oversized Content-Length, any Transfer-Encoding (Flask
applies the limit to chunked bodies) and debug mode (Flask indents its JSON there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from werkzeug.http import HTTP_STATUS_CODES

from skill.logs import begin_request, end_request

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Answer = Callable[[dict[str, str], bytes], tuple[int, dict[str, Any]]]
"""(signature headers, raw body) -> (HTTP status, JSON answer): the route's own logic."""


class FlaskLike(Protocol):
    """What ThinRoute reads from the Flask app, at request time (tests may change it)."""

    config: Any
    json: Any

    @property
    def debug(self) -> bool: ...


#: The JSON error Flask's catch-all handler gives for an unexpected exception.
INTERNAL_ERROR = (500, {"error": "internal error"})


def _status_line(code: int) -> str:
    """The status line werkzeug writes for a code (its table, upper case)."""
    return f"{code} {HTTP_STATUS_CODES.get(code, 'unknown').upper()}"


class ThinRoute:
    """WSGI: serve POST / through `answer`, hand everything else to `fallback`.

    `served` counts the requests answered here (tests check the path is taken).
    """

    def __init__(
        self,
        app: FlaskLike,
        fallback: WSGIApp,
        answer: Answer,
        header_names: Iterable[str],
    ) -> None:
        self.app = app
        self.fallback = fallback
        self.served = 0
        self._answer = answer
        # The environ keys werkzeug reads for these headers, in the same order.
        self._headers = tuple(
            ("HTTP_" + name.upper().replace("-", "_"), name) for name in header_names
        )
        self._status = {code: _status_line(code) for code in (200, 400, 413, 500)}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = self._length(environ)
        if length is None:
            return self.fallback(environ, start_response)
        self.served += 1
        line = begin_request("web")
        try:
            body = environ["wsgi.input"].read(length)
            headers = {name: environ[key] for key, name in self._headers if key in environ}
            status, answer = self._answer(headers, body)
            out = (self.app.json.dumps(answer, separators=(",", ":")) + "\n").encode()
        except Exception:
            logger.exception("unexpected error")
            status, answer = INTERNAL_ERROR
            out = (self.app.json.dumps(answer, separators=(",", ":")) + "\n").encode()
        end_request(line, status=status)
        start_response(
            self._status.get(status) or _status_line(status),
            [("Content-Type", "application/json"), ("Content-Length", str(len(out)))],
        )
        return [out]

    def _length(self, environ: dict[str, Any]) -> int | None:
        """The body length if this request is ours to serve, else None (Flask serves it)."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/":
            return None
        length = environ.get("CONTENT_LENGTH")
        if not length or not (length.isascii() and length.isdigit()):
            return None
        if "HTTP_TRANSFER_ENCODING" in environ or self.app.debug:
            return None
        size = int(length)
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if limit is not None and size > limit:
            return None
        return size
