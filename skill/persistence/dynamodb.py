"""DynamoDB user memory for Lambda, through the SDK's own DynamoDbAdapter.

Imported only when a table is configured (see factory.py): boto3 costs cold-start
time and local runs never need it.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import boto3
from ask_sdk_core.exceptions import PersistenceException
from botocore.config import Config
from botocore.exceptions import NoRegionError

from skill.config import ConfigError
from skill.persistence.base import Attributes, UserRef, envelope_for_user

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = Config(
    connect_timeout=1.0,
    read_timeout=1.5,
    retries={"mode": "standard", "total_max_attempts": 2},
)
"""Fail fast: botocore's defaults (60 s timeouts, many retries) outlast Alexa's 8 s."""

_import_lock = threading.Lock()


@contextmanager
def _inert_default_session() -> Iterator[None]:
    """Make boto3's default session region- and credential-free for a moment.

    ask_sdk_dynamodb.adapter evaluates `boto3.resource("dynamodb")` as a default
    argument at import time, so a plain import fails with NoRegionError where no
    AWS region is configured (and may probe for credentials). We always pass our
    own resource, so that throwaway default may come from an inert session.
    """
    with _import_lock:
        saved = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="unused", aws_secret_access_key="unused"
        )
        try:
            yield
        finally:
            boto3.DEFAULT_SESSION = saved


with _inert_default_session():
    # `X as X`: re-exported on purpose (tests import the SDK's classes from here).
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter as DynamoDbAdapter
    from ask_sdk_dynamodb.partition_keygen import (
        user_id_partition_keygen as user_id_partition_keygen,
    )


class JsonDynamoDbAdapter(DynamoDbAdapter):
    """The SDK adapter, storing and returning plain JSON types like the SQLite adapter.

    boto3 returns every DynamoDB number as Decimal and refuses Python floats on
    write; converting both ways keeps handlers backend-agnostic. Like the SQLite
    adapter it also accepts a bare user id where an envelope is expected.
    """

    def get_attributes(self, request_envelope: UserRef) -> Attributes:
        stored = super().get_attributes(envelope_for_user(request_envelope))
        attributes: Attributes = _from_dynamo(stored)
        return attributes

    def save_attributes(self, request_envelope: UserRef, attributes: Attributes) -> None:
        super().save_attributes(envelope_for_user(request_envelope), _to_dynamo(attributes))

    def delete_attributes(self, request_envelope: UserRef) -> None:
        super().delete_attributes(envelope_for_user(request_envelope))


def default_dynamodb_resource() -> Any:
    """A DynamoDB resource from the environment's AWS config, with short timeouts.

    Built on a private session so boto3's global default session is left alone.
    """
    try:
        return boto3.session.Session().resource("dynamodb", config=DEFAULT_CONFIG)
    except NoRegionError:
        raise ConfigError(
            "SKILL_DYNAMODB_TABLE is set but no AWS region is configured (set AWS_REGION)"
        ) from None


def build_dynamodb_adapter(table_name: str, dynamodb_resource: Any = None) -> JsonDynamoDbAdapter:
    """The SDK adapter on an existing table: partition key "id", attributes in "attributes"."""
    resource = default_dynamodb_resource() if dynamodb_resource is None else dynamodb_resource
    return JsonDynamoDbAdapter(
        table_name=table_name,
        partition_key_name="id",
        attribute_name="attributes",
        create_table=False,
        partition_keygen=user_id_partition_keygen,
        dynamodb_resource=resource,
    )


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(item) for item in value]
    return value


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PersistenceException("attributes hold NaN or infinity, which JSON cannot")
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(item) for item in value]
    return value
