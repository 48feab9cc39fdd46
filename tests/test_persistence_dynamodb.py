"""DynamoDB user memory, against a real local moto server over HTTP.

Ours is the skill's own small client (skill/persistence/dynamodb_http.py, signed by
aws-sdk-signers on Python 3.12, by botocore's signer on 3.11); the SDK's own adapter
(ask_sdk_dynamodb) must still read every item ours writes, and ours every item it wrote.
boto3 only sets up tables and looks at them.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from ask_sdk_model import Context, RequestEnvelope, User
from ask_sdk_model.interfaces.system import SystemState
from botocore.config import Config
from moto.server import ThreadedMotoServer

from skill.config import ConfigError, Settings
from skill.persistence import ResilientPersistenceAdapter, build_persistence_adapter
from skill.persistence.base import RETENTION_DAYS, RETENTION_SECONDS, SessionEnd
from skill.persistence.dynamodb import (
    EXPIRES_AT,
    REVISION,
    JsonDynamoDbAdapter,
    build_dynamodb_adapter,
)
from skill.persistence.dynamodb_http import DynamoDbConnectionError, DynamoDbHttpClient
from skill.web.app import create_app
from testing import ROOT
from testing.envelopes import launch

FAST = Config(connect_timeout=0.5, read_timeout=2, retries={"mode": "standard", "max_attempts": 1})


def sdk_adapter(table_name: str, resource: Any) -> Any:
    """The SDK's own DynamoDB adapter on `table_name`, as a skill on the stock SDK has it.

    ask_sdk_dynamodb.adapter builds a boto3 resource as a default argument when it is
    imported, which fails without a region: give it one for the import.
    """
    region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    finally:
        if region is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = region
    return DynamoDbAdapter(table_name, create_table=False, dynamodb_resource=resource)


def envelope(user_id: str) -> RequestEnvelope:
    """A request envelope carrying just the Alexa user id, as the SDK hands it over."""
    return RequestEnvelope(context=Context(system=SystemState(user=User(user_id=user_id))))


def bump(attributes: dict[str, Any]) -> dict[str, Any]:
    attributes["visits"] = attributes.get("visits", 0) + 1
    return attributes


def start_server(port: int = 0) -> ThreadedMotoServer:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def stop_server(server: ThreadedMotoServer) -> None:
    """Stop serving and free the port: moto's stop() alone leaves the socket listening."""
    server.stop()
    server._server.server_close()  # type: ignore[union-attr]


def endpoint_of(server: ThreadedMotoServer) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


def make_client(endpoint: str, *, max_attempts: int = 1) -> DynamoDbHttpClient:
    """The skill's DynamoDB client, as default_dynamodb_client builds it, on `endpoint`."""
    return DynamoDbHttpClient(
        region="us-east-1",
        endpoint=endpoint,
        credentials=lambda: ("testing", "testing", None),
        connect_timeout=0.5,
        read_timeout=2,
        max_attempts=max_attempts,
    )


def make_resource(endpoint: str) -> Any:
    return boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=FAST,
    )


def create_table(resource: Any) -> Any:
    table = resource.create_table(
        TableName=f"bedtime-users-{uuid.uuid4().hex[:8]}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    return table


@pytest.fixture(autouse=True, scope="module")
def quiet_werkzeug() -> Iterator[None]:
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    yield
    werkzeug.setLevel(level)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedMotoServer]:
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def resource(server: ThreadedMotoServer) -> Any:
    return make_resource(endpoint_of(server))


@pytest.fixture
def client(server: ThreadedMotoServer) -> Any:
    return make_client(endpoint_of(server))


@pytest.fixture
def table(resource: Any) -> Iterator[Any]:
    table = create_table(resource)
    yield table
    table.delete()


@pytest.fixture
def adapter(table: Any, client: Any) -> ResilientPersistenceAdapter:
    return ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, client))


