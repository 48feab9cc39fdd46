"""The app gunicorn serves for `make bench` (web throughput) and `make soak`.

The production app factory, configured from the environment as in production
(`Settings.from_env()`: ALEXA_SKILL_ID, SKILL_SQLITE_PATH, SKILL_CERT_FETCH_TIMEOUT ...),
with request verification running for real; only the certificate source and trust root
are the test PKI's, from variables the driver sets:

* BENCH_PKI_DIR: `chain.pem` and `root.der` the driver wrote (bench/harness.py
  `write_pki`) and signs requests with. `testing.pki` makes new keys in every process, so
  each gunicorn worker must trust the driver's root, not one of its own.
  The chain is read on every fetch (fetches are rare: once per URL per worker), so a
  test can rotate the certificate in place by rewriting the file. It is served at
  `testing.pki.DEFAULT_URL` only: any other URL fails as a missing S3 object does.
* BENCH_FETCH_LOG (tests only): a file to which every certificate fetch appends its URL.
* BENCH_FAULT_DIR (soak only): while a file named `cert-hang` exists there, every
  certificate fetch goes through the real `fetch_cert_chain` to BENCH_BLACKHOLE
  (host:port), a socket that accepts and never answers, so it hangs exactly as a dead S3
  would until the fetch timeout. The flag is checked on every fetch, so the driver can
  switch it live.

Run as `gunicorn 'bench.app:app'`; `build()` is also called in-process by the web profile.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from bench.harness import HANG_FLAG
from skill.web.app import create_app
from skill.web.verification import FetchError, fetch_cert_chain
from testing.pki import DEFAULT_URL


def build() -> Flask:
    """The production app, trusting the driver's PKI files (and its fault switch, if any)."""
    pki_dir = Path(os.environ["BENCH_PKI_DIR"])
    fault_dir = os.environ.get("BENCH_FAULT_DIR")
    blackhole = os.environ.get("BENCH_BLACKHOLE", "")
    fetch_log = os.environ.get("BENCH_FETCH_LOG")

    def cert_fetch(url: str, timeout: float) -> bytes:
        """The chain at the test PKI's URL; hangs while the fault flag is set."""
        if fetch_log is not None:
            with open(fetch_log, "a", encoding="utf-8") as log:
                log.write(url + "\n")
        if fault_dir is not None and (Path(fault_dir) / HANG_FLAG).exists():
            return fetch_cert_chain(f"http://{blackhole}/echo.api/hang.pem", timeout)
        if url != DEFAULT_URL:
            raise FetchError("403 Forbidden (no such object)", 403)  # what S3 answers
        return (pki_dir / "chain.pem").read_bytes()

    # No settings passed: create_app reads them from the environment, as in production
    # (and refuses to start, saying why, on a setting it cannot use).
    return create_app(
        cert_fetch=cert_fetch,
        trust_roots=[(pki_dir / "root.der").read_bytes()],
    )


app = build()
