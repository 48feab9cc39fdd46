"""SQLite user memory: round trips, atomic updates across processes, and graceful faults."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import Context, RequestEnvelope, User
from ask_sdk_model.interfaces.system import SystemState

from skill.config import Settings
from skill.persistence import (
    ResilientPersistenceAdapter,
    SessionEnd,
    SqlitePersistenceAdapter,
    build_persistence_adapter,
)
from skill.persistence.base import RETENTION_DAYS, RETENTION_SECONDS
from skill.persistence.sqlite import SWEEP_INTERVAL
from testing import ROOT

FAST_BUSY = 0.1


def envelope(user_id: str | None) -> RequestEnvelope:
    """A request envelope carrying just the Alexa user id, as the SDK hands it over."""
    return RequestEnvelope(context=Context(system=SystemState(user=User(user_id=user_id))))


def bump(attributes: dict[str, Any]) -> dict[str, Any]:
    attributes["visits"] = attributes.get("visits", 0) + 1
    return attributes


@pytest.fixture
def store(db_path: Path) -> SqlitePersistenceAdapter:
    return SqlitePersistenceAdapter(db_path, busy_timeout=FAST_BUSY)


@pytest.fixture
def resilient(store: SqlitePersistenceAdapter) -> ResilientPersistenceAdapter:
    return ResilientPersistenceAdapter(store)


def warnings_from(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


# --- the plain adapter -------------------------------------------------------------


def test_round_trip_creates_directory_and_survives_a_new_adapter(
    store: SqlitePersistenceAdapter, db_path: Path
) -> None:
    attributes = {
        "first_seen": "2024-01-02",
        "visits": 3,
        "topics_heard": ["dose", "timing"],
        "last_topic": "timing",
        "voice": {"rate": "slow"},
        "bedtime": 22.5,
        "note": "naïve ☾",
    }
    assert store.get_attributes(envelope("amzn1.ask.account.A")) == {}
    store.save_attributes(envelope("amzn1.ask.account.A"), attributes)

    assert db_path.is_file()
    assert store.get_attributes(envelope("amzn1.ask.account.A")) == attributes
    assert store.get_attributes(envelope("amzn1.ask.account.B")) == {}
    assert SqlitePersistenceAdapter(db_path).get_attributes("amzn1.ask.account.A") == attributes


def test_database_is_in_wal_mode(store: SqlitePersistenceAdapter, db_path: Path) -> None:
    store.save_attributes("u", {"visits": 1})
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_save_replaces_the_whole_dict(store: SqlitePersistenceAdapter) -> None:
    store.save_attributes("u", {"visits": 1, "last_topic": "dose"})
    store.save_attributes("u", {"visits": 2})
    assert store.get_attributes("u") == {"visits": 2}


def test_delete_forgets_only_that_user(store: SqlitePersistenceAdapter) -> None:
    store.save_attributes(envelope("a"), {"visits": 1})
    store.save_attributes(envelope("b"), {"visits": 2})
    store.delete_attributes(envelope("a"))
    store.delete_attributes(envelope("never-seen"))
    assert store.get_attributes(envelope("a")) == {}
    assert store.get_attributes(envelope("b")) == {"visits": 2}


def _raw_files(db_path: Path) -> dict[str, bytes]:
    """The bytes of the database and its -wal and -shm files, as a thief would read them."""
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    files.append(db_path.with_name(db_path.name + "-shm"))
    return {path.name: path.read_bytes() for path in files if path.exists()}


def test_forget_leaves_no_copy_in_the_database_or_its_wal(
    store: SqlitePersistenceAdapter, db_path: Path
) -> None:
    forgotten, kept = "amzn1.ask.account.FORGET-ME", "amzn1.ask.account.KEEP-ME"
    for visit in range(200):  # 200 versions of the record, each a WAL frame
        store.update_attributes(envelope(forgotten), bump)
        store.save_attributes(envelope(kept), {"visits": visit, "note": "keep-this-note"})
    store.save_attributes(envelope(forgotten), {"visits": 201, "bedtime": "secret-bedtime"})
    before = b"".join(_raw_files(db_path).values())
    assert forgotten.encode() in before and b"secret-bedtime" in before  # the control

    store.delete_attributes(envelope(forgotten))

    raw = _raw_files(db_path)
    assert set(raw) >= {"users.sqlite3"}
    for name, data in raw.items():
        assert forgotten.encode() not in data, name
        assert b"FORGET-ME" not in data and b"secret-bedtime" not in data, name
    assert raw.get("users.sqlite3-wal", b"") == b""  # truncated
    assert kept.encode() in raw["users.sqlite3"]  # the other listener is still there
    assert store.get_attributes(envelope(kept)) == {"visits": 199, "note": "keep-this-note"}


def test_files_are_private_to_the_owner(tmp_path: Path) -> None:
    db_path = tmp_path / "fresh" / "users.sqlite3"
    store = SqlitePersistenceAdapter(db_path)
    old_umask = os.umask(0o022)  # the usual umask, which would give -rw-r--r--
    try:
        store.save_attributes(envelope("u"), {"visits": 1})
    finally:
        os.umask(old_umask)
    assert db_path.parent.stat().st_mode & 0o777 == 0o700
    for path in db_path.parent.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name
    assert {p.name for p in db_path.parent.iterdir()} >= {"users.sqlite3", "users.sqlite3-wal"}


def test_files_from_an_older_release_are_made_private_on_open(tmp_path: Path) -> None:
    """Issue 21: a 0644 database and 0755 folder stayed so, and new -wal/-shm came out 0644."""
    folder = tmp_path / "bedtime-magnesium"
    db_path = folder / "users.sqlite3"
    old_umask = os.umask(0o022)
    try:
        folder.mkdir(mode=0o755)
        SqlitePersistenceAdapter(db_path).save_attributes(envelope("u"), {"visits": 1})
        for path in [folder, *folder.iterdir()]:  # as the previous release left them
            path.chmod(0o755 if path.is_dir() else 0o644)
        store = SqlitePersistenceAdapter(db_path)
        store.save_attributes(envelope("u"), {"visits": 2})
    finally:
        os.umask(old_umask)
    assert folder.stat().st_mode & 0o777 == 0o700
    names = {p.name for p in folder.iterdir()}
    assert names >= {"users.sqlite3", "users.sqlite3-wal", "users.sqlite3-shm"}
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name


def test_a_shared_folder_is_left_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "someone-elses.txt").write_text("x")
    shared.chmod(0o755)
    SqlitePersistenceAdapter(shared / "users.sqlite3").save_attributes(envelope("u"), {})
    assert shared.stat().st_mode & 0o777 == 0o755
    assert "left as it is" in caplog.text
    assert (shared / "users.sqlite3").stat().st_mode & 0o777 == 0o600


def test_update_applies_function_and_returns_result(store: SqlitePersistenceAdapter) -> None:
    assert store.update_attributes(envelope("u"), bump) == {"visits": 1}
    assert store.update_attributes("u", bump) == {"visits": 2}
    assert store.get_attributes(envelope("u")) == {"visits": 2}


def test_update_function_error_propagates_and_writes_nothing(
    store: SqlitePersistenceAdapter,
) -> None:
    store.save_attributes("u", {"visits": 1})

    def broken(attributes: dict[str, Any]) -> dict[str, Any]:
        attributes["visits"] = 99
        raise KeyError("bug in handler")

    with pytest.raises(KeyError):
        store.update_attributes("u", broken)
    assert store.get_attributes("u") == {"visits": 1}
    assert store.update_attributes("u", bump) == {"visits": 2}  # connection still usable


def test_threads_sharing_one_adapter_lose_no_increments(db_path: Path) -> None:
    store = SqlitePersistenceAdapter(db_path, busy_timeout=30)

    def work() -> None:
        for _ in range(50):
            store.update_attributes("shared", bump)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get_attributes("shared") == {"visits": 200}


def test_session_ends_are_counted_in_the_transaction(db_path: Path) -> None:
    """record_session is the same read-modify-write inside BEGIN IMMEDIATE: a record
    written before keeps its layout, and 4 threads' 50 session ends each all count."""
    store = SqlitePersistenceAdapter(db_path, busy_timeout=30)
    store.save_attributes("u", {"visits": 2, "topics_heard": ["dose"], "voice": "quiet"})
    store.record_session("u", SessionEnd(1, ("timing", "dose"), "2026-12-06"))
    assert store.get_attributes("u") == {
        "visits": 3,
        "topics_heard": ["dose", "timing"],
        "last_topic": "dose",
        "first_seen": "2026-12-06",
        "voice": "quiet",
    }

    def work(i: int) -> None:
        for _ in range(50):
            store.record_session("shared", SessionEnd(1, (f"t{i}",), "2026-12-06"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shared = store.get_attributes("shared")
    assert shared["visits"] == 200
    assert sorted(shared["topics_heard"]) == ["t0", "t1", "t2", "t3"]


def _increment_in_process(path: str, user_ids: list[str], rounds: int, start: Barrier) -> None:
    """Runs in a spawned process: a fresh adapter hammering the same file."""
    store = SqlitePersistenceAdapter(Path(path), busy_timeout=30)
    start.wait()  # all processes begin together, so their updates really interleave
    for _ in range(rounds):
        for user_id in user_ids:
            store.update_attributes(user_id, bump)


def test_concurrent_processes_lose_no_increments(db_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(4)
    workers = [
        ctx.Process(
            target=_increment_in_process, args=(str(db_path), ["shared", f"own-{n}"], 50, start)
        )
        for n in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]

    store = SqlitePersistenceAdapter(db_path)
    assert store.get_attributes("shared") == {"visits": 200}
    for n in range(4):
        assert store.get_attributes(f"own-{n}") == {"visits": 50}


def test_forked_child_opens_its_own_connection(db_path: Path) -> None:
    store = SqlitePersistenceAdapter(db_path, busy_timeout=30)
    store.update_attributes("u", bump)  # the parent now holds an open connection

    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=lambda: [store.update_attributes("u", bump) for _ in range(50)])
    child.start()
    for _ in range(50):
        store.update_attributes("u", bump)
    child.join(timeout=60)

    assert child.exitcode == 0
    assert store.get_attributes("u") == {"visits": 101}


def test_pid_change_discards_inherited_connection(
    store: SqlitePersistenceAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_attributes("u", {"visits": 1})
    inherited = store._connection()
    monkeypatch.setattr(os, "getpid", lambda: -1)
    fresh = store._connection()
    assert fresh is not inherited
    assert store.get_attributes("u") == {"visits": 1}
    inherited.execute("SELECT 1")  # left open, not closed under the parent's feet


@pytest.mark.parametrize("stored", ["{not json", "[1, 2]", '"text"'])
def test_corrupt_row_is_an_error_not_empty(
    store: SqlitePersistenceAdapter, db_path: Path, stored: str
) -> None:
    store.save_attributes("u", {"visits": 1})
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE user_attributes SET attributes = ? WHERE user_id = 'u'", (stored,))

    with pytest.raises(PersistenceException):
        store.get_attributes("u")
    with pytest.raises(PersistenceException):
        store.update_attributes("u", bump)


@pytest.mark.parametrize(
    "attributes", [{"when": object()}, {"bedtime": float("nan")}, ["not", "a", "dict"]]
)
def test_unserialisable_attributes_raise_persistence_exception(
    store: SqlitePersistenceAdapter, attributes: Any
) -> None:
    with pytest.raises(PersistenceException):
        store.save_attributes("u", attributes)
    assert store.get_attributes("u") == {}


@pytest.mark.parametrize("user", [envelope(None), envelope(""), RequestEnvelope(), ""])
def test_missing_user_id_raises_persistence_exception(
    store: SqlitePersistenceAdapter, user: Any
) -> None:
    with pytest.raises(PersistenceException, match="user id"):
        store.get_attributes(user)


def test_sqlite_failure_raises_persistence_exception(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("a regular file, not a directory")
    store = SqlitePersistenceAdapter(tmp_path / "afile" / "db.sqlite3")
    with pytest.raises(PersistenceException, match="SQLite read failed"):
        store.get_attributes("u")


# --- the resilient wrapper over SQLite faults ---------------------------------------


def test_resilient_passes_through_when_healthy(resilient: ResilientPersistenceAdapter) -> None:
    resilient.save_attributes(envelope("u"), {"visits": 1})
    assert resilient.get_attributes(envelope("u")) == {"visits": 1}
    assert resilient.update_attributes(envelope("u"), bump) == {"visits": 2}
    resilient.delete_attributes(envelope("u"))
    assert resilient.get_attributes(envelope("u")) == {}
    assert resilient.available


def test_works_through_the_sdk_attributes_manager(
    resilient: ResilientPersistenceAdapter,
) -> None:
    """The SDK calls adapters with keyword arguments; the names must match its own."""
    manager = AttributesManager(request_envelope=envelope("u"), persistence_adapter=resilient)
    manager.persistent_attributes["visits"] = 1
    manager.save_persistent_attributes()
    again = AttributesManager(request_envelope=envelope("u"), persistence_adapter=resilient)
    assert again.persistent_attributes == {"visits": 1}
    again.delete_persistent_attributes()
    assert resilient.get_attributes(envelope("u")) == {}


def test_writer_lock_degrades_writes_while_reads_continue(
    resilient: ResilientPersistenceAdapter, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    resilient.save_attributes(envelope("u"), {"visits": 1})
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        caplog.clear()
        resilient.save_attributes(envelope("u"), {"visits": 5})
        assert not resilient.available
        assert resilient.update_attributes(envelope("u"), bump) == {}
        assert not resilient.available
        resilient.delete_attributes(envelope("u"))
        assert not resilient.available
        assert len(warnings_from(caplog)) == 3

        # WAL: readers are not blocked by a writer.
        assert resilient.get_attributes(envelope("u")) == {"visits": 1}
        assert resilient.available
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert resilient.update_attributes(envelope("u"), bump) == {"visits": 2}
    assert resilient.available


def test_exclusive_lock_degrades_reads_and_recovers(
    resilient: ResilientPersistenceAdapter,
    store: SqlitePersistenceAdapter,
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    resilient.save_attributes(envelope("u"), {"visits": 1})
    store.close()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        caplog.clear()
        assert resilient.get_attributes(envelope("u")) == {}
        assert not resilient.available
        [record] = warnings_from(caplog)
        assert "database is locked" in record.getMessage()
        assert record.exc_info is None
        assert "\n" not in record.getMessage()
    finally:
        blocker.close()

    assert resilient.get_attributes(envelope("u")) == {"visits": 1}
    assert resilient.available


def test_unwritable_location_degrades_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="skill.persistence")
    blocker = tmp_path / "afile"
    blocker.write_text("a regular file where the data directory should be")
    resilient = ResilientPersistenceAdapter(SqlitePersistenceAdapter(blocker / "db.sqlite3"))

    assert resilient.get_attributes(envelope("u")) == {}
    assert not resilient.available
    resilient.save_attributes(envelope("u"), {"visits": 1})
    assert not resilient.available
    resilient.delete_attributes(envelope("u"))
    assert resilient.update_attributes("u", bump) == {}
    assert not resilient.available
    assert len(warnings_from(caplog)) == 4

    blocker.unlink()
    resilient.save_attributes(envelope("u"), {"visits": 1})
    assert resilient.available
    assert resilient.get_attributes(envelope("u")) == {"visits": 1}
    assert "available again" in caplog.records[-1].getMessage()


def test_corrupt_database_file_degrades_and_recovers(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not an SQLite database\x00\xff" * 200)
    resilient = ResilientPersistenceAdapter(SqlitePersistenceAdapter(db_path))

    assert resilient.get_attributes(envelope("u")) == {}
    assert not resilient.available
    resilient.save_attributes(envelope("u"), {"visits": 1})
    assert resilient.update_attributes(envelope("u"), bump) == {}
    resilient.delete_attributes(envelope("u"))
    assert not resilient.available
    assert len(warnings_from(caplog)) == 4
    assert "not a database" in warnings_from(caplog)[0].getMessage()

    db_path.unlink()  # an operator moves the bad file aside
    assert resilient.update_attributes(envelope("u"), bump) == {"visits": 1}
    assert resilient.available


def test_corrupt_row_degrades_to_empty(
    resilient: ResilientPersistenceAdapter, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    resilient.save_attributes("u", {"visits": 1})
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE user_attributes SET attributes = '{oops' WHERE user_id = 'u'")
    assert resilient.get_attributes(envelope("u")) == {}
    assert not resilient.available
    assert "not valid JSON" in warnings_from(caplog)[0].getMessage()


def test_resilient_update_lets_caller_bugs_propagate(
    resilient: ResilientPersistenceAdapter,
) -> None:
    def broken(attributes: dict[str, Any]) -> dict[str, Any]:
        raise ZeroDivisionError("handler bug")

    with pytest.raises(ZeroDivisionError):
        resilient.update_attributes("u", broken)


def test_available_is_per_thread(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    broken = ResilientPersistenceAdapter(SqlitePersistenceAdapter(tmp_path / "afile" / "db"))
    broken.get_attributes("u")
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(broken.available))
    thread.start()
    thread.join()
    assert seen == [True]
    assert not broken.available


# --- the factory ---------------------------------------------------------------------


def test_factory_returns_none_when_persistence_is_off(tmp_path: Path) -> None:
    settings = Settings(sqlite_path=tmp_path / "x.sqlite3", persistence=False)
    assert build_persistence_adapter(settings) is None


def test_factory_builds_resilient_sqlite_by_default(tmp_path: Path) -> None:
    adapter = build_persistence_adapter(Settings(sqlite_path=tmp_path / "m" / "u.sqlite3"))
    assert isinstance(adapter, ResilientPersistenceAdapter)
    assert isinstance(adapter.inner, SqlitePersistenceAdapter)
    assert adapter.inner.path == tmp_path / "m" / "u.sqlite3"
    adapter.save_attributes(envelope("u"), {"visits": 1})
    assert adapter.get_attributes(envelope("u")) == {"visits": 1}


def test_sqlite_path_does_not_import_boto3(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from skill.config import Settings\n"
        "from skill.persistence import build_persistence_adapter\n"
        "a = build_persistence_adapter(Settings(sqlite_path=Path(sys.argv[1])))\n"
        "a.save_attributes('u', {'visits': 1})\n"
        "assert a.get_attributes('u') == {'visits': 1}, a.get_attributes('u')\n"
        "heavy = ('boto3', 'botocore', 'ask_sdk_dynamodb')\n"
        "leaked = sorted(m for m in heavy if m in sys.modules)\n"
        "assert not leaked, leaked\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "u.sqlite3")],
        cwd=ROOT,
        check=True,
        timeout=60,
    )


def test_a_listener_not_seen_for_400_days_is_swept(db_path: Path) -> None:
    """Retention: a row not written for RETENTION_DAYS reads as no memory at once and is
    deleted by the sweep that runs when a connection opens (and daily on writes)."""
    assert RETENTION_DAYS == 400
    now = [1_800_000_000.0]
    store = SqlitePersistenceAdapter(db_path, clock=lambda: now[0])
    store.save_attributes("amzn1.ask.account.OLD", {"visits": 3})
    now[0] += 200 * 86400
    store.save_attributes("amzn1.ask.account.RECENT", {"visits": 1})
    now[0] += 200 * 86400  # OLD: exactly 400 days, RECENT: 200
    assert store.get_attributes("amzn1.ask.account.OLD") == {"visits": 3}
    now[0] += 1
    assert store.get_attributes("amzn1.ask.account.OLD") == {}  # expired, not yet swept
    store.close()

    reopened = SqlitePersistenceAdapter(db_path, clock=lambda: now[0])
    assert reopened.get_attributes("amzn1.ask.account.RECENT") == {"visits": 1}  # opens: sweeps
    with sqlite3.connect(db_path) as raw:
        rows = raw.execute("SELECT user_id FROM user_attributes").fetchall()
    assert rows == [("amzn1.ask.account.RECENT",)]
    reopened.close()


def test_a_long_running_process_sweeps_daily_on_writes(db_path: Path) -> None:
    now = [1_800_000_000.0]
    store = SqlitePersistenceAdapter(db_path, clock=lambda: now[0])
    store.save_attributes("amzn1.ask.account.OLD", {"visits": 3})
    now[0] += RETENTION_SECONDS + SWEEP_INTERVAL
    store.update_attributes("amzn1.ask.account.NEW", bump)  # same connection, sweep due
    with sqlite3.connect(db_path) as raw:
        rows = raw.execute("SELECT user_id FROM user_attributes").fetchall()
    assert rows == [("amzn1.ask.account.NEW",)]
    assert store.sweep() == 0
    store.close()
