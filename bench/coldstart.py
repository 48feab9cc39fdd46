"""Target 1: Lambda cold start, INIT + first response, ours against the floor.

What Lambda waits for on a cold start is INIT (importing `lambda_function`, which builds
the skill) and then the first invocation's response; process teardown never happens
during a cold start, so it is not measured. Both sides run as Lambda runs them:

* each side is a real zip: ours from skill/dev/bundle.py (precompiled, SDK service
  clients lazy), the floor (bench/floor/) with the stock SDK installed from the same
  lock by the same pip and compiled the same way; the "without .pyc" variants are the
  same zips with every .pyc left out;
* each zip is unpacked into a read-only folder (testing/readonly.py: even root cannot
  write there, so nothing gets cached between runs);
* the child is the Lambda runtime's Python (python3.12, found as the bundle build finds
  it) with `-I -S`: nothing on the path but the folder and the standard library.

Inside the child, the clock starts just before `import lambda_function` and stops when
the first response has been serialized to JSON. Outside it, the time from spawn to the
first line of output adds interpreter start-up (the same for both sides). Variants run
in a rotating order each round, so other load on the machine falls on all of them alike.

With DynamoDB memory, ours talks to a local moto server (HTTP on 127.0.0.1) through the
skill's own DynamoDB client (skill/persistence/dynamodb_http.py, signed by the bundled
aws-sdk-signers), exactly as configured on Lambda (SKILL_DYNAMODB_TABLE), on a warm table;
after the warm-up round the listener is a returning one (their record exists).

The limit: a bare interpreter (a handler returning a constant, nothing imported) and a
hand-written handler holding our answer to the same event, both run by the same driver,
so the distance from ours to what no Python skill can beat is measured in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import importtime, mix
from bench.common import FLOOR_DIR, close_to_limit, progress, wait_quiet
from bench.harness import free_port
from bench.report import INFO, Row, Section, verdict
from bench.stats import ms, percentile, ratio
from skill.dev import bundle
from testing.readonly import lambda_preexec, remove_read_only, unpack_read_only

LIMIT = 0.85
"""Ours without memory, INIT + first response, both with .pyc: at most this x the floor."""
DYNAMODB_LIMIT = 1.5
"""The same with DynamoDB memory on, a returning listener (the floor has no memory):
the headline figure, since at bedtime nearly every request is such a cold start."""
TABLE = "bench-bedtime-users"
WARM_REQUESTS = 1000
WARM_PROCESSES = 3

# The child: read the event (the runtime has it before INIT ends), time INIT (the import)
# and the first invocation up to its serialized response, print the response, then the
# timings. argv: folder, event file.
DRIVER = """\
import json, sys, time
with open(sys.argv[2], encoding="utf-8") as f:
    event = json.load(f)
sys.path.insert(0, sys.argv[1])
c0, t0 = time.process_time(), time.perf_counter()
import lambda_function
t1 = time.perf_counter()
answer = json.dumps(lambda_function.lambda_handler(event, None))
t2, c2 = time.perf_counter(), time.process_time()
print(answer, flush=True)
print(json.dumps({"init": t1 - t0, "first": t2 - t1, "cpu": c2 - c0, "modules": len(sys.modules)}))
"""

# Warm requests after INIT, with INIT's objects frozen (as lambda_function.py does) or
# unfrozen again: does gc.freeze() pay for itself on warm requests? argv: folder, events
# file, "freeze" or "unfreeze", request count.
WARM_DRIVER = """\
import gc, json, sys, time
with open(sys.argv[2], encoding="utf-8") as f:
    events = json.load(f)
sys.path.insert(0, sys.argv[1])
import lambda_function
if sys.argv[3] == "unfreeze":
    gc.unfreeze()
collections, spent, began = [0, 0, 0], [0.0], [0.0]
def timed(phase, info):
    if phase == "start":
        collections[info["generation"]] += 1
        began[0] = time.perf_counter()
    else:
        spent[0] += time.perf_counter() - began[0]
gc.callbacks.append(timed)
count = int(sys.argv[4])
t0 = time.perf_counter()
for n in range(count):
    json.dumps(lambda_function.lambda_handler(events[n % len(events)], None))
