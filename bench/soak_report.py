"""The soak's verdict: stored memory against what was sent, and the summary table."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import WORKERS
from bench.soak_faults import FETCH_TIMEOUT, Window
from bench.soak_load import Listener, Sent
from bench.stats import percentile

RSS_GROWTH_LIMIT_MIB = 32.0


def stored_memory(db: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT user_id, attributes FROM user_attributes").fetchall()
    finally:
        conn.close()
    return {user: json.loads(text) for user, text in rows}


@dataclass
class MemoryCheck:
    lost_visits: int = 0
    lost_topics: int = 0
    extra: int = 0
    skipped_visits: int = 0
    skipped_topics: int = 0
    examples: list[str] = field(default_factory=list)


def check_memory(
    listeners: list[Listener], sent: list[Sent], db_windows: list[Window], db: Path
) -> MemoryCheck:
    """Each listener's stored record against the sessions and questions the driver sent."""
    stored = stored_memory(db)
    result = MemoryCheck()
    for listener in listeners:
        mine = [s for s in sent if s.user == listener.user and s.problem is None]
        # The skill writes a session's visit and topics once, when the session ends, so a
        # session is at risk if any of its requests overlapped a database fault.
        at_risk = {s.session for s in mine if any(w.overlaps(s) for w in db_windows)}
        safe = [s for s in mine if s.session not in at_risk]
        visits_outside = sum(s.kind == "first" for s in safe)
        topics_outside = {s.topic for s in safe if s.topic}
        record = stored.get(listener.user, {})
        visits = record.get("visits", 0)
        topics = set(record.get("topics_heard", []))
        if visits < visits_outside or not topics_outside <= topics:
            result.lost_visits += max(0, visits_outside - visits)
            result.lost_topics += len(topics_outside - topics)
            result.examples.append(
                f"{listener.user}: visits {visits} < {visits_outside} or missing "
                f"{sorted(topics_outside - topics)}"
            )
        if visits > listener.sessions or not topics <= listener.topics_asked:
            result.extra += 1
            result.examples.append(f"{listener.user}: more stored than sent ({visits})")
        result.skipped_visits += max(0, listener.sessions - visits)
        result.skipped_topics += len(listener.topics_asked - topics)
    return result


def report(
    *,
    sent: list[Sent],
    probes: list[Sent],
    windows: dict[str, Window],
    memory: MemoryCheck,
    rss: dict[int, list[float]],
    private: dict[int, list[float]] | None = None,
    preload: bool = False,
    log: str,
    load_seconds: float,
    sessions: Counter[str],
    users: int,
    threads: int,
    failures: list[str],
    total_seconds: float,
) -> int:
    """Print the summary table; 0 if every invariant held, else 1."""
    errors = [s for s in sent if s.problem]
    by_problem = Counter(f"{s.kind}: {s.problem}" for s in errors)
    latencies = [s.seconds * 1000 for s in sent]
    skipped_logged = log.count("carrying on without it")
    crashes = log.count("error handling") + log.count("unexpected error")
    rows: list[tuple[str, str]] = [
        (
            "load",
            f"{load_seconds:.1f} s, gunicorn {WORKERS} sync workers, {users} listeners, "
            f"{threads} client threads",
        ),
        ("requests", f"{len(sent)} ({len(sent) / load_seconds:.1f}/s) + {len(probes)} probes"),
        (
            "sessions",
            f"{sum(sessions.values())} (full {sessions['full']}, one-shot {sessions['one-shot']})",
        ),
        ("errors", f"{len(errors)}" + (f"  {dict(by_problem)}" if errors else "")),
        (
            "latency ms",
            "  ".join(f"p{q} {percentile(latencies, q):.1f}" for q in (50, 95, 99))
            + f"  max {max(latencies):.1f}"
            if latencies
            else "none answered",
        ),
        (
            "lost writes",
            f"{memory.lost_visits} visits, {memory.lost_topics} topics "
            f"(outside fault windows); {memory.extra} listeners with more stored than sent",
        ),
        (
            "skipped writes",
            f"{memory.skipped_visits} visits, {memory.skipped_topics} topics "
            f"(in fault windows; server logged {skipped_logged} 'without it' warnings)",
        ),
        ("server log", f"{crashes} 'error handling'/'unexpected error' lines"),
    ]
    for key, title in (
        ("a", "(a) database locked"),
        ("b", "(b) directory unwritable"),
        ("c", "(c) cert fetch hangs"),
        ("d", "(d) reminders API down"),
    ):
        window = windows[key]
        if window.skipped:
            rows.append((title, f"SKIPPED: {window.skipped}"))
            continue
        during = [s for s in sent if window.overlaps(s)]
        worst = max((s.seconds for s in during), default=0.0)
        bad = sum(1 for s in during if s.problem)
        rows.append(
            (
                title,
                f"{window.end - window.start:.1f} s; {len(during)} load requests overlapped, "
                f"{bad} not calm 200, slowest {worst:.2f} s; " + "; ".join(window.notes),
            )
        )
        failures += [f"{title}: {failure}" for failure in window.failures]
        if key == "c" and worst > FETCH_TIMEOUT + 2.0:
            failures.append(f"{title}: other requests held up {worst:.2f} s")
    for pid, values in sorted(rss.items()):
        rows.append(
            (
                f"worker {pid} RSS",
                f"start {values[0]:.1f} MiB  peak {max(values):.1f}  "
                f"end {values[-1]:.1f}  (growth {values[-1] - values[0]:+.1f})",
            )
        )
        if values[-1] - values[0] > RSS_GROWTH_LIMIT_MIB:
            failures.append(f"worker {pid} RSS grew {values[-1] - values[0]:.1f} MiB")
    for pid, values in sorted((private or {}).items()):
        rows.append(
            (
                f"worker {pid} private",
                f"start {values[0]:.1f} MiB  peak {max(values):.1f}  "
                f"end {values[-1]:.1f}  (growth {values[-1] - values[0]:+.1f}; "
                f"{'with' if preload else 'without'} --preload)",
            )
        )
    rows.append(("run time", f"{total_seconds:.1f} s in all"))
    width = max(len(key) for key, _ in rows)
    print("\nBedtime Magnesium soak")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    if errors:
        failures.append(f"{len(errors)} load requests not answered as expected")
    if memory.lost_visits or memory.lost_topics or memory.extra:
        failures.append("lost writes: " + "; ".join(memory.examples[:5]))
    if crashes:
        failures.append(f"{crashes} exception lines in the server log")
    if not failures:
        print("\nPASS: every invariant held")
        return 0
    print("\nFAIL:")
    for failure in failures:
        print(f"  - {failure}")
    return 1
