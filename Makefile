# Spacedock: `make serve` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: install serve test wheel bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

serve: $(STAMP)
	$(VENV)/bin/spacedock serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(STAMP)
	PY=$(PY) bash scripts/test.sh

# A wheel to install anywhere (`pip install dist/spacedock-*.whl`, then `spacedock serve`).
wheel: $(STAMP)
	$(PY) -m pip wheel --no-deps --quiet -w dist .

# Load the server with wrk next to the bare-WSGI ceiling; options via BENCH_ARGS (bench/run.py --help).
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var build dist src/*.egg-info .pytest_cache
