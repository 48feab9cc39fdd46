"""The tree shows the architecture: imports only point down the layers, and never in a circle.

hosts (web, CLI, dev tools) -> builder/dispatch -> handlers -> features -> replies/memory
-> sdk/persistence -> leaves. Lazy imports inside functions count too: they are the
same dependency, only later.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from testing import ROOT

SKILL_DIR = ROOT / "skill"

# Lowest first; a module may import its own layer or any layer below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "skill.names",
        "skill.config",
        "skill.logs",
        "skill.speech",
        "skill.content",
        "skill.timetext",
    ),
    ("skill.turn", "skill.reminders.clock", "skill.reminders.port"),
    ("skill.sdk", "skill.persistence"),
    ("skill.memory",),
    ("skill.replies", "skill.screen"),
    ("skill.ports",),
    FEATURES := (
        "skill.bedtime",
        "skill.conversation",
        "skill.discovery",
        "skill.preferences",
        "skill.safety",
        "skill.reminders.dialog",
    ),
    # The adapters: the only runtime code that knows the SDK's HandlerInput.
    ("skill.alexa", "skill.reminders.service"),
    ("skill.handlers",),
    ("skill.builder", "skill.dispatch"),
    ("skill.web", "skill.privacy_page", "skill.__main__", "skill.dev"),
)

#: Plain values in, plain values out: these never touch the SDK's request handling.
SANS_IO = (
    *FEATURES,
    "skill.ports",
    "skill.replies",
    "skill.screen",
    "skill.memory",
    "skill.turn",
    "skill.timetext",
    "skill.reminders.clock",
    "skill.reminders.port",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(SKILL_DIR.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


# Folders whose __init__ only documents them (checked below): they import nothing.
PACKAGES_WITHOUT_CODE = frozenset({"skill.reminders", "skill.handlers", "skill.web"})

MODULES = {module_name(path): path for path in sorted(SKILL_DIR.rglob("*.py"))}


def layer_of(module: str) -> int:
    if module in PACKAGES_WITHOUT_CODE:
        return 0
    for rank, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def imported_modules(module: str) -> Iterator[str]:
    """Every `skill` module that `module` imports, at the top or inside a function."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("skill"):
                    yield _known(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("skill"):
                continue
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in MODULES else _known(node.module)


def _known(name: str) -> str:
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def test_documenting_packages_import_nothing() -> None:
    for package in PACKAGES_WITHOUT_CODE:
        assert list(imported_modules(package)) == []


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        if module != "skill":
            layer_of(module)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} -> {target}"
        for module in sorted(MODULES)
        if module != "skill"
        for target in imported_modules(module)
        if target != "skill" and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_features_never_see_the_sdk_request() -> None:
    """Features are functions of the turn: only skill.alexa (and the handler classes)
    know HandlerInput, so a feature test needs no envelope."""
    offenders = [
        module
        for module in SANS_IO
        if any(name in MODULES[module].read_text(encoding="utf-8") for name in SDK_REQUEST)
    ]
    assert offenders == []


def test_the_sans_io_list_names_real_modules() -> None:
    assert set(SANS_IO) <= set(MODULES)


SDK_REQUEST = ("HandlerInput", "handler_input", "ask_sdk_core")


def test_no_import_cycles() -> None:
    graph = {module: set(imported_modules(module)) - {module, "skill"} for module in MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join((*path, module)))
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            # A package's __init__ importing its own submodules is not a cycle.
            if not target.startswith(module + "."):
                visit(target, (*path, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


def _top_level_imports(folder: Path) -> set[str]:
    """The top-level packages that the modules under `folder` import."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
    return found


def test_bench_and_test_support_never_import_the_tests() -> None:
    """Shared test support lives in testing/; bench/ and testing/ import it, never tests/."""
    for folder in ("bench", "testing"):
        assert "tests" not in _top_level_imports(ROOT / folder), folder


def test_the_runtime_never_imports_test_support() -> None:
    assert not {"tests", "testing", "bench"} & _top_level_imports(SKILL_DIR)
