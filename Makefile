# The two commands a newcomer needs: `make chat` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup chat serve test lint typecheck model clean ask-cli nlu-eval

RUNTIME := $(VENV)/.runtime

# Each lock is complete (every distribution pinned, with hashes): pip checks each
# download against it and installs nothing the lock does not name. `make chat` installs
# requirements.txt alone (the skill and its console: 20-odd packages); `make test` and
# `make setup` the dev lock on top (tests, lint, types, moto, cfn-lint, uv).
$(RUNTIME): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.txt
	$(BIN)/python tools/venv_extras.py requirements-dev.txt \
		| xargs -r $(BIN)/python -m pip uninstall --quiet --yes
	touch $(RUNTIME)

# `python -m venv` seeds pip (in the lock: replaced by the locked version) and, before
# Python 3.12, setuptools (not in the lock): whatever the dev lock does not name is
# removed, after either install (the dev lock names everything the runtime lock does).
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(BIN)/python tools/venv_extras.py requirements-dev.txt \
		| xargs -r $(BIN)/python -m pip uninstall --quiet --yes
	test -z "$$($(BIN)/python tools/venv_extras.py requirements-dev.txt)"
	touch $(RUNTIME) $(STAMP)

setup: $(STAMP)

chat: $(RUNTIME)
	$(BIN)/python -m skill chat

serve: $(RUNTIME)
	$(BIN)/python -m skill serve --no-verify

SOURCES := $(wildcard skill lambda testing tests bench tools)
TEMPLATE := infrastructure/cfn-deployer/skill-stack.yaml
# Policy as code, offline: cfn-lint custom rules (the file says why not Checkov).
POLICY_RULES := infrastructure/rules/policy.txt

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/cfn-lint --custom-rules $(POLICY_RULES) $(TEMPLATE)

typecheck: $(STAMP)
	$(BIN)/mypy $(SOURCES)

test: lint typecheck
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# The pinned ASK CLI (tools/ask-cli/package-lock.json, with the antlr4ts override that
# lets it start): run it as tools/ask-cli/node_modules/.bin/ask, never a global install
# (npm ignores overrides there). tests/test_ask_cli_build.py runs this binary up to
# deploy's first network call. Needs node and npm; about 25-50 s, 200 MB.
ASK_CLI := tools/ask-cli/node_modules/ask-cli/package.json
$(ASK_CLI): tools/ask-cli/package.json tools/ask-cli/package-lock.json
	npm ci --prefix tools/ask-cli --ignore-scripts --no-audit --no-fund
	touch $@

ask-cli: $(ASK_CLI)

# The deploy: the placeholder check (skill/dev/placeholders.py), then the pinned
# `ask deploy $(DEPLOY_ARGS)`. The check must come first: `ask deploy` uploads the skill
# package (interaction_model/) to Amazon before it runs hooks/build.sh, which checks
# again. Its Python: the project's .venv if there is one, else $(PYTHON) (it needs only
# the standard library). SKILL_PRIVACY_URL_PENDING=1 passes through to both checks.
CHECK_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
.PHONY: deploy
deploy: $(ASK_CLI)
	$(CHECK_PYTHON) -m skill.dev.placeholders
	tools/ask-cli/node_modules/.bin/ask deploy $(DEPLOY_ARGS)

model: $(STAMP)
	$(BIN)/python -m skill.dev.model.build
	$(BIN)/python -m skill.dev.model.nlu_eval

# The held-out sets as NLU annotation sets (tests/data/nlu), uploaded and evaluated against
# the development model, then utterance-conflict detection, through the pinned ASK CLI.
# Without ASK_SKILL_ID it prints the commands it would run and exits 0.
nlu-eval: $(STAMP)
	$(BIN)/python -m skill.dev.model.nlu_eval --check
	$(BIN)/python -m skill.dev.model.nlu_eval --run

# Ours against the SDK floor (see BENCHMARKS.md); `make bench BENCH_ARGS=--write` rewrites it.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The cold start alone (bench/coldstart.py: real zips, read-only, python3.12 -I -S, moto),
# rewriting its section of BENCHMARKS.md; needs Python 3.12 (as the bundle build does).
.PHONY: bench-cold
bench-cold: $(STAMP)
	$(BIN)/python -m bench --only cold --write $(BENCH_ARGS)

# Soak and faults against gunicorn, about 65 s (bench/soak.py); not part of `make test`.
.PHONY: soak
soak: $(STAMP)
	$(BIN)/python -B -m bench.soak $(SOAK_ARGS)

# Dependencies: edit the .in files, then `make lock` rewrites the three locks (uv, pinned
# in requirements-dev.in). Existing pins are kept unless an .in file asks otherwise;
# `make lock LOCK_ARGS=--upgrade` moves every unpinned transitive dependency forward.
# requirements-lambda.txt is for the Lambda runtime (CPython 3.12, manylinux aarch64: arm64).
UV_COMPILE = $(BIN)/uv pip compile --quiet --no-python-downloads --generate-hashes --custom-compile-command "make lock" $(LOCK_ARGS)
LOCK_OUT ?= .

.PHONY: lock lock-check audit
lock: $(STAMP)
	$(UV_COMPILE) --universal --python-version 3.11 requirements.in -o $(LOCK_OUT)/requirements.txt
	$(UV_COMPILE) --universal --python-version 3.11 requirements-dev.in -o $(LOCK_OUT)/requirements-dev.txt
	$(UV_COMPILE) --python-version 3.12 --python-platform aarch64-manylinux_2_17 \
		requirements-lambda.in -o $(LOCK_OUT)/requirements-lambda.txt

# Recompile into a scratch folder (needs the package index) and fail on any difference.
lock-check: $(STAMP)
	@scratch=$$(mktemp -d) && cp requirements.txt requirements-dev.txt requirements-lambda.txt $$scratch/ \
	&& $(MAKE) --no-print-directory lock LOCK_OUT=$$scratch \
	&& diff -u requirements.txt $$scratch/requirements.txt \
	&& diff -u requirements-dev.txt $$scratch/requirements-dev.txt \
	&& diff -u requirements-lambda.txt $$scratch/requirements-lambda.txt \
	&& rm -r $$scratch && echo "locks match their .in files"

# Known advisories for every locked version (pip-audit; --strict: a package it cannot
# check fails the run). Needs PyPI's per-version JSON API or OSV; see SECURITY.md.
# .ci/run runs it only where one of those answers (and says so where neither does).
audit: $(STAMP)
	for lock in requirements.txt requirements-dev.txt requirements-lambda.txt; do \
		$(BIN)/pip-audit --strict --progress-spinner off --disable-pip --require-hashes -r $$lock || exit 1; \
	done
