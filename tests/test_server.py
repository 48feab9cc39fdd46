"""Issue 12 through the real server: gunicorn as the README starts it (gunicorn.conf.py).

The app is bench/app.py: the production factory configured from the environment, with
verification on; only the certificate source and trust root are the test PKI's (read
from files, so a test can rotate the certificate in place; every fetch is logged to a
file, so a test can count them).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skill.web.verification import NEW_URLS_PER_MINUTE
from testing import ROOT, envelopes, pki
from testing.servers import free_port, wait_for
from testing.servers import stop as stop_process

LIMIT = 128 * 1024  # Settings.max_body_bytes


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def output(self) -> str:
        return (self.folder / "gunicorn.out").read_text(errors="replace")

    @property
    def fetches(self) -> list[str]:
        log = self.folder / "fetches.log"
        return log.read_text().splitlines() if log.exists() else []

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=dict(headers))
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, Any]:
        status, _, data = self.request("POST", "/", body, headers)
        return status, json.loads(data)

    def raw(self, data: bytes) -> bytes:
        """Send bytes as they are; the whole answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            with contextlib.suppress(OSError):  # the server may answer before reading it all
                sock.sendall(data)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        return reply


def start(folder: Path, env: Mapping[str, str], workers: int = 2) -> Server:
    """`gunicorn -c gunicorn.conf.py` with only the port (and maybe workers) changed."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "chain.pem").exists():
        (folder / "chain.pem").write_bytes(pki.chain_pem())
    (folder / "root.der").write_bytes(pki.root().der)
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SKILL_", "ALEXA_", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    clean.update(
        BENCH_PKI_DIR=str(folder),
        BENCH_FETCH_LOG=str(folder / "fetches.log"),
        SKILL_SQLITE_PATH=str(folder / "users.sqlite3"),
        PYTHONDONTWRITEBYTECODE="1",
        WEB_CONCURRENCY=str(workers),
    )
    clean.update(env)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "bench.app:app"]
    with (folder / "gunicorn.out").open("wb") as sink:
        process = subprocess.Popen(command, env=clean, stdout=sink, stderr=subprocess.STDOUT)
    return Server(process, port, folder)


def stop(server: Server) -> None:
    stop_process(server.process, wait=15)


def answering(server: Server) -> bool:
    assert server.process.poll() is None, server.output
    with contextlib.suppress(OSError, http.client.HTTPException):
        return server.request("GET", "/healthz")[0] == 200
    return False


@contextlib.contextmanager
def running(folder: Path, env: Mapping[str, str], workers: int = 2) -> Iterator[Server]:
    server = start(folder, env, workers)
    try:
        wait_for(lambda: answering(server), 30, "gunicorn answering /healthz")
        yield server
    finally:
        stop(server)


def refused_to_start(folder: Path, env: Mapping[str, str]) -> str:
    """Start one worker that must refuse; gunicorn's output once it has exited."""
    server = start(folder, env, workers=1)
    try:
        server.process.wait(30)
    finally:
        stop(server)
    assert server.process.returncode != 0
    return server.output


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The production setting: verification on, this skill's id."""
    folder = tmp_path_factory.mktemp("server")
    with running(folder, {"ALEXA_SKILL_ID": envelopes.APPLICATION_ID}) as server:
        yield server


def signed(envelope: dict[str, Any], **sign: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelope).encode()
    return body, {**pki.signed_headers(body, **sign), "Content-Type": "application/json"}


def junk_headers(cert_url: str = pki.DEFAULT_URL) -> dict[str, str]:
    """Signature headers that pass the presence check and nothing else."""
    return {"SignatureCertChainUrl": cert_url, "Signature-256": pki.sign(b"another body")}


# --- 1. deep JSON ---------------------------------------------------------------------


def test_deep_json_is_a_400_never_a_traceback(server: Server) -> None:
    nested = b"[" * 990 + b"]" * 990
    assert server.post(nested, junk_headers()) == (400, {"error": "request verification failed"})
    envelope = envelopes.launch(new=False)
    deep: Any = "bottom"
    for _ in range(500):
        deep = {"d": deep}
    envelope["session"]["attributes"] = {"deep": deep}
    assert server.post(*signed(envelope)) == (400, {"error": "JSON nested too deeply"})
    assert server.post(*signed(envelopes.launch()))[0] == 200  # and the service is fine
    assert "Traceback" not in server.output
    assert "RecursionError" not in server.output


