"""A throw-away PKI that signs requests the way Alexa does, for tests and benchmarks.

Real verification code runs against it; only the certificate source (`CertSource`) and the
trust roots (`trust_roots()`) replace Amazon's S3 bucket and the OS trust store, as in
`CachingRequestVerifier(fetch=pki.CertSource(), trust_roots=pki.trust_roots())`. Keys are
generated once per process (`issue_leaf` variants reuse them); every certificate is valid
from a day before `ANCHOR` to years after, so tests may use the real clock or one at `ANCHOR`.
"""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

#: The DNS name Alexa's signing certificate carries in its subjectAltName.
ALEXA_SAN = "echo-api.amazon.com"
#: A SignatureCertChainUrl that passes the URL rules; `CertSource()` serves the chain here.
DEFAULT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
#: Header names Alexa uses (SHA-256 signature, certificate chain URL).
SIGNATURE_HEADER = "Signature-256"
CERT_URL_HEADER = "SignatureCertChainUrl"

#: The moment the test PKI is centred on (whole seconds, UTC; set at import).
ANCHOR = datetime.now(UTC).replace(microsecond=0)
#: Default leaf validity: [ANCHOR - 1 day, ANCHOR + LEAF_LIFETIME].
LEAF_LIFETIME = timedelta(days=90)
_CA_LIFETIME = timedelta(days=3650)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Credential:
    """A certificate and its private key."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        """The certificate as PEM."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        """The certificate as DER."""
        return self.cert.public_bytes(serialization.Encoding.DER)


@functools.cache
def private_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, generated once per `name` per process."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bedtime Magnesium Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=not cert_sign,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _ca(
    common_name: str, key: rsa.RSAPrivateKey, issuer: Credential | None, path_length: int
) -> Credential:
    """A CA certificate; self-signed when `issuer` is None."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.cert.subject if issuer else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(ANCHOR - _DAY)
        .not_valid_after(ANCHOR + _CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    signer = issuer.key if issuer else key
    return Credential(key, builder.sign(signer, hashes.SHA256()))


@functools.cache
def root() -> Credential:
    """The trusted root CA (self-signed)."""
    return _ca("Test Root CA", private_key("root"), None, path_length=1)


@functools.cache
def intermediate() -> Credential:
    """The intermediate CA, issued by `root()`, that issues leaves."""
    return _ca("Test Intermediate CA", private_key("intermediate"), root(), path_length=0)


@functools.cache
def untrusted_root() -> Credential:
    """A self-signed CA that is not in `trust_roots()`."""
    return _ca("Untrusted Root CA", private_key("untrusted-root"), None, path_length=1)


def issue_leaf(
    *,
    san: Iterable[str] | None = (ALEXA_SAN,),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    digital_signature: bool = True,
    key: rsa.RSAPrivateKey | None = None,
    issuer: Credential | None = None,
) -> Credential:
    """Issue a signing certificate; the defaults give one Alexa's rules accept.

    `san=None` omits the subjectAltName extension entirely. Dates default to
    [ANCHOR - 1 day, ANCHOR + LEAF_LIFETIME]; `key` defaults to the shared leaf key and
    `issuer` to `intermediate()`.
    """
    key = key or private_key("leaf")
    issuer = issuer or intermediate()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(ALEXA_SAN))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or ANCHOR - _DAY)
        .not_valid_after(not_after or ANCHOR + LEAF_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=digital_signature), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    if san is not None:
        names = [x509.DNSName(name) for name in san]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Credential(key, builder.sign(issuer.key, hashes.SHA256()))


@functools.cache
def leaf() -> Credential:
    """The default valid Alexa signing certificate."""
    return issue_leaf()


# Ready-made variants, each differing from `leaf()` in one way.


def expired_leaf() -> Credential:
    """Valid for a month that ended a day before ANCHOR."""
    return issue_leaf(not_before=ANCHOR - timedelta(days=31), not_after=ANCHOR - _DAY)


