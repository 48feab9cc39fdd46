"""Same-user contention on DynamoDB (issue 21, item 5): do simultaneous sessions store?

`python -m bench.contention [--sessions N] [--runs R] [--path session|update]
[--server threaded|serial]`: N threads end a session for the same listener at the same
moment, through the adapter and client exactly as deployed (default_dynamodb_client,
ResilientPersistenceAdapter), against moto over HTTP in its own process. Each stores
one visit and two topics (one of 7, plus one all share).

- `--path session` (default): what the skill does at a session end since issue 21,
  `record_session`: one UpdateItem, `ADD visits, topics_heard` with no read.
- `--path update`: the earlier way, `update_attributes` (read, bump, conditional write,
  jittered retries within DEFAULT_UPDATE_BUDGET), kept for comparison.

`--server threaded` is moto's own server (bench/coldstart.py starts it; it answers
requests in parallel threads, and its item writes are not atomic as DynamoDB's are, so
it may itself lose an ADD); `--server serial` answers one request at a time, as
tests/test_persistence_dynamodb.py runs the concurrency tests. Reported per run: how
many of the N visits and how many of the 8 topics were stored, how many calls gave up
(and why), and the wall time.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.coldstart import TABLE, _create_table, moto_server

USER = "amzn1.ask.account.BUSY"
TOPICS = 7

SERIAL_SERVER = """
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.moto_server.threaded_moto_server import MotoRequestHandler
app = DomainDispatcherApplication(create_backend_app)
server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=MotoRequestHandler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def serial_moto() -> Iterator[dict[str, str]]:
    """moto answering one request at a time (its own process), with the table."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERIAL_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        endpoint = f"http://127.0.0.1:{int(server.stdout.readline())}"
        _create_table(endpoint)
        yield {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "SKILL_DYNAMODB_TABLE": TABLE,
        }
    finally:
        server.kill()
        server.wait()
        assert server.stdout is not None
        server.stdout.close()


def one_run(sessions: int, path: str) -> tuple[int, int, collections.Counter[str], float]:
    from skill.persistence import ResilientPersistenceAdapter, SessionEnd
    from skill.persistence.dynamodb import build_dynamodb_adapter

    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(TABLE))
    adapter.delete_attributes(USER)
    reasons: collections.Counter[str] = collections.Counter()

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            reasons[text.split(": ", 1)[-1][:110] if "failed" in text else "other"] += 1

    handler = Count(logging.WARNING)
    logging.getLogger("skill.persistence").addHandler(handler)
    gate = threading.Barrier(sessions)
    today = datetime.date.today().isoformat()

    def session_end(i: int) -> None:
        session = SessionEnd(1, (f"topic{i % TOPICS}", "dose"), today)
        gate.wait()
        if path == "session":
            adapter.record_session(USER, session)
        else:
            adapter.update_attributes(USER, session.apply)

    threads = [threading.Thread(target=session_end, args=(i,)) for i in range(sessions)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began
    logging.getLogger("skill.persistence").removeHandler(handler)
    stored: dict[str, Any] = adapter.get_attributes(USER)
    return int(stored.get("visits", 0)), len(stored.get("topics_heard", [])), reasons, took


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.contention")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--path", choices=("session", "update"), default="session")
    parser.add_argument("--server", choices=("threaded", "serial"), default="serial")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.server == "threaded":
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            aws = stack.enter_context(moto_server(Path(tmp)))
        else:
            aws = stack.enter_context(serial_moto())
        os.environ.update(aws)
        from skill.persistence.dynamodb import DEFAULT_UPDATE_BUDGET, FIRST_PAUSE, MAX_PAUSE

        how = (
            "record_session (one ADD, no read)"
            if args.path == "session"
            else f"update_attributes (budget {DEFAULT_UPDATE_BUDGET} s, "
            f"pauses up to {FIRST_PAUSE}-{MAX_PAUSE} s)"
        )
        print(
            f"{args.sessions} simultaneous session ends for one listener, "
            f"{args.server} moto over HTTP, {how}"
        )
        for run in range(args.runs):
            visits, topics, reasons, took = one_run(args.sessions, args.path)
            print(
                f"  run {run + 1}: {visits} of {args.sessions} visits, "
                f"{topics} of {TOPICS + 1} topics stored in {took:.2f} s"
            )
            for reason, count in reasons.most_common():
                print(f"    {count:4d} gave up: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
