"""Incentive catalogue and eligibility check (issue 6), on real parsed documents.

The bundled Shandong plan names its support measures without amounts; a work plan in another
layout (责任单位 lines, full-width punctuation) states amounts, a 分别 pair, a percentage with a
cap and an application requirement. Catalogue and check are pure functions over Documents, so
the documents are parsed with the real loader and parser, without an index.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.incentives import (CatalogueEntry, EnterpriseProfile, build_catalogue, check_eligibility,
                            document_catalogue)
from ingest.document import parse_document
from ingest.loaders import load_file
from ingest.types import Document

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
_FULL_WIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；"})
# A provincial work plan in the Qingdao layout: "1." tasks under "(一)" parts, 责任单位 lines after
# the task (or after its last item), amounts and caps, and a 申报条件 section.
WORK_PLAN = """河川省制造业数字化转型2024年工作方案

为加快制造业数字化转型,制定本方案。

一、主要目标

到2024年底,全省新培育智能工厂50个,规模以上工业企业数字化转型覆盖率达到80%。

二、重点任务

(一)推进智能制造

1.培育示范工厂。对新认定的国家级智能制造示范工厂,给予一次性奖励500万元;对新认定的省级智能工厂、数字化车间,分别给予一次性奖励100万元、50万元。

责任单位:省工业和信息化厅(牵头),省财政厅

2.实施技术改造。对设备投资额在500万元以上的技术改造项目,按设备投资额的10%给予补助,最高不超过1000万元。全年实施技术改造项目不少于200个。

牵头单位:省工业和信息化厅;配合单位:省财政厅、省发展改革委

(二)提升数据管理能力

1.推进贯标。

(1)全年推动100家企业开展DCMM贯标。

(2)对首次通过DCMM三级及以上评估的企业,给予一次性奖励30万元。

责任单位:省大数据局(牵头),省工业和信息化厅

2.加强宣传推广。组织开展数字化转型宣传活动。

三、保障措施

(一)明确申报条件。申报主体须为在本省注册的独立法人,且近三年未被列入严重失信主体名单。具体申报通知另行发布。

