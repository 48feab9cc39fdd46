"""DynamoDB user memory for Lambda, on a small client of its own (dynamodb_http.py).

Imported only when a table is configured (see factory.py). The client is built from
the environment by `default_dynamodb_client`: DynamoDbHttpClient, which answers like
a low-level botocore client for the three calls made here (GetItem, UpdateItem,
DeleteItem), so a botocore or boto3 client can be passed in instead (tests do).
Neither boto3, botocore (on Lambda) nor the SDK's ask_sdk_dynamodb is imported.

Items keep the SDK adapter's shape, partition key `id` and the user's attributes
under `attributes`, plus attributes of ours beside it:

- `revision`: a random token that every read-modify-write replaces, so
  `update_attributes` writes only if no other read-modify-write wrote since it read
  (optimistic locking, retried on conflict). Settings take this path; they are rare.
- The session ledger, written by `record_session` in one UpdateItem with no read and
  no condition but that the item has not expired, so any number of simultaneous
  session ends of one listener all count:
  `ADD visits :n, topics_heard :set` (a number and a String Set: DynamoDB applies ADD
  atomically, a set ADD is a union) `SET last_topic, first_seen (if not there),
  last_seen` and a token of the call (SESSION_TOKENS: a retried call that landed
  is not counted twice). It leaves `revision` alone, so it never makes a settings write retry.
- `expires_at`: the table's TTL attribute, epoch seconds RETENTION_DAYS after the
  item's last write (every write sets it); an expired item DynamoDB has not deleted
  yet reads as no memory.

Reading merges both layouts: the ledger's visits are added to a `visits` number in
`attributes` (where items from before the ledger, and the SDK adapter's, keep it), its
topics joined to a `topics_heard` list there, and its last topic wins. A
read-modify-write writes `attributes` relative to the ledger it read (visits minus
the ledger's, topics not in the ledger's set), so a session counted in between is
neither lost nor counted twice, and it moves `last_topic` and `first_seen` into
`attributes`. `save_attributes` replaces everything and removes the ledger, leaving
the SDK adapter's layout. No migration is needed: an item without ledger or revision
(the SDK adapter's, or an older release's) reads as it did and takes both kinds of
write; a ledger attribute of an unexpected type makes `record_session` fall back,
once, to the read-modify-write, which converts the item. The SDK adapter reads only
`attributes`: on an item with a ledger it sees the settings but not the visits and
topics counted beside them.

Attributes are plain JSON types both ways, like the SQLite adapter's: numbers are
stored as DynamoDB numbers (`N`) and read back as int when whole, else float, so
handlers never see Decimal. The conversion is ours (_to_item, _from_item), writing
exactly what boto3's TypeSerializer writes for the same values.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from skill.config import ConfigError
from skill.persistence.base import (
    FIRST_SEEN,
    LAST_TOPIC,
    RETENTION_SECONDS,
    TOPICS_HEARD,
    VISITS,
    Attributes,
    SessionEnd,
    UpdateFn,
    UserRef,
    user_id_of,
)
from skill.persistence.dynamodb_http import (
    THROTTLING_CODES,
    TRANSIENT_CODES,
    Credentials,
    DynamoDbConnectionError,
    DynamoDbHttpClient,
    environment_credentials,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5
MAX_ATTEMPTS = 2
"""Fail fast: botocore's defaults (60 s timeouts, many retries) outlast Alexa's 8 s."""

DEFAULT_UPDATE_BUDGET = 5.0
"""Seconds `update_attributes` keeps retrying conflicting writes before giving up, short
enough to answer inside Alexa's 8 s."""

FIRST_PAUSE = 0.01
MAX_PAUSE = 1.0
"""Pauses between conflicting writes: random up to FIRST_PAUSE, doubling up to MAX_PAUSE."""

RESENDS = 1
"""Times `record_session` sends its UpdateItem again after the client gave up on
reaching DynamoDB (safe: the call's token stops a second count)."""

PARTITION_KEY = "id"
"""The table's partition key (a string: the Alexa user id), as in the SDK adapter."""

ATTRIBUTES = "attributes"
"""The item attribute holding the user's attributes (a map), as in the SDK adapter."""

REVISION = "revision"
"""The item attribute every read-modify-write replaces with a fresh random token."""

EXPIRES_AT = "expires_at"
"""The table's TTL attribute (TimeToLiveSpecification in the stack template): epoch
seconds, RETENTION_SECONDS after the write."""

LAST_SEEN = "last_seen"
"""Epoch seconds of the last session end (`record_session`); never read back."""

