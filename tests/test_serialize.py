"""The caching serializer reads and writes exactly what the SDK's own serializer does."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import inspect
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import Enum
from importlib import metadata
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope, SessionEndedReason
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.builder import build_skill
from skill.config import Settings
from skill.dev.console.requests import on_echo_show
from skill.dispatch import envelope_problem, read_envelope
from skill.names import Voice
from skill.sdk.serialize import SDK_SOURCES, SDK_VERSIONS, CachingSerializer
from testing import ROOT
from testing.envelopes import benefit, intent, launch, session_ended, slot
from tests import test_fuzz as fuzz


def _model_types(root: Any = RequestEnvelope) -> Iterator[str]:
    """Every type string reachable from `root`'s deserialized_types (discriminated too)."""
    seen: set[str] = set()
    loader = CachingSerializer()._DefaultSerializer__load_class_from_name
    todo = [root]
    while todo:
        cls = todo.pop()
        names = list(getattr(cls, "deserialized_types", {}).values())
        names += list(getattr(cls, "discriminator_value_class_map", {}).values())
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            yield name
            inner = name.removeprefix("list[").removesuffix("]")
            inner = inner.removeprefix("dict(str, ").removesuffix(")")
            if "." in inner:
                todo.append(loader(inner))


MODEL_TYPES = frozenset(_model_types())

ENVELOPES = {
    "launch": launch(),
    "benefit": intent("BenefitDetailIntent", {"benefit": benefit("sleep", "sleep_quality")}),
    "no match": intent("BenefitDetailIntent", {"benefit": benefit("toes")}),
    "time slot": intent("SetReminderIntent", {"time": slot("time", "21:30")}),
    "session ended": session_ended(),
}


@pytest.mark.parametrize("envelope", ENVELOPES.values(), ids=list(ENVELOPES))
def test_round_trips_match_the_sdk_serializer(envelope: dict[str, Any]) -> None:
    body = json.dumps(envelope)
    ours, sdk = CachingSerializer(), DefaultSerializer()
    for _ in range(2):  # the second pass is served from the cache
        assert ours.serialize(ours.deserialize(body, RequestEnvelope)) == sdk.serialize(
            sdk.deserialize(body, RequestEnvelope)
        )


def test_class_lookups_are_remembered() -> None:
    serializer = CachingSerializer()
    serializer.deserialize(json.dumps(ENVELOPES["benefit"]), RequestEnvelope)
    assert "ask_sdk_model.slot.Slot" in serializer._classes
    assert len(serializer._classes) > 10


def test_the_skill_uses_it() -> None:
    assert isinstance(build_skill(Settings(persistence=False)).serializer, CachingSerializer)


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-25T21:14:40Z",
        "2026-11-25T21:14:40.123Z",
        "2026-11-25T21:14:40.123456Z",
        "2026-11-25T21:14:40+02:00",  # not Alexa's form: the SDK's own parser
        "2026-11-25T21:14:40",
        "Wed, 25 Nov 2026 21:14:40 GMT",
    ],
)
def test_timestamps_read_as_the_sdk_reads_them(stamp: str) -> None:
    envelope = launch()
    envelope["request"]["timestamp"] = stamp
    body = json.dumps(envelope)
    ours = CachingSerializer().deserialize(body, RequestEnvelope).request.timestamp
    sdk = DefaultSerializer().deserialize(body, RequestEnvelope).request.timestamp
    assert ours == sdk
    assert ours.utcoffset() == sdk.utcoffset()


# --- the reading plan: equivalent to the SDK's reader on every shape the tests produce ---

_stock_read = getattr(DefaultSerializer, "_DefaultSerializer__deserialize")  # noqa: B009
_SHARED = CachingSerializer()  # warm plans, as in production; the first example builds them

#: Unknown keys the SDK keeps as raw attributes, at several depths.
UNKNOWN_KEYS_SHAPES = (
    ("root", ()),
    ("session", ("session",)),
    ("request", ("request",)),
    ("intent", ("request", "intent")),
    ("slot", ("request", "intent", "slots", "benefit")),
    ("device", ("context", "System", "device")),
)


