"""Benchmarks of Bedtime Magnesium against the SDK floor (`python -m bench`, `make bench`).

Each target runs ours and a hello-world skill on the same SDK (bench/floor/) in one run,
interleaved, so the ratio between them is what the skill adds, not what the machine does.
Results and method: BENCHMARKS.md.

Targets: coldstart.py (+ importtime.py), dispatch.py, throughput.py (+ web_load.py,
web_profile.py); `make soak`: soak.py (+ soak_load, soak_faults, soak_report).
Shared: common.py (paths, clean env, progress), harness.py (ports, gunicorn, PKI files),
app.py (the one gunicorn app), mix.py (the request mix), stats.py (the one percentile),
profiling.py (cProfile summaries), report.py (text and Markdown output).
"""
