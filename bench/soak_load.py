"""The soak's listeners: what they ask, how one signed request goes, and the client threads.

Each listener's sessions are sequential, as a person's are: "open" (LaunchRequest, new
session), one to three questions, then "stop" (or a SessionEndedRequest); or a one-shot
question. Every answer is checked: 200, a valid envelope, well-formed SSML, the words
expected, never the apology.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skill.content import load_content
from skill.handlers.answers import ANSWER_FOR_INTENT
from testing import envelopes, pki
from testing.talk import plain

REQUEST_TIMEOUT = 15.0

CONTENT = load_content()
PROMPTS = CONTENT.prompts


# --- what the listeners ask ------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    intent: str
    topic: str
    slots: Callable[[], dict[str, Any]] | None = None

    @property
    def words(self) -> str:
        return CONTENT.answer(self.topic).speech

    @property
    def remembered(self) -> str | None:
        """The topic memory keeps for this question; None for what the article doesn't say
        (never offered, so never stored: skill/conversation.py)."""
        return self.topic if CONTENT.answer(self.topic).offer is not None else None


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
        if not mine:  # fewer listeners than threads: this thread has nobody to be
            return
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
        if question.remembered:
            listener.topics_asked.add(question.remembered)
        with self._lock:
            self.sessions["one-shot"] += 1
        envelope = envelopes.intent(
            question.intent,
            question.slots() if question.slots else None,
            new=True,
            user_id=listener.user,
            application_id=envelopes.APPLICATION_ID,
        )
        self._send(index, "first", listener, envelope, (question.words,), question.remembered)

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
            if question.remembered:
                listener.topics_asked.add(question.remembered)
            envelope = envelopes.intent(
                question.intent,
                question.slots() if question.slots else None,
                new=False,
                attributes=data.get("sessionAttributes") or {},
                **session,
            )
            words = (question.words,)
            data = self._send(index, "question", listener, envelope, words, question.remembered)
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
