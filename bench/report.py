"""How results are shown: aligned text on the terminal, Markdown in BENCHMARKS.md.

Every section is rows (floor, ours, ratio, target, verdict) plus free-form notes and
preformatted details (spreads, per-request figures, profiles), so one run feeds both.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import sqlite3
import ssl
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime

PASS = "PASS"
FAIL = "FAIL"
INFO = "info"
SKIPPED = "SKIPPED"

PACKAGES = (
    "ask-sdk-core",
    "ask-sdk-model",
    "ask-sdk-runtime",
    "ask-sdk-webservice-support",
    "flask",
    "werkzeug",
    "gunicorn",
    "cryptography",
    "oscrypto",
    "certvalidator",
)


@dataclass(frozen=True)
class Row:
    """One measured figure for both sides; `verdict` is PASS/FAIL for a target, else info."""

    measure: str
    floor: str
    ours: str
    ratio: str
    target: str
    verdict: str


@dataclass
class Section:
    """One target's results, with what a reader needs to trust or act on them."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), line, *(fmt.format(*r) for r in rows)]


HEADER = ("Measure", "Floor", "Ours", "Ours/floor", "Target", "Result")


def as_text(sections: list[Section], *, context: list[str] | None = None) -> str:
    """The terminal report: a summary table, then each section's notes and details."""
    out: list[str] = list(context or [])
    for section in sections:
        out += ["", f"== {section.title} ==", ""]
        out += _table(HEADER, [tuple(vars(r).values()) for r in section.rows])
        for note in section.notes:
            out.append(f"  * {note}")
        for block in section.details:
            out += ["", *("    " + line for line in block.splitlines())]
    out += ["", "Summary:"]
    for section in sections:
        for row in section.rows:
            if row.verdict in (PASS, FAIL, SKIPPED):
                out.append(f"  {row.verdict:<7}  {section.title}: {row.measure} ({row.ratio})")
    return "\n".join(out)


def _md_table(rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = list(vars(row).values())
        if row.verdict in (PASS, FAIL):
            cells[-1] = f"**{row.verdict}**"
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _version(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (
        (done.stdout or done.stderr).splitlines()[0].strip() if done.stdout or done.stderr else ""
    )


def machine() -> list[tuple[str, str]]:
    """What the figures depend on: cores, CPU, interpreter, crypto and package versions."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = [
        ("CPU", f"{model}; nproc {usable}"),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("OpenSSL", ssl.OPENSSL_VERSION),
        ("SQLite", sqlite3.sqlite_version),
        ("wrk", _version(["wrk", "-v"])),
    ]
    for name in PACKAGES:
        try:
            info.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            info.append((name, "not installed"))
    return info


def as_markdown(
    sections: list[Section], *, command: str, seconds: float, context: list[str]
) -> str:
    """BENCHMARKS.md: what was measured, on what, the results, and how to rerun."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks: Bedtime Magnesium against the SDK floor",
        "",
        "Each figure compares the skill with a *floor*: a hello-world skill on the same",
        "ASK SDK (`bench/floor/`: a LaunchRequest handler, one HelloIntent, a",
        "SessionEndedRequest handler and a catch-all exception handler), measured in the",
        "same run, interleaved, so the ratio shows what the skill adds over the SDK itself.",
        "The targets are ratios, not absolute times: absolute figures depend on the machine.",
        "",
        "**The headline figure is the first row of section 1: the cold start of a returning",
        "listener with memory in DynamoDB** (INIT + first response, the real bundle as Lambda",
        "runs it). At bedtime nearly every request is such a cold start: one listener, once a",
        "night, long after the last instance died. Its distance to the limit (a bare",
        "interpreter, and a hand-written handler giving the same answer) is measured in the",
        "same run.",
        "",
        "## Rerun",
        "",
        "```sh",
        "make bench                     # measure and print (4 to 8 minutes)",
        "make bench BENCH_ARGS=--write  # ... and rewrite this file",
        "```",
        "",
        "`.venv/bin/python -m bench --help` lists the knobs (`--only cold,dispatch,web`,",
        "`--starts`, `--rounds`, `--repeats`, `--seconds`, `--runs`); with `--only`, `--write`",
        "rewrites just the sections measured.",
        "The web target needs [wrk](https://github.com/wg/wrk) on the PATH",
        "(`sudo apt-get install -y wrk` on Debian/Ubuntu, `brew install wrk` on macOS);",
        "without it that target is reported as SKIPPED and the others still run.",
        "The bench needs nothing else beyond `.venv` (standard-library cProfile for profiles).",
        "Targets print PASS or FAIL; the command exits 0 either way unless something crashed:",
        "these are measurements, not tests.",
        "",
        f"## Last run: {stamp}, `{command}`, {seconds:.0f} s",
        "",
        "| Machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine()),
        "",
        *(f"- {line}" for line in context),
        "",
    ]
    for section in sections:
        lines += section_markdown(section)
    return "\n".join(lines).rstrip() + "\n"


def section_markdown(section: Section) -> list[str]:
    """One section as BENCHMARKS.md shows it."""
    lines = [f"### {section.title}", "", *_md_table(section.rows), ""]
    lines += [f"- {note}" for note in section.notes]
    for block in section.details:
        lines += ["", "```text", *block.splitlines(), "```"]
    lines.append("")
    return lines


def splice(text: str, sections: list[Section], *, command: str, context: list[str]) -> str:
    """`text` (BENCHMARKS.md) with each measured section replaced, every other one kept.

    A section is its `### N. ...` heading up to the next heading; `--only dispatch,web
    --write` so rewrites those two and leaves the cold-start section as it was measured.
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = text.rstrip("\n").split("\n")
    for section in sections:
        number = section.title.split(" ", 1)[0]
        new = section_markdown(section)
        new[2:2] = [f"Measured {stamp} by `{command}`; " + "; ".join(context) + ".", ""]
        starts = [i for i, line in enumerate(lines) if line.startswith(f"### {number} ")]
        if not starts:
            lines += ["", *new]
            continue
        start = starts[0]
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith(("### ", "## "))),
            len(lines),
        )
        lines[start:end] = new
    return "\n".join(lines).rstrip() + "\n"
