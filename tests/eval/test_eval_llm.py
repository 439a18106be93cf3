"""The generative side of the evaluation (issue 7): the ``policyqa-llm`` system beside the
extractive one, on the real gold files with the real assistant.

Without a model the system is reported as skipped with the reason (these tests always run); the
side by side with the real Qwen2.5-Coder-0.5B runs under ``-m llm`` after ``make setup-llm``.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.generative.model_files import PARTED_MODELS, PartedModel, parts_installed
from eval import run as eval_run
from eval.generative import DEFAULT_MODEL, ENV_VAR, LLM, SERVER_MODULES, resolve_spec, sample_items
from eval.gold_set import GOLD_DIR, TYPES, load_gold

JINAN = GOLD_DIR / "jinan-regulation.jsonl"
SHANDONG = GOLD_DIR / "shandong.jsonl"
NOT_INSTALLED = PartedModel("pqa-test-model", "pqa-test.gguf", ("pqa_no_such_part1", "pqa_no_such_part2"), "0" * 64, 1)


# ---- the sample ------------------------------------------------------------------------------------


@pytest.mark.parametrize("gold", sorted(GOLD_DIR.glob("*.jsonl")), ids=lambda p: p.stem)
def test_sample_is_deterministic_and_stratified(gold: Path) -> None:
    items = load_gold(gold).items
    sample = sample_items(items, 14)
    assert [i.id for i in sample] == [i.id for i in sample_items(load_gold(gold).items, 14)]
    assert len(sample) == 14 and len({i.id for i in sample}) == 14
    positions = [items.index(i) for i in sample]
    assert positions == sorted(positions), "the sample keeps the gold file's order"
    types = Counter(i.type for i in sample)
    assert set(types) == {i.type for i in items}, "every type of the set is in a sample of 14"
    assert types["unanswerable"] >= 1
    # Proportional beyond the one each: no type is a whole question off its share of the rest.
    sizes = Counter(i.type for i in items)
    left = 14 - len(sizes)
    for t, n in sizes.items():
        share = left * (n - 1) / (len(items) - len(sizes))
        assert abs(types[t] - 1 - share) < 1, (t, types[t], share)


def test_small_samples_keep_an_unanswerable_question_and_the_largest_types() -> None:
    items = load_gold(SHANDONG).items
    sample = sample_items(items, 3)
    assert [i.type for i in sorted(sample, key=lambda i: TYPES.index(i.type))] == ["lead", "target", "unanswerable"]
    assert sample_items(items, 1)[0].type == "unanswerable"
    assert sample_items(items, len(items) + 5) == list(items)
    with pytest.raises(ValueError):
        sample_items(items, 0)


def test_sample_of_one_type_does_not_move_when_another_type_grows() -> None:
    """Within a type the order is a hash of the id: a question added elsewhere in the file
    changes quotas, not which questions of an unchanged type come first."""
    items = list(load_gold(SHANDONG).items)
    extra = items[0].model_copy(update={"id": "zz-added-lead", "question": "新增的问题?"})
    before = [i.id for i in sample_items(items, 40) if i.type == "unanswerable"]
    after = [i.id for i in sample_items([*items, extra], 40) if i.type == "unanswerable"]
    assert after[: len(before)] == before or before[: len(after)] == after


# ---- which model ---------------------------------------------------------------------------------


def test_model_from_option_then_environment_then_installed_default() -> None:
    env = {ENV_VAR: "openai:qwen2.5-7b"}
    assert resolve_spec("llamacpp:/m/a.gguf", env) == ("llamacpp:/m/a.gguf", "")
    assert resolve_spec(None, env) == ("openai:qwen2.5-7b", "")
    assert resolve_spec("qwen2.5-coder-1.5b", {}) == ("llamacpp:qwen2.5-coder-1.5b", "")
    spec, reason = resolve_spec(None, {}, default=NOT_INSTALLED)
    assert spec is None and "未配置生成模型" in reason and "make setup-llm" in reason
    # The real default follows what is installed on this machine.
    spec, reason = resolve_spec(None, {})
    if parts_installed(PARTED_MODELS[DEFAULT_MODEL]):
        assert (spec, reason) == (f"llamacpp:{DEFAULT_MODEL}", "")
    else:
        assert spec is None and DEFAULT_MODEL in reason


def test_llm_system_is_skipped_with_the_reason_when_its_model_is_missing(tmp_path: Path) -> None:
    """Through the CLI, on a real gold file with the real assistant: the extractive figures are
    reported as usual, the generative system as skipped with the reason; the exit status is 0."""
    missing = tmp_path / "no-such-model.gguf"
    result = CliRunner().invoke(cli, ["eval", "--gold", str(JINAN), "--systems", "policyqa", "--llm", str(missing),
                                      "--llm-sample", "5", "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["systems"] == ["policyqa", LLM]
    gen = report["generative"]
    assert gen["status"] == "skipped" and gen["model"] == f"llamacpp:{missing}"
    assert gen["reason"] == f"找不到模型文件:{missing}"
    assert "results" not in gen and LLM not in report["items"]
    assert list(report["results"]["jinan-regulation"]) == ["policyqa"]
    assert report["results"]["jinan-regulation"]["policyqa"]["n"] == 69
    assert gen["sample"]["ids"]["jinan-regulation"] == [i.id for i in sample_items(load_gold(JINAN).items, 5)]
    assert f"skipped: 找不到模型文件:{missing}" in result.output
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "Generative mode side by side" in html and "Skipped: 找不到模型文件" in html


def test_bad_llm_options_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "--llm-sample", "0", "--report", str(tmp_path)])
    assert result.exit_code == 2 and "--llm-sample" in result.output
    assert eval_run.run_eval([JINAN], tmp_path, ["policyqa"], check=False, llm_sample=0) == 2


# ---- the real 0.5B model -------------------------------------------------------------------------------


def _model_missing() -> str | None:
    absent = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if absent:
        return f"{', '.join(absent)} not installed (make setup-llm)"
    if not parts_installed(PARTED_MODELS[DEFAULT_MODEL]):
        return "the Qwen2.5-Coder-0.5B part packages are not installed (make setup-llm)"
    return None


@pytest.mark.llm
@pytest.mark.skipif(_model_missing() is not None, reason=str(_model_missing()))
def test_side_by_side_with_the_real_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three shandong questions (a lead, a target and an unanswerable one) through both modes."""
    code = eval_run.run_eval([SHANDONG], tmp_path, ["policyqa", LLM], check=False, llm_sample=3)
    assert code == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    gen = report["generative"]
    assert gen["status"] == "ran" and gen["model"] == f"llamacpp:{DEFAULT_MODEL}" and gen["start_s"] > 0
    per = gen["results"]["shandong"]
    assert list(per) == ["policyqa", LLM]
    for s in per.values():
        assert s["n"] == 3
        for key in ("accuracy", "answerable_accuracy", "refusal_accuracy", "citation_precision", "quote_validity"):
            assert 0.0 <= s[key] <= 1.0, key
    # The LLM answers in seconds, the extractive answerer in milliseconds.
    assert per[LLM]["latency_p95_ms"] > 1000 > per["policyqa"]["latency_p50_ms"]
    assert per[LLM]["quote_validity"] == 1.0, "a generative answer's quotes are verbatim too"
    g = gen["generation"]["shandong"]
    assert g["questions"] == 3 and g["llm_asked"] >= 2 and g["llm_calls"] >= 2
    assert g["generated"] + g["fallback"] == g["llm_asked"]
    assert sum(g["fallback_reasons"].values()) == g["fallback"]
    assert 0 < g["first_token_s"]["p50"] <= g["call_total_s"]["p50"] and g["tokens_per_s"]["p50"] > 0
    ids = gen["sample"]["ids"]["shandong"]
    assert [i["id"] for i in report["items"][LLM]] == ids
    assert all(i["generation"]["outcome"] in ("generated", "fallback", "extractive") for i in report["items"][LLM])
    unanswerable = next(i for i in report["items"][LLM] if not i["answerable"])
    assert unanswerable["refused"] and unanswerable["generation"]["outcome"] == "extractive"
    assert "SAMPLE of 3 questions per gold set" in out and "sample of 3 of 215 questions" in out
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Generative mode side by side" in html and "sample of 3 of 215 questions" in html
