"""DynamoDB user memory through the SDK's adapter, against a real local moto server over HTTP."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from ask_sdk_model import Context, RequestEnvelope, User
from ask_sdk_model.interfaces.system import SystemState
from botocore.config import Config
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from skill.config import Settings
from skill.persistence import ResilientPersistenceAdapter, build_persistence_adapter

# The SDK's classes, imported through skill.persistence.dynamodb: importing
# ask_sdk_dynamodb.adapter directly fails without an AWS region (see that module).
from skill.persistence.dynamodb import (
    DynamoDbAdapter,
    build_dynamodb_adapter,
    user_id_partition_keygen,
)

ROOT = Path(__file__).resolve().parent.parent
FAST = Config(connect_timeout=0.5, read_timeout=2, retries={"mode": "standard", "max_attempts": 1})


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
def table(resource: Any) -> Iterator[Any]:
    table = create_table(resource)
    yield table
    table.delete()


@pytest.fixture
def adapter(table: Any, resource: Any) -> ResilientPersistenceAdapter:
    return ResilientPersistenceAdapter(build_dynamodb_adapter(table.name, resource))


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
    # Stored the way the SDK lays items out: partition key "id", dict under "attributes".
    item = table.get_item(Key={"id": "amzn1.ask.account.A"})["Item"]
    assert set(item) == {"id", "attributes"}


def test_delete(adapter: ResilientPersistenceAdapter) -> None:
    adapter.save_attributes(envelope("a"), {"visits": 1})
    adapter.save_attributes(envelope("b"), {"visits": 2})
    adapter.delete_attributes(envelope("a"))
    assert adapter.get_attributes(envelope("a")) == {}
    assert adapter.get_attributes(envelope("b")) == {"visits": 2}
    assert adapter.available


def test_update_is_get_then_save(adapter: ResilientPersistenceAdapter) -> None:
    assert not adapter.atomic_updates
    assert adapter.update_attributes(envelope("u"), bump) == {"visits": 1}
    assert adapter.update_attributes("u", bump) == {"visits": 2}
    assert adapter.get_attributes(envelope("u")) == {"visits": 2}
    assert adapter.available


def test_factory_builds_the_sdk_adapter(table: Any, resource: Any, tmp_path: Path) -> None:
    settings = Settings(dynamodb_table=table.name, sqlite_path=tmp_path / "unused.sqlite3")
    adapter = build_persistence_adapter(settings, dynamodb_resource=resource)

    assert isinstance(adapter, ResilientPersistenceAdapter)
    inner = adapter.inner
    assert isinstance(inner, DynamoDbAdapter)
    assert inner.table_name == table.name
    assert (inner.partition_key_name, inner.attribute_name) == ("id", "attributes")
    assert inner.create_table is False
    assert inner.partition_keygen is user_id_partition_keygen
    assert inner.dynamodb is resource

    adapter.save_attributes(envelope("u"), {"visits": 1})
    assert adapter.update_attributes(envelope("u"), bump) == {"visits": 2}
    assert adapter.get_attributes(envelope("u")) == {"visits": 2}
    adapter.delete_attributes(envelope("u"))
    assert adapter.get_attributes(envelope("u")) == {}
    assert not (tmp_path / "unused.sqlite3").exists()


def test_missing_table_degrades(resource: Any, caplog: pytest.LogCaptureFixture) -> None:
    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter("no-such-table", resource))
    assert adapter.get_attributes(envelope("u")) == {}
    assert not adapter.available
    [record] = warnings_from(caplog)
    assert "ResourceNotFoundException" in record.getMessage()


def test_throttling_degrades(adapter: ResilientPersistenceAdapter, resource: Any) -> None:
    with Stubber(resource.meta.client) as stub:
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException")
        stub.add_client_error("put_item", "ThrottlingException")
        assert adapter.get_attributes(envelope("u")) == {}
        assert not adapter.available
        adapter.save_attributes(envelope("u"), {"visits": 1})
        assert not adapter.available
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
            Settings(dynamodb_table=table.name), dynamodb_resource=resource
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
        assert all("EndpointConnectionError" in r.getMessage() for r in warned)
        assert all(r.exc_info is None for r in warned)

        server = start_server(port)  # the same endpoint comes back (moto keeps its state)
        running = True
        assert adapter.get_attributes(envelope("u")) == {"visits": 1}
        assert adapter.available
        table.delete()
    finally:
        if running:
            stop_server(server)


def test_dynamodb_import_needs_no_aws_config_and_restores_boto3(tmp_path: Path) -> None:
    """The SDK module builds a boto3 resource at import; that must not need a region."""
    script = (
        "import boto3\n"
        "from skill.config import ConfigError, Settings\n"
        "from skill.persistence import build_persistence_adapter\n"
        "session = boto3.session.Session(region_name='us-east-1',\n"
        "    aws_access_key_id='x', aws_secret_access_key='x')\n"
        "resource = session.resource('dynamodb')\n"
        "adapter = build_persistence_adapter(Settings(dynamodb_table='t'),\n"
        "    dynamodb_resource=resource)\n"
        "assert adapter.inner.dynamodb is resource\n"
        "assert boto3.DEFAULT_SESSION is None, boto3.DEFAULT_SESSION\n"
        "try:\n"
        "    build_persistence_adapter(Settings(dynamodb_table='t'))\n"
        "except ConfigError as exc:\n"
        "    assert 'AWS_REGION' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no region should be a ConfigError')\n"
        "assert boto3.DEFAULT_SESSION is None, boto3.DEFAULT_SESSION\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)


def test_default_resource_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    adapter = build_persistence_adapter(Settings(dynamodb_table="t"))
    assert adapter is not None
    inner = adapter.inner
    assert isinstance(inner, DynamoDbAdapter)
    config = inner.dynamodb.meta.client.meta.config
    assert inner.dynamodb.meta.client.meta.region_name == "eu-west-1"
    assert config.connect_timeout <= 1
    assert config.read_timeout <= 2
    assert config.retries["total_max_attempts"] <= 2
