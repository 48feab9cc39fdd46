"""Target 3: web throughput under gunicorn, ours (verification and SQLite on) vs the floor.

Both apps run under the same gunicorn settings (2 sync workers on 127.0.0.1) and take
the same load from wrk (bench/wrk_alexa.lua) cycling through pre-built requests: ours
signed with the test PKI and freshly timestamped before each run, the floor's the
hello-world equivalents. Runs alternate ours/floor/floor/ours so drift hits both sides.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

from bench import mix, web_profile
from bench.common import FLOOR_DIR, ROOT, clean_env, close_to_limit, progress, wait_quiet
from bench.harness import WORKER_CLASS, WORKERS, gunicorn, wait_ready
from bench.report import INFO, SKIPPED, Row, Section, verdict
from bench.stats import ratio
from bench.web_load import CONNECTIONS, QUIET, THREADS, Load, Signer, write_requests, wrk

LIMIT = 1.0
# gunicorn options of the web target (both sides); bench/harness.py adds workers and bind.
OPTIONS = ("--log-level=warning", "--timeout=30")
WRK_INSTALL = (
    "wrk is not installed, so the web throughput target is skipped. Install it with "
    "`sudo apt-get install -y wrk` (Debian/Ubuntu), `sudo dnf install wrk` (Fedora) or "
    "`brew install wrk` (macOS), or build it from https://github.com/wg/wrk, then rerun."
)


# --- parent --------------------------------------------------------------------------------


def skipped() -> Section:
    """The section when wrk is missing: say so, and how to get it."""
    rows = [Row("Throughput, req/s", "-", "-", "-", f">= {LIMIT:.2f}x", SKIPPED)]
    return Section("3. Web throughput (gunicorn, 2 workers)", rows, [WRK_INSTALL])


def run(
    seconds: int = 10,
    runs: int = 3,
    warmup: int = 3,
    users: int = 100,
    *,
    ours_app: str = "bench.app:app",
    preload: bool = False,
) -> Section:
    """`runs` interleaved wrk runs per side (after a warm-up each); report the best quiet ones.

    `ours_app` swaps in another WSGI app for ours (a variant to compare); `preload` runs
    both sides with gunicorn --preload.
    """
    options = (*OPTIONS, *(["--preload"] if preload else []))
    if shutil.which("wrk") is None:
        progress(WRK_INSTALL)
        return skipped()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        progress("web: making the test PKI and signing requests")
        signer = Signer(folder)
        ours_env = clean_env(
            ALEXA_SKILL_ID=mix.APPLICATION_ID,
            SKILL_PERSISTENCE="true",
            SKILL_VERIFY_REQUESTS="true",
            SKILL_SQLITE_PATH=str(folder / "web" / "users.sqlite3"),
            BENCH_PKI_DIR=str(folder),
        )
        servers = {
            "ours": stack.enter_context(
                gunicorn(
                    "ours",
                    ours_app,
                    chdir=ROOT,
                    env=ours_env,
                    log=folder / "o.log",
                    options=options,
                )
            ),
            "floor": stack.enter_context(
                gunicorn(
                    "floor",
                    "web:app",
                    chdir=FLOOR_DIR,
                    env=clean_env(),
                    log=folder / "f.log",
                    options=options,
                )
            ),
        }
        files = {side: folder / f"{side}.tsv" for side in servers}

        def fresh(side: str) -> None:  # new timestamps (150 s window) before each run
            write_requests(files[side], side, users, signer)

        for side, server in servers.items():
            fresh(side)
            signature, body = files[side].read_bytes().split(b"\n", 1)[0].split(b"\t", 1)
            headers = {
                "Signature-256": signature.decode(),
                "SignatureCertChainUrl": signer.cert_url,
            }
            wait_ready(server, body, headers)
        pids = {side: server.process.pid for side, server in servers.items()}
        loads: list[Load] = []

        def measure(label: str, side: str, length: int) -> None:
            wait_quiet(longest=10)
            fresh(side)
            progress(f"web: {label}, {side}, wrk -t{THREADS} -c{CONNECTIONS} -d{length}s")
            load = wrk(servers[side], files[side], signer.cert_url, length, label, pids)
            if load.requests == 0:
                raise RuntimeError(f"{side}: no requests completed:\n{servers[side].tail()}")
            loads.append(load)

        for side in servers:
            measure("warm-up", side, warmup)
        # Pairs in ABBA order; one extra pair if a side has had no quiet run yet.
        for n in range(runs + 1):
            measured = [x for x in loads if x.run != "warm-up"]
            if n >= runs and all(any(x.quiet for x in measured if x.side == s) for s in servers):
                break
            for side in ("ours", "floor") if n % 2 == 0 else ("floor", "ours"):
                measure(f"run {n + 1}", side, seconds)
        measured = [x for x in loads if x.run != "warm-up"]
        best = {side: _pick([x for x in measured if x.side == side]) for side in servers}
        section = _report(best, loads, users)
        if ours_app != "bench.app:app" or preload:
            section.notes.insert(
                0,
                f"VARIANT: ours served by {ours_app}; "
                f"gunicorn --preload {'on' if preload else 'off'} on both sides.",
            )
        throughput = best["ours"].rps / best["floor"].rps
        if close_to_limit(throughput, LIMIT, upper=False):
            progress("web: throughput fails or is close to the target; profiling in-process")
            fresh("ours")
            fresh("floor")
            env = dict(ours_env, SKILL_SQLITE_PATH=str(folder / "profile" / "users.sqlite3"))
            section.details.append(web_profile.run(files, signer.cert_url, env))
    return section


def _pick(runs: list[Load]) -> Load:
    """The fastest quiet run; if none was quiet, the least disturbed one."""
    quiet = [x for x in runs if x.quiet]
    if quiet:
        return max(quiet, key=lambda x: x.rps)
    return min(runs, key=lambda x: x.other_cpu or 0.0)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _report(best: dict[str, Load], loads: list[Load], users: int) -> Section:
    ours, floor = best["ours"], best["floor"]
    throughput = ours.rps / floor.rps
    errors = {side: sum(x.errors for x in loads if x.side == side) for side in best}
    measured = sum(1 for x in loads if x.side == "ours" and x.run != "warm-up")
    rows = [
        Row(
            f"Throughput, req/s (best quiet run of {measured})",
            f"{floor.rps:.0f}",
            f"{ours.rps:.0f}",
            ratio(throughput),
            f">= {LIMIT:.2f}x",
            verdict(throughput >= LIMIT),
        ),
        Row(
            "Errors, non-2xx + socket (all runs, warm-ups too)",
            str(errors["floor"]),
            str(errors["ours"]),
            "-",
            "0",
            verdict(errors["floor"] == 0 and errors["ours"] == 0),
        ),
        Row(
            "Latency p50 (same runs)",
            f"{floor.p50_ms:.2f} ms",
            f"{ours.p50_ms:.2f} ms",
            ratio(ours.p50_ms / floor.p50_ms),
            "(info)",
            INFO,
        ),
        Row(
            "Latency p99 (same runs)",
            f"{floor.p99_ms:.2f} ms",
            f"{ours.p99_ms:.2f} ms",
            ratio(ours.p99_ms / floor.p99_ms),
            "(info)",
            INFO,
        ),
        Row(
            "Requests per server CPU-second (same runs)",
            f"{1e6 / floor.server_cpu_us:.0f}",
            f"{1e6 / ours.server_cpu_us:.0f}",
            ratio(floor.server_cpu_us / ours.server_cpu_us),
            f">= {LIMIT:.2f}x",
            verdict(floor.server_cpu_us / ours.server_cpu_us >= LIMIT),
        ),
    ]
    disturbed = [side for side, load in best.items() if not load.quiet]
    notes = [
        f"gunicorn {WORKERS} {WORKER_CLASS} workers on 127.0.0.1 for each side; wrk "
        f"-t{THREADS} -c{CONNECTIONS}. A {_seconds(loads, 'warm-up')} warm-up per side, then "
        f"{_seconds(loads, 'run 1')} runs in pairs, ABBA order (ours, floor, floor, ours, ...), "
        "plus one extra pair if a side had no quiet run. Reported: each side's fastest quiet "
        f"run (other processes used at most {QUIET:.0%} of the CPU), all runs below. "
        "Sync workers close the connection after each response, so every request includes a "
        "TCP connect, on both sides.",
        "Ours: `skill.web.app:create_app()` (bench/app.py; POST / is served by its thin WSGI "
        "layer, skill/web/fast.py, other requests by Flask) with request verification ON "
        "(signature over the body, certificate URL, leaf dates and SAN, timestamp; the chain "
        "is validated once per worker, then cached) against the test PKI, and SQLite memory "
        f"ON in a temp dir; {users * len(mix.LABELS)} distinct requests from {users} users, "
        "signed and timestamped afresh before each run (every run is far inside the 150 s "
        "window).",
        "Floor: bench/floor/web.py, Flask around the SDK's WebserviceSkillHandler, "
        "verification OFF, no memory; the same mix reshaped for hello world, with headers of "
        "the same size.",
        "wrk shares the 2 cores with the 2 workers, so absolute req/s are lower than with a "
        "separate load machine; compare the ratio. Server CPU per request (master and "
        "workers, from /proc) barely depends on other load and cross-checks it: "
        f"{floor.server_cpu_us / ours.server_cpu_us:.2f}x the floor's requests per CPU-second.",
    ]
    if disturbed:
        notes.append(
            f"WARNING: no quiet run for {' and '.join(disturbed)}: other processes used "
            "the CPU throughout, so the throughput ratio is unreliable; rerun on a quiet machine."
        )
    table = [
        "All runs (* = reported):",
        f"  {'side':<7}{'run':<9}{'req/s':>8}{'requests':>10}{'p50':>10}{'p99':>10}"
        f"{'non-2xx':>9}{'socket err':>12}{'CPU/req':>10}{'other CPU':>11}",
    ]
    for x in loads:
        mark = "*" if x is best[x.side] else " "
        table.append(
            f" {mark}{x.side:<7}{x.run:<9}{x.rps:8.0f}{x.requests:10d}{x.p50_ms:8.2f}ms"
            f"{x.p99_ms:8.2f}ms{x.non2xx:9d}{x.socket_errors:12d}{x.server_cpu_us:8.0f}µs"
            f"{_share(x.other_cpu):>11}"
        )
    table.append(
        "  CPU/req: the loaded server's CPU time per request; other CPU: share of both cores "
        "used by processes other than the two servers and wrk during the run"
    )
    return Section("3. Web throughput (gunicorn, 2 workers)", rows, notes, ["\n".join(table)])


def _seconds(loads: list[Load], run: str) -> str:
    lengths = {x.seconds for x in loads if x.run == run}
    return "/".join(f"{s} s" for s in sorted(lengths)) or "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ours-app", default="bench.app:app", help="another WSGI app for ours")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload, both sides")
    args = parser.parse_args(argv)
    from bench.report import as_text

    section = run(
        seconds=args.seconds, runs=args.runs, ours_app=args.ours_app, preload=args.preload
    )
    print(as_text([section]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
