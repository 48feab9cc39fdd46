"""Read the requirement inputs (`requirements*.in`) and the locks uv compiles from them.

An input holds direct dependencies, each pinned with `==`, plus `-r file` (include)
and `-c file` (constrain) lines. A lock is uv's `pip compile --generate-hashes` output:

    flask==3.1.3 \\
        --hash=sha256:... \\
        --hash=sha256:...
        # via
        #   -r requirements.in
        #   ask-sdk-webservice-support

Both readers refuse anything else, so a line they do not understand fails the tests
instead of being skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from testing import ROOT

PROJECT = ROOT

_PIN = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[(?P<extras>[^\]]*)\])?"
    r"\s*==\s*(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)
_HASH = re.compile(r"--hash=(?P<algorithm>\w+):(?P<digest>[0-9a-f]+)\s*\\?$")


def normalize(name: str) -> str:
    """PEP 503 normalized distribution name: `Flask`, `ask_sdk_core` -> `flask`, `ask-sdk-core`."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


_PYTHON_GATE = re.compile(r"""python_version\s*>=\s*["']3\.\d+["']""")
"""The one marker an input may carry: a package that needs a newer Python than the
oldest the universal locks serve (aws-sdk-signers: 3.12+, what the Lambda bundle runs)."""


@dataclass(frozen=True)
class Pin:
    """One direct dependency of an input file: `name==version`."""

    name: str
    version: str
    source: str
    """The input file that names it (an `-r` include names its own file)."""


@dataclass
class Inputs:
    """What an input file asks for, `-r` includes followed."""

    pins: list[Pin] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def read_inputs(path: Path) -> Inputs:
    """Every pin of `path` and of the files it includes with `-r`; ValueError on anything else."""
    inputs = Inputs()
    _read_inputs(path, inputs)
    return inputs


def _read_inputs(path: Path, inputs: Inputs) -> None:
    inputs.files.append(path.name)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        option, _, argument = line.partition(" ")
        if option == "-r":
            _read_inputs(path.parent / argument.strip(), inputs)
        elif option == "-c":
            inputs.constraints.append(argument.strip())
        else:
            match = _PIN.fullmatch(line)
            marker = match["marker"] if match is not None else None
            if match is None or (marker and not _PYTHON_GATE.fullmatch(marker)):
                raise ValueError(f"{path.name}:{number}: not a plain name==version pin: {raw!r}")
            inputs.pins.append(Pin(normalize(match["name"]), match["version"], path.name))


@dataclass
class Locked:
    """One distribution in a lock."""

    name: str
    version: str
    marker: str | None
    hashes: list[str] = field(default_factory=list)
    """`algorithm:digest` of every file (wheels and sdist) the lock accepts."""
    via: list[str] = field(default_factory=list)
    """uv's annotation: the input files (`-r requirements.in`) and packages that want it."""


def read_lock(path: Path) -> list[Locked]:
    """Every entry of a uv lock, in file order; ValueError on a line it cannot place."""
    entries: list[Locked] = []
    in_via = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not raw.startswith(" "):
            if not line or line.startswith("#"):
                in_via = False
                continue  # the header, or a blank line
            match = _PIN.fullmatch(line)
            if match is None:
                raise ValueError(f"{where}: not a name==version entry: {raw!r}")
            marker = match["marker"].strip() if match["marker"] else None
            entries.append(Locked(normalize(match["name"]), match["version"], marker))
            in_via = False
            continue
        if not entries:
            raise ValueError(f"{where}: indented line before any entry: {raw!r}")
        entry = entries[-1]
        hashed = _HASH.fullmatch(line)
        if hashed:
            entry.hashes.append(f"{hashed['algorithm']}:{hashed['digest']}")
        elif line == "# via":
            in_via = True
        elif line.startswith("# via "):
            entry.via.append(line.removeprefix("# via ").strip())
        elif in_via and line.startswith("#   "):
            entry.via.append(line.removeprefix("#   ").strip())
        else:
            raise ValueError(f"{where}: neither a hash nor an annotation: {raw!r}")
    return entries


def locked_versions(path: Path) -> dict[str, str]:
    """`{name: version}` of a lock that pins each distribution once (no per-Python forks)."""
    versions: dict[str, str] = {}
    for entry in read_lock(path):
        if versions.setdefault(entry.name, entry.version) != entry.version:
            raise ValueError(f"{path.name} pins {entry.name} twice: expected one version")
    return versions
