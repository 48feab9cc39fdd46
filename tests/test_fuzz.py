"""Property-based fuzzing: whatever arrives, the endpoint and the skill answer calmly.

A listener at bedtime must never meet a crash, so every input gets one of two defined
answers: 200 with a valid Alexa response envelope, or a 4xx with a short JSON reason.
Never a 5xx, never exception text. Inputs are arbitrary JSON, arbitrary bytes, and
real envelopes from `testing.envelopes` with keys deleted, values wrong-typed, odd slot
text, unknown intents, request types, locales and timestamps.

The endpoint runs in three configurations: verification off, verification on (bodies
signed with `testing.pki` after mutation, so they get past the signature to the skill)
and with SQLite memory. The catch-all apology may follow some mutations (the SDK
reaches the exception handler); how often is recorded as hypothesis events
(`pytest --hypothesis-show-statistics tests/test_fuzz.py`). It must never follow
mutations of slot text alone, nor of the skill's own session attributes or of slot
resolutions: those get their own properties.

Deterministic for CI: `derandomize=True`, no example database.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

import pytest
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from ask_sdk_model.request import Request
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from skill.builder import build_skill
from skill.config import Settings
from skill.content import load_content
from skill.dispatch import InvalidEnvelope, invoke_json
from skill.web.app import create_app
from testing import envelopes, pki
from testing.envelopes import benefit, intent, launch, session_ended, slot
from testing.talk import Conversation, plain

APOLOGY = load_content().prompts.error
KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)
#: Words that would mean exception text reached the listener or the caller.
LEAK_WORDS = ("Traceback", "KeyError", "TypeError", "AttributeError", "ValueError", "Exception")

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Doc = dict[str, Any]
Key = str | int
KeyPath = tuple[Key, ...]

# --- the three endpoints --------------------------------------------------------------


@dataclass
class Endpoint:
    """A Flask test client that signs every body when the app verifies requests."""

    name: str
    client: FlaskClient
    signed: bool

    def post(self, body: bytes) -> TestResponse:
        headers = pki.signed_headers(body) if self.signed else {}
        return self.client.post("/", data=body, headers=headers)


@pytest.fixture(scope="module", params=["plain", "verified", "sqlite"])
def endpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Endpoint:
    """One app per configuration, shared by all examples (building one is not free)."""
    name = str(request.param)
    if name == "verified":
        settings_ = Settings(
            skill_id=envelopes.APPLICATION_ID, verify_requests=True, persistence=False
        )
        app = create_app(settings_, cert_fetch=pki.CertSource(), trust_roots=pki.trust_roots())
    elif name == "sqlite":
        path = tmp_path_factory.mktemp("fuzz-memory") / "users.sqlite3"
        app = create_app(Settings(verify_requests=False, persistence=True, sqlite_path=path))
    else:
        app = create_app(Settings(verify_requests=False, persistence=False))
    app.config.update(TESTING=True)
    return Endpoint(name, app.test_client(), signed=name == "verified")


@pytest.fixture(scope="module")
def plain_endpoint() -> Endpoint:
    app = create_app(Settings(verify_requests=False, persistence=False))
    app.config.update(TESTING=True)
    return Endpoint("plain", app.test_client(), signed=False)


@pytest.fixture(scope="module")
def direct_skill(tmp_path_factory: pytest.TempPathFactory) -> CustomSkill:
    """The skill as Lambda and the console run it (with SQLite memory, the deepest path)."""
    path = tmp_path_factory.mktemp("fuzz-direct") / "users.sqlite3"
    return build_skill(Settings(persistence=True, sqlite_path=path))


# --- real envelopes to start from -----------------------------------------------------


@cache
def mid_session() -> Doc:
    """Session attributes exactly as the skill leaves them after "open" then a question."""
    talk = Conversation(build_skill(Settings(persistence=False)))
    talk.open()
    talk.say("TimingIntent")
    return dict(talk.attributes)


def _mid(**extra: Any) -> Doc:
    copied: Doc = json.loads(json.dumps({**mid_session(), **extra}))
    return copied


#: Where the bases send Alexa API calls (reminders): nothing listens, so a call fails at
#: once and nothing ever leaves the machine.
LOCAL_API_ENDPOINT = "https://127.0.0.1:9"
REMINDER_SCOPE = "alexa::alerts:reminders:skill:readwrite"


def _granted(doc: Doc) -> Doc:
    """The listener has granted the reminders permission (so the skill calls the API)."""
    doc["context"]["System"]["user"]["permissions"] = {
        "consentToken": "fuzz-consent-token",
        "scopes": {REMINDER_SCOPE: {"status": "GRANTED"}},
    }
    return doc


RAW_BASES: dict[str, Callable[[], Doc]] = {
    "launch": lambda: launch(),
    "launch continuing": lambda: launch(new=False, attributes=_mid()),
    "one-shot question": lambda: intent("TimingIntent"),
    "benefit matched": lambda: intent(
        "BenefitDetailIntent",
        {"benefit": benefit("sleep", "sleep_quality")},
        new=False,
        attributes=_mid(),
    ),
    "benefit unmatched one-shot": lambda: intent(
        "BenefitDetailIntent", {"benefit": benefit("cramps")}
    ),
    "benefit empty": lambda: intent(
        "BenefitDetailIntent", {"benefit": slot("benefit")}, new=False, attributes=_mid()
    ),
    "yes": lambda: intent("AMAZON.YesIntent", new=False, attributes=_mid()),
    "more": lambda: intent("AMAZON.MoreIntent", new=False, attributes=_mid()),
    "repeat": lambda: intent("AMAZON.RepeatIntent", new=False, attributes=_mid()),
    "forget confirmed": lambda: intent(
        "AMAZON.YesIntent", new=False, attributes=_mid(pending="forget")
    ),
    "quiet voice": lambda: intent("QuietVoiceIntent", new=False, attributes=_mid()),
    "session ended": lambda: session_ended(attributes=_mid()),
    "set reminder": lambda: intent("SetReminderIntent", {"time": slot("time", "21:15")}),
    "set reminder granted": lambda: _granted(
        intent("SetReminderIntent", {"bedtime": slot("bedtime", "22:30")})
    ),
}


def _local(build: Callable[[], Doc]) -> Callable[[], Doc]:
    def built() -> Doc:
        doc = build()
        doc["context"]["System"]["apiEndpoint"] = LOCAL_API_ENDPOINT
        return doc

    return built


BASES = {name: _local(build) for name, build in RAW_BASES.items()}
SLOT_BASES = ("benefit matched", "benefit unmatched one-shot", "benefit empty", "set reminder")
ONE_SHOT_BASES = (
    *("launch", "one-shot question", "benefit unmatched one-shot"),
    *("set reminder", "set reminder granted"),
)
MID_SESSION_BASES = tuple(name for name in BASES if name not in ONE_SHOT_BASES)

# --- values ---------------------------------------------------------------------------

#: Every code point, including NUL, controls, RTL marks and lone surrogates (sent as \ud800).
ANY_CHAR = st.characters(exclude_categories=())
HUGE_TEXT = st.integers(10_000, 40_000).map(lambda n: "z" * n)  # stays under the 128 KiB limit
ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "😴💤🌙",
        "\u202eevil\u202c",
        "שינה טובה",
        "نوم",
        "\ud800",
        "\udfff\ud800x",
        "<speak>",
        "</prosody>",
        "&amp;",
        "]]>",
        "'\"",
        "\\",
        "\u200b\ufeff",
        "%s %d {0}",
        "é" * 5_000,
        "😴" * 2_000,
    ]
)
TEXT = st.one_of(st.text(ANY_CHAR, max_size=40), ODD_TEXT, HUGE_TEXT)

WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(ANY_CHAR, max_size=20),
    ODD_TEXT,
    HUGE_TEXT,
    st.lists(st.integers() | st.none() | st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers() | st.none(), max_size=3),
)

ENVELOPE_KEYS = st.sampled_from(
    [
        *("version", "session", "context", "System", "application", "applicationId"),
        *("request", "type", "requestId", "timestamp", "locale", "intent", "name", "slots"),
        *("user", "userId", "attributes", "new"),
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(ANY_CHAR, max_size=30)
    | st.sampled_from([*sorted(KNOWN_REQUEST_TYPES), "1.0"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(ENVELOPE_KEYS | st.text(ANY_CHAR, max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)


def _now(offset: timedelta = timedelta()) -> datetime:
    return datetime.now(UTC) + offset


#: Timestamps in odd formats; callables so "now" is taken when the example is built.
TIMESTAMPS: list[Callable[[], Any]] = [
    lambda: _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda: _now().isoformat(),
    lambda: _now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    lambda: _now().strftime("%Y-%m-%dT%H:%M:%S.123456789Z"),
    lambda: _now().strftime("%Y-%m-%dT%H:%M:%S"),
    lambda: _now().strftime("%Y-%m-%d"),
    lambda: _now().strftime("%d/%m/%Y %H:%M"),
    lambda: _now().astimezone().strftime("%a, %d %b %Y %H:%M:%S %z"),
    lambda: _now(timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+05:30"),
    lambda: _now(timedelta(days=-400)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda: _now(timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda: str(int(_now().timestamp())),
    lambda: str(int(_now().timestamp() * 1000)),
    lambda: int(_now().timestamp()),
    lambda: "0000-00-00T00:00:00Z",
    lambda: "9999-12-31T23:59:59Z",
    lambda: "+275760-09-13T00:00:00Z",
    lambda: "yesterday",
    lambda: "",
    lambda: "2024-02-30T25:61:61Z",
    lambda: None,
]
LOCALES: list[Any] = ["xx-YY", "", 123, None, "en_US", "EN-us", "de-DE", "zz", "en-US\x00", []]
INTENT_NAMES = st.one_of(
    st.sampled_from(
        [
            *("TimingIntent", "BenefitDetailIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"),
            *("AMAZON.PauseIntent", "AMAZON.SelectIntent", "SetBedtimeIntent", "ForgetMeIntent"),
            *("", "timingintent", "AMAZON.", "Connections.Response", "SetReminderIntent"),
            *("ReminderStatusIntent", "CancelReminderIntent"),
        ]
    ),
    st.text(ANY_CHAR, max_size=30),
)
REQUEST_TYPES = st.one_of(st.sampled_from(sorted(KNOWN_REQUEST_TYPES)), st.text(max_size=20))

#: Each session attribute the skill reads, and a request that reads it.
READS = {
    "offered_topic": "yes",
    "last_topic": "more",
    "pending": "forget confirmed",
    "last_reply": "repeat",
    "voice": "quiet voice",
    "returning": "launch continuing",
}
SESSION_KEYS = sorted(READS)
#: Wrong types first (unhashable, empty, NUL), so a short run tries each of them.
ODD_VALUES = st.one_of(
    st.sampled_from([None, [], {}, True, 0, 1.5, "", "\x00", [None], ["timing"], {"a": 1}]),
    WRONG_VALUES,
)

# --- mutations ------------------------------------------------------------------------


def _children(value: Any) -> Iterator[tuple[Key, Any]]:
    if isinstance(value, dict):
        yield from value.items()
    elif isinstance(value, list):
        yield from enumerate(value)


def _paths(value: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Every path to a dict entry or list element, depth first."""
    for key, child in _children(value):
        path = (*prefix, key)
        yield path
        yield from _paths(child, path)


