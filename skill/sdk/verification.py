"""Check that a request really comes from Alexa, without re-validating the chain each time.

(Over 300 lines on purpose: every check Alexa requires, in the order it runs, in one file.)

The SDK's `RequestVerifier` caches the downloaded certificate bytes per URL but runs
the full certvalidator chain validation on every request (about a millisecond), has
no fetch timeout, reads naive certificate dates that cryptography deprecated, and
raises some non-`VerificationException` errors on malformed input.
`CachingRequestVerifier` keeps the SDK's rules and code paths and changes only that:

* per request: the header lookup (`Signature-256` only; the SHA-1 `Signature` header
  is ignored), the chain-URL rules, the leaf's validity dates, and the PKCS#1 v1.5 /
  SHA-256 body signature;
* once per chain: the fetch (with a timeout), certvalidator path validation to a
  trusted root with key usage digital_signature, and the subjectAltName check. The
  validated leaf is cached per URL together with the sha256 of the exact bytes
  validated, until the earliest not-after in the validated path, in a small LRU.

Every rejection is a `VerificationException` with one short, constant message.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from skill.config import Settings
from skill.sdk import oscrypto_fix

# certvalidator imports oscrypto, which cannot parse OpenSSL >= 3.0.10 without this.
oscrypto_fix.apply()

from ask_sdk_webservice_support.verifier import (  # noqa: E402
    AbstractVerifier,
    RequestVerifier,
    TimestampVerifier,
    VerificationException,
)
from ask_sdk_webservice_support.verifier_constants import CERT_CHAIN_DOMAIN  # noqa: E402
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

__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "MAX_CHAIN_BYTES",
    "AbstractVerifier",
    "CachingRequestVerifier",
    "Clock",
    "Fetch",
    "TimestampVerifier",
    "VerificationException",
    "build_verifiers",
    "fetch_cert_chain",
]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def fetch_cert_chain(url: str, timeout: float) -> bytes:
    """GET `url`; the default certificate source.

    `timeout` bounds each socket operation and, checked between reads, the whole
    download, so a server that trickles bytes cannot hold a worker thread for long.
    Raises on any HTTP error, timeout or oversized body.
    """
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while chunk := response.read1(16 * 1024):
            size += len(chunk)
            if size > MAX_CHAIN_BYTES:
                raise ValueError(f"certificate chain larger than {MAX_CHAIN_BYTES} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"certificate chain download took over {timeout} s")
            chunks.append(chunk)
    return b"".join(chunks)


def _certificate_ders(chain: bytes) -> list[bytes]:
    """DER of each CERTIFICATE block in a PEM chain, leaf first; ValueError if none."""
    if not pem.detect(chain):
        raise ValueError("not PEM")
    ders = [der for kind, _, der in pem.unarmor(chain, multiple=True) if kind == "CERTIFICATE"]
    if not ders:
        raise ValueError("no certificates")
    return ders


_SDK_URL_REASON = re.compile(r"Signature Certificate URL has invalid (protocol|hostname|path|port)")


@dataclass(frozen=True)
class _ValidatedChain:
    digest: str  # sha256 of the PEM bytes that were validated
    leaf: x509.Certificate
    expires: datetime  # earliest not-after in the validated path


class CachingRequestVerifier(RequestVerifier):
    """The SDK's signature verifier, with validated chains cached and a fetch timeout.

    Thread-safe. `fetch`, `trust_roots` (DER/PEM bytes or asn1crypto certificates;
    None means the OS trust store, as in the SDK) and `now` exist so tests can run
    the real checks against a test PKI. `chain_validations` counts full chain
    validations (cache misses that got as far as certvalidator).
    """

    def __init__(
        self,
        *,
        fetch: Fetch | None = None,
        trust_roots: Sequence[Any] | None = None,
        now: Clock | None = None,
        timeout: float = Settings.cert_fetch_timeout,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        super().__init__()  # SDK defaults: Signature-256 header, PKCS1v15, SHA-256
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._fetch: Fetch = fetch or fetch_cert_chain
        self._trust_roots = list(trust_roots) if trust_roots is not None else None
        self._now: Clock = now or _utc_now
        self._timeout = timeout
        self._max_entries = max_entries
        self._cache: OrderedDict[str, _ValidatedChain] = OrderedDict()
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

    # --- SDK hooks ----------------------------------------------------------------------

    def _retrieve_and_validate_certificate_chain(
        self, cert_url: str, x509_backend: object = None
    ) -> x509.Certificate:
        """Validated leaf for `cert_url`: from the cache, or fetched and validated now.

        Only URLs that passed the URL rules are ever cached (the rules depend on the
        URL string alone), so a cache hit needs no second parse of the URL.
        """
        entry = self._cached(cert_url)
        if entry is None:
            self._validate_certificate_url(cert_url)
            chain = self._load_cert_chain(cert_url)
            entry = self._validate_new_chain(chain)
            self._store(cert_url, entry)
        else:
            # The SAN was checked when the entry was cached; the dates move, so check them.
            self._validate_dates(entry.leaf)
        return entry.leaf

    def _validate_certificate_url(self, cert_url: str) -> None:
        """The SDK's URL rules, with constant messages (the SDK echoes the URL parts)."""
        try:
            super()._validate_certificate_url(cert_url)
        except VerificationException as e:
            match = _SDK_URL_REASON.match(str(e.args[0]) if e.args else "")
            reason = f"has invalid {match[1]}" if match else "is invalid"
            raise VerificationException(f"Signature certificate URL {reason}") from e
        except ValueError as e:  # urlparse: non-numeric or out-of-range port, bad IPv6
            raise VerificationException("Signature certificate URL is malformed") from e

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
                self._cache.popitem(last=False)

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


def build_verifiers(
    settings: Settings,
    *,
    fetch: Fetch | None = None,
    trust_roots: Sequence[Any] | None = None,
    now: Clock | None = None,
) -> list[AbstractVerifier]:
    """Signature and timestamp (150 s) verifiers, or none if verification is off."""
    if not settings.verify_requests:
        return []
    return [
        CachingRequestVerifier(
            fetch=fetch,
            trust_roots=trust_roots,
            now=now,
            timeout=settings.cert_fetch_timeout,
        ),
        TimestampVerifier(),
    ]
