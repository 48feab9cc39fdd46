"""skill.json is a valid SMAPI manifest, honest about personal information, and its privacy
policy is the one the web service serves."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_model_runtime.serializer import DefaultSerializer
from ask_smapi_model.v1.skill.manifest.interface import Interface
from ask_smapi_model.v1.skill.manifest.skill_manifest_envelope import SkillManifestEnvelope

from skill.config import Settings
from skill.content import privacy_policy
from skill.dev import placeholders
from skill.dev.model.source import SOURCE
from skill.web.app import create_app
from testing import ROOT

SKILL_JSON = ROOT / "interaction_model" / "skill.json"


def _skill_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SKILL_JSON.read_text(encoding="utf-8"))
    return data


# Interface types the manifest schema documents but ask-smapi-model 1.36 has no class for
# (its `Interface` discriminator map lacks them), checked by name instead.
INTERFACES_THE_MODEL_LACKS = frozenset({"CAN_FULFILL_INTENT_REQUEST"})


def test_the_smapi_model_still_lacks_only_these_interface_types() -> None:
    """If an upgrade adds them, drop the workaround below and let the model check them."""
    assert not INTERFACES_THE_MODEL_LACKS & set(Interface.discriminator_value_class_map)


def test_skill_json_deserializes_with_the_smapi_manifest_model_and_loses_nothing() -> None:
    """Every key must be one the SMAPI model knows: a round trip gives the same JSON back."""
    serializer = DefaultSerializer()
    document = _skill_json()
    custom = document["manifest"]["apis"]["custom"]
    unknown = [i for i in custom["interfaces"] if i["type"] in INTERFACES_THE_MODEL_LACKS]
    assert unknown == [{"type": "CAN_FULFILL_INTENT_REQUEST"}]
    custom["interfaces"] = [i for i in custom["interfaces"] if i not in unknown]
    text = json.dumps(document)
    envelope = serializer.deserialize(text, SkillManifestEnvelope)
    assert isinstance(envelope, SkillManifestEnvelope)
    manifest = envelope.manifest
    assert manifest is not None and manifest.privacy_and_compliance is not None
    assert manifest.privacy_and_compliance.uses_personal_info is True
    assert manifest.events is not None and manifest.events.subscriptions is not None
    names = [getattr(s.event_name, "value", None) for s in manifest.events.subscriptions]
    assert names == ["SKILL_DISABLED"]
    assert serializer.serialize(envelope) == document


@pytest.mark.parametrize("locale", SOURCE.locales)
def test_every_locale_links_the_privacy_policy_once_it_is_real(locale: str) -> None:
    """As committed, manifest.yaml's address is a placeholder, so skill.json has none (the
    deploy refuses: tests/test_privacy.py); a real one is in every locale."""
    privacy = _skill_json()["manifest"]["privacyAndCompliance"]
    assert privacy["usesPersonalInfo"] is True
    if placeholders.url_problem(SOURCE.manifest.privacy_policy_url):
        assert "locales" not in privacy
    else:
        url = privacy["locales"][locale]["privacyPolicyUrl"]
        assert url == SOURCE.manifest.privacy_policy_url and url.endswith("/privacy")


def test_the_testing_instructions_describe_the_reminder() -> None:
    instructions = _skill_json()["manifest"]["publishingInformation"]["testingInstructions"]
    for words in ("remind me to take it", "every night", "Shall I?", "forget me", "cancel"):
        assert words in instructions
    assert len(instructions) <= 4000


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_get_privacy_serves_the_policy_as_plain_html(tmp_path: Path) -> None:
    settings = Settings(
        skill_id=None,
        persistence=False,
        verify_requests=False,
        operator="Night Owl Apps <Ltd>",
        contact="privacy@nightowl.test",
    )
    app = create_app(settings)
    answer = app.test_client().get("/privacy")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    assert answer.get_data(as_text=True) == privacy_policy(settings.operator, settings.contact)
    assert "{{" not in answer.get_data(as_text=True)
    # Named from settings, escaped as HTML.
    assert "run by Night Owl Apps &lt;Ltd&gt;." in answer.get_data(as_text=True)
    parser = _Text()
    parser.feed(answer.get_data(as_text=True))
    text = " ".join(" ".join(parser.parts).split())
    # What is stored, where, for how long, and how "forget me" and disabling delete it.
    for words in (
        "bedtime",
        "reminder",
        "topics",
        "user id",
        "DynamoDB",
        "35 days",
        "forget me",
        "Disable the skill",
        "deletes your record",
        "their own part of the record",
        "for everyone on that Echo",
        "privacy@nightowl.test",
        "400 days after your last visit",
        "deleted automatically",
        "call your local emergency number",
    ):
        assert words in text, words
    assert "<script" not in answer.get_data(as_text=True)


def test_without_an_operator_the_policy_says_which_setting_is_missing() -> None:
    text = privacy_policy(None, None)
    assert "(not configured: set SKILL_OPERATOR)" in text
    assert "(not configured: set SKILL_CONTACT)" in text
    assert Settings.from_env({"SKILL_OPERATOR": " Ann ", "SKILL_CONTACT": ""}).operator == "Ann"
