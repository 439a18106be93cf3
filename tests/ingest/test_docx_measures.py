"""A 若干政策措施 delivered as .docx (eval/docs/weifang-digital-economy-measures.docx, built by
eval/docs/make_weifang_docx.py): measures （一）…（十九） numbered across sections, duties as
"（A牵头，B配合）", and an annex 任务分工表 as a real Word table. Expected values are read off the
document text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.document import parse_document
from ingest.loaders import load_file
from ingest.types import Clause, ClauseKind, Document

ROOT = Path(__file__).resolve().parents[2]
DOCX = ROOT / "eval" / "docs" / "weifang-digital-economy-measures.docx"


@pytest.fixture(scope="module")
def doc() -> Document:
    return parse_document(load_file(DOCX))


def _by_label(doc: Document, label: str) -> Clause:
    return next(c for c in doc.clauses if c.label == label)


def test_measures_numbered_across_sections_stay_under_their_section(doc: Document) -> None:
    measures = [c for c in doc.clauses if c.kind == ClauseKind.ITEM and c.label.startswith("（")]
    assert len(measures) == 19
    assert _by_label(doc, "（五）").path[0] == "二、加快产业数字化转型"
    assert _by_label(doc, "（十九）").title == "施行日期"


def test_annex_is_a_unit_of_its_own_not_text_of_the_last_measure(doc: Document) -> None:
    last = _by_label(doc, "（十九）")
    assert "分工表" not in last.text and "|" not in last.text
    annex = _by_label(doc, "附件")
    assert annex.parent_id is None and annex.title == "潍坊市促进数字经济高质量发展重点任务分工表"
    assert "10 | 发布年度政策申报指南 | 市工业和信息化局、市财政局 | 每年3月底前" in annex.text


def test_lead_and_partner_in_one_parenthesis(doc: Document) -> None:
    roles = {d.name: d.role for d in _by_label(doc, "（十）").facts.departments}
    assert roles == {"市大数据局": "lead", "市发展改革委": "partner", "市财政局": "partner"}


def test_task_table_rows_give_departments_and_deadlines(doc: Document) -> None:
    annex = _by_label(doc, "附件")
    row = "5 | 建成潍坊市人工智能计算中心一期 | 市大数据局 潍坊高新区管委会 | 2024年12月底前"
    # The cell's two paragraphs are two departments.
    assert {d.name for d in annex.facts.departments if d.duty == row} == {"市大数据局", "潍坊高新区管委会"}
    due = next(t for t in annex.facts.targets if t.sentence == row)
    assert due.indicator == "建成潍坊市人工智能计算中心一期" and due.value == due.deadline == "2024年12月底前"


def test_metadata_from_the_notice(doc: Document) -> None:
    assert doc.meta.doc_number == "潍政办发〔2024〕4号"
    assert doc.meta.issuers == ("潍坊市人民政府办公室",)
    assert doc.meta.issue_date == "2024年3月15日"


def test_a_central_bank_branch_shares_the_duty(doc: Document) -> None:
    names = [d.name for d in _by_label(doc, "（十三）").facts.departments]
    assert names == ["市地方金融监管局", "市财政局", "人民银行潍坊市分行"]
