"""cProfile summaries that answer "where does ours spend the time the floor does not?".

Exclusive (tottime) time is grouped by where the code lives: each of our modules on
its own, third-party packages by top-level name, the standard library by module, C
built-ins together. Per-call figures include cProfile's own overhead, so they are for
comparing groups and sides, not for quoting as latencies.
"""

from __future__ import annotations

import cProfile
import pstats
import sysconfig
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench.common import ROOT

_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve().as_posix() + "/"
_SKILL = (ROOT / "skill").as_posix() + "/"

Key = tuple[str, int, str]


def group_of(filename: str, function: str) -> str:
    """The group a profiled function belongs to (see the module docstring)."""
    if filename == "~":
        for marker, group in (
            ("sqlite3", "sqlite3 (C)"),
            ("json", "json (C)"),
            ("cryptography", "cryptography (C)"),
        ):
            if marker in function:
                return group
        return "builtins (C)"
    path = Path(filename).resolve().as_posix()
    if path.startswith(_SKILL):
        return "ours: skill/" + path[len(_SKILL) :]
    if path.endswith("lambda/lambda_function.py"):
        return "ours: lambda/lambda_function.py"
    if "/bench/" in path:
        return "bench/" + path.split("/bench/", 1)[1]
    if "/site-packages/" in path:
        package = path.split("/site-packages/", 1)[1].split("/", 1)[0]
        return "pkg: " + package.removesuffix(".py")
    if path.startswith(_STDLIB):
        return "stdlib: " + path[len(_STDLIB) :].removesuffix(".py").replace("/__init__", "")
    return path


def _stats(profile: cProfile.Profile) -> dict[Key, tuple[int, int, float, float, object]]:
    stats: dict[Key, tuple[int, int, float, float, object]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return stats


def by_group(profile: cProfile.Profile, calls: int) -> dict[str, float]:
    """Exclusive microseconds per call, per group."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, tottime, _, _) in _stats(profile).items():
        totals[group_of(filename, function)] += tottime * 1e6 / calls
    return dict(totals)


def _by_extra(floor: cProfile.Profile, ours: cProfile.Profile, calls: int) -> list[str]:
    f, o = by_group(floor, calls), by_group(ours, calls)
    return sorted(set(f) | set(o), key=lambda g: -(o.get(g, 0.0) - f.get(g, 0.0)))


def compare(floor: cProfile.Profile, ours: cProfile.Profile, calls: int, top: int = 14) -> str:
    """Groups side by side, largest extra cost first."""
    f, o = by_group(floor, calls), by_group(ours, calls)
    groups = _by_extra(floor, ours, calls)
    lines = [f"  {'group (exclusive time)':<44}{'floor':>9}{'ours':>9}{'extra':>9}  µs/call"]
    shown = groups[:top]
    for group in shown:
        fv, ov = f.get(group, 0.0), o.get(group, 0.0)
        lines.append(f"  {group:<44}{fv:9.1f}{ov:9.1f}{ov - fv:+9.1f}")
    rest_f = sum(v for g, v in f.items() if g not in shown)
    rest_o = sum(v for g, v in o.items() if g not in shown)
    lines.append(f"  {'(everything else)':<44}{rest_f:9.1f}{rest_o:9.1f}{rest_o - rest_f:+9.1f}")
    tf, to = sum(f.values()), sum(o.values())
    lines.append(f"  {'total (profiled)':<44}{tf:9.1f}{to:9.1f}{to - tf:+9.1f}")
    return "\n".join(lines)


def _where(key: Key) -> str:
    filename, line, function = key
    if filename == "~":
        return function
    path = Path(filename).resolve().as_posix()
    for marker in ("/site-packages/", _STDLIB, (ROOT.as_posix() + "/")):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line} {function}"


def top_functions(
    profile: cProfile.Profile,
    calls: int,
    *,
    count: int = 12,
    cumulative: bool = False,
    only: Callable[[str], bool] | None = None,
) -> str:
    """The `count` costliest functions, exclusive (tottime) or inclusive (cumtime) per call."""
    rows = []
    for key, (_, ncalls, tottime, cumtime, _) in _stats(profile).items():
        if only is not None and not only(group_of(key[0], key[2])):
            continue
        rows.append((cumtime if cumulative else tottime, ncalls, key))
    rows.sort(key=lambda row: -row[0])
    lines = []
    for seconds, ncalls, key in rows[:count]:
        lines.append(f"  {seconds * 1e6 / calls:8.1f} µs  {ncalls / calls:6.1f}x  {_where(key)}")
    return "\n".join(lines)


def callers(profile: cProfile.Profile, group: str, calls: int, count: int = 3) -> str:
    """Who calls into `group` from outside it, by the inclusive time of those calls."""
    totals: dict[Key, float] = defaultdict(float)
    for key, (_, _, _, _, by_caller) in _stats(profile).items():
        if group_of(key[0], key[2]) != group:
            continue
        for caller, timing in by_caller.items():  # type: ignore[attr-defined]
            if group_of(caller[0], caller[2]) != group:
                totals[caller] += timing[3]
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:count]
    return "\n".join(f"  {seconds * 1e6 / calls:8.1f} µs  {_where(key)}" for key, seconds in ranked)


def is_ours(group: str) -> bool:
    """A group of our own code (the skill package or our Lambda entry)."""
    return group.startswith("ours: ")


def report(floor: cProfile.Profile, ours: cProfile.Profile, calls: int, title: str) -> str:
    """The full profile block for BENCHMARKS.md: groups, hottest functions, our callers."""
    extra_callers = []
    outside = [g for g in _by_extra(floor, ours, calls) if not is_ours(g) and g != "builtins (C)"]
    for group in outside[:3]:
        extra_callers += ["", f"Ours, who calls into {group!r}:", callers(ours, group, calls)]
    return "\n".join(
        [
            f"{title}: cProfile, {calls} requests per side (µs/call include profiler overhead)",
            compare(floor, ours, calls),
            "",
            "Ours, hottest functions by exclusive time (per request; calls per request):",
            top_functions(ours, calls),
            "",
            "Ours, our own functions by inclusive time (what each costs with its callees):",
            top_functions(ours, calls, cumulative=True, only=is_ours),
            *extra_callers,
        ]
    )
