"""ThinRoute (skill/web/fast.py): POST / without Flask, byte for byte what Flask answers.

Each request goes to the app twice: through `app.wsgi_app` (the thin layer, as gunicorn
and the test client call it) and through the Flask app behind it (`ThinRoute.fallback`,
the route every request took before). Status line, headers, body and the request log
line must be the same; `served` shows which requests the thin layer answered itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client
from werkzeug.wrappers import Response

from skill.config import Settings
from skill.dispatch import MAX_JSON_DEPTH
from skill.logs import REQUEST_LOGGER
from skill.web.app import EXTENSION, create_app
from skill.web.fast import ThinRoute
from testing import pki
from testing.envelopes import APPLICATION_ID, intent, launch

LIMIT = Settings.max_body_bytes


def _app(*, verify: bool) -> Flask:
    settings = Settings(skill_id=APPLICATION_ID, verify_requests=verify, persistence=False)
    app = create_app(settings, cert_fetch=pki.CertSource(), trust_roots=pki.trust_roots())
    app.config.update(TESTING=True)
    return app


@pytest.fixture(params=[True, False], ids=["verified", "unverified"])
def app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """Verification on, and off: off, a body reaches the later checks unsigned."""
    yield _app(verify=request.param)


def thin(app: Flask) -> ThinRoute:
    route = app.wsgi_app
    assert isinstance(route, ThinRoute)
    return route


def _signed(envelope: dict[str, Any], **sign: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelope).encode()
    return body, pki.signed_headers(body, **sign)


def _tampered() -> tuple[bytes, dict[str, str]]:
    body, headers = _signed(launch())
    return body.replace(b"LaunchRequest", b"LaunchRequesT"), headers


def _deep() -> tuple[bytes, dict[str, str]]:
    envelope = launch()
    envelope["session"]["attributes"] = {
        "x": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    }
    return _signed(envelope)


def _stale() -> tuple[bytes, dict[str, str]]:
    envelope = launch()
    old = datetime.now(UTC) - timedelta(seconds=600)
    envelope["request"]["timestamp"] = old.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _signed(envelope)


def _other_skill() -> tuple[bytes, dict[str, str]]:
    envelope = launch()
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.other"
    return _signed(envelope)


def _not_an_envelope() -> tuple[bytes, dict[str, str]]:
    return _signed({"version": "1.0", "request": {"type": "LaunchRequest"}})


def _changed(envelope: dict[str, Any], field: str, value: object) -> dict[str, Any]:
    envelope["request"][field] = value
    return envelope


def _raw(body: bytes) -> Callable[[], tuple[bytes, dict[str, str]]]:
    return lambda: (body, pki.signed_headers(body))


# Requests the thin layer answers itself: one of each answer and each kind of refusal.
SERVED: dict[str, Callable[[], tuple[bytes, dict[str, str]]]] = {
    "signed launch": lambda: _signed(launch()),
    "signed one-shot": lambda: _signed(intent("TimingIntent", new=True)),
    "signed in-session": lambda: _signed(intent("AMAZON.HelpIntent")),
    "unsigned": lambda: (json.dumps(launch()).encode(), {}),
    "tampered": _tampered,
    "another key": lambda: _signed(launch(), key=pki.private_key("intruder")),
    "bad certificate URL": lambda: _signed(launch(), cert_url="https://evil.example/cert.pem"),
    "stale timestamp": _stale,
    "another skill": _other_skill,
    "too deep": _deep,
    "malformed JSON": _raw(b'{"version": '),
    "not an envelope": _not_an_envelope,
    "not an object": _raw(b"[1, 2, 3]"),
    "unknown type": lambda: _signed(_changed(launch(), "type", "Pizza.Delivered")),
    "timestamp not a string": lambda: _signed(_changed(launch(), "timestamp", 12)),
    "not UTF-8": _raw(b"\xff\xfe{}"),
    "empty": _raw(b""),
    "blank": _raw(b" \n\t "),
}


def _both(app: Flask, body: bytes, headers: dict[str, str], **extra: Any) -> tuple[Any, Any]:
    """The same request through the thin layer and through Flask alone.

    Content-Length is always set, as a server sets it (werkzeug's client leaves it out
    for an empty body).
    """
    extra.setdefault("environ_overrides", {"CONTENT_LENGTH": str(len(body))})
    through_thin = Client(app.wsgi_app, Response)
    through_flask = Client(thin(app).fallback, Response)
    return (
        through_thin.post("/", data=body, headers=headers, **extra),
        through_flask.post("/", data=body, headers=headers, **extra),
    )


def _same(fast: Any, flask: Any) -> None:
    assert fast.status == flask.status
    assert fast.headers.to_wsgi_list() == flask.headers.to_wsgi_list()
    assert fast.get_data() == flask.get_data()


def _log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == REQUEST_LOGGER]
    for line in lines:
        assert line.pop("latency_ms") >= 0
        assert line.pop("time")
    return lines


@pytest.mark.parametrize("case", SERVED)
def test_the_thin_layer_answers_like_flask(
    app: Flask, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, REQUEST_LOGGER)
    body, headers = SERVED[case]()
    fast, flask = _both(app, body, headers)
    _same(fast, flask)
    assert thin(app).served == 1
    fast_line, flask_line = _log_lines(caplog)
    assert fast_line == flask_line
    assert fast_line["status"] == fast.status_code


def test_the_cases_cover_each_answer_and_refusal() -> None:
    """The cases above reach every reason the route gives, not one refusal many times."""
    reasons: set[tuple[int, str | None]] = set()
    for verify in (True, False):
        app = _app(verify=verify)
        for make in SERVED.values():
            fast, _ = _both(app, *make())
            reasons.add((fast.status_code, fast.get_json().get("error")))
        assert thin(app).served == len(SERVED)
    assert reasons == {
        (200, None),
        (400, "request verification failed"),
        (400, "request is for another skill"),
        (400, "JSON nested too deeply"),
        (400, "malformed JSON"),
        (400, "not an Alexa request envelope: missing requestId or timestamp"),
        (400, "body is not a JSON object"),
        (400, "unknown request type"),
        (400, "body is not valid UTF-8"),
        (400, "empty body"),
    }


def test_an_unexpected_error_is_the_same_500(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(headers: dict[str, str], body: str) -> dict[str, Any]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app.extensions[EXTENSION], "dispatch", broken)
    caplog.set_level(logging.INFO)
    fast, flask = _both(app, *_signed(launch()))
    _same(fast, flask)
    assert fast.status_code == 500 and fast.get_json() == {"error": "internal error"}
    assert b"secret" not in fast.get_data()
    assert [r.message for r in caplog.records if r.levelno == logging.ERROR] == [
        "unexpected error"
    ] * 2
    assert thin(app).served == 1


def test_an_oversized_body_goes_to_flask_and_is_413(app: Flask) -> None:
    body = b"{" + b" " * LIMIT + b"}"
    fast, flask = _both(app, body, pki.signed_headers(body))
    _same(fast, flask)
    assert fast.status_code == 413
    assert thin(app).served == 0


def test_a_chunked_body_goes_to_flask(app: Flask) -> None:
    body, headers = _signed(launch())
    headers["Transfer-Encoding"] = "chunked"
    fast = Client(app.wsgi_app, Response).post("/", data=body, headers=headers)
    assert thin(app).served == 0
    assert fast.status_code in (200, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("OPTIONS", "/"), ("POST", "/healthz"), ("POST", "/other"), ("GET", "/healthz")],
)
def test_other_methods_and_paths_go_to_flask(app: Flask, method: str, path: str) -> None:
    body, headers = _signed(launch())
    fast = Client(app.wsgi_app, Response).open(path, method=method, data=body, headers=headers)
    flask = Client(thin(app).fallback, Response).open(
        path, method=method, data=body, headers=headers
    )
    _same(fast, flask)
    assert thin(app).served == 0


def test_debug_mode_goes_to_flask(app: Flask) -> None:
    app.debug = True
    fast, flask = _both(app, *_signed(launch()))
    _same(fast, flask)
    assert b"\n  " in fast.get_data()  # Flask's indented debug JSON
    assert thin(app).served == 0


def test_the_flask_test_client_goes_through_the_thin_layer(app: Flask) -> None:
    """`app.test_client()` (every other web test) calls `app.wsgi_app`, as gunicorn does."""
    body, headers = _signed(launch())
    response = app.test_client().post("/", data=body, headers=headers)
    assert response.status_code == 200
    assert response.json is not None and response.json["version"] == "1.0"
    assert thin(app).served == 1
