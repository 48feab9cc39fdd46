"""The words around the code stay true: paths the docs name exist, module docstrings are short.

A module docstring says what the module is for and why, in a few lines; measured figures
live in BENCHMARKS.md, where a rerun updates them (issue 16, item 7).
"""

from __future__ import annotations

import ast
import re

from testing import ROOT

DOCS = ("README.md", "SECURITY.md", "BENCHMARKS.md")
PATH = re.compile(r"\b(?:skill|testing|tests|bench|tools|lambda)/[\w/.-]*\.py\b")
MAX_DOCSTRING_LINES = 8
FIGURE = re.compile(r"µs|\bms\b|\b\d+(?:\.\d+)? ?x\b|KiB|MiB")
# Still long, and being reworked elsewhere at the time of writing: shorten, then drop here.
NOT_YET = {
    "skill/dev/console/__init__.py",
    "skill/dev/console/nlu.py",
    "skill/dev/console/session.py",
    "skill/dev/console/times.py",
    "skill/dev/model/measure.py",
    "skill/dev/model/nlu_eval.py",
    "skill/dev/model/pull.py",
    "skill/dev/placeholders.py",
    "skill/memory.py",
    "skill/persistence/dynamodb.py",
    "skill/persistence/dynamodb_http.py",
    "skill/persistence/sqlite.py",
}


def test_every_python_path_the_docs_name_exists() -> None:
    missing = [
        (doc, path)
        for doc in DOCS
        for path in sorted(set(PATH.findall((ROOT / doc).read_text(encoding="utf-8"))))
        if not (ROOT / path).is_file()
    ]
    assert missing == []


def test_the_path_check_sees_paths() -> None:
    assert "skill/web/app.py" in PATH.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def _modules() -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for folder in ("skill", "lambda", "testing")
        for path in (ROOT / folder).rglob("*.py")
    )


def test_every_module_says_what_it_is_for_in_a_few_lines() -> None:
    offenders = []
    for module in _modules():
        source = (ROOT / module).read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(source), clean=False)
        if not docstring:
            offenders.append(f"{module}: no docstring")
        elif FIGURE.search(docstring):
            offenders.append(f"{module}: a figure ({FIGURE.search(docstring)}); BENCHMARKS.md")
        elif len(docstring.strip().splitlines()) > MAX_DOCSTRING_LINES and module not in NOT_YET:
            offenders.append(f"{module}: {len(docstring.strip().splitlines())} lines")
    assert offenders == []
