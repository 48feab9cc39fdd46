#!/usr/bin/env bash
# The ASK CLI's custom build flow: `ask deploy` runs this (it takes precedence over
# every other flow whenever hooks/build.sh exists) as
#   hooks/build.sh <zip the CLI will upload> <debug: true|false>
# from inside its own copy of code.default.src (.ask/lambda/). We build the real
# bundle with the project's builder and hand the CLI that zip, so a fresh clone
# deploys without a manual `python -m skill build-lambda` first.
# Python: $PYTHON if set, else the project's .venv, else python3 (the builder needs
# only the standard library and pip; wheels are chosen for the Lambda runtime). The
# bundle's .pyc are compiled by Python 3.12, the Lambda runtime's version: this Python
# if it is 3.12, else $SKILL_LAMBDA_PYTHON, python3.12 on PATH or a pyenv 3.12 build;
# with none of them the build stops and says so (skill/dev/bundle.py).
set -euo pipefail

zip_out=${1:?usage: hooks/build.sh <output zip> [debug]}
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ -n ${PYTHON:-} ]]; then
    python=$PYTHON
elif [[ -x $project/.venv/bin/python ]]; then
    python=$project/.venv/bin/python
else
    python=python3
fi

cd "$project"
# No placeholder reaches Amazon: the privacy address and the operator named in the policy
# must be real (each refusal names the one setting that fixes it). `ask deploy` has
# already uploaded skill.json when it runs this hook, so `make deploy` runs the same check
# before `ask deploy`; `make model` never writes a placeholder address into skill.json.
"$python" -m skill.dev.placeholders
# Prints the zip's path as its last line; fails (non-zero) with pip's words otherwise.
built=$("$python" -m skill build-lambda --out build | tail -n 1)
cp "$built" "$zip_out"
