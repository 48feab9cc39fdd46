"""skill/sdk/patches.py: each SDK change pinned to the version it was written for."""

from __future__ import annotations

import copy
import hashlib
import inspect
from importlib import metadata
from typing import Any

import pytest
from ask_sdk_core import attributes_manager
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_model import RequestEnvelope, Session

from skill.names import Bedtime, Voice
from skill.sdk import patches
from skill.sdk.patches import copy_session_attributes_fast, deepcopy_json_first


def test_attributes_patch_written_for_this_sdk() -> None:
    assert metadata.version("ask-sdk-core") == patches.ATTRIBUTES_SDK_VERSION, (
        "skill/sdk/patches.py replaces AttributesManager's deepcopy: check the new SDK's "
        "AttributesManager, then update ATTRIBUTES_SDK_VERSION and ATTRIBUTES_INIT_SHA256"
    )
    source = inspect.getsource(AttributesManager.__init__)
    assert hashlib.sha256(source.encode()).hexdigest() == patches.ATTRIBUTES_INIT_SHA256, (
        "AttributesManager.__init__ changed: check that it still copies session attributes "
        "with its module's `deepcopy` and nothing else does, then update the hash"
    )
    module_source = inspect.getsource(attributes_manager)
    assert module_source.count("deepcopy(") == 1, "deepcopy is used somewhere new"


def test_the_skill_applies_it() -> None:
    from skill.builder import build_skill  # building applies the patch

    build_skill()
    assert attributes_manager.deepcopy is deepcopy_json_first
    copy_session_attributes_fast()  # twice is harmless
    assert attributes_manager.deepcopy is deepcopy_json_first


VALUES: list[Any] = [
    {},
    {"a": 1, "b": [1, 2.5, "x", None, True, False], "c": {"d": {"e": []}}},
    {"topics": ["sleep", "dose"], "visits": 3, "voice": "quiet", "unsaved": {"voice": None}},
    [[], [{}], [[1]]],
    {"nearness": Bedtime.NEAR, "voice": [Voice.QUIET]},
    "text",
    7,
    None,
]


@pytest.mark.parametrize("value", VALUES)
def test_equal_to_deepcopy_and_independent(value: Any) -> None:
    copied = deepcopy_json_first(value)
    assert copied == copy.deepcopy(value)
    assert repr(copied) == repr(copy.deepcopy(value))  # same key order, same types

    def containers(v: Any) -> list[int]:
        if isinstance(v, dict):
            return [id(v), *(i for x in v.values() for i in containers(x))]
        if isinstance(v, list):
            return [id(v), *(i for x in v for i in containers(x))]
        return []

    assert not set(containers(copied)) & set(containers(value))


def test_anything_else_goes_to_deepcopy() -> None:
    class Odd(dict[str, Any]):
        pass

    value: dict[str, Any] = {"a": Odd(x=[1]), "b": (1, [2])}
    copied = deepcopy_json_first(value)
    assert type(copied["a"]) is Odd and copied == value
    assert copied["b"][1] is not value["b"][1]
    memo: dict[int, Any] = {}
    assert deepcopy_json_first([1], memo) == [1] and memo  # a memo: deepcopy's own path


def test_the_manager_still_copies_the_envelope_attributes() -> None:
    copy_session_attributes_fast()
    attributes: dict[str, object] = {"topics": ["sleep"], "nested": {"n": 1}}
    envelope = RequestEnvelope(session=Session(attributes=attributes))
    manager = AttributesManager(envelope)
    copied: Any = manager.session_attributes
    copied["topics"].append("dose")
    copied["nested"]["n"] = 2
    assert attributes == {"topics": ["sleep"], "nested": {"n": 1}}
