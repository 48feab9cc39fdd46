"""`python -m bench --only cold --write` rewrites one section of BENCHMARKS.md, nothing else."""

from __future__ import annotations

import pytest

from bench.report import Row, Section, replace_sections, section_markdown

BEFORE = """# Benchmarks

## Last run: then

### 1. Cold start (old title)

| old | table |

- old note

### 2. Dispatch

- kept as it was
"""


def cold() -> Section:
    row = Row("INIT + first response", "10 ms", "8 ms", "0.80x", "<= 0.85x", "PASS")
    return Section("1. Cold start (new title)", [row], ["new note"], ["detail"])


def test_only_the_section_of_the_same_number_is_replaced() -> None:
    after = replace_sections(BEFORE, [cold()])
    assert "old note" not in after and "(old title)" not in after
    assert "\n".join(section_markdown(cold())).strip() in after
    assert after.startswith("# Benchmarks\n\n## Last run: then\n\n### 1. Cold start (new title)")
    assert after.endswith("### 2. Dispatch\n\n- kept as it was\n")


def test_a_missing_section_is_an_error_not_an_append() -> None:
    with pytest.raises(ValueError, match=r"numbered 1\."):
        replace_sections("# Benchmarks\n\n### 2. Dispatch\n", [cold()])
