"""Gunicorn entry for the web benchmark: our app with request verification ON.

Only the certificate source and trust roots are the test PKI's (tests/pki.py); every
check runs for real. Gunicorn workers are separate processes and the test PKI makes new
keys per process, so the chain and root come from files the runner wrote and signed the
requests with (BENCH_PKI_DIR), not from `pki.chain_pem()` here. Persistence, skill id
and the SQLite path come from the environment, as in production.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from skill.config import Settings
from skill.web import create_app
from tests import pki


def build() -> Flask:
    """The production app factory, pointed at the runner's PKI files."""
    folder = Path(os.environ["BENCH_PKI_DIR"])
    chain = (folder / "chain.pem").read_bytes()
    root = (folder / "root.der").read_bytes()
    settings = Settings.from_env(verify_requests=True, persistence=True)
    return create_app(
        settings, cert_fetch=pki.CertSource({pki.DEFAULT_URL: chain}), trust_roots=[root]
    )


app = build()
