# The two commands a newcomer needs: `make chat` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup chat serve test lint typecheck model clean ask-cli

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

chat: $(STAMP)
	$(BIN)/python -m skill chat

serve: $(STAMP)
	$(BIN)/python -m skill serve --no-verify

SOURCES := $(wildcard skill lambda tests bench tools)
TEMPLATE := infrastructure/cfn-deployer/skill-stack.yaml

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/cfn-lint $(TEMPLATE)

typecheck: $(STAMP)
	$(BIN)/mypy $(SOURCES)

test: lint typecheck
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# The pinned ASK CLI (tools/ask-cli/package-lock.json), so tests/test_ask_cli_build.py
# can run `ask deploy`'s build step offline. Needs node and npm; about 25-50 s, 200 MB.
ASK_CLI := tools/ask-cli/node_modules/ask-cli/package.json
$(ASK_CLI): tools/ask-cli/package.json tools/ask-cli/package-lock.json
	npm ci --prefix tools/ask-cli --ignore-scripts --no-audit --no-fund
	touch $@

ask-cli: $(ASK_CLI)

model: $(STAMP)
	$(BIN)/python -m skill.dev.model.build

# Ours against the SDK floor (see BENCHMARKS.md); `make bench BENCH_ARGS=--write` rewrites it.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Soak and faults against gunicorn, about 65 s (bench/soak.py); not part of `make test`.
.PHONY: soak
soak: $(STAMP)
	$(BIN)/python -B -m bench.soak $(SOAK_ARGS)
