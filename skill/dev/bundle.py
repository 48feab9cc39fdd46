"""Build the AWS Lambda deployment bundle: `<out>/lambda/` and a zip of its contents.

`ask deploy` runs hooks/build.sh, which calls this builder and hands the ASK CLI the
zip (also fit for `aws lambda update-function-code`); the folder holds the same files. The
dependencies are installed for the Lambda runtime (CPython 3.12, manylinux aarch64)
rather than for the interpreter running the build, so any machine builds the same
bundle, and the zip is byte-for-byte reproducible.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from skill.dev import lazy_services, signers_fix

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
LAMBDA_PLATFORM = "manylinux2014_aarch64"
"""The stack template's `Architectures: [arm64]` (infrastructure/cfn-deployer/skill-stack.yaml):
Graviton, manylinux wheels for aarch64 (requirements-lambda.txt is locked for it)."""

LAMBDA_CACHE_TAG = "cpython-" + LAMBDA_PYTHON.replace(".", "")
"""`sys.implementation.cache_tag` of the runtime: it reads only .pyc named with it."""
LAMBDA_PYTHON_ENV = "SKILL_LAMBDA_PYTHON"
"""Names the Python 3.12 to compile with, when the build interpreter is another version."""

NOT_BUNDLED: tuple[str, ...] = ("dev", "web", "__main__.py")
"""What under skill/ never goes in the bundle: the developer tools and build steps
(`skill/dev/`, this module among them), the web endpoint (`skill/web/`: Flask and the
request-signature stack, which the bundle does not install) and the local CLI. Whole
folders, so a module added to either stays out without editing this list; each must
exist, so a renamed folder cannot slip back in unnoticed."""

_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})
_PYC_FLAGS_UNCHECKED_HASH = 0b01
"""PEP 552 header flags: hash-based (bit 0), source never checked (bit 1 clear)."""
_RUNTIME_ROOT = "/var/task"
"""Where Lambda unpacks the code: the file name compiled into each .pyc (reproducible;
the import system puts the real path in tracebacks wherever the files are)."""
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
    patch_sdk(bundle)
    compile_bundle(bundle)

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


def patch_sdk(bundle: Path) -> None:
    """Rewrite the bundle's SDK service client factory to load clients lazily, and keep
    asyncio out of aws-sdk-signers' import (skill/dev/signers_fix.py); or raise."""
    try:
        lazy = lazy_services.patch_bundle(bundle)
    except lazy_services.LazyServicesError as problem:
        raise BundleError(
            f"cannot make the SDK's service clients lazy: {problem}. ask-sdk-model changed; "
            "update skill/dev/lazy_services.py for it (tests/test_lazy_services.py)"
        ) from None
    logger.info("service clients loaded on first use: %s", ", ".join(sorted(lazy)))
    try:
        signers_fix.patch_bundle(bundle)
    except signers_fix.SignersFixError as problem:
        raise BundleError(
            f"cannot keep asyncio out of aws-sdk-signers: {problem}. Update "
            "skill/dev/signers_fix.py for the new version (tests/test_lambda.py)"
        ) from None


def find_lambda_python(
    env: dict[str, str] | None = None, *, pyenv_root: Path | None = None
) -> tuple[str, bytes]:
    """A Python LAMBDA_PYTHON interpreter, and its .pyc magic number, or raise BundleError.

    $SKILL_LAMBDA_PYTHON wins when set (and must be the right version); otherwise the
    build interpreter itself, python3.12 on PATH, then pyenv builds are tried in turn.
    Each candidate is run to ask its cache tag, so a pyenv shim that is not active or a
    python3.12 that is really another version is never used.
    """
    env = dict(os.environ) if env is None else env
    chosen = env.get(LAMBDA_PYTHON_ENV, "").strip()
    if chosen:
        found = _probe(chosen, env)
        if found is None:
            raise BundleError(
                f"{LAMBDA_PYTHON_ENV}={chosen} is not a working Python {LAMBDA_PYTHON} "
                f"(the Lambda runtime, python{LAMBDA_PYTHON}): its .pyc would be ignored"
            )
        return found
    pyenv = pyenv_root or Path(env.get("PYENV_ROOT") or Path.home() / ".pyenv")
    builds = glob.glob(
        str(pyenv / "versions" / f"{LAMBDA_PYTHON}.*" / "bin" / f"python{LAMBDA_PYTHON}")
    )
    candidates = [
        sys.executable,
        shutil.which(f"python{LAMBDA_PYTHON}", path=env.get("PATH")) or "",
        *sorted(builds, key=_version_key, reverse=True),
    ]
    for candidate in filter(None, candidates):
        found = _probe(candidate, env)
        if found is not None:
            return found
    raise BundleError(
        f"no Python {LAMBDA_PYTHON} found to compile the bundle with: the Lambda runtime "
        f"(python{LAMBDA_PYTHON}) only reads .pyc compiled by its own version, and a bundle "
        "without them recompiles every module at each cold start. Run the build with "
        f"Python {LAMBDA_PYTHON}, put python{LAMBDA_PYTHON} on PATH, or set "
        f"{LAMBDA_PYTHON_ENV}=/path/to/python{LAMBDA_PYTHON}"
    )


