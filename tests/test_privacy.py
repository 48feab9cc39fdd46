"""No placeholder reaches Amazon, and a Lambda-only operator still has a privacy page.

`make deploy`, then `ask deploy`'s build hook, run skill/dev/placeholders.py: it refuses
while skill.json has no real privacy address or the operator named in the policy
(ask-resources.json) is a placeholder, naming the one setting that fixes each. `ask deploy`
uploads skill.json before its hook runs, so the generator (`make model`) never writes a
placeholder address into it. The stack's privacy page is skill/privacy_page.py behind a
function URL.
"""

from __future__ import annotations

import dataclasses
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
from skill.dev.model import build
from skill.dev.model.source import SOURCE
from testing import ROOT

PROJECT = ROOT
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


def test_the_pending_switch_lets_only_a_missing_address_through() -> None:
    """A Lambda-only first deploy uploads no address at all, never a placeholder."""
    missing: dict[str, Any] = {"manifest": {"privacyAndCompliance": {}}}
    assert placeholders.problems(missing, REAL, url_pending=True) == []
    assert placeholders.problems(missing, _resources(), url_pending=True)
    example = _skill_json("https://skill.example.com/privacy")
    (problem,) = placeholders.problems(example, REAL, url_pending=True)
    assert problem.startswith("the privacy policy address https://skill.example.com/privacy")


def test_an_address_missing_from_one_locale_is_refused() -> None:
    document = _skill_json("https://bedtime.ann.dev/privacy")
    document["manifest"]["publishingInformation"] = {"locales": {"en-US": {}, "en-IN": {}}}
    (problem,) = placeholders.problems(document, REAL, url_pending=True)
    assert problem.startswith("skill.json has no privacy policy address in en-IN: set ")


# --- the generator never writes a placeholder into skill.json (`make model`) ----------


def _generated_skill_json(monkeypatch: pytest.MonkeyPatch, root: Path, url: str) -> str:
    """skill.json as `make model` writes it with manifest.yaml's privacy_policy_url = url."""
    manifest = dataclasses.replace(SOURCE.manifest, privacy_policy_url=url)
    monkeypatch.setattr(build, "SOURCE", dataclasses.replace(SOURCE, manifest=manifest))
    build.write_interaction_models(root)
    return build.manifest_path(root).read_text("utf-8")


@pytest.mark.parametrize(
    "url",
    [
        "https://skill.example.com/privacy",
        "https://example.org/privacy",
        "https://PLACEHOLDER/privacy",
        "https://changeme.ann.dev/privacy",
        "https://localhost/privacy",
        "https://10.0.0.8/privacy",
        "https://skill.test/privacy",
    ],
)
def test_the_generated_skill_json_never_holds_a_placeholder_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    text = _generated_skill_json(monkeypatch, tmp_path, url)
    assert url.lower() not in text.lower() and "privacyPolicyUrl" not in text
    document = json.loads(text)
    assert "locales" not in document["manifest"]["privacyAndCompliance"]
    # So the deploy refuses, naming the one setting; the pending switch uploads no address.
    (problem,) = placeholders.problems(document, REAL)
    assert problem.startswith("skill.json has no privacy policy address: set ")
    assert "privacy_policy_url in skill/dev/model/manifest.yaml" in problem
    assert placeholders.problems(document, REAL, url_pending=True) == []


@pytest.mark.parametrize(
    "url",
    ["https://bedtime.ann.dev/privacy", "https://abc123.lambda-url.us-east-1.on.aws/privacy"],
)
def test_a_real_address_is_written_into_every_locale(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    document = json.loads(_generated_skill_json(monkeypatch, tmp_path, url))
    assert placeholders.privacy_urls(document) == dict.fromkeys(SOURCE.locales, url)
    privacy = document["manifest"]["privacyAndCompliance"]
    assert set(privacy["locales"]) == set(SOURCE.locales)
    assert placeholders.problems(document, REAL) == []


def test_the_committed_skill_json_holds_no_placeholder_address() -> None:
    """What `ask deploy` uploads before its hook can refuse: nothing from an example domain,
    and (manifest.yaml's address being a placeholder) no address at all."""
    text = placeholders.SKILL_JSON.read_text("utf-8")
    urls = placeholders.privacy_urls(json.loads(text))
    assert [url for url in urls.values() if url and placeholders.url_problem(url)] == []
    assert "example.com" not in text and "placeholder" not in text.lower()
    if placeholders.url_problem(SOURCE.manifest.privacy_policy_url):
        assert "privacyPolicyUrl" not in text


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
    assert "deploy refused: skill.json has no privacy policy address" in done.stderr
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
