# Netra — the two commands a newcomer needs:  make demo   and   make test
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_VERSION := 26.3

.PHONY: install lock lint demo test test-faults test-unit test-integration test-dags stack-up stack-down schemas clean

# Creates the virtualenv and installs the locked environment (requirements.lock: every package,
# with hashes, incl. Airflow and the test tools), then Netra itself. The second pip call also adds
# anything pyproject.toml names that the lock lacks; tests/unit/test_lock.py then says to run `make lock`.
$(STAMP): pyproject.toml requirements.lock
	@command -v java >/dev/null || { echo "Java 17+ is needed for Kafka (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn  >/dev/null || { echo "Maven is needed to fetch the Kafka jars (apt-get install maven)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

## make lock: re-resolve requirements.lock after a change of the pins in pyproject.toml
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet uv==0.13.9; }
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes --quiet -o requirements.lock

## make demo: the whole pipeline end to end on a synthetic Pilkada 2020 season
demo: $(STAMP)
	$(BIN)/netra demo

## make test: lint and type check, then unit, DAG and integration tests, the fault test among them
## (the tests start their own Kafka and Postgres)
test: $(STAMP) lint
	$(BIN)/python -m pytest tests -q

## make test-faults: the fault test (kill -9 of broker and Postgres under two consumers per stage)
test-faults: $(STAMP)
	$(BIN)/python -m pytest tests -q -m fault

## make lint: ruff (style, import order, docstrings) on the whole tree and mypy on the core package
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

test-dags: $(STAMP)
	$(BIN)/python -m pytest tests/dags -q

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration -q

stack-up: $(STAMP)
	$(BIN)/netra stack up

stack-down: $(STAMP)
	$(BIN)/netra stack down

schemas: $(STAMP)
	$(BIN)/python -m netra.contracts.schemas
	$(BIN)/python -m netra.asyncapi

clean:
	-$(BIN)/netra stack down
	rm -rf .netra out
