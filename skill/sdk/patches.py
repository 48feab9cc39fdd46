"""Import-time fixes to ask-sdk-model models, each applied only while the bug is present.

Written for ask-sdk-model 1.82.0; `tests/test_reminders_service.py` fails loudly if an
upgrade changes what a fix relies on.
"""

from __future__ import annotations

import importlib.util
import sys

from ask_sdk_model.services.reminder_management import AlertInfo
from ask_sdk_model.services.reminder_management import spoken_info as _spoken_info_module

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
    expected = f"{MISSING_SPOKEN_INFO_MODULE}.SpokenInfo"
    if AlertInfo.deserialized_types.get("spoken_info") != expected:
        return
    if (
        MISSING_SPOKEN_INFO_MODULE in sys.modules
        or importlib.util.find_spec(MISSING_SPOKEN_INFO_MODULE) is not None
    ):
        return
    sys.modules[MISSING_SPOKEN_INFO_MODULE] = _spoken_info_module
