"""Request verification through the real verifier.

Only the certificate source, the trust roots and the clock are test doubles.
"""

from __future__ import annotations

import base64
import http.server
import json
import logging
import threading
import time
import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from skill.config import Settings
from skill.web.verification import (
    DEFAULT_MAX_ENTRIES,
    KNOWN_URL_FETCHES_PER_MINUTE,
    NEW_URLS_PER_CLIENT_PER_MINUTE,
    NEW_URLS_PER_MINUTE,
    REFETCH_INTERVAL,
    AlexaVerifier,
    CachingRequestVerifier,
    FetchBudget,
    FetchError,
    VerificationException,
    build_verifier,
    canonical_certificate_url,
    check_raw_timestamp,
    check_timestamp,
    fetch_cert_chain,
)
from testing import pki

_serializer = DefaultSerializer()


def request_body(timestamp: datetime | None = None) -> str:
    """A LaunchRequest envelope as Alexa would POST it."""
    moment = timestamp or datetime.now(UTC)
    return json.dumps(
        {
            "version": "1.0",
            "session": {
                "new": True,
                "sessionId": "amzn1.echo-api.session.test",
                "application": {"applicationId": "amzn1.ask.skill.test"},
                "user": {"userId": "amzn1.ask.account.test"},
            },
            "context": {
                "System": {
                    "application": {"applicationId": "amzn1.ask.skill.test"},
                    "user": {"userId": "amzn1.ask.account.test"},
                    "apiEndpoint": "https://api.amazonalexa.com",
                }
            },
            "request": {
                "type": "LaunchRequest",
                "requestId": "amzn1.echo-api.request.test",
                "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "locale": "en-US",
            },
        }
    )


def envelope(body: str) -> RequestEnvelope:
    result: RequestEnvelope = _serializer.deserialize(body, RequestEnvelope)
    return result


def check(verifier: Any, headers: dict[str, str], body: str) -> None:
    """Run one verifier the way WebserviceSkillHandler does."""
    verifier.verify(headers, body, envelope(body))


@pytest.fixture
def source() -> pki.CertSource:
    return pki.CertSource()


@pytest.fixture
def clock() -> pki.Clock:
    return pki.Clock()


@pytest.fixture
def verifier(source: pki.CertSource, clock: pki.Clock) -> CachingRequestVerifier:
    return CachingRequestVerifier(fetch=source, trust_roots=pki.trust_roots(), now=clock)


@pytest.fixture
def body() -> str:
    return request_body()


def signed(body: str, **kwargs: Any) -> dict[str, str]:
    return pki.signed_headers(body.encode(), **kwargs)


# --- signature ------------------------------------------------------------------------


def test_accepts_a_validly_signed_request(verifier: CachingRequestVerifier, body: str) -> None:
    check(verifier, signed(body), body)


def test_header_names_are_case_insensitive(verifier: CachingRequestVerifier, body: str) -> None:
    headers = {name.lower(): value for name, value in signed(body).items()}
    check(verifier, headers, body)


def test_rejects_a_tampered_body(verifier: CachingRequestVerifier, body: str) -> None:
    headers = signed(body)
    with pytest.raises(VerificationException, match=r"^Request body is not valid$"):
        check(verifier, headers, body.replace("LaunchRequest", "SessionEndedRequest"))


def test_rejects_a_signature_by_another_key(verifier: CachingRequestVerifier, body: str) -> None:
    headers = signed(body, key=pki.private_key("other-leaf"))
    with pytest.raises(VerificationException, match=r"^Request body is not valid$"):
        check(verifier, headers, body)


def test_rejects_a_signature_that_is_not_base64(
    verifier: CachingRequestVerifier, body: str
) -> None:
    headers = {**signed(body), pki.SIGNATURE_HEADER: "abc"}
    with pytest.raises(VerificationException, match="base64"):
        check(verifier, headers, body)


def test_rejects_a_request_with_only_the_sha1_signature_header(
    verifier: CachingRequestVerifier, source: pki.CertSource, body: str
) -> None:
    sha1 = pki.private_key("leaf").sign(body.encode(), padding.PKCS1v15(), hashes.SHA1())
    headers = {
        pki.CERT_URL_HEADER: pki.DEFAULT_URL,
        "Signature": base64.b64encode(sha1).decode(),
    }
    with pytest.raises(VerificationException, match="Missing Signature"):
        check(verifier, headers, body)
    assert source.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({pki.CERT_URL_HEADER: pki.DEFAULT_URL}, id="no-signature"),
        pytest.param({pki.SIGNATURE_HEADER: "c2ln"}, id="no-cert-url"),
    ],
)
def test_rejects_missing_headers(verifier: CachingRequestVerifier, headers: dict[str, str]) -> None:
    with pytest.raises(VerificationException, match="Missing Signature"):
        check(verifier, headers, request_body())


