"""Same-user contention on DynamoDB (issue 21, item 5): do simultaneous sessions store?

`python -m bench.contention [--sessions N] [--runs R]`: N threads end a session for the
same listener at the same moment, each one `update_attributes` (read, bump the visit
count, conditional write) through the adapter and client exactly as deployed
(default_dynamodb_client, DEFAULT_UPDATE_BUDGET, jittered retries), against moto over
HTTP (its own process, threaded, as bench/coldstart.py starts it). Reported per run: how
many of the N were stored, how many gave up (and why), and the wall time.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.coldstart import TABLE, moto_server

USER = "amzn1.ask.account.BUSY"


def one_run(sessions: int) -> tuple[int, collections.Counter[str], float]:
    from skill.persistence import ResilientPersistenceAdapter
    from skill.persistence.dynamodb import build_dynamodb_adapter

    adapter = ResilientPersistenceAdapter(build_dynamodb_adapter(TABLE))
    adapter.delete_attributes(USER)
    reasons: collections.Counter[str] = collections.Counter()

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            reasons[text.split(": ", 1)[-1][:70] if "failed" in text else "other"] += 1

    handler = Count(logging.WARNING)
    logging.getLogger("skill.persistence").addHandler(handler)
    gate = threading.Barrier(sessions)

    def bump(attributes: dict[str, Any]) -> dict[str, Any]:
        attributes["visits"] = attributes.get("visits", 0) + 1
        return attributes

    def session_end() -> None:
        gate.wait()
        adapter.update_attributes(USER, bump)

    threads = [threading.Thread(target=session_end) for _ in range(sessions)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began
    logging.getLogger("skill.persistence").removeHandler(handler)
    stored = int(adapter.get_attributes(USER).get("visits", 0))
    return stored, reasons, took


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.contention")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, moto_server(Path(tmp)) as aws:
        os.environ.update(aws)
        from skill.persistence.dynamodb import DEFAULT_UPDATE_BUDGET, FIRST_PAUSE, MAX_PAUSE

        print(
            f"{args.sessions} simultaneous session ends for one listener, moto over HTTP; "
            f"budget {DEFAULT_UPDATE_BUDGET} s, pauses up to {FIRST_PAUSE}-{MAX_PAUSE} s"
        )
        for run in range(args.runs):
            stored, reasons, took = one_run(args.sessions)
            print(f"  run {run + 1}: {stored} of {args.sessions} stored in {took:.1f} s")
            for reason, count in reasons.most_common():
                print(f"    {count:4d} gave up: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
