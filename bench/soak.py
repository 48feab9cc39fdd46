"""Soak and fault run: gunicorn under a minute of signed, whole-session load, with faults.

`make soak` (or `.venv/bin/python -B -m bench.soak`); not part of the test suite. About
65 s: gunicorn with 2 sync workers on 127.0.0.1 serves `bench.soak_app:app` (the
production app, configured from the environment, verification on against the test PKI,
SQLite memory in a temp dir), while client threads play 200 listeners. Each listener's
sessions are sequential, as a person's are: "open" (LaunchRequest, new session), one to
three questions, then "stop" (or a SessionEndedRequest); or a one-shot question. Every
body is signed with `tests.pki`. Nothing is written inside the repository.

Faults, each a few seconds while the load runs, then cleared:
  (a) the database locked: another process holds BEGIN EXCLUSIVE for 3 s;
  (b) the database directory unwritable (chmod; skipped as root, which ignores it);
  (c) the certificate fetch hanging: a new SignatureCertChainUrl (not yet cached) is used
      while the fetch hangs; it must be refused (400) within the fetch timeout
      (SKILL_CERT_FETCH_TIMEOUT=1) without holding up other requests for long, and the
      same URL must work once the fault clears;
  (d) the Reminders API down (503), then slow (past SKILL_API_TIMEOUT=1): "remind me at
      9:15" gets the calm "couldn't reach" answer in time, and works again afterwards
      (requests point their apiEndpoint at tests/fake_alexa_api.py over TLS; the workers
      trust its CA through REQUESTS_CA_BUNDLE). Skipped with a note if not wired yet.

Invariants (exit status 1 if any fails):
  * every load request gets 200, a valid envelope with well-formed SSML, the words
    expected for it, and never the apology (also during faults); probes in (c) get 400;
  * no lost writes: after the run, each listener's stored `visits` and `topics_heard`
    are checked against what the driver did. A request whose [sent, answered] interval
    overlaps a database fault window (a, b; from just before the locker process starts
    to just after it reports the release) may have had its write skipped (the skill
    answers without memory by design), and so may every request of its session, since
    the skill writes a session's visit and topics once, when the session ends: those
    are counted and reported, not failed. Every other request must be in the store:
    visits_outside <= visits <= sessions_started and
    topics_outside <= topics_heard <= topics_asked, per listener. "Skipped" counts
    what was sent but is not stored; the server's "carrying on without it" warnings count
    every failed write, including ones that only repeated a topic already stored;
  * no worker restarts, no "error handling"/"unexpected error" lines in the server log;
  * worker RSS grows by less than RSS_GROWTH_LIMIT_MIB between start and end of load.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.content import load_content
from skill.handlers.answers import ANSWER_FOR_INTENT
from tests import envelopes, pki
from tests.talk import plain

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
FETCH_TIMEOUT = 1.0
LOCK_SECONDS = 3.0
HANG_SECONDS = 4.0
CHMOD_SECONDS = 3.0
FAULT_SECONDS_D = 4.0
API_TIMEOUT = 1.0
REQUEST_TIMEOUT = 15.0
RSS_GROWTH_LIMIT_MIB = 32.0
#: A second chain URL that passes Alexa's URL rules and is not cached before fault (c).
ROTATED_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-soak-rotated.pem"
PROBE_USER = "amzn1.ask.account.SOAKPROBE"
REMINDER_USER = "amzn1.ask.account.SOAKREMINDER"
REMINDER_INTENT = "SetReminderIntent"

CONTENT = load_content()
PROMPTS = CONTENT.prompts

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
conn.close()
print("released", flush=True)
"""


# --- what the listeners ask ------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    intent: str
    topic: str
    slots: Callable[[], dict[str, Any]] | None = None

    @property
    def words(self) -> str:
        return CONTENT.answer(self.topic).speech


QUESTIONS = [Question(name, topic) for name, topic in sorted(ANSWER_FOR_INTENT.items())] + [
    Question(
        "BenefitDetailIntent",
        "sleep_quality",
        lambda: {"benefit": envelopes.benefit("sleep", "sleep_quality")},
    ),
    Question(
        "BenefitDetailIntent",
        "muscle_relaxation",
        lambda: {"benefit": envelopes.benefit("muscles", "muscle_relaxation")},
    ),
]


# --- one request -----------------------------------------------------------------------


