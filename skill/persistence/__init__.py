"""Per-user memory for the skill: SQLite locally, DynamoDB on Lambda, never fatal.

Importing this package imports neither store: sqlite3 only when SQLite is chosen (or
`SqlitePersistenceAdapter` is named), the DynamoDB client only when a table is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.persistence.base import (
    Attributes,
    SessionEnd,
    SupportsRecordSession,
    SupportsUpdate,
    UpdateFn,
    UserRef,
    envelope_for_user,
    user_id_of,
)
from skill.persistence.factory import build_persistence_adapter
from skill.persistence.resilient import ResilientPersistenceAdapter

if TYPE_CHECKING:
    from skill.persistence.sqlite import SqlitePersistenceAdapter

__all__ = [
    "Attributes",
    "ResilientPersistenceAdapter",
    "SessionEnd",
    "SqlitePersistenceAdapter",
    "SupportsRecordSession",
    "SupportsUpdate",
    "UpdateFn",
    "UserRef",
    "build_persistence_adapter",
    "envelope_for_user",
    "user_id_of",
]


def __getattr__(name: str) -> Any:
    """`SqlitePersistenceAdapter` on first use: a Lambda cold start with DynamoDB memory
    never pays for importing sqlite3."""
    if name == "SqlitePersistenceAdapter":
        from skill.persistence.sqlite import SqlitePersistenceAdapter

        return SqlitePersistenceAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
