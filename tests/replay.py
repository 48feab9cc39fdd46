"""A replay corpus: conversations with the real skill, stored as envelope -> response data.

Each scenario below drives the skill through real envelopes (every intent, one-shot
and in a session, the dialog states, the reminder paths against the fake Alexa API,
memory, faults). `python -m tests.replay` records them into `tests/data/replay/`;
`tests/test_replay.py` sends every stored envelope again, in order, to a fresh skill
and fake API, and requires the same response JSON. Record only from code whose
behaviour is the reference; a refactor must then replay unchanged.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.config import Settings
from skill.content import Content
from skill.dev.console import requests as alexa
from skill.dispatch import invoke_json
from skill.names import Benefit, Intent, RequestType
from skill.sdk.api_client import TimeoutApiClient
from testing import envelopes
from testing.envelopes import benefit, slot
from testing.fake_alexa_api import FakeAlexaApi, fake_alexa_api, point_at

CORPUS = Path(__file__).resolve().parent / "data" / "replay"
SCOPE = "alexa::alerts:reminders:skill:readwrite"
PREVIOUS = "previous"  # stored attributes: the previous response's session attributes


@dataclass
class Recorder:
    """One scenario being recorded: a skill, a fake Alexa API, and the turns so far."""

    skill: CustomSkill
    api: FakeAlexaApi
    turns: list[dict[str, Any]] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None
    started: bool = False
    permission: str | None = "GRANTED"
    locale: str = "en-US"
    _faults: list[dict[str, Any]] = field(default_factory=list)
    _broken: bool = False

    # -- what a scenario does

    def fail(self, status: int, **kwargs: Any) -> None:
        """The fake API answers the next call (under `path`) with `status`."""
        self._faults.append({"status": status, **kwargs})

    def broken(self) -> None:
        """The next turn's content lookup raises: the catch-all apology runs."""
        self._broken = True

    def new_session(self) -> None:
        self.attributes, self.session_id, self.started = {}, None, False

    def open(self) -> dict[str, Any]:
        return self._session_turn(alexa.launch_request())

    def say(self, name: str, dialog_state: str | None = None, **slots: Any) -> dict[str, Any]:
        return self._session_turn(alexa.intent_request(name, slots, dialog_state=dialog_state))

    def end(self, reason: str = "USER_INITIATED", **extra: Any) -> dict[str, Any]:
        body = {**alexa.session_ended_request(reason), **extra}
        envelope = self._envelope(body, new=False)
        self.new_session()
        return self.send(envelope)

    def one_shot(self, name: str, **slots: Any) -> dict[str, Any]:
        """ "Alexa, ask bedtime magnesium ...": a new session of its own."""
        self.new_session()
        return self._session_turn(alexa.intent_request(name, slots))

    def request(self, body: dict[str, Any], *, session: bool = True) -> dict[str, Any]:
        """Any other request body, in the current session (or none)."""
        envelope = self._envelope(body, new=not self.started)
        if not session:
            del envelope["session"]
        return self.send(envelope)

    # -- plumbing

    def _envelope(self, body: dict[str, Any], *, new: bool) -> dict[str, Any]:
        envelope = envelopes.envelope(
            body,
            new=new,
            attributes=copy.deepcopy(self.attributes),
            session_id=self.session_id,
            locale=self.locale,
        )
        self.session_id = envelope["session"]["sessionId"]
        return point_at(envelope, self.api, permission=self.permission)

    def _session_turn(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.send(self._envelope(body, new=not self.started))
        self.started = True
        self.attributes = dict(response.get("sessionAttributes") or {})
        if response["response"].get("shouldEndSession") or "reprompt" not in response["response"]:
            self.new_session()
        return response

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        turn: dict[str, Any] = {"request": compact(envelope)}
        if self._faults:
            turn["faults"] = self._faults
        if self._broken:
            turn["broken"] = True
        previous = self.turns[-1]["response"] if self.turns else {}
        if turn["request"].get("attributes") == previous.get("sessionAttributes", {}) != {}:
            turn["request"]["attributes"] = PREVIOUS
        response = run_turn(self.skill, self.api, turn, previous)
        self._faults, self._broken = [], False
        turn["response"] = response
        self.turns.append(turn)
        return response


def compact(envelope: dict[str, Any]) -> dict[str, Any]:
    """What varies between stored envelopes: the request body (no id or timestamp), the
    session's new flag and attributes, the permission and the locale."""
    body = {k: v for k, v in envelope["request"].items() if k not in ("requestId", "timestamp")}
    user = envelope["context"]["System"]["user"]
    status = user.get("permissions", {}).get("scopes", {}).get(SCOPE, {}).get("status")
    stored: dict[str, Any] = {"body": body, "permission": status}
    session = envelope.get("session")
    if session is not None:
        stored["new"] = session["new"]
        stored["attributes"] = session["attributes"]
    return stored


def expand(stored: dict[str, Any], api: FakeAlexaApi, previous: dict[str, Any]) -> dict[str, Any]:
    """The full envelope `compact` kept the varying parts of, aimed at this fake API.

    Attributes stored as PREVIOUS are the previous response's session attributes."""
    body = copy.deepcopy(stored["body"])
    attributes = stored.get("attributes")
    if attributes == PREVIOUS:
        attributes = previous.get("sessionAttributes")
    locale = body.pop("locale", "en-US")
    request = {**body, "requestId": "amzn1.echo-api.request.replay"}
    envelope = envelopes.envelope(
        request,
        new=stored.get("new", True),
        attributes=copy.deepcopy(attributes),
        session_id="amzn1.echo-api.session.replay",
        locale=locale,
    )
    envelope["request"]["timestamp"] = "2026-12-01T21:00:00Z"
    if "new" not in stored:
        del envelope["session"]
    return point_at(envelope, api, permission=stored["permission"])


def run_turn(
    skill: CustomSkill, api: FakeAlexaApi, turn: dict[str, Any], previous: dict[str, Any]
) -> dict[str, Any]:
    """Send one stored turn (faults first, aimed at this fake API) and return the response,
    without its `userAgent` (it names the Python version, not the skill's behaviour)."""
    for fault in turn.get("faults", ()):
        api.fail(**fault)
    envelope = expand(turn["request"], api, previous)
    if not turn.get("broken"):
        return _without_user_agent(invoke_json(skill, envelope))
    real = Content.answer

    def failing(self: Content, topic: str) -> Any:
        if topic == "timing":
            raise KeyError("no_such_topic")
        return real(self, topic)

    with mock.patch.object(Content, "answer", failing):
        return _without_user_agent(invoke_json(skill, envelope))


def _without_user_agent(response: dict[str, Any]) -> dict[str, Any]:
    response.pop("userAgent", None)
    return response


@contextmanager
def environment(options: dict[str, Any]) -> Iterator[tuple[CustomSkill, FakeAlexaApi]]:
    """A fresh skill (SQLite memory in a scratch folder, or none) and a fresh fake API."""
    with (
        tempfile.TemporaryDirectory(prefix="replay-") as folder,
        fake_alexa_api(**options.get("api", {})) as api,
    ):
        client = TimeoutApiClient(timeout=2.0, verify=api.ca_path)
        settings = Settings(
            skill_id=None,
            persistence=bool(options.get("memory")),
            sqlite_path=Path(folder) / "users.sqlite3",
        )
        yield build_skill(settings, api_client=client), api


# --------------------------------------------------------------------------- scenarios

Scenario = Callable[[Recorder], None]
SCENARIOS: dict[str, tuple[dict[str, Any], Scenario]] = {}


def scenario(**options: Any) -> Callable[[Scenario], Scenario]:
    def register(run: Scenario) -> Scenario:
        SCENARIOS[run.__name__] = (options, run)
        return run

    return register


EVERY_INTENT = [str(name) for name in Intent]


@scenario(memory=False)
def one_shot_every_intent(r: Recorder) -> None:
    for name in EVERY_INTENT:
        r.one_shot(name)


@scenario(memory=True)
def one_shot_every_intent_with_memory(r: Recorder) -> None:
    for name in EVERY_INTENT:
        r.one_shot(name)


@scenario(memory=False)
def every_intent_after_launch(r: Recorder) -> None:
    for name in EVERY_INTENT:
        r.new_session()
        r.open()
        r.say(name)


@scenario(memory=True)
def every_intent_after_launch_with_memory(r: Recorder) -> None:
    for name in EVERY_INTENT:
        r.new_session()
        r.open()
        r.say(name)
        if r.started:
            r.end()


@scenario(memory=False)
def a_conversation(r: Recorder) -> None:
    r.open()
    r.say(Intent.REPEAT)
    r.say(Intent.MORE)
    r.say(Intent.SOURCE)
    r.say(Intent.YES)
    r.say(Intent.TIMING)
    r.say(Intent.MORE)
    r.say(Intent.SOURCE)
    r.say(Intent.REPEAT)
    r.say(Intent.YES)
    r.say(Intent.MORE)
    r.say(Intent.YES)
    r.say(Intent.CHILDREN)
    r.say(Intent.SOURCE)
    r.say(Intent.YES)
    r.say(Intent.HELP)
    r.say(Intent.REPEAT)
    r.say(Intent.START_OVER)
    r.say(Intent.NAVIGATE_HOME)
    r.say(Intent.NO)


@scenario(memory=False)
def every_topic_in_one_session(r: Recorder) -> None:
    r.open()
    for _ in range(25):
        if not r.started:
            break
        r.say(Intent.YES)
        if r.started:
            r.say(Intent.MORE)


@scenario(memory=False)
def benefits(r: Recorder) -> None:
    for value in Benefit:
        r.one_shot(Intent.BENEFIT_DETAIL, benefit=benefit(value.replace("_", " "), value))
    r.one_shot(Intent.BENEFIT_DETAIL, benefit=benefit("digestion"))
    r.one_shot(Intent.BENEFIT_DETAIL, benefit=slot("benefit"))
    r.one_shot(Intent.BENEFIT_DETAIL)
    r.new_session()
    r.open()
    r.say(Intent.BENEFIT_DETAIL)
    r.say(Intent.BENEFIT_DETAIL, benefit=benefit("sleep", "sleep_quality"))
    r.say(Intent.BENEFIT_DETAIL, benefit=benefit("digestion"))
    r.say(Intent.BENEFIT_DETAIL, benefit=benefit("nerves", "nerve_function"))
    r.say(Intent.MORE)
    r.say(Intent.SOURCE)


@scenario(memory=False)
def misunderstandings(r: Recorder) -> None:
    r.open()
    r.say(Intent.FALLBACK)
    r.say(Intent.FALLBACK)
    r.say(Intent.FALLBACK)
    r.open()
    r.say(Intent.DOSAGE)
    r.say(Intent.FALLBACK)
    r.say(Intent.YES)
    r.say(Intent.FALLBACK)
    r.say("OrderPizzaIntent")
    r.say(Intent.REPEAT)
    r.say("OrderPizzaIntent")
    r.one_shot(Intent.FALLBACK)
    r.one_shot("OrderPizzaIntent")
    r.new_session()
    r.request({"type": "IntentRequest", "intent": {"name": "AMAZON.YesIntent"}})
    r.new_session()
    r.request({"type": "IntentRequest"})


@scenario(memory=True)
def forget_me(r: Recorder) -> None:
    r.open()
    r.say(Intent.TIMING)
    r.say(Intent.QUIET_VOICE)
    r.say(Intent.FORGET_ME)
    r.say(Intent.HELP)
    r.say(Intent.FALLBACK)
    r.say(Intent.FALLBACK)
    r.say(Intent.NO)
    r.say(Intent.FORGET_ME)
    r.say(Intent.REPEAT)
    r.say(Intent.YES)
    r.open()
    r.say(Intent.FORGET_ME)
    r.say(Intent.DOSAGE)
    r.say(Intent.YES)
    r.one_shot(Intent.FORGET_ME)
    r.say(Intent.YES)


@scenario(memory=True)
def returning_listener(r: Recorder) -> None:
    r.open()
    r.say(Intent.TIMING)
    r.say(Intent.STOP)
    r.open()
    r.say(Intent.YES)
    r.say(Intent.YES)
    r.end()
    r.open()
    for _ in range(20):
        if not r.started:
            break
        r.say(Intent.YES)
    r.open()
    r.say(Intent.DOSAGE)
    r.say(Intent.REPEAT)
    r.say(Intent.START_OVER)
    r.end("EXCEEDED_MAX_REPROMPTS")
    r.one_shot(Intent.TIMING)


@scenario(memory=True)
def quiet_voice(r: Recorder) -> None:
    r.open()
    r.say(Intent.QUIET_VOICE)
    r.say(Intent.TIMING)
    r.say(Intent.STOP)
    r.open()
    r.say(Intent.HYDRATION)
    r.say(Intent.NORMAL_VOICE)
    r.say(Intent.QUIET_VOICE)
    r.end()
    r.one_shot(Intent.DOSAGE)
    r.one_shot(Intent.NORMAL_VOICE)
    r.one_shot(Intent.QUIET_VOICE)
    r.one_shot(Intent.SET_REMINDER)


@scenario(memory=False)
def quiet_voice_without_memory(r: Recorder) -> None:
    r.open()
    r.say(Intent.QUIET_VOICE)
    r.say(Intent.WHAT_IS)
    r.say(Intent.NORMAL_VOICE)
    r.say(Intent.STOP)


@scenario(memory=False)
def requests_outside_a_conversation(r: Recorder) -> None:
    r.new_session()
    r.end()
    r.end("ERROR", error={"type": "INVALID_RESPONSE", "message": "bad ssml"})
    r.end("EXCEEDED_MAX_REPROMPTS")
    for name, slots in (
        (Intent.TIMING, {}),
        (Intent.DOSAGE, {}),
        (Intent.SIDE_EFFECTS, {}),
        (Intent.SET_REMINDER, {}),
        (Intent.HEALTH_CONCERN, {}),
        (Intent.HELP, {}),
        ("OrderPizzaIntent", {}),
        (Intent.BENEFIT_DETAIL, {"benefit": benefit("sleep", "sleep_quality")}),
        (Intent.BENEFIT_DETAIL, {"benefit": benefit("digestion")}),
        (Intent.BENEFIT_DETAIL, {"benefit": slot("benefit")}),
    ):
        r.new_session()
        body = {
            "type": RequestType.CAN_FULFILL,
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots},
        }
        r.request(body)
    stamp = "2026-01-01T00:00:00Z"
    r.request(
        {
            "type": RequestType.SKILL_DISABLED,
            "eventCreationTime": stamp,
            "eventPublishingTime": stamp,
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
        },
        session=False,
    )


