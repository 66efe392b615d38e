# shellguard: one command to set up and run the demo, one to set up and run the tests.
#   make demo   venv + install + a short guarded demonstration
#   make test   venv + install (with the LLM extra and test tools) + the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test setup setup-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --config-settings editable_mode=compat

# llama-cpp-python is built once without AMX kernels (see scripts/build-llama-wheel.sh).
setup-test: setup
	bash scripts/build-llama-wheel.sh $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,llm]' --config-settings editable_mode=compat

demo: setup
	$(BIN)/python -m shellguard.demo

# bash 5.3 and bash-preexec 0.7 for one integration test (skipped when they cannot be had)
test: setup-test
	bash scripts/fetch-bash53.sh $(BIN)/python || echo "fetch-bash53.sh failed: the bash 5.3 test will be skipped" >&2
	$(BIN)/python -m ruff check shellguard tests bench
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/coprocess.py

clean:
	rm -rf $(VENV) build *.egg-info
