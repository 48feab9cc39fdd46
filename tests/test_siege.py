"""One hostile address against the shipped nginx and gunicorn, while Alexa calls (issue 21).

Fresh servers for each test (tests/test_proxy.py starts them: the shipped site file and
gunicorn.conf.py, verification on, the test PKI standing in for S3): fresh workers have
no certificate chain cached, which is when a flood used to keep Alexa out for good.
The attacker connects from 127.0.0.2, Alexa from 127.0.0.1, so nginx sees two
addresses, as it would in production. Alexa's requests are really signed and must be
answered within Alexa's 8 s.

Scaled down for CI (bounded in time and count, about 30 s in all): the flood runs
for 12 s as fast as two client threads can send (a few hundred requests a second
here); the slow bodies are 300 connections, not the 2,000 of the issue. The same
shape at full scale, by hand (SECURITY.md has the figures):

    SIEGE_FLOOD_SECONDS=120 SIEGE_FLOOD_THREADS=4 SIEGE_SLOW_BODIES=2000 \
        .venv/bin/python -m pytest tests/test_siege.py -s
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from testing import envelopes
from tests.test_proxy import (
    Gunicorn,
    Nginx,
    nginx_binary,
    running_gunicorn,
    running_nginx,
    send,
    signed_question,
    spoken,
)

ATTACKER = "127.0.0.2"
#: Alexa's deadline for an answer.
ALEXA_WAITS = 8.0
FLOOD_SECONDS = float(os.environ.get("SIEGE_FLOOD_SECONDS", "12"))
FLOOD_THREADS = int(os.environ.get("SIEGE_FLOOD_THREADS", "2"))
SLOW_BODIES = int(os.environ.get("SIEGE_SLOW_BODIES", "300"))
#: limit_conn in the site file: requests in progress per address.
PER_ADDRESS = 32


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Nginx, Gunicorn]]:
    nginx_path = nginx_binary()
    (tmp_path / "g").mkdir()
    (tmp_path / "n").mkdir()
    with (
        running_gunicorn(tmp_path / "g") as gunicorn,
        running_nginx(nginx_path, gunicorn, tmp_path / "n") as nginx,
    ):
        yield nginx, gunicorn


def attacker_socket(nginx: Nginx) -> ssl.SSLSocket:
    raw = socket.create_connection(
        ("127.0.0.1", nginx.port), timeout=5, source_address=(ATTACKER, 0)
    )
    return nginx.context.wrap_socket(raw, server_hostname="localhost")


def unsigned_with_a_new_url(n: int) -> bytes:
    """What costs an attacker nothing: a fresh timestamp, a URL never seen, no signature."""
    body = json.dumps(envelopes.launch()).encode()
    url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-{1000 + n % 9000}.pem"
    return (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"SignatureCertChainUrl: " + url.encode() + b"\r\n"
        b"Signature-256: " + b"QUFBQQ==" * 43 + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


class Flood:
    """Threads sending `unsigned_with_a_new_url` over keep-alive connections from ATTACKER
    until stopped; `statuses` counts nginx's and the app's answers."""

    def __init__(self, nginx: Nginx, threads: int = 2) -> None:
        self.statuses: Counter[int] = Counter()
        self._nginx = nginx
        self._stop = threading.Event()
        self._counter = iter(range(10**9))
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError), attacker_socket(self._nginx) as sock:
                reader = sock.makefile("rb")
                while not self._stop.is_set():
                    with self._lock:
                        n = next(self._counter)
                    sock.sendall(unsigned_with_a_new_url(n))
                    status = int(reader.readline().split()[1])
                    length, close = 0, False
                    while (line := reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.decode().partition(":")
                        if name.lower() == "content-length":
                            length = int(value)
                        close |= name.lower() == "connection" and "close" in value.lower()
                    reader.read(length)
                    with self._lock:
                        self.statuses[status] += 1
                    if close:
                        break

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)


def alexa_calls(nginx: Nginx, seconds: float, pause: float = 0.2) -> list[tuple[int, float]]:
    """Signed requests from 127.0.0.1 for `seconds`: (status, seconds taken) of each; 0 for
    no answer within ALEXA_WAITS."""
    results: list[tuple[int, float]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            answer = send(
                nginx, "POST", "/", *signed_question(uuid.uuid4().hex), timeout=ALEXA_WAITS
            )
            ok = answer.status == 200 and "bedtime" in spoken(answer)
            results.append((answer.status if ok else -answer.status, time.perf_counter() - started))
        except OSError:
            results.append((0, time.perf_counter() - started))
        time.sleep(pause)
    return results


def answered_in_time(results: list[tuple[int, float]]) -> int:
    return sum(1 for status, took in results if status == 200 and took <= ALEXA_WAITS)


def test_fresh_workers_answer_alexa_during_an_unsigned_flood_of_new_urls(
    servers: tuple[Nginx, Gunicorn],
) -> None:
    """Before: 20 such requests a second kept a fresh worker from ever fetching Alexa's
    certificate (0 of 12 answered over 120 s)."""
    nginx, _ = servers
    flood = Flood(nginx, FLOOD_THREADS)
    try:
        time.sleep(1)  # the flood is on before Alexa's first request
        results = alexa_calls(nginx, FLOOD_SECONDS - 1)
    finally:
        flood.stop()
    sent = sum(flood.statuses.values())
    # The flood was real: nginx let its per-address share through to the app (400:
    # refused unfetched or unverified) and refused the rest itself (429).
    assert flood.statuses[400] >= 100, flood.statuses
    assert sent >= 500, flood.statuses
    assert set(flood.statuses) <= {400, 429}, flood.statuses
    answered = answered_in_time(results)
    assert answered >= math.ceil(0.99 * len(results)), results
    assert len(results) >= 20
    print(
        f"\nflood: {dict(flood.statuses)} in {FLOOD_SECONDS:.0f} s; Alexa: {answered} of "
        f"{len(results)} answered in time, slowest {max(t for _, t in results):.2f} s"
    )


@contextlib.contextmanager
def slow_bodies(
    nginx: Nginx, count: int, interval: float = 1.0
) -> Iterator[Callable[[], Counter[str]]]:
    """`count` connections from ATTACKER that send a whole head, then a 4 KiB body a byte
    every `interval` s (inside client_body_timeout, so nginx never times them out).
    Yields a function that tells how many are still trickling and how nginx answered."""
    head = (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"X-Test-Id: slow-body\r\nContent-Length: 4096\r\n\r\n{"
    )
    sockets: list[ssl.SSLSocket] = []
    outcome: Counter[str] = Counter()
    for _ in range(count):
        sock = attacker_socket(nginx)
        sock.sendall(head)
        sock.setblocking(False)
        sockets.append(sock)
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(interval):
            for sock in sockets:
                if sock.fileno() < 0:
                    continue
                with contextlib.suppress(ssl.SSLWantReadError, BlockingIOError):
                    reply = sock.recv(4096)
                    outcome["refused " + reply.split(b" ", 2)[1].decode()] += 1 if reply else 0
                    sock.close()
                    continue
                try:
                    sock.send(b"a")
                except (ssl.SSLWantWriteError, BlockingIOError):
                    pass
                except OSError:
                    outcome["dropped"] += 1
                    sock.close()

    def state() -> Counter[str]:
        current = Counter(outcome)
        current["trickling"] = sum(1 for sock in sockets if sock.fileno() >= 0)
        return current

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(10)
        for sock in sockets:
            sock.close()


def test_slow_bodies_from_one_address_cannot_fill_nginx(servers: tuple[Nginx, Gunicorn]) -> None:
    """Before: 1,700 connections trickling a byte every 3 s filled nginx; 0 of 40 Alexa
    requests answered for 70 s, and 39,253 alert lines in the error log."""
    nginx, gunicorn = servers
    log_before = nginx.error_log.stat().st_size if nginx.error_log.exists() else 0
    started = datetime.now(UTC)
    with slow_bodies(nginx, SLOW_BODIES) as state:
        time.sleep(3)  # nginx has answered the ones over the limit
        results = alexa_calls(nginx, 8)
        during = state()
    # One address holds at most PER_ADDRESS requests in progress; nginx refused the rest
    # at once (429), and the ones it holds stay with nginx, never a worker.
    assert during["trickling"] <= PER_ADDRESS, during
    assert during["refused 429"] >= SLOW_BODIES - PER_ADDRESS, during
    assert gunicorn.reached("slow-body") == []
    answered = answered_in_time(results)
    assert answered >= math.ceil(0.99 * len(results)), results
    assert max(took for _, took in results) < 2.0, results
    print(
        f"\nslow bodies: {dict(during)}; Alexa: {answered} of {len(results)} answered "
        f"in time, slowest {max(t for _, t in results):.2f} s"
    )
    # The error log stays quiet: refusals are "notice", below the log's level.
    written = nginx.error_log.read_bytes()[log_before:].decode(errors="replace")
    assert len(written.splitlines()) <= 5, (started, written[:2000])
