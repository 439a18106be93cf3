"""The clause tree: the bundled plan, a 第X条 regulation and a (一)/1./(1) work plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.document import parse_document
from ingest.loaders import load_file
from ingest.types import ClauseKind, Document

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def seed() -> Document:
    return parse_document(load_file(SEED))


def _kind(doc: Document, kind: ClauseKind) -> list:
    return [c for c in doc.clauses if c.kind == kind]


def test_seed_has_notice_seven_sections_and_22_measures(seed: Document) -> None:
    sections = _kind(seed, ClauseKind.CHAPTER)
    measures = _kind(seed, ClauseKind.ARTICLE)
    assert [c.label for c in sections] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
    assert [c.number for c in measures] == list(range(1, 23))
    assert len(_kind(seed, ClauseKind.NOTICE)) == 1
    assert len(_kind(seed, ClauseKind.SIGNATURE)) == 1
    assert _kind(seed, ClauseKind.SIGNATURE)[0].text.rstrip().endswith("(此件主动公开)")


def test_every_span_is_verbatim_and_measures_do_not_overlap(seed: Document) -> None:
    for c in seed.clauses:
        assert seed.text[c.start:c.end] == c.text
    measures = _kind(seed, ClauseKind.ARTICLE)
    for a, b in zip(measures, measures[1:]):
        assert a.end <= b.start


@pytest.mark.parametrize("number, title", [
    (1, "打造电子信息制造业增长极"),
    (8, "完善数据要素供给体系"),
    (12, "加快推进新型数据中心建设"),
    (22, "营造数字经济良好发展氛围"),
])
def test_measure_title_is_text_before_first_full_stop(seed: Document, number: int, title: str) -> None:
    measure = next(c for c in _kind(seed, ClauseKind.ARTICLE) if c.number == number)
    assert measure.title == title
    assert measure.path[0].startswith(("一、", "二、", "三、", "四、", "五、", "六、", "七、"))
    assert measure.path[-1] == f"{number}.{title}"


def test_file_name_trailer_is_not_part_of_the_last_measure(seed: Document) -> None:
    last = _kind(seed, ClauseKind.ARTICLE)[-1]
    assert last.text.endswith("等按分工负责)")
    assert ".pdf" not in last.text


def test_regulation_chapters_articles_items_and_body_lines() -> None:
    doc = parse_document(load_file(DATA / "regulation_sample.txt"))
    chapters = _kind(doc, ClauseKind.CHAPTER)
    articles = _kind(doc, ClauseKind.ARTICLE)
    assert [c.label for c in chapters] == ["第一章", "第二章", "第三章"]
    assert [c.label for c in articles] == [f"第{n}条" for n in "一二三四五六七"]
    art4 = articles[3]
    # "11.5.14.2的试验" and "依照本办法第十二条规定" are body text of 第四条, not headings.
    assert "11.5.14.2的试验数据" in art4.text and "第十二条规定" in art4.text
    items = [c for c in doc.clauses if c.parent_id == articles[4].id]
    assert [c.label for c in items] == ["(一)", "(二)", "(三)"]
    assert "按第3条规定" in articles[5].text
    assert articles[6].path[0] == "第三章附则"


def test_work_plan_nesting() -> None:
    doc = parse_document(load_file(DATA / "workplan_sample.txt"))
    by_label = {c.label: c for c in doc.clauses}
    task2 = by_label["(二)"]
    subs = [c for c in doc.clauses if c.parent_id == task2.id]
    assert [c.label for c in subs] == ["1.", "2."]
    points = [c for c in doc.clauses if c.parent_id == subs[1].id]
    assert [c.label for c in points] == ["(1)", "(2)"]
    assert by_label["二、"].id == task2.parent_id


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_gbk_and_utf8_give_the_same_tree(tmp_path: Path, encoding: str) -> None:
    text = (DATA / "regulation_sample.txt").read_text(encoding="utf-8")
    path = tmp_path / f"reg-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    doc = parse_document(load_file(path))
    assert [c.label for c in _kind(doc, ClauseKind.ARTICLE)] == [f"第{n}条" for n in "一二三四五六七"]


def test_docx_and_pdf_give_the_same_articles(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    text = (DATA / "regulation_sample.txt").read_text(encoding="utf-8")
    d = docx.Document()
    for line in text.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "reg.docx")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(tmp_path / "reg.pdf"), pagesize=A4)
    c.setFont("STSong-Light", 9)
    y = 800
    for line in text.splitlines():
        c.drawString(30, y, line)
        y -= 14
    c.save()
    for name in ("reg.docx", "reg.pdf"):
        doc = parse_document(load_file(tmp_path / name))
        labels = [c.label for c in _kind(doc, ClauseKind.ARTICLE)]
        assert labels == [f"第{n}条" for n in "一二三四五六七"], name


# One duty line for a whole task, or one per sub-task: where it is written decides whom it names.
DUTY_PLAN = """河川市2024年工作要点

一、重点任务
（一）完善网络基础设施。
1.推进政务外网改造升级。
2.加快5G网络建设。
3.推进公共视频资源整合共享。
责任单位：市大数据局（牵头），市委网信办
（二）深化一网通办。
1.提升网办深度。年底前全程网办率达到92%。（市政务服务中心牵头，各区市配合）
2.推行免证办。年底前电子证照归集种类达到500类。
责任单位：市大数据局（牵头），市公安局
（三）开展揭榜挂帅。揭榜主体应当同时符合下列条件：
（1）在本市注册；
（2）注册成立不满5年。
场景需求清单于5月底前发布。（市大数据局牵头，市财政局配合）
"""


def test_a_duty_line_names_the_task_it_closes() -> None:
    from ingest.types import LoadedText

    doc = parse_document(LoadedText("duty.txt", DUTY_PLAN, "txt"))
    by_title = {c.title: c for c in doc.clauses}

    def depts(title: str) -> list[str]:
        return [d.name for d in by_title[title].facts.departments]

    # 1.–3. name no one: the line after 3. is the whole task's (一).
    assert depts("完善网络基础设施") == ["市大数据局", "市委网信办"] and depts("推进公共视频资源整合共享") == []
    # 1. names its own: the line after 2. is 2.'s alone.
    assert depts("推行免证办") == ["市大数据局", "市公安局"] and depts("深化一网通办") == []
    # A paragraph after (1)(2) points that closes with "(A牵头…)" is the task's, not point (2)'s.
    assert depts("开展揭榜挂帅") == ["市大数据局", "市财政局"]
