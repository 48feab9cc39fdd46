"""Per-user memory for the skill: SQLite locally, DynamoDB on Lambda, never fatal.

Importing this package does not import botocore; only choosing DynamoDB does.
"""

from __future__ import annotations

from skill.persistence.base import (
    Attributes,
    SupportsUpdate,
    UpdateFn,
    UserRef,
    envelope_for_user,
    user_id_of,
)
from skill.persistence.factory import build_persistence_adapter
from skill.persistence.resilient import ResilientPersistenceAdapter
from skill.persistence.sqlite import SqlitePersistenceAdapter

__all__ = [
    "Attributes",
    "ResilientPersistenceAdapter",
    "SqlitePersistenceAdapter",
    "SupportsUpdate",
    "UpdateFn",
    "UserRef",
    "build_persistence_adapter",
    "envelope_for_user",
    "user_id_of",
]
