"""Print the distributions installed in this interpreter that a lock does not name.

`make setup` runs it with the venv's Python after installing requirements-dev.txt and
uninstalls what it prints: `python -m venv` seeds setuptools (Python < 3.12) from
outside the lock, with known advisories, and nothing may come from outside the lock.

    .venv/bin/python tools/venv_extras.py requirements-dev.txt
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)


def normalized(name: str) -> str:
    """PEP 503: names compare lower-case with runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def extras(lock: Path) -> list[str]:
    """Installed distributions `lock` does not name, sorted."""
    locked = {normalized(name) for name in _PIN.findall(lock.read_text(encoding="utf-8"))}
    installed = {normalized(d.metadata["Name"]) for d in importlib.metadata.distributions()}
    return sorted(installed - locked)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    for name in extras(Path(argv[0])):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
