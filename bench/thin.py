"""A prototype, measured, not shipped: the Alexa POST served by a thin WSGI callable.

`python -m bench.throughput --ours-app bench.thin:app` serves this instead of
bench/app.py. POST / with a plain Content-Length body goes straight to the same
`AlexaEndpoint.dispatch` the Flask route calls (same verification, same skill, same
answers and refusals); everything else (other paths and methods, a missing or oversized
length, a body that is not UTF-8) is handed to the production Flask app unchanged. The
difference in throughput is what Flask and werkzeug cost per request on this path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from bench.app import build
from skill.web import EXTENSION, RejectedRequest

StartResponse = Callable[..., Any]

_JSON = [("Content-Type", "application/json")]
_HEADERS = (
    ("HTTP_SIGNATURE_256", "Signature-256"),
    ("HTTP_SIGNATURECERTCHAINURL", "SignatureCertChainUrl"),
)


def thin(flask_app: Any) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    endpoint = flask_app.extensions[EXTENSION]
    limit = flask_app.config["MAX_CONTENT_LENGTH"]
    dumps = json.dumps

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        if (
            environ["REQUEST_METHOD"] != "POST"
            or environ.get("PATH_INFO") != "/"
            or not length
            or not length.isdigit()
            or int(length) > limit
        ):
            return flask_app(environ, start_response)  # type: ignore[no-any-return]
        body = environ["wsgi.input"].read(int(length))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if not text.strip():
            environ["wsgi.input"] = _Replay(body)
            return flask_app(environ, start_response)  # type: ignore[no-any-return]
        headers = {name: environ[key] for key, name in _HEADERS if key in environ}
        try:
            status, answer = "200 OK", endpoint.dispatch(headers, text)
        except RejectedRequest as rejected:
            status, answer = f"{rejected.status} REJECTED", {"error": rejected.reason}
        out = dumps(answer).encode()
        start_response(status, [*_JSON, ("Content-Length", str(len(out)))])
        return [out]

    return app


class _Replay:
    """The body already read, for the Flask app to read again."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def read(self, size: int = -1) -> bytes:
        out, self._body = (self._body, b"") if size < 0 else (self._body[:size], self._body[size:])
        return out


app = thin(build())
