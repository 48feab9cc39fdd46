"""The web target's profile: both apps in one process under cProfile, when the ratio is close.

Run by bench/throughput.py as `python -m bench.web_profile ...` (a child, so that our
app reads the benchmark's environment), on the request files the wrk runs used.
"""

from __future__ import annotations

import argparse
import cProfile
import subprocess
import sys
from pathlib import Path

from bench import profiling
from bench.common import FLOOR_DIR, ROOT, load_module


def _child(args: argparse.Namespace) -> int:
    """Both apps in this process via Flask's test client, under cProfile; print the report."""
    sys.path.append(str(FLOOR_DIR))
    from bench.app import build

    floor_web = load_module("floor_web", FLOOR_DIR / "web.py")
    clients = {"ours": build().test_client(), "floor": floor_web.app.test_client()}
    profiles = {}
    for side, path in (("ours", args.ours), ("floor", args.floor)):
        requests = []
        for line in Path(path).read_bytes().splitlines()[: args.count]:
            signature, body = line.split(b"\t", 1)
            headers = {
                "Content-Type": "application/json",
                "Signature-256": signature.decode(),
                "SignatureCertChainUrl": args.cert_url,
            }
            requests.append((body, headers))
        client = clients[side]
        for body, headers in requests[:50]:  # warm: chain validation, SQLite open
            client.post("/", data=body, headers=headers)
        profile = cProfile.Profile()
        profile.enable()
        for body, headers in requests:
            answer = client.post("/", data=body, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"{side}: {answer.status_code} {answer.data[:300]!r}")
        profile.disable()
        profiles[side] = profile
    title = "Web, one worker in-process (Flask test client, verification + SQLite on)"
    print(profiling.report(profiles["floor"], profiles["ours"], args.count, title))
    return 0


def run(files: dict[str, Path], cert_url: str, env: dict[str, str]) -> str:
    """The profile report of both sides, from a child process with `env` (ours' settings)."""
    args = [sys.executable, "-m", "bench.web_profile", "--count=1000"]
    args += [f"--ours={files['ours']}", f"--floor={files['floor']}", f"--cert-url={cert_url}"]
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"web profile failed:\n{done.stderr[-3000:]}")
    return done.stdout.rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_profile")
    parser.add_argument("--ours", required=True, help="request file of ours (signature\tbody)")
    parser.add_argument("--floor", required=True, help="request file of the floor")
    parser.add_argument("--cert-url", required=True)
    parser.add_argument("--count", type=int, default=1000)
    return _child(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