SESSION_TOKENS = ("session_tokens_0", "session_tokens_1")
"""String Sets of the random tokens of recent `record_session` calls: each call adds its
own on condition that it is not there yet, so the client's retry of a call that landed
though its answer was lost (a read timeout) fails that condition instead of counting
the visit twice. The two sets take turns by TOKEN_PERIOD, each call emptying the other
one, so they hold only the last TOKEN_PERIOD or two of calls."""

TOKEN_PERIOD = 600
"""Seconds each token set takes in turn; a retry comes within seconds of its call."""

LEDGER = (VISITS, TOPICS_HEARD, LAST_TOPIC, FIRST_SEEN)
"""Item attributes `record_session` writes beside `attributes` (same names as inside)."""

AttributeValue = dict[str, Any]
"""One DynamoDB attribute value in the low-level wire shape: {"S": "..."}, {"N": "1"}..."""


class JsonDynamoDbAdapter(AbstractPersistenceAdapter):
    """User memory in a DynamoDB table, storing and returning plain JSON types.

    Like the SQLite adapter it accepts a bare user id where an envelope is expected.
    Reads are consistent (as the SDK adapter's) and merge the session ledger into the
    attributes. Writes are UpdateItem calls. `record_session` adds a visit and topics
    without reading, so any number at once all land; `update_attributes` sets the
    attributes and a new `revision`, atomically: it writes only if the revision it
    read is still the stored one, and otherwise reads again and retries, so
    concurrent updates of one user never lose one (module doc).

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

    def prepare(self) -> None:
        """Open the client's connection now, if it has one to open (DynamoDbHttpClient)."""
        connect = getattr(self.client, "connect", None)
        if callable(connect):
            connect()

    def get_attributes(self, request_envelope: UserRef) -> Attributes:
        return self._live(self._read(self._key(request_envelope)))

    def save_attributes(self, request_envelope: UserRef, attributes: Attributes) -> None:
        """Replace the user's attributes (last writer wins), with a new revision; the
        ledger goes, so the item has the SDK adapter's layout."""
        key = self._key(request_envelope)
        try:
            encoded = _to_attribute_value(attributes)
            self._write(key, encoded, None, _new_revision(), remove=LEDGER)
        except PersistenceException:
            raise
        except Exception as exc:
            raise PersistenceException(
                f"Failed to save attributes to DynamoDb table: {_describe(exc)}"
            ) from exc

    def delete_attributes(self, request_envelope: UserRef) -> None:
        key = self._key(request_envelope)
        try:
            self.client.delete_item(TableName=self.table_name, Key=key)
        except Exception as exc:
            raise PersistenceException(
                f"Failed to delete attributes in DynamoDb table: {_describe(exc)}"
            ) from exc

    def update_attributes(self, user: UserRef, fn: UpdateFn) -> Attributes:
        """Apply `fn` to the stored attributes and store its result, atomically.

        Optimistic: read the item (consistently), apply `fn`, write on condition that
        the item's revision is still the one read. A conflicting write in between
        fails the condition; then pause a random moment (up to FIRST_PAUSE, doubling
        with each conflict, at most MAX_PAUSE), read again and retry, until
        `update_budget` seconds have passed. The pause comes before the read so that
        the read and the write stay close together. `fn` may run more than once,
        each time on the attributes as stored; it must not depend on earlier calls.
        An exception from `fn` propagates unchanged and nothing is written.
        """
        key = self._key(user)
        deadline = time.monotonic() + self.update_budget
        pause = FIRST_PAUSE
        conflicts = 0
        written: str | None = None
        item = self._read(key)
        while True:
            if written is not None and item is not None and item.get(REVISION) == {"S": written}:
                # The last write landed though its answer was lost (a retried call then
                # found its own revision and failed the condition): done, not again.
                return self._live(item)
            updated = fn(self._live(item))
            try:
                live = None if item is None or self._expired(item) else item
                blob, remove = _relative_to_ledger(updated, live)
                encoded = _to_attribute_value(blob)
                written = _new_revision()
                condition = _unchanged(item, self.partition_key_name)
                self._write(key, encoded, condition, written, remove=remove)
            except PersistenceException:
                raise
            except Exception as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise PersistenceException(
                        f"Failed to update attributes in DynamoDb table: {_describe(exc)}"
                    ) from exc
                conflicts += 1
            else:
                if conflicts:
                    logger.debug("update stored after %d conflicting writes", conflicts)
                return updated
            if time.monotonic() + pause > deadline:
                raise PersistenceException(
                    f"DynamoDb update gave up after {conflicts} conflicting writes"
                )
            import random  # only under contention: a cold start never pays for it

            time.sleep(random.uniform(0, pause))  # full jitter, then read afresh
            pause = min(pause * 2, MAX_PAUSE)
            item = self._read(key)

    def record_session(self, user: UserRef, session: SessionEnd) -> None:
        """Count an ended session: one UpdateItem, no read (module doc).

        Simultaneous calls for one listener all land: DynamoDB applies each ADD to the
        item as it is. Its condition holds but for two rare cases, which a read then
        tells apart: the item expired (deleted as TTL would, then counted afresh), or
        the client retried this very call after its answer was lost though it landed
        (SESSION_TOKENS; done). A ledger attribute of another type
        (ValidationException) falls back once to `update_attributes`, which converts
        the item.
        """
        if not session.visits and not session.topics:
            return
        key = self._key(user)
        now = self.clock()
        names = {"#s": LAST_SEEN, "#x": EXPIRES_AT}
        values: dict[str, AttributeValue] = {
            ":now": {"N": str(int(now))},
            ":x": {"N": str(int(now) + RETENTION_SECONDS)},
        }
        adds: list[str] = []
        sets = ["#s = :now", "#x = :x"]
        if session.visits:
            names |= {"#v": VISITS, "#f": FIRST_SEEN}
            values |= {":v": {"N": str(session.visits)}, ":today": {"S": session.today}}
            adds.append("#v :v")
            sets.append("#f = if_not_exists(#f, :today)")
        if session.topics:
            names |= {"#t": TOPICS_HEARD, "#l": LAST_TOPIC}
            values |= {":t": {"SS": list(dict.fromkeys(session.topics))}}
            values[":l"] = {"S": session.topics[-1]}
            adds.append("#t :t")
            sets.append("#l = :l")
        token = os.urandom(8).hex()  # 64 bits: unique among one listener's recent calls
        turn = int(now) // TOKEN_PERIOD % 2
        names |= {"#k": SESSION_TOKENS[turn], "#o": SESSION_TOKENS[1 - turn]}
        values |= {":k": {"SS": [token]}, ":token": {"S": token}}
        adds.append("#k :k")
        expression = f"ADD {', '.join(adds)} SET {', '.join(sets)} REMOVE #o"
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": key,
            "UpdateExpression": expression,
            # Never add to an expired item DynamoDB has not deleted yet (that would bring
            # back what it held), nor twice for one call. Nothing else conditions it.
            "ConditionExpression": "(attribute_not_exists(#x) OR #x > :now)"
            " AND NOT contains(#k, :token)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        deadline = time.monotonic() + self.update_budget
        try:
            if self._landed(request, deadline):
                return
            item = self._read(key)
            if item is not None and token in item.get(SESSION_TOKENS[turn], {}).get("SS", []):
                return  # a retry after a lost answer: the first attempt counted it
            if item is not None and self._expired(item):
                self._delete_expired(key, values[":now"])  # as TTL would, then afresh
            if not self._landed(request, deadline):
                raise PersistenceException("DynamoDb session end conflicted twice")
        except PersistenceException:
            raise
        except Exception as exc:
            if error_code(exc) != "ValidationException":
                raise PersistenceException(
                    f"Failed to record a session in DynamoDb table: {_describe(exc)}"
                ) from exc
            logger.info("converting an item whose ledger has other types: %s", _describe(exc))
            self.update_attributes(user, session.apply)

    def _landed(self, request: dict[str, Any], deadline: float) -> bool:
        """Send a session end's UpdateItem; False if its condition failed.

        The call's token makes sending it again safe, so a connection error, a timeout
        or throttling that outlasted the client's own attempts is sent again, up to
        RESENDS times, after a full-jitter pause, if `deadline` allows. (Not more: when
        DynamoDB is down, the answer should not wait long for it.)
        """
        pause = FIRST_PAUSE
        resends = RESENDS
        while True:
            try:
                self.client.update_item(**request)
            except Exception as exc:
                code = error_code(exc)
                if code == "ConditionalCheckFailedException":
                    return False
                transient = code in THROTTLING_CODES or code in TRANSIENT_CODES
                if not (transient or code in _SERVER_ERRORS or _unreached(exc)):
                    raise
                if not resends or time.monotonic() + pause > deadline:
                    raise
                resends -= 1
            else:
                return True
            import random  # only when DynamoDB is slow or away

            time.sleep(random.uniform(0, pause))
            pause = min(pause * 2, MAX_PAUSE)

    def _delete_expired(self, key: dict[str, AttributeValue], now: AttributeValue) -> None:
        """Delete the item as TTL would, if it is still expired (another session's end
        may have done so already)."""
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key=key,
                ConditionExpression="#x <= :now",
                ExpressionAttributeNames={"#x": EXPIRES_AT},
                ExpressionAttributeValues={":now": now},
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def _live(self, item: dict[str, AttributeValue] | None) -> Attributes:
        """The item's attributes merged with its ledger; {} for no item, or one past its
        `expires_at` that DynamoDB has not deleted yet (that takes up to a few days)."""
        if item is None or self._expired(item):
            return {}
        return _with_ledger(_attributes_of(item, self.attribute_name), item)

    def _expired(self, item: dict[str, AttributeValue]) -> bool:
        expires = item.get(EXPIRES_AT, {}).get("N")
        return expires is not None and _number(expires) <= self.clock()

    def _read(self, key: dict[str, AttributeValue]) -> dict[str, AttributeValue] | None:
        """The stored item in wire shape, or None."""
        try:
            answer = self.client.get_item(TableName=self.table_name, Key=key, ConsistentRead=True)
        except Exception as exc:
            raise PersistenceException(
                f"Failed to read attributes from DynamoDb table: {_describe(exc)}"
            ) from exc
        item: dict[str, AttributeValue] | None = answer.get("Item")
        return item

    def _key(self, user: UserRef) -> dict[str, AttributeValue]:
        return {self.partition_key_name: {"S": user_id_of(user)}}

    def _write(
        self,
        key: dict[str, AttributeValue],
        attributes: AttributeValue,
        condition: _Condition | None,
        revision: str,
        *,
        remove: tuple[str, ...] = (),
    ) -> None:
        """One UpdateItem: the attributes, `revision` (new) and a new expiry, removing
        the item attributes named in `remove`, if `condition` holds."""
        names = {"#a": self.attribute_name, "#r": REVISION, "#x": EXPIRES_AT}
        values: dict[str, AttributeValue] = {
            ":a": attributes,
            ":r": {"S": revision},
            ":x": {"N": str(int(self.clock()) + RETENTION_SECONDS)},
        }
        expression = "SET #a = :a, #r = :r, #x = :x"
        if remove:
            removed = [f"#d{i}" for i in range(len(remove))]
            names |= dict(zip(removed, remove, strict=True))
            expression += f" REMOVE {', '.join(removed)}"
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": key,
            "UpdateExpression": expression,
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

