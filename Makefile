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

test: setup-test
	$(BIN)/python -m ruff check shellguard tests bench
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/coprocess.py

clean:
	rm -rf $(VENV) build *.egg-info
