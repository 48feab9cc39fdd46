"""Chooses the memory store from Settings: none, DynamoDB, or SQLite."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.config import Settings
from skill.persistence.resilient import ResilientPersistenceAdapter

logger = logging.getLogger(__name__)


def build_persistence_adapter(
    settings: Settings, *, dynamodb_client: Any = None
) -> ResilientPersistenceAdapter | None:
    """The adapter for `settings`, wrapped so store outages never fail a request.

    Each store is imported only when chosen (sqlite3 costs a DynamoDB cold start
    milliseconds). `dynamodb_client` lets tests and callers inject a DynamoDB client
    (ours, or botocore's); by default one is built from the environment with short
    timeouts.
    """
    if not settings.persistence:
        logger.info("user memory disabled")
        return None
    inner: AbstractPersistenceAdapter
    if settings.dynamodb_table:
        from skill.persistence.dynamodb import build_dynamodb_adapter

        inner = build_dynamodb_adapter(settings.dynamodb_table, dynamodb_client)
        logger.info("user memory in DynamoDB table %s", settings.dynamodb_table)
    else:
        from skill.persistence.sqlite import SqlitePersistenceAdapter

        inner = SqlitePersistenceAdapter(settings.sqlite_path)
        logger.info("user memory in SQLite file %s", settings.sqlite_path)
    return ResilientPersistenceAdapter(inner)
