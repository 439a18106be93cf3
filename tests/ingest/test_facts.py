"""Facts per clause: departments in every common form, targets verbatim, incentives."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.testing import SEED_DEPARTMENTS, SEED_TARGET_VALUES

from ingest.document import parse_document
from ingest.facts import extract_departments, extract_incentives, extract_targets
from ingest.loaders import load_file
from ingest.types import ClauseKind

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"

@pytest.fixture(scope="module")
def measures() -> dict[int, object]:
    doc = parse_document(load_file(SEED))
    return {c.number: c for c in doc.clauses if c.kind == ClauseKind.ARTICLE}


def test_every_measure_has_its_departments_as_written(measures) -> None:
    for n, expected in SEED_DEPARTMENTS.items():
        assert [d.name for d in measures[n].facts.departments] == expected, n


def test_every_target_value_is_found_verbatim(measures) -> None:
    for n, values in SEED_TARGET_VALUES.items():
        found = [t.value for t in measures[n].facts.targets]
        assert found == values, n
        for t in measures[n].facts.targets:
            assert t.sentence in measures[n].text and t.value in t.sentence


def test_target_indicator_and_deadline(measures) -> None:
    software = next(t for t in measures[2].facts.targets if t.value == "8500亿元")
    assert software.indicator == "软件业务收入" and software.deadline == "2022年底"
    base = next(t for t in measures[11].facts.targets if t.value == "6万个")
    assert "5G基站" in base.indicator


def test_dcmm_incentive(measures) -> None:
    inc = measures[8].facts.incentives
    assert any(i.condition == "首次通过DCMM二级及以上企业" and i.benefit == "财政补贴" and i.amount == "" for i in inc)


@pytest.mark.parametrize("text, expected", [
    ("加快建设。(省工业和信息化厅、省大数据局按分工负责)", [("省工业和信息化厅", "responsible"), ("省大数据局", "responsible")]),
    ("加快建设。(省农业农村厅、省工业和信息化厅及有关市按分工负责)",
     [("省农业农村厅", "responsible"), ("省工业和信息化厅", "responsible"), ("有关市", "responsible")]),
    ("加快建设。\n责任单位:省工业和信息化厅(牵头),省财政厅、省科技厅",
     [("省工业和信息化厅", "lead"), ("省财政厅", "partner"), ("省科技厅", "partner")]),
    ("加快建设。\n牵头单位:市工业和信息化局;配合单位:市财政局、市大数据局",
     [("市工业和信息化局", "lead"), ("市财政局", "partner"), ("市大数据局", "partner")]),
    ("市大数据局负责全市公共数据的统筹管理;市网信办负责网络安全监督。",
     [("市大数据局", "responsible"), ("市网信办", "responsible")]),
    # Parties named as a group, without an organisation suffix.
    ("加快建设5G基站。(省通信管理局牵头,各基础电信企业、有关金融机构配合)",
     [("省通信管理局", "lead"), ("各基础电信企业", "partner"), ("有关金融机构", "partner")]),
])
def test_department_forms(text: str, expected: list[tuple[str, str]]) -> None:
    depts, phrase = extract_departments(text)
    assert [(d.name, d.role) for d in depts] == expected
    assert phrase and all(line in text for line in phrase.split("\n"))


def test_running_text_keeps_each_duty_sentence() -> None:
    depts, _ = extract_departments("市大数据局负责全市公共数据的统筹管理;市网信办负责网络安全监督。")
    assert depts[0].duty.startswith("市大数据局负责全市公共数据的统筹管理")
    assert depts[1].duty.startswith("市网信办负责网络安全监督")


def test_amount_and_cap_are_kept_as_written() -> None:
    (inc,) = extract_incentives("按设备投资额的10%给予补助,单个项目最高不超过1000万元。")
    assert inc.amount == "10%" and inc.cap == "单个项目最高不超过1000万元"
    (award,) = extract_incentives("对新认定的国家级智能制造示范工厂,给予一次性奖励500万元。")
    assert award.condition == "新认定的国家级智能制造示范工厂" and award.amount == "500万元"


@pytest.mark.parametrize("text", ["依照本办法第12条规定办理。", "应当在3个工作日内答复。", "2022年3月22日"])
def test_references_and_dates_are_not_targets(text: str) -> None:
    assert [t.value for t in extract_targets(text) if "条" in t.sentence and t.value.startswith("12")] == []
    assert all(t.value not in ("2022年", "12") for t in extract_targets(text))


@pytest.mark.parametrize("text, expected", [
    ("（市工业和信息化局牵头，市财政局配合）", [("市工业和信息化局", "lead"), ("市财政局", "partner")]),
    ("（市农业农村局牵头，市大数据局、寿光市人民政府配合）",
     [("市农业农村局", "lead"), ("市大数据局", "partner"), ("寿光市人民政府", "partner")]),
    ("(省发展改革委牵头,省财政厅等按职责分工负责)", [("省发展改革委", "lead"), ("省财政厅", "partner")]),
    ("（市商务局负责）", [("市商务局", "responsible")]),
    ("（省工业和信息化厅、省大数据局按分工负责）", [("省工业和信息化厅", "responsible"), ("省大数据局", "responsible")]),
])
def test_each_group_of_names_takes_its_own_role_word(text: str, expected: list[tuple[str, str]]) -> None:
    depts, _ = extract_departments(text)
    assert [(d.name, d.role) for d in depts] == expected


def test_table_rows_without_outer_bars_are_rows() -> None:
    """The .docx and .html loaders write "a | b | c"; Markdown writes "| a | b | c |"."""
    from ingest.facts import table_facts

    text = ("序号 | 重点任务 | 责任单位 | 完成时限\n"
            "1 | 编制公共数据开放目录 | 市大数据局 | 2024年6月底前\n"
            "2 | 设立数字经济产业子基金 | 市财政局、市地方金融监管局 | 2024年10月底前")
    targets, depts = table_facts(text)
    assert [(t.indicator, t.value) for t in targets] == [("编制公共数据开放目录", "2024年6月底前"),
                                                        ("设立数字经济产业子基金", "2024年10月底前")]
    assert [d.name for d in depts] == ["市大数据局", "市财政局", "市地方金融监管局"]
    assert all(d.duty in text for d in depts)


def test_a_support_table_names_departments_in_its_主管部门_column() -> None:
    text = ("序号 | 支持事项 | 支持标准 | 上限 | 主管部门\n"
            "1 | 总部落户奖励 | 按实缴注册资本的2% | 300万元 | 市工业和信息化局、市投资促进局")
    from ingest.facts import table_facts

    _, depts = table_facts(text)
    assert [d.name for d in depts] == ["市工业和信息化局", "市投资促进局"]


def test_a_bare_department_name_matches_any_level() -> None:
    from ingest.departments import matches

    assert matches("大数据局", "市大数据局") and matches("大数据局", "省大数据局")
    assert matches("工信局", "市工业和信息化局")
    assert not matches("省大数据局", "市大数据局") and not matches("市大数据局", "省大数据局")
