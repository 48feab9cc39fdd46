"""Build the AWS Lambda deployment bundle: `<out>/lambda/` and a zip of its contents.

`ask deploy` runs hooks/build.sh, which calls this builder and hands the ASK CLI the
zip (also fit for `aws lambda update-function-code`); the folder holds the same files. The
dependencies are installed for the Lambda runtime (CPython 3.12, manylinux x86_64)
rather than for the interpreter running the build, so any machine builds the same
bundle, and the zip is byte-for-byte reproducible.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

SKILL_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = SKILL_DIR.parent
ENTRY_POINT = PROJECT_DIR / "lambda" / "lambda_function.py"
REQUIREMENTS = PROJECT_DIR / "requirements-lambda.txt"

DEFAULT_OUT = "build"
BUNDLE_DIRNAME = "lambda"
"""hooks/build.sh builds into `<DEFAULT_OUT>` (`--out build`) for `ask deploy`."""
ZIP_NAME = "bedtime-magnesium-lambda.zip"

LAMBDA_PYTHON = "3.12"
"""The runtime in ask-resources.json and the stack template; wheels are chosen for it."""
LAMBDA_PLATFORM = "manylinux2014_x86_64"
"""The stack template's `Architectures: [x86_64]` (infrastructure/cfn-deployer/skill-stack.yaml)."""

WEB_ONLY_MODULES: tuple[str, ...] = ("web.py", "sdk/verification.py", "sdk/oscrypto_fix.py")
"""Modules under skill/ that only the web endpoint imports (they need Flask or the
request-signature stack, which the bundle does not install)."""
NOT_BUNDLED: tuple[str, ...] = ("dev", "__main__.py", *WEB_ONLY_MODULES)
"""Paths under skill/ that never go in the bundle: the developer tools (this module
among them), the local CLI, and the web-only modules. Every one must exist, so a
renamed module cannot slip back in unnoticed."""

_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ZIP_FILE_MODE = 0o100644 << 16
"""Regular file, rw-r--r--: Lambda's runtime user must be able to read every file."""
_PIP_TAIL_LINES = 20


class BundleError(RuntimeError):
    """The bundle could not be built; the message says why (e.g. pip's last words)."""


def build_bundle(out: str | Path = DEFAULT_OUT, *, requirements: str | Path = REQUIREMENTS) -> Path:
    """Rebuild `<out>/lambda/` from scratch and zip it; return the zip's path.

    Only the entry point, the `skill` package (with its content files) less
    NOT_BUNDLED, and the pinned runtime dependencies go in: never tests, benchmarks,
    developer tools or the interaction model.
    """
    out = Path(out)
    bundle = out / BUNDLE_DIRNAME
    archive = out / ZIP_NAME
    _refuse_source_folders(bundle)
    _check_not_bundled_exist()
    _remove(bundle)
    _remove(archive)

    bundle.mkdir(parents=True)
    shutil.copy2(ENTRY_POINT, bundle / ENTRY_POINT.name)
    shutil.copytree(SKILL_DIR, bundle / SKILL_DIR.name, ignore=_left_out)
    install_requirements(bundle, Path(requirements))
    # pip --target also writes console scripts whose shebang names this machine's python.
    shutil.rmtree(bundle / "bin", ignore_errors=True)

    zip_folder(bundle, archive)
    files = list(bundle_files(bundle))
    unzipped = sum(path.stat().st_size for path in files)
    logger.info(
        "Lambda bundle %s: %d files, %.1f MB; zip %s: %.1f MB",
        bundle,
        len(files),
        unzipped / 1e6,
        archive,
        archive.stat().st_size / 1e6,
    )
    return archive


def install_requirements(target: Path, requirements: Path) -> None:
    """pip-install `requirements` into `target` for the Lambda runtime, or raise BundleError."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        "-r",
        str(requirements),
        "--require-hashes",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
        "--no-input",
        "--only-binary=:all:",
        "--platform",
        LAMBDA_PLATFORM,
        "--python-version",
        LAMBDA_PYTHON,
        "--implementation",
        "cp",
    ]
    logger.info("installing %s into %s", requirements, target)
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as problem:
        raise BundleError(f"could not run pip ({sys.executable} -m pip): {problem}") from None
    if result.stderr.strip():
        logger.debug("pip said:\n%s", result.stderr)
    if result.returncode != 0:
        said = (result.stderr.strip() or result.stdout.strip()).splitlines()
        tail = "\n".join(said[-_PIP_TAIL_LINES:]) or "(no output)"
        raise BundleError(
            f"pip install -r {requirements} failed (exit {result.returncode}):\n{tail}"
        )


def bundle_files(folder: Path) -> Iterator[Path]:
    """Every file under `folder` that belongs in the zip, in a stable order."""
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        relative = path.relative_to(folder)
        if _SKIPPED_DIRS.intersection(relative.parts) or path.suffix in _SKIPPED_SUFFIXES:
            continue
        if path.is_file():
            yield path


def zip_folder(folder: Path, archive: Path) -> Path:
    """Zip the contents of `folder` (not the folder itself) reproducibly into `archive`.

    Sorted names, a fixed timestamp and fixed permissions make the same files give
    the same bytes, so a rebuilt bundle only differs when its contents do.
    """
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in bundle_files(folder):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = _ZIP_FILE_MODE
            zipped.writestr(info, path.read_bytes(), compresslevel=9)
    return archive


def _left_out(folder: str, names: list[str]) -> set[str]:
    """shutil.copytree's ignore hook: caches, and the NOT_BUNDLED paths under skill/."""
    under_skill = Path(folder).resolve().relative_to(SKILL_DIR)
    return {
        name
        for name in names
        if name in _SKIPPED_DIRS
        or Path(name).suffix in _SKIPPED_SUFFIXES
        or (under_skill / name).as_posix() in NOT_BUNDLED
    }


def _check_not_bundled_exist() -> None:
    missing = [path for path in NOT_BUNDLED if not (SKILL_DIR / path).exists()]
    if missing:
        raise BundleError(
            f"NOT_BUNDLED names {', '.join(missing)}, not found under {SKILL_DIR}: "
            "update skill/dev/bundle.py after moving a module"
        )


def _overlaps(first: Path, second: Path) -> bool:
    return first == second or first in second.parents or second in first.parents


def _refuse_source_folders(bundle: Path) -> None:
    """Cleaning the bundle folder must never delete the sources it is built from."""
    target = bundle.resolve()
    for source in (SKILL_DIR, ENTRY_POINT.parent):
        if _overlaps(target, source):
            raise BundleError(f"refusing to build into {bundle}: it overlaps the source {source}")


def _remove(path: Path) -> None:
    """Delete a previous build's output so every build starts clean."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
