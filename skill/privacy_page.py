"""The privacy policy on Lambda, for an operator without a web server.

The stack's `PrivacyPageFunction` (infrastructure/cfn-deployer/skill-stack.yaml) runs this
handler from the same bundle behind its own function URL (`PrivacyPolicyUrl`). It answers
GET and HEAD /privacy with the policy, naming the operator and contact from `SKILL_OPERATOR`
and `SKILL_CONTACT`; any other path is 404, any other method 405. It never imports the
skill, so the Alexa function's code is not reachable from the Internet through it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from skill.config import Settings
from skill.content import privacy_policy

PATH = "/privacy"
_TEXT = {"content-type": "text/plain; charset=utf-8"}


def answer(method: str, path: str, settings: Settings) -> dict[str, Any]:
    """The function URL response (payload format 2.0) for one request line."""
    if path != PATH:
        return {"statusCode": 404, "headers": _TEXT, "body": "not found\n"}
    if method not in ("GET", "HEAD"):
        return {"statusCode": 405, "headers": {**_TEXT, "allow": "GET, HEAD"}, "body": ""}
    policy = privacy_policy(settings.operator, settings.contact)
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            "cache-control": "public, max-age=3600",
            "x-content-type-options": "nosniff",
        },
        "body": "" if method == "HEAD" else policy,
    }


@cache
def _settings() -> Settings:
    """Read once per container, at the first request."""
    return Settings.from_env()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry (`skill.privacy_page.handler`) for a function URL event."""
    http = event.get("requestContext", {}).get("http", {})
    return answer(str(http.get("method", "")), str(event.get("rawPath", "")), _settings())
