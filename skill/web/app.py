"""The skill as an HTTPS web service: a Flask app factory around the SDK's webservice handler.

POST / is the Alexa endpoint (verified unless verification was switched off for local
development); GET /healthz answers 200 while the process is up; GET /privacy is the privacy
policy linked from skill.json. Every failure has a short JSON answer and a defined status
(README, "Serving it over HTTPS"), and exception text never leaves the process; the order of
the checks is in `AlexaEndpoint.dispatch`. POST / with a plain Content-Length skips Flask
(`ThinRoute`, skill/web/fast.py): the same `AlexaEndpoint.answer`, the same bytes out.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ask_sdk_core.skill import CustomSkill
from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from skill.builder import build_skill
from skill.config import ANY_SKILL_WARNING, ConfigError, Settings, require_skill_id
from skill.content import privacy_policy
from skill.dispatch import (
    envelope_problem,
    for_another_skill,
    nesting_too_deep,
    parse_json,
    read_envelope,
)
from skill.logs import begin_request, configure_logging, end_request
from skill.web.fast import ThinRoute

# Import order matters: skill.web.verification patches oscrypto before the SDK loads it.
from skill.web.verification import (  # isort: skip
    FORWARDED_FOR_HEADER,
    AlexaVerifier,
    Clock,
    Fetch,
    VerificationException,
    build_verifier,
)
from ask_sdk_webservice_support.verifier_constants import (
    SIGNATURE_CERT_CHAIN_URL_HEADER,
    SIGNATURE_HEADER,
)
from ask_sdk_webservice_support.webservice_handler import WebserviceSkillHandler

logger = logging.getLogger(__name__)

EXTENSION = "bedtime_magnesium"


class RejectedRequest(Exception):
    """A request answered with a 4xx and a short reason, never reaching the skill."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class AlexaEndpoint(WebserviceSkillHandler):
    """The SDK's webservice handler with each check its own stage and a clear 4xx.

    The SDK's `verify_request_and_dispatch` parses and deserializes the whole body
    before it checks anything, and lets every failure escape as one exception type (a
    500 in most adapters). Here the cheap checks come first and the costly ones last,
    so a request that is not from Alexa costs little (see `dispatch`).
    """

    def __init__(
        self, skill: CustomSkill, verifier: AlexaVerifier | None, skill_id: str | None
    ) -> None:
        super().__init__(skill, verify_signature=False, verify_timestamp=False, verifiers=[])
        self._verifier = verifier
        self._skill_id = skill_id

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """The status and JSON answer for a body within the limit (Flask route and ThinRoute)."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {"error": "body is not valid UTF-8"}
        if not text.strip():
            return 400, {"error": "empty body"}
        try:
            return 200, self.dispatch(headers, text)
        except RejectedRequest as rejected:
            return rejected.status, {"error": rejected.reason}

    def dispatch(self, headers: dict[str, str], body: str) -> dict[str, Any]:
        """Verify and run one request body; raise `RejectedRequest` for anything refused.

        1. signature headers, a quick look at the timestamp, certificate URL, chain and
           the signature over the raw body (`AlexaVerifier.authenticate`);
        2. nesting depth on the raw text, then JSON parsing and the envelope's shape;
        3. the exact `request.timestamp`, then the skill id;
        4. only then the SDK's model of the request, and the skill.
        """
        verifier = self._verifier
        if verifier is not None:
            _verified(verifier.authenticate, headers, body)
        data = _parse(body)
        if verifier is not None:
            _verified(verifier.check_timestamp, data["request"])
        if for_another_skill(data, self._skill_id):
            logger.warning("request rejected: for another skill")
            raise RejectedRequest("request is for another skill")
        try:
            envelope = read_envelope(self._skill, data)
        except Exception:
            raise RejectedRequest("not a valid Alexa request envelope") from None
        response = self._skill.invoke(request_envelope=envelope, context=None)
        result = self._skill.serializer.serialize(response)
        assert isinstance(result, dict)
        return result


def _verified(check: Callable[..., None], *args: Any) -> None:
    """Run one verification step; any failure is logged and becomes a 400."""
    try:
        check(*args)
    except VerificationException as rejected:
        logger.warning("request rejected: %s", rejected)
        raise RejectedRequest("request verification failed") from None
    except Exception as broken:
        logger.warning("request rejected: %s: %s", type(broken).__name__, broken)
        raise RejectedRequest("request verification failed") from None


def _parse(body: str) -> dict[str, Any]:
    """The body as an envelope-shaped dict; too deep, malformed or misshapen is refused."""
    if nesting_too_deep(body):
        raise RejectedRequest("JSON nested too deeply")
    try:
        data = parse_json(body)
    except (ValueError, RecursionError):
        raise RejectedRequest("malformed JSON") from None
    problem = envelope_problem(data)
    if problem:
        raise RejectedRequest(problem)
    assert isinstance(data, dict)
    return data


def _read_body(limit: int) -> bytes:
    """The request body, at most `limit` bytes; 413 for more, chunked bodies included.

    werkzeug stops a chunked body (no Content-Length) at the limit without saying so;
    one more byte from the server's stream tells a body of exactly `limit` bytes from
    a longer one, which would otherwise be cut short and parsed.
    """
    body = request.stream.read()
    chunked = request.content_length is None
    if chunked and len(body) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return body


#: Just the headers the verifier reads (it scans every header it is given): the two
#: signature headers, and the client address nginx sets (for the per-address budget of
#: certificate fetches; gunicorn listens on loopback only, behind nginx).
SIGNATURE_HEADERS = (SIGNATURE_CERT_CHAIN_URL_HEADER, SIGNATURE_HEADER, FORWARDED_FOR_HEADER)


def _signature_headers() -> dict[str, str]:
    headers = request.headers
    return {name: value for name in SIGNATURE_HEADERS if (value := headers.get(name)) is not None}


def _error(reason: str, status: int) -> tuple[Response, int]:
    return jsonify(error=reason), status


def create_app(
    config: Settings | None = None,
    *,
    cert_fetch: Fetch | None = None,
    trust_roots: Sequence[Any] | None = None,
    now: Clock | None = None,
) -> Flask:
    """Build the Flask app; `config` defaults to `Settings.from_env()` (see README).

    `cert_fetch`, `trust_roots` and `now` exist for tests and benchmarks that sign
    requests with their own PKI; production leaves them unset.
    """
    try:
        settings = config or Settings.from_env()
    except ConfigError as error:
        if not logging.getLogger().handlers:
            json_lines = os.environ.get("SKILL_LOG_FORMAT", "").strip().lower() == "json"
            configure_logging(Settings.log_level, json_lines=json_lines)
        logger.critical("refusing to start: %s", error)
        raise
    if not logging.getLogger().handlers:  # run by gunicorn or flask, not under a test runner
        configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    _refuse_unsafe(settings)
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=settings.max_body_bytes, SKILL_SETTINGS=settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the SDK's order; no sort per response
    verifier = build_verifier(settings, fetch=cert_fetch, trust_roots=trust_roots, now=now)
    skill = build_skill(settings)
    endpoint = AlexaEndpoint(skill, verifier, settings.skill_id)
    app.extensions[EXTENSION] = endpoint

    # No automatic OPTIONS answers (Flask's are HTML): OPTIONS is a JSON 405 like any
    # other method a path does not serve. GET /healthz answers HEAD as well.
    @app.post("/", provide_automatic_options=False)
    def alexa() -> Any:
        status, answer = endpoint.answer(_signature_headers(), _read_body(settings.max_body_bytes))
        return jsonify(answer), status

    @app.before_request
    def begin_request_line() -> None:  # one JSON log line per Alexa request (skill/logs.py)
        if request.path == "/":
            g.request_line = begin_request("web")

    @app.after_request
    def end_request_line(response: Response) -> Response:
        if (line := g.pop("request_line", None)) is not None:
            end_request(line, status=response.status_code)
        return response

    @app.get("/healthz", provide_automatic_options=False)
    def healthz() -> Any:
        return jsonify(status="ok")

    policy = privacy_policy(settings.operator, settings.contact)  # read once, at start-up

    @app.get("/privacy", provide_automatic_options=False)
    def privacy() -> Any:
        return Response(policy, mimetype="text/html")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        reasons = {413: f"body larger than {settings.max_body_bytes} bytes"}
        answer, status = _error(reasons.get(error.code or 0, error.name.lower()), error.code or 500)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            answer.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return answer, status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        logger.exception("unexpected error")
        return _error("internal error", 500)

    # POST / with a plain Content-Length skips Flask (skill/web/fast.py), same answers.
    app.wsgi_app = ThinRoute(  # type: ignore[method-assign]
        app, app.wsgi_app, endpoint.answer, SIGNATURE_HEADERS
    )
    # The app lives as long as the worker: keep its objects out of every GC pass.
    gc.freeze()
    return app


def _refuse_unsafe(settings: Settings) -> None:
    """Refuse to start unprotected by mistake; say loudly what was chosen on purpose.

    With verification on, a skill id is required: without one, a request signed by
    Alexa for ANY skill would be answered. `SKILL_ALLOW_ANY_SKILL_ID=true` is the
    explicit opt-out (one service hosting several skills).
    """
    if not settings.verify_requests:
        logger.warning(
            "Alexa request verification is OFF: anyone can call this endpoint. "
            "Use only for local development."
        )
        return
    try:
        any_skill = require_skill_id(settings)
    except ConfigError as error:
        logger.critical("%s", error)
        raise
    if any_skill:
        logger.warning(ANY_SKILL_WARNING)


def serve(settings: Settings, *, host: str, port: int, verify: bool) -> int:
    """`python -m skill serve`: Flask's development server (use gunicorn in production)."""
    app = create_app(replace(settings, verify_requests=verify))
    app.run(host=host, port=port)
    return 0
