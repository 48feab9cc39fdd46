"""The per-request JSON log line (skill/logs.py), through a pipe as Lambda's runtime reads it.

`python -m bench.request_line [--lines N] [--repeats R]`: a child process whose stderr is
a pipe that this process drains (as the Lambda runtime drains a function's stderr) writes
request lines the way a request does (`begin_request`, `describe`, `end_request`), and
times each one. Three ways, interleaved in a new random order every round:

* `os.write`: what `configure_logging` sets up (RequestLineWriter: format once, one write);
* `logging`: the same text through a `logging.StreamHandler` on sys.stderr, as before;
* `format only`: the line built and thrown away (what the writing itself adds is the rest).

Each repeat is a fresh child; the figures are the median over repeats of each repeat's
p50 and p99 (perf_counter_ns around each line), with the range.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading

from bench.common import ROOT

CHILD = """
import json, logging, random, sys, time
sys.path.insert(0, sys.argv[2])
from skill import logs
logs.configure_logging("INFO")
fast = logs._write
handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(logging.Formatter("%(message)s"))
logger = logging.getLogger(logs.REQUEST_LOGGER)
logger.addHandler(handler)
logger.setLevel(logging.INFO)
logger.propagate = False
ways = {"os.write": fast, "logging": logger.info, "format only": lambda text: None}
event = {"request": {"type": "IntentRequest", "intent": {"name": "TimingIntent"}}}
lines, rounds = int(sys.argv[1]), 100
times = {way: [] for way in ways}
order = list(ways)
clock = time.perf_counter_ns
for r in range(rounds + 10):
    random.shuffle(order)
    for way in order:
        logs.write_request_lines(ways[way])
        out = times[way]
        for _ in range(lines // rounds):
            began = clock()
            line = logs.begin_request("lambda")
            line.describe(event)
            logs.end_request(line)
            spent = clock() - began
            if r >= 10:
                out.append(spent)
print(json.dumps(times))
"""


def _drain(stream: object, seen: list[int]) -> None:
    total = 0
    while chunk := stream.read(65536):  # type: ignore[attr-defined]
        total += chunk.count(b"\n")
    seen.append(total)


def _one(lines: int) -> dict[str, list[int]]:
    child = subprocess.Popen(
        [sys.executable, "-I", "-c", CHILD, str(lines), str(ROOT)],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    seen: list[int] = []
    drainer = threading.Thread(target=_drain, args=(child.stderr, seen))
    drainer.start()
    out = child.stdout.read()
    child.wait(timeout=300)
    drainer.join()
    if child.returncode != 0:
        raise RuntimeError(f"request-line child failed ({child.returncode})")
    times: dict[str, list[int]] = json.loads(out)
    return times


def _percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_line")
    parser.add_argument("--lines", type=int, default=20000, help="lines per way per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = [_one(args.lines) for _ in range(args.repeats)]
    print(f"Request log line through a pipe: {args.lines} lines per way, {args.repeats} repeats")
    print(f"  {'way':<14}{'p50 µs (range)':>22}{'p99 µs (range)':>22}")
    for way in results[0]:
        p50 = [_percentile(r[way], 0.5) for r in results]
        p99 = [_percentile(r[way], 0.99) for r in results]
        print(
            f"  {way:<14}{statistics.median(p50):>10.1f} ({min(p50):.1f}-{max(p50):.1f})"
            f"{statistics.median(p99):>12.1f} ({min(p99):.1f}-{max(p99):.1f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