# --- certificate chain URL ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "invalid protocol"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "invalid hostname"),
        ("https://s3.amazonaws.com.evil.com/echo.api/echo-api-cert.pem", "invalid hostname"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/../x.pem", "invalid path"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "invalid path"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "invalid port"),
        ("https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem", "malformed"),
        ("https://s3.amazonaws.com:x/echo.api/echo-api-cert.pem", "malformed"),
        # Stricter than the SDK: decoded, then normalized; no userinfo, query, fragment.
        ("https://s3.amazonaws.com/echo.api/%2e%2e/x.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/%2E%2E%2Fx.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/a%00.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/%zz.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/", "invalid path"),
        ("https://evil.com@s3.amazonaws.com/echo.api/echo-api-cert.pem", "userinfo"),
        ("https://s3.amazonaws.com@evil.com/echo.api/echo-api-cert.pem", "userinfo"),
        ("https://s3.amazonaws.com/echo.api/echo-api-cert.pem?bust=1", "query"),
        ("https://s3.amazonaws.com/echo.api/echo-api-cert.pem#x", "fragment"),
        ("https://s3.amazonaws.com/echo.api\\..\\x.pem", "backslash"),
        ("https://s3.amazonaws.com/echo.api/echo api.pem", "malformed"),
        ("https://s3.amazonaws.com/echo.api/\u00e9.pem", "malformed"),
    ],
)
def test_rejects_bad_cert_urls_before_fetching(
    source: pki.CertSource, clock: pki.Clock, body: str, url: str, reason: str
) -> None:
    source.chains[url] = pki.chain_pem()  # would verify if it were fetched
    verifier = CachingRequestVerifier(fetch=source, trust_roots=pki.trust_roots(), now=clock)
    with pytest.raises(VerificationException, match=reason) as caught:
        check(verifier, signed(body, cert_url=url), body)
    assert source.calls == []
    assert url not in str(caught.value)  # messages never echo request data


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/%65cho-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/./echo-api-cert.pem",
    ],
)
def test_accepts_the_url_forms_amazon_allows_and_fetches_the_canonical_url(
    source: pki.CertSource, clock: pki.Clock, body: str, url: str
) -> None:
    canonical = "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    assert canonical_certificate_url(url) == canonical
    source.chains = {canonical: pki.chain_pem()}
    verifier = CachingRequestVerifier(fetch=source, trust_roots=pki.trust_roots(), now=clock)
    check(verifier, signed(body, cert_url=url), body)
    check(verifier, signed(body, cert_url=canonical), body)  # one cache entry for both
    assert source.urls == [canonical]
    assert verifier.cache_size == 1


def test_new_urls_are_fetched_within_a_budget(
    source: pki.CertSource, clock: pki.Clock, body: str
) -> None:
    """Each new URL costs a fetch and a chain validation: only a few a minute."""
    minute = [0.0]
    urls = [f"https://s3.amazonaws.com/echo.api/echo-api-cert-{i}.pem" for i in range(20)]
    source.chains = dict.fromkeys(urls, pki.chain_pem())
    verifier = CachingRequestVerifier(
        fetch=source,
        trust_roots=pki.trust_roots(),
        now=clock,
        budget=FetchBudget(clock=lambda: minute[0]),
    )
    for url in urls[:NEW_URLS_PER_MINUTE]:
        check(verifier, signed(body, cert_url=url), body)
    with pytest.raises(VerificationException, match="Too many new"):
        check(verifier, signed(body, cert_url=urls[NEW_URLS_PER_MINUTE]), body)
    assert len(source.calls) == NEW_URLS_PER_MINUTE  # refused without fetching
    check(verifier, signed(body, cert_url=urls[0]), body)  # cached URLs still work
    minute[0] += 60 / NEW_URLS_PER_MINUTE  # one fetch earned back
    check(verifier, signed(body, cert_url=urls[NEW_URLS_PER_MINUTE]), body)
    with pytest.raises(VerificationException, match="Too many new"):
        check(verifier, signed(body, cert_url=urls[NEW_URLS_PER_MINUTE + 1]), body)


