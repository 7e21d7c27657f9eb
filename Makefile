# Passerelle's task runner. `make run` starts the whole system; `make test` runs lint and tests.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PY_DIRS := shared services deploy bench tests

.PHONY: help uv sync runtime run test lint format pytest bench kafka-start kafka-stop postgres-start postgres-stop token

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

uv:
	@test -x "$(UV)" || python3 -m pip install --user --quiet uv || python3 -m pip install --user --quiet --break-system-packages uv

sync: uv  ## create .venv and install the locked dependencies
	$(UV) sync --frozen

# The runtime dependencies only, not the lint and test toolchain. --inexact leaves in place
# what `make sync` installed before, so `make test` then `make run` in one tree never undo
# each other; `uv run --no-sync` below keeps uv from adding the dev group back.
runtime: uv  ## create .venv with the runtime dependencies only
	$(UV) sync --frozen --no-dev --inexact

run: runtime  ## run every service with a local Kafka, SQLite databases and demo data
	$(UV) run --frozen --no-sync python -m deploy.local.run

test: sync lint pytest  ## lint, then every test (starts Kafka and PostgreSQL itself)

lint: sync  ## ruff, ruff format --check, mypy, import-linter
	$(UV) run --frozen ruff check $(PY_DIRS)
	$(UV) run --frozen ruff format --check $(PY_DIRS)
	$(UV) run --frozen mypy shared services deploy bench
	$(UV) run --frozen lint-imports

format: sync  ## apply ruff's fixes and formatting
	$(UV) run --frozen ruff check --fix $(PY_DIRS)
	$(UV) run --frozen ruff format $(PY_DIRS)

pytest: sync  ## the tests alone
	$(UV) run --frozen pytest

bench: sync  ## benchmarks (ratios measured side by side), written to bench/results/latest.json
	$(UV) run --frozen python -m bench

kafka-start: runtime  ## a local Kafka broker on 127.0.0.1:9092 (.local/kafka)
	$(UV) run --frozen --no-sync python -m deploy.local.kafka start

kafka-stop: runtime
	$(UV) run --frozen --no-sync python -m deploy.local.kafka stop

postgres-start: sync  ## a throwaway PostgreSQL cluster; prints its URL
	$(UV) run --frozen python -m deploy.local.postgres start

postgres-stop:
	$(UV) run --frozen python -m deploy.local.postgres stop

token: runtime  ## a development token: make token ORG=city-montreuil ROLES=intake,caseworker
	@$(UV) run --frozen --no-sync python -m shared.auth mint --user $${USER_ID:-dev} --org $${ORG:-city-montreuil} --roles $${ROLES:-intake,caseworker}