def warnings_from(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


def test_round_trip_keeps_json_types(adapter: ResilientPersistenceAdapter, table: Any) -> None:
    attributes = {
        "first_seen": "2024-01-02",
        "visits": 3,
        "topics_heard": ["dose", "timing"],
        "last_topic": "timing",
        "voice": {"rate": "slow", "volume": 0.75},
        "bedtime": 22.5,
        "reminders": True,
        "empty": {},
    }
    adapter.save_attributes(envelope("amzn1.ask.account.A"), attributes)
    got = adapter.get_attributes(envelope("amzn1.ask.account.A"))

    assert got == attributes
    assert type(got["visits"]) is int
    assert type(got["bedtime"]) is float
    assert adapter.available
    assert adapter.get_attributes(envelope("amzn1.ask.account.B")) == {}
    # Stored the way the SDK lays items out: partition key "id", dict under "attributes",
    # plus the revision token that makes updates atomic and the TTL attribute.
    item = table.get_item(Key={"id": "amzn1.ask.account.A"})["Item"]
    assert set(item) == {"id", "attributes", REVISION, EXPIRES_AT}
    assert abs(int(item[EXPIRES_AT]) - time.time() - RETENTION_SECONDS) < 60


def test_every_write_sets_the_ttl_400_days_on(table: Any, client: Any) -> None:
    """The table's TTL attribute (TimeToLiveSpecification in the stack) is set by every
    kind of write, RETENTION_DAYS from the write: a visit starts the period again."""
    assert RETENTION_DAYS == 400
    now = [1_800_000_000.0]
    adapter = JsonDynamoDbAdapter(table.name, client, clock=lambda: now[0])
    table.meta.client.update_time_to_live(  # boto3, as the stack's TimeToLiveSpecification
        TableName=table.name,
        TimeToLiveSpecification={"AttributeName": EXPIRES_AT, "Enabled": True},
    )

    def expiry() -> int:
        return int(table.get_item(Key={"id": "amzn1.ask.account.T"})["Item"][EXPIRES_AT])

    adapter.save_attributes("amzn1.ask.account.T", {"visits": 1})
    assert expiry() == 1_800_000_000 + 400 * 86400
    now[0] += 86400 * 30
    adapter.update_attributes("amzn1.ask.account.T", bump)
    assert expiry() == 1_800_000_000 + 430 * 86400


def test_a_listener_not_seen_for_400_days_is_forgotten(table: Any, client: Any) -> None:
    """DynamoDB deletes expired items itself, within days; until it does, an expired item
    reads as no memory, and the next write replaces it as if new."""
    written = 1_800_000_000.0
    now = [written]
    adapter = JsonDynamoDbAdapter(table.name, client, clock=lambda: now[0])
    adapter.save_attributes("amzn1.ask.account.OLD", {"visits": 7, "bedtime": "22:30"})
    now[0] = written + RETENTION_SECONDS - 1
    assert adapter.get_attributes("amzn1.ask.account.OLD")["visits"] == 7
    now[0] = written + RETENTION_SECONDS
    assert adapter.get_attributes("amzn1.ask.account.OLD") == {}
    assert adapter.update_attributes("amzn1.ask.account.OLD", bump) == {"visits": 1}
    assert adapter.get_attributes("amzn1.ask.account.OLD") == {"visits": 1}


def test_the_sdk_adapter_and_ours_read_each_others_items(
    adapter: ResilientPersistenceAdapter, table: Any, resource: Any
) -> None:
    """Same item layout, same types: switching either way needs no migration."""
    sdk = sdk_adapter(table.name, resource)
    ours: dict[str, Any] = {"visits": 3, "volume": 0.75, "tiny": 2**-20, "none": None}
    ours |= {
        "big": 10**20,
        "yes": False,
        "topics": ["dose", {"deep": [1.5, "x"]}],
        "empty": {},
        "blank": "",
    }
    adapter.save_attributes("amzn1.ask.account.OURS", ours)
    # boto3 reads numbers as Decimal, equal to the same int or (exactly binary) float.
    assert sdk.get_attributes(envelope("amzn1.ask.account.OURS")) == ours

    theirs = {"visits": Decimal(7), "bedtime": Decimal("22.5"), "list": [Decimal(1), "a"]}
    sdk.save_attributes(envelope("amzn1.ask.account.SDK"), theirs)
    got = adapter.get_attributes("amzn1.ask.account.SDK")
    assert got == {"visits": 7, "bedtime": 22.5, "list": [1, "a"]}
    assert (type(got["visits"]), type(got["bedtime"])) == (int, float)


def test_what_json_cannot_hold_is_refused(adapter: ResilientPersistenceAdapter) -> None:
    adapter.save_attributes("u", {"visits": 1})
    for bad in ({"x": math.nan}, {"x": math.inf}, {"x": object()}, {1: "one"}):
        adapter.save_attributes("u", bad)  # type: ignore[arg-type]
        assert not adapter.available
    assert adapter.get_attributes("u") == {"visits": 1}


def test_delete(adapter: ResilientPersistenceAdapter) -> None:
    adapter.save_attributes(envelope("a"), {"visits": 1})
    adapter.save_attributes(envelope("b"), {"visits": 2})
    adapter.delete_attributes(envelope("a"))
    assert adapter.get_attributes(envelope("a")) == {}
    assert adapter.get_attributes(envelope("b")) == {"visits": 2}
    assert adapter.available


def test_update_reads_modifies_and_writes(adapter: ResilientPersistenceAdapter) -> None:
    assert adapter.update_attributes(envelope("u"), bump) == {"visits": 1}
    assert adapter.update_attributes("u", bump) == {"visits": 2}
    assert adapter.get_attributes(envelope("u")) == {"visits": 2}
    assert adapter.available


def test_factory_builds_the_dynamodb_adapter(table: Any, client: Any, tmp_path: Path) -> None:
    settings = Settings(dynamodb_table=table.name, sqlite_path=tmp_path / "unused.sqlite3")
    adapter = build_persistence_adapter(settings, dynamodb_client=client)

    assert isinstance(adapter, ResilientPersistenceAdapter)
    inner = adapter.inner
    assert isinstance(inner, JsonDynamoDbAdapter)
    assert inner.table_name == table.name
    assert (inner.partition_key_name, inner.attribute_name) == ("id", "attributes")
    assert inner.client is client

    adapter.save_attributes(envelope("u"), {"visits": 1})
    assert adapter.update_attributes(envelope("u"), bump) == {"visits": 2}
    assert adapter.get_attributes(envelope("u")) == {"visits": 2}
    adapter.delete_attributes(envelope("u"))
    assert adapter.get_attributes(envelope("u")) == {}
    assert not (tmp_path / "unused.sqlite3").exists()


def test_missing_table_degrades(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter("no-such-table", client))
    assert adapter.get_attributes(envelope("u")) == {}
    assert not adapter.available
    [record] = warnings_from(caplog)
    assert "ResourceNotFoundException" in record.getMessage()


class Throttled(BaseHTTPRequestHandler):
    """Answers every call as DynamoDB does when throttling, and counts the calls."""

    calls: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        Throttled.calls.append(self.headers["X-Amz-Target"])
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput was exceeded",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_throttling_is_retried_then_degrades(
    adapter: ResilientPersistenceAdapter, table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Throttled twice (the client's two tries, as botocore's standard mode), the call
    fails cleanly; the same adapter on a healthy endpoint works again."""
    throttling = ThreadingHTTPServer(("127.0.0.1", 0), Throttled)
    thread = threading.Thread(target=throttling.serve_forever, daemon=True)
    thread.start()
    try:
        port = throttling.server_address[1]
        Throttled.calls = []
        inner = build_dynamodb_adapter(
            table.name, make_client(f"http://127.0.0.1:{port}", max_attempts=2)
        )
        throttled = ResilientPersistenceAdapter(inner)
        assert throttled.get_attributes(envelope("u")) == {}
        assert not throttled.available
        throttled.save_attributes(envelope("u"), {"visits": 1})
        assert not throttled.available
        assert (
            Throttled.calls
            == ["DynamoDB_20120810.GetItem"] * 2 + ["DynamoDB_20120810.UpdateItem"] * 2
        )
        assert all(
            "ProvisionedThroughputExceededException" in r.getMessage()
            for r in warnings_from(caplog)
        )
    finally:
        throttling.shutdown()
        throttling.server_close()
    adapter.save_attributes(envelope("u"), {"visits": 1})
    assert adapter.available


def test_server_down_degrades_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    server = start_server()
    running = True
    try:
        port = server.get_host_and_port()[1]
        resource = make_resource(endpoint_of(server))
        table = create_table(resource)
        adapter = build_persistence_adapter(
            Settings(dynamodb_table=table.name), dynamodb_client=make_client(endpoint_of(server))
        )
        assert adapter is not None
        adapter.save_attributes(envelope("u"), {"visits": 1})

        stop_server(server)
        running = False
        called: list[dict[str, Any]] = []

        def spy(attributes: dict[str, Any]) -> dict[str, Any]:
            called.append(attributes)
            return bump(attributes)

        caplog.clear()
        assert adapter.get_attributes(envelope("u")) == {}
        assert not adapter.available
        adapter.save_attributes(envelope("u"), {"visits": 9})
        assert not adapter.available
        adapter.delete_attributes(envelope("u"))
        assert adapter.update_attributes(envelope("u"), spy) == {}
        assert not adapter.available
        assert called == []  # a failed read never leads to saving attributes rebuilt from {}
        warned = warnings_from(caplog)
        assert len(warned) == 4
        assert all("DynamoDbConnectionError" in r.getMessage() for r in warned)
        assert all(r.exc_info is None for r in warned)

        server = start_server(port)  # the same endpoint comes back (moto keeps its state)
        running = True
        assert adapter.get_attributes(envelope("u")) == {"visits": 1}
        assert adapter.available
        table.delete()
    finally:
        if running:
            stop_server(server)


def test_dynamodb_needs_neither_boto3_nor_the_sdk_adapter(tmp_path: Path) -> None:
    """The skill's own client: no boto3 (nor s3transfer), no botocore session, no
    ask_sdk_dynamodb; no AWS config is needed until a client is built; a missing region
    is a ConfigError naming both variables."""
    script = (
        "import sys\n"
        "from skill.config import ConfigError, Settings\n"
        "from skill.persistence import build_persistence_adapter\n"
        "from skill.persistence.dynamodb_http import DynamoDbConnectionError, DynamoDbHttpClient\n"
        "try:\n"
        "    build_persistence_adapter(Settings(dynamodb_table='t'))\n"
        "except ConfigError as exc:\n"
        "    assert 'AWS_REGION' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no region should be a ConfigError')\n"
        "import os\n"
        "os.environ['AWS_REGION'] = 'eu-west-1'\n"
        "adapter = build_persistence_adapter(Settings(dynamodb_table='t'))\n"
        "assert isinstance(adapter.inner.client, DynamoDbHttpClient)\n"
        "assert adapter.inner.client.endpoint == 'https://dynamodb.eu-west-1.amazonaws.com'\n"
        "heavy = ('boto3', 's3transfer', 'ask_sdk_dynamodb')\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in heavy]\n"
        "loaded += [m for m in ('botocore.session', 'botocore.client') if m in sys.modules]\n"
        "assert loaded == [], loaded\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)


def test_default_client_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    adapter = build_persistence_adapter(Settings(dynamodb_table="t"))
    assert adapter is not None
    inner = adapter.inner
    assert isinstance(inner, JsonDynamoDbAdapter)
    client = inner.client
    assert isinstance(client, DynamoDbHttpClient)
    assert client.region == "eu-west-1"
    assert client.endpoint == "https://dynamodb.eu-west-1.amazonaws.com"
    assert client.connect_timeout <= 1
    assert client.read_timeout <= 2
    assert client.max_attempts <= 2


def test_the_client_signs_with_the_environments_session_token(
    aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda's role credentials carry a session token: it is sent, and signed."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-of-the-role")
    adapter = build_persistence_adapter(Settings(dynamodb_table="t"))
    assert adapter is not None
    client = adapter.inner.client  # type: ignore[attr-defined]
    url = "https://dynamodb.us-east-1.amazonaws.com/"
    headers = client._sign(
        url, {"Host": "dynamodb.us-east-1.amazonaws.com"}, b"{}", client.credentials()
    )
    assert headers["X-Amz-Security-Token"] == "token-of-the-role"
    assert "x-amz-security-token" in headers["Authorization"]
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")


# --- atomic updates: no lost write under concurrency ------------------------------------

SERIAL_SERVER = """
import logging
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.moto_server.threaded_moto_server import MotoRequestHandler
app = DomainDispatcherApplication(create_backend_app)
server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=MotoRequestHandler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
"""moto, one request at a time. DynamoDB applies each conditional write atomically;
moto's threaded server does not (its check and its write can interleave with another
request's), so concurrency tests run against this one."""

UPDATER = """
import json, sys, threading
import os
import boto3
from botocore.config import Config
from skill.persistence.dynamodb import build_dynamodb_adapter
from skill.persistence.dynamodb_http import DynamoDbConnectionError, DynamoDbHttpClient
from skill.persistence import ResilientPersistenceAdapter
from skill.persistence.base import envelope_for_user
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the SDK adapter's import needs one
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
endpoint, table, how = sys.argv[1], sys.argv[2], sys.argv[5]
threads, each = int(sys.argv[3]), int(sys.argv[4])
options = dict(
    endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="testing", aws_secret_access_key="testing",
    config=Config(connect_timeout=60, read_timeout=60, max_pool_connections=threads,
                  retries={"mode": "standard", "max_attempts": 1}),
)
session = boto3.session.Session()
resource = session.resource("dynamodb", **options)
if how == "atomic":  # the skill's own client, one connection per thread
    client = DynamoDbHttpClient(region="us-east-1", endpoint=endpoint,
        credentials=lambda: ("testing", "testing", None),
        connect_timeout=60, read_timeout=60, max_attempts=1)
    adapter = ResilientPersistenceAdapter(
        build_dynamodb_adapter(table, client, update_budget=300))
else:  # the SDK's adapter: a get, then a put (what ours must never do)
    class GetThenPut:
        available = True
        def __init__(self):
            self.sdk = DynamoDbAdapter(table, create_table=False, dynamodb_resource=resource)
        def update_attributes(self, user, fn):
            envelope = envelope_for_user(user)
            updated = fn(self.sdk.get_attributes(envelope))
            self.sdk.save_attributes(envelope, updated)
            return updated
    adapter = GetThenPut()
def bump(attributes):
    attributes["visits"] = attributes.get("visits", 0) + 1
    return attributes
seen = []
gate = threading.Barrier(threads)
def work():
    gate.wait()
    for _ in range(each):
        seen.append(int(adapter.update_attributes("amzn1.ask.account.BUSY", bump)["visits"]))
workers = [threading.Thread(target=work) for _ in range(threads)]
print("ready", flush=True)
sys.stdin.readline()
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
assert adapter.available
print(json.dumps(seen))
"""
"""A process of `threads` concurrent updaters, `each` updates each; they start when told
to on stdin."""


@pytest.fixture(scope="module")
def serial_endpoint() -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERIAL_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{int(server.stdout.readline())}"
    finally:
        server.kill()
        server.wait()
        assert server.stdout is not None
        server.stdout.close()


def concurrent_updates(
    endpoint: str, processes: int, threads: int, each: int, how: str
) -> tuple[Any, list[int]]:
    """`processes` x `threads` updaters bump one listener's visits `each` times, at once."""
    table = create_table(make_resource(endpoint))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", UPDATER, endpoint, table.name, str(threads), str(each), how],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    seen: list[int] = []
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            out, _ = child.communicate(timeout=300)
            assert child.returncode == 0
            seen.extend(json.loads(out))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.communicate()
    return table, seen


def test_concurrent_updates_lose_nothing(serial_endpoint: str) -> None:
    """200 session ends for one listener, 10 at a time (2 processes of 5 threads, 20
    each): 200 visits stored, and each update saw a different count.

    (All 200 at once also stores 200, but takes minutes on a small machine: under
    such contention most optimistic writes conflict and retry.)"""
    table, seen = concurrent_updates(serial_endpoint, 2, 5, 20, "atomic")
    stored = table.get_item(Key={"id": "amzn1.ask.account.BUSY"})["Item"]["attributes"]
    assert stored == {"visits": 200}
    assert sorted(seen) == list(range(1, 201))


def test_the_concurrency_test_catches_lost_updates(serial_endpoint: str) -> None:
    """The same load through the SDK's get-then-put loses visits on the same server."""
    table, seen = concurrent_updates(serial_endpoint, 2, 5, 4, "get-then-put")
    stored = table.get_item(Key={"id": "amzn1.ask.account.BUSY"})["Item"]["attributes"]
    assert len(seen) == 40
    assert stored["visits"] < 40


def test_update_of_an_item_the_sdk_adapter_wrote(table: Any, resource: Any, client: Any) -> None:
    """No migration: items without a revision update atomically, and the SDK still reads ours."""
    sdk = sdk_adapter(table.name, resource)
    sdk.save_attributes(envelope("old"), {"visits": 7})
    assert REVISION not in table.get_item(Key={"id": "old"})["Item"]
    ours = build_dynamodb_adapter(table.name, client)

    assert ours.update_attributes("old", bump) == {"visits": 8}
    assert sdk.get_attributes(envelope("old")) == {"visits": 8}
    assert REVISION in table.get_item(Key={"id": "old"})["Item"]


def test_a_write_between_read_and_write_makes_the_update_retry(table: Any, client: Any) -> None:
    adapter = build_dynamodb_adapter(table.name, client)
    adapter.save_attributes("u", {"visits": 1})
    calls: list[dict[str, Any]] = []

    def racing(attributes: dict[str, Any]) -> dict[str, Any]:
        calls.append(dict(attributes))
        if len(calls) == 1:  # another device's session ends meanwhile
            adapter.save_attributes("u", {"visits": 5})
        return bump(attributes)

    assert adapter.update_attributes("u", racing) == {"visits": 6}
    assert calls == [{"visits": 1}, {"visits": 5}]
    assert adapter.get_attributes("u") == {"visits": 6}


def test_forget_between_read_and_write_is_not_undone(table: Any, client: Any) -> None:
    adapter = build_dynamodb_adapter(table.name, client)
    adapter.save_attributes("u", {"visits": 3, "quiet": True})

    def racing(attributes: dict[str, Any]) -> dict[str, Any]:
        if attributes:  # "forget me" lands between this update's read and write
            adapter.delete_attributes("u")
        return bump(attributes)

    assert adapter.update_attributes("u", racing) == {"visits": 1}
    assert adapter.get_attributes("u") == {"visits": 1}


def test_endless_conflicts_give_up_within_the_budget(
    table: Any, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    inner = build_dynamodb_adapter(table.name, client, update_budget=0.3)
    adapter = ResilientPersistenceAdapter(inner)
    inner.save_attributes("u", {"visits": 1})

    def always_racing(attributes: dict[str, Any]) -> dict[str, Any]:
        inner.save_attributes("u", {"visits": 100})
        return bump(attributes)

    started = time.monotonic()
    assert adapter.update_attributes("u", always_racing) == {}
    assert time.monotonic() - started < 2
    assert not adapter.available
    [record] = warnings_from(caplog)
    assert "gave up after" in record.getMessage()
    assert inner.get_attributes("u") == {"visits": 100}


def test_an_error_in_the_update_function_writes_nothing(table: Any, client: Any) -> None:
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, client))
    adapter.save_attributes("u", {"visits": 1})

    def broken(attributes: dict[str, Any]) -> dict[str, Any]:
        attributes["visits"] = 99
        raise KeyError("caller's bug")

    with pytest.raises(KeyError, match="caller's bug"):
        adapter.update_attributes("u", broken)
    assert adapter.get_attributes("u") == {"visits": 1}


