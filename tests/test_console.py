"""The local console, driven as a newcomer would: one question, then a whole conversation."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import pytest

from skill.__main__ import main
from skill.config import Settings
from skill.content import load_content
from skill.dev import console
from skill.dev.console import requests as alexa
from skill.dev.console.session import ConsoleSession
from skill.dev.console.transport import InProcess
from skill.names import REMINDER_PERMISSION
from skill.reminders.clock import reminder_time_for
from skill.reminders.dialog import Plan, describe
from skill.replies import sentences

CONTENT = load_content()
PROMPTS = CONTENT.prompts
TIMING = CONTENT.answer("timing")


def spoken(topic: str) -> str:
    return CONTENT.answer(topic).speech


def next_of(topic: str) -> str:
    after = CONTENT.answer(topic).next
    assert after is not None, f"{topic} offers nothing next"
    return after


def offer_after(topic: str) -> str:
    return CONTENT.answer(next_of(topic)).offer or ""


@dataclass
class Recorder:
    """The in-process skill, keeping every request and response that passed."""

    inner: InProcess
    description: str = "recorded"
    sent: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(envelope)
        reply = self.inner.send(envelope)
        self.received.append(reply)
        return reply


@pytest.fixture
def recorder(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Route the console through a recorder, so a test can read what Alexa would send."""
    recording = Recorder(InProcess(settings))
    monkeypatch.setattr(console, "connect", lambda settings, url: recording)
    return recording


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    def said(self) -> list[str]:
        """What the skill said in a chat, turn by turn."""
        return [line.removeprefix("alexa> ") for line in self.lines if line.startswith("alexa> ")]


def ask(text: str, settings: Settings, **kwargs: Any) -> Run:
    out, err = io.StringIO(), io.StringIO()
    kwargs.setdefault("url", None)
    kwargs.setdefault("verbose", False)
    kwargs.setdefault("locale", "en-US")
    code = console.ask(text, settings=settings, stdout=out, stderr=err, **kwargs)
    return Run(code, out.getvalue(), err.getvalue())


def chat(lines: list[str], settings: Settings, **kwargs: Any) -> Run:
    typed = io.StringIO("".join(f"{line}\n" for line in lines))
    out, err = io.StringIO(), io.StringIO()
    kwargs.setdefault("url", None)
    kwargs.setdefault("verbose", False)
    kwargs.setdefault("locale", "en-US")
    code = console.chat(settings=settings, stdin=typed, stdout=out, stderr=err, **kwargs)
    return Run(code, out.getvalue(), err.getvalue())


# --- ask -------------------------------------------------------------------------------


def test_ask_prints_the_timing_answer_as_plain_words(settings: Settings) -> None:
    run = ask("when should I take it", settings)
    assert run.code == 0
    assert run.lines == [TIMING.speech]
    assert "<" not in run.out and "&" not in run.out
    assert run.err == ""


def test_ask_verbose_shows_the_intent_the_slots_and_the_json(settings: Settings) -> None:
    run = ask("how does it help with sleep", settings, verbose=True)
    assert run.code == 0
    assert "intent: BenefitDetailIntent (score 100" in run.out
    assert 'slot benefit: "sleep" -> sleep_quality (ER_SUCCESS_MATCH)' in run.out
    assert '"type": "IntentRequest"' in run.out
    assert '"shouldEndSession": true' in run.out
    assert run.lines[-2] == spoken("sleep_quality")
    assert run.lines[-1].startswith("  card: ")


def test_ask_sends_a_real_alexa_request_in_a_new_session(
    settings: Settings, recorder: Recorder
) -> None:
    ask("how does it help with insomnia", settings)
    (sent,) = recorder.sent
    assert sent["version"] == "1.0"
    assert sent["session"]["new"] is True
    assert sent["session"]["sessionId"].startswith("amzn1.echo-api.session.")
    assert sent["session"]["application"] == {"applicationId": alexa.LOCAL_APPLICATION_ID}
    assert sent["session"]["user"] == {"userId": alexa.LOCAL_USER_ID}
    system = sent["context"]["System"]
    assert system["apiEndpoint"] == "https://api.amazonalexa.com"
    assert system["device"]["supportedInterfaces"] == {}
    assert system["apiAccessToken"]
    request = sent["request"]
    assert request["type"] == "IntentRequest"
    assert request["requestId"].startswith("amzn1.echo-api.request.")
    assert request["timestamp"].endswith("Z") and len(request["timestamp"]) == 20
    assert request["locale"] == "en-US"
    assert request["dialogState"] == "STARTED"
    assert request["intent"] == {
        "name": "BenefitDetailIntent",
        "confirmationStatus": "NONE",
        "slots": {
            "benefit": {
                "name": "benefit",
                "confirmationStatus": "NONE",
                "value": "insomnia",
                "resolutions": {
                    "resolutionsPerAuthority": [
                        {
                            "authority": "amzn1.er-authority.echo-sdk."
                            f"{alexa.LOCAL_APPLICATION_ID}.BenefitType",
                            "status": {"code": "ER_SUCCESS_MATCH"},
                            "values": [{"value": {"name": "sleep quality", "id": "sleep_quality"}}],
                        }
                    ]
                },
            }
        },
    }


