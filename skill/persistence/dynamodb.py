"""DynamoDB user memory for Lambda, on a low-level botocore client.

Imported only when a table is configured (see factory.py): botocore costs cold-start
time and local runs never need it. Neither boto3 nor the SDK's ask_sdk_dynamodb is
imported: a boto3 resource (and `import boto3`) costs more cold-start time than the
plain client (BENCHMARKS.md), for nothing the four item calls here need.

Items keep the SDK adapter's shape, partition key `id` and the user's attributes
under `attributes`, plus one attribute of ours, `revision`: a random token that
every write replaces, so `update_attributes` can write only if nobody wrote since
it read (optimistic locking, retried on conflict), and `expires_at`, the table's TTL
attribute: every write sets it RETENTION_DAYS on, DynamoDB deletes the item after that,
and an expired item still waiting for deletion reads as no memory. No migration is needed: an item
the SDK adapter wrote has no revision and is read as revision "none yet"; the SDK
adapter can still read every item this one writes (tests/test_persistence_dynamodb.py).

Attributes are plain JSON types both ways, like the SQLite adapter's: numbers are
stored as DynamoDB numbers (`N`) and read back as int when whole, else float, so
handlers never see Decimal. The conversion is ours (_to_item, _from_item), writing
exactly what boto3's TypeSerializer writes for the same values.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import botocore.session
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from botocore.config import Config
from botocore.exceptions import ClientError, NoRegionError

from skill.config import ConfigError
from skill.persistence.base import (
    RETENTION_SECONDS,
    Attributes,
    UpdateFn,
    UserRef,
    user_id_of,
)

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = Config(
    connect_timeout=1.0,
    read_timeout=1.5,
    retries={"mode": "standard", "total_max_attempts": 2},
)
"""Fail fast: botocore's defaults (60 s timeouts, many retries) outlast Alexa's 8 s."""

DEFAULT_UPDATE_BUDGET = 2.0
"""Seconds `update_attributes` keeps retrying conflicting writes before giving up."""

PARTITION_KEY = "id"
"""The table's partition key (a string: the Alexa user id), as in the SDK adapter."""

ATTRIBUTES = "attributes"
"""The item attribute holding the user's attributes (a map), as in the SDK adapter."""

REVISION = "revision"
"""The item attribute every write replaces with a fresh random token."""

EXPIRES_AT = "expires_at"
"""The table's TTL attribute (TimeToLiveSpecification in the stack template): epoch
seconds, RETENTION_SECONDS after the write."""

AttributeValue = dict[str, Any]
"""One DynamoDB attribute value in the low-level wire shape: {"S": "..."}, {"N": "1"}..."""