@dataclass
class Sent:
    """One request and how it went; `problem` is None when the answer was as expected."""

    kind: str  # first (opens a session: launch or one-shot), question, stop, ended, probe
    user: str
    topic: str | None
    start: float
    end: float
    status: int
    problem: str | None
    session: str = ""  # the Alexa session this request belongs to

    @property
    def seconds(self) -> float:
        return self.end - self.start


def post(port: int, envelope: dict[str, Any], cert_url: str) -> tuple[int, Any, float, float]:
    """Sign and POST one envelope; (status or 0 if no answer, parsed JSON or None, times)."""
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json", **pki.signed_headers(body, cert_url=cert_url)}
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        return 0, None, start, time.monotonic()
    finally:
        conn.close()
    end = time.monotonic()
    try:
        return status, json.loads(raw), start, end
    except ValueError:
        return status, None, start, end


def problem_with(status: int, data: Any, expect: tuple[str, ...] | None) -> str | None:
    """Why this is not a 200 valid envelope saying one of `expect` (None: silence), or None."""
    if status != 200:
        return f"HTTP {status}" if status else "no answer"
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        return "not a response envelope"
    response = data.get("response")
    if not isinstance(response, dict):
        return "not a response envelope"
    ssml = (response.get("outputSpeech") or {}).get("ssml")
    if ssml is None:
        return None if expect is None else "no speech"
    try:
        ET.fromstring(str(ssml).encode("utf-8"))
    except (ET.ParseError, UnicodeEncodeError):
        return "SSML not well-formed"
    words = plain(ssml)
    if PROMPTS.error in words:
        return "apology"
    if expect is not None and not any(part in words for part in expect):
        return "unexpected words"
    return None


# --- listeners -------------------------------------------------------------------------


@dataclass
class Listener:
    user: str
    sessions: int = 0
    topics_asked: set[str] = field(default_factory=set)