def test_deep_json_without_verification_is_a_400(tmp_path: Path) -> None:
    env = {"SKILL_VERIFY_REQUESTS": "false"}
    with running(tmp_path, env, workers=1) as open_server:
        nested = b"[" * 990 + b"]" * 990
        assert open_server.post(nested, {}) == (400, {"error": "JSON nested too deeply"})
        assert "Traceback" not in open_server.output


# --- 3. and 4. fail-closed configuration --------------------------------------------------


@pytest.mark.parametrize("raw", ["flase", "disabled"])
def test_an_unreadable_verification_flag_refuses_to_start(tmp_path: Path, raw: str) -> None:
    env = {"ALEXA_SKILL_ID": envelopes.APPLICATION_ID, "SKILL_VERIFY_REQUESTS": raw}
    output = refused_to_start(tmp_path, env)
    assert f"refusing to start: SKILL_VERIFY_REQUESTS must be true or false, not '{raw}'" in (
        output
    )


def test_a_blank_verification_flag_keeps_verification_on(tmp_path: Path) -> None:
    env = {"ALEXA_SKILL_ID": envelopes.APPLICATION_ID, "SKILL_VERIFY_REQUESTS": ""}
    with running(tmp_path, env, workers=1) as blank:
        body = json.dumps(envelopes.launch()).encode()
        assert blank.post(body, {}) == (400, {"error": "request verification failed"})


def test_without_a_skill_id_the_service_refuses_to_start(tmp_path: Path) -> None:
    output = refused_to_start(tmp_path, {})
    assert "ALEXA_SKILL_ID is not set: refusing to start" in output


def test_the_explicit_opt_out_starts_and_says_so_loudly(tmp_path: Path) -> None:
    with running(tmp_path, {"SKILL_ALLOW_ANY_SKILL_ID": "true"}, workers=1) as any_skill:
        other = envelopes.launch(application_id="amzn1.ask.skill.another-skill")
        assert any_skill.post(*signed(other))[0] == 200
        logged = [json.loads(line) for line in any_skill.output.splitlines() if line.strip()]
        assert any(
            entry["log"] == "app"
            and entry["level"] == "WARNING"
            and entry["logger"] == "skill.web.app"
            and entry["message"].startswith("SKILL_ALLOW_ANY_SKILL_ID is on")
            for entry in logged
        ), any_skill.output  # one JSON object a line (gunicorn.conf.py)


def test_another_skills_request_is_refused(server: Server) -> None:
    other = envelopes.launch(application_id="amzn1.ask.skill.another-skill")
    assert server.post(*signed(other)) == (400, {"error": "request is for another skill"})


# --- 5. cheap checks first ------------------------------------------------------------


def test_stale_or_unsigned_requests_fetch_nothing(server: Server) -> None:
    assert server.post(*signed(envelopes.launch()))[0] == 200
    assert server.fetches, "the fetch log works: a signed request fetched the chain"
    envelope = envelopes.launch()
    envelope["request"]["timestamp"] = "2020-01-01T00:00:00Z"
    body, headers = signed(envelope)
    before = len(server.fetches)
    for n in range(30):
        url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n + 100}.pem"
        assert server.post(body, {**headers, "SignatureCertChainUrl": url})[0] == 400
        fresh = json.dumps(envelopes.launch()).encode()
        query = f"{pki.DEFAULT_URL}?bust={n}"
        assert server.post(fresh, junk_headers(query))[0] == 400
        assert server.post(fresh, {})[0] == 400  # no signature headers at all
    assert len(server.fetches) == before


def test_new_certificate_urls_are_fetched_within_a_budget(server: Server) -> None:
    for _ in range(8):  # both workers have Alexa's URL cached before the flood
        assert server.post(*signed(envelopes.launch()))[0] == 200
    before = len(server.fetches)
    body = json.dumps(envelopes.launch()).encode()
    statuses = []
    for n in range(40):
        url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n + 200}.pem"
        statuses.append(server.post(body, junk_headers(url))[0])
    assert set(statuses) == {400}
    fetched = len(server.fetches) - before
    assert 0 < fetched <= 2 * NEW_URLS_PER_MINUTE  # two workers, one budget each
    assert server.post(*signed(envelopes.launch()))[0] == 200  # the cached URL still works


