"""Benchmarks of Bedtime Magnesium against the SDK floor (`python -m bench`, `make bench`).

Each target runs ours and a hello-world skill on the same SDK (bench/floor/) in one run,
interleaved, so the ratio between them is what the skill adds, not what the machine does.
Results and method: BENCHMARKS.md.
"""
