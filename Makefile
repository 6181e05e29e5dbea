# Technician Queue. The two commands a newcomer types:
#   make run    open the desk (creates .venv and installs the project the first time)
#   make test   run the whole test suite offscreen (same set-up)
# `make help` lists the rest.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when the project's metadata changed.
STAMP := $(VENV)/.installed
BUNDLE := dist/desktop-app/desktop-app
SCREENSHOT := docs/screenshot.png
SOURCES := desktop_app tests scripts
PIP_FLAGS := --quiet --disable-pip-version-check
ARGS ?=

export PIP_NO_INPUT := 1

.PHONY: help run test test-deep lint format typecheck contract check bench bundle smoke screenshot clean

help:
	@echo "make run         open the desk (ARGS='--demo' or ARGS='--database URL' to choose data)"
	@echo "make test        run the test suite offscreen (PYTEST_ARGS='-k name' to narrow)"
	@echo "make test-deep   the property tests with thousands of examples each (minutes)"
	@echo "make lint        ruff check and ruff format --check"
	@echo "make format      ruff format and the safe ruff fixes"
	@echo "make typecheck   mypy"
	@echo "make contract    import-linter: domain and SLA engine free of Qt and SQL, layers"
	@echo "make check       lint, typecheck, contract and test"
	@echo "make bench       benchmarks under tests/bench (installs the bench extra)"
	@echo "make bundle      PyInstaller one-folder bundle in dist/desktop-app/"
	@echo "make smoke       build the bundle if missing and run its --smoke start-up check"
	@echo "make screenshot  save $(SCREENSHOT) from the real window under Xvfb"
	@echo "make clean       remove build output and tool caches"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "Technician Queue needs Python 3.11 or newer; '$(PYTHON)' is `$(PYTHON) --version 2>&1`."; \
	  echo "Install a newer Python or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/desktop-app $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The Hypothesis profiles live in tests/conftest.py; `make test` runs the quick one.
test-deep: $(STAMP)
	QT_QPA_PLATFORM=offscreen HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest \
	  tests/unit/test_calendar_properties.py tests/unit/test_calendar.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

format: $(STAMP)
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

typecheck: $(STAMP)
	$(BIN)/mypy

contract: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck contract test

bench: $(STAMP)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[dev,bench]"
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/bench -s -p no:cacheprovider -o addopts=""

bundle: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
	  --distpath dist --workpath build/pyinstaller build.spec
	@du -sh dist/desktop-app

$(BUNDLE):
	$(MAKE) bundle

smoke: $(BUNDLE)
	QT_QPA_PLATFORM=offscreen $(BUNDLE) --smoke

screenshot: $(STAMP)
	@command -v xvfb-run >/dev/null || { \
	  echo "make screenshot needs Xvfb: apt-get install --no-install-recommends xvfb xauth" \
	       "libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0"; exit 1; }
	xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \
	  $(BIN)/python scripts/screenshot.py --output $(SCREENSHOT) $(ARGS)

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