_SERVER_ERRORS = frozenset(
    {"InternalServerError", "ServiceUnavailable", "500", "502", "503", "504"}
)
"""Error codes of answers a session end is sent again after (with its token, safely)."""


def _with_ledger(attributes: Attributes, item: dict[str, AttributeValue]) -> Attributes:
    """`attributes` (from the item's map) merged with the item's ledger (module doc)."""
    visits = item.get(VISITS, {}).get("N")
    if visits is not None:
        stored = attributes.get(VISITS)
        counted = stored if isinstance(stored, int) and not isinstance(stored, bool) else 0
        attributes[VISITS] = counted + int(_number(visits))
    ledger_topics = _ledger_topics(item)
    if ledger_topics is not None:
        stored = attributes.get(TOPICS_HEARD)
        heard = list(stored) if isinstance(stored, list) else []
        attributes[TOPICS_HEARD] = heard + [t for t in ledger_topics if t not in heard]
    last = item.get(LAST_TOPIC, {}).get("S")
    if last is not None:  # set by a session end after the last read-modify-write
        attributes[LAST_TOPIC] = last
    first = item.get(FIRST_SEEN, {}).get("S")
    if first is not None and not isinstance(attributes.get(FIRST_SEEN), str):
        attributes[FIRST_SEEN] = first
    return attributes


