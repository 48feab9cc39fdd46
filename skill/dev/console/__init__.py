"""The local console: talk to the skill by typing, with no Amazon account.

    python -m skill ask "when should I take it"     one question, in a new session
    python -m skill chat                            a conversation, turn by turn

Typed text is resolved against the deployed interaction model (`nlu`), wrapped in a
real Alexa request envelope (`requests`), and sent to the skill in this process or to
a running server (`transport`); the reply is printed as the words Alexa would say.

In `chat`, Alexa's session rules apply (`session`). "open bedtime magnesium" starts a
conversation; a question with no conversation open is a one-shot question in a new
session, answered and closed. When the skill closes the session (an answer to a
one-shot question, "no", "cancel") the console says so and the next line starts a new
session. "stop" is sent to the skill, so its goodnight is heard, and then the console
exits; "exit" and "quit" end the session as Alexa does (SessionEndedRequest) and exit,
and so does the end of input.

When the skill asks Alexa to request a permission by voice (the reminders permission,
a Connections.SendRequest directive), the console says so: only Alexa can ask, and
the console's requests never carry a granted permission, so reminders need a real
Alexa device.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from typing import Any, TextIO

from skill.config import Settings
from skill.dev.console import requests
from skill.dev.console.nlu import AMAZON_TIME, Resolution, SlotMatch, resolve
from skill.dev.console.session import ConsoleSession, Exchange, Reply, plain
from skill.dev.console.transport import TransportError, connect
from skill.dev.console.words import normalise
from skill.dev.model.source import INVOCATION_NAME, LOCALES
from skill.names import REMINDER_PERMISSION, Intent

__all__ = [
    "ConsoleSession",
    "Reply",
    "Resolution",
    "SlotMatch",
    "TransportError",
    "ask",
    "chat",
    "permission_note",
    "plain",
    "resolve",
]

logger = logging.getLogger(__name__)

STOP_INTENT = Intent.STOP
LEAVE_WORDS = frozenset({"exit", "quit"})
USER_PROMPT = "you> "
SKILL_PROMPT = "alexa> "
# What a permission asked for by voice is for, by scope.
PERMISSION_PURPOSES = {REMINDER_PERMISSION: "to set reminders"}
PERMISSION_NOTE = (
    "(Alexa would now ask your permission {purpose}; the local console cannot grant it{needs}.)"
)


def _show_resolution(resolution: Resolution, out: TextIO) -> None:
    if resolution.is_launch:
        print("  request: LaunchRequest (new session)", file=out)
        return
    sample = f', sample "{resolution.sample}"' if resolution.sample else ""
    one_shot = ", one-shot in a new session" if resolution.new_session else ""
    state = f", dialogState {resolution.dialog_state}" if resolution.dialog_state else ""
    print(
        f"  intent: {resolution.intent} (score {resolution.score:g}{sample}{one_shot}{state})",
        file=out,
    )
    for name, slot in resolution.slots.items():
        if slot.value is None:
            print(f"  slot {name}: (empty)", file=out)
        elif slot.type == AMAZON_TIME and slot.understood:
            print(f'  slot {name}: "{slot.value}" ({AMAZON_TIME}, heard "{slot.heard}")', file=out)
        elif slot.type == AMAZON_TIME:
            print(f'  slot {name}: "{slot.value}" ({AMAZON_TIME}: no time, sent as said)', file=out)
        elif slot.id is not None:
            print(f'  slot {name}: "{slot.value}" -> {slot.id} ({slot.status})', file=out)
        else:
            print(f'  slot {name}: "{slot.value}" ({slot.status or "no resolution"})', file=out)


def _show_json(label: str, data: dict[str, Any], out: TextIO) -> None:
    print(f"  {label}:", file=out)
    print(json.dumps(data, indent=2, ensure_ascii=False), file=out)


def permission_note(scope: str) -> str:
    """What the console says instead of Alexa's voice permission prompt."""
    purpose = PERMISSION_PURPOSES.get(scope, f"for {scope or 'something'}")
    needs = " — reminders need a real Alexa device" if scope == REMINDER_PERMISSION else ""
    return PERMISSION_NOTE.format(purpose=purpose, needs=needs)


def _show_reply(exchange: Exchange, out: TextIO, *, verbose: bool, prefix: str = "") -> None:
    reply = exchange.reply
    if verbose:
        _show_json("request", exchange.request, out)
        _show_json("response", reply.raw, out)
    if reply.speech:
        print(f"{prefix}{reply.speech}", file=out)
    if verbose and reply.card:
        title, text = reply.card
        print(f"  card: {title}: {text}", file=out)
    scope = reply.permission_request
    if scope is not None:
        print(permission_note(scope), file=out)


