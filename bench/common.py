"""Paths, child-process environment, module loading and progress output every target shares."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

from testing import ROOT as ROOT  # bench modules import the root from here

BENCH_DIR = ROOT / "bench"
FLOOR_DIR = BENCH_DIR / "floor"
LAMBDA_DIR = ROOT / "lambda"

# Variables that would change what a child process measures (or which skill it runs).
_DROPPED_PREFIXES = ("SKILL_", "ALEXA_")
_DROPPED = frozenset(
    {
        "PYTHONDEVMODE",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONPYCACHEPREFIX",
        "PYTHONTRACEMALLOC",
        "PYTHONWARNINGS",
        "PYTHONPATH",
    }
)

_START = time.monotonic()


def clean_env(**extra: str) -> dict[str, str]:
    """This environment minus anything skill- or profiling-related, plus `extra`.

    Both sides of every comparison start from the same clean environment, so a stray
    SKILL_DYNAMODB_TABLE or PYTHONDEVMODE in the caller's shell cannot skew one side.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _DROPPED and not key.startswith(_DROPPED_PREFIXES)
    }
    env.update(extra)
    return env


def load_module(name: str, path: Path) -> ModuleType:
    """Import the file at `path` as module `name` (the floor's and our Lambda entries share a
    file name, lambda_function.py, so they are loaded by path under names of their own)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def progress(message: str) -> None:
    """One line of progress on stderr, so stdout carries only the report."""
    print(f"[bench {time.monotonic() - _START:6.1f}s] {message}", file=sys.stderr, flush=True)


def close_to_limit(ratio: float, limit: float, *, upper: bool) -> bool:
    """True when a ratio fails or is within 10% of its limit: time to show a profile."""
    return ratio > limit * 0.9 if upper else ratio < limit / 0.9


def machine_busy() -> float | None:
    """CPU seconds all cores spent busy since boot (/proc/stat), or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def wait_quiet(limit: float = 0.15, longest: float = 30.0, window: float = 0.5) -> None:
    """Wait (at most `longest` s) until the machine is nearly idle before measuring.

    On a shared box other people's test runs come and go; starting a measurement in a
    quiet moment costs a few seconds and saves a run spoiled by someone else's build.
    Proceeds anyway after `longest` (the run's own CPU figures then show the noise).
    """
    deadline = time.monotonic() + longest
    cores = os.cpu_count() or 1
    while True:
        before = machine_busy()
        time.sleep(window)
        after = machine_busy()
        if before is None or after is None:
            return
        share = (after - before) / (window * cores)
        if share <= limit:
            return
        if time.monotonic() >= deadline:
            progress(f"machine still {share:.0%} busy with other work after {longest:.0f} s")
            return