def test_an_unknown_benefit_is_sent_as_no_match(settings: Settings, recorder: Recorder) -> None:
    run = ask("how does it help with headaches", settings)
    (resolution,) = recorder.sent[0]["request"]["intent"]["slots"]["benefit"]["resolutions"][
        "resolutionsPerAuthority"
    ]
    assert resolution["status"] == {"code": "ER_SUCCESS_NO_MATCH"}
    assert "values" not in resolution
    assert run.lines == [spoken("how_it_helps")]


def test_ask_uses_the_configured_skill_id(settings: Settings, recorder: Recorder) -> None:
    skill_id = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
    recorder.inner = InProcess(Settings(skill_id=skill_id, persistence=False))
    run = ask("when to take it", Settings(skill_id=skill_id, persistence=False))
    assert run.lines == [TIMING.speech]
    assert recorder.sent[0]["context"]["System"]["application"]["applicationId"] == skill_id


def test_ask_to_open_the_skill_says_the_microphone_stays_open(settings: Settings) -> None:
    run = ask("open bedtime magnesium", settings)
    assert run.code == 0
    assert run.lines[0].startswith(PROMPTS.welcome)
    assert run.lines[1].startswith("(listening")


def test_ask_off_topic_is_redirected(settings: Settings) -> None:
    assert ask("order a pizza", settings).lines[0].startswith(PROMPTS.fallback)


def test_an_unknown_locale_is_a_clear_error(settings: Settings) -> None:
    run = ask("when to take it", settings, locale="fr-FR")
    assert run.code == 2
    assert run.err.startswith("error: unknown locale 'fr-FR'")


