"""The skill as an HTTPS web service: a Flask app factory around the SDK's webservice handler.

POST /         the Alexa endpoint (signature, certificate chain, timestamp and skill id
               verified unless verification was switched off for local development)
GET  /healthz  200 while the process is up
GET  /privacy  the privacy policy (plain HTML), linked from skill.json

Every failure has a short JSON answer and a defined status: malformed or non-Alexa
input 400, a rejected signature or timestamp 400, another skill's request 400, a body
over the limit 413, a wrong method 405. Exception text never leaves the process.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ask_sdk_core.skill import CustomSkill
from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from skill.builder import build_skill
from skill.config import Settings
from skill.content import privacy_policy
from skill.dispatch import envelope_problem, read_envelope
from skill.logs import begin_request, configure_logging, end_request

# Import order matters: skill.sdk.verification patches oscrypto before the SDK loads it.
from skill.sdk.verification import (  # isort: skip
    AbstractVerifier,
    Clock,
    Fetch,
    VerificationException,
    build_verifiers,
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
    """The SDK's webservice handler with each failure mapped to a clear 4xx.

    The SDK's `verify_request_and_dispatch` lets deserialization, verification and
    skill-id errors escape as one exception type (a 500 in most adapters); here each
    step is its own stage with its own answer.
    """

    def __init__(
        self, skill: CustomSkill, verifiers: Sequence[AbstractVerifier], skill_id: str | None
    ) -> None:
        super().__init__(
            skill, verify_signature=False, verify_timestamp=False, verifiers=list(verifiers)
        )
        self._skill_id = skill_id

    def dispatch(self, headers: dict[str, str], body: str) -> dict[str, Any]:
        """Verify and run one request body; raise `RejectedRequest` for anything refused."""
        try:
            data = json.loads(body)
        except ValueError:
            raise RejectedRequest("malformed JSON") from None
        problem = envelope_problem(data)
        if problem:
            raise RejectedRequest(problem)
        try:
            envelope = read_envelope(self._skill, data)
        except Exception:
            raise RejectedRequest("not a valid Alexa request envelope") from None
        for verifier in self._verifiers:
            try:
                verifier.verify(
                    headers=headers,
                    serialized_request_env=body,
                    deserialized_request_env=envelope,
                )
            except VerificationException as rejected:
                logger.warning("request rejected: %s", rejected)
                raise RejectedRequest("request verification failed") from None
            except Exception as broken:
                logger.warning("request rejected: %s: %s", type(broken).__name__, broken)
                raise RejectedRequest("request verification failed") from None
        # The shape check above guarantees this path exists.
        if self._skill_id and data["context"]["System"]["application"]["applicationId"] != (
            self._skill_id
        ):
            logger.warning("request rejected: for another skill")
            raise RejectedRequest("request is for another skill")
        response = self._skill.invoke(request_envelope=envelope, context=None)
        result = self._skill.serializer.serialize(response)
        assert isinstance(result, dict)
        return result


def _signature_headers() -> dict[str, str]:
    """Just the two headers the verifier reads (it scans every header it is given)."""
    headers = request.headers
    return {
        name: value
        for name in (SIGNATURE_CERT_CHAIN_URL_HEADER, SIGNATURE_HEADER)
        if (value := headers.get(name)) is not None
    }


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
    settings = config or Settings.from_env()
    if not logging.getLogger().handlers:  # run by gunicorn or flask, not under a test runner
        configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=settings.max_body_bytes, SKILL_SETTINGS=settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the SDK's order; no sort per response
    if not settings.verify_requests:
        logger.warning(
            "Alexa request verification is OFF: anyone can call this endpoint. "
            "Use only for local development."
        )
    verifiers = build_verifiers(settings, fetch=cert_fetch, trust_roots=trust_roots, now=now)
    skill = build_skill(settings)
    endpoint = AlexaEndpoint(skill, verifiers, settings.skill_id)
    app.extensions[EXTENSION] = endpoint

    @app.post("/")
    def alexa() -> Any:
        body = request.get_data(cache=False)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _error("body is not valid UTF-8", 400)
        if not text.strip():
            return _error("empty body", 400)
        try:
            return jsonify(endpoint.dispatch(_signature_headers(), text))
        except RejectedRequest as rejected:
            return _error(rejected.reason, rejected.status)

    @app.before_request
    def begin_request_line() -> None:  # one JSON log line per Alexa request (skill/logs.py)
        if request.path == "/":
            g.request_line = begin_request("web")

    @app.after_request
    def end_request_line(response: Response) -> Response:
        if (line := g.pop("request_line", None)) is not None:
            end_request(line, status=response.status_code)
        return response

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    policy = privacy_policy()  # read once, at start-up

    @app.get("/privacy")
    def privacy() -> Any:
        return Response(policy, mimetype="text/html")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        reasons = {413: f"body larger than {settings.max_body_bytes} bytes"}
        return _error(reasons.get(error.code or 0, error.name.lower()), error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        logger.exception("unexpected error")
        return _error("internal error", 500)

    # The app lives as long as the worker: keep its objects out of every GC pass.
    gc.freeze()
    return app


def serve(settings: Settings, *, host: str, port: int, verify: bool) -> int:
    """`python -m skill serve`: Flask's development server (use gunicorn in production)."""
    app = create_app(replace(settings, verify_requests=verify))
    app.run(host=host, port=port)
    return 0
