"""No placeholder reaches Amazon: `ask deploy`'s build hook runs this first.

    python -m skill.dev.placeholders     # exit 1, naming the one setting to fix, or 0

It reads what the deploy sends: interaction_model/skill.json (generated from
skill/dev/model/manifest.yaml) and the stack parameters in ask-resources.json. Each
problem names the one setting that fixes it. Only the standard library: the hook may run
with a bare python3.

A Lambda-only operator's first deploy has no privacy page yet (the stack creates it and
prints its address as `PrivacyPolicyUrl`): SKILL_PRIVACY_URL_PENDING=1 lets that one deploy
through with a warning (README, "A privacy page without a web server").
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parents[2]
SKILL_JSON = PROJECT_DIR / "interaction_model" / "skill.json"
RESOURCES = PROJECT_DIR / "ask-resources.json"
PENDING_ENV = "SKILL_PRIVACY_URL_PENDING"

URL_SETTING = "privacy_policy_url in skill/dev/model/manifest.yaml"
OPERATOR_PARAMETERS = {
    "OperatorName": "who runs the skill, named in the privacy policy",
    "OperatorContact": "an email address or web page for privacy questions",
}
"""Stack parameters (skillInfrastructure.userConfig.cfn.parameters in ask-resources.json)."""

_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")


def is_placeholder(value: str) -> bool:
    """True for a value nobody could publish: empty, marked PLACEHOLDER or changeme, or
    at an example domain (privacy@example.com)."""
    text = value.strip().lower()
    example = re.search(r"(^|[@./])example\.(com|net|org)\b", text)
    return not text or "placeholder" in text or "changeme" in text or example is not None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a published privacy policy address, or None if it can."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or not host:
        return "not an https address"
    if is_placeholder(url):
        return "a placeholder"
    if host in _RESERVED_DOMAINS or host.endswith(tuple("." + d for d in _RESERVED_DOMAINS)):
        return "a placeholder (example domains are reserved, RFC 2606)"
    if host == "localhost" or host.endswith(_RESERVED_SUFFIXES):
        return "a placeholder (a reserved or local name)"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if not address.is_global:
        return "a private or local address"
    return None


def privacy_urls(skill_json: Mapping[str, Any]) -> dict[str, str]:
    """Each locale's privacyPolicyUrl in a skill.json document."""
    locales = skill_json.get("manifest", {}).get("privacyAndCompliance", {}).get("locales", {})
    return {locale: str(info.get("privacyPolicyUrl", "")) for locale, info in locales.items()}


def stack_parameters(resources: Mapping[str, Any], profile: str = "default") -> dict[str, str]:
    """skillInfrastructure.userConfig.cfn.parameters of one ask-resources.json profile."""
    config = resources.get("profiles", {}).get(profile, {}).get("skillInfrastructure", {})
    parameters = config.get("userConfig", {}).get("cfn", {}).get("parameters", {})
    return {str(key): str(value) for key, value in parameters.items()}


def problems(
    skill_json: Mapping[str, Any], resources: Mapping[str, Any], *, url_pending: bool = False
) -> list[str]:
    """Every placeholder the deploy would send, each with the one setting that fixes it."""
    found: list[str] = []
    urls = privacy_urls(skill_json)
    bad = sorted({url for url in urls.values() if url_problem(url)})
    if not urls:
        found.append(f"skill.json has no privacy policy address: set {URL_SETTING}")
    elif bad and not url_pending:
        found.append(
            f"the privacy policy address {bad[0]} is {url_problem(bad[0])}: set {URL_SETTING} "
            "to the https address of your published policy (without a web server: the "
            "stack's PrivacyPolicyUrl output), then run `make model`"
        )
    parameters = stack_parameters(resources)
    for name, meaning in OPERATOR_PARAMETERS.items():
        if is_placeholder(parameters.get(name, "")):
            found.append(
                f"{name} is not set: set skillInfrastructure.userConfig.cfn.parameters.{name} "
                f"in ask-resources.json ({meaning})"
            )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    skill_json = json.loads(SKILL_JSON.read_text(encoding="utf-8"))
    resources = json.loads(RESOURCES.read_text(encoding="utf-8"))
    pending = os.environ.get(PENDING_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    found = problems(skill_json, resources, url_pending=pending)
    for problem in found:
        print(f"deploy refused: {problem}", file=sys.stderr)
    if pending and not found:
        print(
            f"warning: {PENDING_ENV} is set, so this deploy lets the placeholder privacy "
            f"address through once. Take the stack's PrivacyPolicyUrl output, set "
            f"{URL_SETTING} to it, run `make model` and deploy again.",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