def _ledger_topics(item: dict[str, AttributeValue]) -> list[str] | None:
    """The ledger's topics: a String Set (sorted: a set has no order), or a list of
    strings left by some other writer; None if there is neither."""
    value = item.get(TOPICS_HEARD)
    if value is None:
        return None
    if "SS" in value:
        return sorted(value["SS"])
    if "L" in value:
        return [v["S"] for v in value["L"] if "S" in v]
    return None


def _relative_to_ledger(
    updated: Attributes, item: dict[str, AttributeValue] | None
) -> tuple[Attributes, tuple[str, ...]]:
    """The `attributes` map to write for `updated` (the merged view after `fn`), and the
    ledger attributes to remove, given the item as read.

    The ledger's number and String Set stay (a session end may add to them between
    this read and this write), and the map holds the rest: visits minus the ledger's,
    topics not in its set. Everything else of the ledger moves into the map.
    """
    if item is None:
        return updated, LEDGER
    blob = dict(updated)
    remove = [LAST_TOPIC, FIRST_SEEN]
    visits = item.get(VISITS)
    counted = blob.get(VISITS)
    if visits is not None:
        if "N" in visits and isinstance(counted, int) and not isinstance(counted, bool):
            blob[VISITS] = counted - int(_number(visits["N"]))
        else:
            remove.append(VISITS)
    topics = item.get(TOPICS_HEARD)
    heard = blob.get(TOPICS_HEARD)
    if topics is not None:
        if "SS" in topics and isinstance(heard, list):
            in_set = set(topics["SS"])
            blob[TOPICS_HEARD] = [t for t in heard if t not in in_set]
        else:
            remove.append(TOPICS_HEARD)
    return blob, tuple(remove)


