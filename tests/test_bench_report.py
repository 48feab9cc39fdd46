"""`python -m bench --only cold --write` rewrites one section of BENCHMARKS.md, nothing else."""

from __future__ import annotations

from bench.report import Row, Section, section_markdown, splice

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


def spliced(text: str) -> str:
    return splice(text, [cold()], command="python -m bench --only cold", context=["load 1.0"])


def test_only_the_section_of_the_same_number_is_replaced() -> None:
    after = spliced(BEFORE)
    assert "old note" not in after and "(old title)" not in after
    new = section_markdown(cold())
    assert "\n".join(new[2:]).strip() in after  # the table, notes and details
    assert "by `python -m bench --only cold`; load 1.0." in after  # when and how it ran
    assert after.startswith("# Benchmarks\n\n## Last run: then\n\n### 1. Cold start (new title)")
    assert after.endswith("### 2. Dispatch\n\n- kept as it was\n")


def test_a_section_not_there_yet_is_added_at_the_end() -> None:
    after = spliced("# Benchmarks\n\n### 2. Dispatch\n")
    assert after.index("### 2. Dispatch") < after.index("### 1. Cold start (new title)")
