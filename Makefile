# Set-up and the two everyday commands. `make run` and `make test` create
# .venv with a Python >= 3.12 (found by scripts/find-python) on first use.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint bench bench-real clean

$(STAMP): pyproject.toml
	@set -e; py=$$(scripts/find-python); echo "using $$py"; \
	  rm -rf $(VENV); "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[distributed,bench]" --group dev
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/frontiercost run gpt-4 --draws 1e5

# Every test: the README's command and CI's.
test: $(STAMP)
	$(PY) -m pytest

# The developer loop: no slow, dask or child-process (e2e) tests.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not dask and not e2e"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/throughput.py

# The real path (scenarios, the command line); rewrites the README's tables.
bench-real: $(STAMP)
	$(PY) benchmarks/real.py
	$(PY) scripts/readme_figures.py

clean:
	rm -rf $(VENV) dist build .numba_cache
	find . -name "*.nbi" -o -name "*.nbc" | xargs rm -f
