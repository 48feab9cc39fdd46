"""The web target's load: signed request files, wrk runs and per-run CPU accounting.

wrk (with bench/wrk_alexa.lua) cycles through pre-built requests, ours signed with the
test PKI and freshly timestamped before each run, the floor's the hello-world
equivalents of the same size; each run also records the CPU each server and everyone
else used, so a run disturbed by other work on the machine shows as such.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench import mix
from bench.common import BENCH_DIR, machine_busy
from bench.harness import Server, write_pki

QUIET = 0.10  # a run is "quiet" if other processes used at most this share of the CPU
LUA = BENCH_DIR / "wrk_alexa.lua"
THREADS = 2
CONNECTIONS = 8


# --- requests ------------------------------------------------------------------------------


class Signer:
    """Signs bodies with a test PKI made once per run and written where workers read it."""

    def __init__(self, folder: Path) -> None:
        from testing import pki  # generating RSA keys takes a moment; only the web target needs it

        self._pki = pki
        self.folder = folder
        write_pki(folder)
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
