"""The dependency locks: complete, hashed, and in step with the .in files they come from.

`requirements*.in` are edited by hand (direct dependencies, pinned); `make lock` compiles
each into its lock `requirements*.txt` with uv: every distribution pinned, with hashes.
`make setup` and the Lambda bundler install the locks with --require-hashes. These tests
fail when an .in file was edited without `make lock`, or when a lock was edited by hand
into something pip's hash checking would not accept.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker

from skill.dev import bundle as lambda_bundle
from tests.locks import PROJECT, Locked, read_inputs, read_lock

_spec = importlib.util.spec_from_file_location("venv_extras", PROJECT / "tools" / "venv_extras.py")
assert _spec is not None and _spec.loader is not None
venv_extras = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(venv_extras)

LOCKS = {
    "requirements.in": "requirements.txt",
    "requirements-dev.in": "requirements-dev.txt",
    "requirements-lambda.in": "requirements-lambda.txt",
}
RELOCK = "edit the .in file, then run `make lock` (see the Makefile)"


def lock_of(source: str) -> list[Locked]:
    return read_lock(PROJECT / LOCKS[source])


def by_name(entries: list[Locked]) -> dict[str, list[Locked]]:
    named: dict[str, list[Locked]] = {}
    for entry in entries:
        named.setdefault(entry.name, []).append(entry)
    return named


def makefile_recipe(target: str) -> list[str]:
    """The recipe lines of `target` in the Makefile, continuation lines joined."""
    text = (PROJECT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(" ".join(line.split()))
    return recipe


@pytest.mark.parametrize("source", LOCKS)
def test_every_direct_pin_is_locked_at_its_version(source: str) -> None:
    locked = by_name(lock_of(source))
    for pin in read_inputs(PROJECT / source).pins:
        assert pin.name in locked, f"{pin.name} ({pin.source}) is not in {LOCKS[source]}: {RELOCK}"
        versions = {entry.version for entry in locked[pin.name]}
        assert versions == {pin.version}, f"{pin.name}: {pin.source} pins {pin.version}, {RELOCK}"


@pytest.mark.parametrize("source", LOCKS)
def test_lock_holds_nothing_its_inputs_dropped(source: str) -> None:
    """An entry the lock says an input file asked for must still be asked for there."""
    inputs = read_inputs(PROJECT / source)
    pinned = {(pin.name, pin.source) for pin in inputs.pins}
    for entry in lock_of(source):
        assert entry.via, f"{entry.name}: no `# via` annotation in {LOCKS[source]}: {RELOCK}"
        for reason in entry.via:
            option, _, file = reason.partition(" ")
            if option == "-r":
                assert (entry.name, file) in pinned, f"{entry.name} left {file}: {RELOCK}"
            elif option == "-c":
                assert file in inputs.constraints, f"{entry.name} via {reason}: {RELOCK}"


@pytest.mark.parametrize("lock", LOCKS.values())
def test_every_locked_distribution_is_pinned_with_sha256_hashes(lock: str) -> None:
    entries = read_lock(PROJECT / lock)
    assert entries
    for entry in entries:
        assert entry.hashes, f"{lock}: {entry.name} has no hash"
        assert all(h.startswith("sha256:") and len(h) == 7 + 64 for h in entry.hashes), entry
    forks = [name for name, found in by_name(entries).items() if len(found) > 1]
    for name in forks:
        markers = [entry.marker for entry in by_name(entries)[name]]
        assert None not in markers, f"{lock}: {name} is pinned twice without markers"


def test_the_dev_lock_installs_exactly_the_runtime_lock() -> None:
    """-c requirements.txt: the tests run against the versions and files that ship."""
    dev = {(entry.name, entry.marker): entry for entry in lock_of("requirements-dev.in")}
    for entry in lock_of("requirements.in"):
        twin = dev.get((entry.name, entry.marker))
        assert twin is not None, f"{entry.name} is missing from requirements-dev.txt: {RELOCK}"
        assert (twin.version, twin.hashes) == (entry.version, entry.hashes), entry.name


def test_the_lambda_lock_takes_its_versions_from_the_runtime_lock() -> None:
    runtime = by_name(lock_of("requirements.in"))
    bundled = lock_of("requirements-lambda.in")
    assert bundled
    for entry in bundled:
        assert entry.marker is None, f"{entry.name}: the Lambda lock is for one platform"
        assert entry.name in runtime, f"{entry.name} ships to Lambda but not in requirements.txt"
        assert [r.version for r in runtime[entry.name]] == [entry.version], entry.name
        assert set(entry.hashes) <= set(runtime[entry.name][0].hashes), entry.name


def test_this_environment_is_the_dev_lock() -> None:
    """The interpreter running the tests has every locked version that applies to it."""
    stale = []
    for entry in lock_of("requirements-dev.in"):
        if entry.marker and not Marker(entry.marker).evaluate():
            continue
        try:
            installed = importlib.metadata.version(entry.name)
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        if installed != entry.version:
            stale.append(f"{entry.name} {installed} (locked {entry.version})")
    assert stale == [], f"{sys.prefix} differs from requirements-dev.txt (make setup): {stale}"


def test_this_environment_holds_nothing_the_dev_lock_does_not_name() -> None:
    """Issue 21: `python -m venv` seeded setuptools 65.5.0 (known advisories) from outside
    the lock; `make setup` removes whatever the lock does not name (tools/venv_extras.py)."""
    found = venv_extras.extras(PROJECT / "requirements-dev.txt")
    assert found == [], f"{sys.prefix} holds distributions the lock does not name: {found}"
    recipe = " ".join(makefile_recipe("$(STAMP)"))
    assert "tools/venv_extras.py requirements-dev.txt" in recipe


def test_make_lock_compiles_each_input_into_its_lock() -> None:
    recipe = makefile_recipe("lock")
    for source, lock in LOCKS.items():
        compiles = [line for line in recipe if re.search(rf"\s{re.escape(source)}\s", line)]
        assert len(compiles) == 1, source
        words = shlex.split(compiles[0].replace("$(UV_COMPILE)", "uv pip compile"))
        assert words[words.index("-o") + 1] == f"$(LOCK_OUT)/{lock}"
    lambda_line = next(line for line in recipe if "requirements-lambda.in" in line)
    assert f"--python-version {lambda_bundle.LAMBDA_PYTHON}" in lambda_line
    assert "--python-platform aarch64-manylinux_2_17" in lambda_line  # = manylinux2014_aarch64
    assert lambda_bundle.LAMBDA_PLATFORM == "manylinux2014_aarch64"
    for lock in LOCKS.values():
        header = (PROJECT / lock).read_text(encoding="utf-8").splitlines()[:2]
        assert header[1] == "#    make lock", f"{lock} was not written by `make lock`"


def test_setup_installs_the_dev_lock_with_hash_checking() -> None:
    installs = [line for line in makefile_recipe("$(STAMP)") if " install " in line]
    assert installs, "the venv rule installs nothing"
    for line in installs:
        words = line.split()
        assert "--require-hashes" in words, line
        assert words[words.index("-r") + 1] == "requirements-dev.txt", line


def test_chat_installs_only_the_runtime_lock_with_hash_checking() -> None:
    """`make chat` needs the skill, not the tools: no ruff, mypy, moto or cfn-lint."""
    installs = [line for line in makefile_recipe("$(RUNTIME)") if " install " in line]
    assert installs, "the runtime venv rule installs nothing"
    for line in installs:
        words = line.split()
        assert "--require-hashes" in words, line
        assert words[words.index("-r") + 1] == "requirements.txt", line
    chat = next(
        line
        for line in (PROJECT / "Makefile").read_text("utf-8").splitlines()
        if line.startswith("chat:")
    )
    assert chat.split() == ["chat:", "$(RUNTIME)"]
    runtime = {entry.name for entry in read_lock(PROJECT / "requirements.txt")}
    assert not runtime & {"ruff", "mypy", "moto", "cfn-lint", "pytest", "boto3"}


def test_the_lambda_bundler_installs_its_lock() -> None:
    assert lambda_bundle.REQUIREMENTS == PROJECT / "requirements-lambda.txt"


def test_the_input_readers_refuse_what_they_do_not_understand(tmp_path: Path) -> None:
    loose = tmp_path / "loose.in"
    loose.write_text("flask>=3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="name==version"):
        read_inputs(loose)
    edited = tmp_path / "edited.txt"
    edited.write_text("flask==3.1.3 \\\n    --no-binary=:all:\n", encoding="utf-8")
    with pytest.raises(ValueError, match="neither a hash"):
        read_lock(edited)
    edited.write_text("flask @ https://example.invalid/flask-3.1.3-py3-none-any.whl\n")
    with pytest.raises(ValueError, match="not a name==version"):
        read_lock(edited)
