"""Load ask-sdk-model's service clients on first use, not at import (Lambda bundle only).

Why this exists: ``ask_sdk_core.handler_input`` imports ``ask_sdk_model.services``, whose
``service_client_factory`` module starts with eleven ``from .<service> import
<Service>ServiceClient`` lines (ask-sdk-model 1.82.0). Each pulls in a service package
and its models: about 130 modules that a LaunchRequest never touches, a sixth of a cold
start's imports. The skill only ever uses two of them (Reminders and the settings API,
``ups``), and only inside a reminder conversation.

What the fix does: :func:`lazy_factory_source` rewrites that module's source so each
getter imports its client class when first called (``from .ups import
UpsServiceClient; return UpsServiceClient(self.api_configuration)`` on the getter's own
line), and the three imports no getter uses are dropped. Line numbers do not move, the
getters' behaviour (including wrapping a failure in ValueError) is the SDK's, and every
client module is imported exactly as before, only later. Anything that does not look
exactly like the shape this was written for makes it raise, so an SDK upgrade stops the
build instead of shipping a half-patched module.

Why a bundle-time rewrite and not an import hook: a hook would have to compile the
patched source at every Lambda INIT (the code folder is read-only, so nothing could
cache it), which costs part of what laziness saves and brings back the source compile
the precompiled bundle removes. :func:`patch_bundle` instead rewrites the bundle's copy
before skill/dev/bundle.py compiles the bundle, so Lambda loads a precompiled lazy module
with no machinery at run time.

Why Lambda only: the web service (gunicorn) imports once per worker at boot, before the
worker accepts traffic, so eager imports cost no request anything; lazy ones would move
the cost onto the first reminder request each worker serves. Lambda pays every import
inside INIT, on the request that started the container. This module is used at build
time and is never in the bundle itself (skill/dev/bundle.py, NOT_BUNDLED).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

FACTORY_MODULE = "ask_sdk_model.services.service_client_factory"
FACTORY_PATH = Path(*FACTORY_MODULE.split(".")).with_suffix(".py")
"""The module's path relative to a folder holding the ask_sdk_model package."""

MARKER = "(skill/dev/lazy_services.py)"
"""Ends every line the rewrite replaced, so a rewritten module is recognised."""
_IMPORT = re.compile(r"^from \.(\w+) import (\w+ServiceClient)$")
_RETURN = "return {name}(self.api_configuration)"


class LazyServicesError(ValueError):
    """The factory's source is not the shape this rewrite was written for."""


def lazy_factory_source(source: str) -> tuple[str, dict[str, str]]:
    """Return the rewritten source and the clients now loaded lazily (class -> module).

    Raises LazyServicesError unless the source is exactly the expected shape: module-level
    ``from .<module> import <X>ServiceClient`` lines, each client either constructed by
    exactly one getter line ``return <X>ServiceClient(self.api_configuration)`` or not
    used at all, and no other use of any client name outside comments and docstrings.
    """
    if MARKER in source:
        raise LazyServicesError("the service client factory was already rewritten")
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    imports: dict[str, tuple[str, int]] = {}  # class name -> (module, line index)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            line = lines[node.lineno - 1].rstrip("\n")
            match = _IMPORT.fullmatch(line)
            if match is None or node.end_lineno != node.lineno:
                raise LazyServicesError(f"unexpected relative import: {line!r}")
            imports[match[2]] = (match[1], node.lineno - 1)
    if not imports:
        raise LazyServicesError("no module-level service client imports found")
    code_uses = _name_loads(tree, set(imports))
    unknown = sorted(
        {
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name)
            and node.id.endswith("ServiceClient")
            and node.id not in imports
        }
    )
    if unknown:
        raise LazyServicesError(f"service clients not imported as expected: {', '.join(unknown)}")
    lazy: dict[str, str] = {}
    for name, (module, index) in imports.items():
        lines[index] = f"# from .{module} import {name}: imported on first use {MARKER}\n"
        statement = _RETURN.format(name=name)
        getters = [i for i, line in enumerate(lines) if line.strip() == statement]
        uses = code_uses.get(name, 0)
        if uses == 0 and not getters:
            continue  # imported but never used (datastore, proactive_events, skill_messaging)
        if len(getters) != 1 or uses != 1:
            raise LazyServicesError(
                f"{name} is used {uses} times, {len(getters)} of them as {statement!r}; "
                "expected exactly one getter"
            )
        (at,) = getters
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        lines[at] = f"{indent}from .{module} import {name}; {statement}\n"
        lazy[name] = module
    if not lazy:
        raise LazyServicesError("no getter constructs any imported service client")
    patched = "".join(lines)
    ast.parse(patched)  # the rewrite must still be valid Python
    return patched, lazy


def _name_loads(tree: ast.Module, names: set[str]) -> dict[str, int]:
    """How often each of `names` is read as a variable anywhere in the module's code."""
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def patch_bundle(folder: Path) -> dict[str, str]:
    """Rewrite the factory module installed under `folder` in place; see the module doc."""
    path = folder / FACTORY_PATH
    if not path.is_file():
        raise LazyServicesError(f"{path} not found: is ask-sdk-model installed in {folder}?")
    patched, lazy = lazy_factory_source(path.read_text(encoding="utf-8"))
    path.write_text(patched, encoding="utf-8")
    return lazy
