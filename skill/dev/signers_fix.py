"""Keep asyncio out of a Lambda cold start: aws-sdk-signers imports it for one line.

`aws_sdk_signers/signers.py` (aws-sdk-signers 0.4.0) imports asyncio only for the lock in
`AsyncEventSigner`; the skill signs with the synchronous `SigV4Signer` alone, and asyncio is
much of what DynamoDB memory adds to a cold start (BENCHMARKS.md, 1). :func:`patch_bundle`
moves the import onto its one use, on the same line, in the bundle's copy before it is
compiled; a source of any other shape raises, so an upgrade stops the build. Build time
only, never in the bundle (skill/dev/bundle.py).
"""

from __future__ import annotations

from pathlib import Path

SIGNERS_PATH = Path("aws_sdk_signers", "signers.py")
WRITTEN_FOR = "0.4.0"
_IMPORT = "\nimport asyncio\n"
_USE = "self._signing_lock = asyncio.Lock()"
_LAZY_USE = 'self._signing_lock = __import__("asyncio").Lock()'


class SignersFixError(RuntimeError):
    """aws_sdk_signers/signers.py is not the shape this fix was written for."""


def lazy_asyncio_source(source: str) -> str:
    """`source` with asyncio imported where it is used, or raise SignersFixError."""
    if source.count(_IMPORT) != 1 or source.count("asyncio.") != 1 or source.count(_USE) != 1:
        raise SignersFixError(
            f"expected one 'import asyncio' and one use, '{_USE}' (aws-sdk-signers {WRITTEN_FOR})"
        )
    patched = source.replace(_IMPORT, "\n\n", 1).replace(_USE, _LAZY_USE, 1)
    if patched.count("\n") != source.count("\n"):
        raise SignersFixError("the rewrite would move line numbers")
    return patched


def patch_bundle(bundle: Path) -> None:
    """Rewrite the bundle's aws_sdk_signers/signers.py in place, or raise SignersFixError."""
    path = bundle / SIGNERS_PATH
    if not path.is_file():
        raise SignersFixError(f"{SIGNERS_PATH} is not in the bundle")
    version = [p.name for p in bundle.glob("aws_sdk_signers-*.dist-info")]
    if version != [f"aws_sdk_signers-{WRITTEN_FOR}.dist-info"]:
        raise SignersFixError(f"written for aws-sdk-signers {WRITTEN_FOR}, found {version}")
    path.write_text(lazy_asyncio_source(path.read_text(encoding="utf-8")), encoding="utf-8")