def _setup(settings: Settings, url: str | None, locale: str, err: TextIO) -> ConsoleSession | None:
    if locale not in LOCALES:
        print(f"error: unknown locale {locale!r}; use one of {', '.join(LOCALES)}", file=err)
        return None
    try:
        transport = connect(settings, url)
    except TransportError as problem:
        print(f"error: {problem}", file=err)
        return None
    return ConsoleSession(
        transport,
        locale=locale,
        application_id=settings.skill_id or requests.LOCAL_APPLICATION_ID,
    )


def ask(
    text: str,
    *,
    settings: Settings,
    url: str | None = None,
    verbose: bool = False,
    locale: str = "en-US",
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Say "Alexa, ask bedtime magnesium <text>" and print the answer; return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    session = _setup(settings, url, locale, err)
    if session is None:
        return 2
    # Everything typed here is said with the invocation name: a new session.
    resolution = replace(resolve(text, locale), new_session=True)
    if verbose:
        _show_resolution(resolution, out)
    try:
        exchange = session.send(resolution)
    except TransportError as problem:
        print(f"error: {problem}", file=err)
        return 1
    _show_reply(exchange, out, verbose=verbose)
    if not exchange.reply.ends_session:
        print("(listening… carry on with: python -m skill chat)", file=out)
    return 0


def _banner(session: ConsoleSession, out: TextIO) -> None:
    where = session.transport.description
    print(f"Bedtime Magnesium, local console ({session.locale}, {where}).", file=out)
    print(
        f'Say "open {INVOCATION_NAME}" to start a conversation, or ask a question. '
        '"stop" says goodnight and leaves; "exit" or Ctrl-D just leaves.',
        file=out,
    )


def _read(stdin: TextIO, out: TextIO) -> str | None:
    """One typed line, or None at the end of input; echoed when not typed at a terminal."""
    if stdin is sys.stdin and out is sys.stdout and stdin.isatty():
        import readline  # noqa: F401  (arrow keys and history for input())

        try:
            return input(USER_PROMPT).strip()
        except EOFError:
            print(file=out)
            return None
    print(USER_PROMPT, end="", file=out, flush=True)
    line = stdin.readline()
    if not line:
        print(file=out)
        return None
    if not stdin.isatty():
        print(line.rstrip("\n"), file=out)
    return line.strip()


def chat(
    *,
    settings: Settings,
    url: str | None = None,
    verbose: bool = False,
    locale: str = "en-US",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Hold a conversation with the skill, Alexa's session rules included; return the exit code."""
    source = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    session = _setup(settings, url, locale, err)
    if session is None:
        return 2
    _banner(session, out)
    try:
        return _converse(session, source, out, verbose=verbose)
    except TransportError as problem:
        print(f"error: {problem}", file=err)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while the skill was answering
        print(file=out)
        return 130


def _leave(session: ConsoleSession, out: TextIO, *, verbose: bool) -> int:
    """End an open session as Alexa does when someone leaves: a SessionEndedRequest."""
    ended = session.end("USER_INITIATED")
    if ended is not None and verbose:
        _show_reply(ended, out, verbose=True)
    return 0


def _converse(session: ConsoleSession, source: TextIO, out: TextIO, *, verbose: bool) -> int:
    """The read-resolve-send loop of `chat`, until stop, exit or the end of input."""
    locale = session.locale
    while True:
        try:
            text = _read(source, out)
        except KeyboardInterrupt:
            print(file=out)
            text = None
        if text is None or normalise(text) in LEAVE_WORDS:
            return _leave(session, out, verbose=verbose)
        if not text:
            continue
        eliciting = session.eliciting if session.is_open else None
        resolution = resolve(text, locale, eliciting=eliciting)
        if resolution.intent == STOP_INTENT and not session.is_open:
            return 0  # Alexa would not wake a closed skill just to stop it.
        if verbose:
            _show_resolution(resolution, out)
        exchange = session.send(resolution)
        _show_reply(exchange, out, verbose=verbose, prefix=SKILL_PROMPT)
        if resolution.intent == STOP_INTENT:
            return 0
        if exchange.reply.ends_session:
            print(
                f'(session closed; say "open {INVOCATION_NAME}" or ask another question)',
                file=out,
            )
