"""The SDK's serializer with per-class reading and writing plans (ask-sdk-core 1.19.0).

`DefaultSerializer` resolves classes, attribute maps and type strings afresh for every
object; `CachingSerializer` works them out once per type (a reader per type, a plan per
model class, a writer per class). Whatever the fast path does not cover goes to the SDK's
own code, so odd input gets the SDK's exact answer or exception. It reaches into the SDK's
private methods, so it is pinned to `SDK_VERSIONS` and to their source (`SDK_SOURCES`):
tests/test_serialize.py fails loudly if an upgrade changes either.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer

#: The SDK versions this module was written for (and tested against).
SDK_VERSIONS = {"ask-sdk-core": "1.19.0", "ask-sdk-model": "1.82.0"}

#: SHA-256 of the source of each `DefaultSerializer` method this module wraps or
#: reimplements; a changed hash means the SDK's behaviour may have changed under us.
SDK_SOURCES = {
    "_DefaultSerializer__deserialize": (
        "8e85c61f8a82758bbc2a19bcb90e2973751bcb790cf7f3b0de9ae5c948287702"
    ),
    "_DefaultSerializer__deserialize_model": (
        "694c95efdea7a57ebfed2555b69279db7aee1b617c34d7770e415dc991a15c3d"
    ),
    "_DefaultSerializer__deserialize_primitive": (
        "7234e11eba493bea913d1a429f57b6d407ba1a9e0cfd7030a219f2128a43170a"
    ),
    "_DefaultSerializer__deserialize_datetime": (
        "1a13d83add9f526bf37a31d6055972060dfd677d46b0775fca66d79e7bd8928a"
    ),
    "_DefaultSerializer__load_class_from_name": (
        "91ee9510964360b815e6d7461f56a4f418e0f23c2937d38836afffc90755f5e4"
    ),
    "serialize": "c39689d7e997edc2cc2583e122160b469e875c0109fc74554a391253b69f2b16",
    "_DefaultSerializer__get_obj_by_discriminator": (
        "d8e8c71efe380455c24c0314982d9ef0eb7f6b8dfb1db2a08a82fb04436592f6"
    ),
}

# The SDK's private, name-mangled methods this subclass wraps or falls back to.
_sdk_load_class = getattr(DefaultSerializer, "_DefaultSerializer__load_class_from_name")  # noqa: B009
_sdk_deserialize = getattr(DefaultSerializer, "_DefaultSerializer__deserialize")  # noqa: B009
_sdk_datetime = getattr(DefaultSerializer, "_DefaultSerializer__deserialize_datetime")  # noqa: B009
_sdk_primitive = getattr(DefaultSerializer, "_DefaultSerializer__deserialize_primitive")  # noqa: B009
_sdk_serialize = DefaultSerializer.serialize

# The one timestamp form Alexa sends: UTC, seconds, optional fraction, "Z".
_ALEXA_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")
# The SDK's own patterns for container type strings.
_LIST_TYPE = re.compile(r"list\[(.*)\]")
_DICT_TYPE = re.compile(r"dict\(([^,]*), (.*)\)")

#: Turns one non-None JSON value into what the SDK would make of it for one type.
Reader = Callable[[Any], Any]
#: Turns one non-None object of one class into what the SDK's `serialize` makes of it.
Writer = Callable[[Any], Any]


class PlainJson(dict[str, Any]):
    """A dict that holds plain JSON values only (str, int, float, bool, None, lists and
    dicts of them) and is never changed once built, e.g. an APL document read from a file.

    `CachingSerializer` writes it as a shallow copy, a plain `dict` whose values are the
    document's own (plain dicts, lists and scalars, as the SDK would write them): the
    SDK's `serialize` would copy it value by value into an equal dict, one call per
    value. The SDK's own serializer still writes it the long way, to the same JSON."""


class _GiveUp(Exception):
    """The fast path does not handle this value; the SDK's own code reads it instead."""


def _identity(payload: Any) -> Any:
    return payload


def _give_up(payload: Any) -> Any:
    raise _GiveUp