def test_a_certificate_rotated_in_place_is_refetched_once(
    source: pki.CertSource, clock: pki.Clock, body: str
) -> None:
    seconds = [0.0]
    verifier = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, monotonic=lambda: seconds[0]
    )
    check(verifier, signed(body), body)
    rotated = pki.other_key_leaf()
    source.chains[pki.DEFAULT_URL] = pki.chain_pem(rotated)
    check(verifier, signed(body, key=rotated.key), body)  # refetched, validated, accepted
    assert source.urls == [pki.DEFAULT_URL, pki.DEFAULT_URL]
    assert verifier.chain_validations == 2
    # Junk signatures do not make it fetch again and again: once per interval per URL.
    for _ in range(5):
        with pytest.raises(VerificationException, match="Request body"):
            check(verifier, signed(body, key=pki.private_key("intruder")), body)
    assert len(source.calls) == 2
    seconds[0] += REFETCH_INTERVAL
    with pytest.raises(VerificationException, match="Request body"):
        check(verifier, signed(body, key=pki.private_key("intruder")), body)
    assert len(source.calls) == 3  # fetched again, unchanged: not validated again
    assert verifier.chain_validations == 2


# --- certificate chain ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_chain", "reason", "detail"),
    [
        pytest.param(lambda: pki.chain_pem(pki.wrong_san_leaf()), "echo-api", None, id="wrong-san"),
        pytest.param(
            lambda: pki.chain_pem(pki.issue_leaf(san=None)), "echo-api", None, id="no-san"
        ),
        pytest.param(
            lambda: pki.chain_pem(pki.expired_leaf()), "not valid", "expired", id="expired"
        ),
        pytest.param(
            lambda: pki.chain_pem(pki.not_yet_valid_leaf()),
            "not valid",
            "not valid until",
            id="not-yet-valid",
        ),
        pytest.param(
            lambda: pki.chain_pem(pki.no_digital_signature_leaf()),
            "not valid",
            "digital signature",
            id="no-digital-signature",
        ),
        pytest.param(
            lambda: pki.chain_pem(pki.untrusted_leaf(), pki.untrusted_root()),
            "not valid",
            "Unable to build a validation path",
            id="untrusted-root",
        ),
        pytest.param(
            lambda: pki.leaf().pem,
            "not valid",
            "Unable to build a validation path",
            id="missing-intermediate",
        ),
        pytest.param(
            lambda: pki.intermediate().pem + pki.leaf().pem,
            "not valid",
            "digital signature",
            id="leaf-not-first",
        ),
    ],
)
def test_rejects_bad_certificate_chains(
    source: pki.CertSource,
    verifier: CachingRequestVerifier,
    body: str,
    make_chain: Any,
    reason: str,
    detail: str | None,
) -> None:
    source.chains[pki.DEFAULT_URL] = make_chain()
    with pytest.raises(VerificationException, match=reason) as caught:
        check(verifier, signed(body), body)
    if detail is not None:  # certvalidator's reason is kept as the cause, for debugging
        assert detail in str(caught.value.__cause__)
    assert verifier.cache_size == 0
    # And again: nothing was cached, and the URL is not fetched again for a while.
    with pytest.raises(VerificationException, match="failed recently"):
        check(verifier, signed(body), body)
    assert len(source.calls) == 1


def test_end_certificate_checks_use_aware_dates_and_the_injected_clock(
    clock: pki.Clock, verifier: CachingRequestVerifier
) -> None:
    leaf = pki.leaf().cert
    verifier._validate_end_certificate(leaf)  # no naive-datetime deprecation warning
    clock.current = leaf.not_valid_before_utc - timedelta(seconds=1)
    with pytest.raises(VerificationException, match="not yet valid"):
        verifier._validate_end_certificate(leaf)
    clock.current = leaf.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(VerificationException, match="expired"):
        verifier._validate_end_certificate(leaf)


# --- timestamp ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(seconds=10), True),
        (timedelta(seconds=149), True),
        (timedelta(seconds=151), False),
        (-timedelta(seconds=151), False),
        (-timedelta(minutes=5), False),
    ],
)
def test_the_timestamp_must_be_within_150_seconds(age: timedelta, accepted: bool) -> None:
    now = datetime.now(UTC)
    body = request_body(now - age)
    request = json.loads(body)["request"]
    if accepted:
        check_raw_timestamp(body, now)
        check_timestamp(request, now)
    else:
        with pytest.raises(VerificationException, match="Timestamp"):
            check_raw_timestamp(body, now)
        with pytest.raises(VerificationException, match="Timestamp"):
            check_timestamp(request, now)


