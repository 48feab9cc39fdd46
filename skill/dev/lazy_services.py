"""Load ask-sdk-model's service clients on first use, not at import (Lambda bundle only).

`ask_sdk_model.services.service_client_factory` imports every service package at import
time, though a LaunchRequest needs none and the skill uses two, only for reminders.
:func:`patch_bundle` rewrites the bundle's copy before it is compiled so each getter imports
its client when first called, line numbers and behaviour unchanged; a source of any other
shape raises, so an SDK upgrade stops the build. Build time only, never in the bundle: the
web service imports at worker boot, where eager imports cost no request anything.
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
    """Rewrite the factory module installed under `folder` in place.

    At build time, not through an import hook: Lambda's code folder is read-only, so a
    hook would compile the patched source again at every INIT.
    """
    path = folder / FACTORY_PATH
    if not path.is_file():
        raise LazyServicesError(f"{path} not found: is ask-sdk-model installed in {folder}?")
    patched, lazy = lazy_factory_source(path.read_text(encoding="utf-8"))
    path.write_text(patched, encoding="utf-8")
    return lazy