def _get(doc: Any, path: KeyPath) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _show(path: KeyPath) -> str:
    return ".".join(str(key) for key in path) or "<root>"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}...<{len(text)} chars>"


def _in_session_attributes(path: KeyPath) -> bool:
    return path[:2] == ("session", "attributes") and len(path) > 2


def _in_slots(path: KeyPath) -> bool:
    return path[:3] == ("request", "intent", "slots") and len(path) > 3


@dataclass(frozen=True)
class Mutation:
    kind: str
    detail: str


Mutate = Callable[[st.DrawFn, Doc], Mutation | None]
PathFilter = Callable[[KeyPath], bool]


def _pick_path(draw: st.DrawFn, doc: Doc, allowed: PathFilter) -> KeyPath | None:
    paths = [path for path in _paths(doc) if allowed(path)]
    return draw(st.sampled_from(paths)) if paths else None


def _outside_session(path: KeyPath) -> bool:
    return not _in_session_attributes(path)


def delete_key(allowed: PathFilter = _outside_session, kind: str = "delete") -> Mutate:
    def mutate(draw: st.DrawFn, doc: Doc) -> Mutation | None:
        path = _pick_path(draw, doc, allowed)
        if path is None:
            return None
        parent = _get(doc, path[:-1])
        del parent[cast(Any, path[-1])]
        return Mutation(kind, f"del {_show(path)}")

    return mutate