def test_python_m_skill_ask(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILL_PERSISTENCE", "false")
    monkeypatch.delenv("ALEXA_SKILL_ID", raising=False)
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # main() configures logging
    assert main(["ask", "when should I take it"]) == 0
    assert capsys.readouterr().out == f"{TIMING.speech}\n"


# --- chat ------------------------------------------------------------------------------


def test_a_bedtime_conversation_keeps_its_session(settings: Settings, recorder: Recorder) -> None:
    run = chat(
        [
            "open bedtime magnesium",
            "When should I take it?",
            "yes",
            "tell me more",
            "repeat that",
            "stop",
        ],
        settings,
    )
    assert run.code == 0
    welcome, timing, yes, more, again, goodbye = run.said()
    assert welcome.startswith(PROMPTS.welcome)
    assert timing == f"{TIMING.speech} {offer_after('timing')}"
    # "yes" takes the topic offered in the previous turn: the attributes came back.
    offered = next_of("timing")
    assert yes == f"{spoken(offered)} {offer_after(offered)}"
    assert more.startswith(CONTENT.answer(offered).more or PROMPTS.no_more)
    assert again == more
    assert goodbye == PROMPTS.goodbye

    # Like Alexa: one session, new only once, each response's attributes sent back.
    sessions = {sent["session"]["sessionId"] for sent in recorder.sent}
    assert len(sessions) == 1
    assert [sent["session"]["new"] for sent in recorder.sent] == [True] + [False] * 5
    for reply, following in zip(recorder.received, recorder.sent[1:], strict=False):
        assert following["session"]["attributes"] == reply.get("sessionAttributes", {})
    assert recorder.sent[2]["session"]["attributes"]["offered_topic"] == offered
    assert recorder.sent[-1]["request"]["intent"]["name"] == "AMAZON.StopIntent"


def test_which_benefit_then_a_bare_answer(settings: Settings, recorder: Recorder) -> None:
    run = chat(["open bedtime magnesium", "how does it help with headaches", "sleep"], settings)
    _, which, sleep = run.said()
    listed = sentences(spoken("how_it_helps"))[0]  # the list itself, then "which?"
    assert which == f"{listed} {PROMPTS.which_benefit}"
    assert sleep == f"{spoken('sleep_quality')} {offer_after('sleep_quality')}"
    elicited = recorder.sent[2]["request"]
    assert elicited["dialogState"] == "IN_PROGRESS"
    assert elicited["intent"]["slots"]["benefit"]["value"] == "sleep"


def test_end_of_input_ends_the_open_session(settings: Settings, recorder: Recorder) -> None:
    run = chat(["open bedtime magnesium"], settings)
    assert run.code == 0
    assert run.err == ""
    opened, ended = recorder.sent
    assert ended["request"]["type"] == "SessionEndedRequest"
    assert ended["request"]["reason"] == "USER_INITIATED"
    assert ended["session"]["sessionId"] == opened["session"]["sessionId"]
    assert ended["session"]["new"] is False


def test_exit_leaves_without_a_goodnight(settings: Settings, recorder: Recorder) -> None:
    run = chat(["open bedtime magnesium", "exit", "when to take it"], settings)
    assert run.code == 0
    assert len(run.said()) == 1
    assert [sent["request"]["type"] for sent in recorder.sent] == [
        "LaunchRequest",
        "SessionEndedRequest",
    ]


def test_end_of_input_with_no_session_open_sends_nothing(
    settings: Settings, recorder: Recorder
) -> None:
    run = chat([], settings)
    assert run.code == 0
    assert recorder.sent == []


def test_a_closed_session_is_followed_by_a_fresh_one(
    settings: Settings, recorder: Recorder
) -> None:
    # The session closes after the one-shot dose answer and after "no".
    typed = ["how much should I take", "open bedtime magnesium", "no", "when to take it"]
    dose, welcome, goodbye, timing = chat(typed, settings).said()
    assert dose == spoken("dosage")
    assert welcome.startswith(PROMPTS.welcome)
    assert goodbye == PROMPTS.goodbye
    assert timing == TIMING.speech  # a one-shot again: answered, no offer
    assert [sent["session"]["new"] for sent in recorder.sent] == [True, True, False, True]
    assert len({sent["session"]["sessionId"] for sent in recorder.sent}) == 3
    assert recorder.sent[1]["session"]["attributes"] == {}


def test_chat_verbose_shows_each_request(settings: Settings) -> None:
    run = chat(["open bedtime magnesium", "stop"], settings, verbose=True)
    assert "request: LaunchRequest (new session)" in run.out
    assert "intent: AMAZON.StopIntent (score 100" in run.out
    assert '"type": "LaunchRequest"' in run.out


def test_stop_with_nothing_open_just_leaves(settings: Settings, recorder: Recorder) -> None:
    assert chat(["stop", "when to take it"], settings).code == 0
    assert recorder.sent == []


# --- reminders -------------------------------------------------------------------------

PERMISSION_NOTE = (
    "(Alexa would now ask your permission to set reminders; the local console cannot "
    "grant it — reminders need a real Alexa device.)"
)


def test_a_reminder_asks_for_bedtime_then_for_permission_the_console_cannot_give(
    settings: Settings, recorder: Recorder
) -> None:
    run = chat(["open bedtime magnesium", "remind me to take it", "ten thirty"], settings)
    assert (run.code, run.err) == (0, "")
    welcome, question, permission = run.said()
    assert welcome.startswith(PROMPTS.welcome)
    assert question == PROMPTS.ask_bedtime
    # The permission request says what will be set: the facts, before any consent.
    assert permission == PROMPTS.reminder_permission.format(
        plan=describe(Plan(reminder_time_for(time(22, 30)), time(22, 30)))
    )
    after = run.lines[run.lines.index(f"alexa> {permission}") + 1 :]
    assert after[0] == PERMISSION_NOTE
    assert after[1].startswith("(session closed;")
    assert console.permission_note(REMINDER_PERMISSION) == PERMISSION_NOTE

    # "ten thirty" answered the bedtime question: an AMAZON.TIME value, as Alexa sends it.
    answer = recorder.sent[2]["request"]
    assert answer["dialogState"] == "IN_PROGRESS"
    assert answer["intent"]["name"] == "SetReminderIntent"
    assert answer["intent"]["slots"]["bedtime"] == {
        "name": "bedtime",
        "confirmationStatus": "NONE",
        "value": "22:30",
    }
    assert "value" not in answer["intent"]["slots"]["time"]
    # The console has no permission to grant: nothing went in its requests, nothing followed.
    assert all("permissions" not in sent["context"]["System"]["user"] for sent in recorder.sent)
    (directive,) = recorder.received[2]["response"]["directives"]
    assert (directive["type"], directive["name"]) == ("Connections.SendRequest", "AskFor")
    assert directive["payload"]["permissionScopes"] == [
        {"permissionScope": REMINDER_PERMISSION, "consentLevel": "ACCOUNT"}
    ]
    assert [sent["request"]["type"] for sent in recorder.sent] == [
        "LaunchRequest",
        "IntentRequest",
        "IntentRequest",
    ]


def test_ask_to_remind_at_a_time_sends_the_time_and_explains_the_permission(
    settings: Settings, recorder: Recorder
) -> None:
    run = ask("remind me to take it at 9:30pm", settings, verbose=True)
    assert run.code == 0
    assert 'slot time: "21:30" (AMAZON.TIME, heard "nine thirty pm")' in run.out
    assert "slot bedtime: (empty)" in run.out
    said = PROMPTS.reminder_permission.format(plan="every night at 9:30 PM")
    assert run.lines[-2:] == [said, PERMISSION_NOTE]
    assert "(listening" not in run.out
    slot = recorder.sent[0]["request"]["intent"]["slots"]["time"]
    assert slot == {"name": "time", "confirmationStatus": "NONE", "value": "21:30"}


def test_a_bedtime_that_is_no_time_is_sent_as_said_and_asked_again(
    settings: Settings, recorder: Recorder
) -> None:
    run = chat(["open bedtime magnesium", "remind me to take it", "whenever i'm tired"], settings)
    _, question, again = run.said()
    assert question == again == PROMPTS.ask_bedtime
    bedtime = recorder.sent[2]["request"]["intent"]["slots"]["bedtime"]
    assert bedtime["value"] == "whenever i am tired"
    assert PERMISSION_NOTE not in run.out


def test_the_console_reads_the_reply_to_a_connections_response(settings: Settings) -> None:
    # What Alexa would send after asking for the permission, and the listener said no.
    session = ConsoleSession(InProcess(settings))
    answer = alexa.connections_response(
        "AskFor",
        "reminder@21:45",
        {"status": "DENIED", "isCardThrown": "false", "permissionScope": REMINDER_PERMISSION},
    )
    exchange = session.deliver(answer, new_session=True)
    reply = exchange.reply
    assert exchange.request["request"]["type"] == "Connections.Response"
    assert reply.speech == PROMPTS.reminder_declined
    assert reply.card == ("Permission request", REMINDER_PERMISSION)
    assert reply.permission_request is None
    assert reply.eliciting is None
    assert reply.ends_session and not session.is_open


# --- a running server ------------------------------------------------------------------


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The web endpoint (skill.web) on a free local port, shut down afterwards."""
    from werkzeug.serving import make_server

    from skill.web.app import create_app

    httpd = make_server("127.0.0.1", 0, create_app(settings))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[str]:
    """`python -m skill serve --no-verify`, as the console's --url expects."""
    with serving(Settings(verify_requests=False, persistence=False)) as url:
        yield url


def test_ask_a_running_server(server: str, settings: Settings) -> None:
    run = ask("when should I take it", settings, url=server)
    assert (run.code, run.lines, run.err) == (0, [TIMING.speech], "")


def test_chat_with_a_running_server(server: str, settings: Settings) -> None:
    run = chat(["open bedtime magnesium", "when to take it", "yes", "stop"], settings, url=server)
    assert run.code == 0
    _, timing, yes, goodbye = run.said()
    assert timing.startswith(TIMING.speech)
    assert yes.startswith(spoken(next_of("timing")))
    assert goodbye == PROMPTS.goodbye


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_no_server_is_a_one_line_error(settings: Settings) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"
    for run in (ask("when to take it", settings, url=url), chat(["when"], settings, url=url)):
        assert run.code == 1
        assert run.err == f"error: cannot reach {url}: Connection refused\n"
        assert "Traceback" not in run.out + run.err


def test_a_server_that_verifies_requests_says_why_it_refused(settings: Settings) -> None:
    with serving(Settings(verify_requests=True, allow_any_skill_id=True, persistence=False)) as url:
        run = ask("when to take it", settings, url=url)
    assert run.code == 1
    assert run.err.startswith(f"error: {url} answered HTTP 400")
    assert "--no-verify" in run.err
    assert len(run.err.splitlines()) == 1


def test_a_bad_url_is_refused(settings: Settings) -> None:
    run = ask("when to take it", settings, url="ftp://127.0.0.1/")
    assert run.code == 2
    assert run.err == "error: --url must start with http:// or https://, not 'ftp://127.0.0.1/'\n"


def test_the_printed_json_is_the_json_sent(settings: Settings, recorder: Recorder) -> None:
    run = ask("when to take it", settings, verbose=True)
    start = run.out.index("  request:\n") + len("  request:\n")
    end = run.out.index("  response:\n")
    assert json.loads(run.out[start:end]) == recorder.sent[0]
