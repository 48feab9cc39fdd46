"""Test support that tests/ and bench/ share: envelope builders (`envelopes`), a
conversation driver (`talk`), a fake Alexa API (`fake_alexa_api`), a throw-away PKI
(`pki`), real servers on free ports (`servers`), read-only Lambda folders (`readonly`)
and the Lambda entry loaded in-process (`lambda_entry`). Never shipped."""

from __future__ import annotations

from pathlib import Path

#: The project's root folder (where README.md and lambda/ are).
ROOT = Path(__file__).resolve().parent.parent
#: The Lambda entry file (lambda is a keyword, so it is loaded by path).
LAMBDA_ENTRY = ROOT / "lambda" / "lambda_function.py"