def wrong_type(
    allowed: PathFilter = _outside_session,
    kind: str = "wrong-type",
    values: st.SearchStrategy[Any] = WRONG_VALUES,
) -> Mutate:
    def mutate(draw: st.DrawFn, doc: Doc) -> Mutation | None:
        path = _pick_path(draw, doc, allowed)
        if path is None:
            return None
        value = draw(values)
        _get(doc, path[:-1])[path[-1]] = value
        return Mutation(kind, f"{_show(path)} = {_short(value)}")

    return mutate


def _dig(doc: Any, *keys: Key) -> Any:
    """`doc[k1][k2]...`, or None where an earlier mutation left something else in the way."""
    for key in keys:
        if isinstance(doc, dict) and isinstance(key, str):
            doc = doc.get(key)
        elif isinstance(doc, list) and isinstance(key, int) and key < len(doc):
            doc = doc[key]
        else:
            return None
    return doc


def slot_text(draw: st.DrawFn, doc: Doc) -> Mutation | None:
    """Any text where Alexa puts what the listener said: a slot value or a resolved name."""
    slots = _dig(doc, "request", "intent", "slots")
    if not isinstance(slots, dict):
        return None
    text = draw(TEXT)
    filled = [name for name, value in slots.items() if isinstance(value, dict)]
    where = draw(st.sampled_from(["value", "new slot", "resolved name", "resolved id"]))
    if where == "new slot" or not filled:
        name = draw(st.text(ANY_CHAR, max_size=10))
        slots[name] = {"name": name, "value": text, "confirmationStatus": "NONE"}
        return Mutation("slot-text", f"new slot {name!r} = {_short(text)}")
    name = draw(st.sampled_from(filled))
    resolved = _dig(slots, name, "resolutions", "resolutionsPerAuthority", 0, "values", 0, "value")
    if where == "value" or not isinstance(resolved, dict):
        slots[name]["value"] = text
        return Mutation("slot-text", f"slot {name!r} value = {_short(text)}")
    field = "name" if where == "resolved name" else "id"
    resolved[field] = text
    return Mutation("slot-text", f"slot {name!r} resolved {field} = {_short(text)}")


