"""Run an unpacked Lambda bundle the way Lambda does: from a folder nobody can write to.

Lambda's /var/task is read-only, so Python neither writes .pyc there nor finds any it did
not ship. A `chmod -R a-w` copy reproduces that for an ordinary user, but root writes
through permissions (CAP_DAC_OVERRIDE), so `lambda_preexec` drops those capabilities from
the child when the caller is root (tests/test_lambda.py and bench/coldstart.py use both).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2
_READ_ONLY_DIR = 0o555
_READ_ONLY_FILE = 0o444


def unpack_read_only(archive: Path, target: Path) -> Path:
    """Unzip `archive` into a new folder `target` and make it all read-only; return it."""
    target.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(target)
    for folder, dirs, files in os.walk(target):
        for name in files:
            os.chmod(os.path.join(folder, name), _READ_ONLY_FILE)
        for name in dirs:
            os.chmod(os.path.join(folder, name), _READ_ONLY_DIR)
    target.chmod(_READ_ONLY_DIR)
    return target


def remove_read_only(target: Path) -> None:
    """Delete a folder made by `unpack_read_only` (its folders must be writable first)."""
    for folder, dirs, _ in os.walk(target):
        os.chmod(folder, stat.S_IRWXU)
        for name in dirs:
            os.chmod(os.path.join(folder, name), stat.S_IRWXU)
    shutil.rmtree(target)


def snapshot(folder: Path) -> set[str]:
    """Every path under `folder`, to show that a run wrote nothing there."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


def _drop_write_override() -> None:
    """In the child, before exec: as root, give up the right to ignore file permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE for a read-only run")


def lambda_preexec() -> Callable[[], None] | None:
    """`preexec_fn` for subprocess: None for ordinary users (permissions already hold)."""
    return _drop_write_override if os.geteuid() == 0 else None
