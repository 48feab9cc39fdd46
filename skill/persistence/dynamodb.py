"""DynamoDB user memory for Lambda, through the SDK's own DynamoDbAdapter.

Imported only when a table is configured (see factory.py): boto3 costs cold-start
time and local runs never need it.

Items keep the SDK adapter's shape, partition key `id` and the user's attributes
under `attributes`, plus one attribute of ours, `revision`: a random token that
every write replaces, so `update_attributes` can write only if nobody wrote since
it read (optimistic locking, retried on conflict). No migration is needed: an item
the SDK adapter wrote has no revision and is read as revision "none yet"; the SDK
adapter can still read every item this one writes.
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import boto3
from ask_sdk_core.exceptions import PersistenceException
from botocore.config import Config
from botocore.exceptions import ClientError, NoRegionError

from skill.config import ConfigError
from skill.persistence.base import Attributes, UpdateFn, UserRef, envelope_for_user

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = Config(
    connect_timeout=1.0,
    read_timeout=1.5,
    retries={"mode": "standard", "total_max_attempts": 2},
)
"""Fail fast: botocore's defaults (60 s timeouts, many retries) outlast Alexa's 8 s."""

DEFAULT_UPDATE_BUDGET = 2.0
"""Seconds `update_attributes` keeps retrying conflicting writes before giving up."""

REVISION = "revision"
"""The item attribute every write replaces with a fresh random token."""

_import_lock = threading.Lock()


@contextmanager
def _no_default_resource() -> Iterator[None]:
    """Make `boto3.resource` a no-op for a moment.

    ask_sdk_dynamodb.adapter evaluates `boto3.resource("dynamodb")` as a default
    argument at import time: that builds a whole boto3 session and resource (60-90
    ms at every cold start), fails with NoRegionError where no region is configured,
    and may probe for credentials. We always pass our own resource, so the default
    is never used: let it be None.
    """
    with _import_lock:
        real = boto3.resource
        boto3.resource = lambda *args, **kwargs: None
        try:
            yield
        finally:
            boto3.resource = real


with _no_default_resource():
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

    Reads and deletes are the SDK's. Writes are ours, as UpdateItem calls that set
    a new `revision` with the attributes, and `update_attributes` is atomic: it
    writes only if the revision it read is still the stored one, and otherwise
    reads again and retries, so concurrent updates of one user never lose one.
    """

    update_budget: float = DEFAULT_UPDATE_BUDGET

    def get_attributes(self, request_envelope: UserRef) -> Attributes:
        stored = super().get_attributes(envelope_for_user(request_envelope))
        attributes: Attributes = _from_dynamo(stored)
        return attributes

    def save_attributes(self, request_envelope: UserRef, attributes: Attributes) -> None:
        """Replace the user's attributes (last writer wins), with a new revision."""
        key = self._key(request_envelope)
        try:
            self._write(key, _to_dynamo(attributes), condition=None)
        except Exception as exc:
            raise PersistenceException(
                f"Failed to save attributes to DynamoDb table: {type(exc).__name__}: {exc}"
            ) from exc

    def delete_attributes(self, request_envelope: UserRef) -> None:
        super().delete_attributes(envelope_for_user(request_envelope))

    def update_attributes(self, user: UserRef, fn: UpdateFn) -> Attributes:
        """Apply `fn` to the stored attributes and store its result, atomically.

        Optimistic: read the item (consistently), apply `fn`, write on condition that
        the item's revision is still the one read. A conflicting write in between
        fails the condition; then pause a random moment (up to 5 ms, doubling with
        each conflict, at most a second), read again and retry, until
        `update_budget` seconds have passed. The pause comes before the read so that
        the read and the write stay close together. `fn` may run more than once,
        each time on the attributes as stored; it must not depend on earlier calls.
        An exception from `fn` propagates unchanged and nothing is written.
        """
        key = self._key(user)
        deadline = time.monotonic() + self.update_budget
        pause = 0.005
        conflicts = 0
        while True:
            item = self._read(key)
            stored = {} if item is None else item.get(self.attribute_name, {})
            updated = fn(_from_dynamo(stored))
            try:
                self._write(key, _to_dynamo(updated), _unchanged(item, self.partition_key_name))
            except ClientError as exc:
                if _error_code(exc) != "ConditionalCheckFailedException":
                    raise PersistenceException(
                        f"Failed to update attributes in DynamoDb table: {exc}"
                    ) from exc
                conflicts += 1
            except Exception as exc:
                raise PersistenceException(
                    f"Failed to update attributes in DynamoDb table: {type(exc).__name__}: {exc}"
                ) from exc
            else:
                if conflicts:
                    logger.debug("update stored after %d conflicting writes", conflicts)
                return updated
            if time.monotonic() + pause > deadline:
                raise PersistenceException(
                    f"DynamoDb update gave up after {conflicts} conflicting writes"
                )
            time.sleep(random.uniform(0, pause))
            pause = min(pause * 2, 1.0)

    def _read(self, key: dict[str, str]) -> dict[str, Any] | None:
        try:
            item: dict[str, Any] | None = (
                self._table().get_item(Key=key, ConsistentRead=True).get("Item")
            )
        except Exception as exc:
            raise PersistenceException(
                f"Failed to read attributes from DynamoDb table: {type(exc).__name__}: {exc}"
            ) from exc
        return item

    def _table(self) -> Any:
        return self.dynamodb.Table(self.table_name)

    def _key(self, user: UserRef) -> dict[str, str]:
        return {self.partition_key_name: self.partition_keygen(envelope_for_user(user))}

    def _write(self, key: dict[str, str], attributes: Any, condition: _Condition | None) -> None:
        """One UpdateItem: the attributes and a new revision, if `condition` holds."""
        names = {"#a": self.attribute_name, "#r": REVISION}
        values: dict[str, Any] = {":a": attributes, ":r": uuid.uuid4().hex}
        request: dict[str, Any] = {
            "Key": key,
            "UpdateExpression": "SET #a = :a, #r = :r",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition is not None:
            expression, extra_names, extra_values = condition
            request["ConditionExpression"] = expression
            names.update(extra_names)
            values.update(extra_values)
        self._table().update_item(**request)


_Condition = tuple[str, dict[str, str], dict[str, Any]]


def _unchanged(item: dict[str, Any] | None, key_name: str) -> _Condition:
    """The condition that the item is still as read: absent, revision-less, or same revision."""
    if item is None:
        return "attribute_not_exists(#k)", {"#k": key_name}, {}
    revision = item.get(REVISION)
    if revision is None:  # written by the SDK adapter, before this one
        return "attribute_exists(#k) AND attribute_not_exists(#r)", {"#k": key_name}, {}
    return "#r = :old", {}, {":old": revision}


def _error_code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return str(error.get("Code", ""))


def region_from_env() -> str | None:
    """AWS_REGION (what Lambda sets) or AWS_DEFAULT_REGION (what boto3 reads).

    AWS_REGION wins when both are set, as in the AWS CLI and the other AWS SDKs.
    None leaves the choice to boto3 (the `region` of ~/.aws/config).
    """
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def default_dynamodb_resource() -> Any:
    """A DynamoDB resource from the environment's AWS config, with short timeouts.

    Built on a private session so boto3's global default session is left alone:
    one session and one resource per process (the skill is built once per process).
    """
    try:
        session = boto3.session.Session(region_name=region_from_env())
        return session.resource("dynamodb", config=DEFAULT_CONFIG)
    except NoRegionError:
        raise ConfigError(
            "SKILL_DYNAMODB_TABLE is set but no AWS region is configured "
            "(set AWS_REGION or AWS_DEFAULT_REGION)"
        ) from None


def build_dynamodb_adapter(
    table_name: str, dynamodb_resource: Any = None, *, update_budget: float | None = None
) -> JsonDynamoDbAdapter:
    """The SDK adapter on an existing table: partition key "id", attributes in "attributes"."""
    resource = default_dynamodb_resource() if dynamodb_resource is None else dynamodb_resource
    adapter = JsonDynamoDbAdapter(
        table_name=table_name,
        partition_key_name="id",
        attribute_name="attributes",
        create_table=False,
        partition_keygen=user_id_partition_keygen,
        dynamodb_resource=resource,
    )
    if update_budget is not None:
        adapter.update_budget = update_budget
    return adapter


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
