"""Target 3: web throughput under gunicorn, ours (verification and SQLite on) vs the floor.

Both apps run under the same gunicorn settings (2 sync workers on 127.0.0.1) and take
the same load from wrk (bench/wrk_alexa.lua) cycling through pre-built requests: ours
signed with the test PKI and freshly timestamped before each run, the floor's the
hello-world equivalents. Runs alternate ours/floor/floor/ours so drift hits both sides.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import importlib.util
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import mix, profiling
from bench.common import (
    BENCH_DIR,
    FLOOR_DIR,
    ROOT,
    clean_env,
    close_to_limit,
    machine_busy,
    progress,
    wait_quiet,
)
from bench.report import INFO, SKIPPED, Row, Section, verdict
from bench.stats import ratio

LIMIT = 0.85
QUIET = 0.10  # a run is "quiet" if other processes used at most this share of the CPU
LUA = BENCH_DIR / "wrk_alexa.lua"
WORKERS = 2
WORKER_CLASS = "sync"
THREADS = 2
CONNECTIONS = 8
WRK_INSTALL = (
    "wrk is not installed, so the web throughput target is skipped. Install it with "
    "`sudo apt-get install -y wrk` (Debian/Ubuntu), `sudo dnf install wrk` (Fedora) or "
    "`brew install wrk` (macOS), or build it from https://github.com/wg/wrk, then rerun."
)


# --- requests ------------------------------------------------------------------------------


class Signer:
    """Signs bodies with a test PKI made once per run and written where workers read it."""

    def __init__(self, folder: Path) -> None:
        from tests import pki  # generating RSA keys takes a moment; only the web target needs it

        self._pki = pki
        self.folder = folder
        (folder / "chain.pem").write_bytes(pki.chain_pem())
        (folder / "root.der").write_bytes(pki.root().der)
        self.cert_url = pki.DEFAULT_URL
        # The floor ignores signatures; it gets a same-length stand-in so requests are the
        # same size on the wire.
        self.dummy = pki.sign(b"floor")

    def sign(self, body: bytes) -> str:
        return self._pki.sign(body)


def write_requests(path: Path, side: str, users: int, signer: Signer) -> list[tuple[str, bytes]]:
    """The mix for `users` users, timestamped now, as "<signature>\\t<body>" lines."""
    template = mix.ours_template() if side == "ours" else mix.floor_template(mix.ours_template())
    now = mix.timestamp()
    signed = []
    for user in mix.user_ids(users):
        for event in mix.for_user(template, user, now=now):
            body = json.dumps(event, separators=(",", ":")).encode()
            signed.append((signer.sign(body) if side == "ours" else signer.dummy, body))
    path.write_bytes(b"".join(sig.encode() + b"\t" + body + b"\n" for sig, body in signed))
    return signed


# --- servers -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the gunicorn master, which stops its workers; SIGKILL the group if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Still unreaped, so its process group (own session: pgid == pid) is still ours.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@contextlib.contextmanager
def gunicorn(
    name: str, app: str, *, chdir: Path, env: dict[str, str], log: Path
) -> Iterator[Server]:
    """One gunicorn server (2 sync workers on 127.0.0.1), always stopped on exit."""
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", f"--workers={WORKERS}"]
    args += [f"--worker-class={WORKER_CLASS}", f"--bind=127.0.0.1:{port}", f"--chdir={chdir}"]
    args += [f"--pythonpath={ROOT}", "--log-level=warning", "--timeout=30", app]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, cwd=chdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield Server(name, port, process, log)
    finally:
        _stop(process)


def wait_ready(server: Server, body: bytes, headers: dict[str, str], timeout: float = 60) -> None:
    """Until the server answers one real request with 200 (bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} server exited:\n{server.tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                conn.request("POST", "/", body, {"Content-Type": "application/json", **headers})
                response = conn.getresponse()
                answer = response.read()
            finally:
                conn.close()
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.name} server not ready:\n{server.tail()}") from None
            time.sleep(0.2)
            continue
        if response.status != 200:
            raise RuntimeError(f"{server.name} answered {response.status}: {answer[:300]!r}")
        return


# --- CPU accounting ------------------------------------------------------------------------


def _process_cpu(pids: set[int]) -> float:
    """CPU seconds used so far by `pids` and their direct children (gunicorn workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) in pids or int(fields[1]) in pids:  # fields[1]: parent pid
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used during one run: by each server (master and workers) and by everyone else.

    Other engineers' test runs or builds on a shared box slow a run down; measuring it
    per run makes that visible instead of leaving it to guesswork, and the servers' own
    CPU per request is a cross-check that other load barely disturbs.
    """

    def __init__(self, servers: dict[str, int]) -> None:
        self._servers = servers  # side -> gunicorn master pid
        self._busy = machine_busy()
        self._cpu = {side: _process_cpu({pid}) for side, pid in servers.items()}
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._began = time.monotonic()

    def stop(self) -> tuple[dict[str, float], float | None]:
        """CPU seconds each server used, and the share (0-1) of all cores others used."""
        cpu = {side: _process_cpu({pid}) - self._cpu[side] for side, pid in self._servers.items()}
        busy = machine_busy()
        if busy is None or self._busy is None:
            return cpu, None
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once waited for
        load_generator = (children.ru_utime - self._children.ru_utime) + (
            children.ru_stime - self._children.ru_stime
        )
        capacity = (time.monotonic() - self._began) * (os.cpu_count() or 1)
        others = busy - self._busy - sum(cpu.values()) - load_generator
        return cpu, max(0.0, others / capacity)


