# jira-sync: `make run` starts the local stack, `make test` proves it. Both install first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
SAM_VENV := .venv-sam
PY       := $(VENV)/bin/python
SAM      := $(SAM_VENV)/bin/sam

export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export API_PORT ?= 3000
export JIRA_EMULATOR_PORT ?= 8080
export DYNAMODB_PORT ?= 8000
export MOTO_PORT ?= 5000

PYTEST_ARGS ?=

.PHONY: help install run test lint format typecheck validate build emulator bench clean replay-dlq event openapi

help:
	@echo "make run        start the local stack (Jira emulator, AWS emulators, API on :$(API_PORT))"
	@echo "make test       lint, type-check, validate the template and run every test"
	@echo "make install    create .venv (Python 3.13) and install pinned dependencies"
	@echo "make emulator   start only the Jira emulator on :$(JIRA_EMULATOR_PORT)"
	@echo "make build      sam build (for deployment: then sam deploy --guided)"
	@echo "make bench      print the benchmarks' figures"
	@echo "make openapi    regenerate layers/jira_sync/jira_sync/openapi.json from the models"
	@echo "make replay-dlq move the running devstack's dead letters back to their queues"
	@echo "make event FILE=events/<sample>.json [ISSUE=..] [CREDENTIAL=..]  put a sample event on its bus"

# Each stamp depends on the files that pin what it installs, so a second `make install` is instant.
$(VENV)/.installed: requirements-dev.txt layers/jira_sync/requirements.txt
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	@test -x $(SAM_VENV)/bin/python || "$$(scripts/find-python)" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	@touch $@

# npm also brings @atlaskit/adf-schema, which the ADF tests check documents against (no java needed).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "make install: no npm here: DynamoDB Local is skipped (the devstack falls back to moto for DynamoDB), and so is the check against Atlassian's editor schema"; \
	fi
	@command -v java >/dev/null 2>&1 || echo "make install: no java here: DynamoDB Local is skipped; the devstack falls back to moto for DynamoDB"

install: $(VENV)/.installed $(SAM_VENV)/.installed node_modules/.installed

run: install
	$(PY) -m devstack

replay-dlq: $(VENV)/.installed
	$(PY) -m devstack.dead_letters

event: $(VENV)/.installed
	$(PY) -m devstack.put_event $(FILE) $(if $(ISSUE),--issue-id $(ISSUE)) $(if $(CREDENTIAL),--credential-id $(CREDENTIAL))

# The API's OpenAPI 3.1 document, from the pydantic models (committed; a unit test fails when stale).
openapi: $(VENV)/.installed
	PYTHONPATH=layers/jira_sync $(PY) -m jira_sync.api_spec

emulator: $(VENV)/.installed
	$(PY) -m devstack.jira_emulator --host 127.0.0.1 --port $(JIRA_EMULATOR_PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Strict on the layer (pyproject.toml); each function is checked on its own because every
# function's module is called `app`, exactly as Lambda loads it.
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/jira_sync/jira_sync devstack tests/support
	@for fn in functions/*/; do \
		echo "mypy $$fn"; MYPYPATH=layers/jira_sync $(VENV)/bin/mypy "$$fn" || exit 1; \
	done

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint

build: $(SAM_VENV)/.installed
	PATH="$$(dirname "$$(scripts/find-python)"):$$PATH" $(SAM) build

test: install lint typecheck validate
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	@for b in bench/*.py; do echo "== $$b"; PYTHONPATH=layers/jira_sync:. $(PY) "$$b" || exit 1; done

clean:
	rm -rf .aws-sam .mypy_cache .ruff_cache .hypothesis