# --- region: AWS_REGION (Lambda, the README) or AWS_DEFAULT_REGION (boto3) -------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, server: ThreadedMotoServer, tmp_path: Path) -> str:
    """Credentials and the moto endpoint from the environment, no region, no config files."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    endpoint = endpoint_of(server)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    return endpoint


def table_in(endpoint: str, region: str) -> Any:
    return create_table(
        boto3.resource(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=FAST,
        )
    )


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_either_region_variable_reaches_the_table(
    variable: str, aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto keeps a table per region, as AWS does: only the right region finds it."""
    table = table_in(aws_env, "eu-west-1")
    monkeypatch.setenv(variable, "eu-west-1")
    settings = Settings(dynamodb_table=table.name, verify_requests=False)

    client = create_app(settings).test_client()  # a host starts and answers
    assert client.post("/", json=launch()).status_code == 200

    adapter = build_persistence_adapter(settings)
    assert adapter is not None
    assert adapter.update_attributes("u", bump) == {"visits": 1}
    assert adapter.available
    assert table.get_item(Key={"id": "u"})["Item"]["attributes"] == {"visits": 1}

    monkeypatch.setenv(variable, "us-east-1")  # the same name elsewhere: no such table
    elsewhere = build_persistence_adapter(settings)
    assert elsewhere is not None
    assert elsewhere.get_attributes("u") == {}
    assert not elsewhere.available