def _unchanged(item: dict[str, AttributeValue] | None, key_name: str) -> _Condition:
    """The condition that the item is still as read: absent, revision-less, or same revision."""
    if item is None:
        return "attribute_not_exists(#k)", {"#k": key_name}, {}
    revision = item.get(REVISION)
    if revision is None:  # written by the SDK adapter, before this one
        return "attribute_exists(#k) AND attribute_not_exists(#r)", {"#k": key_name}, {}
    return "#r = :old", {}, {":old": revision}


def _unreached(exc: BaseException) -> bool:
    """Whether `exc` says DynamoDB was not reached or did not answer in time (our client's
    DynamoDbConnectionError, botocore's connection and timeout errors)."""
    if isinstance(exc, DynamoDbConnectionError | OSError):
        return True
    return type(exc).__module__.startswith("botocore") and not error_code(exc)


def _new_revision() -> str:
    """A fresh random token (128 bits, as uuid4's), without importing uuid and random."""
    return os.urandom(16).hex()


def error_code(exc: BaseException) -> str:
    """DynamoDB's error code from a botocore ClientError or a DynamoDbError ("" if none)."""
    response = getattr(exc, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    return str(error.get("Code", "")) if isinstance(error, dict) else ""


def _describe(exc: BaseException) -> str:
    """The exception's type and text, as warnings name the cause."""
    return f"{type(exc).__name__}: {exc}"


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


def default_dynamodb_client() -> DynamoDbHttpClient:
    """A DynamoDB client from the environment, with short timeouts and few retries.

    Region: AWS_REGION or AWS_DEFAULT_REGION. Endpoint: AWS_ENDPOINT_URL_DYNAMODB or
    AWS_ENDPOINT_URL, else DynamoDB's for the region. Credentials: the environment's
    keys (Lambda sets them for the function's role); where there are none (a server with
    an instance role or ~/.aws), botocore's credential chain, imported only then.
    One client per process; it keeps one connection per thread.
    """
    credentials = environment_credentials()
    region = region_from_env()
    provider: Any
    if credentials is not None:
        fixed: Credentials = credentials

        def provider() -> Credentials:
            return fixed

    else:
        provider, configured = _botocore_credentials()
        region = region or configured
    if region is None:
        raise ConfigError(
            "SKILL_DYNAMODB_TABLE is set but no AWS region is configured "
            "(set AWS_REGION or AWS_DEFAULT_REGION)"
        )
    return DynamoDbHttpClient(
        region=region,
        credentials=provider,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_attempts=MAX_ATTEMPTS,
    )


def _botocore_credentials() -> tuple[Any, str | None]:
    """botocore's credential chain (refreshed as it expires) and its configured region."""
    try:
        import botocore.session
    except ImportError:
        raise ConfigError(
            "SKILL_DYNAMODB_TABLE is set but no AWS credentials are configured "
            "(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        ) from None
    session = botocore.session.Session()
    found = session.get_credentials()

    def provider() -> Credentials:
        if found is None:
            raise ConfigError("no AWS credentials are configured")
        frozen = found.get_frozen_credentials()
        return frozen.access_key, frozen.secret_key, frozen.token

    region = session.get_config_variable("region")
    return provider, region if isinstance(region, str) and region else None


def build_dynamodb_adapter(
    table_name: str,
    dynamodb_client: Any = None,
    *,
    update_budget: float | None = None,
    clock: Callable[[], float] = time.time,
) -> JsonDynamoDbAdapter:
    """The adapter on an existing table: partition key "id", attributes in "attributes".

    `dynamodb_client` is a DynamoDbHttpClient, or a botocore DynamoDB client (a boto3
    `client("dynamodb")` is one); by default one is built from the environment.
    """
    client = default_dynamodb_client() if dynamodb_client is None else dynamodb_client
    budget = DEFAULT_UPDATE_BUDGET if update_budget is None else update_budget
    return JsonDynamoDbAdapter(table_name, client, update_budget=budget, clock=clock)


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
