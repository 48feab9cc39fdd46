"""`python -X importtime` summaries: what only ours imports at cold start, and through what.

Shown by the cold-start target (bench/coldstart.py) when its ratio fails or is close.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT


@dataclass(frozen=True)
class Start:
    """One side's cold start: its Lambda folder, environment and the event it answers."""

    lambda_dir: Path
    env: Mapping[str, str]
    event: Path


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


@dataclass(frozen=True)
class _Import:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


def _importtime(
    driver: str,
    start: Start,
    runs: int,
    python: Sequence[str],
    preexec: Callable[[], None] | None,
) -> list[list[_Import]]:
    """`python -X importtime` of the same child, `runs` times (each run lists every import)."""
    out = []
    for _ in range(runs):
        args = [python[0], "-X", "importtime", *python[1:], "-c", driver, str(start.lambda_dir)]
        done = subprocess.run(
            [*args, str(start.event)],
            cwd=ROOT,
            env=dict(start.env),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            preexec_fn=preexec,
        )
        imports = []
        for line in done.stderr.splitlines():
            match = _IMPORT_LINE.match(line)
            if match:
                depth = (len(match[3]) - 1) // 2
                imports.append(_Import(match[4], depth, int(match[1]), int(match[2])))
        out.append(imports)
    return out


def _is_ours(name: str) -> bool:
    return name == "lambda_function" or name == "skill" or name.startswith("skill.")


def profile(
    driver: str,
    ours: Start,
    floor: Start,
    runs: int = 5,
    *,
    python: Sequence[str] = (sys.executable,),
    preexec: Callable[[], None] | None = None,
) -> str:
    """Where our extra import time goes: what only ours imports, and through which module.

    `python` is the interpreter and its flags (the cold-start target passes python3.12 -I
    -S), `preexec` what the child runs before exec (dropping root's write override).
    """
    ours_runs = _importtime(driver, ours, runs, python, preexec)
    floor_names = {i.name for run in _importtime(driver, floor, runs, python, preexec) for i in run}
    best_self: dict[str, int] = {}
    best_cum: dict[str, int] = {}
    for run in ours_runs:
        for item in run:
            best_self[item.name] = min(best_self.get(item.name, item.self_us), item.self_us)
            best_cum[item.name] = min(
                best_cum.get(item.name, item.cumulative_us), item.cumulative_us
            )
    extra = {name for name in best_self if name not in floor_names}
    # importtime lists children before parents: a module's importer is the next line
    # one level shallower.
    run = ours_runs[0]
    parent: dict[str, str] = {}
    for index, item in enumerate(run):
        for later in run[index + 1 :]:
            if later.depth == item.depth - 1:
                parent[item.name] = later.name
                break

    def chain(name: str) -> str:
        links: list[str] = []
        while name in parent and len(links) < 6:
            name = parent[name]
            links.append(name)
        return " <- ".join(links)

    def pulled_in(name: str) -> bool:  # a stdlib or third-party module only ours loads
        return name in extra and not _is_ours(name)

    roots = sorted(
        (name for name in extra if pulled_in(name) and not pulled_in(parent.get(name, ""))),
        key=lambda name: -best_cum[name],
    )
    extra_self = sum(best_self[n] for n in extra)
    own = sorted((n for n in extra if _is_ours(n)), key=lambda n: -best_self[n])
    lines = [
        f"{' '.join(python[:1])} -X importtime, ours (no memory) vs floor, best of {runs} runs",
        "(importtime's own overhead inflates every figure; compare them with each other)",
        "",
        f"Modules only ours imports: {len(extra)}, self time {extra_self / 1000:.1f} ms in all",
        f"  of which our own (skill.*, lambda_function): {len(own)}, "
        f"{sum(best_self[n] for n in own) / 1000:.1f} ms",
        "",
        "Largest import subtrees only ours pulls in (cumulative), and who imports them",
        "(a module two subtrees share counts under whichever imports it first):",
    ]
    for name in roots[:12]:
        lines.append(f"  {best_cum[name] / 1000:6.1f} ms  {name:<34} <- {chain(name)}")
    lines += ["", "Our own modules by self time (module body, incl. work done at import):"]
    for name in own[:10]:
        lines.append(
            f"  {best_self[name] / 1000:6.1f} ms self {best_cum[name] / 1000:6.1f} ms cum  {name}"
        )
    return "\n".join(lines)