@scenario(memory=False)
def locales(r: Recorder) -> None:
    for locale in ("en-GB", "en-CA", "en-AU", "en-IN"):
        r.locale = locale
        r.new_session()
        r.open()
        r.say(Intent.TIMING)


@scenario(memory=False)
def the_catch_all(r: Recorder) -> None:
    r.broken()
    r.one_shot(Intent.TIMING)
    r.open()
    r.broken()
    r.say(Intent.TIMING)
    r.say(Intent.REPEAT)


# --- the safety net, in tiers -------------------------------------------------------------


def resolved(name: str, slot_type: str, value: str, value_id: str) -> dict[str, Any]:
    return slot(
        name, value, alexa.resolution(envelopes.APPLICATION_ID, slot_type, (value, value_id))
    )


def amount(value: str, unit: str | None = None) -> dict[str, Any]:
    slots = {"amount": slot("amount", value)}
    if unit is not None:
        slots["unit"] = resolved("unit", "DoseUnitType", unit, unit)
    return slots


@scenario(memory=True)
def safety_tiers(r: Recorder) -> None:
    pills = resolved("pills", "PillsType", "a bunch of my pills", "many_pills")
    child = resolved("person", "PersonType", "my little boy", "child")
    r.one_shot(Intent.EMERGENCY)
    r.one_shot(Intent.EMERGENCY, person=child, pills=pills)
    for locale in ("en-GB", "en-CA", "en-AU", "en-IN"):
        r.locale = locale
        r.one_shot(Intent.EMERGENCY, pills=pills)
        r.one_shot(Intent.AMOUNT_TAKEN, **amount("900", "milligrams"))
    r.locale = "en-US"
    r.one_shot(Intent.HEALTH_CONCERN)
    r.one_shot(
        Intent.HEALTH_CONCERN,
        condition=resolved("condition", "ConditionType", "pregnant", "pregnancy"),
    )
    r.one_shot(Intent.PREGNANCY)
    r.open()
    r.say(
        Intent.HEALTH_CONCERN,
        condition=resolved("condition", "ConditionType", "kidney disease", "kidney"),
    )
    r.say(Intent.SOURCE)
    r.say(Intent.INTERACTIONS)
    r.say(Intent.AMOUNT, **amount("1000", "milligrams"))
    r.say(Intent.SOURCE)
    r.say(Intent.AMOUNT, **amount("2", "grams"))
    r.say(Intent.AMOUNT, **amount("3", "tablets"))
    r.say(Intent.AMOUNT, **amount("500"))
    r.say(Intent.AMOUNT, **amount("?"))
    r.say(Intent.AMOUNT_TAKEN, **amount("300", "milligrams"))
    r.say(Intent.AMOUNT_TAKEN, **amount("100", "milligrams"))
    r.say(Intent.EXTRA_DOSE)
    r.say(Intent.REPEAT)
    r.say(Intent.AMOUNT_TAKEN, **amount("2", "capsules"))
    r.one_shot(Intent.AMOUNT_TAKEN)


