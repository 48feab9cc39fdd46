"""User memory in one SQLite file, for the web service and local runs.

Connections are per process and per thread: gunicorn forks workers, and an SQLite
connection must never be used across a fork, so a pid change opens a fresh one.
WAL lets readers carry on while one writer commits; writers wait up to the busy
timeout for each other instead of failing at once.

Privacy: the folder is created 0700 and the database 0600 (SQLite gives its -wal and
-shm files the database's mode). Files from older releases are put right on open: the
database, -wal and -shm made 0600, and the folder 0700 if it holds nothing but
owner-only files (a shared folder such as /tmp is left alone, with a warning).
`secure_delete` zeroes deleted content, and "forget me" checkpoints and truncates the
WAL, so no earlier version of the record (nor the user id) stays behind in either file.

Retention: a listener not seen for RETENTION_DAYS is forgotten. Every write stamps
`updated_at`; an expired row reads as no memory, and a sweep deletes expired rows when
a connection opens and then at most once every SWEEP_INTERVAL on writes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from skill.persistence.base import (
    RETENTION_DAYS,
    RETENTION_SECONDS,
    Attributes,
    SessionEnd,
    UpdateFn,
    UserRef,
    user_id_of,
)

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT = 2.0
"""Seconds a write waits for another writer; well inside Alexa's 8 s response budget."""

SWEEP_INTERVAL = 24 * 60 * 60.0
"""Seconds between sweeps of expired rows in one long-lived process (a gunicorn worker)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS user_attributes (
    user_id    TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID
"""

_T = TypeVar("_T")

# Connections a child inherited through fork(). Kept referenced so the child never
# finalises them: closing SQLite handles the parent still uses is unsafe.
_inherited: list[sqlite3.Connection] = []


class _PerThread(threading.local):
    conn: sqlite3.Connection | None = None
    pid: int = 0
    swept_at: float = 0.0