elapsed = time.perf_counter() - t0
t1 = time.perf_counter()
gc.unfreeze()
gc.freeze()
cost = time.perf_counter() - t1
print(json.dumps({"per_request": elapsed / count, "gc": spent[0] / count,
                  "freeze_cost": cost, "collections": collections}))
"""


@dataclass
class Variant:
    """One kind of cold start (a folder, an environment), and its samples."""

    key: str
    label: str
    folder: Path
    event: Path
    env: dict[str, str]
    inits: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    spawned: list[float] = field(default_factory=list)
    modules: int = 0

    @property
    def totals(self) -> list[float]:
        """INIT + first response, per start."""
        return [i + f for i, f in zip(self.inits, self.firsts, strict=True)]

    @property
    def median(self) -> float:
        return percentile(self.totals, 50)

    def spread(self, values: list[float] | None = None) -> str:
        """Median (min-max) of INIT + first response, or of `values`."""
        values = self.totals if values is None else values
        low, mid, high = min(values), percentile(values, 50), max(values)
        return f"{ms(mid)} ({low * 1000:.1f}-{high * 1000:.1f})"


@dataclass
class Bundles:
    """The zips, unpacked read-only: ours and the floor, with and without .pyc; the limit."""

    ours: Path
    ours_source: Path
    floor: Path
    floor_source: Path
    bare: Path
    hand: Path


BARE = """\
def lambda_handler(event, context):
    return {"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "Hi."}}}
"""
"""The limit's first half: a handler that imports nothing and returns a constant."""

HAND = """\
ANSWER = {answer!r}


def lambda_handler(event, context):
    if event["request"]["type"] != "LaunchRequest":
        raise ValueError("this limit knows one request")
    return ANSWER
"""
"""The limit's second half: our answer to the cold start's event, written out by hand."""


def _one_file_zip(scratch: Path, name: str, source: str) -> Path:
    folder = scratch / f"{name}-build"
    folder.mkdir()
    (folder / "lambda_function.py").write_text(source, encoding="utf-8")
    bundle.compile_bundle(folder)
    return bundle.zip_folder(folder, scratch / f"{name}.zip")


def _our_answer(python: str, folder: Path, event: Path, env: dict[str, str]) -> Any:
    """Our first response to `event`, as the cold-start driver prints it."""
    done = subprocess.run(
        [python, "-I", "-S", "-c", DRIVER, str(folder), str(event)],
        cwd=env["HOME"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        preexec_fn=lambda_preexec(),
    )
    return json.loads(done.stdout.splitlines()[0])


def _without_bytecode(archive: Path, out: Path) -> Path:
    """A copy of `archive` with every .pyc left out."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if "__pycache__/" not in info.filename:
                target.writestr(info, source.read(info))
    return out


def _floor_zip(scratch: Path) -> Path:
    """bench/floor/ as a Lambda bundle: the stock SDK from the same lock, compiled alike."""
    folder = scratch / "floor-build"
    folder.mkdir()
    for name in ("lambda_function.py", "skill_floor.py"):
        shutil.copy2(FLOOR_DIR / name, folder / name)
    bundle.install_requirements(folder, bundle.REQUIREMENTS)
    shutil.rmtree(folder / "bin", ignore_errors=True)
    bundle.compile_bundle(folder)
    return bundle.zip_folder(folder, scratch / "floor.zip")


def build(scratch: Path, python: str, event: Path, env: dict[str, str]) -> Bundles:
    """Build the zips (real pip, real compile) and unpack every variant read-only."""
    progress("cold start: building our bundle and the floor's (pip, compileall)")
    ours_zip = bundle.build_bundle(scratch / "ours-build")
    floor_zip = _floor_zip(scratch)
    zips = {
        "ours": ours_zip,
        "ours_source": _without_bytecode(ours_zip, scratch / "ours-source.zip"),
        "floor": floor_zip,
        "floor_source": _without_bytecode(floor_zip, scratch / "floor-source.zip"),
    }
    folders = {key: unpack_read_only(path, scratch / key) for key, path in zips.items()}
    answer = _our_answer(python, folders["ours"], event, env)
    for key, source in (("bare", BARE), ("hand", HAND.format(answer=answer))):
        folders[key] = unpack_read_only(_one_file_zip(scratch, key, source), scratch / key)
    return Bundles(**folders)


def _child_env(home: Path, **extra: str) -> dict[str, str]:
    """What a Lambda function sees, roughly: no PYTHON* variables, a HOME of its own."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **extra}


@contextmanager
def moto_server(scratch: Path) -> Iterator[dict[str, str]]:
    """A local DynamoDB (moto, its own process) with the table; yields the child's env."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"moto server did not start on {endpoint}") from None
                time.sleep(0.2)
        aws = {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        }
        _create_table(endpoint)
        yield {**aws, "SKILL_DYNAMODB_TABLE": TABLE}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _create_table(endpoint: str) -> None:
    import boto3

    resource = boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    table = resource.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()


def _start(python: str, variant: Variant, cwd: Path) -> None:
    """One cold start of `variant`: check its answer, record its times."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [python, "-I", "-S", "-c", DRIVER, str(variant.folder), str(variant.event)],
        cwd=cwd,
        env=variant.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda_preexec(),
    )
    assert child.stdout is not None
    answer_line = child.stdout.readline()
    spawned = time.perf_counter() - began
    phases_line = child.stdout.readline()  # before communicate(), which skips read-ahead
    _, errors = child.communicate(timeout=120)
    if child.returncode != 0 or not answer_line:
        raise RuntimeError(f"cold start of {variant.label} failed:\n{errors[-3000:]}")
    answer = json.loads(answer_line)
    if "outputSpeech" not in answer.get("response", {}):
        raise RuntimeError(f"cold start of {variant.label}: no speech in {answer_line[:300]}")
    if "Warning" in errors and "source" not in variant.key:
        raise RuntimeError(f"cold start of {variant.label} printed warnings:\n{errors[-3000:]}")
    phases = json.loads(phases_line)
    variant.inits.append(phases["init"])
    variant.firsts.append(phases["first"])
    variant.cpus.append(phases["cpu"])
    variant.spawned.append(spawned)
    variant.modules = phases["modules"]


def _warm(python: str, folder: Path, events: Path, mode: str, env: dict[str, str]) -> Any:
    done = subprocess.run(
        [python, "-I", "-S", "-c", WARM_DRIVER, str(folder), str(events), mode, f"{WARM_REQUESTS}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=lambda_preexec(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"warm requests ({mode}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def run(starts: int = 15, warmup: int = 1) -> Section:
    """Measure every variant `starts` times (after `warmup` rounds) and report."""
    python, _ = bundle.find_lambda_python()
    scratch = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    os.chmod(scratch, 0o755)  # the children may run without root's override
    try:
        home = scratch / "home"
        home.mkdir()
        template = mix.ours_template()
        ours_event, floor_event = scratch / "ours.json", scratch / "floor.json"
        ours_event.write_text(json.dumps(template[0]), encoding="utf-8")
        floor_event.write_text(json.dumps(mix.floor_template(template)[0]), encoding="utf-8")
        ours_env = _child_env(home, ALEXA_SKILL_ID=mix.APPLICATION_ID, SKILL_PERSISTENCE="false")
        floor_env = _child_env(home)
        bundles = build(scratch, python, ours_event, ours_env)
        with moto_server(scratch) as aws:
            dynamo_env = _child_env(home, ALEXA_SKILL_ID=mix.APPLICATION_ID, **aws)
            variants = [
                Variant("floor", "floor, .pyc", bundles.floor, floor_event, floor_env),
                Variant("ours", "ours, .pyc", bundles.ours, ours_event, ours_env),
                Variant("dynamo", "ours, .pyc, DynamoDB", bundles.ours, ours_event, dynamo_env),
                Variant(
                    "floor_source", "floor, no .pyc", bundles.floor_source, floor_event, floor_env
                ),
                Variant("ours_source", "ours, no .pyc", bundles.ours_source, ours_event, ours_env),
                Variant("bare", "limit: bare interpreter", bundles.bare, ours_event, floor_env),
                Variant("hand", "limit: hand-written", bundles.hand, ours_event, floor_env),
            ]
            wait_quiet()
            load = os.getloadavg()[0]
            progress(f"cold start: {warmup} warm-up + {starts} rounds of {len(variants)} starts")
            for round_ in range(warmup + starts):
                shift = round_ % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    _start(python, variant, home)
                if round_ == warmup - 1:
                    for variant in variants:  # the first round fills the page cache
                        variant.inits.clear()
                        variant.firsts.clear()
                        variant.cpus.clear()
                        variant.spawned.clear()
            load_after = os.getloadavg()[0]
            progress("cold start: warm requests with and without gc.freeze()")
            events = scratch / "mix.json"
            events.write_text(json.dumps(template), encoding="utf-8")
            warm: dict[str, list[Any]] = {}
            for _ in range(WARM_PROCESSES):
                for memory, env in (("none", ours_env), ("dynamo", dynamo_env)):
                    for mode in ("freeze", "unfreeze"):
                        result = _warm(python, bundles.ours, events, mode, env)
                        warm.setdefault(f"{memory} {mode}", []).append(result)
        section = _report(variants, warm, python, (load, load_after))
        floor, ours = variants[0], variants[1]
        if close_to_limit(ours.median / floor.median, LIMIT, upper=True):
            progress("cold start: ratio fails or is close to the target; profiling imports")
            section.details.append(
                importtime.profile(
                    DRIVER,
                    importtime.Start(bundles.ours, ours_env, ours_event),
                    importtime.Start(bundles.floor, floor_env, floor_event),
                    python=[python, "-I", "-S"],
                    preexec=lambda_preexec(),
                )
            )
        return section
    finally:
        for key in ("ours", "ours_source", "floor", "floor_source", "bare", "hand"):
            if (scratch / key).exists():
                remove_read_only(scratch / key)
        shutil.rmtree(scratch, ignore_errors=True)


def _report(
    variants: list[Variant],
    warm: dict[str, list[Any]],
    python: str,
    load: tuple[float, float],
) -> Section:
    floor, ours, dynamo, floor_source, ours_source, bare, hand = variants
    cold = ours.median / floor.median
    with_dynamo = dynamo.median / floor.median
    rows = [
        Row(
            "**INIT + first response, .pyc, DynamoDB memory (moto), returning listener**",
            floor.spread(),
            dynamo.spread(),
            ratio(with_dynamo),
            f"<= {DYNAMODB_LIMIT:.1f}x",
            verdict(with_dynamo <= DYNAMODB_LIMIT),
        ),
        Row(
            "Spawn to first response, DynamoDB memory; limit: hand-written handler",
            f"limit {ms(percentile(hand.spawned, 50))}",
            dynamo.spread(dynamo.spawned),
            ratio(percentile(dynamo.spawned, 50) / percentile(hand.spawned, 50)),
            "(info)",
            INFO,
        ),
        Row(
            "Spawn to first response: bare interpreter / hand-written handler / floor",
            f"{ms(percentile(bare.spawned, 50))} / {ms(percentile(hand.spawned, 50))}",
            floor.spread(floor.spawned),
            ratio(percentile(floor.spawned, 50) / percentile(bare.spawned, 50)),
            "(info)",
            INFO,
        ),
        Row(
            "INIT + first response, .pyc, no memory: median (min-max)",
            floor.spread(),
            ours.spread(),
            ratio(cold),
            f"<= {LIMIT:.2f}x",
            verdict(cold <= LIMIT),
        ),
        Row(
            "INIT + first response, no .pyc, no memory",
            floor_source.spread(),
            ours_source.spread(),
            ratio(ours_source.median / floor_source.median),
            "(info)",
            INFO,
        ),
        Row(
            "CPU time of the same, .pyc, no memory (less load-sensitive)",
            floor.spread(floor.cpus),
            ours.spread(ours.cpus),
            ratio(percentile(ours.cpus, 50) / percentile(floor.cpus, 50)),
            "(info)",
            INFO,
        ),
        Row(
            "CPU time of the same, .pyc, DynamoDB memory",
            floor.spread(floor.cpus),
            dynamo.spread(dynamo.cpus),
            ratio(percentile(dynamo.cpus, 50) / percentile(floor.cpus, 50)),
            "(info)",
            INFO,
        ),
        Row(
            "Spawn to first response, .pyc, no memory (adds start-up)",
            floor.spread(floor.spawned),
            ours.spread(ours.spawned),
            ratio(percentile(ours.spawned, 50) / percentile(floor.spawned, 50)),
            "(info)",
            INFO,
        ),
    ]
    freeze_cost = percentile([r["freeze_cost"] for r in warm["none freeze"]], 50)

    def gc_share(key: str) -> str:
        """Median µs per warm request spent in collections, and the collections per run."""
        runs = warm[key]
        spent = percentile([r["gc"] for r in runs], 50) * 1e6
        per_request = percentile([r["per_request"] for r in runs], 50) * 1e6
        counts = "/".join(str(n) for n in runs[0]["collections"])
        return f"{spent:.0f} µs of {per_request:.0f} µs (collections by generation {counts})"

    notes = [
        f"{len(ours.totals)} cold starts per variant after a warm-up round, interleaved in "
        "rotating order; each is a fresh `python3.12 -I -S` "
        f"({python}) whose only path entry is the unpacked zip, in a read-only folder "
        "(even for root: testing/readonly.py), so no run can leave .pyc for the next.",
        "Measured inside the child: from just before `import lambda_function` (INIT) to the "
        "first response serialized to JSON, which is what Lambda waits for; process exit is "
        "not part of a cold start. The spawn-to-first-response row adds interpreter "
        "start-up, the same for both sides.",
        "Ours: the zip skill/dev/bundle.py builds (.pyc compiled by Python 3.12, "
        "unchecked-hash; SDK service clients loaded on first use, skill/dev/lazy_services.py), "
        "ALEXA_SKILL_ID set, SKILL_PERSISTENCE=false. Floor: bench/floor/ on the stock SDK, "
        "installed from the same lock by the same pip and compiled the same way. "
        "'No .pyc' is each zip with its .pyc left out: every import compiles its source, as "
        "every cold start did before the bundle shipped bytecode.",
        "DynamoDB: SKILL_DYNAMODB_TABLE set, the skill's own DynamoDB client "
        "(skill/persistence/dynamodb_http.py: http.client, signed by the bundled "
        "aws-sdk-signers; no botocore, no boto3) talking to a local moto server (its own "
        "process, HTTP on 127.0.0.1) through AWS_ENDPOINT_URL_DYNAMODB. INIT builds the "
        "client and opens its connection (lambda_function.py, MEMORY.prepare()); the first "
        "response includes reading the returning listener's memory and writing the visit "
        "back (a conditional UpdateItem). On AWS the endpoint is HTTPS: the TLS handshake "
        "then happens inside INIT too, which this local figure does not include.",
        "The limit, run by the same driver in the same rounds: 'bare interpreter' is a "
        "lambda_function.py that imports nothing and returns a constant (what every Python "
        "Lambda pays: interpreter start-up, shown by the spawn-to-first-response figure); "
        "'hand-written' returns our own first response to the same event from a literal "
        "(no SDK, no memory).",
        f"Modules loaded by the first response: ours {ours.modules}, with DynamoDB "
        f"{dynamo.modules}, floor {floor.modules}.",
        "gc.freeze() (end of lambda_function.py's INIT) cannot make INIT or the first "
        f"response faster: it runs after everything is built and costs {freeze_cost * 1e6:.0f} "
        f"µs. It is kept for warm requests with memory on. Per warm request over {WARM_REQUESTS} "
        f"requests of the mix (median of {WARM_PROCESSES} processes each), time in the garbage "
        f"collector: no memory, frozen {gc_share('none freeze')}, unfrozen "
        f"{gc_share('none unfreeze')}; DynamoDB memory, frozen {gc_share('dynamo freeze')}, "
        f"unfrozen {gc_share('dynamo unfreeze')}. Without memory the collector never runs; "
        "with DynamoDB memory it runs now and then (the counts above).",
        f"Load average (1 min) {load[0]:.2f} before the cold starts and {load[1]:.2f} after, "
        "on 2 cores shared with other work: the min-max spreads show how much it moved.",
    ]
    table = ["Medians inside the child (perf_counter):"]
    table.append(f"  {'':<24}{'INIT':>10}{'first':>10}{'total':>10}{'spawn->1st':>12}")
    for variant in (floor, ours, dynamo, floor_source, ours_source, bare, hand):
        table.append(
            f"  {variant.label:<24}{ms(percentile(variant.inits, 50)):>10}"
            f"{ms(percentile(variant.firsts, 50)):>10}{ms(variant.median):>10}"
            f"{ms(percentile(variant.spawned, 50)):>12}"
        )
    return Section(
        "1. Cold start (Lambda INIT + first response, from the zip)",
        rows,
        notes,
        ["\n".join(table)],
    )


def _main() -> int:
    from bench.report import as_text

    print(as_text([run(starts=int(sys.argv[1]) if len(sys.argv) > 1 else 15)]))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