# --- the nightly reminder ------------------------------------------------------------------


def bedtime(value: str) -> dict[str, Any]:
    return {"bedtime": slot("bedtime", value)}


@scenario(memory=True)
def reminder_set_with_bedtime(r: Recorder) -> None:
    r.one_shot(Intent.SET_REMINDER)
    r.say(Intent.HELP)
    r.say(Intent.FALLBACK)
    r.say(Intent.SET_REMINDER, "IN_PROGRESS", **bedtime("22:30"))
    r.say(Intent.HELP)
    r.say(Intent.REPEAT)
    r.say(Intent.YES)
    r.one_shot(Intent.REMINDER_STATUS)
    r.one_shot(Intent.SET_REMINDER)
    r.say(Intent.YES)
    r.open()
    r.say(Intent.REMINDER_STATUS)
    r.say(Intent.CANCEL_REMINDER)
    r.say(Intent.HELP)
    r.say(Intent.NO)
    r.say(Intent.CANCEL_REMINDER)
    r.say(Intent.YES)
    r.say(Intent.REMINDER_STATUS)
    r.say(Intent.CANCEL_REMINDER)
    r.say(Intent.STOP)


@scenario(memory=True)
def reminder_morning_or_evening(r: Recorder) -> None:
    r.open()
    r.say(Intent.SET_REMINDER, **bedtime("10:30"))  # taken as evening, inside the consent
    r.say(Intent.HELP)
    r.say(Intent.NO)  # asks again, morning or night
    r.say(Intent.SET_REMINDER, "IN_PROGRESS", **bedtime("10:30"))  # now read as said
    r.say(Intent.YES)
    r.one_shot(Intent.SET_REMINDER, time=slot("time", "09:15"))
    r.say(Intent.YES)
    r.one_shot(Intent.SET_REMINDER, time=slot("time", "21:30"))
    r.say(Intent.YES)
    r.one_shot(Intent.SET_REMINDER, time=slot("time", "18:00"))
    r.say(Intent.YES)
    r.one_shot(Intent.SET_REMINDER, bedtime=slot("bedtime", "00:30"))
    r.say(Intent.NO)


