"""End to end: real nginx (deploy/nginx/bedtime-magnesium.conf) in front of real gunicorn.

gunicorn runs with the shipped gunicorn.conf.py (2 sync workers) and the production app
factory with request verification on; only the certificate source and trust root are the
test PKI's (bench/app.py). nginx runs the shipped server block with only its ports
and file paths replaced, behind a self-signed certificate made here. Requests are signed
and sent over TLS. Skipped, with the reason, when nginx is not installed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.content import privacy_policy
from testing import ROOT, envelopes, pki
from testing.servers import free_port, stop, wait_for

SITE = ROOT / "deploy" / "nginx" / "bedtime-magnesium.conf"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
LIMIT = 128 * 1024  # Settings.max_body_bytes
WORKERS = 2  # gunicorn.conf.py's default
SLOW_CLIENTS = 6
#: worker_connections in the test's nginx.conf: what the site file asks operators to set.
NGINX_CONNECTIONS = 8192
#: What gunicorn logs per request: which requests reached the app, and with which headers.
ACCESS_FORMAT = (
    "%(m)s %(U)s %(s)s id=%({x-test-id}i)s proto=%({x-forwarded-proto}i)s "
    "for=%({x-forwarded-for}i)s"
)


def nginx_binary() -> str:
    """The distribution's nginx, or skip the module saying why."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.skip(
            "nginx not installed: the proxy tests need the nginx binary "
            "(apt-get install nginx; .ci/run installs it)"
        )
    return found


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


# --- the two servers -------------------------------------------------------------------


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int
    access_log: Path
    output: Path

    def workers(self) -> list[int]:
        """The master's child processes."""
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return []

    def reached(self, test_id: str) -> list[str]:
        """gunicorn's access-log lines of the requests tagged `test_id`."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        messages = [json.loads(line)["message"] for line in lines]  # one JSON object a line
        return [message for message in messages if f" id={test_id} " in message]


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    port: int
    cert: Path
    access_log: Path
    error_log: Path
    context: ssl.SSLContext = field(init=False)

    def __post_init__(self) -> None:
        self.context = ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def nginx_path() -> str:
    return nginx_binary()


@contextlib.contextmanager
def running_gunicorn(tmp: Path, **extra_env: str) -> Iterator[Gunicorn]:
    """gunicorn -c gunicorn.conf.py on a free port, serving bench.app (verification on),
    its state (SQLite, the saved certificate URL) in `tmp`; stopped afterwards."""
    (tmp / "chain.pem").write_bytes(pki.chain_pem())
    (tmp / "root.der").write_bytes(pki.root().der)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SKILL_", "ALEXA_", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    env.update(
        BENCH_PKI_DIR=str(tmp),
        ALEXA_SKILL_ID=envelopes.APPLICATION_ID,
        SKILL_SQLITE_PATH=str(tmp / "users.sqlite3"),
        PYTHONDONTWRITEBYTECODE="1",
        **extra_env,
    )
    port = free_port()
    access_log, output = tmp / "access.log", tmp / "gunicorn.out"
    command = [
        *(sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)),
        # Only the port and an access log of what reached the app differ from production.
        *("--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT)),
        *("--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT),
        "bench.app:app",
    ]
    with output.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Gunicorn(process, port, access_log, output)
    try:

        def ready() -> bool:
            assert process.poll() is None, output.read_text()
            status, _, _ = plain_request(port, "GET", "/healthz", timeout=2)
            return status == 200 and len(server.workers()) == WORKERS

        wait_for(ready, 30, "gunicorn with 2 workers answering /healthz")
        yield server
    finally:
        stop(process, signal.SIGTERM)


@pytest.fixture(scope="module")
def gunicorn(nginx_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """gunicorn with the shipped settings, shared by this module's tests."""
    with running_gunicorn(tmp_path_factory.mktemp("gunicorn")) as server:
        yield server