def test_aws_region_wins_over_aws_default_region(
    aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in the AWS CLI and the other AWS SDKs."""
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    adapter = build_persistence_adapter(Settings(dynamodb_table="t"))
    assert adapter is not None
    inner = adapter.inner
    assert isinstance(inner, JsonDynamoDbAdapter)
    assert inner.client.region == "eu-west-1"


def test_no_region_names_both_variables(aws_env: str) -> None:
    with pytest.raises(ConfigError) as refused:
        build_persistence_adapter(Settings(dynamodb_table="t"))
    assert "AWS_REGION" in str(refused.value)
    assert "AWS_DEFAULT_REGION" in str(refused.value)


# --- session ends: one atomic ADD, no read (issue 21, item 5) ---------------------------


def test_200_simultaneous_session_ends_of_one_listener_all_count(serial_endpoint: str) -> None:
    """200 threads end a session for the same listener at the same moment (and 4 change
    a setting meanwhile): all 200 visits and every topic are stored, within seconds.

    Against moto one request at a time (serial_endpoint), as DynamoDB applies each
    write to an item atomically. The optimistic read-modify-write stored 15-31 of 200
    here (BENCHMARKS.md, "Same-user contention")."""
    table = create_table(make_resource(serial_endpoint))
    client = DynamoDbHttpClient(
        region="us-east-1",
        endpoint=serial_endpoint,
        credentials=lambda: ("testing", "testing", None),
        connect_timeout=10,  # 200 connections at once overflow the listen backlog
        read_timeout=10,
        max_attempts=1,
    )
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, client))
    user = "amzn1.ask.account.BUSY"
    sessions, settings = 200, 4
    gate = threading.Barrier(sessions + settings)
    failed: list[str] = []

    def session_end(i: int) -> None:
        gate.wait()
        adapter.record_session(user, SessionEnd(1, (f"topic{i % 7}", "dose"), "2026-12-06"))
        if not adapter.available:
            failed.append(f"session {i}")

    def set_voice(i: int) -> None:
        gate.wait()
        adapter.update_attributes(user, lambda a: a | {"voice": f"voice{i}"})
        if not adapter.available:
            failed.append(f"setting {i}")

    threads = [threading.Thread(target=session_end, args=(i,)) for i in range(sessions)]
    threads += [threading.Thread(target=set_voice, args=(i,)) for i in range(settings)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    took = time.monotonic() - started

    assert failed == []
    assert took < 20
    stored = adapter.get_attributes(user)
    assert stored["visits"] == sessions
    assert sorted(stored["topics_heard"]) == sorted({"dose", *(f"topic{i}" for i in range(7))})
    assert stored["voice"] in {f"voice{i}" for i in range(settings)}
    assert stored["first_seen"] == "2026-12-06"
    item = table.get_item(Key={"id": user})["Item"]
    assert item["visits"] + item.get("attributes", {}).get("visits", 0) == sessions


def test_an_old_layout_item_is_read_and_updated(table: Any, resource: Any, client: Any) -> None:
    """An item from before the ledger (visits and topics inside "attributes", as the SDK
    adapter and earlier releases wrote them): session ends add to it, settings writes
    keep both, and a save leaves the SDK adapter's layout again."""
    sdk = sdk_adapter(table.name, resource)
    old = {
        "visits": 7,
        "topics_heard": ["dose", "sleep"],
        "last_topic": "sleep",
        "first_seen": "2024-01-02",
        "voice": "quiet",
    }
    sdk.save_attributes(envelope("old"), old)
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, client))

    adapter.record_session("old", SessionEnd(1, ("timing", "dose"), "2026-12-06"))
    assert adapter.available
    expected = old | {"visits": 8, "topics_heard": ["dose", "sleep", "timing"]}
    assert adapter.get_attributes("old") == expected | {"last_topic": "dose"}
    item = table.get_item(Key={"id": "old"})["Item"]
    assert item["attributes"] == old  # untouched: the session went into the ledger
    assert (item["visits"], item["topics_heard"]) == (1, {"dose", "timing"})

    # A settings write (read-modify-write) between two session ends loses neither.
    adapter.update_attributes("old", lambda a: a | {"bedtime": "22:30"})
    adapter.record_session("old", SessionEnd(1, ("magnesium",), "2026-12-07"))
    got = adapter.get_attributes("old")
    assert got["visits"] == 9
    # Topics are a set (the skill only asks whether one was heard): order is not kept.
    assert sorted(got["topics_heard"]) == ["dose", "magnesium", "sleep", "timing"]
    assert (got["last_topic"], got["first_seen"]) == ("magnesium", "2024-01-02")
    assert (got["voice"], got["bedtime"]) == ("quiet", "22:30")

    # save_attributes replaces everything and drops the ledger: the SDK reads it all.
    adapter.save_attributes("old", got)
    assert sdk.get_attributes(envelope("old")) == got
    assert "visits" not in table.get_item(Key={"id": "old"})["Item"]


