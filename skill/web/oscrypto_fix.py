"""Make oscrypto 1.3.0 recognise OpenSSL versions with a two-digit patch number.

oscrypto 1.3.0 (under certvalidator, under the SDK's verifier) cannot parse "OpenSSL 3.0.10"
or later, so request verification cannot even be imported (wbond/oscrypto #75 and #78; fixed
on master by PR #76, never released). :func:`apply` installs an import hook that makes
upstream's one-character regex change in the two modules carrying it, only on oscrypto 1.3.x
with the broken pattern, and compiles under the installed file name for tracebacks.
`skill.web.verification` calls it at import time, before anything imports oscrypto.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import importlib.util
import logging
import re
import sys
import threading
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import CodeType, ModuleType

logger = logging.getLogger(__name__)

#: The modules of oscrypto 1.3.0 that detect the libcrypto version with the bad regex.
TARGET_MODULES = frozenset(
    {
        "oscrypto._openssl._libcrypto_cffi",
        "oscrypto._openssl._libcrypto_ctypes",
    }
)

# The regex literal exactly as written in oscrypto 1.3.0's source, and upstream's fix
# (wbond/oscrypto commit d5f3437): the patch number may have more than one digit.
_BROKEN = r"'\\b(\\d\\.\\d\\.\\d[a-z]*)\\b'"
_FIXED = r"'\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b'"

_lock = threading.Lock()


def patch_source(source: str) -> str | None:
    """Return `source` with upstream's regex fix, or None if it is not the broken code.

    None (leave the module alone) unless the broken pattern occurs exactly once, so a
    fixed or otherwise changed oscrypto is never rewritten.
    """
    if source.count(_BROKEN) != 1:
        return None
    return source.replace(_BROKEN, _FIXED)


def is_affected_version(version: str) -> bool:
    """True for oscrypto 1.3.x, the only release line shipping the broken regex."""
    return re.fullmatch(r"1\.3(\.\d+)?", version) is not None


class _PatchedSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads one oscrypto module from its own file, compiling the patched source.

    Everything except code generation is the stock SourceFileLoader, so ``__file__``,
    ``__spec__`` and ``get_source`` (used by tracebacks) describe the real file. The
    bytecode cache is bypassed on purpose: the cached .pyc holds the unpatched code.
    """

    def __init__(self, fullname: str, path: str, patched_source: str) -> None:
        super().__init__(fullname, path)
        self._patched_source = patched_source

    def get_code(self, fullname: str) -> CodeType:
        return compile(self._patched_source, self.path, "exec", dont_inherit=True)


class OscryptoVersionFinder:
    """`sys.meta_path` finder that substitutes the patched loader for the target modules."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname not in TARGET_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if (
            spec is None
            or spec.origin is None
            or not isinstance(spec.loader, importlib.machinery.SourceFileLoader)
        ):
            logger.warning("%s is not an importable source file; not patching it", fullname)
            return None
        source = spec.loader.get_source(fullname)
        patched = patch_source(source) if source is not None else None
        if patched is None:
            logger.info("%s does not have the known regex bug; loading it unchanged", fullname)
            return None
        logger.debug("Loading %s with the libcrypto version regex fix", fullname)
        return importlib.util.spec_from_file_location(
            fullname,
            spec.origin,
            loader=_PatchedSourceLoader(fullname, spec.origin, patched),
            submodule_search_locations=None,
        )


def _installed_oscrypto_version() -> str | None:
    try:
        return importlib.metadata.version("oscrypto")
    except importlib.metadata.PackageNotFoundError:
        return None


def is_applied() -> bool:
    """True if the finder is installed in this interpreter."""
    return any(isinstance(finder, OscryptoVersionFinder) for finder in sys.meta_path)


def apply() -> bool:
    """Install the import hook if oscrypto 1.3.x is installed; safe to call repeatedly.

    A hook, because an edited site-packages is lost on reinstall and invisible in review,
    an unreleased git commit cannot be pinned from PyPI with hashes, and the "fixed" forks
    on PyPI are of unknown provenance: this code decides whether a request came from Amazon.

    Returns whether the hook is installed. Call it before anything imports oscrypto:
    a module that already failed to import is retried through the hook, but one that
    is already in `sys.modules` is not touched.
    """
    version = _installed_oscrypto_version()
    if version is None or not is_affected_version(version):
        return False
    with _lock:
        if is_applied():
            return True
        loaded = TARGET_MODULES.intersection(sys.modules)
        if loaded:
            logger.warning("oscrypto fix applied after %s was imported", ", ".join(sorted(loaded)))
        sys.meta_path.insert(0, OscryptoVersionFinder())
        return True
