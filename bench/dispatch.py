"""Target 2: warm dispatch, `lambda_handler` per request, ours against the floor.

Both handlers are loaded into one child process and called alternately, a round of the
request mix at a time (ours first on even rounds, the floor first on odd ones), so both
see the same CPU, caches and garbage collector. Each call is timed with perf_counter_ns;
p50 and p99 are over every call of the mix.

Run by `python -m bench`; the child is `python -m bench.dispatch --child ...` so that its
environment (persistence on or off) is set before our Lambda module reads it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import mix, profiling
from bench.common import (
    FLOOR_DIR,
    LAMBDA_DIR,
    ROOT,
    clean_env,
    close_to_limit,
    load_module,
    progress,
    wait_quiet,
)
from bench.report import INFO, Row, Section, verdict
from bench.stats import percentile, ratio, us

LIMIT = 1.3
SIDES = ("ours", "floor")

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


# --- child ---------------------------------------------------------------------------------


def _load(name: str, path: Path) -> Handler:
    """`lambda_handler` from a Lambda entry file (both are called lambda_function.py)."""
    handler: Handler = load_module(name, path).lambda_handler
    return handler


def _rounds(users: int) -> dict[str, list[list[mix.Event]]]:
    """One batch of the mix per user, per side."""
    ours = mix.ours_template()
    floor = mix.floor_template(ours)
    ids = mix.user_ids(users)
    return {
        "ours": [mix.for_user(ours, user) for user in ids],
        "floor": [mix.for_user(floor, user) for user in ids],
    }


def _check(side: str, answer: dict[str, Any], error_speech: str) -> None:
    response = answer.get("response")
    if not isinstance(response, dict):
        raise RuntimeError(f"{side}: no response in {str(answer)[:300]}")
    if error_speech in json.dumps(response):
        raise RuntimeError(f"{side}: the skill apologised: {str(answer)[:300]}")


def _child(args: argparse.Namespace) -> int:
    """Measure both handlers interleaved; print timings (ns, in mix order) as JSON."""
    from skill.content import load_content

    sys.path.append(str(FLOOR_DIR))  # the floor's modules import each other by name
    handlers = {
        "ours": _load("lambda_function", LAMBDA_DIR / "lambda_function.py"),
        "floor": _load("floor_lambda_function", FLOOR_DIR / "lambda_function.py"),
    }
    batches = _rounds(args.users)
    apology = load_content().prompts.error
    for r in range(args.warmup):
        for side in SIDES:
            for event in batches[side][r % args.users]:
                _check(side, handlers[side](event, None), apology)

    timings: dict[str, list[int]] = {side: [] for side in SIDES}
    clock = time.perf_counter_ns
    for r in range(args.rounds):
        for side in SIDES if r % 2 == 0 else SIDES[::-1]:
            handler, out = handlers[side], timings[side]
            for event in batches[side][r % args.users]:
                began = clock()
                handler(event, None)
                out.append(clock() - began)

    profile_text = ""
    if args.profile:
        profiles = {}
        for side in SIDES:
            profile = cProfile.Profile()
            profile.enable()
            for r in range(args.profile):
                for event in batches[side][r % args.users]:
                    handlers[side](event, None)
            profile.disable()
            profiles[side] = profile
        calls = args.profile * len(mix.LABELS)
        profile_text = profiling.report(
            profiles["floor"], profiles["ours"], calls, "Dispatch, persistence off"
        )
    json.dump({"timings": timings, "profile": profile_text}, sys.stdout)
    return 0


# --- parent --------------------------------------------------------------------------------


def _spawn(env: dict[str, str], rounds: int, warmup: int, users: int, profile: int) -> Any:
    args = [sys.executable, "-m", "bench.dispatch", "--child", f"--rounds={rounds}"]
    args += [f"--warmup={warmup}", f"--users={users}", f"--profile={profile}"]
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"dispatch benchmark child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _per_type(timings: list[int], label: int) -> list[int]:
    return timings[label :: len(mix.LABELS)]


def run(rounds: int = 1000, warmup: int = 100, users: int = 100) -> Section:
    """10 requests x `rounds` per side, persistence off (target) and SQLite on (info)."""
    calls = rounds * len(mix.LABELS)
    ours_env = {"ALEXA_SKILL_ID": mix.APPLICATION_ID}
    wait_quiet()
    progress(f"dispatch: {calls} calls per side, persistence off (+ cProfile pass)")
    off = _spawn(
        clean_env(SKILL_PERSISTENCE="false", **ours_env), rounds, warmup, users, profile=200
    )
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
        progress(f"dispatch: {calls} calls per side, SQLite memory on, {users} users")
        sqlite_env = clean_env(
            SKILL_PERSISTENCE="true",
            SKILL_SQLITE_PATH=str(Path(tmp) / "users.sqlite3"),
            **ours_env,
        )
        on = _spawn(sqlite_env, rounds, warmup, users, profile=0)

    rows = []
    fail_or_close = False
    for name, result, target in (("persistence off", off, True), ("SQLite on", on, False)):
        ours, floor = result["timings"]["ours"], result["timings"]["floor"]
        for q in (50, 99):
            o, f = percentile(ours, q), percentile(floor, q)
            if target:
                fail_or_close |= close_to_limit(o / f, LIMIT, upper=True)
            rows.append(
                Row(
                    f"Dispatch p{q}, {name}",
                    us(f),
                    us(o),
                    ratio(o / f),
                    f"<= {LIMIT:.2f}x" if target else "(info)",
                    verdict(o / f <= LIMIT) if target else INFO,
                )
            )
    notes = [
        f"`lambda_handler(event, None)` on a mix of {len(mix.LABELS)} requests (launch, one-shot "
        "TimingIntent, then in session: DosageIntent, BenefitDetailIntent with a resolved slot, "
        "Yes, More, Repeat, Help, Stop, and SessionEndedRequest), "
        f"{calls} calls per side after {warmup * len(mix.LABELS)} warm-up calls, {users} users.",
        "The floor gets the same envelopes in the same proportions (1 LaunchRequest, 8 "
        "HelloIntent, 1 SessionEndedRequest), without our slots and session attributes; "
        "its catch-all handler is not exercised because no request of ours takes that path.",
        "Both handlers run in one process, alternating a round of the mix at a time; "
        "the garbage collector stays on (its pauses are part of p99).",
        "The SQLite rows use a file in a temp dir with WAL: a session reads a user's memory "
        "when it opens and writes it once when it closes (the one-shot and the Stop here); "
        "their floor is measured again in the same process.",
    ]
    table = [
        "Per request, p50 (floor: the equivalent LaunchRequest / HelloIntent / SessionEnded):",
        f"  {'request':<30}{'floor':>10}{'ours':>10}{'ours+SQLite':>13}",
    ]
    for index, label in enumerate(mix.LABELS):
        cells = [
            percentile(_per_type(result["timings"][side], index), 50)
            for result, side in ((off, "floor"), (off, "ours"), (on, "ours"))
        ]
        table.append(f"  {label:<30}{us(cells[0]):>10}{us(cells[1]):>10}{us(cells[2]):>13}")
    details = ["\n".join(table)]
    if fail_or_close and off["profile"]:
        details.append(off["profile"])
    return Section("2. Dispatch (warm lambda_handler, per call)", rows, notes, details)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch")
    parser.add_argument("--child", action="store_true", help="measure and print JSON (internal)")
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--profile", type=int, default=0, help="rounds to run under cProfile")
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    from bench.report import as_text

    print(as_text([run(args.rounds, args.warmup, args.users)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