def test_a_session_counted_between_read_and_write_of_a_setting_is_kept(
    table: Any, client: Any
) -> None:
    adapter = build_dynamodb_adapter(table.name, client)
    adapter.record_session("u", SessionEnd(1, ("dose",), "2026-12-06"))
    calls: list[dict[str, Any]] = []

    def racing(attributes: dict[str, Any]) -> dict[str, Any]:
        calls.append(dict(attributes))
        # Another device's session ends meanwhile: no revision change, so no retry.
        adapter.record_session("u", SessionEnd(1, ("timing",), "2026-12-06"))
        return attributes | {"voice": "quiet"}

    adapter.update_attributes("u", racing)
    assert len(calls) == 1
    got = adapter.get_attributes("u")
    assert got["visits"] == 2
    assert sorted(got["topics_heard"]) == ["dose", "timing"]
    assert got["voice"] == "quiet"


def test_a_ledger_of_another_type_is_converted_once(table: Any, client: Any) -> None:
    """A top-level visits or topics_heard that ADD cannot add to (hand-edited, another
    tool) makes record_session fall back to the read-modify-write, which converts."""
    table.put_item(
        Item={
            "id": "odd",
            "attributes": {"visits": 2, "voice": "quiet"},
            "visits": "three",
            "topics_heard": ["dose"],
        }
    )
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, client))
    assert adapter.get_attributes("odd") == {
        "visits": 2,
        "voice": "quiet",
        "topics_heard": ["dose"],
    }

    adapter.record_session("odd", SessionEnd(1, ("timing",), "2026-12-06"))
    assert adapter.available
    item = table.get_item(Key={"id": "odd"})["Item"]
    assert "visits" not in item and "topics_heard" not in item  # converted
    assert item["attributes"]["visits"] == 3
    adapter.record_session("odd", SessionEnd(1, ("sleep",), "2026-12-07"))  # atomic again
    got = adapter.get_attributes("odd")
    assert (got["visits"], got["topics_heard"]) == (4, ["dose", "timing", "sleep"])
    assert table.get_item(Key={"id": "odd"})["Item"]["visits"] == 1


