"""The oscrypto libcrypto-version fix: needed on this machine, and actually applied.

Imports of oscrypto happen once per interpreter, so the import behaviour is tested in
fresh subprocesses.
"""

from __future__ import annotations

import importlib.util
import json
import re
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from skill.web import oscrypto_fix
from testing import ROOT


def _openssl_version() -> tuple[int, int, int]:
    """(major, minor, patch) of the OpenSSL this Python uses.

    Parsed from the text: for OpenSSL 3, `ssl.OPENSSL_VERSION_INFO` is
    (3, 0, 0, 19, 0) for 3.0.19, so its first three items are not the version.
    """
    match = re.search(r"OpenSSL (\d+)\.(\d+)\.(\d+)", ssl.OPENSSL_VERSION)
    if match is None:
        pytest.skip(f"not OpenSSL: {ssl.OPENSSL_VERSION}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def _run(script: str) -> dict[str, object]:
    """Run `script` in a fresh interpreter in the project root; return its JSON output."""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


_REPORT = """
import json, sys
import oscrypto._openssl._libcrypto as lc
names = sorted(m for m in oscrypto_fix.TARGET_MODULES if m in sys.modules)
print(json.dumps({
    "version_info": list(lc.libcrypto_version_info),
    "loaders": {m: type(sys.modules[m].__loader__).__name__ for m in names},
    "files": {m: sys.modules[m].__file__ for m in names},
}))
"""


@pytest.mark.parametrize("backend", ["cffi", "ctypes"])
def test_with_the_fix_the_sdk_verifier_imports_and_sees_the_real_openssl(backend: str) -> None:
    use_ctypes = "import oscrypto; oscrypto.use_ctypes()\n" if backend == "ctypes" else ""
    result = _run(
        "from skill.web import oscrypto_fix\n"
        "assert oscrypto_fix.apply()\n"
        f"{use_ctypes}"
        "import ask_sdk_webservice_support.verifier\n" + _REPORT
    )
    assert tuple(result["version_info"]) == _openssl_version()  # type: ignore[arg-type]
    module = f"oscrypto._openssl._libcrypto_{backend}"
    assert result["loaders"] == {module: "_PatchedSourceLoader"}
    # Compiled under the installed file's name, so tracebacks point at the real source.
    spec = importlib.util.find_spec(module)
    assert spec is not None
    assert result["files"] == {module: spec.origin}


def test_importing_skill_verification_applies_the_fix() -> None:
    result = _run("from skill.web import oscrypto_fix, verification\n" + _REPORT)
    assert tuple(result["version_info"]) == _openssl_version()  # type: ignore[arg-type]


def test_without_the_fix_the_sdk_verifier_cannot_be_imported() -> None:
    """Proves the fix is load-bearing here: if it stops being applied, the suite fails."""
    if _openssl_version()[2] < 10:
        pytest.skip(f"{ssl.OPENSSL_VERSION} has a one-digit patch number; oscrypto parses it")
    result = _run(
        "import json\n"
        "try:\n"
        "    import ask_sdk_webservice_support.verifier\n"
        "except Exception as e:\n"
        "    print(json.dumps({'error': type(e).__name__, 'message': str(e)}))\n"
        "else:\n"
        "    print(json.dumps({'error': None}))\n"
    )
    assert result == {
        "error": "LibraryNotFoundError",
        "message": "Error detecting the version of libcrypto",
    }


@pytest.mark.parametrize("module", sorted(oscrypto_fix.TARGET_MODULES))
def test_patch_changes_exactly_the_upstream_regex(module: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    original = Path(spec.origin).read_text(encoding="utf-8")
    patched = oscrypto_fix.patch_source(original)
    assert patched is not None
    assert len(patched) == len(original) + 1
    assert patched.replace(r"\\d+[a-z]", r"\\d[a-z]") == original
    assert oscrypto_fix.patch_source(patched) is None  # an already fixed source is left alone


@pytest.mark.parametrize(
    ("version_string", "expected"),
    [
        ("OpenSSL 3.0.19 27 Jan 2026", "3.0.19"),
        ("OpenSSL 3.0.10 1 Aug 2023", "3.0.10"),
        ("OpenSSL 3.0.9 30 May 2023", "3.0.9"),
        ("OpenSSL 1.1.1w  11 Sep 2023", "1.1.1w"),
    ],
)
def test_patched_regex_reads_one_and_two_digit_patch_numbers(
    version_string: str, expected: str
) -> None:
    fixed = oscrypto_fix.patch_source(oscrypto_fix._BROKEN)
    assert fixed is not None
    pattern = fixed.strip("'").replace("\\\\", "\\")  # the literal's value
    match = re.search(pattern, version_string)
    assert match is not None and match.group(1) == expected


@pytest.mark.parametrize(
    ("version", "affected"),
    [("1.3.0", True), ("1.3", True), ("1.3.1", True), ("1.2.1", False), ("1.4.0", False)],
)
def test_only_oscrypto_1_3_is_considered(version: str, affected: bool) -> None:
    assert oscrypto_fix.is_affected_version(version) is affected


def test_apply_is_idempotent() -> None:
    assert oscrypto_fix.apply()
    assert oscrypto_fix.apply()
    finders = [f for f in sys.meta_path if isinstance(f, oscrypto_fix.OscryptoVersionFinder)]
    assert len(finders) == 1


def test_finder_ignores_other_modules() -> None:
    finder = oscrypto_fix.OscryptoVersionFinder()
    assert finder.find_spec("oscrypto._openssl._libssl_cffi", None) is None
    assert finder.find_spec("json", None) is None