class SqlitePersistenceAdapter(AbstractPersistenceAdapter):
    """Stores each Alexa user's attributes as one JSON row, keyed by user id.

    Nothing touches the disk until the first call, and a failed open is retried on
    the next call, so a missing or unwritable directory recovers once fixed.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.clock = clock
        self._local = _PerThread()

    def __repr__(self) -> str:
        return f"SqlitePersistenceAdapter({str(self.path)!r})"

    def get_attributes(self, request_envelope: UserRef) -> Attributes:
        """The user's attributes, or {} for a user never saved."""
        user_id = user_id_of(request_envelope)
        return self._run("read", lambda conn: _load(conn, user_id, self._expired_before()))

    def save_attributes(self, request_envelope: UserRef, attributes: Attributes) -> None:
        """Replace the user's attributes in one transaction."""
        user_id = user_id_of(request_envelope)
        text = _encode(attributes)

        def save(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                _store(conn, user_id, text, self.clock())
            self._sweep_if_due(conn)

        self._run("write", save)

    def delete_attributes(self, request_envelope: UserRef) -> None:
        """Forget the user entirely (no-op for an unknown user), in the WAL too.

        The delete zeroes the row (secure_delete); the checkpoint then copies the
        latest pages into the database and truncates the WAL, which held every
        earlier version of the record.
        """
        user_id = user_id_of(request_envelope)

        def delete(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                conn.execute("DELETE FROM user_attributes WHERE user_id = ?", (user_id,))
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                logger.warning("forget: the WAL is still in use; it is emptied at the next forget")

        self._run("delete", delete)

    def update_attributes(self, user: UserRef, fn: UpdateFn) -> Attributes:
        """Apply `fn` to the stored attributes and store its result, atomically.

        `BEGIN IMMEDIATE` takes the write lock before reading, so concurrent updates
        from any number of processes serialise and none is lost. `fn` runs once; an
        exception from it propagates unchanged and nothing is written.
        """
        user_id = user_id_of(user)

        def update(conn: sqlite3.Connection) -> Attributes:
            with _immediate(conn):
                updated = fn(_load(conn, user_id, self._expired_before()))
                _store(conn, user_id, _encode(updated), self.clock())
            self._sweep_if_due(conn)
            return updated

        return self._run("update", update)

    def record_session(self, user: UserRef, session: SessionEnd) -> None:
        """Count an ended session's visit and topics: a read-modify-write inside the same
        `BEGIN IMMEDIATE` transaction as `update_attributes` (one writer at a time)."""
        self.update_attributes(user, session.apply)

    def sweep(self) -> int:
        """Delete every row not written for RETENTION_SECONDS; return how many."""
        return self._run("sweep", self._sweep)

    def _expired_before(self) -> float:
        return self.clock() - RETENTION_SECONDS

    def _sweep(self, conn: sqlite3.Connection) -> int:
        with _immediate(conn):
            swept = conn.execute(
                "DELETE FROM user_attributes WHERE updated_at < ?", (self._expired_before(),)
            ).rowcount
        self._local.swept_at = self.clock()
        if swept:
            logger.info("forgot %d listener(s) not seen for %d days", swept, RETENTION_DAYS)
        return swept

    def _sweep_if_due(self, conn: sqlite3.Connection) -> None:
        if self.clock() - self._local.swept_at >= SWEEP_INTERVAL:
            self._sweep(conn)

    def close(self) -> None:
        """Close this thread's connection (the next call reopens one)."""
        conn, self._local.conn = self._local.conn, None
        if conn is None:
            return
        if self._local.pid == os.getpid():
            conn.close()
        else:
            _inherited.append(conn)

    def _run(self, what: str, op: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `op` on this thread's connection; sqlite/OS errors become PersistenceException."""
        try:
            return op(self._connection())
        except (sqlite3.Error, OSError) as exc:
            # A connection that failed may sit on a replaced or corrupt file: reopen next time.
            self.close()
            raise PersistenceException(
                f"SQLite {what} failed ({self.path}): {type(exc).__name__}: {exc}"
            ) from exc

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        pid = os.getpid()
        if local.conn is not None:
            if local.pid == pid:
                return local.conn
            _inherited.append(local.conn)
            local.conn = None
        local.conn, local.pid = self._open(), pid
        return local.conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created here, owner-only, before SQLite creates it with the process umask;
        # SQLite gives the -wal and -shm files the same mode.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        _owner_only(self.path)
        # isolation_level=None: no implicit transactions; every write is an explicit one.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        logger.debug("opened %s in pid %d", self.path, os.getpid())
        try:
            self._sweep(conn)
        except sqlite3.OperationalError as exc:  # busy: the next write's sweep is due anyway
            if not _is_busy(exc):
                conn.close()
                raise
            self._local.swept_at = 0.0
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Switch to WAL and create the table, retrying while other processes do the same.

        Switching journal mode and upgrading a read to a write can return SQLITE_BUSY
        at once, bypassing the busy timeout, when several workers open a new file
        together; so retry those until the busy timeout has passed.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone() != ("wal",):
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA secure_delete=ON")
                conn.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(random.uniform(0.005, 0.02))


#: The files SQLite keeps beside the database.
_COMPANIONS = ("-wal", "-shm", "-journal")


def _owner_only(path: Path) -> None:
    """Modes from older releases put right: the database and its companions 0600 (before
    SQLite opens them: it copies the database's mode to new -wal/-shm files), the folder
    0700 when it is the service's own (holds only owner-only files)."""
    files = [path, *(path.with_name(path.name + suffix) for suffix in _COMPANIONS)]
    for file in files:
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                os.chmod(file, 0o600)
                logger.info("%s was readable by others: now 0600", file)
    folder = path.parent
    if folder.stat().st_mode & 0o077:
        if all(_private_file(entry) for entry in folder.iterdir()):
            os.chmod(folder, 0o700)
            logger.info("%s was open to others: now 0700", folder)
        else:
            logger.warning(
                "%s is open to others and holds other files: left as it is; "
                "keep the database in a folder of its own",
                folder,
            )


def _private_file(entry: Path) -> bool:
    info = entry.lstat()
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction that holds the write lock from the start."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.execute("COMMIT")


def _load(conn: sqlite3.Connection, user_id: str, expired_before: float) -> Attributes:
    """The stored attributes, or {} for none or a row expired but not yet swept."""
    row = conn.execute(
        "SELECT attributes FROM user_attributes WHERE user_id = ? AND updated_at >= ?",
        (user_id, expired_before),
    ).fetchone()
    if row is None:
        return {}
    try:
        attributes: Any = json.loads(row[0])
    except (TypeError, ValueError) as exc:
        raise PersistenceException(f"stored attributes are not valid JSON: {exc}") from exc
    if not isinstance(attributes, dict):
        raise PersistenceException(
            f"stored attributes are a JSON {type(attributes).__name__}, not an object"
        )
    return attributes


def _encode(attributes: object) -> str:
    if not isinstance(attributes, dict):
        raise PersistenceException(f"attributes must be a dict, not {type(attributes).__name__}")
    try:
        return json.dumps(attributes, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise PersistenceException(f"attributes are not JSON-serialisable: {exc}") from exc


def _store(conn: sqlite3.Connection, user_id: str, text: str, now: float) -> None:
    conn.execute(
        "INSERT INTO user_attributes (user_id, attributes, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE"
        " SET attributes = excluded.attributes, updated_at = excluded.updated_at",
        (user_id, text, now),
    )
