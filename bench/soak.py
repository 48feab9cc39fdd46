"""Soak and fault run: gunicorn under a minute of signed, whole-session load, with faults.

`make soak` (or `.venv/bin/python -B -m bench.soak`); not part of the test suite. About
65 s: gunicorn with 2 sync workers on 127.0.0.1 serves `bench.app:app` (the
production app, configured from the environment, verification on against the test PKI,
SQLite memory in a temp dir), while client threads play 200 listeners. Each listener's
sessions are sequential, as a person's are: "open" (LaunchRequest, new session), one to
three questions, then "stop" (or a SessionEndedRequest); or a one-shot question. Every
body is signed with `testing.pki`. Nothing is written inside the repository.

Faults, each a few seconds while the load runs, then cleared:
  (a) the database locked: another process holds BEGIN EXCLUSIVE for 3 s;
  (b) the database directory unwritable (chmod; skipped as root, which ignores it);
  (c) the certificate fetch hanging: a new SignatureCertChainUrl (not yet cached) is used
      while the fetch hangs; it must be refused (400) within the fetch timeout
      (SKILL_CERT_FETCH_TIMEOUT=1) without holding up other requests for long, and the
      same URL must work once the fault clears;
  (d) the Reminders API down (503), then slow (past SKILL_API_TIMEOUT=1): "remind me at
      9:15" gets the calm "couldn't reach" answer in time, and works again afterwards
      (requests point their apiEndpoint at testing/fake_alexa_api.py over TLS; the workers
      trust its CA through REQUESTS_CA_BUNDLE). Skipped with a note if not wired yet.

Invariants (exit status 1 if any fails):
  * every load request gets 200, a valid envelope with well-formed SSML, the words
    expected for it, and never the apology (also during faults); probes in (c) get 400;
  * no lost writes: after the run, each listener's stored `visits` and `topics_heard`
    are checked against what the driver did. A request whose [sent, answered] interval
    overlaps a database fault window (a, b; from just before the locker process starts
    to just after it reports the release) may have had its write skipped (the skill
    answers without memory by design), and so may every request of its session, since
    the skill writes a session's visit and topics once, when the session ends: those
    are counted and reported, not failed. Every other request must be in the store:
    visits_outside <= visits <= sessions_started and
    topics_outside <= topics_heard <= topics_asked, per listener. "Skipped" counts
    what was sent but is not stored; the server's "carrying on without it" warnings count
    every failed write, including ones that only repeated a topic already stored;
  * no worker restarts, no "error handling"/"unexpected error" lines in the server log;
  * worker RSS grows by less than RSS_GROWTH_LIMIT_MIB between start and end of load.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, clean_env
from bench.harness import children, gunicorn, wait_ready, write_pki
from bench.soak_faults import (
    API_TIMEOUT,
    FETCH_TIMEOUT,
    Window,
    hanging_cert_fetch,
    lock_database,
    reminders_fault,
    unwritable_directory,
)
from bench.soak_load import Load, Sent
from bench.soak_report import check_memory, report
from testing import envelopes

# gunicorn options of the soak; bench/harness.py adds 2 sync workers and the bind.
OPTIONS = ("--no-control-socket", "--graceful-timeout=5")


def rss_mib(pid: int) -> float | None:
    """Resident memory of `pid` in MiB (/proc), or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def private_mib(pid: int) -> float | None:
    """Memory only `pid` holds (Private_Clean + Private_Dirty, /proc smaps_rollup), in MiB.

    With `--preload` the workers share the master's pages until they write to them, so
    RSS counts shared pages in every worker; this counts what each worker adds.
    """
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    kib = sum(int(line.split()[1]) for line in lines if line.startswith("Private_"))
    return kib / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--preload", action="store_true", help="gunicorn --preload (the app built in the master)"
    )
    args = parser.parse_args(argv)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bedtime-soak-") as name:
        return run(
            Path(name), args.seconds, args.users, args.threads, args.seed, began, args.preload
        )


