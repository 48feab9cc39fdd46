# The two commands a newcomer needs: `make chat` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup chat serve test lint typecheck model clean

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

SOURCES := $(wildcard skill lambda tests bench)

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

typecheck: $(STAMP)
	$(BIN)/mypy $(SOURCES)

test: lint typecheck
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

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
