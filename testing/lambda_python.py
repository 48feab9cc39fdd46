"""The Python the Lambda bundle is compiled with and run by (python3.12), or a skip.

Without one, `make test` still passes on a machine with only its default Python: every
test that needs it skips with NO_LAMBDA_PYTHON. CI sets PY312_REQUIRED=1, which turns
that skip into a failure.
"""

from __future__ import annotations

import functools
import os

import pytest

from skill.dev.bundle import LAMBDA_PYTHON, BundleError, find_lambda_python

NO_LAMBDA_PYTHON = (
    f"no Python {LAMBDA_PYTHON} found (the Lambda runtime's version, needed to compile "
    f"and run the bundle): the bundle tests skip. Put python{LAMBDA_PYTHON} on PATH, "
    f"install a pyenv {LAMBDA_PYTHON}, or set SKILL_LAMBDA_PYTHON"
)
"""The one reason every test that needs the Lambda runtime's Python skips with."""


@functools.cache
def found_lambda_python() -> str | None:
    """The interpreter the build would use (skill/dev/bundle.py), or None."""
    try:
        python, _ = find_lambda_python()
    except BundleError:
        return None
    return python


def lambda_python() -> str:
    """The Lambda runtime's Python, or skip the calling test (fail with PY312_REQUIRED)."""
    python = found_lambda_python()
    if python is None:
        if os.environ.get("PY312_REQUIRED"):
            pytest.fail(f"PY312_REQUIRED is set but {NO_LAMBDA_PYTHON}")
        pytest.skip(NO_LAMBDA_PYTHON)
    return python