@pytest.mark.parametrize(
    "timestamp", ["2020-01-01T00:00:00", "yesterday", "", 12, None, "2020-01-01T00:00:00Z" * 3]
)
def test_a_timestamp_that_is_not_an_aware_iso_time_is_rejected(timestamp: object) -> None:
    now = datetime(2020, 1, 1, tzinfo=UTC)
    with pytest.raises(VerificationException, match="Timestamp"):
        check_timestamp({"type": "LaunchRequest", "timestamp": timestamp}, now)


def test_skill_events_may_be_an_hour_old() -> None:
    now = datetime.now(UTC)
    old = (now - timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {"type": "AlexaSkillEvent.SkillEnabled", "timestamp": old}
    check_timestamp(event, now)
    check_raw_timestamp(json.dumps({"request": event}), now)
    with pytest.raises(VerificationException):
        check_timestamp({**event, "type": "LaunchRequest"}, now)


def test_the_quick_look_passes_if_any_timestamp_member_is_fresh() -> None:
    """A member before request.timestamp (say, in session attributes) cannot hide it."""
    now = datetime.now(UTC)
    body = json.loads(request_body(now))
    body["session"]["attributes"] = {"timestamp": "2020-01-01T00:00:00Z"}
    check_raw_timestamp(json.dumps(body), now)


def test_build_verifier(source: pki.CertSource, body: str) -> None:
    verifier = build_verifier(
        Settings(cert_fetch_timeout=1.5), fetch=source, trust_roots=pki.trust_roots()
    )
    assert isinstance(verifier, AlexaVerifier)
    verifier.authenticate(signed(body), body)  # default clock: real time, inside the test PKI
    verifier.check_timestamp(json.loads(body)["request"])
    assert source.calls == [(pki.DEFAULT_URL, 1.5)]


def test_authenticate_checks_the_timestamp_before_fetching(source: pki.CertSource) -> None:
    verifier = build_verifier(Settings(), fetch=source, trust_roots=pki.trust_roots())
    assert verifier is not None
    body = request_body(datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(VerificationException, match="Timestamp"):
        verifier.authenticate(signed(body), body)
    assert source.calls == []


def test_build_verifier_returns_none_when_verification_is_off() -> None:
    # The warning that verification is off is logged by the web app at start-up.
    assert build_verifier(Settings(verify_requests=False)) is None


# --- cache ----------------------------------------------------------------------------


def test_validates_the_chain_once_for_many_requests(
    source: pki.CertSource, verifier: CachingRequestVerifier
) -> None:
    for i in range(25):
        body = request_body(datetime.now(UTC) - timedelta(seconds=i))
        check(verifier, signed(body), body)
    assert verifier.chain_validations == 1
    assert source.urls == [pki.DEFAULT_URL]


def test_cached_chain_still_checks_url_and_signature_every_time(
    verifier: CachingRequestVerifier, body: str
) -> None:
    check(verifier, signed(body), body)
    with pytest.raises(VerificationException, match="Request body"):
        check(verifier, signed(body, key=pki.private_key("other-leaf")), body)
    bad_url = pki.DEFAULT_URL.replace("echo.api", "EcHo.aPi")
    with pytest.raises(VerificationException, match="invalid path"):
        check(verifier, signed(body, cert_url=bad_url), body)
    assert verifier.chain_validations == 1


def test_cached_leaf_is_rejected_after_it_expires(
    source: pki.CertSource, clock: pki.Clock, verifier: CachingRequestVerifier, body: str
) -> None:
    check(verifier, signed(body), body)
    clock.current = pki.leaf().cert.not_valid_after_utc
    check(verifier, signed(body), body)  # the last valid second
    clock.advance(timedelta(seconds=1))
    with pytest.raises(VerificationException, match="expired"):
        check(verifier, signed(body), body)
    assert verifier.cache_size == 0
    # The next request fetches again; the same expired chain fails full validation.
    with pytest.raises(VerificationException, match="not valid"):
        check(verifier, signed(body), body)
    assert len(source.calls) == 2
    assert verifier.chain_validations == 2


def test_cached_leaf_is_rejected_before_its_not_before(
    clock: pki.Clock, verifier: CachingRequestVerifier, body: str
) -> None:
    check(verifier, signed(body), body)
    clock.current = pki.leaf().cert.not_valid_before_utc - timedelta(seconds=1)
    with pytest.raises(VerificationException, match="not yet valid"):
        check(verifier, signed(body), body)


def test_cache_is_a_bounded_lru(source: pki.CertSource, clock: pki.Clock, body: str) -> None:
    verifier = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, budget=FetchBudget(100)
    )
    urls = [f"https://s3.amazonaws.com/echo.api/echo-api-cert-{i}.pem" for i in range(40)]
    source.chains = dict.fromkeys(urls, pki.chain_pem())
    for url in urls[:DEFAULT_MAX_ENTRIES]:
        check(verifier, signed(body, cert_url=url), body)
    check(verifier, signed(body, cert_url=urls[0]), body)  # now the most recently used
    for url in urls[DEFAULT_MAX_ENTRIES:]:
        check(verifier, signed(body, cert_url=url), body)
    assert verifier.cache_size == DEFAULT_MAX_ENTRIES
    validations = verifier.chain_validations
    check(verifier, signed(body, cert_url=urls[0]), body)  # kept
    assert verifier.chain_validations == validations
    check(verifier, signed(body, cert_url=urls[1]), body)  # evicted: validated again
    assert verifier.chain_validations == validations + 1
    assert verifier.cache_size == DEFAULT_MAX_ENTRIES


def test_max_entries_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        CachingRequestVerifier(max_entries=0)


def test_concurrent_requests_share_the_cache(
    source: pki.CertSource, verifier: CachingRequestVerifier, body: str
) -> None:
    check(verifier, signed(body), body)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(20):
                check(verifier, signed(body), body)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert verifier.chain_validations == 1


# --- fetching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("timed out"),
        urllib.error.URLError("connection refused"),
        urllib.error.HTTPError(pki.DEFAULT_URL, 403, "Forbidden", {}, None),  # type: ignore[arg-type]
        ConnectionResetError(),
    ],
    ids=["timeout", "url-error", "http-error", "reset"],
)
def test_fetch_failure_is_rejected_logged_and_not_cached(
    source: pki.CertSource,
    verifier: CachingRequestVerifier,
    body: str,
    caplog: pytest.LogCaptureFixture,
    error: BaseException,
) -> None:
    source.error = error
    with (
        caplog.at_level(logging.WARNING, logger="skill.web.verification"),
        pytest.raises(VerificationException, match=r"^Could not load signature certificate chain$"),
    ):
        check(verifier, signed(body), body)
    assert type(error).__name__ in caplog.text
    assert verifier.cache_size == 0
    assert verifier.chain_validations == 0
    source.error = None
    check(verifier, signed(body), body)  # fetched again, now successfully
    assert len(source.calls) == 2


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"   \n",
        b"<Error><Code>AccessDenied</Code></Error>",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n",
    ],
    ids=["empty", "blank", "xml", "pem-without-certificate", "broken-pem"],
)
def test_fetched_data_that_is_not_a_pem_chain_is_rejected(
    source: pki.CertSource, verifier: CachingRequestVerifier, body: str, payload: bytes
) -> None:
    source.chains[pki.DEFAULT_URL] = payload
    with pytest.raises(VerificationException, match="Could not load"):
        check(verifier, signed(body), body)
    assert verifier.cache_size == 0


