"""Check that a request really comes from Alexa: cheap checks first, the costly ones last.

`AlexaVerifier.authenticate` runs on the raw body before it is parsed: both signature
headers, a quick look at the timestamp, then `CachingRequestVerifier.verify_signature` (the
certificate URL rules, the chain from a cache or one budgeted fetch and full validation,
the leaf's dates, the signature over the body). `check_timestamp` follows after parsing.
Every rejection is a `VerificationException` with a short constant message that never
echoes request data; README, "Security", states each rule.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import logging
import os
import posixpath
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from skill.config import Settings
from skill.web import oscrypto_fix

# certvalidator imports oscrypto, which cannot parse OpenSSL >= 3.0.10 without this.
oscrypto_fix.apply()

from ask_sdk_webservice_support.verifier import (  # noqa: E402
    RequestVerifier,
    VerificationException,
)
from ask_sdk_webservice_support.verifier_constants import (  # noqa: E402
    ALEXA_SKILL_EVENT_LIST,
    CERT_CHAIN_DOMAIN,
    MAX_NORMAL_REQUEST_TOLERANCE_IN_MILLIS,
    MAX_SKILL_EVENT_TOLERANCE_IN_MILLIS,
    SIGNATURE_CERT_CHAIN_URL_HEADER,
    SIGNATURE_HEADER,
)
from certvalidator import CertificateValidator, ValidationContext  # noqa: E402
from certvalidator.errors import PathError, ValidationError  # noqa: E402

logger = logging.getLogger(__name__)

#: `fetch(url, timeout_seconds) -> bytes`: where certificate chains come from.
Fetch = Callable[[str, float], bytes]
#: `now() -> datetime`: timezone-aware current time.
Clock = Callable[[], datetime]

#: How many validated chains to keep (Alexa uses one or two URLs at a time).
DEFAULT_MAX_ENTRIES = 32
#: Chains larger than this are refused (Alexa's is about 5 KiB).
MAX_CHAIN_BYTES = 64 * 1024
#: New certificate URLs fetched per minute per worker, at most (a token bucket of this
#: size, refilled evenly). Alexa signs with one or two URLs at a time; a burst of new ones
#: is an attack.
NEW_URLS_PER_MINUTE = 10
#: ... and per client address (X-Forwarded-For, set by nginx), so that one address cannot
#: spend the worker's budget.
NEW_URLS_PER_CLIENT_PER_MINUTE = 2
#: Fetches per minute reserved for URLs whose chain verified a signature before (expired
#: from the cache, rotated in place, or named in the file written at the last start).
KNOWN_URL_FETCHES_PER_MINUTE = 6
#: How many known URLs and client addresses are remembered (least recent forgotten).
MAX_KNOWN_URLS = 4
MAX_CLIENTS = 4096
#: A URL whose fetch or validation failed is refused without fetching for this long.
FAILED_URL_TTL = 60.0
MAX_FAILED_URLS = 1024
FAILED_RECENTLY = "failed recently"
#: A cached chain whose signature check fails is fetched again at most this often per URL.
REFETCH_INTERVAL = 60.0
#: How far a request's timestamp may be from now (Alexa's rule), and for skill events.
TIMESTAMP_TOLERANCE = timedelta(milliseconds=MAX_NORMAL_REQUEST_TOLERANCE_IN_MILLIS)
SKILL_EVENT_TOLERANCE = timedelta(milliseconds=MAX_SKILL_EVENT_TOLERANCE_IN_MILLIS)

__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "MAX_CHAIN_BYTES",
    "NEW_URLS_PER_MINUTE",
    "REFETCH_INTERVAL",
    "AlexaVerifier",
    "CachingRequestVerifier",
    "Clock",
    "Credentials",
    "Fetch",
    "FetchBudget",
    "FetchPolicy",
    "VerificationException",
    "build_verifier",
    "canonical_certificate_url",
    "check_raw_timestamp",
    "check_timestamp",
    "client_address",
    "credentials",
    "fetch_cert_chain",
]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FetchError(OSError):
    """A certificate download that failed: HTTP status, redirect, deadline or size.

    `status` is the HTTP status when there was one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _definitive(error: BaseException) -> bool:
    """Whether a failed fetch will fail again (no such object, a redirect, not a chain),
    as opposed to a timeout, a refused or reset connection or a 5xx, which may not."""
    if isinstance(error, FetchError) and error.status is not None:
        return 300 <= error.status < 500
    return isinstance(error, LookupError | ValueError)