def intent_lost(draw: st.DrawFn, doc: Doc) -> Mutation | None:
    """An IntentRequest that carries no intent (deleted, null, or the type changed)."""
    request = doc.get("request")
    if not isinstance(request, dict):
        return None
    request["type"] = "IntentRequest"
    if draw(st.booleans()):
        request.pop("intent", None)
        return Mutation("intent-lost", "IntentRequest without request.intent")
    request["intent"] = None
    return Mutation("intent-lost", "IntentRequest with request.intent = None")


def _setter(kind: str, path: KeyPath, values: st.SearchStrategy[Any]) -> Mutate:
    def mutate(draw: st.DrawFn, doc: Doc) -> Mutation | None:
        try:
            parent = _get(doc, path[:-1])
        except (KeyError, IndexError, TypeError):
            return None
        if not isinstance(parent, dict):
            return None
        value = draw(values)
        parent[path[-1]] = value
        return Mutation(kind, f"{_show(path)} = {_short(value)}")

    return mutate


def session_attribute(draw: st.DrawFn, doc: Doc) -> Mutation | None:
    """A wrong-typed value in the skill's own session state (as an older version may leave)."""
    attributes = _dig(doc, "session", "attributes")
    if not isinstance(attributes, dict):
        return None
    if isinstance(attributes.get("last_reply"), list) and draw(st.booleans()):
        return last_reply_field(draw, doc)
    key = draw(st.sampled_from(SESSION_KEYS))
    value = draw(ODD_VALUES)
    attributes[key] = value
    return Mutation("session-attr", f"{key} = {_short(value)}")


def last_reply_field(draw: st.DrawFn, doc: Doc) -> Mutation | None:
    """Odd text or a wrong type in the reply the skill stored for "repeat that"
    ([reprompt, *speech]): an entry replaced, or entries added or dropped."""
    last = _dig(doc, "session", "attributes", "last_reply")
    if not isinstance(last, list) or not last:
        return None
    if draw(st.booleans()):
        index = draw(st.integers(min_value=0, max_value=len(last) - 1))
        value = draw(ODD_VALUES | TEXT)
        last[index] = value
        return Mutation("session-attr", f"last_reply[{index}] = {_short(value)}")
    kept = draw(st.integers(min_value=0, max_value=len(last)))
    extra = draw(st.lists(ODD_VALUES | TEXT, max_size=2))
    last[kept:] = extra
    return Mutation("session-attr", f"last_reply[{kept}:] = {_short(extra)}")


