"""Starting and stopping the real servers some tests run (gunicorn, nginx): free ports,
waiting for readiness, and a stop that never leaves a process behind."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not within {timeout} s")


def stop(
    process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM, wait: float = 10
) -> None:
    """Ask `process` to end with `sig`; kill it if it has not within `wait` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