def test_an_expired_item_reads_as_nothing_and_starts_afresh(table: Any, client: Any) -> None:
    now = time.time()
    adapter = build_dynamodb_adapter(table.name, client, clock=lambda: now)
    adapter.save_attributes("gone", {"voice": "quiet"})
    adapter.record_session("gone", SessionEnd(1, ("dose",), "2025-01-01"))

    later = build_dynamodb_adapter(table.name, client, clock=lambda: now + RETENTION_SECONDS + 1)
    assert later.get_attributes("gone") == {}  # DynamoDB's TTL may not have deleted it yet
    later.record_session("gone", SessionEnd(1, ("timing",), "2026-02-05"))
    assert later.get_attributes("gone") == {
        "visits": 1,
        "topics_heard": ["timing"],
        "last_topic": "timing",
        "first_seen": "2026-02-05",
    }


class AnswerLost:
    """A client whose first UpdateItem lands but whose answer is lost, so it is sent
    again (as DynamoDbHttpClient retries after a read timeout)."""

    def __init__(self, inner: Any, meanwhile: Any = None) -> None:
        self.inner = inner
        self.sent = 0
        self.meanwhile = meanwhile

    def get_item(self, **request: Any) -> dict[str, Any]:
        return dict(self.inner.get_item(**request))

    def delete_item(self, **request: Any) -> dict[str, Any]:
        return dict(self.inner.delete_item(**request))

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.sent += 1
        if self.sent == 1:
            self.inner.update_item(**request)  # lands; the answer never arrives
            if self.meanwhile is not None:
                self.meanwhile()
        return dict(self.inner.update_item(**request))