class Load:
    """Client threads; each owns a fixed set of listeners so a listener is never concurrent."""

    def __init__(self, port: int, users: int, threads: int, seed: int) -> None:
        self.port = port
        self.listeners = [Listener(f"amzn1.ask.account.SOAK{n:04d}") for n in range(users)]
        self.threads = threads
        self.seed = seed
        self.sent: list[list[Sent]] = [[] for _ in range(threads)]
        self.sessions = Counter[str]()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), name=f"listeners-{index}")
            thread.start()
            self._workers.append(thread)

    def stop(self, timeout: float) -> bool:
        """Let sessions in progress finish; True if every thread ended within `timeout`."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._workers)

    def all_sent(self) -> list[Sent]:
        return [item for batch in self.sent for item in batch]

    def _run(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        mine = self.listeners[index :: self.threads]
        while not self._stop.is_set():
            listener = rng.choice(mine)
            if rng.random() < 0.3:
                self._one_shot(index, rng, listener)
            else:
                self._session(index, rng, listener)

    def _send(
        self,
        index: int,
        kind: str,
        listener: Listener,
        envelope: dict[str, Any],
        expect: tuple[str, ...] | None,
        topic: str | None = None,
    ) -> Any:
        status, data, start, end = post(self.port, envelope, pki.DEFAULT_URL)
        problem = problem_with(status, data, expect)
        session = str((envelope.get("session") or {}).get("sessionId", ""))
        self.sent[index].append(
            Sent(kind, listener.user, topic, start, end, status, problem, session)
        )
        return data if problem is None else None

    def _one_shot(self, index: int, rng: random.Random, listener: Listener) -> None:
        question = rng.choice(QUESTIONS)
        listener.sessions += 1
        listener.topics_asked.add(question.topic)
        with self._lock:
            self.sessions["one-shot"] += 1
        envelope = envelopes.intent(
            question.intent,
            question.slots() if question.slots else None,
            new=True,
            user_id=listener.user,
            application_id=envelopes.APPLICATION_ID,
        )
        self._send(index, "first", listener, envelope, (question.words,), question.topic)

    def _session(self, index: int, rng: random.Random, listener: Listener) -> None:
        session: dict[str, Any] = {
            "session_id": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "user_id": listener.user,
            "application_id": envelopes.APPLICATION_ID,
        }
        listener.sessions += 1
        with self._lock:
            self.sessions["full"] += 1
        welcome = (PROMPTS.welcome, PROMPTS.welcome_back)
        data = self._send(index, "first", listener, envelopes.launch(new=True, **session), welcome)
        for _ in range(rng.randint(1, 3)):
            if data is None:
                return  # the session broke (already counted as an error)
            question = rng.choice(QUESTIONS)
            listener.topics_asked.add(question.topic)
            envelope = envelopes.intent(
                question.intent,
                question.slots() if question.slots else None,
                new=False,
                attributes=data.get("sessionAttributes") or {},
                **session,
            )
            words = (question.words,)
            data = self._send(index, "question", listener, envelope, words, question.topic)
        if data is None:
            return
        attributes = data.get("sessionAttributes") or {}
        if rng.random() < 0.8:
            stop = envelopes.intent(
                "AMAZON.StopIntent", new=False, attributes=attributes, **session
            )
            self._send(index, "stop", listener, stop, (PROMPTS.goodbye,))
        else:
            ended = envelopes.session_ended(
                "EXCEEDED_MAX_REPROMPTS", attributes=attributes, **session
            )
            self._send(index, "ended", listener, ended, None)


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    """The master's child processes (its workers)."""
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


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def gunicorn(tmp: Path, port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn with 2 sync workers (as in the README); always stopped on the way out."""
    log = (tmp / "gunicorn.log").open("wb")
    command = [
        *(sys.executable, "-B", "-m", "gunicorn", "--workers", str(WORKERS)),
        *("--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--no-control-socket"),
        *("--worker-tmp-dir", str(tmp), "--graceful-timeout", "5"),
        "bench.soak_app:app",
    ]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        log.close()


def wait_until_ready(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(children(process.pid)) == WORKERS:
                    return
            finally:
                conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready within {timeout} s")


# --- faults ------------------------------------------------------------------------------


@dataclass
class Window:
    """A fault's span (monotonic seconds) and what was seen during and after it."""

    name: str
    start: float = 0.0
    end: float = 0.0
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def overlaps(self, sent: Sent) -> bool:
        return not self.skipped and sent.start <= self.end and sent.end >= self.start


def lock_database(db: Path, window: Window) -> None:
    """(a): another process holds BEGIN EXCLUSIVE; the window spans spawn to release."""
    window.start = time.monotonic()  # the lock cannot be taken before the process exists
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(db), str(LOCK_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None
        lines = [locker.stdout.readline().strip(), locker.stdout.readline().strip()]
        locker.wait(10)
    finally:
        if locker.poll() is None:
            locker.kill()
            locker.wait(5)
    window.end = time.monotonic()
    if lines != ["locked", "released"] or locker.returncode != 0:
        window.failures.append(f"the locker did not run as planned: {lines}")
    window.notes.append(f"held BEGIN EXCLUSIVE for {LOCK_SECONDS:.0f} s")


def unwritable_directory(db: Path, window: Window) -> None:
    """(b): the database directory read-only; root ignores permissions, so skip as root."""
    if os.geteuid() == 0:
        window.skipped = "running as root, which ignores chmod"
        return
    directory = db.parent
    files = [path for path in directory.iterdir() if path.name.startswith(db.name)]
    modes = {path: path.stat().st_mode for path in [directory, *files]}
    window.start = time.monotonic()
    try:
        for path in files:
            path.chmod(0o400)
        directory.chmod(0o500)
        time.sleep(CHMOD_SECONDS)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
        window.end = time.monotonic()
    window.notes.append(f"{CHMOD_SECONDS:.0f} s; connections opened before keep their write access")


def hanging_cert_fetch(port: int, fault_dir: Path, window: Window) -> list[Sent]:
    """(c): requests on a new chain URL while the fetch hangs, then after it recovers."""
    probe = Listener(PROBE_USER)
    flag = fault_dir / "cert-hang"
    probes: list[Sent] = []

    def send(kind: str, expect_ok: bool) -> Sent:
        status, data, start, end = post(port, envelopes.launch(user_id=PROBE_USER), ROTATED_URL)
        if expect_ok:
            problem = problem_with(status, data, (PROMPTS.welcome, PROMPTS.welcome_back))
        elif status != 400 or not isinstance(data, dict) or "error" not in data:
            problem = f"HTTP {status} {data!r:.80}, expected 400"
        elif end - start > FETCH_TIMEOUT + 1.0:
            problem = f"refused only after {end - start:.2f} s"
        else:
            problem = None
        sent = Sent(kind, probe.user, None, start, end, status, problem)
        probes.append(sent)
        return sent

    flag.touch()
    window.start = time.monotonic()
    try:
        while time.monotonic() - window.start < HANG_SECONDS:
            send("probe during hang", expect_ok=False)
    finally:
        flag.unlink()
        window.end = time.monotonic()
    for _ in range(6):
        send("probe after hang", expect_ok=True)
    during = [p for p in probes if p.kind == "probe during hang"]
    after = [p for p in probes if p.kind == "probe after hang"]
    slowest = max((p.seconds for p in during), default=0.0)
    window.notes.append(
        f"{len(during)} probes on a new chain URL: "
        f"{sum(p.problem is None for p in during)} refused 400 (slowest {slowest:.2f} s); "
        f"after: {sum(p.problem is None for p in after)}/{len(after)} answered 200"
    )
    window.failures += [f"{p.kind}: {p.problem}" for p in probes if p.problem]
    return probes


def reminders_problem() -> str | None:
    """Why fault (d) cannot run in this tree yet, or None when it can."""
    if not (ROOT / "skill" / "reminders.py").exists():
        return "skill/reminders.py does not exist yet"
    if not (ROOT / "tests" / "fake_alexa_api.py").exists():
        return "tests/fake_alexa_api.py does not exist yet"
    from skill.builder import request_handlers

    handled = {name for h in request_handlers() for name in getattr(h, "intent_names", ())}
    if REMINDER_INTENT not in handled:
        return f"no request handler for {REMINDER_INTENT} yet, so nothing calls the API"
    if not all(hasattr(PROMPTS, name) for name in ("reminder_set", "reminder_unavailable")):
        return "the content has no reminder prompts yet"
    return None


def reminders_fault(port: int, api: Any, window: Window) -> list[Sent]:
    """(d): "remind me at 9:15" while the fake Reminders API answers 503, then slowly.

    Before and after: the reminder is set (the fake stores it). During: the calm
    "couldn't reach Alexa's reminders" answer, within the API timeout, never the apology.
    """
    from tests.fake_alexa_api import REMINDERS_PATH, point_at

    done = PROMPTS.reminder_set.split("{")[0].strip()
    unavailable = PROMPTS.reminder_unavailable
    probes: list[Sent] = []

    def ask(kind: str, fault: Callable[[], None] | None) -> None:
        if fault is not None:
            fault()
        before = len(api.created)
        slots = {"time": envelopes.slot("time", "21:15")}
        envelope = envelopes.intent(
            REMINDER_INTENT, slots, user_id=REMINDER_USER, application_id=envelopes.APPLICATION_ID
        )
        status, data, start, end = post(port, point_at(envelope, api), pki.DEFAULT_URL)
        if fault is None:
            problem = problem_with(status, data, (done,))
            if problem is None and len(api.created) != before + 1:
                problem = "answered but not stored by the API"
        else:
            problem = problem_with(status, data, (unavailable,))
            if problem is None and end - start > 2 * API_TIMEOUT + 1.0:
                problem = f"answered only after {end - start:.2f} s"
        probes.append(Sent(kind, REMINDER_USER, None, start, end, status, problem))

    def down() -> None:
        api.fail(503, path=REMINDERS_PATH)

    def slow() -> None:
        api.delay(API_TIMEOUT + 1.5, path=REMINDERS_PATH)

    for _ in range(3):
        ask("reminder before", None)
    window.start = time.monotonic()
    while time.monotonic() - window.start < FAULT_SECONDS_D / 2:
        ask("reminder API 503", down)
    while time.monotonic() - window.start < FAULT_SECONDS_D:
        ask("reminder API slow", slow)
    window.end = time.monotonic()
    for _ in range(3):
        ask("reminder after", None)
    counts = Counter(p.kind for p in probes)
    calm = Counter(p.kind for p in probes if p.problem is None)
    slowest = max((p.seconds for p in probes if "API" in p.kind), default=0.0)
    window.notes.append(
        ", ".join(f"{kind} {calm[kind]}/{n} as expected" for kind, n in counts.items())
        + f"; slowest during fault {slowest:.2f} s (API timeout {API_TIMEOUT:.0f} s)"
    )
    window.failures += [f"{p.kind}: {p.problem}" for p in probes if p.problem]
    return probes


# --- the run -----------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def stored_memory(db: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT user_id, attributes FROM user_attributes").fetchall()
    finally:
        conn.close()
    return {user: json.loads(text) for user, text in rows}


@dataclass
class MemoryCheck:
    lost_visits: int = 0
    lost_topics: int = 0
    extra: int = 0
    skipped_visits: int = 0
    skipped_topics: int = 0
    examples: list[str] = field(default_factory=list)


def check_memory(
    listeners: list[Listener], sent: list[Sent], db_windows: list[Window], db: Path
) -> MemoryCheck:
    """Each listener's stored record against the sessions and questions the driver sent."""
    stored = stored_memory(db)
    result = MemoryCheck()
    for listener in listeners:
        mine = [s for s in sent if s.user == listener.user and s.problem is None]
        # The skill writes a session's visit and topics once, when the session ends, so a
        # session is at risk if any of its requests overlapped a database fault.
        at_risk = {s.session for s in mine if any(w.overlaps(s) for w in db_windows)}
        safe = [s for s in mine if s.session not in at_risk]
        visits_outside = sum(s.kind == "first" for s in safe)
        topics_outside = {s.topic for s in safe if s.topic}
        record = stored.get(listener.user, {})
        visits = record.get("visits", 0)
        topics = set(record.get("topics_heard", []))
        if visits < visits_outside or not topics_outside <= topics:
            result.lost_visits += max(0, visits_outside - visits)
            result.lost_topics += len(topics_outside - topics)
            result.examples.append(
                f"{listener.user}: visits {visits} < {visits_outside} or missing "
                f"{sorted(topics_outside - topics)}"
            )
        if visits > listener.sessions or not topics <= listener.topics_asked:
            result.extra += 1
            result.examples.append(f"{listener.user}: more stored than sent ({visits})")
        result.skipped_visits += max(0, listener.sessions - visits)
        result.skipped_topics += len(listener.topics_asked - topics)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bedtime-soak-") as name:
        return run(Path(name), args.seconds, args.users, args.threads, args.seed, began)


def run(tmp: Path, seconds: float, users: int, threads: int, seed: int, began: float) -> int:
    pki_dir, fault_dir, data_dir = tmp / "pki", tmp / "faults", tmp / "data"
    for directory in (pki_dir, fault_dir, data_dir):
        directory.mkdir()
    (pki_dir / "root.der").write_bytes(pki.root().der)
    (pki_dir / "chain.pem").write_bytes(pki.chain_pem())
    db = data_dir / "users.sqlite3"
    windows = {key: Window(key) for key in ("a", "b", "c", "d")}
    windows["d"].skipped = reminders_problem()
    failures: list[str] = []
    rss: dict[int, list[float]] = {}
    probes: list[Sent] = []
    with contextlib.ExitStack() as stack:
        blackhole = stack.enter_context(socket.socket())
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)  # never accepted: a connect succeeds, then nothing ever answers
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SKILL_", "ALEXA_"))}
        env.update(
            ALEXA_SKILL_ID=envelopes.APPLICATION_ID,
            SKILL_SQLITE_PATH=str(db),
            SKILL_CERT_FETCH_TIMEOUT=str(FETCH_TIMEOUT),
            SKILL_API_TIMEOUT=str(API_TIMEOUT),
            SKILL_LOG_LEVEL="INFO",
            SOAK_PKI_DIR=str(pki_dir),
            SOAK_FAULT_DIR=str(fault_dir),
            SOAK_BLACKHOLE=f"127.0.0.1:{blackhole.getsockname()[1]}",
            PYTHONDONTWRITEBYTECODE="1",
        )
        api: Any = None
        if not windows["d"].skipped:
            from tests.fake_alexa_api import fake_alexa_api

            api = stack.enter_context(fake_alexa_api())
            env["REQUESTS_CA_BUNDLE"] = api.ca_path  # requests honours it when verify=True
        port = free_port()
        server = stack.enter_context(gunicorn(tmp, port, env))
        wait_until_ready(server, port, timeout=60)
        pids = children(server.pid)
        load = Load(port, users, threads, seed)
        load.start()
        t0 = time.monotonic()
        try:

            def at(offset: float) -> None:
                time.sleep(max(0.0, t0 + offset * seconds / 60 - time.monotonic()))

            def sample() -> None:
                for pid in pids:
                    value = rss_mib(pid)
                    if value is not None:
                        rss.setdefault(pid, []).append(value)

            at(5)
            sample()
            at(10)
            lock_database(db, windows["a"])
            sample()
            at(20)
            probes += hanging_cert_fetch(port, fault_dir, windows["c"])
            sample()
            at(32)
            unwritable_directory(db, windows["b"])
            at(40)
            if api is not None:
                probes += reminders_fault(port, api, windows["d"])
            sample()
            at(60)
        finally:
            load_seconds = time.monotonic() - t0
            if not load.stop(timeout=30):
                failures.append("client threads did not finish within 30 s")
        sample()
        if children(server.pid) != pids or server.poll() is not None:
            failures.append(f"workers changed: {pids} -> {children(server.pid)}")
    log = (tmp / "gunicorn.log").read_text(errors="replace")
    sent = load.all_sent()
    memory = check_memory(load.listeners, sent, [windows["a"], windows["b"]], db)
    return report(
        sent=sent,
        probes=probes,
        windows=windows,
        memory=memory,
        rss=rss,
        log=log,
        load_seconds=load_seconds,
        sessions=load.sessions,
        users=users,
        threads=threads,
        failures=failures,
        total_seconds=time.monotonic() - began,
    )


def report(
    *,
    sent: list[Sent],
    probes: list[Sent],
    windows: dict[str, Window],
    memory: MemoryCheck,
    rss: dict[int, list[float]],
    log: str,
    load_seconds: float,
    sessions: Counter[str],
    users: int,
    threads: int,
    failures: list[str],
    total_seconds: float,
) -> int:
    """Print the summary table; 0 if every invariant held, else 1."""
    errors = [s for s in sent if s.problem]
    by_problem = Counter(f"{s.kind}: {s.problem}" for s in errors)
    latencies = [s.seconds * 1000 for s in sent]
    skipped_logged = log.count("carrying on without it")
    crashes = log.count("error handling") + log.count("unexpected error")
    rows: list[tuple[str, str]] = [
        (
            "load",
            f"{load_seconds:.1f} s, gunicorn {WORKERS} sync workers, {users} listeners, "
            f"{threads} client threads",
        ),
        ("requests", f"{len(sent)} ({len(sent) / load_seconds:.1f}/s) + {len(probes)} probes"),
        (
            "sessions",
            f"{sum(sessions.values())} (full {sessions['full']}, one-shot {sessions['one-shot']})",
        ),
        ("errors", f"{len(errors)}" + (f"  {dict(by_problem)}" if errors else "")),
        (
            "latency ms",
            f"p50 {percentile(latencies, 0.5):.1f}  p95 {percentile(latencies, 0.95):.1f}"
            f"  p99 {percentile(latencies, 0.99):.1f}  max {max(latencies, default=0):.1f}",
        ),
        (
            "lost writes",
            f"{memory.lost_visits} visits, {memory.lost_topics} topics "
            f"(outside fault windows); {memory.extra} listeners with more stored than sent",
        ),
        (
            "skipped writes",
            f"{memory.skipped_visits} visits, {memory.skipped_topics} topics "
            f"(in fault windows; server logged {skipped_logged} 'without it' warnings)",
        ),
        ("server log", f"{crashes} 'error handling'/'unexpected error' lines"),
    ]
    for key, title in (
        ("a", "(a) database locked"),
        ("b", "(b) directory unwritable"),
        ("c", "(c) cert fetch hangs"),
        ("d", "(d) reminders API down"),
    ):
        window = windows[key]
        if window.skipped:
            rows.append((title, f"SKIPPED: {window.skipped}"))
            continue
        during = [s for s in sent if window.overlaps(s)]
        worst = max((s.seconds for s in during), default=0.0)
        bad = sum(1 for s in during if s.problem)
        rows.append(
            (
                title,
                f"{window.end - window.start:.1f} s; {len(during)} load requests overlapped, "
                f"{bad} not calm 200, slowest {worst:.2f} s; " + "; ".join(window.notes),
            )
        )
        failures += [f"{title}: {failure}" for failure in window.failures]
        if key == "c" and worst > FETCH_TIMEOUT + 2.0:
            failures.append(f"{title}: other requests held up {worst:.2f} s")
    for pid, values in sorted(rss.items()):
        rows.append(
            (
                f"worker {pid} RSS",
                f"start {values[0]:.1f} MiB  peak {max(values):.1f}  "
                f"end {values[-1]:.1f}  (growth {values[-1] - values[0]:+.1f})",
            )
        )
        if values[-1] - values[0] > RSS_GROWTH_LIMIT_MIB:
            failures.append(f"worker {pid} RSS grew {values[-1] - values[0]:.1f} MiB")
    rows.append(("run time", f"{total_seconds:.1f} s in all"))
    width = max(len(key) for key, _ in rows)
    print("\nBedtime Magnesium soak")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    if errors:
        failures.append(f"{len(errors)} load requests not answered as expected")
    if memory.lost_visits or memory.lost_topics or memory.extra:
        failures.append("lost writes: " + "; ".join(memory.examples[:5]))
    if crashes:
        failures.append(f"{crashes} exception lines in the server log")
    if not failures:
        print("\nPASS: every invariant held")
        return 0
    print("\nFAIL:")
    for failure in failures:
        print(f"  - {failure}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