#: `resolve(host, port) -> address`: name resolution, replaceable in tests.
Resolve = Callable[[str, int], str]


def _resolve(host: str, port: int) -> str:
    _, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return str(address[0])


def fetch_cert_chain(
    url: str,
    timeout: float,
    *,
    context: ssl.SSLContext | None = None,
    resolve: Resolve = _resolve,
) -> bytes:
    """GET `url` (https, or http for tests) within `timeout` seconds in all; the default
    certificate source.

    One deadline covers everything: the name lookup (run in a helper thread, since
    getaddrinfo takes no timeout; the caller stops waiting at the deadline), the
    connection and TLS handshake, the request and every read. Only a 200 is accepted:
    a redirect is refused, never followed. Raises FetchError (an OSError) on any of
    that, or on a body over MAX_CHAIN_BYTES.
    """
    deadline = time.monotonic() + timeout

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"certificate chain download took over {timeout} s")
        return left

    parts = urlsplit(url)
    host, secure = parts.hostname or "", parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    address = _call_within(lambda: resolve(host, port), remaining(), "name lookup")
    raw = socket.create_connection((address, port), timeout=remaining())
    sock: socket.socket = raw
    try:
        if secure:
            tls = context or ssl.create_default_context()
            raw.settimeout(remaining())
            sock = tls.wrap_socket(raw, server_hostname=host)
        conn = http.client.HTTPConnection(host, port, timeout=remaining())
        conn.sock = sock
        conn.request("GET", parts.path or "/", headers={"Host": parts.netloc})
        sock.settimeout(remaining())
        response = conn.getresponse()
        if response.status != 200:
            what = "redirect refused" if 300 <= response.status < 400 else "HTTP error"
            raise FetchError(
                f"certificate chain download: {what} ({response.status})", response.status
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            sock.settimeout(remaining())
            chunk = response.read1(16 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_CHAIN_BYTES:
                raise FetchError(f"certificate chain larger than {MAX_CHAIN_BYTES} bytes")
            chunks.append(chunk)
        remaining()
        return b"".join(chunks)
    except TimeoutError:
        raise FetchError(f"certificate chain download took over {timeout} s") from None
    finally:
        sock.close()


def _call_within(call: Callable[[], str], seconds: float, what: str) -> str:
    """`call()` in a daemon thread, waited for at most `seconds` (then FetchError)."""
    result: list[str] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as error:  # handed to the caller below
            failure.append(error)

    thread = threading.Thread(target=run, name="cert-fetch-" + what, daemon=True)
    thread.start()
    thread.join(seconds)
    if failure:
        raise FetchError(f"{what} failed: {failure[0]}")
    if not result:
        raise FetchError(f"{what} took over {seconds:.2f} s")
    return result[0]


def _certificate_ders(chain: bytes) -> list[bytes]:
    """DER of each CERTIFICATE block in a PEM chain, leaf first; ValueError if none."""
    if not pem.detect(chain):
        raise ValueError("not PEM")
    ders = [der for kind, _, der in pem.unarmor(chain, multiple=True) if kind == "CERTIFICATE"]
    if not ders:
        raise ValueError("no certificates")
    return ders


# --- 1. headers -----------------------------------------------------------------------


class Credentials(NamedTuple):
    """What a request claims about its signature: the chain URL and the signature."""

    cert_url: str
    signature: str


def credentials(headers: Mapping[str, str]) -> Credentials:
    """The two signature headers (names case-insensitive); rejected if either is missing."""
    cert_url = signature = None
    for name, value in headers.items():
        if name.lower() == SIGNATURE_CERT_CHAIN_URL_HEADER.lower():
            cert_url = value
        elif name.lower() == SIGNATURE_HEADER.lower():
            signature = value
    if cert_url is None or signature is None:
        raise VerificationException("Missing Signature/Certificate for the skill request")
    return Credentials(cert_url, signature)


#: The header nginx sets to the client's address (deploy/nginx: $remote_addr, replacing
#: whatever the client sent).
FORWARDED_FOR_HEADER = "X-Forwarded-For"


def client_address(headers: Mapping[str, str]) -> str | None:
    """The client address nginx forwarded (the last X-Forwarded-For entry), or None."""
    for name, value in headers.items():
        if name.lower() == "x-forwarded-for":
            address = value.rsplit(",", 1)[-1].strip()
            return address[:64] or None
    return None


# --- 2. timestamp ---------------------------------------------------------------------


#: A string member named "timestamp" in raw JSON text (Alexa never escapes these).
_RAW_TIMESTAMP = re.compile(r'"timestamp"\s*:\s*"([^"\\]{1,40})"')
#: How many "timestamp" members the quick look reads at most.
_RAW_TIMESTAMPS_READ = 16


def _fresh(raw: str, now: datetime, tolerance: timedelta) -> bool:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return False
    return moment.tzinfo is not None and abs(now - moment) <= tolerance


def check_raw_timestamp(body: str, now: datetime) -> None:
    """The quick look (step 2): some "timestamp" member in the raw text is fresh.

    Cheap (one regular-expression scan, a few date parses) and never wrong about a
    real Alexa request, whose request.timestamp is one of the members read; the exact
    check of that one member (`check_timestamp`) runs once the body is parsed.
    """
    skill_event = "AlexaSkillEvent." in body
    tolerance = SKILL_EVENT_TOLERANCE if skill_event else TIMESTAMP_TOLERANCE
    for count, match in enumerate(_RAW_TIMESTAMP.finditer(body)):
        if count >= _RAW_TIMESTAMPS_READ:
            break
        if _fresh(match[1], now, tolerance):
            return
    raise VerificationException("Timestamp verification failed")


def check_timestamp(request: Mapping[str, Any], now: datetime) -> None:
    """The parsed `request.timestamp` (ISO 8601 with a zone) within 150 s of `now`.

    Skill events (AlexaSkillEvent.*) may be up to an hour old, as the SDK allows.
    """
    raw = request.get("timestamp")
    if isinstance(raw, str) and len(raw) <= 40:
        if _fresh(raw, now, TIMESTAMP_TOLERANCE):
            return
        if request.get("type") in ALEXA_SKILL_EVENT_LIST and _fresh(
            raw, now, SKILL_EVENT_TOLERANCE
        ):
            return
    raise VerificationException("Timestamp verification failed")


# --- 3a. certificate URL --------------------------------------------------------------

_CERT_HOST = "s3.amazonaws.com"
#: The normalized, decoded path: the file name Alexa's certificate chains have always had
#: (https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem; -2, -3, -4, -6 ... before it;
#: Amazon's documentation shows echo-api-cert.pem). Not just any path under /echo.api/:
#: every other name is refused without a fetch.
_CERT_PATH = re.compile(r"/echo\.api/echo-api-cert(?:-[0-9]{1,4})?\.pem")
_FORBIDDEN_IN_URL = (
    ("@", "userinfo"),
    ("?", "a query"),
    ("#", "a fragment"),
    ("\\", "a backslash"),
)


@functools.lru_cache(maxsize=64)  # Alexa sends one or two URLs; a hit costs no parsing
def canonical_certificate_url(url: str) -> str:
    """The one URL a valid `SignatureCertChainUrl` stands for, or VerificationException.

    Alexa's rules (https, host s3.amazonaws.com in any case, port 443 if given, path
    under /echo.api/ after removing dot segments), checked strictly, and the path must
    be the file name Alexa uses (echo-api-cert-<n>.pem): %-escapes are
    decoded before the path is normalized (so `%2e%2e` cannot climb out), and userinfo,
    query, fragment, backslashes, spaces and non-ASCII are refused outright. The result
    (https://s3.amazonaws.com/echo.api/...) is what is fetched and the cache key, so
    spellings of one URL share one entry.
    """
    if len(url) > 512 or not url.isascii() or not url.isprintable() or " " in url:
        raise VerificationException("Signature certificate URL is malformed")
    for char, what in _FORBIDDEN_IN_URL:
        if char in url:
            raise VerificationException(f"Signature certificate URL has {what}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # non-numeric or out-of-range port, bad IPv6
        raise VerificationException("Signature certificate URL is malformed") from None
    if parts.scheme.lower() != "https":
        raise VerificationException("Signature certificate URL has invalid protocol")
    if parts.hostname != _CERT_HOST:  # urlsplit lower-cases the host name
        raise VerificationException("Signature certificate URL has invalid hostname")
    if port is not None and port != 443:
        raise VerificationException("Signature certificate URL has invalid port")
    path = posixpath.normpath(unquote(parts.path))
    if not _CERT_PATH.fullmatch(path):
        raise VerificationException("Signature certificate URL has invalid path")
    return f"https://{_CERT_HOST}{path}"


# --- 3b. fetch budget -----------------------------------------------------------------


class FetchBudget:
    """A token bucket: at most `per_minute` fetches, refilled evenly, `per_minute` at once.

    Thread-safe. `clock` (monotonic seconds) exists for tests.
    """

    def __init__(
        self, per_minute: int = NEW_URLS_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._tokens = self._capacity
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one fetch if the budget allows it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class FetchPolicy:
    """Which certificate fetches are allowed, so that unsigned requests cannot starve
    Alexa's: the worker-wide `FetchBudget` alone could be spent by anyone who sends
    fresh timestamps with new URLs, no signature needed.

    * a URL that failed (download or validation) is refused for `FAILED_URL_TTL`;
    * a known URL (its chain verified a signature before: `remember`) draws on a
      reserve of its own, which no unsigned request can touch;
    * any other URL needs a token from its client address's budget
      (`NEW_URLS_PER_CLIENT_PER_MINUTE`; addresses from nginx's X-Forwarded-For) and
      then from the worker's (`NEW_URLS_PER_MINUTE`), so one address cannot spend the
      worker's budget.

    Thread-safe; every table is bounded (least recently used forgotten first).
    """

    def __init__(
        self, budget: FetchBudget | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._budget = budget or FetchBudget(clock=clock)
        self._reserve = FetchBudget(KNOWN_URL_FETCHES_PER_MINUTE, clock=clock)
        self._clients: OrderedDict[str, FetchBudget] = OrderedDict()
        self._failed: OrderedDict[str, float] = OrderedDict()  # URL -> refused until
        self._known: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def is_known(self, url: str) -> bool:
        """Whether `url`'s chain verified a signature before."""
        with self._lock:
            return url in self._known

    def remember(self, url: str) -> None:
        """`url`'s chain verified a signature: give it the reserve from now on."""
        with self._lock:
            self._known[url] = None
            self._known.move_to_end(url)
            while len(self._known) > MAX_KNOWN_URLS:
                self._known.popitem(last=False)
            self._failed.pop(url, None)

    def failed(self, url: str) -> None:
        """A fetch or validation of `url` failed: refuse it for a while."""
        with self._lock:
            self._failed[url] = self._clock() + FAILED_URL_TTL
            self._failed.move_to_end(url)
            while len(self._failed) > MAX_FAILED_URLS:
                self._failed.popitem(last=False)

    def allow(self, url: str, client: str | None) -> str | None:
        """None if `url` may be fetched now (a token is spent), else why not."""
        with self._lock:
            known = url in self._known
            until = self._failed.get(url)
            if until is not None and not known:
                if self._clock() < until:
                    return FAILED_RECENTLY
                del self._failed[url]
        if known:
            return None if self._reserve.take() else "the reserve for known URLs is spent"
        if client is not None and not self._client_budget(client).take():
            return "too many new URLs from this client"
        return None if self._budget.take() else "too many new URLs"

    def _client_budget(self, client: str) -> FetchBudget:
        with self._lock:
            budget = self._clients.get(client)
            if budget is None:
                budget = FetchBudget(NEW_URLS_PER_CLIENT_PER_MINUTE, clock=self._clock)
                self._clients[client] = budget
                while len(self._clients) > MAX_CLIENTS:
                    self._clients.popitem(last=False)
            self._clients.move_to_end(client)
            return budget


# --- 3b/3c. chain cache and signature -------------------------------------------------


@dataclass(frozen=True)
class _ValidatedChain:
    digest: str  # sha256 of the PEM bytes that were validated
    leaf: x509.Certificate
    expires: datetime  # earliest not-after in the validated path


class CachingRequestVerifier(RequestVerifier):
    """The SDK's signature verifier, with validated chains cached and a fetch timeout.

    Thread-safe. `fetch`, `trust_roots` (DER/PEM bytes or asn1crypto certificates;
    None means the OS trust store, as in the SDK) and `now` exist so tests can run
    the real checks against a test PKI; `budget` bounds fetches of new URLs (and
    refetches; see `FetchPolicy`). `url_file`, if given, is where the last URL that
    verified a signature is kept for `warm`. `chain_validations` counts full chain
    validations.
    """

    def __init__(
        self,
        *,
        fetch: Fetch | None = None,
        trust_roots: Sequence[Any] | None = None,
        now: Clock | None = None,
        timeout: float = Settings.cert_fetch_timeout,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        budget: FetchBudget | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        url_file: Path | None = None,
    ) -> None:
        super().__init__()  # SDK defaults: Signature-256 header, PKCS1v15, SHA-256
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._fetch: Fetch = fetch or fetch_cert_chain
        self._trust_roots = list(trust_roots) if trust_roots is not None else None
        self._now: Clock = now or _utc_now
        self._timeout = timeout
        self._max_entries = max_entries
        self._policy = FetchPolicy(budget or FetchBudget(clock=monotonic), clock=monotonic)
        self._monotonic = monotonic
        self._url_file = url_file
        self._saved_url: str | None = None
        self._cache: OrderedDict[str, _ValidatedChain] = OrderedDict()
        self._refetched: dict[str, float] = {}  # canonical URL -> when it was last refetched
        self._lock = threading.Lock()
        self._chain_validations = 0

    @property
    def chain_validations(self) -> int:
        """How many full certificate-chain validations have run."""
        return self._chain_validations

    @property
    def cache_size(self) -> int:
        """How many validated chains are cached."""
        with self._lock:
            return len(self._cache)

    def _current_time(self) -> datetime:
        now = self._now()
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    def verify(
        self,
        headers: Mapping[str, str],
        serialized_request_env: str,
        deserialized_request_env: object = None,
    ) -> None:
        """The SDK's interface: headers, then `verify_signature` (the model is not used)."""
        found = credentials(headers)
        self.verify_signature(found.cert_url, found.signature, serialized_request_env)

    def verify_signature(
        self, cert_url: str, signature: str, body: str, client: str | None = None
    ) -> None:
        """URL rules, the validated chain (cached or fetched), dates and body signature.

        `client` is the address the request came from (nginx's X-Forwarded-For), for
        the per-address fetch budget. A signature that fails against a cached chain gets
        one more try against a fresh download of the same URL (Amazon may rotate a
        certificate in place), at most once per `REFETCH_INTERVAL` per URL and within
        the fetch budget.
        """
        url = canonical_certificate_url(cert_url)
        entry = self._cached(url)
        if entry is None:
            entry = self._fetch_and_validate(url, client)
            self._valid_request_body(entry.leaf, signature, body)
            self._verified_with(url)
            return
        self._validate_dates(entry.leaf)  # the SAN was checked when it was cached
        try:
            self._valid_request_body(entry.leaf, signature, body)
        except VerificationException:
            fresh = self._refetch(url, entry, client)
            if fresh is None:
                raise
            self._valid_request_body(fresh.leaf, signature, body)
        self._verified_with(url)

    def warm(self) -> bool:
        """Fetch and validate the URL named in `url_file` (the last one that verified a
        signature), so a fresh worker holds Alexa's chain before Alexa calls; that URL
        is known (its fetches draw on the reserve) even if this fails. Never raises:
        returns whether the chain is now cached."""
        if self._url_file is None:
            return False
        try:
            saved = self._url_file.read_text(encoding="ascii").strip()
            url = canonical_certificate_url(saved)
        except FileNotFoundError:
            return False
        except (OSError, ValueError, VerificationException) as error:
            logger.warning("Ignoring %s: %s", self._url_file, error)
            return False
        self._saved_url = url
        self._policy.remember(url)
        try:
            if self._cached(url) is None:
                self._fetch_and_validate(url, None)
        except VerificationException as error:
            logger.warning("Could not warm the certificate cache from %r: %s", url, error)
            return False
        logger.info("Certificate cache warmed from %r", url)
        return True

    def _verified_with(self, url: str) -> None:
        """A signature verified against `url`'s chain: remember it, and keep it on disk."""
        if self._saved_url == url:
            return  # the common case: nothing to do
        self._policy.remember(url)
        self._saved_url = url
        if self._url_file is not None:
            try:
                _write_private(self._url_file, url + "\n")
            except OSError as error:
                logger.warning("Could not save %s: %s", self._url_file, error)

    def _fetch_and_validate(self, url: str, client: str | None) -> _ValidatedChain:
        """A URL not cached: fetch (if the policy allows), validate, cache."""
        refused = self._policy.allow(url, client)
        if refused is not None:
            logger.debug("Not fetching signature certificate URL %r: %s", url, refused)
            if refused == FAILED_RECENTLY:
                raise VerificationException("Signature certificate chain failed recently")
            raise VerificationException("Too many new signature certificate URLs")
        chain = self._load_cert_chain(url)  # a failure to download: may be transient
        try:
            entry = self._validate_new_chain(chain)
        except VerificationException:
            self._policy.failed(url)
            raise
        self._store(url, entry)
        return entry

    def _refetch(
        self, url: str, stale: _ValidatedChain, client: str | None
    ) -> _ValidatedChain | None:
        """A changed, valid chain now at `url`, or None (not due, no budget, or unchanged)."""
        now = self._monotonic()
        with self._lock:
            last = self._refetched.get(url)
            if last is not None and now - last < REFETCH_INTERVAL:
                return None
            self._refetched[url] = now
        if self._policy.allow(url, client) is not None:
            return None
        try:
            chain = self._load_cert_chain(url)
        except VerificationException:
            return None  # keep the cached chain: the download failed, not the certificate
        if hashlib.sha256(chain).hexdigest() == stale.digest:
            return None
        logger.info("Signature certificate chain at %r changed; validating it", url)
        entry = self._validate_new_chain(chain)
        self._store(url, entry)
        return entry

    def _load_cert_chain(self, cert_url: str) -> bytes:
        """Fetch the PEM chain; any failure is logged and rejected, never cached."""
        try:
            chain = self._fetch(cert_url, self._timeout)
            _certificate_ders(chain)
        except Exception as e:
            logger.warning(
                "Could not load signature certificate chain %r: %s: %s",
                cert_url,
                type(e).__name__,
                e,
            )
            if _definitive(e):
                self._policy.failed(cert_url)
            raise VerificationException("Could not load signature certificate chain") from e
        return chain

    def _validate_dates(self, x509_cert: x509.Certificate) -> None:
        now = self._current_time()
        if now < x509_cert.not_valid_before_utc:
            raise VerificationException("Signing certificate is not yet valid")
        if now > x509_cert.not_valid_after_utc:
            raise VerificationException("Signing certificate expired")

    def _validate_end_certificate(self, x509_cert: x509.Certificate) -> None:
        """Leaf dates and SAN, as the SDK checks them but with timezone-aware dates.

        The SDK reads `not_valid_before`/`not_valid_after`, which cryptography >= 42
        deprecates (a warning on every request), and uses the real clock.
        """
        self._validate_dates(x509_cert)
        try:
            san = x509_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        except (x509.ExtensionNotFound, ValueError):
            san = None
        if san is None or CERT_CHAIN_DOMAIN not in san.value.get_values_for_type(x509.DNSName):
            raise VerificationException(f"{CERT_CHAIN_DOMAIN} missing from signing certificate")

    def _valid_request_body(
        self, cert_chain: x509.Certificate, signature: str, serialized_request_env: str
    ) -> None:
        """The SDK's PKCS#1 v1.5 / SHA-256 check, rejecting malformed input cleanly."""
        if not isinstance(cert_chain.public_key(), RSAPublicKey):
            raise VerificationException("Signing certificate key is not RSA")
        try:
            super()._valid_request_body(cert_chain, signature, serialized_request_env)
        except VerificationException as e:
            raise VerificationException("Request body is not valid") from e
        except ValueError as e:  # binascii.Error: signature is not base64
            raise VerificationException("Request signature is not valid base64") from e

    # --- cache ------------------------------------------------------------------------

    def _cached(self, cert_url: str) -> _ValidatedChain | None:
        """The cached entry for `cert_url`; an expired one is dropped and rejected."""
        now = self._current_time()
        with self._lock:
            entry = self._cache.get(cert_url)
            if entry is None:
                return None
            if now > entry.expires:
                del self._cache[cert_url]
                self._refetched.pop(cert_url, None)
            else:
                self._cache.move_to_end(cert_url)
                return entry
        logger.info("Cached signature certificate chain %r expired", cert_url)
        raise VerificationException("Signing certificate expired")

    def _store(self, cert_url: str, entry: _ValidatedChain) -> None:
        with self._lock:
            self._cache[cert_url] = entry
            self._cache.move_to_end(cert_url)
            while len(self._cache) > self._max_entries:
                # The least recently used URL that never verified a signature goes first.
                evicted = next(
                    (key for key in self._cache if not self._policy.is_known(key)),
                    next(iter(self._cache)),
                )
                del self._cache[evicted]
                self._refetched.pop(evicted, None)

    def _validate_new_chain(self, chain: bytes) -> _ValidatedChain:
        """Full validation of a freshly fetched chain (cache miss)."""
        ders = _certificate_ders(chain)  # already checked by _load_cert_chain
        path = self._validate_path(ders)
        leaf = x509.load_der_x509_certificate(ders[0])
        self._validate_end_certificate(leaf)
        expires = min(cert.not_valid_after for cert in path)
        digest = hashlib.sha256(chain).hexdigest()
        logger.info("Validated certificate chain sha256:%s, cached until %s", digest, expires)
        return _ValidatedChain(digest, leaf, expires)

    def _validate_path(self, ders: list[bytes]) -> Any:
        """certvalidator path validation of ders[0] via ders[1:]; returns the path."""
        with self._lock:
            self._chain_validations += 1
        context = ValidationContext(trust_roots=self._trust_roots, moment=self._current_time())
        try:
            validator = CertificateValidator(ders[0], ders[1:], validation_context=context)
            return validator.validate_usage(key_usage={"digital_signature"})
        except (PathError, ValidationError, ValueError) as e:
            logger.debug("Certificate chain rejected: %s", e)
            raise VerificationException("Certificate chain is not valid") from e


# --- all of it, in order ----------------------------------------------------------------


class AlexaVerifier:
    """Every check of one request: `authenticate` on the raw body, `check_timestamp` after."""

    def __init__(self, signatures: CachingRequestVerifier, now: Clock | None = None) -> None:
        self.signatures = signatures
        self._now: Clock = now or _utc_now

    def authenticate(self, headers: Mapping[str, str], body: str) -> None:
        """Before the body is parsed: 1. both signature headers (`credentials`; the SHA-1
        `Signature` header is ignored), 2. a quick look at the timestamp
        (`check_raw_timestamp`), 3. `CachingRequestVerifier.verify_signature`.

        `headers` may carry X-Forwarded-For (set by nginx): the client address whose
        fetch budget a new certificate URL spends.
        """
        found = credentials(headers)
        check_raw_timestamp(body, self._now())
        self.signatures.verify_signature(
            found.cert_url, found.signature, body, client_address(headers)
        )

    def check_timestamp(self, request: Mapping[str, Any]) -> None:
        """The exact timestamp check, on the parsed and authenticated `request` object."""
        check_timestamp(request, self._now())


def build_verifier(
    settings: Settings,
    *,
    fetch: Fetch | None = None,
    trust_roots: Sequence[Any] | None = None,
    now: Clock | None = None,
) -> AlexaVerifier | None:
    """The request checks (signature, chain, timestamp), or None if verification is off."""
    if not settings.verify_requests:
        return None
    signatures = CachingRequestVerifier(
        fetch=fetch,
        trust_roots=trust_roots,
        now=now,
        timeout=settings.cert_fetch_timeout,
        url_file=settings.cert_url_file,
    )
    signatures.warm()
    return AlexaVerifier(signatures, now)


def _write_private(path: Path, text: str) -> None:
    """Replace `path`'s content atomically (a temporary file renamed), mode 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)
    os.replace(temporary, path)