class CachingSerializer(DefaultSerializer):
    """`DefaultSerializer` with per-type readers and per-class plans, built on first use."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, Any] = {}
        self._readers: dict[Any, Reader] = {}
        self._plans: dict[Any, Reader] = {}
        self._writers: dict[type, Writer] = {}

    def from_data(self, data: Any, obj_type: Any) -> Any:
        """`deserialize` for JSON already parsed into Python values.

        Lambda hands the skill a dict, and the web endpoint parses the body once to check
        its shape, so neither needs the SDK's dump-and-reparse round trip.
        """
        return self._DefaultSerializer__deserialize(data, obj_type)

    def serialize(self, obj: Any) -> Any:
        """The SDK's `serialize`, with its per-object attribute-map rebuild done once per class."""
        if obj is None:
            return None
        writer = self._writers.get(type(obj))
        if writer is None:
            writer = self._writers[type(obj)] = self._writer(type(obj))
        try:
            return writer(obj)
        except Exception:
            return _sdk_serialize(self, obj)  # the SDK's own answer, or its own exception

    # --- the SDK's private methods, by their real (name-mangled) names ----------------

    def _DefaultSerializer__deserialize(self, payload: Any, obj_type: Any) -> Any:
        if payload is None:
            return None
        try:
            return self._reader(obj_type)(payload)
        except Exception:
            # Odd input: the SDK's own code decides (same value, or same exception).
            return _sdk_deserialize(self, payload, obj_type)

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if (
            obj_type is datetime
            and isinstance(payload, str)
            and _ALEXA_TIMESTAMP.fullmatch(payload)
        ):
            try:
                return datetime.fromisoformat(payload)
            except ValueError:  # the right form, an impossible date: the SDK's own message
                pass
        return _sdk_datetime(self, payload, obj_type)

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        resolved = self._classes.get(class_name)
        if resolved is None:
            resolved = _sdk_load_class(self, class_name)
            self._classes[class_name] = resolved
        return resolved

    # --- readers --------------------------------------------------------------------

    def _reader(self, obj_type: Any) -> Reader:
        """The reader for `obj_type` (a type string or a class), built once."""
        reader = self._readers.get(obj_type)
        if reader is None:
            try:
                reader = self._build_reader(obj_type)
            except Exception:
                reader = _give_up  # e.g. a class name that does not resolve
            self._readers[obj_type] = reader
        return reader

    def _build_reader(self, obj_type: Any) -> Reader:
        """Mirror of `DefaultSerializer.__deserialize`'s dispatch, decided once per type."""
        if isinstance(obj_type, str):
            if obj_type.startswith("list["):
                return self._list_reader(obj_type)
            if obj_type.startswith("dict("):
                return self._dict_reader(obj_type)
            if obj_type in self.NATIVE_TYPES_MAPPING:
                obj_type = self.NATIVE_TYPES_MAPPING[obj_type]
            else:
                obj_type = self._DefaultSerializer__load_class_from_name(obj_type)
        if obj_type in self.PRIMITIVE_TYPES:
            return self._primitive_reader(obj_type)
        if obj_type is object:
            return _identity
        if obj_type in (date, datetime):
            moment_type = date if obj_type is date else datetime
            stamp = self._DefaultSerializer__deserialize_datetime
            return lambda payload: stamp(payload, moment_type)
        return self._model_reader(obj_type)

    def _imports_for(self, name: Any) -> bool:
        """Whether building `name`'s reader may import a model module not read yet."""
        return (
            isinstance(name, str)
            and name not in self.NATIVE_TYPES_MAPPING
            and name not in self._readers
        )

    def _deferred(
        self,
        fields: dict[str, tuple[tuple[str, Reader, Any], ...]],
        key: str,
        attribute: str,
        name: str,
    ) -> Reader:
        """A reader that builds `name`'s reader on its first call, then puts the real one in
        `fields[key]` in its own place, so later payloads call the real one directly."""

        def read_first(payload: Any) -> Any:
            real = self._reader(name)
            fields[key] = tuple(
                (a, real if a == attribute else r, exact) for a, r, exact in fields[key]
            )
            return real(payload)

        return read_first

    def _list_reader(self, obj_type: str) -> Reader:
        match = _LIST_TYPE.match(obj_type)
        if match is None or "," in match.group(1):
            return _give_up  # no such type in the SDK's models; the SDK reads it
        item = self._reader(match.group(1).strip())

        def read_list(payload: Any) -> Any:
            return [None if value is None else item(value) for value in payload]

        def copy_list(payload: Any) -> Any:
            if type(payload) is not list:
                raise _GiveUp
            return list(payload)  # what reading each item as `object` gives

        if item is _identity:
            return copy_list

        return read_list

    def _dict_reader(self, obj_type: str) -> Reader:
        match = _DICT_TYPE.match(obj_type)
        if match is None:
            return _give_up
        item = self._reader(match.group(2))

        def read_dict(payload: Any) -> Any:
            return {key: None if value is None else item(value) for key, value in payload.items()}

        def copy_dict(payload: Any) -> Any:
            if type(payload) is not dict:
                raise _GiveUp
            return dict(payload)  # what reading each value as `object` gives

        if item is _identity:
            return copy_dict

        return read_dict

    def _primitive_reader(self, kind: Any) -> Reader:
        primitive = _sdk_primitive

        def read_primitive(payload: Any) -> Any:
            if type(payload) is kind:
                return payload  # kind(payload) is payload itself
            return primitive(self, payload, kind)

        return read_primitive

    def _model_reader(self, cls: Any) -> Reader:
        """Mirror of `DefaultSerializer.__deserialize_model` for one class."""
        if not isinstance(cls, type):
            return _give_up
        if issubclass(cls, Enum):
            return cls
        if not hasattr(cls, "deserialized_types"):
            return _identity
        if hasattr(cls, "get_real_child_model"):
            plans: dict[Any, Reader] = {}

            def read_by_discriminator(payload: Any) -> Any:
                name = cls.get_real_child_model(payload)
                plan = plans.get(name)
                if plan is None:
                    if not name:
                        raise _GiveUp
                    plan = plans[name] = self._plan(
                        self._DefaultSerializer__load_class_from_name(name)
                    )
                return plan(payload)

            return read_by_discriminator
        return self._plan(cls)

    def _plan(self, cls: Any) -> Reader:
        """The reader of JSON objects into model class `cls`, one per class."""
        plan = self._plans.get(cls)
        if plan is None:
            plan = self._plans[cls] = self._build_plan(cls)
        return plan

    def _build_plan(self, cls: Any) -> Reader:
        """Read a JSON object into `cls`: known keys through their readers, then the rest raw.

        The plan itself is worked out on the first call, so that building readers for a
        class's fields never recurses into the fields' own classes. It is built whole and
        then published, so a thread never reads half a plan (two threads may both build
        it; the plans are equal).
        """
        Fields = dict[str, tuple[tuple[str, Reader, Any], ...]]
        plan: Fields | None = None

        def build() -> Fields:
            fields: Fields = {}
            # The SDK's own statement, mutation of the class's map included.
            types = cls.deserialized_types
            attribute_map = getattr(cls, "attribute_map", {})
            attribute_map.update({k: k for k in types if k not in attribute_map})
            for attribute, key in attribute_map.items():
                name = types.get(attribute)
                reader: Reader
                if attribute not in types:
                    reader = _give_up
                elif self._imports_for(name):
                    # Resolved when a payload first carries the key: a model class (or a
                    # list or dict of them) would import its module now, and Context names
                    # some 200 (APL, AudioPlayer ...) that a request may never send.
                    reader = self._deferred(fields, key, attribute, name)
                else:
                    reader = self._reader(name)
                # A str field holding a str (and so on) is that value itself: no call needed.
                native = self.NATIVE_TYPES_MAPPING.get(name) if isinstance(name, str) else name
                exact = native if native in self.PRIMITIVE_TYPES else None
                fields[key] = (*fields.get(key, ()), (attribute, reader, exact))
            return fields

        def read_model(payload: Any) -> Any:
            nonlocal plan
            if type(payload) is not dict:
                raise _GiveUp
            fields = plan
            if fields is None:
                fields = plan = build()
            model = cls()
            unknown: list[str] | None = None
            for key, value in payload.items():
                targets = fields.get(key)
                if targets is None:
                    if unknown is None:
                        unknown = []
                    unknown.append(key)
                    continue
                for attribute, reader, exact in targets:
                    if value is None or type(value) is exact or reader is _identity:
                        setattr(model, attribute, value)
                    else:
                        setattr(model, attribute, reader(value))
            if unknown is not None:
                for key in unknown:
                    setattr(model, key, payload[key])
            return model

        return read_model

    # --- writers --------------------------------------------------------------------

    def _writer(self, kind: type) -> Writer:
        """Mirror of `DefaultSerializer.serialize`'s dispatch (its isinstance chain), per class."""
        write = self.serialize
        if issubclass(kind, self.PRIMITIVE_TYPES):
            return _identity
        if issubclass(kind, PlainJson):
            return dict
        if issubclass(kind, list):
            return lambda obj: [write(item) for item in obj]
        if issubclass(kind, tuple):
            return lambda obj: tuple(write(item) for item in obj)
        if issubclass(kind, (datetime, date)):
            return lambda obj: obj.isoformat()
        if issubclass(kind, Enum):
            return lambda obj: obj.value
        if issubclass(kind, decimal.Decimal):
            return _give_up
        if issubclass(kind, dict):
            return lambda obj: {key: write(value) for key, value in obj.items()}
        try:
            return self._model_writer(kind)
        except Exception:
            return _give_up

    def _model_writer(self, kind: type) -> Writer:
        """Every non-None attribute in `deserialized_types` order, under its JSON key."""
        types: Any = getattr(kind, "deserialized_types")  # noqa: B009
        # The SDK's own statement (it runs it on every object), mutation of the map included.
        attribute_map = getattr(kind, "attribute_map", {})
        attribute_map.update({k: k for k in types if k not in attribute_map})
        fields = tuple((attribute, attribute_map[attribute]) for attribute in types)
        write = self.serialize

        def write_model(obj: Any) -> Any:
            own = obj.__dict__
            if "attribute_map" in own or "deserialized_types" in own:
                raise _GiveUp  # the SDK reads these from the object; let it
            out = {}
            for attribute, key in fields:
                value = getattr(obj, attribute)
                if value is not None:
                    out[key] = write(value)
            return out

        return write_model