def run(
    tmp: Path,
    seconds: float,
    users: int,
    threads: int,
    seed: int,
    began: float,
    preload: bool = False,
) -> int:
    pki_dir, fault_dir, data_dir = tmp / "pki", tmp / "faults", tmp / "data"
    for directory in (pki_dir, fault_dir, data_dir):
        directory.mkdir()
    write_pki(pki_dir)
    db = data_dir / "users.sqlite3"
    windows = {key: Window(key) for key in ("a", "b", "c", "d")}
    failures: list[str] = []
    rss: dict[int, list[float]] = {}
    private: dict[int, list[float]] = {}
    probes: list[Sent] = []
    with contextlib.ExitStack() as stack:
        blackhole = stack.enter_context(socket.socket())
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)  # never accepted: a connect succeeds, then nothing ever answers
        env = clean_env(
            ALEXA_SKILL_ID=envelopes.APPLICATION_ID,
            SKILL_SQLITE_PATH=str(db),
            SKILL_CERT_FETCH_TIMEOUT=str(FETCH_TIMEOUT),
            SKILL_API_TIMEOUT=str(API_TIMEOUT),
            SKILL_LOG_LEVEL="INFO",
            BENCH_PKI_DIR=str(pki_dir),
            BENCH_FAULT_DIR=str(fault_dir),
            BENCH_BLACKHOLE=f"127.0.0.1:{blackhole.getsockname()[1]}",
            PYTHONDONTWRITEBYTECODE="1",
        )
        api: Any = None
        if not windows["d"].skipped:
            from testing.fake_alexa_api import fake_alexa_api

            api = stack.enter_context(fake_alexa_api())
            env["REQUESTS_CA_BUNDLE"] = api.ca_path  # requests honours it when verify=True
        log = tmp / "gunicorn.log"
        options = (*OPTIONS, f"--worker-tmp-dir={tmp}", *(["--preload"] if preload else []))
        server = stack.enter_context(
            gunicorn("soak", "bench.app:app", chdir=ROOT, env=env, log=log, options=options)
        )
        wait_ready(server, timeout=60)
        port, process = server.port, server.process
        pids = children(process.pid)
        load = Load(port, users, threads, seed)
        load.start()
        t0 = time.monotonic()
        try:

            def at(offset: float) -> None:
                time.sleep(max(0.0, t0 + offset * seconds / 60 - time.monotonic()))

            def sample() -> None:
                for pid in pids:
                    value = rss_mib(pid)
                    if value is not None:
                        rss.setdefault(pid, []).append(value)
                    own = private_mib(pid)
                    if own is not None:
                        private.setdefault(pid, []).append(own)

            at(5)
            sample()
            at(10)
            lock_database(db, windows["a"])
            sample()
            at(20)
            probes += hanging_cert_fetch(port, fault_dir, windows["c"])
            sample()
            at(32)
            unwritable_directory(db, windows["b"])
            at(40)
            if api is not None:
                probes += reminders_fault(port, api, windows["d"])
            sample()
            at(60)
        finally:
            load_seconds = time.monotonic() - t0
            if not load.stop(timeout=30):
                failures.append("client threads did not finish within 30 s")
        sample()
        if children(process.pid) != pids or process.poll() is not None:
            failures.append(f"workers changed: {pids} -> {children(process.pid)}")
    log_text = log.read_text(errors="replace")
    sent = load.all_sent()
    memory = check_memory(load.listeners, sent, [windows["a"], windows["b"]], db)
    return report(
        sent=sent,
        probes=probes,
        windows=windows,
        memory=memory,
        rss=rss,
        private=private,
        preload=preload,
        log=log_text,
        load_seconds=load_seconds,
        sessions=load.sessions,
        users=users,
        threads=threads,
        failures=failures,
        total_seconds=time.monotonic() - began,
    )


if __name__ == "__main__":
    sys.exit(main())