def _version_key(path: str) -> tuple[int, ...]:
    """pyenv's versions/3.12.10/bin/python3 -> (3, 12, 10), so the newest patch comes first."""
    name = Path(path).parents[1].name
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def _probe(python: str, env: dict[str, str]) -> tuple[str, bytes] | None:
    """(python, magic number) if `python` runs and is the Lambda runtime's version."""
    ask = (
        "import importlib.util, sys; "
        "print(sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex())"
    )
    try:
        done = subprocess.run(
            [python, "-I", "-S", "-c", ask],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    said = done.stdout.split()
    if done.returncode != 0 or len(said) != 2 or said[0] != LAMBDA_CACHE_TAG:
        return None
    return python, bytes.fromhex(said[1])


def compile_bundle(bundle: Path) -> int:
    """Compile every module in `bundle` for the Lambda runtime; return how many.

    Unchecked hash-based .pyc, warnings silenced (they would otherwise be printed once,
    here, instead of at every cold start), file names rooted at /var/task so the bytes
    do not depend on the build folder. Then every module is checked to have exactly the
    .pyc the runtime will read, or BundleError.
    """
    interpreter, magic = find_lambda_python()
    root = str(bundle.resolve())
    logger.info("compiling %s with %s", bundle, interpreter)
    command = [
        interpreter,
        "-I",
        "-S",
        "-W",
        "ignore",
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        root,
        "-p",
        _RUNTIME_ROOT,
        root,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stdout.strip() + "\n" + done.stderr.strip()).strip().splitlines()
        raise BundleError(
            f"compiling the bundle with {interpreter} failed (exit {done.returncode}):\n"
            + "\n".join(said[-_PIP_TAIL_LINES:])
        )
    return check_compiled(bundle, magic)


def check_compiled(bundle: Path, magic: bytes | None = None) -> int:
    """Every .py in `bundle` has its unchecked-hash LAMBDA_CACHE_TAG .pyc (of `magic`),
    and there is no other .pyc; return the module count, or raise BundleError."""
    sources = sorted(p for p in bundle.rglob("*.py") if "__pycache__" not in p.parts)
    expected = {_cached(source) for source in sources}
    found = set(bundle.rglob("*.pyc")) | set(bundle.rglob("*.pyo"))
    problems = [f"missing {p.relative_to(bundle)}" for p in sorted(expected - found)]
    problems += [f"stray {p.relative_to(bundle)}" for p in sorted(found - expected)]
    for pyc in sorted(expected & found):
        header = pyc.read_bytes()[:16]
        flags = int.from_bytes(header[4:8], "little")
        if flags != _PYC_FLAGS_UNCHECKED_HASH or (magic is not None and header[:4] != magic):
            problems.append(f"not an unchecked-hash {LAMBDA_CACHE_TAG} .pyc: {pyc}")
    if problems:
        shown = "\n".join(problems[:_PIP_TAIL_LINES])
        raise BundleError(f"the bundle's bytecode is not what Lambda will read:\n{shown}")
    return len(sources)


def _cached(source: Path) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.{LAMBDA_CACHE_TAG}.pyc"


def bundle_files(folder: Path) -> Iterator[Path]:
    """Every file under `folder` that belongs in the zip, in a stable order: sources,
    data and the runtime's .pyc (other interpreters' caches stay out)."""
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        if not path.is_file():
            continue
        relative = path.relative_to(folder)
        cached = _SKIPPED_DIRS.intersection(relative.parts) or path.suffix in _SKIPPED_SUFFIXES
        if cached and not (
            relative.parent.name == "__pycache__" and path.name.endswith(f".{LAMBDA_CACHE_TAG}.pyc")
        ):
            continue
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