def _outcome(read: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        return ("value", read())
    except Exception as failed:  # the exact exception is part of the behaviour compared
        return ("error", type(failed), str(failed))


def assert_same(ours: Any, sdk: Any, where: str = "envelope") -> None:
    """Same types, same attributes in the same order, same values, all the way down."""
    assert type(ours) is type(sdk), f"{where}: {type(ours)} != {type(sdk)}"
    if isinstance(sdk, datetime):
        assert ours == sdk and ours.utcoffset() == sdk.utcoffset(), where
    elif isinstance(sdk, Enum) or not hasattr(sdk, "__dict__"):
        if isinstance(sdk, list | tuple):
            assert len(ours) == len(sdk), where
            for index, (a, b) in enumerate(zip(ours, sdk, strict=True)):
                assert_same(a, b, f"{where}[{index}]")
        elif isinstance(sdk, dict):
            assert list(ours) == list(sdk), where
            for key in sdk:
                assert_same(ours[key], sdk[key], f"{where}[{key!r}]")
        else:
            assert ours == sdk, where
    else:
        assert list(vars(ours)) == list(vars(sdk)), f"{where}: attributes differ"
        for name, value in vars(sdk).items():
            assert_same(vars(ours)[name], value, f"{where}.{name}")


def assert_reads_like_the_sdk(doc: Any, obj_type: Any = RequestEnvelope) -> None:
    """Our reader and the SDK's, on the same parsed JSON: same model, or same exception."""
    ours = _outcome(lambda: _SHARED.from_data(doc, obj_type))
    sdk = _outcome(lambda: _stock_read(DefaultSerializer(), doc, obj_type))
    assert ours[0] == sdk[0], f"ours: {ours!r}\nsdk: {sdk!r}"
    if sdk[0] == "error":
        assert ours[1:] == sdk[1:]
        return
    assert_same(ours[1], sdk[1])
    assert_same(_SHARED.serialize(ours[1]), DefaultSerializer().serialize(sdk[1]), "written")
    if hasattr(sdk[1], "to_dict"):
        assert ours[1].to_dict() == sdk[1].to_dict()


@pytest.mark.parametrize("name", sorted(fuzz.BASES))
@pytest.mark.parametrize("device", ["echo dot", "echo show"])
def test_every_test_envelope_reads_like_the_sdk(name: str, device: str) -> None:
    doc = fuzz.BASES[name]()
    assert_reads_like_the_sdk(on_echo_show(doc) if device == "echo show" else doc)


@pytest.mark.parametrize(
    ("where", "path"), UNKNOWN_KEYS_SHAPES, ids=[w for w, _ in UNKNOWN_KEYS_SHAPES]
)
def test_unknown_keys_are_kept_raw_as_the_sdk_keeps_them(where: str, path: tuple[str, ...]) -> None:
    doc = fuzz.BASES["benefit matched"]()
    holder = doc
    for key in path:
        holder = holder[key]
    holder["futureField"] = {"nested": [1, {"deep": None}]}
    holder["type_"] = "not a discriminator"
    assert_reads_like_the_sdk(doc)
    if not path:
        kept = _SHARED.from_data(doc, RequestEnvelope)
        assert getattr(kept, "futureField") == {"nested": [1, {"deep": None}]}  # noqa: B009


@st.composite
def fuzzed_envelopes(draw: st.DrawFn) -> Any:
    """Every envelope shape tests/test_fuzz.py sends, parsed; sometimes from an Echo Show."""
    kind = draw(st.sampled_from(["mutated", "resolution", "any json", "json inside"]))
    if kind == "any json":
        return draw(fuzz.JSON_VALUES)
    if kind == "json inside":
        doc = fuzz.BASES[draw(st.sampled_from(sorted(fuzz.BASES)))]()
        fuzz.wrong_type(values=fuzz.JSON_VALUES)(draw, doc)
        return doc
    case = draw(
        fuzz.cases()
        if kind == "mutated"
        else fuzz.cases(fuzz.RESOLUTION_MUTATIONS, fuzz.RESOLVED_BASES)
    )
    doc = json.loads(case.body)
    if draw(st.booleans()):
        # A mutation may have taken away the device the screen would describe.
        with contextlib.suppress(KeyError, TypeError, IndexError):
            doc = on_echo_show(doc)
    return doc


@given(doc=fuzzed_envelopes())
@settings(fuzz.FUZZ, max_examples=400)
def test_fuzzed_envelopes_read_like_the_sdk(doc: Any) -> None:
    assert_reads_like_the_sdk(doc)


@given(value=fuzz.JSON_VALUES, obj_type=st.sampled_from(sorted(MODEL_TYPES)))
@settings(fuzz.FUZZ, max_examples=300)
def test_any_json_reads_like_the_sdk_for_any_type(value: Any, obj_type: str) -> None:
    assert_reads_like_the_sdk(value, obj_type)


def _stock_answer(skill: CustomSkill, doc: Any) -> tuple[Any, ...]:
    """The skill's answer with the stock serializer, whole context included."""
    if envelope_problem(doc):
        return ("invalid",)
    stock = DefaultSerializer()
    try:
        envelope = stock.deserialize(json.dumps(doc), RequestEnvelope)
    except Exception:
        return ("unreadable",)
    return ("answer", stock.serialize(skill.invoke(request_envelope=envelope, context=None)))


def _our_answer(skill: CustomSkill, doc: Any) -> tuple[Any, ...]:
    if envelope_problem(doc):
        return ("invalid",)
    try:
        envelope = read_envelope(skill, doc)
    except Exception:
        return ("unreadable",)
    return (
        "answer",
        skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None)),
    )


@pytest.fixture(scope="module")
def answering_skill() -> CustomSkill:
    return build_skill(Settings(persistence=False))