@scenario(memory=True)
def reminder_parts_of_the_day(r: Recorder) -> None:
    for part, then in (("EV", "10:30"), ("NI", "12:30"), ("AF", "3:00"), ("MO", "12:15")):
        r.new_session()
        r.open()
        r.say(Intent.SET_REMINDER, **bedtime(part))
        r.say(Intent.SET_REMINDER, "IN_PROGRESS", **bedtime(then))
        r.say(Intent.NO)
    r.one_shot(Intent.SET_REMINDER, time=slot("time", "EV"))
    r.say(Intent.SET_REMINDER, "IN_PROGRESS", time=slot("time", "9:30"))
    r.say(Intent.YES)
    r.one_shot(Intent.SET_REMINDER, bedtime=slot("bedtime", "junk"))


@scenario(memory=True)
def reminder_permission_by_voice(r: Recorder) -> None:
    r.permission = "DENIED"
    r.one_shot(Intent.SET_REMINDER, **bedtime("22:30"))
    r.one_shot(Intent.SET_REMINDER, time=slot("time", "10:00"))
    r.say(Intent.YES)
    r.one_shot(Intent.REMINDER_STATUS)
    r.one_shot(Intent.CANCEL_REMINDER)
    r.one_shot(Intent.FORGET_ME)
    r.say(Intent.NO)
    r.permission = None
    r.one_shot(Intent.SET_REMINDER, **bedtime("22:00"))
    r.permission = "GRANTED"
    for payload, code in (
        ({"status": "DENIED", "isCardThrown": False, "permissionScope": SCOPE}, "200"),
        ({"status": "NOT_ANSWERED", "isCardThrown": False, "permissionScope": SCOPE}, "200"),
        (
            {
                "permissionScopes": [
                    {"permissionScope": SCOPE, "consentLevel": "ACCOUNT", "status": "ACCEPTED"}
                ]
            },
            "500",
        ),
        ({"status": "ACCEPTED", "isCardThrown": False, "permissionScope": SCOPE}, "200"),
        (
            {
                "permissionScopes": [
                    {"permissionScope": SCOPE, "consentLevel": "ACCOUNT", "status": "ACCEPTED"}
                ]
            },
            "200",
        ),
    ):
        r.new_session()
        r.request(alexa.connections_response("AskFor", "reminder@21:45/22:30", payload, code=code))
    r.new_session()
    payload = {"status": "ACCEPTED", "isCardThrown": False, "permissionScope": SCOPE}
    r.request(alexa.connections_response("AskFor", "nonsense", payload))
    r.one_shot(Intent.REMINDER_STATUS)
    r.permission = "DENIED"
    r.open()
    r.say(Intent.SET_REMINDER, **bedtime("22:30"))


