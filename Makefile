# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/audio-feed build . --out _site
	@echo
	@echo "Open _site/index.html in a browser. To subscribe from a podcast app on this"
	@echo "machine, build for and serve a local preview:"
	@echo "  $(BIN)/audio-feed build --serve"

lint: $(STAMP)
	$(BIN)/ruff check audio_feed tests scripts $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_code_shape.py

test: lint
	$(BIN)/python -m pytest

# Rewrite the README's table of lint rules from the code (tests/test_docs.py fails on a stale one).
docs: $(STAMP)
	$(BIN)/python scripts/readme_rules.py

bench: $(STAMP)
	$(BIN)/python bench/bench.py

clean:
	rm -rf _site .audio-feed-cache bench/_work