@given(doc=fuzzed_envelopes())
@settings(fuzz.FUZZ, max_examples=150)
def test_fuzzed_envelopes_get_the_answers_the_stock_serializer_gives(
    answering_skill: CustomSkill, doc: Any
) -> None:
    """Same responses: our reader and context pruning against the SDK's reader, whole envelope."""
    ours = _our_answer(answering_skill, copy.deepcopy(doc))
    assert_same(ours, _stock_answer(answering_skill, copy.deepcopy(doc)), "answer")


PYTHON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.binary(max_size=3)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.dates()
    | st.datetimes()
    | st.sampled_from([*SessionEndedReason, *Voice])
    | st.sampled_from(sorted(fuzz.BASES)).map(
        lambda name: DefaultSerializer().deserialize(
            json.dumps(fuzz.BASES[name]()), RequestEnvelope
        )
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


@given(value=PYTHON_VALUES)
@settings(fuzz.FUZZ, max_examples=300)
def test_anything_is_written_as_the_sdk_writes_it(value: Any) -> None:
    ours = _outcome(lambda: _SHARED.serialize(value))
    sdk = _outcome(lambda: DefaultSerializer().serialize(value))
    assert ours[0] == sdk[0] and ours[2:] == sdk[2:]
    assert_same(ours[1], sdk[1], "written")


def test_a_model_carrying_an_attribute_map_of_its_own_is_written_by_the_sdk() -> None:
    envelope = DefaultSerializer().deserialize(json.dumps(launch()), RequestEnvelope)
    envelope.request.attribute_map = {"request_id": "renamed"}
    assert_same(CachingSerializer().serialize(envelope), DefaultSerializer().serialize(envelope))


# --- the pin: an SDK upgrade must fail here, loudly, before anything else changes ------


def test_written_for_these_sdk_versions() -> None:
    installed = {name: metadata.version(name) for name in SDK_VERSIONS}
    assert installed == SDK_VERSIONS, (
        "skill/sdk/serialize.py reimplements private DefaultSerializer methods of the versions "
        "in SDK_VERSIONS; check it against the new SDK, then update the pins"
    )


@pytest.mark.parametrize("method", sorted(SDK_SOURCES))
def test_the_sdk_methods_it_stands_in_for_are_unchanged(method: str) -> None:
    source = inspect.getsource(getattr(DefaultSerializer, method))
    assert hashlib.sha256(source.encode()).hexdigest() == SDK_SOURCES[method], (
        f"DefaultSerializer.{method} changed: re-check CachingSerializer's readers against it"
    )


def test_the_sdk_type_tables_are_unchanged() -> None:
    assert (float, bool, bytes, str, int) == DefaultSerializer.PRIMITIVE_TYPES
    assert {
        "int": int,
        "long": int,
        "float": float,
        "str": str,
        "bool": bool,
        "date": date,
        "datetime": datetime,
        "object": object,
    } == DefaultSerializer.NATIVE_TYPES_MAPPING


def test_plans_are_built_once_per_class() -> None:
    serializer = CachingSerializer()
    doc = fuzz.BASES["benefit matched"]()
    serializer.from_data(doc, RequestEnvelope)
    plans = dict(serializer._plans)
    serializer.from_data(fuzz.BASES["benefit matched"](), RequestEnvelope)
    assert serializer._plans == plans
    from ask_sdk_model.slot import Slot

    assert Slot in plans


def test_threads_building_plans_at_once_read_like_the_sdk() -> None:
    """Plans are built on first use; threads racing to build them still read correctly."""
    serializer = CachingSerializer()
    docs = [fuzz.BASES[name]() for name in sorted(fuzz.BASES)]
    expected = [_stock_read(DefaultSerializer(), doc, RequestEnvelope) for doc in docs]
    start = threading.Barrier(8)
    results: list[list[Any]] = []

    def read_all() -> None:
        start.wait()
        results.append([serializer.from_data(doc, RequestEnvelope) for doc in docs])

    threads = [threading.Thread(target=read_all) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    for result in results:
        for ours, sdk in zip(result, expected, strict=True):
            assert_same(ours, sdk)


def test_reading_a_request_imports_only_the_models_it_carries() -> None:
    """A plan resolves a field's model class when a payload first carries that field.

    Context alone names some 200 model modules (APL, AudioPlayer ...); resolving them all
    on the first request cost a Lambda cold start about 40 ms.
    """
    script = (
        "import json, sys\n"
        "from ask_sdk_model import RequestEnvelope\n"
        "from skill.sdk.serialize import CachingSerializer\n"
        "from testing.envelopes import launch\n"
        "before = set(sys.modules)\n"
        "CachingSerializer().from_data(launch(), RequestEnvelope)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = json.loads(done.stdout)
    assert not [m for m in loaded if ".presentation." in m or ".audioplayer" in m], loaded
    assert len(loaded) < 40, loaded