def test_garbage_inside_a_pem_certificate_is_rejected(
    source: pki.CertSource, verifier: CachingRequestVerifier, body: str
) -> None:
    junk = base64.encodebytes(b"\x30\x03\x02\x01\x01" * 20).decode()
    source.chains[pki.DEFAULT_URL] = (
        f"-----BEGIN CERTIFICATE-----\n{junk}-----END CERTIFICATE-----\n".encode()
    )
    with pytest.raises(VerificationException, match="not valid"):
        check(verifier, signed(body), body)


class _Handler(http.server.BaseHTTPRequestHandler):
    """/chain serves the test chain, /hang never answers, /trickle drips the body."""

    release: threading.Event

    def do_GET(self) -> None:
        if self.path == "/chain":
            payload = pki.chain_pem()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/chain")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/hang":
            self.release.wait(10)
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if self.release.wait(0.05):
                    return
                self.wfile.write(b"-")
                self.wfile.flush()
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_base() -> Iterator[str]:
    """A local HTTP server on 127.0.0.1; stopped (and its handlers released) afterwards."""
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"release": release})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_default_fetch_downloads_the_chain(http_base: str) -> None:
    assert fetch_cert_chain(f"{http_base}/chain", 2.0) == pki.chain_pem()


def test_default_fetch_raises_on_http_errors(http_base: str) -> None:
    with pytest.raises(FetchError, match="HTTP error"):
        fetch_cert_chain(f"{http_base}/missing", 2.0)


