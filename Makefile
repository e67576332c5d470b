# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,dask

.PHONY: demo test lint lab bench accuracy clean-venv notebooks

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	# --compile-bytecode: uv writes no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set
	# (containers) every process would compile pandas, plotly ... again: 1.3 s vs 0.4 s to import
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e ".[$(EXTRAS)]" \
	  || $(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

data/raw/sample/.done: $(STAMP) ctkit/sample.py
	$(BIN)/ctkit sample --out data/raw/sample --n 300 --seed 0
	touch $@

demo: data/raw/sample/.done
	$(BIN)/ctkit demo

data/processed/sample/_ctkit.json: data/raw/sample/.done $(wildcard ctkit/*.py ctkit/data/*)
	$(BIN)/ctkit parse data/raw/sample --out data/processed/sample

test: data/processed/sample/_ctkit.json browser-deps
	$(BIN)/python -m pytest -q tests notebooks --nbval-lax --nbval-current-env

# Re-run the committed notebooks on the current sample parse (before committing parser changes)
notebooks: data/processed/sample/_ctkit.json
	$(BIN)/python -m ctkit.reports refresh

lint: $(STAMP)
	$(BIN)/ruff check ctkit tests scripts benchmarks
	$(BIN)/mypy ctkit

# JupyterLab on notebooks/ with .venv as the kernel: the notebooks ask for "python3", which is
# (re)installed inside .venv (not in ~/.local) pointing at .venv/bin/python; they find
# data/processed/sample from notebooks/ upwards.
lab: data/raw/sample/.done
	test -f data/processed/sample/articles.parquet \
	  || $(BIN)/ctkit parse data/raw/sample --out data/processed/sample
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
	  --display-name "Python 3 (ctkit .venv)"
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --ServerApp.root_dir=notebooks \
	  $(if $(filter 0,$(shell id -u)),--allow-root)

clean-venv:
	rm -rf $(VENV)

# Headless Chromium for the browser tests (tests/_browser.py), from Debian, never downloaded
# by playwright. Needs root (or sudo) when /usr/bin/chromium is missing; tests skip without it.
browser-deps:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo -n apt-get update -qq && sudo -n apt-get install -y -qq chromium; fi; } \
	  || echo "browser-deps: could not install chromium; browser tests will be skipped"
.PHONY: browser-deps