# --- load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One wrk run's figures."""

    side: str
    run: str
    seconds: int
    rps: float
    requests: int
    non2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_us: float  # the loaded server's CPU time per request
    other_cpu: float | None

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors

    @property
    def quiet(self) -> bool:
        """Whether other processes left this run (nearly) alone."""
        return self.other_cpu is None or self.other_cpu <= QUIET


def wrk(
    server: Server, requests: Path, cert_url: str, seconds: int, run: str, servers: dict[str, int]
) -> Load:
    """Load `server` for `seconds` with wrk and the Lua script; parse its BENCH_JSON line."""
    meter = CpuMeter(servers)
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout=5s"]
    args += ["-s", str(LUA), f"http://127.0.0.1:{server.port}/", str(requests), cert_url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu, other = meter.stop()
    data = json.loads(line.removeprefix("BENCH_JSON "))
    socket_errors = sum(data[k] for k in ("connect", "read", "write", "timeout"))
    return Load(
        server.name,
        run,
        seconds,
        data["requests"] / (data["duration_us"] / 1e6),
        data["requests"],
        data["non2xx"],
        socket_errors,
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
        cpu[server.name] * 1e6 / max(1, data["requests"]),
        other,
    )


# --- profile (child) -----------------------------------------------------------------------


def _profile_child(args: argparse.Namespace) -> int:
    """Both apps in this process via Flask's test client, under cProfile; print the report."""
    sys.path.append(str(FLOOR_DIR))
    from bench.signed_app import build

    spec = importlib.util.spec_from_file_location("floor_web", FLOOR_DIR / "web.py")
    assert spec is not None and spec.loader is not None
    floor_web = importlib.util.module_from_spec(spec)
    sys.modules["floor_web"] = floor_web
    spec.loader.exec_module(floor_web)
    clients = {"ours": build().test_client(), "floor": floor_web.app.test_client()}
    profiles = {}
    for side, path in (("ours", args.ours), ("floor", args.floor)):
        requests = []
        for line in Path(path).read_bytes().splitlines()[: args.count]:
            signature, body = line.split(b"\t", 1)
            headers = {
                "Content-Type": "application/json",
                "Signature-256": signature.decode(),
                "SignatureCertChainUrl": args.cert_url,
            }
            requests.append((body, headers))
        client = clients[side]
        for body, headers in requests[:50]:  # warm: chain validation, SQLite open
            client.post("/", data=body, headers=headers)
        profile = cProfile.Profile()
        profile.enable()
        for body, headers in requests:
            answer = client.post("/", data=body, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"{side}: {answer.status_code} {answer.data[:300]!r}")
        profile.disable()
        profiles[side] = profile
    title = "Web, one worker in-process (Flask test client, verification + SQLite on)"
    print(profiling.report(profiles["floor"], profiles["ours"], args.count, title))
    return 0


def _profile(folder: Path, files: dict[str, Path], cert_url: str, env: dict[str, str]) -> str:
    args = [sys.executable, "-m", "bench.throughput", "--profile-child", "--count=1000"]
    args += [f"--ours={files['ours']}", f"--floor={files['floor']}", f"--cert-url={cert_url}"]
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"web profile failed:\n{done.stderr[-3000:]}")
    return done.stdout.rstrip()


# --- parent --------------------------------------------------------------------------------


def skipped() -> Section:
    """The section when wrk is missing: say so, and how to get it."""
    rows = [Row("Throughput, req/s", "-", "-", "-", f">= {LIMIT:.2f}x", SKIPPED)]
    return Section("3. Web throughput (gunicorn, 2 workers)", rows, [WRK_INSTALL])


def run(seconds: int = 10, runs: int = 3, warmup: int = 3, users: int = 100) -> Section:
    """`runs` interleaved wrk runs per side (after a warm-up each); report the best quiet ones."""
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
                    "ours", "bench.signed_app:app", chdir=ROOT, env=ours_env, log=folder / "o.log"
                )
            ),
            "floor": stack.enter_context(
                gunicorn("floor", "web:app", chdir=FLOOR_DIR, env=clean_env(), log=folder / "f.log")
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
        throughput = best["ours"].rps / best["floor"].rps
        if close_to_limit(throughput, LIMIT, upper=False):
            progress("web: throughput fails or is close to the target; profiling in-process")
            fresh("ours")
            fresh("floor")
            env = dict(ours_env, SKILL_SQLITE_PATH=str(folder / "profile" / "users.sqlite3"))
            section.details.append(_profile(folder, files, signer.cert_url, env))
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
            "Server CPU per request (same runs)",
            f"{floor.server_cpu_us:.0f} µs",
            f"{ours.server_cpu_us:.0f} µs",
            ratio(ours.server_cpu_us / floor.server_cpu_us),
            "(info)",
            INFO,
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
        "Ours: `skill.web:create_app()` (bench/signed_app.py) with request verification ON "
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
    parser.add_argument("--profile-child", action="store_true", help="internal")
    parser.add_argument("--ours", default="")
    parser.add_argument("--floor", default="")
    parser.add_argument("--cert-url", default="")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.profile_child:
        return _profile_child(args)
    from bench.report import as_text

    print(as_text([run(seconds=args.seconds, runs=args.runs)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
