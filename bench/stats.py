"""Percentiles and the formatting every section shares, so all figures read the same way."""

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
