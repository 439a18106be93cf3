"""The generative side of the evaluation (issue 7): the ``policyqa-llm`` system, the assistant
with an LLM writing the answer from the clauses it found, run on the same questions as
``policyqa`` and reported beside it.

Which model: ``--llm`` (``policyqa eval --llm SPEC``), else ``$POLICYQA_EVAL_LLM``, else the
Qwen2.5-Coder-0.5B GGUF when ``make setup-llm`` installed its parts. A SPEC is what
``POLICYQA_LLM`` takes (``llamacpp:<path.gguf | model name>``, ``openai:<model>``); a bare model
name or path means ``llamacpp:``. Without a usable model the system is reported as skipped, with
the reason, and the rest of the evaluation runs as usual.

An answer takes seconds on a CPU, so ``--llm-sample N`` runs it on N questions per gold set
(:func:`sample_items`), and the report gives the extractive figures on the same questions.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eval.gold_set import TYPES, GoldItem
from eval.metrics import GenerationTrace, LLMCall

if TYPE_CHECKING:
    from app.generative.model_files import PartedModel

LLM = "policyqa-llm"
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
ENV_VAR = "POLICYQA_EVAL_LLM"
SERVER_MODULES = ("llama_cpp", "sse_starlette", "starlette_context")  # llama-cpp-python[server]
SAMPLE_METHOD = ("stratified by question type: every type present gets one question while N allows "
                 "(unanswerable first), the rest in proportion to each type's share (largest remainder); "
                 "within a type, questions ordered by sha256 of their id")


# ---- the sample ----------------------------------------------------------------------------------


def sample_items(items: Sequence[GoldItem], n: int) -> list[GoldItem]:
    """``n`` of ``items``, stratified by type, in their original order; all of them when
    ``n >= len(items)``. Deterministic: the same gold file gives the same sample on any machine,
    and adding a question to one type changes the sample of that type only (through the quota)."""
    if n < 1:
        raise ValueError("the sample size must be at least 1")
    if n >= len(items):
        return list(items)
    strata: dict[str, list[GoldItem]] = {}
    for item in sorted(items, key=lambda i: hashlib.sha256(i.id.encode("utf-8")).hexdigest()):
        strata.setdefault(item.type, []).append(item)
    # Unanswerable first, then the larger types: when n is below the number of types, the sample
    # still tests refusals, then the kinds of question users ask most.
    order = sorted(strata, key=lambda t: (t != "unanswerable", -len(strata[t]), TYPES.index(t)))
    quota = {t: 0 for t in order}
    for t in order[:n]:
        quota[t] = 1
    left = n - sum(quota.values())
    if left:
        rest = {t: len(strata[t]) - quota[t] for t in order}
        room = sum(rest.values())
        exact = {t: left * rest[t] / room for t in order}
        for t in order:
            quota[t] += math.floor(exact[t])
        by_remainder = sorted(order, key=lambda t: (-(exact[t] - math.floor(exact[t])), order.index(t)))
        for t in by_remainder[: n - sum(quota.values())]:
            quota[t] += 1
    chosen = {i.id for t in order for i in strata[t][: quota[t]]}
    return [i for i in items if i.id in chosen]


# ---- the model -------------------------------------------------------------------------------------


def resolve_spec(option: str | None, environ: Mapping[str, str] = os.environ,
                 default: PartedModel | None = None) -> tuple[str | None, str]:
    """The model spec for ``policyqa-llm`` and, when there is none, why (in Chinese).

    :param default: the model used when none is given (the 0.5B of ``model_files``).
    """
    from app.generative.model_files import PARTED_MODELS, parts_installed

    given = (option or environ.get(ENV_VAR, "")).strip()
    if given:
        backend = given.partition(":")[0]
        return (given if backend in ("openai", "llamacpp") else f"llamacpp:{given}"), ""
    default = default or PARTED_MODELS[DEFAULT_MODEL]
    if parts_installed(default):
        return f"llamacpp:{default.name}", ""
    return None, (f"未配置生成模型:未指定 --llm 或 {ENV_VAR},默认的 {default.name} 模型分片也未安装"
                  "(make setup-llm)")


def missing_parts(spec: str) -> str | None:
    """Why ``spec`` cannot run here, found without starting anything; None when it may."""
    from app.generative.llm import parse_spec
    from app.generative.model_files import PARTED_MODELS, parts_installed

    try:
        backend, target = parse_spec(spec)
    except ValueError:
        return f"无法识别的生成模型配置:{spec}(应为 llamacpp:<模型文件或模型名> 或 openai:<模型名>)"
    if backend != "llamacpp":
        return None
    if target in PARTED_MODELS:
        model = PARTED_MODELS[target]
        if not parts_installed(model):
            return f"模型 {target} 的分片未安装,请先运行 {model.install_hint}"
    elif not os.path.isfile(os.path.expanduser(target)):
        return f"找不到模型文件:{target}"
    absent = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if absent:
        return f"未安装 llama-cpp-python[server]({'、'.join(absent)}),请先运行 make setup-llm"
    return None


def start(settings: Any) -> float:
    """Start the model ``settings.llm`` names (a local server) and have it write one short
    reply, so a model that cannot run is reported as skipped instead of failing every question
    over to the extractive answer. Returns the seconds it took.

    :raises app.errors.AssistantError: (LLMUnavailable, ModelFileError) with the reason.
    """
    from langchain_core.messages import HumanMessage

    from app.generative.llm import build_chat_model, complete

    t0 = time.perf_counter()
    model = build_chat_model(settings)
    complete(model, [HumanMessage("只回答一个字:好")], settings.llm_timeout)
    return time.perf_counter() - t0


def stop() -> None:
    from app.generative.llm import stop_local_servers

    stop_local_servers()


# ---- what the generative answerer did, per question -------------------------------------------------


@dataclass(slots=True)
class Recorder:
    """The observer of the assistant's generative answerer: collects the events of one question."""

    events: list[Any] = field(default_factory=list)

    def __call__(self, event: Any) -> None:
        self.events.append(event)

    def take(self) -> GenerationTrace:
        """The trace of the events since the last call, which are then forgotten."""
        from app.generative.answerer import Attempt, Fallback

        events, self.events = self.events, []
        calls = tuple(LLMCall(e.purpose, e.completion.first_token_s, e.completion.total_s, e.completion.tokens,
                              e.violations) for e in events if isinstance(e, Attempt))
        fallback = next((e for e in events if isinstance(e, Fallback)), None)
        if fallback is not None:
            return GenerationTrace("fallback", fallback.reason, calls)
        accepted = any(c.purpose == "answer" and not c.violations for c in calls)
        return GenerationTrace("generated" if accepted else "extractive", None, calls)


def trace_dict(trace: GenerationTrace) -> dict[str, Any]:
    """A trace for report.json (times in seconds, rounded)."""
    return {"outcome": trace.outcome, "fallback_reason": trace.fallback_reason,
            "calls": [{"purpose": c.purpose, "first_token_s": round(c.first_token_s, 2), "total_s": round(c.total_s, 2),
                       "tokens": c.tokens, "violations": list(c.violations)} for c in trace.calls]}