@scenario(memory=True)
def reminder_faults(r: Recorder) -> None:
    for status, code in (
        (401, None),
        (403, "NO_PERMISSION"),
        (403, "DEVICE_NOT_SUPPORTED"),
        (429, None),
        (500, None),
        (503, None),
    ):
        r.one_shot(Intent.SET_REMINDER, **bedtime("22:30"))
        r.fail(status, code=code, path="/v1/alerts/reminders")
        r.say(Intent.YES)
    r.fail(500, path="/v1/alerts/reminders")
    r.one_shot(Intent.REMINDER_STATUS)
    r.fail(429, path="/v1/alerts/reminders")
    r.one_shot(Intent.CANCEL_REMINDER)
    r.fail(500, path="/v2/devices")
    r.one_shot(Intent.SET_REMINDER, **bedtime("23:00"))
    r.say(Intent.YES)
    r.one_shot(Intent.REMINDER_STATUS)
    r.one_shot(Intent.CANCEL_REMINDER)
    r.fail(500, path="/v1/alerts/reminders", times=3)
    r.say(Intent.YES)
    r.fail(500, path="/v1/alerts/reminders")
    r.one_shot(Intent.FORGET_ME)
    r.one_shot(Intent.FORGET_ME)
    r.fail(500, path="/v1/alerts/reminders", times=3)
    r.say(Intent.YES)
    r.one_shot(Intent.FORGET_ME)
    r.say(Intent.YES)
    r.one_shot(Intent.REMINDER_STATUS)


