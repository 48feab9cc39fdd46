"""Import-time fixes to the SDK, each applied only while what it fixes is there.

Written for ask-sdk-model 1.82.0 and ask-sdk-core 1.19.0; `tests/test_reminders_service.py`
and `tests/test_sdk_patches.py` fail loudly if an upgrade changes what a fix relies on.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from enum import Enum
from typing import Any

MISSING_SPOKEN_INFO_MODULE = "ask_sdk_model.services.reminder_management.alert_info_spoken_info"


def alias_spoken_info_module() -> None:
    """Let the SDK deserialize fetched reminders (ask-sdk-model bug, still in 1.82).

    `AlertInfo.deserialized_types` names its `spokenInfo` type as
    `...reminder_management.alert_info_spoken_info.SpokenInfo`, a module the package does
    not ship (the class lives in `spoken_info`). Every GET of a reminder carrying
    `alertInfo` (all real ones) therefore fails with "Unable to resolve class". Aliasing
    the missing module name to the real one fixes exactly that lookup, and only while
    the SDK still points at a module that does not exist.
    """
    # Imported here: the reminder models stay off the cold start of every other request.
    from ask_sdk_model.services.reminder_management import AlertInfo
    from ask_sdk_model.services.reminder_management import spoken_info as _spoken_info_module

    expected = f"{MISSING_SPOKEN_INFO_MODULE}.SpokenInfo"
    if AlertInfo.deserialized_types.get("spoken_info") != expected:
        return
    if (
        MISSING_SPOKEN_INFO_MODULE in sys.modules
        or importlib.util.find_spec(MISSING_SPOKEN_INFO_MODULE) is not None
    ):
        return
    sys.modules[MISSING_SPOKEN_INFO_MODULE] = _spoken_info_module


#: The ask-sdk-core version `copy_session_attributes_fast` was written for, and the
#: SHA-256 of the source of `AttributesManager.__init__`, the module's one `deepcopy` call
#: (checked by tests/test_sdk_patches.py, not at start-up: that would cost cold start).
ATTRIBUTES_SDK_VERSION = "1.19.0"
ATTRIBUTES_INIT_SHA256 = "9e43bfbf33c8651bc5f5d1f2fb20ee93b28987956b7ca6ce5ac004d9d19c584b"


def _json_copy(value: Any) -> Any:
    """A deep copy of plain JSON values (dicts, lists, str, int, float, bool, None, and
    enum members, which `copy.deepcopy` returns as they are): what `copy.deepcopy` returns
    for them, without its memo and per-type dispatch. Anything else (a model object, a
    dict subclass) raises `_NotPlain`."""
    kind = type(value)
    if kind is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if kind is list:
        return [_json_copy(item) for item in value]
    if kind in _SCALARS:
        return value  # immutable: deepcopy returns the object itself
    if isinstance(value, Enum) and getattr(kind, "__deepcopy__", None) is _ENUM_DEEPCOPY:
        return value  # e.g. a StrEnum the skill stored itself: Enum's deepcopy is `self`
    raise _NotPlain


class _NotPlain(Exception):
    """The value is not plain JSON: `copy.deepcopy` copies it instead."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
_ENUM_DEEPCOPY = Enum.__deepcopy__


def deepcopy_json_first(value: Any, memo: Any = None) -> Any:
    """`copy.deepcopy`, with plain JSON (every session's attributes) copied directly.

    Equal to `copy.deepcopy`'s result; the one difference is that a list or dict
    appearing twice in the input (JSON parsed from text never does that) comes out as
    two copies rather than one shared copy. Anything not plain JSON: `copy.deepcopy`.
    """
    if memo is None:
        try:
            return _json_copy(value)
        except (_NotPlain, RecursionError):
            pass
    return copy.deepcopy(value, memo)


def copy_session_attributes_fast() -> None:
    """Let the SDK copy session attributes without `copy.deepcopy`'s overhead.

    `AttributesManager.__init__` deep-copies `request_envelope.session.attributes` for
    every request (about 14 µs for this skill's attributes, more than a third of a warm
    request's own work). Its module's `deepcopy` name is pointed at `deepcopy_json_first`,
    which gives the same copy of plain JSON in a fraction of the time. Written for
    `ATTRIBUTES_SDK_VERSION` and the `__init__` source hashed in `ATTRIBUTES_INIT_SHA256`
    (tests/test_sdk_patches.py fails loudly if an upgrade changes either).
    """
    from ask_sdk_core import attributes_manager

    if getattr(attributes_manager, "deepcopy", None) is not copy.deepcopy:
        return  # already applied, or the SDK no longer copies this way
    attributes_manager.deepcopy = deepcopy_json_first  # type: ignore[assignment]
