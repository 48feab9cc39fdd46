"""Which DynamoDB client costs a cold start least? (issue 22, item 1)

`python -m bench.dynamodb_options [--rounds N]` installs each candidate with the Lambda
runtime's Python (python3.12 -m pip install --target, from PyPI, compiled), starts a
local moto server, and times in a fresh `python3.12 -I -S` per start, interleaved in a
rotating order: importing the client, building it (credentials and endpoint from the
environment) and the first GetItem of an existing item over HTTP. Only what DynamoDB
adds: the skill itself is not loaded (bench/coldstart.py measures the whole).

Candidates:

* botocore: a plain botocore client, every service model installed (the bundle used to
  prune them: BENCHMARKS.md keeps that figure);
* requests + requests-aws4auth: a maintained SigV4 signer over the HTTP client the SDK
  already ships;
* http.client + aws-sdk-signers: AWS's standalone signer from the new AWS SDK for Python
  over the standard library; as installed, and with skill/dev/signers_fix.py applied;
* aws-sdk-dynamodb: the new AWS SDK for Python's own DynamoDB client (async, aiohttp).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.coldstart import moto_server
from skill.dev import signers_fix
from skill.dev.bundle import compile_bundle, find_lambda_python

PACKAGES = {
    "botocore": ["botocore==1.44.8"],
    "requests + requests-aws4auth": ["requests==2.34.2", "requests-aws4auth==1.4.0"],
    "http.client + aws-sdk-signers": ["aws-sdk-signers==0.4.0"],
    "http.client + aws-sdk-signers, signers_fix": ["aws-sdk-signers==0.4.0"],
    "aws-sdk-dynamodb (smithy, async)": ["aws-sdk-dynamodb==0.12.0"],
}

GET = '{"TableName": "bench-bedtime-users", "Key": {"id": {"S": "amzn1.ask.account.OPT"}}}'

CLIENTS = {
    "botocore": """
import os, json
import botocore.session
from botocore.config import Config
client = botocore.session.Session().create_client("dynamodb", config=Config(
    connect_timeout=1.0, read_timeout=1.5, retries={"mode": "standard", "total_max_attempts": 2}))
def first():
    return client.get_item(**json.loads(GET))
""",
    "requests + requests-aws4auth": """
import os, json
import requests
from requests_aws4auth import AWS4Auth
session = requests.Session()
auth = AWS4Auth(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                os.environ["AWS_REGION"], "dynamodb",
                session_token=os.environ.get("AWS_SESSION_TOKEN"))
endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"] + "/"
def first():
    answer = session.post(endpoint, data=GET.encode(), auth=auth, timeout=(1.0, 1.5),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "DynamoDB_20120810.GetItem"})
    return answer.json()
""",
    "aws-sdk-dynamodb (smithy, async)": """
import os, json, asyncio
from aws_sdk_dynamodb.client import AsyncDynamoDBClient
from aws_sdk_dynamodb.config import AsyncDynamoDBConfig
from aws_sdk_dynamodb.models import GetItemInput, AttributeValueS
from smithy_aws_core.identity import EnvironmentCredentialsResolver
loop = asyncio.new_event_loop()
async def build():
    config = await AsyncDynamoDBConfig.resolve(
        endpoint_uri=os.environ["AWS_ENDPOINT_URL_DYNAMODB"], region=os.environ["AWS_REGION"],
        aws_credentials_identity_resolver=EnvironmentCredentialsResolver())
    return AsyncDynamoDBClient(config)
client = loop.run_until_complete(build())
def first():
    return loop.run_until_complete(client.get_item(GetItemInput(
        table_name="bench-bedtime-users", key={"id": AttributeValueS("amzn1.ask.account.OPT")})))
""",
}
OURS = """
import json, os
from dynamodb_http import DynamoDbHttpClient, environment_credentials
credentials = environment_credentials()
client = DynamoDbHttpClient(region=os.environ["AWS_REGION"], credentials=lambda: credentials)
client.connect()
def first():
    return client.get_item(**json.loads(GET))
"""
CLIENTS["http.client + aws-sdk-signers"] = OURS
CLIENTS["http.client + aws-sdk-signers, signers_fix"] = OURS

DRIVER = """
import sys, time
sys.path[:0] = sys.argv[1].split(":")
GET = sys.argv[3]
t0 = time.perf_counter()
exec(compile(open(sys.argv[2]).read(), "client", "exec"))
t1 = time.perf_counter()
answer = first()
t2 = time.perf_counter()
assert "Item" in str(answer) or "item=" in str(answer), answer
print(t1 - t0, t2 - t1)
"""


def _install(python: str, key: str, folder: Path) -> None:
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "--target",
            str(folder),
            *PACKAGES[key],
        ],
        check=True,
        timeout=600,
    )
    if key.startswith("http.client"):  # the skill's own client module, standing alone
        shutil.copy2(
            Path(__file__).resolve().parent.parent / "skill" / "persistence" / "dynamodb_http.py",
            folder / "dynamodb_http.py",
        )
    if key.endswith("signers_fix"):
        signers_fix.patch_bundle(folder)
    compile_bundle(folder)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dynamodb_options")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    python, _ = find_lambda_python()
    scratch = Path(tempfile.mkdtemp(prefix="bench-dynamo-options-"))
    try:
        folders = {}
        for n, key in enumerate(CLIENTS):
            folders[key] = scratch / f"option{n}"
            _install(python, key, folders[key])
            (folders[key] / "client_under_test.py").write_text(CLIENTS[key], encoding="utf-8")
        times: dict[str, list[tuple[float, float]]] = {key: [] for key in CLIENTS}
        with moto_server(scratch) as aws:
            import boto3

            boto3.client(
                "dynamodb",
                endpoint_url=aws["AWS_ENDPOINT_URL_DYNAMODB"],
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
            ).put_item(TableName="bench-bedtime-users", Item={"id": {"S": "amzn1.ask.account.OPT"}})
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), **aws}
            keys = list(CLIENTS)
            for round_ in range(args.rounds + 1):
                shift = round_ % len(keys)
                for key in keys[shift:] + keys[:shift]:
                    folder = folders[key]
                    done = subprocess.run(
                        [python, "-I", "-S", "-c", DRIVER, str(folder),
                         str(folder / "client_under_test.py"), GET],
                        env=env, capture_output=True, text=True, timeout=120, check=False,
                    )  # fmt: skip
                    if done.returncode != 0:
                        raise RuntimeError(f"{key}: {done.stderr[-2000:]}")
                    if round_:  # the first round fills the page cache
                        init, call = (float(x) for x in done.stdout.split())
                        times[key].append((init, call))
        print(
            f"DynamoDB client options: import + build, then the first GetItem (moto, HTTP), "
            f"{python} -I -S, {args.rounds} starts each, interleaved; median (min-max) ms"
        )
        print(f"  {'option':<46}{'import + build':>22}{'first GetItem':>20}{'total':>22}")
        for key, runs in times.items():
            inits = [i * 1000 for i, _ in runs]
            calls = [c * 1000 for _, c in runs]
            totals = [a + b for a, b in zip(inits, calls, strict=True)]

            def cell(values: list[float]) -> str:
                return f"{statistics.median(values):.1f} ({min(values):.0f}-{max(values):.0f})"

            print(f"  {key:<46}{cell(inits):>22}{cell(calls):>20}{cell(totals):>22}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
