"""No placeholder reaches Amazon: `make deploy` runs this before `ask deploy`, and
`ask deploy`'s build hook runs it again.

    python -m skill.dev.placeholders     # exit 1, naming the one setting to fix, or 0

It reads what the deploy sends: interaction_model/skill.json (generated from
skill/dev/model/manifest.yaml) and the stack parameters in ask-resources.json. Each
problem names the one setting that fixes it. Only the standard library: the hook may run
with a bare python3.

`ask deploy` uploads the skill package (skill.json) before it runs the build hook, so the
hook alone would refuse too late: the generator (skill/dev/model/build.py) writes no
privacyPolicyUrl at all while manifest.yaml's is a placeholder, and this check refuses a
skill.json without one. A Lambda-only operator's first deploy has no privacy page yet (the
stack creates it and prints its address as `PrivacyPolicyUrl`): SKILL_PRIVACY_URL_PENDING=1
lets that one deploy through with a warning, uploading no address at all (README, "A
privacy page without a web server"). A placeholder address in skill.json is always refused.
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
URL_FIX = (
    f"set {URL_SETTING} to the https address of your published policy (on Lambda alone: "
    f"the stack's PrivacyPolicyUrl output, whose first deploy runs with {PENDING_ENV}=1), "
    "then run `make model`"
)
"""The one setting that fixes a missing or placeholder privacy address."""
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
    """Each locale's privacyPolicyUrl in a skill.json document ("" where it has none):
    the locales of privacyAndCompliance and of publishingInformation."""
    manifest = skill_json.get("manifest", {})
    published = manifest.get("publishingInformation", {}).get("locales", {})
    locales = manifest.get("privacyAndCompliance", {}).get("locales", {})
    urls = {str(locale): "" for locale in published}
    urls.update({str(k): str(info.get("privacyPolicyUrl", "")) for k, info in locales.items()})
    return urls


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
    given = {locale: url for locale, url in urls.items() if url.strip()}
    bad = sorted({url for url in given.values() if url_problem(url)})
    if bad:  # never let through, pending or not: `make model` leaves placeholders out
        found.append(f"the privacy policy address {bad[0]} is {url_problem(bad[0])}: {URL_FIX}")
    elif not given and not url_pending:
        found.append(f"skill.json has no privacy policy address: {URL_FIX}")
    elif given and len(given) < len(urls):
        missing = ", ".join(sorted(set(urls) - set(given)))
        found.append(f"skill.json has no privacy policy address in {missing}: {URL_FIX}")
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
    if pending and not found and not any(privacy_urls(skill_json).values()):
        print(
            f"warning: {PENDING_ENV} is set, so this deploy goes ahead with no privacy "
            f"policy address in skill.json (none is uploaded, no placeholder either). Take "
            f"the stack's PrivacyPolicyUrl output, set {URL_SETTING} to it, run `make model` "
            "and deploy again before you submit the skill for certification.",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
