"""Target 1: Lambda cold start (INIT), ours against the floor.

A fresh interpreter per sample does what Lambda's INIT and first invoke do: import
`lambda_function` (which builds the skill), then answer one LaunchRequest and print it.
The wall time is taken outside the child, from spawn to exit, so interpreter start-up
and teardown count; the child also reports its own import+INIT and first-request times.
Variants run in rotating order each round, so drift (caches, clocks, other load) is
spread evenly over all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import importtime, mix
from bench.common import (
    FLOOR_DIR,
    LAMBDA_DIR,
    ROOT,
    clean_env,
    close_to_limit,
    progress,
    wait_quiet,
)
from bench.report import INFO, Row, Section, verdict
from bench.stats import ms, percentile, ratio

LIMIT = 1.15

# The child: parse the event (as the Lambda runtime does before INIT), import the
# handler module (INIT), answer once, print the answer and its own phase timings.
DRIVER = """\
import time
t0 = time.perf_counter()
import json, sys
with open(sys.argv[2], encoding="utf-8") as f:
    event = json.load(f)
t1 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import lambda_function
t2 = time.perf_counter()
answer = lambda_function.lambda_handler(event, None)
t3 = time.perf_counter()
print(json.dumps(answer))
print(json.dumps({"init": t2 - t1, "first": t3 - t2}))
"""


@dataclass
class Variant:
    """One kind of process start, and its samples."""

    key: str
    label: str
    lambda_dir: Path | None  # None: a bare interpreter (`python -c pass`)
    env: dict[str, str]
    fresh_sqlite: bool = False
    walls: list[float] = field(default_factory=list)
    inits: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)

    def spread(self) -> str:
        """Median (p10-p90) of the wall times."""
        p10, p50, p90 = (percentile(self.walls, q) for q in (10, 50, 90))
        return f"{ms(p50)} ({p10 * 1000:.1f}-{p90 * 1000:.1f})"

    @property
    def median(self) -> float:
        return percentile(self.walls, 50)


def _variants() -> list[Variant]:
    ours = {"ALEXA_SKILL_ID": mix.APPLICATION_ID}
    return [
        Variant("python", "python -c pass", None, clean_env()),
        Variant("floor", "floor", FLOOR_DIR, clean_env()),
        Variant("ours", "ours", LAMBDA_DIR, clean_env(SKILL_PERSISTENCE="false", **ours)),
        Variant(
            "sqlite",
            "ours, SQLite memory",
            LAMBDA_DIR,
            clean_env(SKILL_PERSISTENCE="true", **ours),
            fresh_sqlite=True,
        ),
    ]


def _start(variant: Variant, events: dict[str, Path], scratch: Path, n: int) -> None:
    """Spawn one process of `variant`, check its answer, record its times."""
    env = dict(variant.env)
    sqlite = scratch / f"start-{n}" / "users.sqlite3"
    if variant.fresh_sqlite:  # a new container: /tmp starts empty
        env["SKILL_SQLITE_PATH"] = str(sqlite)
    if variant.lambda_dir is None:
        args = [sys.executable, "-c", "pass"]
    else:
        event = events["floor" if variant.key == "floor" else "ours"]
        args = [sys.executable, "-c", DRIVER, str(variant.lambda_dir), str(event)]
    began = time.perf_counter()
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {variant.label} failed:\n{done.stderr[-3000:]}")
    if variant.lambda_dir is not None:
        lines = done.stdout.splitlines()
        answer = json.loads(lines[0])
        if "outputSpeech" not in answer.get("response", {}):
            raise RuntimeError(f"cold start of {variant.label}: no speech in {lines[0][:300]}")
        if variant.fresh_sqlite and not sqlite.exists():
            raise RuntimeError(f"cold start of {variant.label}: nothing stored in {sqlite}")
        phases = json.loads(lines[1])
        variant.inits.append(phases["init"])
        variant.firsts.append(phases["first"])
    variant.walls.append(wall)


def run(starts: int = 25, warmup: int = 2) -> Section:
    """Measure every variant `starts` times (after `warmup` rounds) and report."""
    variants = _variants()
    template = mix.ours_template()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        scratch = Path(tmp)
        events = {"ours": scratch / "ours.json", "floor": scratch / "floor.json"}
        events["ours"].write_text(json.dumps(template[0]), encoding="utf-8")
        events["floor"].write_text(json.dumps(mix.floor_template(template)[0]), encoding="utf-8")
        wait_quiet()
        progress(f"cold start: {warmup} warm-up + {starts} rounds of {len(variants)} processes")
        n = 0
        for round_ in range(warmup + starts):
            shift = round_ % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                n += 1
                _start(variant, events, scratch, n)
            if round_ == warmup - 1:
                for variant in variants:  # warm-up rounds fill caches; drop their samples
                    variant.walls.clear()
                    variant.inits.clear()
                    variant.firsts.clear()
        python, floor, ours, sqlite = variants
        section = _report(python, floor, ours, sqlite)
        if close_to_limit(ours.median / floor.median, LIMIT, upper=True):
            progress("cold start: ratio fails or is close to the target; profiling imports")
            section.details.append(
                importtime.profile(
                    DRIVER,
                    importtime.Start(LAMBDA_DIR, ours.env, events["ours"]),
                    importtime.Start(FLOOR_DIR, floor.env, events["floor"]),
                )
            )
    return section


def _report(python: Variant, floor: Variant, ours: Variant, sqlite: Variant) -> Section:
    cold = ours.median / floor.median
    rows = [
        Row(
            "Cold start, median (p10-p90), persistence off",
            floor.spread(),
            ours.spread(),
            ratio(cold),
            f"<= {LIMIT:.2f}x",
            verdict(cold <= LIMIT),
        ),
        Row(
            "Cold start, SQLite memory on (fresh /tmp)",
            floor.spread(),
            sqlite.spread(),
            ratio(sqlite.median / floor.median),
            "(info)",
            INFO,
        ),
    ]
    base = python.median
    over = (ours.median - base) / (floor.median - base)
    notes = [
        f"{len(ours.walls)} process starts per variant after warm-up, interleaved in rotating "
        "order; wall time from spawn to exit of a child that imports `lambda_function`, "
        "answers one LaunchRequest and prints it.",
        "Ours runs as deployed on Lambda without a table: ALEXA_SKILL_ID set, "
        "SKILL_DYNAMODB_TABLE unset, SKILL_PERSISTENCE=false (the floor has no memory); the "
        "second row turns SQLite on, in a fresh directory per start (a new container's /tmp).",
        f"A bare interpreter (`python -c pass`) takes {python.spread()}; above it ours adds "
        f"{(ours.median - base) * 1000:.1f} ms and the floor {(floor.median - base) * 1000:.1f} ms "
        f"({over:.2f}x the floor's import and first-request work).",
        "Bytecode caches (.pyc) are warm on both sides. The real Lambda bundle ships no .pyc "
        "(skill/dev/bundle.py installs with --no-compile and skips them), so a real INIT "
        "also compiles every bundled module, ours and the SDK's alike.",
    ]
    table = ["Phase medians inside the child (perf_counter):"]
    table.append(f"  {'':<22}{'import + INIT':>15}{'first request':>15}{'wall':>10}")
    for variant in (floor, ours, sqlite):
        table.append(
            f"  {variant.label:<22}{ms(percentile(variant.inits, 50)):>15}"
            f"{ms(percentile(variant.firsts, 50)):>15}{ms(variant.median):>10}"
        )
    return Section(
        "1. Cold start (Lambda INIT + first LaunchRequest)", rows, notes, ["\n".join(table)]
    )


def _main() -> int:
    from bench.report import as_text

    print(as_text([run(starts=int(sys.argv[1]) if len(sys.argv) > 1 else 25)]))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
