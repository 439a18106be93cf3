"""Real portal pages (issue 16): the text printed twice (once laid out, once run together for
a print or share widget) keeps only its first copy, and annexes that exist only as download
links say so, so that a question about them is not answered from the notice.

The annex links copy the markup of the 天河区教育局 page in /work/shared/corpus-real.
"""

from __future__ import annotations

from ingest.document import parse_document
from ingest.loaders import LINKED_ANNEX_NOTE, load_bytes

BODY = ["第一条 为规范专项资金管理，制定本办法。", "第二条 专项资金用于支持企业数字化改造，单个项目补助不超过200万元。",
        "第三条 市工业和信息化局负责项目组织和监督管理，市财政局负责资金拨付和绩效管理。",
        "第四条 申报单位应当在本市注册，具有独立法人资格，近三年无严重失信记录，财务制度健全，依法纳税。",
        "第五条 项目实行常年申报、分批评审，评审结果在市工业和信息化局网站公示，公示期为5个工作日。",
        "第六条 对弄虚作假骗取专项资金的，收回已拨付资金，五年内不得申报市级财政专项资金。"]


def _page(body: str) -> bytes:
    return f"<html><body><h1>某市数字化改造专项资金管理办法</h1>{body}</body></html>".encode("utf-8")


def _text(body: str) -> str:
    return load_bytes(_page(body), "page.html").text


def test_a_second_copy_of_the_text_is_dropped() -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in BODY)
    text = _text(f'<div class="content">{paragraphs}</div><div class="print">{paragraphs}</div>')
    assert [text.count(line) for line in BODY] == [1] * len(BODY)


def test_a_run_together_copy_of_the_text_is_dropped() -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in BODY)
    text = _text(f'<div class="content">{paragraphs}</div><div class="share">{"".join(BODY)}</div>')
    assert all(text.count(line) == 1 for line in BODY)
    assert len(parse_document(load_bytes(_page(f"{paragraphs}<div>{''.join(BODY)}</div>"), "p.html")).clauses) >= 4


def test_short_repeated_lines_stay() -> None:
    """Two measures may well end with the same short sentence; only a long repeat is a copy."""
    text = _text("<p>第一条 甲。</p><p>责任单位：市财政局</p><p>第二条 乙。</p><p>责任单位：市财政局</p>")
    assert text.count("责任单位：市财政局") == 2


ANNEX_LINKS = """<p>第一条 本办法自印发之日起施行。</p><p>附件：</p>
<p><a href="http://www.example.gov.cn/attachment/8007308/10777181.docx">\u3000\u3000附件1.docx</a></p>
<p><a href="http://www.example.gov.cn/attachment/8007310/10777181.docx">\u3000\u3000附件2.docx</a></p>
<p><a href="http://www.example.gov.cn/about.html">关于我们</a></p>"""


def test_annexes_only_linked_say_they_are_not_provided() -> None:
    text = _text(ANNEX_LINKS)
    assert f"附件1.docx{LINKED_ANNEX_NOTE}" in text and f"附件2.docx{LINKED_ANNEX_NOTE}" in text
    assert "附件未随文件提供" in LINKED_ANNEX_NOTE and text.count(LINKED_ANNEX_NOTE) == 2
    annex = next(c for c in parse_document(load_bytes(_page(ANNEX_LINKS), "p.html")).clauses if c.label == "附件2")
    assert "附件未随文件提供" in annex.text


def test_an_annex_printed_in_the_page_is_not_marked() -> None:
    body = ANNEX_LINKS + "<p>附件1</p><p>申报表</p><table><tr><td>企业名称</td><td>项目名称</td></tr></table>"
    text = _text(body)
    assert f"附件1.docx{LINKED_ANNEX_NOTE}" not in text and f"附件2.docx{LINKED_ANNEX_NOTE}" in text