def _in_resolutions(path: KeyPath) -> bool:
    return _in_slots(path) and "resolutions" in path


ENVELOPE_MUTATIONS: tuple[Mutate, ...] = (
    delete_key(),
    wrong_type(),
    slot_text,
    _setter("intent-name", ("request", "intent", "name"), INTENT_NAMES),
    _setter("request-type", ("request", "type"), REQUEST_TYPES),
    _setter("locale", ("request", "locale"), st.sampled_from(LOCALES) | st.text(max_size=8)),
    _setter("timestamp", ("request", "timestamp"), st.sampled_from(TIMESTAMPS).map(lambda f: f())),
)


def _list_entry_in_resolutions(path: KeyPath) -> bool:
    return _in_resolutions(path) and isinstance(path[-1], int)


RESOLUTION_MUTATIONS: tuple[Mutate, ...] = (
    delete_key(_in_resolutions, "resolution"),
    wrong_type(_in_resolutions, "resolution", ODD_VALUES),
    wrong_type(_list_entry_in_resolutions, "resolution", st.sampled_from([None, {}, [], 0])),
)
RESOLVED_BASES = ("benefit matched", "benefit unmatched one-shot")


@dataclass(frozen=True)
class Case:
    """One mutated envelope and the exact bytes sent."""

    base: str
    mutations: tuple[Mutation, ...]
    body: bytes

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.mutations)

    def __repr__(self) -> str:
        body = self.body if len(self.body) <= 3000 else self.body[:3000] + b"...<truncated>"
        changes = "; ".join(f"[{m.kind}] {m.detail}" for m in self.mutations)
        return f"Case(base={self.base!r}, mutations={changes!r}, body={body!r})"


def _encode(draw: st.DrawFn, doc: Any) -> bytes:
    """JSON bytes: ASCII with \\uXXXX escapes (any lone surrogate ends up here) or raw UTF-8."""
    if draw(st.booleans()):
        try:
            return json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form
            pass
    return json.dumps(doc).encode("ascii")


@st.composite
def cases(
    draw: st.DrawFn,
    mutations: tuple[Mutate, ...] = ENVELOPE_MUTATIONS,
    bases: tuple[str, ...] = tuple(BASES),
    most: int = 3,
) -> Case:
    base = draw(st.sampled_from(bases))
    doc = BASES[base]()
    done: list[Mutation] = []
    for _ in range(draw(st.integers(1, most))):
        change = draw(st.sampled_from(mutations))(draw, doc)
        if change is not None:
            done.append(change)
    return Case(base, tuple(done), _encode(draw, doc))


# --- what every answer must look like -------------------------------------------------


def _speech_ok(speech: Any, where: str) -> str:
    """The words of one outputSpeech; its SSML must be well-formed XML."""
    assert isinstance(speech, dict), f"{where} is not an object"
    if speech.get("type") == "PlainText":
        assert isinstance(speech.get("text"), str), f"{where}.text is not a string"
        return str(speech["text"])
    ssml = speech.get("ssml")
    assert speech.get("type") == "SSML" and isinstance(ssml, str), f"{where} is not SSML"
    try:
        ET.fromstring(ssml.encode("utf-8"))  # a lone surrogate cannot be XML either
    except (ET.ParseError, UnicodeEncodeError) as broken:
        raise AssertionError(f"{where} is not well-formed XML ({broken}): {ssml[:300]!r}") from None
    return plain(ssml)


def check_alexa_response(data: Any) -> str:
    """Assert `data` is a response envelope Alexa would accept; return all words spoken."""
    assert isinstance(data, dict), "response is not a JSON object"
    assert isinstance(data.get("version"), str), "response has no version"
    response = data.get("response")
    assert isinstance(response, dict), "response has no response object"
    words: list[str] = []
    if "outputSpeech" in response:
        words.append(_speech_ok(response["outputSpeech"], "outputSpeech"))
    if "reprompt" in response:
        reprompt = response["reprompt"]
        assert isinstance(reprompt, dict), "reprompt is not an object"
        words.append(_speech_ok(reprompt.get("outputSpeech"), "reprompt.outputSpeech"))
    if "shouldEndSession" in response:
        assert isinstance(response["shouldEndSession"], bool), "shouldEndSession is not a bool"
    if "sessionAttributes" in data:
        assert isinstance(data["sessionAttributes"], dict), "sessionAttributes is not an object"
    return " ".join(words)


