"""Where the console's requests go: the skill in this process, or a running server.

Both speak JSON in, JSON out, so the console cannot tell them apart; a failure to
reach the server is a `TransportError` with one line fit to print.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any, Protocol

from skill.builder import build_skill
from skill.config import Settings
from skill.dispatch import invoke_json

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 5.0


class TransportError(RuntimeError):
    """The request could not be delivered or the reply was not an Alexa response."""


class Transport(Protocol):
    """Sends one request envelope and returns the response envelope."""

    description: str

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]: ...


class InProcess:
    """The skill built here, with the same handlers every host uses."""

    def __init__(self, settings: Settings) -> None:
        self.skill = build_skill(settings)
        self.description = "in-process"

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        return invoke_json(self.skill, envelope)


class Http:
    """A running endpoint (`python -m skill serve --no-verify`), by HTTP POST."""

    def __init__(self, url: str, timeout: float = HTTP_TIMEOUT) -> None:
        if not url.startswith(("http://", "https://")):
            raise TransportError(f"--url must start with http:// or https://, not {url!r}")
        self.url = url
        self.timeout = timeout
        self.description = url

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(envelope).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                body = reply.read()
        except urllib.error.HTTPError as problem:
            detail = _error_detail(problem)
            hint = " (is it running with --no-verify?)" if problem.code in (400, 401, 403) else ""
            raise TransportError(
                f"{self.url} answered HTTP {problem.code} {problem.reason}{detail}{hint}"
            ) from None
        except urllib.error.URLError as problem:
            reason = getattr(problem.reason, "strerror", None) or str(problem.reason)
            raise TransportError(f"cannot reach {self.url}: {reason}") from None
        except TimeoutError:
            raise TransportError(
                f"{self.url} did not answer within {self.timeout:g} seconds"
            ) from None
        except OSError as problem:
            raise TransportError(f"cannot reach {self.url}: {problem}") from None
        try:
            result = json.loads(body)
        except ValueError:
            raise TransportError(f"{self.url} did not answer with JSON") from None
        if not isinstance(result, dict):
            raise TransportError(f"{self.url} did not answer with an Alexa response")
        return result


def _error_detail(problem: urllib.error.HTTPError) -> str:
    """The server's one-line reason ({"error": "..."} from skill.web), if it gave one."""
    try:
        body = json.loads(problem.read(2048) or b"null")
    except (OSError, ValueError):
        return ""
    finally:
        problem.close()
    reason = body.get("error") if isinstance(body, dict) else None
    return f": {' '.join(str(reason).split())[:120]}" if reason else ""


def connect(settings: Settings, url: str | None) -> Transport:
    """The server at `url`, or the skill in this process when there is none."""
    if url:
        return Http(url)
    return InProcess(settings)