@contextlib.contextmanager
def running_nginx(nginx_path: str, gunicorn: Gunicorn, tmp: Path) -> Iterator[Nginx]:
    """nginx -g 'daemon off;' running the shipped server block on a free port."""
    cert, key = self_signed(tmp)
    port = free_port()
    access_log = tmp / "access.log"
    site = SITE.read_text()
    # Ports and file paths only: everything else is tested as shipped.
    replacements = {
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{gunicorn.port};",
        "/etc/letsencrypt/live/skill.example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/skill.example.com/privkey.pem": str(key),
        "/var/log/nginx/bedtime-magnesium.access.log": str(access_log),
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"{SITE.name} no longer has exactly one {old!r}"
        site = site.replace(old, new)
    (tmp / "bedtime-magnesium.conf").write_text(site)
    # The surroundings Debian's /etc/nginx/nginx.conf would give, kept inside tmp, with
    # the connection room the site file asks for. As root, nginx's workers would run as
    # nobody, who cannot enter pytest's 0700 folders. error_log at "error", Debian's level.
    user = "user root;" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
worker_rlimit_nofile {NGINX_CONNECTIONS * 2};
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} error;
events {{
    worker_connections {NGINX_CONNECTIONS};
}}
http {{
    default_type application/octet-stream;
{temp_paths}
    include {tmp / "bedtime-magnesium.conf"};
}}
"""
    )
    base = [
        nginx_path,
        "-p",
        f"{tmp}/",
        "-c",
        str(tmp / "nginx.conf"),
        "-e",
        str(tmp / "error.log"),
    ]
    checked = subprocess.run([*base, "-t"], capture_output=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr.decode(errors="replace")
    output = tmp / "nginx.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [*base, "-g", "daemon off;"], stdout=sink, stderr=subprocess.STDOUT
        )
    server = Nginx(process, port, cert, access_log, tmp / "error.log")
    try:

        def ready() -> bool:
            assert process.poll() is None, (tmp / "error.log").read_text()
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            return False

        wait_for(ready, 15, "nginx listening")
        yield server
    finally:
        stop(process, signal.SIGQUIT)


@pytest.fixture(scope="module")
def nginx(
    nginx_path: str, gunicorn: Gunicorn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nginx]:
    """nginx with the shipped server block in front of the module's gunicorn."""
    with running_nginx(nginx_path, gunicorn, tmp_path_factory.mktemp("nginx")) as server:
        yield server


# --- clients ---------------------------------------------------------------------------


