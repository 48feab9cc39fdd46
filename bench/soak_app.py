"""The app `make soak` serves with gunicorn: production wiring, the soak's PKI, one fault switch.

Built like production (`Settings.from_env()`: SKILL_SQLITE_PATH, ALEXA_SKILL_ID,
SKILL_CERT_FETCH_TIMEOUT ...) with only what a soak run needs on top, from variables
that `bench/soak.py` sets:

* SOAK_PKI_DIR: `root.der` and `chain.pem` of the driver's test PKI (`tests.pki`). The
  driver writes them because `tests.pki` makes fresh keys in every process: each gunicorn
  worker must trust the one root the driver signs under, not one of its own.
* SOAK_FAULT_DIR: while a file named `cert-hang` exists there, every certificate fetch
  goes through the real `fetch_cert_chain` to SOAK_BLACKHOLE (host:port), a socket that
  accepts and never answers, so it hangs exactly as a dead S3 would until the fetch
  timeout. The flag is checked on every fetch, so the driver can switch it live.

Run as `gunicorn 'bench.soak_app:app'` (never imported by the tests).
"""

from __future__ import annotations

import os
from pathlib import Path

from skill.config import Settings
from skill.sdk.verification import fetch_cert_chain
from skill.web import create_app

HANG_FLAG = "cert-hang"

_pki_dir = Path(os.environ["SOAK_PKI_DIR"])
_fault_dir = Path(os.environ["SOAK_FAULT_DIR"])
_blackhole = os.environ["SOAK_BLACKHOLE"]
_chain = (_pki_dir / "chain.pem").read_bytes()


def cert_fetch(url: str, timeout: float) -> bytes:
    """Alexa's chain for any URL the verifier accepted; hangs while the fault flag is set."""
    if (_fault_dir / HANG_FLAG).exists():
        return fetch_cert_chain(f"http://{_blackhole}/echo.api/hang.pem", timeout)
    return _chain


app = create_app(
    Settings.from_env(),
    cert_fetch=cert_fetch,
    trust_roots=[(_pki_dir / "root.der").read_bytes()],
)
