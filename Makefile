# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,dask

.PHONY: demo test lint lab bench accuracy clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e ".[$(EXTRAS)]" \
	  || $(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

data/raw/sample/.done: $(STAMP) ctkit/sample.py
	$(BIN)/ctkit sample --out data/raw/sample --n 300 --seed 0
	touch $@

demo: data/raw/sample/.done
	$(BIN)/ctkit demo

test: data/raw/sample/.done
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check ctkit tests scripts benchmarks
	$(BIN)/mypy ctkit

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name ctkit --display-name "ctkit (.venv)"
	$(BIN)/jupyter lab notebooks/

clean-venv:
	rm -rf $(VENV)