@scenario(memory=True, api={"time_zone": None, "device_zone": "Pacific/Kiritimati"})
def reminder_without_a_time_zone(r: Recorder) -> None:
    r.open()
    r.say(Intent.SET_REMINDER, time=slot("time", "21:15"))
    r.say(Intent.YES)
    r.say(Intent.REMINDER_STATUS)
    r.say(Intent.FORGET_ME)
    r.say(Intent.YES)


@scenario(memory=False)
def reminder_without_memory(r: Recorder) -> None:
    r.one_shot(Intent.SET_REMINDER, **bedtime("22:30"))
    r.say(Intent.YES)
    r.one_shot(Intent.REMINDER_STATUS)
    r.one_shot(Intent.CANCEL_REMINDER)
    r.say(Intent.YES)
    r.one_shot(Intent.SET_REMINDER)


# --------------------------------------------------------------------------- storage


def record(name: str) -> list[dict[str, Any]]:
    options, run = SCENARIOS[name]
    with environment(options) as (skill, api):
        recorder = Recorder(skill, api)
        run(recorder)
        assert not api.server_errors, api.server_errors
        return recorder.turns


def path_of(name: str) -> Path:
    return CORPUS / f"{name}.json"


def write(name: str) -> int:
    options, _ = SCENARIOS[name]
    turns = record(name)
    data = {"scenario": name, "options": options, "turns": turns}
    path_of(name).parent.mkdir(parents=True, exist_ok=True)
    path_of(name).write_text(json.dumps(data, indent=None, sort_keys=True) + "\n")
    return len(turns)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def replay(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(index, recorded response, response now) for every stored turn, in order."""
    with environment(data["options"]) as (skill, api):
        previous: dict[str, Any] = {}
        for index, turn in enumerate(data["turns"]):
            yield index, turn["response"], run_turn(skill, api, turn, previous)
            previous = turn["response"]
        assert not api.server_errors, api.server_errors


def main(argv: list[str]) -> int:
    names = argv or sorted(SCENARIOS)
    for name in names:
        print(f"{name}: {write(name)} turns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