def test_default_fetch_refuses_redirects(http_base: str) -> None:
    """S3 answers Alexa's URL itself; a redirect could lead anywhere (any host, scheme)."""
    with pytest.raises(FetchError, match="redirect refused"):
        fetch_cert_chain(f"{http_base}/redirect", 2.0)


def test_a_slow_name_lookup_is_inside_the_fetch_deadline(http_base: str) -> None:
    """getaddrinfo takes no timeout; the fetch stops waiting for it at the deadline."""

    def slow_dns(host: str, port: int) -> str:
        time.sleep(3)
        return "127.0.0.1"

    started = time.monotonic()
    with pytest.raises(FetchError, match="name lookup"):
        fetch_cert_chain(f"{http_base}/chain", 0.3, resolve=slow_dns)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("path", ["/hang", "/trickle"])
def test_the_whole_fetch_has_one_deadline(http_base: str, path: str) -> None:
    """Not per read: a server dripping a byte every 50 ms is cut off at the deadline too."""
    started = time.monotonic()
    with pytest.raises(FetchError, match="took over"):
        fetch_cert_chain(f"{http_base}{path}", 0.4)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("path", ["/hang", "/trickle"])
def test_a_hanging_fetch_is_bounded_by_the_timeout(
    http_base: str, clock: pki.Clock, body: str, path: str
) -> None:
    def via_local_server(url: str, timeout: float) -> bytes:
        return fetch_cert_chain(f"{http_base}{path}", timeout)

    verifier = CachingRequestVerifier(
        fetch=via_local_server, trust_roots=pki.trust_roots(), now=clock, timeout=0.3
    )
    started = time.monotonic()
    with pytest.raises(VerificationException, match="Could not load"):
        check(verifier, signed(body), body)
    assert time.monotonic() - started < 1.5
    assert verifier.cache_size == 0


# --- the certificate path cannot be starved (issue 21) ----------------------------------


def _unsigned(body: str, url: str, client: str) -> dict[str, str]:
    return {
        "SignatureCertChainUrl": url,
        "Signature-256": base64.b64encode(b"x" * 256).decode(),
        "X-Forwarded-For": client,
    }


def test_only_alexas_file_name_is_accepted_under_echo_api(
    source: pki.CertSource, clock: pki.Clock, body: str
) -> None:
    """Any other name under /echo.api/ is refused without a fetch."""
    for name in (
        "x.pem",
        "cert-1.pem",
        "echo-api-cert-1.pem/x",
        "echo-api-cert-12345.pem",
        "echo-api-cert-.pem",
        "echo-api-cert-1.pem.pem",
        "sub/echo-api-cert-1.pem",
    ):
        url = f"https://s3.amazonaws.com/echo.api/{name}"
        with pytest.raises(VerificationException, match="invalid path"):
            canonical_certificate_url(url)
    for name in ("echo-api-cert.pem", "echo-api-cert-4.pem", "echo-api-cert-12.pem"):
        assert canonical_certificate_url(f"https://s3.amazonaws.com/echo.api/{name}")


def test_one_client_cannot_spend_the_workers_fetch_budget(
    source: pki.CertSource, clock: pki.Clock, body: str
) -> None:
    """An unsigned flood of fresh URLs from one address leaves Alexa's URL fetchable."""
    verifier = CachingRequestVerifier(fetch=source, trust_roots=pki.trust_roots(), now=clock)
    alexa = AlexaVerifier(verifier)  # the real clock: `body` carries the real time
    for n in range(200):
        url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n + 1000}.pem"
        with pytest.raises(VerificationException):
            alexa.authenticate(_unsigned(body, url, "203.0.113.9"), body)
    assert len(source.calls) == NEW_URLS_PER_CLIENT_PER_MINUTE  # the rest: refused unfetched
    alexa.authenticate({**signed(body), "X-Forwarded-For": "54.239.0.1"}, body)
    assert source.urls[-1] == pki.DEFAULT_URL


