"""Do requests get slower as the SQLite table grows? (issue 22, item 4)

`python -m bench.sqlite_slope [--rounds N] [--repeats R]`. Each variant is a fresh child
that imports the Lambda entry (lambda/lambda_function.py) and times `lambda_handler` on
the dispatch mix (bench/mix.py), CPU time per request (thread_time_ns), gc frozen after
warm-up as the entry does. Two things vary, one at a time:

* the table: SQLite memory on a file holding 0, 1,000 or 100,000 other listeners'
  records (each like a real one), the same 100 listeners talking;
* the harness: memory off, but the envelopes prepared for 100 or 10,000 listeners (a
  batch of the mix per listener, each batch used once per pass), as bench/dispatch.py
  does with `--users`.

Reported: p50 over all requests, and p50 over the requests that make no SQLite call at
all (in-session Dosage, BenefitDetail, Yes, More, Repeat, Help: memory is read when a
session opens and written when it closes), per variant; the median of the repeats with
their range. Variants run in a rotating order each repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import mix
from bench.common import ROOT

CHILD = """
import gc, json, os, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from bench import mix
users, rounds = int(sys.argv[3]), int(sys.argv[4])
import lambda_function
template = mix.ours_template()
batches = [mix.for_user(template, user) for user in mix.user_ids(users)]
for r in range(max(users, 200)):  # every listener once: rows exist, code paths warm
    for event in batches[r % users]:
        lambda_function.lambda_handler(event, None)
gc.freeze()
collections = [s["collections"] for s in gc.get_stats()]
times = [[] for _ in mix.LABELS]
clock = time.thread_time_ns
for r in range(rounds):
    for n, event in enumerate(batches[r % users]):
        began = clock()
        lambda_function.lambda_handler(event, None)
        times[n].append(clock() - began)
after = [s["collections"] for s in gc.get_stats()]
print(json.dumps({"times": times, "gc": [b - a for a, b in zip(collections, after)]}))
"""

NO_SQLITE = (2, 3, 4, 5, 6, 7)
"""Indexes in mix.LABELS of the requests inside an open session (no store call)."""


def populate(path: Path, rows: int) -> None:
    """`rows` other listeners, each with a record like the skill writes."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS user_attributes (user_id TEXT PRIMARY KEY,"
        " attributes TEXT NOT NULL, updated_at REAL NOT NULL) WITHOUT ROWID"
    )
    record = json.dumps(
        {
            "visits": 12,
            "first_seen": "2026-01-02",
            "heard": ["timing", "dosage", "benefits", "forms"],
            "last_topic": "timing",
            "quiet": False,
        },
        separators=(",", ":"),
    )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO user_attributes VALUES (?, ?, ?)",
        ((f"amzn1.ask.account.OTHER{n:07d}", record, time.time()) for n in range(rows)),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def child(env: dict[str, str], users: int, rounds: int) -> dict[str, list[list[int]]]:
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            CHILD,
            str(ROOT / "lambda"),
            str(ROOT),
            str(users),
            str(rounds),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed:\n{done.stderr[-3000:]}")
    result: dict[str, list[list[int]]] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sqlite_slope")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    base = {"PATH": os.environ.get("PATH", ""), "ALEXA_SKILL_ID": mix.APPLICATION_ID}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        base["HOME"] = str(home)
        variants: dict[str, tuple[dict[str, str], int, int]] = {}
        for rows in (0, 1000, 100_000):
            variants[f"SQLite, {rows} other rows, 100 users"] = (
                {**base, "SKILL_SQLITE_PATH": str(Path(tmp) / f"t{rows}.sqlite3")},
                100,
                rows,
            )
        for users in (100, 10_000):
            variants[f"no memory, envelopes for {users} users"] = (
                {**base, "SKILL_PERSISTENCE": "false"},
                users,
                -1,
            )
        results: dict[str, list[dict[str, list[list[int]]]]] = {key: [] for key in variants}
        keys = list(variants)
        for repeat in range(args.repeats):
            for key, (_, _, rows) in variants.items():  # a fresh table each repeat
                if rows >= 0:
                    path = Path(variants[key][0]["SKILL_SQLITE_PATH"])
                    for old in path.parent.glob(path.name + "*"):
                        old.unlink()
                    populate(path, rows)
            shift = repeat % len(keys)
            for key in keys[shift:] + keys[:shift]:
                env, users, _ = variants[key]
                results[key].append(child(env, users, args.rounds))
    print(
        f"SQLite slope: CPU time per request (thread_time), {args.rounds} rounds of the "
        f"{len(mix.LABELS)}-request mix, {args.repeats} repeats; median of repeats (range)"
    )
    print(f"  {'variant':<42}{'p50 all':>20}{'p50 no store call':>22}  gc collections")
    for key, runs in results.items():
        every = [statistics.median([t for ts in run["times"] for t in ts]) / 1000 for run in runs]
        quiet = [
            statistics.median([t for n in NO_SQLITE for t in run["times"][n]]) / 1000
            for run in runs
        ]
        gcs = "/".join(str(n) for n in runs[0]["gc"])
        print(
            f"  {key:<42}{statistics.median(every):>9.0f} µs ({min(every):.0f}-{max(every):.0f})"
            f"{statistics.median(quiet):>11.0f} µs ({min(quiet):.0f}-{max(quiet):.0f})  {gcs}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
