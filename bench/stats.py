"""The one percentile definition and the formatting every target shares.

Every p50/p95/p99 in `make bench` and `make soak` comes from `percentile` here: linear
interpolation between the two closest ranks (numpy's default, "type 7"), so the same
samples give the same figure wherever they are reported. wrk's own p50/p99 (web
target) are computed by wrk from its latency histogram, not here.
"""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating between closest ranks as numpy does."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to 0.1 ms."""
    return f"{seconds * 1000:.1f} ms"


def us(nanoseconds: float) -> str:
    """Nanoseconds as microseconds, whole."""
    return f"{nanoseconds / 1000:.0f} µs"


def ratio(value: float) -> str:
    """A ratio as '1.23x'."""
    return f"{value:.2f}x"