def plain_request(
    port: int, method: str, path: str, *, timeout: float
) -> tuple[int, dict[str, str], bytes]:
    """One request straight to gunicorn; status 0 when it could not be made."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, b""
    finally:
        conn.close()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> object:
        return json.loads(self.body)


def send(
    server: Nginx,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 5,
) -> Answer:
    """One request over a new TLS connection to nginx; `seconds` includes the handshake."""
    started = time.perf_counter()
    conn = http.client.HTTPSConnection(
        "127.0.0.1", server.port, timeout=timeout, context=server.context
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return Answer(
            response.status, dict(response.getheaders()), data, time.perf_counter() - started
        )
    finally:
        conn.close()


def signed_question(test_id: str) -> tuple[bytes, dict[str, str]]:
    """ "Alexa, ask bedtime magnesium when to take it", signed with the test PKI."""
    body = json.dumps(envelopes.intent("TimingIntent")).encode()
    headers = {
        **pki.signed_headers(body),
        "Content-Type": "application/json",
        "X-Test-Id": test_id,
    }
    return body, headers


def spoken(answer: Answer) -> str:
    data = answer.json()
    assert isinstance(data, dict), data
    ssml = data["response"]["outputSpeech"]["ssml"]
    assert isinstance(ssml, str)
    return ssml


class SlowClients:
    """Connections that send a request a byte at a time and never finish it.

    Half stall in the request head, half in a 4 KiB body they announced. One thread
    sends one byte on each every `interval` seconds until `close()`.
    """

    def __init__(self, connect: Callable[[], socket.socket], count: int) -> None:
        self.sockets: list[socket.socket] = []
        self.sent = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        tag = b"X-Test-Id: slow-client\r\n"
        for index in range(count):
            sock = connect()
            if index % 2:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n" + tag + b"X-Slow: ")
            else:
                sock.sendall(
                    b"POST / HTTP/1.1\r\nHost: localhost\r\n" + tag + b"Content-Length: 4096\r\n"
                    b"Content-Type: application/json\r\n\r\n{"
                )
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self, interval: float = 0.1, limit: float = 20) -> None:
        deadline = time.monotonic() + limit
        while not self._stop.wait(interval) and time.monotonic() < deadline:
            for sock in self.sockets:
                try:
                    sock.sendall(b"a")
                    self.sent += 1
                except OSError as error:
                    self.failures.append(repr(error))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in self.sockets:
            sock.close()


@contextlib.contextmanager
def slow_clients(connect: Callable[[], socket.socket]) -> Iterator[SlowClients]:
    clients = SlowClients(connect, SLOW_CLIENTS)
    try:
        yield clients
    finally:
        clients.close()


def tls_connector(server: Nginx) -> Callable[[], socket.socket]:
    def connect() -> socket.socket:
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        return server.context.wrap_socket(raw, server_hostname="localhost")

    return connect


# --- tests -----------------------------------------------------------------------------


def test_gunicorn_runs_the_shipped_settings(gunicorn: Gunicorn) -> None:
    assert len(gunicorn.workers()) == WORKERS
    status, _, body = plain_request(gunicorn.port, "GET", "/healthz", timeout=2)
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_signed_requests_are_answered_over_tls(nginx: Nginx, gunicorn: Gunicorn) -> None:
    test_id = uuid.uuid4().hex
    answer = send(nginx, "POST", "/", *signed_question(test_id))
    assert answer.status == 200, answer.body
    assert "bedtime" in spoken(answer)
    wait_for(lambda: bool(gunicorn.reached(test_id)), 5, "the request in gunicorn's log")
    # The app heard it from nginx, over HTTPS, for the client's address.
    assert gunicorn.reached(test_id) == [f"POST / 200 id={test_id} proto=https for=127.0.0.1"]


def test_an_unsigned_request_is_still_refused_behind_the_proxy(nginx: Nginx) -> None:
    body, headers = signed_question(uuid.uuid4().hex)
    headers["Signature-256"] = pki.sign(b"another body")
    answer = send(nginx, "POST", "/", body, headers)
    assert (answer.status, answer.json()) == (400, {"error": "request verification failed"})


def test_slow_clients_do_not_stall_healthz_or_signed_requests(
    nginx: Nginx, gunicorn: Gunicorn
) -> None:
    with slow_clients(tls_connector(nginx)) as slow:
        wait_for(lambda: slow.sent >= 2 * SLOW_CLIENTS, 5, "slow clients trickling")
        sent_before = slow.sent
        answers: list[Answer] = []
        started = time.monotonic()
        # Two seconds of requests, a pair every 50 ms, while the slow clients trickle.
        for round_ in range(100):
            if round_ >= 4 and time.monotonic() - started > 2:
                break
            time.sleep(0.05)
            answers.append(send(nginx, "GET", "/healthz", timeout=3))
            answer = send(nginx, "POST", "/", *signed_question(f"slow-{round_}"), timeout=3)
            assert answer.status == 200, answer.body
            assert "bedtime" in spoken(answer)
            answers.append(answer)
        # The slow clients stayed connected and kept trickling the whole time.
        assert slow.failures == []
        rounds_during = (slow.sent - sent_before) // SLOW_CLIENTS
    assert all(a.status == 200 for a in answers), [a.status for a in answers]
    slowest = max(a.seconds for a in answers)
    assert slowest < 1.0, f"slowest of {len(answers)} answers took {slowest:.2f} s"
    assert rounds_during >= 10, f"the slow clients sent only {rounds_during} bytes each"
    # None of the unfinished requests was handed to a worker.
    assert gunicorn.reached("slow-client") == []


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/admin", 404, None),
        ("POST", "/admin", 404, None),
        ("GET", "/index.html", 404, None),
        ("POST", "/healthz/../admin", 404, None),
        ("GET", "/", 405, "POST"),
        ("PUT", "/", 405, "POST"),
        ("OPTIONS", "/", 405, "POST"),
        ("DELETE", "/healthz", 405, "GET"),
        ("POST", "/healthz", 405, "GET"),
        ("POST", "/privacy", 405, "GET"),
        ("GET", "/privacy/../admin", 404, None),
    ],
)
def test_only_post_root_get_healthz_and_get_privacy_reach_the_app(
    nginx: Nginx, gunicorn: Gunicorn, method: str, path: str, status: int, allow: str | None
) -> None:
    test_id = uuid.uuid4().hex
    answer = send(nginx, method, path, b"{}", {"X-Test-Id": test_id})
    assert answer.status == status
    assert answer.headers.get("Content-Type") == "application/json"
    expected = {404: "not found", 405: "method not allowed"}[status]
    assert answer.json() == {"error": expected}
    assert answer.headers.get("Allow") == allow
    # Allowed requests sent just now are already logged; this one never reached the app.
    send(nginx, "GET", "/healthz", headers={"X-Test-Id": test_id + "-allowed"})
    wait_for(lambda: bool(gunicorn.reached(test_id + "-allowed")), 5, "the allowed request")
    assert gunicorn.reached(test_id) == []


def test_the_access_log_has_no_query_strings(nginx: Nginx) -> None:
    answer = send(nginx, "GET", "/healthz?token=secret-token")
    assert answer.status == 200
    wait_for(lambda: "/healthz" in nginx.access_log.read_text(), 5, "nginx's access log")
    assert "secret-token" not in nginx.access_log.read_text()


def test_a_body_over_the_limit_gets_413_from_nginx(nginx: Nginx, gunicorn: Gunicorn) -> None:
    test_id = uuid.uuid4().hex
    answer = send(nginx, "POST", "/", b"x" * (LIMIT + 1), {"X-Test-Id": test_id})
    assert (answer.status, answer.json()) == (413, {"error": f"body larger than {LIMIT} bytes"})
    # Exactly at the limit it is the app's to judge (unsigned: 400), so the limits agree.
    at_limit = send(nginx, "POST", "/", b"x" * LIMIT, {"X-Test-Id": test_id + "-at"})
    assert (at_limit.status, at_limit.json()) == (400, {"error": "request verification failed"})
    assert gunicorn.reached(test_id) == []


def test_a_chunked_body_over_the_limit_gets_413(nginx: Nginx) -> None:
    chunk = b"x" * 16384
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // len(chunk) + 1))
    request = (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    with tls_connector(nginx)() as sock:
        with contextlib.suppress(OSError):  # nginx may answer before reading it all
            sock.sendall(request)
        reply = b""
        while len(reply) < 4096 and (data := sock.recv(4096)):
            reply += data
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert json.loads(body) == {"error": f"body larger than {LIMIT} bytes"}


def test_without_nginx_the_same_slow_clients_stall_gunicorn(gunicorn: Gunicorn) -> None:
    """The control: what nginx protects against is real with the shipped gunicorn settings."""

    def connect() -> socket.socket:
        return socket.create_connection(("127.0.0.1", gunicorn.port), timeout=5)

    with slow_clients(connect) as slow:
        wait_for(lambda: slow.sent >= 2 * SLOW_CLIENTS, 5, "slow clients trickling")
        started = time.perf_counter()
        status, _, _ = plain_request(gunicorn.port, "GET", "/healthz", timeout=1.5)
        waited = time.perf_counter() - started
    assert status == 0 and waited >= 1.4, f"/healthz answered {status} in {waited:.2f} s"
    # Once the slow clients hang up, the workers are free again.
    wait_for(
        lambda: plain_request(gunicorn.port, "GET", "/healthz", timeout=1)[0] == 200,
        10,
        "gunicorn answering again",
    )


def test_the_privacy_policy_skill_json_links_to_is_served_through_nginx(nginx: Nginx) -> None:
    answer = send(nginx, "GET", "/privacy")
    assert answer.status == 200
    assert answer.headers.get("Content-Type", "").startswith("text/html")
    assert answer.body.decode("utf-8") == privacy_policy(None, None)


def test_every_line_gunicorn_writes_is_one_json_object(nginx: Nginx, gunicorn: Gunicorn) -> None:
    """One log format in production: gunicorn's error log, its access log, the app's
    logging and the request lines, each line one JSON object with `time` and `log`."""
    assert send(nginx, "GET", "/healthz").status == 200
    wait_for(lambda: gunicorn.access_log.exists(), 5, "gunicorn's access log")
    lines = gunicorn.output.read_text().splitlines() + gunicorn.access_log.read_text().splitlines()
    parsed = [json.loads(line) for line in lines if line.strip()]
    kinds = {entry["log"] for entry in parsed}
    assert {"gunicorn", "access", "request"} <= kinds, kinds
    assert all("time" in entry for entry in parsed)
    access = next(entry for entry in parsed if entry["log"] == "access")
    assert {"method", "path", "status", "latency_ms"} <= set(access)


@pytest.mark.parametrize(
    ("request_bytes", "status", "error"),
    [
        # A transfer coding nginx does not know.
        (
            b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "not implemented",
        ),
        (b"GET /healthz HTTP/2.0\r\nHost: localhost\r\n\r\n", 505, "http version not supported"),
        # HTTP/2's connection preface, sent to an HTTP/1.1 server.
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "bad request"),
    ],
    ids=["501-transfer-coding", "505-version", "pri-preface"],
)
def test_nginx_answers_what_it_cannot_parse_in_json(
    nginx: Nginx, request_bytes: bytes, status: int, error: str
) -> None:
    with tls_connector(nginx)() as sock:
        sock.sendall(request_bytes)
        reply = b""
        while data := sock.recv(4096):
            reply += data
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == str(status).encode(), head
    assert b"Content-Type: application/json" in head, head
    assert json.loads(body) == {"error": error}
