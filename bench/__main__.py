"""`python -m bench` (`make bench`): measure ours against the SDK floor and print the ratios.

Targets print PASS or FAIL, but the exit status is 0 whenever the run completed: these
are measurements, not tests. `--write` also rewrites BENCHMARKS.md with the results.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from bench import coldstart, dispatch, throughput
from bench.common import ROOT, progress
from bench.report import Section, as_markdown, as_text, machine, splice

TARGETS = ("cold", "dispatch", "web")
#: The heading of BENCHMARKS.md's hand-kept part (other commands' figures); --write keeps it.
SEPARATE = "## Measured separately"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--write",
        action="store_true",
        help="also rewrite BENCHMARKS.md (with --only: just the sections measured)",
    )
    parser.add_argument(
        "--only", default=",".join(TARGETS), help=f"comma-separated subset of {','.join(TARGETS)}"
    )
    parser.add_argument("--starts", type=int, default=20, help="cold starts per variant (>= 5)")
    parser.add_argument("--rounds", type=int, default=1000, help="dispatch rounds of 10 requests")
    parser.add_argument("--repeats", type=int, default=5, help="dispatch runs (>= 5)")
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per side")
    parser.add_argument(
        "--preload", action="store_true", help="web: gunicorn --preload on both sides"
    )
    return parser


def _load() -> str:
    """The 1/5/15-minute load averages: other work on the machine widens every spread."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = sorted(set(only) - set(TARGETS))
    if unknown:
        print(f"unknown target(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    began = time.monotonic()
    context = [f"Load average (1/5/15 min) before the run: {_load()}"]
    progress(context[0])
    sections: list[Section] = []
    if "cold" in only:
        sections.append(coldstart.run(starts=args.starts))
    if "dispatch" in only:
        sections.append(dispatch.run(rounds=args.rounds, repeats=args.repeats))
    if "web" in only:
        sections.append(throughput.run(seconds=args.seconds, runs=args.runs, preload=args.preload))
    seconds = time.monotonic() - began
    context.append(f"Load average after the run: {_load()}; the run took {seconds:.0f} s")
    header = "; ".join(f"{k} {v}" for k, v in machine()[:5])
    print(as_text(sections, context=[header, *context]))
    if args.write:
        command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
        target = ROOT / "BENCHMARKS.md"
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        if set(only) == set(TARGETS) or not old:
            text = as_markdown(sections, command=command.strip(), seconds=seconds, context=context)
            if SEPARATE in old:  # figures measured by other commands, kept as they are
                text += "\n" + old[old.index(SEPARATE) :]
        else:
            text = splice(old, sections, command=command.strip(), context=context)
        target.write_text(text, encoding="utf-8")
        progress(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