def test_urls_that_failed_are_not_fetched_again_for_a_while(
    source: pki.CertSource, clock: pki.Clock, body: str
) -> None:
    seconds = [0.0]
    verifier = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, monotonic=lambda: seconds[0]
    )
    missing = "https://s3.amazonaws.com/echo.api/echo-api-cert-77.pem"
    for client in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        with pytest.raises(VerificationException):
            verifier.verify_signature(missing, "c2ln", body, client)
    assert source.urls == [missing]
    seconds[0] += 61
    with pytest.raises(VerificationException):
        verifier.verify_signature(missing, "c2ln", body, "198.51.100.4")
    assert source.urls == [missing, missing]


def test_urls_that_verified_before_have_a_reserve_nobody_else_can_spend(
    source: pki.CertSource, clock: pki.Clock, body: str, tmp_path: Path
) -> None:
    """A start while S3 was unreachable: the saved URL could not be fetched. A flood from
    many addresses (each within its own budget) then spends the worker's budget; Alexa's
    URL is still fetched, from the reserve only URLs that verified before can use."""
    url_file = tmp_path / "alexa-cert-url"
    url_file.write_text(pki.DEFAULT_URL + "\n")
    verifier = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, url_file=url_file
    )
    source.error = TimeoutError()
    assert verifier.warm() is False
    source.error = None
    for n in range(50):
        url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n + 2000}.pem"
        with pytest.raises(VerificationException):
            verifier.verify_signature(url, "c2ln", body, f"192.0.2.{n}")
    fetched = len(source.calls)
    assert fetched == 1 + NEW_URLS_PER_MINUTE  # the warm-up, then the worker's budget
    with pytest.raises(VerificationException, match="Too many new"):
        verifier.verify_signature(
            "https://s3.amazonaws.com/echo.api/echo-api-cert-3000.pem", "c2ln", body, "192.0.2.99"
        )
    assert len(source.calls) == fetched
    check(verifier, {**signed(body), "X-Forwarded-For": "192.0.2.1"}, body)
    assert source.urls[-1] == pki.DEFAULT_URL
    assert KNOWN_URL_FETCHES_PER_MINUTE >= 2  # room for a rotation and a retry


def test_a_known_url_stays_cached_while_others_come_and_go(
    source: pki.CertSource, clock: pki.Clock, body: str
) -> None:
    verifier = CachingRequestVerifier(
        fetch=source,
        trust_roots=pki.trust_roots(),
        now=clock,
        max_entries=2,
        budget=FetchBudget(100),
    )
    check(verifier, signed(body), body)
    for n in range(5):
        url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n + 5000}.pem"
        source.chains[url] = pki.chain_pem()
        with pytest.raises(VerificationException):
            verifier.verify_signature(url, "c2ln", body, f"192.0.2.{n}")
    validations = verifier.chain_validations
    check(verifier, signed(body), body)
    assert verifier.chain_validations == validations  # still cached


def test_the_last_url_that_verified_is_kept_and_warms_the_next_start(
    source: pki.CertSource, clock: pki.Clock, body: str, tmp_path: Path
) -> None:
    url_file = tmp_path / "state" / "alexa-cert-url"
    first = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, url_file=url_file
    )
    assert first.warm() is False  # nothing saved yet
    check(first, signed(body), body)
    assert url_file.read_text() == pki.DEFAULT_URL + "\n"
    assert url_file.stat().st_mode & 0o777 == 0o600
    # The next start: fetched before any request, so a flood finds it cached.
    source.calls.clear()
    restarted = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, url_file=url_file
    )
    assert restarted.warm() is True
    assert source.urls == [pki.DEFAULT_URL]
    check(restarted, signed(body), body)
    assert len(source.calls) == 1


def test_warming_never_stops_a_start(
    source: pki.CertSource, clock: pki.Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url_file = tmp_path / "alexa-cert-url"
    url_file.write_text("https://evil.example/echo.api/echo-api-cert-1.pem\n")
    verifier = CachingRequestVerifier(
        fetch=source, trust_roots=pki.trust_roots(), now=clock, url_file=url_file
    )
    assert verifier.warm() is False
    assert source.calls == []
    url_file.write_text(pki.DEFAULT_URL + "\n")
    source.error = TimeoutError()
    assert verifier.warm() is False
    assert "Could not warm" in caplog.text
