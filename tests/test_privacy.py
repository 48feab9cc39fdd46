"""No placeholder reaches Amazon, and a Lambda-only operator still has a privacy page.

`ask deploy`'s build hook runs skill/dev/placeholders.py first: it refuses while the
privacy address in skill.json (from manifest.yaml) or the operator named in the policy
(ask-resources.json) is a placeholder, naming the one setting that fixes each. The stack's
privacy page is skill/privacy_page.py behind a function URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill import privacy_page
from skill.config import Settings
from skill.content import privacy_policy
from skill.dev import placeholders
from skill.dev.model.source import SOURCE

PROJECT = Path(__file__).resolve().parent.parent
HOOK = PROJECT / "hooks" / "build.sh"


def _skill_json(url: str) -> dict[str, Any]:
    locales = {locale: {"privacyPolicyUrl": url} for locale in ("en-US", "en-GB")}
    return {"manifest": {"privacyAndCompliance": {"locales": locales}}}


def _resources(**parameters: str) -> dict[str, Any]:
    config = {"userConfig": {"cfn": {"parameters": parameters}}}
    return {"profiles": {"default": {"skillInfrastructure": config}}}


REAL = _resources(OperatorName="Ann Example", OperatorContact="privacy@ann.dev")


@pytest.mark.parametrize(
    "url",
    [
        "https://skill.example.com/privacy",
        "https://example.org/privacy",
        "https://PLACEHOLDER/privacy",
        "http://bedtime.ann.dev/privacy",
        "https://localhost/privacy",
        "https://10.0.0.8/privacy",
        "https://skill.test/privacy",
        "",
    ],
)
def test_a_placeholder_privacy_address_is_refused_naming_one_setting(url: str) -> None:
    (problem,) = placeholders.problems(_skill_json(url), REAL)
    assert "privacy_policy_url in skill/dev/model/manifest.yaml" in problem
    assert problem.count("set ") == 1  # one setting, not a list to choose from


@pytest.mark.parametrize(
    "url",
    ["https://bedtime.ann.dev/privacy", "https://abc123.lambda-url.us-east-1.on.aws/privacy"],
)
def test_a_real_address_and_operator_pass(url: str) -> None:
    assert placeholders.problems(_skill_json(url), REAL) == []


def test_a_placeholder_operator_is_refused_naming_its_setting() -> None:
    found = placeholders.problems(
        _skill_json("https://bedtime.ann.dev/privacy"),
        _resources(OperatorName="PLACEHOLDER your name", OperatorContact="privacy@ann.dev"),
    )
    assert found == [
        "OperatorName is not set: set skillInfrastructure.userConfig.cfn.parameters.OperatorName "
        "in ask-resources.json (who runs the skill, named in the privacy policy)"
    ]


@pytest.mark.parametrize(
    "contact", ["privacy@example.com", "https://example.org/contact", "PLACEHOLDER", " "]
)
def test_a_placeholder_contact_is_refused(contact: str) -> None:
    found = placeholders.problems(
        _skill_json("https://bedtime.ann.dev/privacy"),
        _resources(OperatorName="Ann Example", OperatorContact=contact),
    )
    assert [p.split(":")[0] for p in found] == ["OperatorContact is not set"]


def test_the_pending_switch_lets_only_the_address_through() -> None:
    example = _skill_json("https://skill.example.com/privacy")
    assert placeholders.problems(example, REAL, url_pending=True) == []
    assert placeholders.problems(example, _resources(), url_pending=True)


def test_the_committed_project_is_refused_until_the_operator_sets_it_up() -> None:
    """As shipped: the placeholders are what a fresh clone has, so its deploy stops."""
    skill_json = json.loads(placeholders.SKILL_JSON.read_text("utf-8"))
    resources = json.loads(placeholders.RESOURCES.read_text("utf-8"))
    assert placeholders.url_problem(SOURCE.manifest.privacy_policy_url)
    assert len(placeholders.problems(skill_json, resources)) == 3


def test_the_build_hook_refuses_before_building(tmp_path: Path) -> None:
    """hooks/build.sh, as `ask deploy` runs it, on the project as committed."""
    out = tmp_path / "build.zip"
    env = {k: v for k, v in os.environ.items() if k != placeholders.PENDING_ENV}
    env["PYTHON"] = str(Path(sys.executable))
    done = subprocess.run(
        [str(HOOK), str(out), "false"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "deploy refused: the privacy policy address https://skill.example.com/privacy" in (
        done.stderr
    )
    assert "set privacy_policy_url in skill/dev/model/manifest.yaml" in done.stderr
    assert "installing" not in done.stderr and not out.exists()


# --- the stack's privacy page (skill/privacy_page.py) ----------------------------------


def _url_event(method: str, path: str) -> dict[str, Any]:
    """A Lambda function URL event (payload format 2.0), trimmed to what is read."""
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc123.lambda-url.us-east-1.on.aws"},
        "requestContext": {"http": {"method": method, "path": path}},
        "isBase64Encoded": False,
    }


def test_the_privacy_page_serves_the_policy_naming_the_operator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    privacy_page._settings.cache_clear()
    monkeypatch.setattr(privacy_page, "_settings", privacy_page._settings.__wrapped__)
    monkeypatch.setenv("SKILL_OPERATOR", "Ann Example")
    monkeypatch.setenv("SKILL_CONTACT", "privacy@ann.dev")
    answer = privacy_page.handler(_url_event("GET", "/privacy"), None)
    assert answer["statusCode"] == 200
    assert answer["headers"]["content-type"] == "text/html; charset=utf-8"
    assert answer["body"] == privacy_policy("Ann Example", "privacy@ann.dev")
    assert "run by Ann Example" in answer["body"] and "privacy@ann.dev" in answer["body"]
    head = privacy_page.handler(_url_event("HEAD", "/privacy"), None)
    assert head["statusCode"] == 200 and head["body"] == ""


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("POST", "/privacy", 405), ("GET", "/", 404), ("POST", "/", 404), ("GET", "/privacy/", 404)],
)
def test_the_privacy_page_answers_nothing_else(method: str, path: str, status: int) -> None:
    answer = privacy_page.answer(method, path, Settings())
    assert answer["statusCode"] == status
    assert "<html" not in answer["body"]


def test_the_privacy_page_never_imports_the_skill() -> None:
    """Public on the Internet: an Alexa envelope sent to it reaches no handler."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, skill.privacy_page; "
            "print(sorted(m for m in sys.modules if m.startswith(('skill.', 'ask_sdk'))))",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "['skill.config', 'skill.content', 'skill.privacy_page']"