def check_card(data: Doc) -> None:
    """A card Alexa accepts: every text field a string."""
    card = data["response"].get("card")
    if card is None:
        return
    assert isinstance(card, dict), "card is not an object"
    for key in ("type", "title", "content", "text"):
        if key in card:
            assert isinstance(card[key], str), f"card.{key} is {card[key]!r}, not a string"


def outcome_of(response: TestResponse, sent: bytes) -> str:
    """Check the invariants every answer keeps; return a short label of what came back."""
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{response.status_code}: {text[:300]}"
    assert "Traceback" not in text
    assert response.is_json, f"{response.status_code} is not JSON: {text[:200]!r}"
    data = response.get_json()
    if response.status_code != 200:
        assert 400 <= response.status_code < 500, response.status_code
        assert isinstance(data, dict) and isinstance(data.get("error"), str), text[:200]
        assert set(data) == {"error"}, text[:200]
        leaked = [word for word in LEAK_WORDS if word in data["error"]]
        assert not leaked, f"exception text in the error reason: {data['error']!r}"
        return f"{response.status_code} {data['error']}"
    words = check_alexa_response(data)
    sent_text = sent.decode("utf-8", "replace")
    leaked = [word for word in LEAK_WORDS if word in words and word not in sent_text]
    assert not leaked, f"exception text spoken: {words[:300]!r}"
    if APOLOGY in words:
        return "200 apology"
    return "200 answer" if words else "200 silent"


def _record(case: Case, outcome: str) -> None:
    event(outcome)
    for kind in sorted(case.kinds):
        event(f"{kind} -> {outcome}")


# --- the endpoint ---------------------------------------------------------------------


def test_every_unmutated_base_is_answered(endpoint: Endpoint) -> None:
    """The fuzzer starts from envelopes the skill answers normally (else it tests nothing)."""
    for name, build in BASES.items():
        response = endpoint.post(json.dumps(build()).encode())
        assert outcome_of(response, b"") in ("200 answer", "200 silent"), name


@FUZZ
@given(value=JSON_VALUES)
def test_any_json_value_gets_a_defined_answer(endpoint: Endpoint, value: Any) -> None:
    body = json.dumps(value).encode()
    event(outcome_of(endpoint.post(body), body))


@FUZZ
@given(
    body=st.binary(max_size=2048) | st.text(ANY_CHAR).map(lambda t: t.encode("utf-8", "replace"))
)
def test_any_bytes_get_a_defined_answer(endpoint: Endpoint, body: bytes) -> None:
    event(outcome_of(endpoint.post(body), body))


@st.composite
def damaged_bodies(draw: st.DrawFn) -> bytes:
    """A real envelope's bytes with a few bytes replaced, dropped or inserted."""
    body = bytearray(json.dumps(BASES[draw(st.sampled_from(tuple(BASES)))]()).encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(body) - 1))
        action = draw(st.sampled_from(["replace", "drop", "insert"]))
        if action == "drop":
            del body[at]
        else:
            byte = draw(st.integers(0, 255) | st.sampled_from(list(b'{}[]",:\\0e-.')))
            body[at : at + 1 if action == "replace" else at] = bytes([byte])
    return bytes(body)


@FUZZ
@given(body=damaged_bodies())
def test_damaged_envelope_bytes_get_a_defined_answer(endpoint: Endpoint, body: bytes) -> None:
    event(outcome_of(endpoint.post(body), body))


@FUZZ
@given(case=cases())
def test_mutated_envelopes_get_a_calm_defined_answer(endpoint: Endpoint, case: Case) -> None:
    """Never a 5xx or exception text; the apology is counted, and fails only after slot text."""
    outcome = outcome_of(endpoint.post(case.body), case.body)
    _record(case, outcome)
    if outcome == "200 apology":
        note(f"apology after {case!r}")
        assert case.kinds != {"slot-text"}, "the apology for nothing but odd slot text"