class JsonDynamoDbAdapter(AbstractPersistenceAdapter):
    """User memory in a DynamoDB table, storing and returning plain JSON types.

    Like the SQLite adapter it accepts a bare user id where an envelope is expected.
    Reads are consistent (as the SDK adapter's). Writes are UpdateItem calls that set
    the attributes and a new `revision`, and `update_attributes` is atomic: it writes
    only if the revision it read is still the stored one, and otherwise reads again
    and retries, so concurrent updates of one user never lose one.

    Every failure is a PersistenceException naming the cause (the client's error
    code, or the exception type); ResilientPersistenceAdapter turns it into "no
    memory this time".
    """

    def __init__(
        self,
        table_name: str,
        client: Any,
        *,
        update_budget: float = DEFAULT_UPDATE_BUDGET,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.client = client
        self.update_budget = update_budget
        self.clock = clock
        self.partition_key_name = PARTITION_KEY
        self.attribute_name = ATTRIBUTES

    def __repr__(self) -> str:
        return f"JsonDynamoDbAdapter({self.table_name!r})"

    def get_attributes(self, request_envelope: UserRef) -> Attributes:
        return self._live(self._read(self._key(request_envelope)))

    def save_attributes(self, request_envelope: UserRef, attributes: Attributes) -> None:
        """Replace the user's attributes (last writer wins), with a new revision."""
        key = self._key(request_envelope)
        try:
            self._write(key, _to_attribute_value(attributes), condition=None)
        except Exception as exc:
            raise PersistenceException(
                f"Failed to save attributes to DynamoDb table: {type(exc).__name__}: {exc}"
            ) from exc

    def delete_attributes(self, request_envelope: UserRef) -> None:
        key = self._key(request_envelope)
        try:
            self.client.delete_item(TableName=self.table_name, Key=key)
        except Exception as exc:
            raise PersistenceException(
                f"Failed to delete attributes in DynamoDb table: {type(exc).__name__}: {exc}"
            ) from exc

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
            updated = fn(self._live(item))
            try:
                encoded = _to_attribute_value(updated)
                self._write(key, encoded, _unchanged(item, self.partition_key_name))
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

    def _read(self, key: dict[str, AttributeValue]) -> dict[str, AttributeValue] | None:
        """The stored item in wire shape, or None."""
        try:
            answer = self.client.get_item(TableName=self.table_name, Key=key, ConsistentRead=True)
        except Exception as exc:
            raise PersistenceException(
                f"Failed to read attributes from DynamoDb table: {type(exc).__name__}: {exc}"
            ) from exc
        item: dict[str, AttributeValue] | None = answer.get("Item")
        return item

    def _live(self, item: dict[str, AttributeValue] | None) -> Attributes:
        """The item's attributes; {} for no item or one expired but not yet deleted
        (DynamoDB deletes expired items within a few days, not at once)."""
        if item is None:
            return {}
        expires = item.get(EXPIRES_AT, {}).get("N")
        if expires is not None and _number(expires) <= self.clock():
            return {}
        return _attributes_of(item, self.attribute_name)

    def _key(self, user: UserRef) -> dict[str, AttributeValue]:
        return {self.partition_key_name: {"S": user_id_of(user)}}

    def _write(
        self,
        key: dict[str, AttributeValue],
        attributes: AttributeValue,
        condition: _Condition | None,
    ) -> None:
        """One UpdateItem: the attributes, a new revision and a new expiry, if `condition`
        holds."""
        names = {"#a": self.attribute_name, "#r": REVISION, "#x": EXPIRES_AT}
        values: dict[str, AttributeValue] = {
            ":a": attributes,
            ":r": {"S": uuid.uuid4().hex},
            ":x": {"N": str(int(self.clock()) + RETENTION_SECONDS)},
        }
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": key,
            "UpdateExpression": "SET #a = :a, #r = :r, #x = :x",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition is not None:
            expression, extra_names, extra_values = condition
            request["ConditionExpression"] = expression
            names.update(extra_names)
            values.update(extra_values)
        self.client.update_item(**request)


_Condition = tuple[str, dict[str, str], dict[str, AttributeValue]]


def _unchanged(item: dict[str, AttributeValue] | None, key_name: str) -> _Condition:
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


def _attributes_of(item: dict[str, AttributeValue], name: str) -> Attributes:
    stored = item.get(name)
    if stored is None:
        return {}
    attributes = _from_attribute_value(stored)
    if not isinstance(attributes, dict):
        raise PersistenceException(f"stored {name!r} is not a map")
    return attributes


def region_from_env() -> str | None:
    """AWS_REGION (what Lambda sets) or AWS_DEFAULT_REGION (what botocore reads).

    AWS_REGION wins when both are set, as in the AWS CLI and the other AWS SDKs.
    None leaves the choice to botocore (the `region` of ~/.aws/config).
    """
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def default_dynamodb_client() -> Any:
    """A DynamoDB client from the environment's AWS config, with short timeouts.

    Built on a session of its own, so no global default session is created: one
    session and one client per process (the skill is built once per process).
    Clients are thread-safe, so the web service's threads share it.
    """
    try:
        session = botocore.session.Session()
        return session.create_client(
            "dynamodb", region_name=region_from_env(), config=DEFAULT_CONFIG
        )
    except NoRegionError:
        raise ConfigError(
            "SKILL_DYNAMODB_TABLE is set but no AWS region is configured "
            "(set AWS_REGION or AWS_DEFAULT_REGION)"
        ) from None


def build_dynamodb_adapter(
    table_name: str, dynamodb_client: Any = None, *, update_budget: float | None = None
) -> JsonDynamoDbAdapter:
    """The adapter on an existing table: partition key "id", attributes in "attributes".

    `dynamodb_client` is a botocore DynamoDB client (a boto3 `client("dynamodb")` is
    one); by default one is built from the environment.
    """
    client = default_dynamodb_client() if dynamodb_client is None else dynamodb_client
    if update_budget is None:
        return JsonDynamoDbAdapter(table_name, client)
    return JsonDynamoDbAdapter(table_name, client, update_budget=update_budget)


# --- plain JSON <-> DynamoDB attribute values ------------------------------------------


def _to_attribute_value(value: Any) -> AttributeValue:
    """`value` in DynamoDB's wire shape, as boto3's TypeSerializer writes it.

    Floats are stored through their shortest repr (0.1 is "0.1", not 55 digits);
    NaN and infinity are refused, as JSON refuses them.
    """
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PersistenceException("attributes hold NaN or infinity, which JSON cannot")
        return {"N": str(Decimal(repr(value)))}
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PersistenceException("attributes hold NaN or infinity, which JSON cannot")
        return {"N": str(value)}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise PersistenceException(f"attribute names must be strings, not {key!r}")
        return {"M": {key: _to_attribute_value(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_to_attribute_value(item) for item in value]}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    raise PersistenceException(f"cannot store a {type(value).__name__} in DynamoDB")


def _from_attribute_value(value: AttributeValue) -> Any:
    """A DynamoDB attribute value as plain Python: numbers as int (whole) or float."""
    [(kind, data)] = value.items()
    if kind == "S" or kind == "BOOL" or kind == "B":
        return data
    if kind == "N":
        return _number(data)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: _from_attribute_value(item) for key, item in data.items()}
    if kind == "L":
        return [_from_attribute_value(item) for item in data]
    if kind == "SS" or kind == "BS":  # never written by this skill; read as boto3 would
        return set(data)
    if kind == "NS":
        return {_number(item) for item in data}
    raise PersistenceException(f"unknown DynamoDB type {kind!r}")


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)
