"""Servers for the web targets: free ports, gunicorn start, readiness, stop, the PKI files.

`make bench` (bench/throughput.py) and `make soak` (bench/soak.py) both serve
`bench.app:app` with this one gunicorn wrapper: 2 sync workers on 127.0.0.1, a log file,
stopped (and its process group killed if it hangs) on the way out.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT

WORKERS = 2
WORKER_CLASS = "sync"
#: While a file of this name is in BENCH_FAULT_DIR, bench/app.py's certificate fetch hangs.
HANG_FLAG = "cert-hang"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_pki(folder: Path) -> None:
    """Write the test PKI's `chain.pem` and `root.der` where gunicorn workers read them.

    `testing.pki` makes fresh keys in every process, so workers must trust the one root the
    driver signs under (bench/app.py reads these files), not one of their own.
    """
    from testing import pki  # generating RSA keys takes a moment; only the web targets need it

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chain.pem").write_bytes(pki.chain_pem())
    (folder / "root.der").write_bytes(pki.root().der)


def children(pid: int) -> list[int]:
    """The child processes of `pid` (a gunicorn master's workers), from /proc."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return sorted(int(child) for child in text.split())
    except OSError:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat.parent.name))
        return sorted(found)


@dataclass
class Server:
    """One running gunicorn: its name in reports, port, master process and log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


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


@contextlib.contextmanager
def gunicorn(
    name: str,
    app: str,
    *,
    chdir: Path,
    env: Mapping[str, str],
    log: Path,
    options: Sequence[str] = (),
) -> Iterator[Server]:
    """gunicorn serving `app` with 2 sync workers on a free port; always stopped on exit."""
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", f"--workers={WORKERS}"]
    args += [f"--worker-class={WORKER_CLASS}", f"--bind=127.0.0.1:{port}", f"--chdir={chdir}"]
    args += [f"--pythonpath={ROOT}", *options, app]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args,
            cwd=chdir,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Server(name, port, process, log)
    finally:
        _stop(process)


def wait_ready(
    server: Server,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> None:
    """Until every worker is up and the server answers 200 (bounded by `timeout`).

    With `body`, the check is one real POST / (signed by the caller's `headers`);
    without, GET /healthz.
    """
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} server exited:\n{server.tail()}")
        try:
            status, answer = _ask(server.port, body, headers or {})
        except (OSError, http.client.HTTPException):
            status, answer = 0, b""
        if status not in (0, 200):
            raise RuntimeError(f"{server.name} answered {status}: {answer[:300]!r}")
        if status == 200 and len(children(server.process.pid)) == WORKERS:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} server not ready:\n{server.tail()}")
        time.sleep(0.2)


def _ask(port: int, body: bytes | None, headers: Mapping[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        if body is None:
            conn.request("GET", "/healthz")
        else:
            conn.request("POST", "/", body, {"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