@FUZZ
@given(case=cases(mutations=(slot_text,), bases=SLOT_BASES))
def test_any_slot_text_gets_a_calm_answer(endpoint: Endpoint, case: Case) -> None:
    """Whatever the listener said, the skill answers it, never with the apology."""
    response = endpoint.post(case.body)
    outcome = outcome_of(response, case.body)
    event(outcome)
    assert outcome == "200 answer", outcome
    check_card(response.get_json())


# --- properties that pin down bugs found by the fuzzer (see the module docstring) ------


@FUZZ
@given(case=cases(mutations=RESOLUTION_MUTATIONS, bases=RESOLVED_BASES, most=2))
def test_malformed_slot_resolutions_get_a_calm_answer(plain_endpoint: Endpoint, case: Case) -> None:
    """Entity resolution is Alexa's; a null or wrong-typed entry must not bring the apology."""
    outcome = outcome_of(plain_endpoint.post(case.body), case.body)
    event(outcome)
    assert outcome != "200 apology"


@st.composite
def odd_session_cases(draw: st.DrawFn) -> Case:
    """One odd session attribute, usually sent with the request that reads it."""
    key = draw(st.sampled_from(SESSION_KEYS))
    base = draw(st.sampled_from(MID_SESSION_BASES)) if draw(st.booleans()) else READS[key]
    doc = BASES[base]()
    attributes = doc["session"]["attributes"]
    if key == "last_reply" and draw(st.booleans()):
        change = last_reply_field(draw, doc)
    else:
        attributes[key] = draw(ODD_VALUES)
        change = Mutation("session-attr", f"{key} = {_short(attributes[key])}")
    assert change is not None
    return Case(base, (change,), _encode(draw, doc))


@FUZZ
@given(case=odd_session_cases())
def test_odd_session_attributes_never_bring_the_apology(
    plain_endpoint: Endpoint, case: Case
) -> None:
    """The skill's own session state may come from an older version: read it defensively."""
    response = plain_endpoint.post(case.body)
    assert response.status_code == 200
    words = plain(str(response.get_json()["response"].get("outputSpeech", {}).get("ssml")))
    event("apology" if APOLOGY in words else "answer")
    assert APOLOGY not in words


@FUZZ
@given(case=cases(mutations=(last_reply_field,), bases=("repeat",), most=2))
def test_repeat_that_always_gives_a_valid_response(plain_endpoint: Endpoint, case: Case) -> None:
    """Whatever "repeat that" finds in the stored reply, Alexa must be able to speak it."""
    response = plain_endpoint.post(case.body)
    outcome = outcome_of(response, case.body)  # well-formed SSML, no exception text
    event(outcome)
    check_card(response.get_json())


@settings(FUZZ, max_examples=40)
@given(case=cases(mutations=(intent_lost,), most=1))
def test_an_intent_request_without_an_intent_gets_a_calm_answer(
    plain_endpoint: Endpoint, case: Case
) -> None:
    """Refuse it (4xx) or redirect it, but no apology: nothing failed on the skill's side."""
    outcome = outcome_of(plain_endpoint.post(case.body), case.body)
    event(outcome)
    assert outcome != "200 apology"


# --- the skill itself (Lambda and the console call it this way) -----------------------


@FUZZ
@given(case=cases(mutations=(*ENVELOPE_MUTATIONS, session_attribute)))
def test_the_skill_answers_every_envelope_it_can_read(
    direct_skill: CustomSkill, case: Case
) -> None:
    """Anything the SDK can deserialize gets a response dict or the one defined refusal."""
    doc = json.loads(case.body)
    try:
        direct_skill.serializer.deserialize(json.dumps(doc), RequestEnvelope)
    except Exception:
        event("does not deserialize")
        return
    try:
        result = invoke_json(direct_skill, doc)
    except InvalidEnvelope as refused:
        leaked = [word for word in LEAK_WORDS if word in str(refused)]
        assert not leaked, f"exception text in the refusal: {refused}"
        event(f"refused: {refused}")
        return
    assert isinstance(result, dict)
    assert isinstance(result.get("version"), str) and isinstance(result.get("response"), dict)
    spoken = plain(str((result["response"].get("outputSpeech") or {}).get("ssml", "")))
    event("apology" if APOLOGY in spoken else "answer")
