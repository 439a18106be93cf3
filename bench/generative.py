"""``make bench``, stage "llm": how fast the local Qwen2.5-Coder-0.5B writes generative answers.

A handful of real questions from ``eval/gold/shandong.jsonl`` (the types generative mode answers:
lead, target, content, eligibility; picked by the evaluation's stratified sample, so the same
ones every run) are asked once each, after a warm-up, through ``Assistant.ask`` in generative
mode on the bench's index of the bundled corpus. Per LLM call: time to first token, total time,
output tokens and tokens/second; per question: the whole answer (retrieval, the LLM, the guard
and its one retry). The stage is skipped, with a note, when ``make setup-llm`` has not been run.

Parent side: :func:`bench_llm` and :func:`markdown`; worker side (a fresh process, like every
stage that loads models): :func:`worker`.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold" / "shandong.jsonl"
MODEL = "qwen2.5-coder-0.5b"
SPEC = f"llamacpp:{MODEL}"
TYPES = ("lead", "target", "content", "eligibility")  # list and meta questions never reach the LLM
N_QUESTIONS = 8
WARM_UP = "DCMM贯标由哪些部门负责?"
TIMEOUT_S = 180.0  # per LLM call: the bench measures slow answers instead of timing them out


def questions(n: int = N_QUESTIONS) -> list[str]:
    """``n`` questions of the generative types, the same every run."""
    from eval.generative import sample_items
    from eval.gold_set import load_gold

    items = [i for i in load_gold(GOLD).items if i.type in TYPES]
    return [i.question for i in sample_items(items, n)]


def missing() -> str | None:
    """Why the stage cannot run here (llama-cpp-python or the model parts not installed), or None."""
    from eval.generative import missing_parts

    return missing_parts(SPEC)


def bench_llm(env: Any, run_worker: Callable[..., dict[str, Any]], n: int = N_QUESTIONS) -> dict[str, Any]:
    """The stage, parent side: skipped with the reason, or the worker's figures."""
    reason = missing()
    if reason:
        print(f"[bench] llm skipped: {reason}", file=sys.stderr, flush=True)
        return {"skipped": reason}
    return run_worker("llm", {"questions": questions(n), "spec": SPEC, "timeout_s": TIMEOUT_S}, env, timeout=3600)


# ---- worker ----------------------------------------------------------------------------------------


def worker(p: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: start the model, one warm-up question, then each question once."""
    from app.assistant import Assistant
    from app.config import Settings
    from app.generative.llm import local_threads
    from eval.generative import Recorder

    settings = Settings().model_copy(update={"llm": p["spec"], "llm_timeout": p["timeout_s"]})
    assistant = Assistant.from_settings(settings)
    recorder = Recorder()
    answerer = assistant._generative  # the very answerer ask() uses
    answerer.observer = recorder
    t0 = time.perf_counter()
    _ = answerer.model  # starts the llama.cpp server and loads the model
    start_s = time.perf_counter() - t0
    assistant.ask(WARM_UP)
    recorder.take()
    rows = []
    for question in p["questions"]:
        t0 = time.perf_counter()
        answer = assistant.ask(question)
        ask_s = time.perf_counter() - t0
        trace = recorder.take()
        rows.append({"question": question, "answer": answer.answer, "ask_s": round(ask_s, 2), "outcome": trace.outcome,
                     "fallback_reason": trace.fallback_reason,
                     "calls": [{"purpose": c.purpose, "first_token_s": round(c.first_token_s, 2),
                                "total_s": round(c.total_s, 2), "tokens": c.tokens,
                                "tokens_per_s": None if math.isnan(c.tokens_per_s) else round(c.tokens_per_s, 1),
                                "violations": list(c.violations)} for c in trace.calls]})
    calls = [c for r in rows for c in r["calls"]]
    return {
        "model": p["spec"], "threads": local_threads(), "server_start_s": round(start_s, 2), "questions": rows,
        "first_token_s": _stats([c["first_token_s"] for c in calls]),
        "call_total_s": _stats([c["total_s"] for c in calls]),
        "tokens_per_s": _stats([c["tokens_per_s"] for c in calls if c["tokens_per_s"] is not None]),
        "tokens": _stats([c["tokens"] for c in calls]),
        "ask_s": _stats([r["ask_s"] for r in rows]),
        "outcomes": dict(Counter(r["outcome"] for r in rows)),
        "fallback_reasons": dict(Counter(r["fallback_reason"] for r in rows if r["fallback_reason"])),
        "violations": dict(Counter(k for c in calls for k in dict.fromkeys(c["violations"]))),
    }


def _stats(values: Sequence[float]) -> dict[str, Any]:
    from eval.metrics import percentile

    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "max": round(max(values), 2)}


# ---- report ----------------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> list[str]:
    """The report's section (nothing when the stage was left out with --skip)."""
    r = results.get("llm")
    if r is None:
        return []
    head = ["## Generative answers (local LLM)", ""]
    if "skipped" in r:
        return head + [f"Skipped: {r['skipped']}", ""]
    if "error" in r:
        return head + ["Failed, see Errors.", ""]
    lines = head + [
        f"`{r['model']}` (Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF) through llama-cpp-python's server, "
        f"{r['threads']} thread(s), greedy decoding, at most 256 output tokens. {len(r['questions'])} questions from "
        f"`eval/gold/shandong.jsonl` ({', '.join(TYPES)}), each asked once after a warm-up through `Assistant.ask` "
        f"in generative mode (guard on, one retry). Model load: {r['server_start_s']} s.", "",
        "| Measure | n | p50 | p95 | max |", "|---|---:|---:|---:|---:|"]
    for key, label in (("first_token_s", "time to first token (s)"), ("call_total_s", "LLM call, total (s)"),
                       ("tokens_per_s", "tokens/second"), ("tokens", "output tokens per call"),
                       ("ask_s", "whole answer incl. retrieval, guard, retry (s)")):
        s = r[key]
        lines.append(f"| {label} | {s['n']} | {s.get('p50', '–')} | {s.get('p95', '–')} | {s.get('max', '–')} |")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items()))
    extra = []
    if r["fallback_reasons"]:
        extra.append(f"fallback reasons: {json.dumps(r['fallback_reasons'], ensure_ascii=False)}")
    if r["violations"]:
        extra.append(f"guard violations: {json.dumps(r['violations'], ensure_ascii=False)}")
    lines += ["", f"Outcomes: {outcomes}" + ("; " + "; ".join(extra) if extra else "") + ".", ""]
    return lines