责任单位:省工业和信息化厅
""".translate(_FULL_WIDTH)


def write_work_plan(folder: Path) -> Path:
    path = folder / "hechuan-manufacturing-plan.txt"
    path.write_text(WORK_PLAN, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seed() -> Document:
    return parse_document(load_file(SEED))


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Document:
    return parse_document(load_file(write_work_plan(tmp_path_factory.mktemp("docs"))))


def _by_who(entries: list[CatalogueEntry] | tuple[CatalogueEntry, ...]) -> dict[str, CatalogueEntry]:
    return {e.who: e for e in entries}


# ---- catalogue ---------------------------------------------------------------------------

# Every support measure of the bundled plan: (measure, condition/subject as written, benefit, departments).
SEED_INCENTIVES = [
    ("1", "高端芯片量产前首轮流片费用", "奖励补贴", ["省工业和信息化厅"]),
    ("1", "符合条件的封装测试公共服务平台", "奖励补贴", ["省工业和信息化厅"]),
    ("2", "首版次高端软件产品认定", "保险补偿", ["省工业和信息化厅"]),
    ("5", "重点工业设备“上云上平台”", "云服务券", ["省工业和信息化厅"]),
    ("5", "企业参与“山东制造网行天下·拓展年”行动", "流量券", ["省工业和信息化厅"]),
    ("8", "首次通过DCMM二级及以上企业", "财政补贴", ["省工业和信息化厅", "省大数据局"]),
    ("16", "专注细分市场、聚焦主营业务、创新能力突出、成长潜力较高的科技型企业", "创新服务券", ["省工业和信息化厅"]),
    ("22", "符合条件的", "优先纳入省级重点项目", ["省工业和信息化厅", "省发展改革委", "省委网信办", "省大数据局"]),
]


def test_seed_catalogue_lists_every_incentive_with_its_departments(seed) -> None:
    entries = document_catalogue(seed)
    got = [(seed.clause(e.measure_id).unit, e.who, e.benefit, [d.name for d in e.departments]) for e in entries]
    assert got == SEED_INCENTIVES


def test_seed_catalogue_quotes_are_verbatim_and_states_no_amount(seed) -> None:
    """The bundled plan gives no amounts: the catalogue must not invent one, and says so."""
    for e in document_catalogue(seed):
        clause = seed.clause(e.clause_id)
        assert e.quote in clause.text and e.sentence in clause.text
        assert e.condition in e.sentence and e.benefit in e.sentence
        assert e.amount == "" and e.cap == ""
        assert any("金额" in u or "标准" in u for u in e.unstated)
        assert "申报时间和程序" in e.unstated
    dcmm = _by_who(document_catalogue(seed))["首次通过DCMM二级及以上企业"]
    assert dcmm.quote == "对首次通过DCMM二级及以上企业给予财政补贴"


def test_catalogue_in_another_layout_holds_amounts_caps_and_requirements(plan) -> None:
    entries = _by_who(document_catalogue(plan))
    assert list(entries) == ["新认定的国家级智能制造示范工厂", "新认定的省级智能工厂", "数字化车间",
                             "设备投资额在500万元以上的技术改造项目", "首次通过DCMM三级及以上评估的企业"]
    assert entries["新认定的国家级智能制造示范工厂"].amount == "500万元"
    # "分别给予一次性奖励100万元、50万元": each part gets its own amount
    assert (entries["新认定的省级智能工厂"].amount, entries["数字化车间"].amount) == ("100万元", "50万元")
    tech = entries["设备投资额在500万元以上的技术改造项目"]
    assert (tech.amount, tech.cap, tech.kind) == ("10%", "最高不超过1000万元", "补助")  # not the 500万元 threshold
    assert [d.name for d in tech.departments if d.role == "lead"] == ["省工业和信息化厅"]
    assert tech.contacts == "省工业和信息化厅(牵头),省财政厅、省发展改革委(配合)"
    # the responsibility line after item (2) belongs to its task
    assert entries["首次通过DCMM三级及以上评估的企业"].contacts == "省大数据局(牵头),省工业和信息化厅(配合)"
    assert [p.text for p in tech.requirements] == ["申报主体须为在本省注册的独立法人，且近三年未被列入严重失信主体名单。"]
    assert tech.procedure is not None and "另行发布" in tech.procedure.text
    for e in entries.values():
        assert e.quote in plan.clause(e.clause_id).text


def test_catalogue_to_dict_is_json(plan, seed) -> None:
    data = [e.to_dict() for e in build_catalogue([seed, plan])]
    assert len(data) == len(SEED_INCENTIVES) + 5
    assert json.loads(json.dumps(data, ensure_ascii=False))[0]["departments"] == [
        {"name": "省工业和信息化厅", "role": "responsible"}]


# ---- check -------------------------------------------------------------------------------

@pytest.mark.parametrize("description, verdict, reason", [
    ("我们去年首次通过DCMM三级,能申请补贴吗?", "eligible", "三级属于“二级及以上”"),
    ("我们公司今年第一次通过DCMM二级评估", "eligible", "二级属于“二级及以上”"),
    ("我们只通过了DCMM一级,可以享受财政补贴吗?", "not_eligible", "条件为“DCMM二级及以上”,您所述为一级"),
    ("我们三年前就过了DCMM二级,今年复评", "not_eligible", "条件限于“首次”"),
    ("去年首次通过了DCMM二级,今年升到三级,还能再补一次吗?", "not_eligible", "条件限于“首次”"),
    ("我们通过了DCMM评估,能申请补贴吗?", "unknown", "您未说明DCMM等级"),
    ("我们是DCMM三级企业", "unknown", "您未说明是否为首次"),
])
def test_dcmm_check_on_the_seed(seed, description, verdict, reason) -> None:
    result = next(r for r in check_eligibility([seed], description).results
                  if r.entry.who == "首次通过DCMM二级及以上企业")
    assert result.verdict == verdict
    assert any(reason in r for r in result.reasons), result.reasons
    assert result.entry.contacts == "省工业和信息化厅、省大数据局"


def test_cannot_tell_lists_the_missing_facts(seed) -> None:
    result = check_eligibility([seed], "我们通过了DCMM评估").results[0]
    assert result.verdict == "unknown"
    assert set(result.missing) == {"DCMM等级", "是否为首次"}


def test_no_amount_is_stated_when_the_document_gives_none(seed) -> None:
    report = check_eligibility([seed], "我们去年首次通过DCMM三级,能申请多少万元补贴?")
    text = report.format_text()
    assert report.results[0].label == "可能符合"
    assert "万元" not in text.replace("多少万元", "")
    assert "文件未写明:补贴金额或标准、申报时间和程序" in text
    assert report.results[0].estimate == ""
    assert all(r.entry.amount == "" for r in report.results)


@pytest.mark.parametrize("description, who, verdict, reason", [
    ("我们刚被认定为国家级智能制造示范工厂", "新认定的国家级智能制造示范工厂", "eligible", "您所述为新认定"),
    ("我们技改设备投资400万元,能申请补助吗?", "设备投资额在500万元以上的技术改造项目", "not_eligible",
     "条件为“设备投资额在500万元以上的技术改造项目”,您所述为400万元,未达到"),
    ("我们首次通过DCMM二级", "首次通过DCMM三级及以上评估的企业", "not_eligible", "您所述为二级,未达到"),
    ("我们是外地企业的分公司,没有独立法人资格,首次通过DCMM四级", "首次通过DCMM三级及以上评估的企业", "not_eligible",
     "申报主体须“独立法人”,您所述不具有独立法人资格"),
])
def test_check_applies_conditions_of_another_layout(plan, description, who, verdict, reason) -> None:
    result = next(r for r in check_eligibility([plan], description).results if r.entry.who == who)
    assert result.verdict == verdict
    assert any(reason in r for r in result.reasons), result.reasons


def test_a_stated_rate_is_capped_by_the_stated_cap(plan) -> None:
    """设备投资2亿元 × 10% = 2000万元, above 最高不超过1000万元: the estimate names the cap."""
    result = check_eligibility([plan], "技改项目设备投资2亿元").results[0]
    assert result.entry.amount == "10%"
    assert result.verdict == "eligible"
    assert "2000万元" in result.estimate and "以上限为准,最多1000万元" in result.estimate
    below = check_eligibility([plan], "技改项目设备投资800万元").results[0]
    assert "约80万元" in below.estimate and "未超过" in below.estimate


def test_document_wide_requirements_are_reported(plan) -> None:
    report = check_eligibility([plan], "我们是分公司,不具有独立法人资格,被列入了严重失信主体名单")
    reasons = [g.reason for g in report.general]
    assert reasons == ["申报主体须“独立法人”,您所述不具有独立法人资格",
                       "申报主体须“未被列入严重失信主体名单”,您所述被列入失信名单"]
    assert report.general[0].requirement.ref == "（一）「明确申报条件」"


def test_form_input_matches_free_text(seed) -> None:
    form = {"industry": "软件", "certifications": [{"name": "dcmm", "level": "三级", "first_time": True}],
            "products": ["首版次高端软件"], "plans": ["上云"]}
    report = check_eligibility([seed], form)
    by_who = {r.entry.who: r for r in report.results}
    assert by_who["首次通过DCMM二级及以上企业"].verdict == "eligible"
    assert "首版次高端软件产品认定" in by_who and "重点工业设备“上云上平台”" in by_who
    assert EnterpriseProfile.from_form(form).cert("DCMM").level == 3
    assert json.loads(json.dumps(report.to_dict(), ensure_ascii=False))["results"]


def test_unrelated_description_matches_nothing(seed) -> None:
    report = check_eligibility([seed], "我们是一家餐馆")
    assert report.results == () and "未找到与所述情况对应的支持政策" in report.summary


def test_empty_description_is_refused(seed) -> None:
    with pytest.raises(ValueError, match="请描述企业情况"):
        check_eligibility([seed], "  ")


# ---- CLI -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def docs_index(tmp_path_factory, seed, plan) -> Path:
    """An index holding both documents (documents only: the check needs no vectors)."""
    from vectorstore.index import open_location

    root = tmp_path_factory.mktemp("index")
    with open_location(root, None).write() as snap:
        snap.docs().put(seed)
        snap.docs().put(plan)
    return root


def test_cli_eligibility_json(docs_index) -> None:
    result = CliRunner().invoke(cli, ["eligibility", "我们去年首次通过DCMM三级,能申请补贴吗?", "--json",
                                      "--index", str(docs_index)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {r["entry"]["doc_title"] for r in data["results"]} == {
        "山东省2022年数字经济“重点突破”行动方案", "河川省制造业数字化转型2024年工作方案"}
    assert all(r["verdict"] == "eligible" for r in data["results"])


def test_cli_eligibility_form_options_and_catalogue(docs_index) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["eligibility", "--cert", "DCMM一级", "--doc", "河川", "--index", str(docs_index)])
    assert result.exit_code == 0, result.output
    assert "【不符合】" in result.output and "三级及以上" in result.output
    result = runner.invoke(cli, ["eligibility", "--catalogue", "--index", str(docs_index)])
    assert result.exit_code == 0 and result.output.count("\n") == len(SEED_INCENTIVES) + 5
    result = runner.invoke(cli, ["eligibility", "--index", str(docs_index)])
    assert result.exit_code == 2 and "请描述企业情况" in result.output