def test_a_certificate_rotated_in_place_is_fetched_again(tmp_path: Path) -> None:
    env = {"ALEXA_SKILL_ID": envelopes.APPLICATION_ID}
    with running(tmp_path, env) as rotating:
        for _ in range(6):  # both workers cache the first chain
            assert rotating.post(*signed(envelopes.launch()))[0] == 200
        rotated = pki.other_key_leaf()
        (tmp_path / "chain.pem").write_bytes(pki.chain_pem(rotated))
        for _ in range(6):
            status, answer = rotating.post(*signed(envelopes.launch(), key=rotated.key))
            assert status == 200, answer
        assert len(rotating.fetches) <= 4  # once per worker, then once more each


# --- 8. smaller gaps --------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_413(server: Server) -> None:
    chunk = b"x" * 16384
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // len(chunk) + 1))
    reply = server.raw(
        b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert json.loads(body) == {"error": f"body larger than {LIMIT} bytes"}


def test_a_chunked_body_at_the_limit_is_read_whole(server: Server) -> None:
    chunk = b" " * 16384  # whitespace: read in full, then "empty body"
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // len(chunk)))
    reply = server.raw(
        b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert json.loads(body) == {"error": "empty body"}  # exactly the limit: not a 413


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("OPTIONS", "/", 405, "POST"),
        ("OPTIONS", "/healthz", 405, "GET, HEAD"),
        ("HEAD", "/", 405, "POST"),
        ("GET", "/", 405, "POST"),
        ("FOO", "/", 405, "POST"),
        ("POST", "/healthz", 405, "GET, HEAD"),
        ("GET", "/nowhere", 404, None),
    ],
)
def test_every_answer_of_the_app_is_json(
    server: Server, method: str, path: str, status: int, allow: str | None
) -> None:
    got, headers, body = server.request(method, path)
    assert got == status
    assert headers.get("Content-Type") == "application/json"
    assert headers.get("Allow") == allow
    if method != "HEAD":
        assert "error" in json.loads(body)


def test_head_healthz_is_answered(server: Server) -> None:
    status, headers, body = server.request("HEAD", "/healthz")
    assert (status, headers.get("Content-Type"), body) == (200, "application/json", b"")


@pytest.mark.parametrize(
    ("request_head", "status", "reason"),
    [
        (b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri too long"),
        (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 60 + b"\r\n", 431, None),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "bad request"),
    ],
)
def test_gunicorns_own_errors_are_json_too(
    server: Server, request_head: bytes, status: int, reason: str | None
) -> None:
    reply = server.raw(request_head)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status), head
    assert b"Content-Type: application/json" in head
    answer = json.loads(body)
    assert answer == {"error": reason} if reason else set(answer) == {"error"}
    assert b"aaaa" not in body and b"<html" not in body


def test_forget_leaves_nothing_in_the_servers_database(server: Server) -> None:
    user = "amzn1.ask.account.SERVER-FORGET-ME"
    for _ in range(3):
        assert server.post(*signed(envelopes.intent("TimingIntent", user_id=user)))[0] == 200
    db = server.folder / "users.sqlite3"
    assert b"SERVER-FORGET-ME" in db.read_bytes() + _wal(db)  # the control
    forget = envelopes.intent("ForgetMeIntent", user_id=user, new=True)
    status, answer = server.post(*signed(forget))
    assert status == 200 and answer["response"]["shouldEndSession"] is False
    yes = envelopes.intent("AMAZON.YesIntent", user_id=user, new=False)
    yes["session"]["attributes"] = answer["sessionAttributes"]
    assert server.post(*signed(yes))[0] == 200
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            assert b"SERVER-FORGET-ME" not in path.read_bytes(), path.name
            assert path.stat().st_mode & 0o777 == 0o600, path.name


def _wal(db: Path) -> bytes:
    wal = db.with_name(db.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""
