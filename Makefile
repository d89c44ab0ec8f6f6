# The two commands: `make run` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PACKAGE_STAMP := $(VENV)/.installed-package

.PHONY: run test lint format bench screenshots package clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Pinscope needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(RUN_STAMP) $@

run: $(RUN_STAMP)
	$(BIN)/pinscope

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	mkdir -p build/mypy/pinscope && ln -sfn "$(CURDIR)/core" build/mypy/pinscope/core
	MYPYPATH=build/mypy $(BIN)/mypy -p pinscope.core

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(RUN_STAMP)
	$(BIN)/python bench/inspect_bundle.py
	$(BIN)/python bench/connect_loopback.py
	$(BIN)/python bench/gui_responsiveness.py

# The README's pictures: the main views rendered offscreen to docs/screenshots/.
screenshots: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tools.screenshots

$(PACKAGE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[package]'
	touch $(RUN_STAMP) $@

# The desktop bundle of this platform in dist/pinscope/ (and dist/Pinscope.app on macOS), then
# a smoke test of the built programs. See packaging/pinscope.spec.
package: $(PACKAGE_STAMP)
	rm -rf dist/pinscope dist/Pinscope.app build/pyinstaller
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/pinscope.spec
	$(BIN)/python packaging/smoke_test.py dist/pinscope

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