def not_yet_valid_leaf() -> Credential:
    """Valid from a day after ANCHOR."""
    return issue_leaf(not_before=ANCHOR + _DAY, not_after=ANCHOR + LEAF_LIFETIME)


def wrong_san_leaf() -> Credential:
    """subjectAltName names a different host."""
    return issue_leaf(san=["evil.example.com"])


def no_digital_signature_leaf() -> Credential:
    """KeyUsage lacks digitalSignature."""
    return issue_leaf(digital_signature=False)


def other_key_leaf() -> Credential:
    """Same shape as `leaf()` but a different key pair."""
    return issue_leaf(key=private_key("other-leaf"))


def untrusted_leaf() -> Credential:
    """A well-formed leaf issued directly by `untrusted_root()`."""
    return issue_leaf(issuer=untrusted_root())


def chain_pem(leaf_credential: Credential | None = None, *extra: Credential) -> bytes:
    """PEM chain as Alexa serves it: the leaf first, then the issuing CA(s).

    With no `extra`, a leaf issued by `intermediate()` gets the intermediate appended;
    otherwise exactly `extra` follow the leaf.
    """
    leaf_credential = leaf_credential or leaf()
    if not extra and leaf_credential.cert.issuer == intermediate().cert.subject:
        extra = (intermediate(),)
    return b"".join(c.pem for c in (leaf_credential, *extra))


def trust_roots() -> list[bytes]:
    """DER of the test root CA, for `ValidationContext(trust_roots=...)`."""
    return [root().der]


def sign(body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
    """Base64 of the PKCS#1 v1.5 / SHA-256 signature of `body` (the Signature-256 value)."""
    key = key or private_key("leaf")
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def signed_headers(
    body: bytes, *, key: rsa.RSAPrivateKey | None = None, cert_url: str = DEFAULT_URL
) -> dict[str, str]:
    """The two headers Alexa adds to a request: chain URL and SHA-256 signature."""
    return {CERT_URL_HEADER: cert_url, SIGNATURE_HEADER: sign(body, key)}


class CertSource:
    """A `fetch(url, timeout) -> bytes` stand-in for S3, recording every call.

    Serves `chains` (URL -> PEM bytes; by default `DEFAULT_URL` -> `chain_pem()`).
    An unknown URL raises `LookupError` like a 404 would raise `HTTPError`. Set
    `error` to make every call raise it instead (e.g. `TimeoutError()`).
    """

    def __init__(self, chains: Mapping[str, bytes] | None = None) -> None:
        self.chains: dict[str, bytes] = (
            dict(chains) if chains is not None else {DEFAULT_URL: chain_pem()}
        )
        self.error: BaseException | None = None
        self.calls: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def __call__(self, url: str, timeout: float) -> bytes:
        with self._lock:
            self.calls.append((url, timeout))
        if self.error is not None:
            raise self.error
        try:
            return self.chains[url]
        except KeyError:
            raise LookupError(f"no certificate chain at {url}") from None

    @property
    def urls(self) -> list[str]:
        """URLs fetched so far, in order."""
        return [url for url, _ in self.calls]


class Clock:
    """A settable `now()` for verifiers; starts at `ANCHOR`."""

    def __init__(self, start: datetime = ANCHOR) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self.current += delta


__all__ = [
    "ALEXA_SAN",
    "ANCHOR",
    "CERT_URL_HEADER",
    "DEFAULT_URL",
    "LEAF_LIFETIME",
    "SIGNATURE_HEADER",
    "CertSource",
    "Clock",
    "Credential",
    "chain_pem",
    "expired_leaf",
    "intermediate",
    "issue_leaf",
    "leaf",
    "no_digital_signature_leaf",
    "not_yet_valid_leaf",
    "other_key_leaf",
    "private_key",
    "root",
    "sign",
    "signed_headers",
    "trust_roots",
    "untrusted_leaf",
    "untrusted_root",
    "wrong_san_leaf",
]