def test_a_session_end_sent_again_after_a_lost_answer_counts_once(table: Any, client: Any) -> None:
    lossy = AnswerLost(client)
    adapter = build_dynamodb_adapter(table.name, lossy)
    adapter.record_session("u", SessionEnd(1, ("dose",), "2026-12-06"))
    assert lossy.sent == 1
    assert build_dynamodb_adapter(table.name, client).get_attributes("u")["visits"] == 1

    # Also when another device's session end lands before the resent request.
    other = build_dynamodb_adapter(table.name, client)
    lossy = AnswerLost(
        client, lambda: other.record_session("v", SessionEnd(1, ("sleep",), "2026-12-06"))
    )
    build_dynamodb_adapter(table.name, lossy).record_session(
        "v", SessionEnd(1, ("dose",), "2026-12-06")
    )
    assert other.get_attributes("v")["visits"] == 2


class Unreached:
    """A client whose first `failures` UpdateItems never reach DynamoDB."""

    def __init__(self, inner: Any, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.sent = 0

    def get_item(self, **request: Any) -> dict[str, Any]:
        return dict(self.inner.get_item(**request))

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.sent += 1
        if self.sent <= self.failures:
            raise DynamoDbConnectionError("DynamoDB at test: TimeoutError: timed out")
        return dict(self.inner.update_item(**request))


def test_a_session_end_is_sent_again_once_when_dynamodb_was_not_reached(
    table: Any, client: Any
) -> None:
    once = Unreached(client, failures=1)
    build_dynamodb_adapter(table.name, once).record_session("u", SessionEnd(1, (), "2026-12-06"))
    assert once.sent == 2
    assert build_dynamodb_adapter(table.name, client).get_attributes("u")["visits"] == 1

    down = Unreached(client, failures=99)
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, down))
    adapter.record_session("u", SessionEnd(1, (), "2026-12-06"))
    assert not adapter.available
    assert down.sent == 2  # not more: a store that is down should not hold up the answer


def test_a_session_end_that_cannot_be_stored_degrades(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter("no-such-table", client))
    adapter.record_session("u", SessionEnd(1, ("dose",), "2026-12-06"))
    assert not adapter.available
    [record] = warnings_from(caplog)
    assert "ResourceNotFoundException" in record.getMessage()
