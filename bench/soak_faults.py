"""The soak's faults, each a few seconds while the load runs, and what is checked during them.

(a) the database locked, (b) its directory unwritable, (c) the certificate fetch
hanging, (d) the Reminders API down then slow; see bench/soak.py for the invariants.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import HANG_FLAG
from bench.soak_load import PROMPTS, Listener, Sent, post, problem_with
from testing import envelopes, pki

FETCH_TIMEOUT = 1.0
LOCK_SECONDS = 3.0
HANG_SECONDS = 4.0
CHMOD_SECONDS = 3.0
FAULT_SECONDS_D = 4.0
API_TIMEOUT = 1.0
#: A second chain URL that passes Alexa's URL rules and is not cached before fault (c).
ROTATED_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-soak-rotated.pem"
PROBE_USER = "amzn1.ask.account.SOAKPROBE"
REMINDER_USER = "amzn1.ask.account.SOAKREMINDER"
REMINDER_INTENT = "SetReminderIntent"

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
    flag = fault_dir / HANG_FLAG
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


def reminders_fault(port: int, api: Any, window: Window) -> list[Sent]:
    """(d): "remind me at 9:15", then "yes", while the fake Reminders API answers 503,
    then slowly.

    The skill first says what it will set and asks; only the "yes" calls the API. Before
    and after: the reminder is set, and Alexa holds exactly one (a second "remind me"
    updates it, never stacks another). During: the calm "couldn't reach Alexa's
    reminders" answer, within the API timeout, never the apology.
    """
    from testing.fake_alexa_api import REMINDERS_PATH, point_at

    confirm = PROMPTS.reminder_confirm.split("{")[0].strip()
    done = PROMPTS.reminder_done.split("{")[0].strip()
    unavailable = PROMPTS.reminder_unavailable
    probes: list[Sent] = []

    def ask(kind: str, fault: Callable[[], None] | None) -> None:
        slots = {"time": envelopes.slot("time", "21:15")}
        asked = envelopes.intent(
            REMINDER_INTENT, slots, user_id=REMINDER_USER, application_id=envelopes.APPLICATION_ID
        )
        status, data, start, end = post(port, point_at(asked, api), pki.DEFAULT_URL)
        problem = problem_with(status, data, (confirm,))
        if problem is not None:
            asking = kind + " (asking)"
            probes.append(Sent(asking, REMINDER_USER, None, start, end, status, problem))
            return
        if fault is not None:  # the "yes" is what calls the Reminders API
            fault()
        yes = envelopes.intent(
            "AMAZON.YesIntent",
            new=False,
            attributes=data.get("sessionAttributes") or {},
            session_id=asked["session"]["sessionId"],
            user_id=REMINDER_USER,
            application_id=envelopes.APPLICATION_ID,
        )
        status, data, start, end = post(port, point_at(yes, api), pki.DEFAULT_URL)
        if fault is None:
            problem = problem_with(status, data, (done,))
            if problem is None and len(api.created) != 1:
                problem = f"answered, but Alexa holds {len(api.created)} reminders, not one"
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
