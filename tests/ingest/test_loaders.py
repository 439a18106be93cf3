"""Loaders: every supported format yields the same policy text, and bad files fail with a
Chinese message the user can act on.

Fixtures are built in ``tmp_path`` from one short policy text. Full-width punctuation is
written as escapes (\\uff0c ， \\uff1a ： \\uff08 （ \\uff09 ）) so that no editor or formatter can
fold it to ASCII: the loaders must keep it exactly as written.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import struct
import subprocess
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import docx
import pytest
from pypdf import PdfReader
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.errors import CorruptFileError, EmptyDocumentError, IngestError, UnsupportedFormatError
from ingest.loaders import SUPPORTED_EXTENSIONS, join_broken_lines, load_bytes, load_file, normalize_text

COMMA, COLON, LPAREN, RPAREN = "\uff0c", "\uff1a", "\uff08", "\uff09"

TITLE = "关于印发《济南市数据要素市场培育实施方案》的通知"
DOC_NUMBER = "济政办发〔2023〕5号"
ADDRESSEE = f"各区县人民政府{COMMA}市政府各部门{COLON}"
INTRO = f"《济南市数据要素市场培育实施方案》已经市政府同意{COMMA}现印发给你们{COMMA}请认真贯彻执行。"
HEADING = "一、总体要求"
MEASURE_1 = (
    f"1.完善数据要素供给体系。推动企业开展数据分类分级治理{COMMA}"
    f"对首次通过DCMM二级及以上企业给予财政补贴。{LPAREN}市大数据局负责{RPAREN}"
)
MEASURE_2 = (
    f"2.培育数据要素交易体系。依托市数据交易平台开展数据产品登记{COMMA}2023年底{COMMA}"
    f"数据产品上架数量不少于200个。{LPAREN}市工业和信息化局、市大数据局按分工负责{RPAREN}"
)
ISSUER = "济南市人民政府办公厅"
DATE = "2023年2月10日"
POLICY_LINES = [TITLE, DOC_NUMBER, ADDRESSEE, INTRO, HEADING, MEASURE_1, MEASURE_2, ISSUER, DATE]
TABLE_ROWS = [["指标", "目标值"], ["数据产品上架数量", "200个"]]

# What a user must find in the loaded text, whatever the format (full-width punctuation kept).
EXPECTED = [
    TITLE,
    DOC_NUMBER,
    HEADING,
    f"对首次通过DCMM二级及以上企业给予财政补贴。{LPAREN}市大数据局负责{RPAREN}",
    f"2023年底{COMMA}数据产品上架数量不少于200个。",
    DATE,
]


# ---------------------------------------------------------------------------------------
# Fixture builders: each writes one file and returns its path
# ---------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_txt(tmp: Path, encoding: str = "utf-8", name: str = "policy.txt") -> Path:
    # Windows line endings on purpose: they must come out as "\n".
    return _write(tmp / name, "\r\n\r\n".join(POLICY_LINES).encode(encoding))


def make_md(tmp: Path) -> Path:
    bold_measure = MEASURE_1.replace("1.完善数据要素供给体系。", "**1.完善数据要素供给体系。**")
    table = "| 指标 | 目标值 |\n| --- | --- |\n| 数据产品上架数量 | 200个 |"
    blocks = [f"# {TITLE}", DOC_NUMBER, ADDRESSEE, INTRO, f"## {HEADING}", bold_measure, MEASURE_2, table, ISSUER, DATE]
    text = "\n\n".join(blocks)
    return _write(tmp / "policy.md", text.encode("utf-8"))


def make_docx(tmp: Path) -> Path:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "页眉内容不属于正文"
    for line in POLICY_LINES[:6]:
        document.add_paragraph(line)
    table = document.add_table(rows=3, cols=2)
    for row, values in zip(table.rows, TABLE_ROWS):
        for cell, value in zip(row.cells, values):
            cell.text = value
    merged = table.rows[2].cells[0].merge(table.rows[2].cells[1])
    merged.text = "备注:以上为年度目标"
    for line in POLICY_LINES[6:]:
        document.add_paragraph(line)
    path = tmp / "policy.docx"
    document.save(str(path))
    return path


PDF_FONT = "STSong-Light"
PDF_LINE_CELLS = 56  # 28 Chinese characters per line, as on an A4 page in 三号 font


def _wrap(line: str, cells: int = PDF_LINE_CELLS) -> list[str]:
    """Break a paragraph the way a PDF layout does: by width, in the middle of sentences."""
    out, current, width = [], "", 0
    for ch in line:
        w = 1 if ch.isascii() else 2
        if width + w > cells:
            out.append(current)
            current, width = "", 0
        current += ch
        width += w
    return out + [current]


def _pdf_bytes(pages: list[list[str]], **canvas_args: object) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, **canvas_args)
    for lines in pages:
        pdf.setFont(PDF_FONT, 12)
        for index, line in enumerate(lines):
            pdf.drawString(40, 800 - 20 * index, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_pages() -> list[list[str]]:
    """The policy laid out on two pages with a page number; MEASURE_2 runs across the break."""
    lines = [wrapped for line in POLICY_LINES for wrapped in _wrap(line)]
    split = lines.index(_wrap(MEASURE_2)[1])
    return [lines[:split] + ["— 1 —"], lines[split:] + ["— 2 —"]]


def make_pdf(tmp: Path) -> Path:
    return _write(tmp / "policy.pdf", _pdf_bytes(pdf_pages()))


def make_html(tmp: Path) -> Path:
    body = "".join(f"<p>{line}</p>" for line in POLICY_LINES[1:7])
    rows = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in TABLE_ROWS)
    page = f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>济南市人民政府 网站标题</title><style>.c {{ color: red }}</style>
<script>var tracker = "统计脚本不应出现";</script></head>
<body><header>网站首页 政务公开</header><nav><ul><li>导航首页</li><li>导航政策</li></ul></nav>
<div class="article"><h1>{TITLE}</h1>
{body}
<table><tbody>{rows}</tbody></table>
<p style="text-align:right">{ISSUER}<br>{DATE}</p></div>
<script>document.write("正文后的脚本");</script><!-- 注释不应出现 -->
<footer>版权所有 主办单位</footer></body></html>"""
    # Declared gb2312 but encoded as GBK, as many government sites do.
    return _write(tmp / "policy.html", page.encode("gbk"))


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "txt-utf8": make_txt,
    "txt-utf8-bom": lambda tmp: make_txt(tmp, "utf-8-sig"),
    "txt-gbk": lambda tmp: make_txt(tmp, "gbk"),
    "txt-utf16-bom": lambda tmp: make_txt(tmp, "utf-16"),
    "md": make_md,
    "docx": make_docx,
    "pdf": make_pdf,
    "html": make_html,
}


# ---------------------------------------------------------------------------------------
# Every format loads the same policy text
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, fmt, encoding",
    [
        ("txt-utf8", "txt", "utf-8"),
        ("txt-utf8-bom", "txt", "utf-8-sig"),
        ("txt-gbk", "txt", "gb18030"),
        ("txt-utf16-bom", "txt", "utf-16"),
        ("md", "md", "utf-8"),
        ("docx", "docx", ""),
        ("pdf", "pdf", ""),
        ("html", "html", "gb18030"),
    ],
)
def test_every_format_yields_the_policy_sentences(tmp_path: Path, kind: str, fmt: str, encoding: str) -> None:
    path = BUILDERS[kind](tmp_path)
    loaded = load_file(path)
    for sentence in EXPECTED:
        assert sentence in loaded.text, f"{kind}: missing {sentence!r}"
    assert (loaded.source, loaded.format, loaded.encoding) == (path.name, fmt, encoding)
    assert "\r" not in loaded.text and "\ufeff" not in loaded.text


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_upload_bytes_load_like_the_file(tmp_path: Path, kind: str) -> None:
    """Web uploads go through load_bytes; the result must equal loading the saved file."""
    path = BUILDERS[kind](tmp_path)
    assert load_bytes(path.read_bytes(), path.name) == load_file(path)


def test_supported_extensions_are_the_ones_that_load() -> None:
    """Folder ingestion picks files by SUPPORTED_EXTENSIONS; each must have a loader."""
    assert SUPPORTED_EXTENSIONS == {".txt", ".text", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm", ".ofd",
                                    ".doc", ".wps", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}


def test_source_is_the_file_name_not_the_path(tmp_path: Path) -> None:
    path = make_txt(tmp_path, name="政策.TXT")  # upper-case extension is accepted too
    assert load_file(str(path)).source == "政策.TXT"
    assert load_bytes(path.read_bytes(), "/uploads/user/政策.TXT").source == "政策.TXT"


def test_bundled_corpus_document_loads() -> None:
    corpus = Path(__file__).resolve().parents[2] / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
    loaded = load_file(corpus)
    assert loaded.text.startswith("关于印发《山东省2022年数字经济“重点突破”行动方案》的通知")
    assert "(省工业和信息化厅、省大数据局按分工负责)" in loaded.text
    assert "\n2022年3月22日\n" in loaded.text  # trailing no-break spaces stripped


# ---------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
        ("零\u200b宽\u200d字符\ufeff与\x00空字符", "零宽字符与空字符"),
        ("行尾空格  \t\n下一行\u3000", "行尾空格\n下一行"),
        ("上文\n\u3000\u3000\n下文", "上文\n\n下文"),  # a \u3000-only line becomes empty
        ("\u3000\u3000首行缩进保留", "\u3000\u3000首行缩进保留"),
        ("甲\n\n\n\n\n\n乙", "甲\n\n\n乙"),  # five blank lines → two
        (f"全角标点{COMMA}保留{LPAREN}不转换{RPAREN}", f"全角标点{COMMA}保留{LPAREN}不转换{RPAREN}"),
        ("\n\n  \n正文\n\n", "正文"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_markdown_heading_and_bold_markers_are_removed(tmp_path: Path) -> None:
    text = load_file(make_md(tmp_path)).text
    assert text.split("\n")[0] == TITLE
    assert f"\n{HEADING}\n" in text
    assert "\n1.完善数据要素供给体系。推动企业" in text
    assert "#" not in text and "**" not in text
    assert "| 数据产品上架数量 | 200个 |" in text  # table rows stay as written


def test_docx_tables_stay_in_body_order(tmp_path: Path) -> None:
    lines = load_file(make_docx(tmp_path)).text.split("\n")
    table_at = lines.index("指标 | 目标值")
    assert lines[table_at + 1] == "数据产品上架数量 | 200个"
    assert lines[table_at + 2] == "备注:以上为年度目标"  # merged cell written once
    assert lines.index(MEASURE_1) < table_at < lines.index(MEASURE_2)
    assert "页眉内容不属于正文" not in "\n".join(lines)


def test_pdf_rejoins_lines_broken_inside_sentences(tmp_path: Path) -> None:
    """Measures wrap over several lines (and MEASURE_2 over a page break with a page number)."""
    lines = load_file(make_pdf(tmp_path)).text.split("\n")
    assert lines == POLICY_LINES
    assert len(_wrap(MEASURE_1)) > 1 and len(_wrap(MEASURE_2)) > 1  # the fixture really wraps


def test_html_keeps_visible_blocks_only(tmp_path: Path) -> None:
    text = load_file(make_html(tmp_path)).text
    for hidden in ("统计脚本", "正文后的脚本", "注释不应出现", "导航首页", "网站首页", "版权所有", "网站标题", "color"):
        assert hidden not in text
    lines = text.split("\n")
    assert lines[:2] == [TITLE, DOC_NUMBER]
    assert "指标 | 目标值" in lines and lines[-2:] == [ISSUER, DATE]


def test_html_without_declared_charset_is_detected(tmp_path: Path) -> None:
    page = f"<html><body><p>{MEASURE_1}</p><p>第二段<br>换行后的文字</p></body></html>"
    path = _write(tmp_path / "page.htm", page.encode("gbk"))
    loaded = load_file(path)
    assert loaded.text == f"{MEASURE_1}\n第二段\n换行后的文字"
    assert loaded.encoding == "gb18030"


@pytest.mark.parametrize(
    "lines, expected",
    [
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出如", "下意见。"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出如下意见。"],
            id="wrapped sentence is joined",
        ),
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见。", "下一段开始"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见。", "下一段开始"],
            id="sentence end is kept",
        ),
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", "一、总体要求"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", "一、总体要求"],
            id="heading 一、 is not joined",
        ),
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", f"{LPAREN}一{RPAREN}目标"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", f"{LPAREN}一{RPAREN}目标"],
            id="heading (一) is not joined",
        ),
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", "第三条 适用范围"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", "第三条 适用范围"],
            id="heading 第X条 is not joined",
        ),
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", "2.打造软件名城"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见", "2.打造软件名城"],
            id="heading 2. is not joined",
        ),
        pytest.param(
            ["关于印发《方案》的通知", "为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出", "意见。"],
            ["关于印发《方案》的通知", "为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出意见。"],
            id="short title line stays alone",
        ),
        pytest.param(
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出", "", "意见"],
            ["为贯彻落实《规划》要求结合本地实际现就加快推进数字经济发展提出", "", "意见"],
            id="blank line is a paragraph break",
        ),
    ],
)
def test_join_broken_lines(lines: list[str], expected: list[str]) -> None:
    assert join_broken_lines(lines) == expected


# ---------------------------------------------------------------------------------------
# PDF layout: paragraphs and tables rebuilt from where the glyphs are printed
# ---------------------------------------------------------------------------------------
#
# These PDFs are set the way a word processor prints a Chinese 公文: every character at its
# own position in a block of 28 characters (三号, 16 pt) between fixed margins, a two-character
# first-line indent, every line but a paragraph's last justified to the right margin, and the
# Chinese line-breaking rule that a line may not start with 、。，；… (the character before
# moves down with it, and the line left short is stretched). Each SetLine is one printed line.

BODY_SIZE = 16
BODY_CHARS = 28
LEFT = 80.0
RIGHT = LEFT + BODY_CHARS * BODY_SIZE
TOP = 760.0
PITCH = 28.0  # baseline to baseline


def _em(ch: str) -> float:
    """Advance of a character in ems: Latin letters and digits are half-width."""
    return 0.5 if ch.isascii() else 1.0


def _runs(text: str) -> list[str]:
    """Each Chinese character on its own, Latin letters and digits in runs (as printers set them)."""
    return re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]", text)


def _draw_chars(pdf: canvas.Canvas, text: str, x: float, y: float, size: float, gap: float = 0.0) -> None:
    """Set each run at its own position, ``gap`` points of justification after each."""
    pdf.setFont(PDF_FONT, size)
    for run in _runs(text):
        pdf.drawString(x, y, run)
        x += sum(map(_em, run)) * size + gap


class SetLine(NamedTuple):
    """One printed line of running text."""

    text: str
    indent: bool = False  # first line of a paragraph: two characters in
    justify: bool = True  # stretched to the right margin (every line but a paragraph's last)
    size: float = BODY_SIZE
    centred: bool = False

    def draw(self, pdf: canvas.Canvas, y: float) -> float:
        natural = sum(map(_em, self.text)) * self.size
        x = LEFT + (2 * self.size if self.indent else 0.0)
        if self.centred:
            x = (LEFT + RIGHT - natural) / 2
        assert natural <= RIGHT - x + 0.01, f"line too long for the text block: {self.text}"
        runs = len(_runs(self.text))
        gap = (RIGHT - x - natural) / (runs - 1) if self.justify and runs > 1 else 0.0
        _draw_chars(pdf, self.text, x, y, self.size, gap)
        return y - PITCH * max(1.0, self.size / BODY_SIZE)


def paragraph(*lines: str, last_full: bool = False) -> list[SetLine]:
    """A paragraph as printed: first line indented, all lines but the last justified."""
    return [SetLine(text, indent=i == 0, justify=i < len(lines) - 1 or last_full) for i, text in enumerate(lines)]


class RuledTable(NamedTuple):
    """A table with a border around every cell (drawn as stroked lines); cell text wraps
    inside its column, 12 pt."""

    rows: list[list[str]]
    widths: list[float]  # column widths in characters
    size: float = 12.0

    def draw(self, pdf: canvas.Canvas, y: float) -> float:
        pad, leading = 4.0, 16.0
        xs = [LEFT]
        for width in self.widths:
            xs.append(xs[-1] + width * self.size + 2 * pad)
        top = y + BODY_SIZE  # the table starts where the line's ascent would
        pdf.setLineWidth(0.75)
        pdf.line(xs[0], top, xs[-1], top)
        for row in self.rows:
            wrapped = [self._wrap(text, width) for text, width in zip(row, self.widths)]
            bottom = top - max(map(len, wrapped)) * leading - 2 * pad
            for x, cell_lines in zip(xs, wrapped):
                for index, text in enumerate(cell_lines):
                    _draw_chars(pdf, text, x + pad, top - pad - self.size - index * leading, self.size)
            for x in xs:
                pdf.line(x, top, x, bottom)
            pdf.line(xs[0], bottom, xs[-1], bottom)
            top = bottom
        return top - PITCH - BODY_SIZE

    @staticmethod
    def _wrap(text: str, width: float) -> list[str]:
        lines, current = [], ""
        for ch in text:
            if sum(map(_em, current + ch)) > width:
                lines.append(current)
                current = ""
            current += ch
        return lines + [current]


def layout_pdf(tmp: Path, pages: list[list[SetLine | RuledTable]], name: str = "layout.pdf") -> Path:
    """Print the pages (top to bottom) with a page number "— n —" centred in the footer."""
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    for number, blocks in enumerate(pages, start=1):
        y = TOP
        for block in blocks:
            y = block.draw(pdf, y)
        folio = f"— {number} —"
        _draw_chars(pdf, folio, (LEFT + RIGHT - sum(map(_em, folio)) * 14) / 2, 60, 14)
        pdf.showPage()
    pdf.save()
    return _write(tmp / name, buffer.getvalue())


# 第三十二条 as printed: "、" may not start a line, so "假" moved down and the first line was
# stretched; the same happened to "任" before "。".
KINSOKU_LINES = [
    "第三十二条　参与评审的专家和第三方机构等存在弄虚作",
    "假、违规泄露评审信息等行为的，取消其评审资格，3年内不得",
    "参与本市财政专项资金评审工作；造成损失的，依法承担赔偿责",
    "任。",
]
NEXT_ARTICLE = ["第三十三条　本办法由市财政局负责解释。"]


@pytest.mark.parametrize("justify", [True, False], ids=["justified", "ragged-right"])
def test_pdf_line_left_short_by_line_breaking_rules_is_joined(tmp_path: Path, justify: bool) -> None:
    """Ragged-right: the short line is not stretched back to the margin, it ends a character early."""
    lines = paragraph(*KINSOKU_LINES) if justify else [line._replace(justify=False) for line in paragraph(*KINSOKU_LINES)]
    path = layout_pdf(tmp_path, [lines + paragraph(*NEXT_ARTICLE)])
    assert load_file(path).text.split("\n") == ["".join(KINSOKU_LINES), NEXT_ARTICLE[0]]


def test_pdf_line_starting_with_closing_punctuation_continues(tmp_path: Path) -> None:
    """A producer without line-breaking rules may start a line with "。": it still continues the
    sentence, however short the line before it is."""
    lines = [
        SetLine("第三十四条　鼓励社会公众进行监督", indent=True, justify=False),  # far from full
        SetLine("。任何单位和个人发现违规申报的，可以向市财政局举报。", justify=False),
    ]
    path = layout_pdf(tmp_path, [lines + paragraph(*NEXT_ARTICLE)])
    assert load_file(path).text.split("\n") == ["".join(line.text for line in lines), NEXT_ARTICLE[0]]


def test_pdf_full_line_with_half_width_digits_is_joined(tmp_path: Path) -> None:
    """Digits and % are half-width: the line holds 31 characters yet is exactly full."""
    lines = [
        "第十二条　落户奖励最高不超过300万元，由企业县区财政",
        "部门分三年拨付，每年按照企业年度考核结果拨付40%、30%、",
        "30%；首笔资金在企业完成注册并实缴注册资本后拨付。",
    ]
    path = layout_pdf(tmp_path, [paragraph(*lines) + paragraph(*NEXT_ARTICLE)])
    assert load_file(path).text.split("\n") == ["".join(lines), NEXT_ARTICLE[0]]


ARTICLE_33 = [
    "第三十三条　各级财政、工业和信息化等部门及其工作人员",
    "在专项资金分配、审核和管理过程中，存在滥用职权、玩忽职",
    "守、徇私舞弊等违法违纪行为的，依照《中华人民共和国预算",
    "法》《财政违法行为处罚处分条例》等法规规定追究相应责任；",
    "构成犯罪的，依法追究刑事责任。",
]


@pytest.mark.parametrize(
    "next_page, joined",
    [
        pytest.param([SetLine(ARTICLE_33[4], justify=False)], True, id="unindented line goes on"),
        pytest.param(paragraph("第三十四条　本办法由市财政局负责解释。"), False, id="indented line is a new paragraph"),
        pytest.param([SetLine("（一）提供虚假材料、虚报冒领专项资金的；", justify=False)], False,
                     id="numbered item is a new paragraph"),
    ],
)
def test_pdf_paragraph_across_a_page_break(tmp_path: Path, next_page: list[SetLine], joined: bool) -> None:
    """Page 1 ends with a full line ending in "；" (and a page number under it)."""
    first_page = paragraph(*KINSOKU_LINES) + paragraph(*ARTICLE_33[:4], last_full=True)
    path = layout_pdf(tmp_path, [first_page, next_page])
    lines = load_file(path).text.split("\n")
    article = "".join(ARTICLE_33[:4])
    if joined:
        assert lines == ["".join(KINSOKU_LINES), article + next_page[0].text]
    else:
        assert lines == ["".join(KINSOKU_LINES), article, next_page[0].text]


def test_pdf_paragraphs_are_told_apart_by_the_first_line_indent(tmp_path: Path) -> None:
    """A full line ending in "。" goes on when the next line is not indented; a paragraph whose
    last line happens to be full ends when the next line is indented."""
    rule = ["同一企业同一年度申报支持事项原则上不超过20项。", "已获得本办法支持的项目，不得以同一内容变更名称后申报。"]
    decision = ["拟支持项目经审核后，由市工业和信息化局统一在门户网站", "向社会公示，公示期为7天。公示期间收到异议的，应当核实。"]
    pages = [paragraph(*rule, last_full=True) + paragraph(*decision, last_full=True) + paragraph(*NEXT_ARTICLE)]
    assert load_file(layout_pdf(tmp_path, pages)).text.split("\n") == ["".join(rule), "".join(decision), NEXT_ARTICLE[0]]


def test_pdf_title_broken_over_centred_lines_is_one_line(tmp_path: Path) -> None:
    """The 红头 title set by hand over three centred lines in 二号 (22 pt) comes out as one line;
    a centred chapter heading in body size stays alone, and so does the 发文字号 under the title."""
    title = ["临沂市人民政府办公室", "关于印发临沂市数字经济发展专项资金", "管理办法的通知"]
    page = [SetLine(text, justify=False, size=22, centred=True) for text in title]
    page += [SetLine("临政办发〔2024〕12号", justify=False, centred=True),
             SetLine("第一章　总　　则", justify=False, centred=True),
             SetLine("第一节　一般规定", justify=False, centred=True)]
    page += paragraph(*KINSOKU_LINES) + paragraph(*NEXT_ARTICLE)
    assert load_file(layout_pdf(tmp_path, [page])).text.split("\n") == [
        "".join(title), "临政办发〔2024〕12号", "第一章　总　　则", "第一节　一般规定", "".join(KINSOKU_LINES), NEXT_ARTICLE[0]]


PDF_TABLE_HEADER = ["序号", "支持事项", "支持标准", "主管部门"]
PDF_TABLE_ROWS = [
    ["1", "软件企业规模奖励", "年度软件业务收入首次突破5000万元的，奖励30万元", "市工业和信息化局"],
    ["2", "首版次高端软件产品", "每个产品奖励30万元", "市工业和信息化局"],
    ["3", "数据管理能力成熟度评估", "首次通过DCMM三级的，奖励10万元", "市大数据局"],
    ["4", "算力券", "按算力服务合同实际结算金额的15%补贴", "市大数据局"],
    ["5", "直播电商基地", "年度网络零售额首次突破5亿元的，给予一次性奖励", "市商务局、市财政局"],
]
PDF_TABLE_NOTE = "注：同一企业每年获得各项支持资金合计不超过500万元。"


def test_pdf_ruled_table_comes_out_as_rows(tmp_path: Path) -> None:
    """A table running over a page break with its header row repeated: one " | " line per row,
    wrapped cell text joined (序号 is two lines in its narrow column), the repeated header
    dropped, the note under the table on its own line, text before it untouched."""
    widths = [1.5, 5, 9, 5]
    pages = [
        paragraph("附件所列支持事项和标准如下表。")
        + [RuledTable([PDF_TABLE_HEADER, *PDF_TABLE_ROWS[:3]], widths)],
        [RuledTable([PDF_TABLE_HEADER, *PDF_TABLE_ROWS[3:]], widths), SetLine(PDF_TABLE_NOTE, justify=False)],
    ]
    assert RuledTable._wrap("序号", 1.5) == ["序", "号"]  # the fixture really wraps the cells
    assert len(RuledTable._wrap(PDF_TABLE_ROWS[0][2], 9)) > 1
    lines = load_file(layout_pdf(tmp_path, pages)).text.split("\n")
    assert lines == [
        "附件所列支持事项和标准如下表。",
        " | ".join(PDF_TABLE_HEADER),
        *(" | ".join(row) for row in PDF_TABLE_ROWS),
        PDF_TABLE_NOTE,
    ]


def test_pdf_table_set_across_a_portrait_page_is_read_upright(tmp_path: Path) -> None:
    """A wide annex table turned a quarter to fit a portrait page (its text runs upwards)."""
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    pdf.translate(595, 0)
    pdf.rotate(90)  # from here on x runs up the page and y leftwards: a landscape page
    y = 500.0
    for block in [SetLine("附件：支持标准一览表", justify=False),
                  RuledTable([PDF_TABLE_HEADER, *PDF_TABLE_ROWS], [1.5, 5, 9, 5])]:
        y = block.draw(pdf, y)
    pdf.showPage()
    pdf.save()
    lines = load_file(_write(tmp_path / "turned.pdf", buffer.getvalue())).text.split("\n")
    assert lines == ["附件：支持标准一览表", " | ".join(PDF_TABLE_HEADER), *(" | ".join(row) for row in PDF_TABLE_ROWS)]


def test_pdf_with_text_set_several_ways_falls_back_to_plain_extraction(tmp_path: Path) -> None:
    """A page whose text runs both across and up the page has no one reading direction: pypdf's
    plain extraction is used, and nothing is lost."""
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    pdf.setFont(PDF_FONT, BODY_SIZE)
    pdf.drawString(LEFT, TOP, "第一条　为规范专项资金管理，制定本办法。")
    pdf.saveState()
    pdf.translate(60, 100)
    pdf.rotate(90)
    pdf.drawString(0, 0, "附件：支持标准一览表（横排）")
    pdf.restoreState()
    pdf.showPage()
    pdf.save()
    text = load_file(_write(tmp_path / "mixed.pdf", buffer.getvalue())).text
    assert "第一条　为规范专项资金管理，制定本办法。" in text and "附件：支持标准一览表（横排）" in text


def test_pdf_overprinted_bold_characters_are_read_once(tmp_path: Path) -> None:
    """Some producers fake bold by printing each character twice, a fraction of a point apart."""
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for offset in (0.0, 0.4):
        _draw_chars(pdf, "第一条", LEFT + offset, TOP, BODY_SIZE)
    _draw_chars(pdf, "　为规范专项资金管理，制定本办法。", LEFT + 3 * BODY_SIZE, TOP, BODY_SIZE)
    pdf.showPage()
    pdf.save()
    assert load_file(_write(tmp_path / "bold.pdf", buffer.getvalue())).text == "第一条　为规范专项资金管理，制定本办法。"


# ---------------------------------------------------------------------------------------
# The same, printed from HTML by Chromium (justified text, its own line breaking)
# ---------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-center { content: "— " counter(page) " —"; font-size: 14pt; } }
body { margin: 0; font-size: 16pt; line-height: 28.9pt; text-align: justify; }
h1 { font-size: 22pt; line-height: 32pt; font-weight: normal; text-align: center; margin: 0 0 20pt 0; }
p { margin: 0; text-indent: 2em; orphans: 1; widows: 1; }
table { width: 100%; border-collapse: collapse; font-size: 12pt; line-height: 18pt; }
thead { display: table-header-group; }
th, td { border: 0.75pt solid #000; padding: 4pt 5pt; }
p.note { font-size: 12pt; text-indent: 0; margin-top: 6pt; }
"""
# Long articles full of 、，；。 so that lines break before punctuation and across pages.
CHROMIUM_PARAGRAPHS = [
    f"第{n}条　" + "".join(
        f"市工业和信息化局会同市财政局、市大数据局等{k + 2}个部门，每年对第{k + 1}批项目开展绩效评价；"
        f"评价结果为“优秀”的，按照{10 + k}%、{20 + k}%的比例增加下一年度资金，"
        "评价结果为“不合格”的，收回已拨付资金。"
        for k in range(n % 4 + 2))
    for n in range(1, 13)
]
CHROMIUM_TABLE = [[str(n), f"支持事项{n}", f"首次认定的，按照投资额的{n}%给予补助，单个项目最高不超过{n * 10}万元",
                   "市工业和信息化局、市财政局"] for n in range(1, 41)]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs headless Chromium to print the PDF")
def test_pdf_printed_by_chromium_gives_paragraphs_and_table_rows(tmp_path: Path) -> None:
    """Every <p> comes out as exactly one line (wherever Chromium broke its lines and pages),
    the hand-broken title as one line, the table as " | " rows with its repeated header once,
    and no page numbers."""
    title = ["临沂市人民政府办公室", "关于印发临沂市数字经济发展专项资金", "管理办法的通知"]
    body = "".join(f"<p>{text}</p>" for text in CHROMIUM_PARAGRAPHS)
    head = "".join(f"<th>{text}</th>" for text in PDF_TABLE_HEADER)
    rows = "".join("<tr>" + "".join(f"<td>{text}</td>" for text in row) + "</tr>" for row in CHROMIUM_TABLE)
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{CHROMIUM_CSS}</style></head>'
            f'<body><h1>{"<br>".join(title)}</h1>{body}<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
            f'</table><p class="note">{PDF_TABLE_NOTE}</p></body></html>')
    source = _write(tmp_path / "doc.html", page.encode("utf-8"))
    pdf = tmp_path / "doc.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", source.as_uri()],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    printed = PdfReader(str(pdf))
    raw_lines = [line for page in printed.pages for line in (page.extract_text() or "").split("\n")]
    assert len(printed.pages) > 3  # the fixture really breaks pages …
    assert any(len(line) > 1 and line[1] in "，、；。" for line in raw_lines)  # … and lines before punctuation
    lines = load_file(pdf).text.split("\n")
    assert lines == ["".join(title), *CHROMIUM_PARAGRAPHS, " | ".join(PDF_TABLE_HEADER),
                     *(" | ".join(row) for row in CHROMIUM_TABLE), PDF_TABLE_NOTE]


# ---------------------------------------------------------------------------------------
# Bad input: the right error class and a Chinese message
# ---------------------------------------------------------------------------------------

PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _random_bytes(size: int = 4096) -> bytes:
    return random.Random(20220322).randbytes(size)


def _docx_bomb() -> bytes:
    """A tiny .docx whose word/document.xml inflates to 201 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(201):
                member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def _image_only_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.rect(100, 400, 300, 200, fill=1)  # a "scanned" page: graphics, no text
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


BAD_INPUTS = [
    ("empty.txt", lambda: b"", EmptyDocumentError, "文件内容为空"),
    ("blank.txt", lambda: " \r\n\t\n\u3000\u3000\n".encode("utf-8"), EmptyDocumentError, "文件内容为空"),
    ("blank.md", lambda: "\n\n#  \n".encode("utf-8"), EmptyDocumentError, "文件内容为空"),
    ("empty.pdf", lambda: b"", EmptyDocumentError, "文件内容为空"),
    ("empty.html", lambda: b"<html><body><script>x()</script></body></html>", EmptyDocumentError, "文件内容为空"),
    ("picture.txt", lambda: PNG_BYTES, CorruptFileError, "文件不是有效的文本文件"),
    ("archive.txt", lambda: _zip_bytes({"a.txt": "内容".encode() * 50}), CorruptFileError, "文件不是有效的文本文件"),
    ("noise.txt", _random_bytes, CorruptFileError, "文件不是有效的文本文件"),
    ("noise.pdf", _random_bytes, CorruptFileError, "PDF文件已损坏"),
    ("header-only.pdf", lambda: b"%PDF-1.7\n" + _random_bytes(), CorruptFileError, "PDF文件已损坏"),
    ("scanned.pdf", _image_only_pdf, EmptyDocumentError, "PDF没有文字层(可能是扫描件),请先进行文字识别(OCR)后再上传"),
    ("noise.docx", _random_bytes, CorruptFileError, "不是有效的Word(.docx)文档"),
    ("no-body.docx", lambda: _zip_bytes({"[Content_Types].xml": b"<Types/>"}), CorruptFileError, "缺少正文部分"),
    ("bomb.docx", _docx_bomb, CorruptFileError, "解压后过大(超过200MB)"),
    ("broken.docx", lambda: _zip_bytes({"word/document.xml": b"<w:document"}), CorruptFileError, "Word文档已损坏"),
    ("table.xlsx", lambda: b"PK", UnsupportedFormatError, "不支持的文件格式“.xlsx”"),
    ("old.doc", lambda: b"\xd0\xcf\x11\xe0", CorruptFileError, "文件不是有效的旧版Word(.doc)文件"),
    ("noise.wps", _random_bytes, CorruptFileError, "文件不是有效的WPS(.wps)文件"),
    ("letter.doc", lambda: b"{\\rtf1\\ansi hello}", CorruptFileError, "该文件实际是RTF格式"),
    ("README", lambda: "政策".encode(), UnsupportedFormatError, "目前支持:纯文本(.txt)、Markdown(.md)、Word(.docx/.doc)"),
]


@pytest.mark.parametrize("via", ["file", "upload"])
@pytest.mark.parametrize("name, make, error, message", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_is_refused_with_a_chinese_message(
    tmp_path: Path, via: str, name: str, make: Callable[[], bytes], error: type[IngestError], message: str
) -> None:
    data = make()
    with pytest.raises(error) as caught:
        if via == "file":
            load_file(_write(tmp_path / name, data))
        else:
            load_bytes(data, name)
    assert type(caught.value) is error
    assert message in caught.value.user_message
    assert caught.value.source == name
    assert str(caught.value) == f"{name}: {caught.value.user_message}"


@pytest.mark.parametrize("via", ["file", "upload"])
def test_file_over_the_size_limit_is_refused(tmp_path: Path, via: str) -> None:
    data = ("政策文本。" * 80_000).encode("utf-8")  # 1.2 MB
    with pytest.raises(IngestError, match=r"文件过大\(超过1MB\)"):
        if via == "file":
            load_file(_write(tmp_path / "big.txt", data), max_bytes=1024 * 1024)
        else:
            load_bytes(data, "big.txt", max_bytes=1024 * 1024)


def test_default_size_limit_is_50_mb(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)  # sparse: refused from its size, never read
    with pytest.raises(IngestError, match=r"超过50MB"):
        load_file(path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="文件不存在或无法读取"):
        load_file(tmp_path / "不存在.txt")


def test_pdf_with_too_many_pages_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.pdf", _pdf_bytes([["第一页"]] + [[] for _ in range(2000)]))
    with pytest.raises(IngestError, match=r"PDF页数过多\(超过2000页\)"):
        load_file(path)


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "locked.pdf", _pdf_bytes([[TITLE]], encrypt="secret"))
    with pytest.raises(IngestError, match="PDF文件已加密"):
        load_file(path)


def test_pdf_with_only_an_owner_password_still_loads(tmp_path: Path) -> None:
    """"No copying" PDFs open without a password; their text must still be read."""
    encryption = StandardEncryption("", ownerPassword="owner", canCopy=0)
    path = _write(tmp_path / "no-copy.pdf", _pdf_bytes([[TITLE]], encrypt=encryption))
    assert load_file(path).text == TITLE


def test_stray_nul_bytes_in_real_text_are_removed(tmp_path: Path) -> None:
    """A few NULs (padding left by some export tools) do not make a text file binary."""
    text = "\n".join(POLICY_LINES)
    path = _write(tmp_path / "nul.txt", (text + "\x00\x00").encode("utf-8"))
    assert load_file(path).text == text


def test_html_page_chrome_without_semantic_tags_is_dropped(tmp_path: Path) -> None:
    """Government CMS pages mark menus, breadcrumbs and footers with <div class=...> only: link
    lists go by their link density, repeated boilerplate lines by their words."""
    links = " | ".join(f'<a href="/c{i}">栏目{i}</a>' for i in range(6))
    page = f"""<html><head><meta charset="utf-8"></head><body>
<div class="top">今天是：<span id="d"></span><div class="tl"><a href="#">无障碍浏览</a> | <a href="#">长者模式</a></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li>|</li><li><a href="/g">政务公开</a></li></ul></div>
<div class="crumb">您当前的位置：<a href="/">首页</a>&nbsp;&gt;&nbsp;<a href="/z">政策文件</a></div>
<div class="info">发布日期：2024-03-12 来源：市政府办公室 字号：大 中 小 浏览次数：3286</div>
<div id="zoom"><p>&nbsp;&nbsp;&nbsp;&nbsp;{MEASURE_1}</p>
<p>附件：<a href="/a1.doc">1.重点任务清单</a> <a href="/a2.doc">2.指标表</a></p>
<table><tr><td>指标</td><td>市政务服务中心、<br>市大数据局</td></tr></table></div>
<div class="tools">【打印本页】 【关闭窗口】</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/x">关于印发2023年工作要点的通知</a></li><li><a href="/y">图解</a></li></ul></div>
<div class="footer"><div>{links}</div><p>主办单位：市人民政府办公室</p><p>网站标识码：3706000001 鲁ICP备05012345号</p></div>
</body></html>"""
    text = load_file(_write(tmp_path / "page.html", page.encode("utf-8"))).text
    for chrome in ("今天是", "无障碍", "首页", "|\n", "您当前的位置", "字号", "浏览次数", "打印本页", "相关链接", "2023年工作要点",
                   "栏目", "主办单位", "网站标识码", "ICP备"):
        assert chrome not in text, chrome
    assert text.split("\n") == ["发布日期：2024-03-12 来源：市政府办公室", MEASURE_1, "附件：1.重点任务清单 2.指标表",
                                "指标 | 市政务服务中心、市大数据局"]


def test_markdown_comments_and_table_rules_are_not_text(tmp_path: Path) -> None:
    page = ("<!-- 说明：本文件为草稿，\n不对外发布 -->\n# 河川市管理办法\n\n**第一条**　为规范管理，制定本办法。\n\n"
            "| 序号 | 事项 | 牵头部门 |\n|---|:---:|---|\n| 1 | 项目审批 | 市大数据局 |\n")
    text = load_file(_write(tmp_path / "rules.md", page.encode("utf-8"))).text
    assert "草稿" not in text and "---" not in text
    assert text.split("\n")[0] == "河川市管理办法" and "第一条　为规范管理，制定本办法。" in text
    assert "| 序号 | 事项 | 牵头部门 |\n| 1 | 项目审批 | 市大数据局 |" in text


# ---- hostile structure: depth, width, lying archives, sheer length (issue 19) ---------------


def test_a_page_of_1000_nested_divs_is_read_without_recursion_error() -> None:
    """Issue 19: 1,000 nested <div>s raised RecursionError in the text walk (the batch was lost)."""
    html = "<html><body>" + "<div>" * 1000 + "第一条 为规范测试工作,制定本办法。" + "</div>" * 1000 + "</body></html>"
    assert load_bytes(html.encode("utf-8"), "deep.html").text == "第一条 为规范测试工作,制定本办法。"


def test_16000_nested_blocks_with_links_take_seconds_not_minutes() -> None:
    """Issue 19: 16,000 divs (0.18 MB) took 212 s in the link-list pass, which measured every block's
    subtree again. The menus still go: each div holds two links and little else."""
    html = ("<html><body><p>第一条 为规范测试工作,制定本办法。</p>"
            + "<div><a href='/a'>首页</a><a href='/b'>要闻</a>" * 16000 + "</div>" * 16000 + "</body></html>")
    started = time.monotonic()
    text = load_bytes(html.encode("utf-8"), "wide.html").text
    assert time.monotonic() - started < 20
    assert text == "第一条 为规范测试工作,制定本办法。"


def _lying_docx_bomb(inflated_mb: int, declared: int = 1000) -> bytes:
    """A .docx whose word/document.xml inflates to ``inflated_mb`` MB while its central directory
    declares ``declared`` bytes (the declared-size check alone lets it through)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w") as member:
            for _ in range(inflated_mb):
                member.write(bytes(1024 * 1024))
    data = bytearray(buffer.getvalue())
    entry = data.rfind(b"PK\x01\x02")  # the last central-directory entry: word/document.xml
    assert data[entry + 46:entry + 46 + 17] == b"word/document.xml"
    data[entry + 24:entry + 28] = struct.pack("<I", declared)
    return bytes(data)


def test_a_docx_whose_header_lies_about_its_size_is_refused_without_inflating_it() -> None:
    """Issue 19: a 1.5 MB .docx inflating to 1.5 GB raised the server by 2 GB: zipfile inflates a
    member in one call whatever its header declares. The loader counts while it inflates and stops
    at the declared size; Python's allocations stay small (tracemalloc sees bytes objects)."""
    bomb = _lying_docx_bomb(300)
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(CorruptFileError, match="实际内容超过文件声明的大小"):
            load_bytes(bomb, "bomb.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB held while refusing"


def test_a_text_of_more_than_a_million_characters_is_refused_with_a_clear_message() -> None:
    """Issue 19: a 49.99 MB text file was accepted and still parsing after 150 s."""
    data = ("政策文本,测试内容。\n" * 100_001).encode("utf-8")  # 1,100,011 characters, 3.2 MB
    with pytest.raises(IngestError, match=r"文件文字过多\(超过100万字\).*拆分"):
        load_bytes(data, "long.txt")
    with pytest.raises(IngestError, match=r"文件文字过多"):
        load_bytes(b"a" * (4_000_001), "long.md")  # refused from its size, before decoding


@pytest.mark.parametrize("text", ["<!--" * 50_000 + "\n正文", "正文\n" + "\n" * 50_000 + "正文", " " * 50_000 + "\n正文",
                                  "|---" * 30_000 + "\n正文"],
                         ids=["unclosed-comments", "blank-lines", "spaces", "rule-cells"])
def test_markdown_markup_removal_is_linear(text: str) -> None:
    """Issue 19 audit: ``<!--.*?-->`` rescanned the file for every unclosed "<!--" (20,000: 7 s),
    and the table-rule pattern's ``\\s*`` crossed lines (2,000 blank lines: 72 s)."""
    started = time.monotonic()
    assert load_bytes(text.encode("utf-8"), "odd.md").text.endswith("正文")
    assert time.monotonic() - started < 5


def test_markdown_comments_and_rule_rows_are_still_removed() -> None:
    page = "# 标题\n<!-- 编辑备注 -->\n| 项目 | 金额 |\n| :--- | ---: |\n| 补贴 | 10万元 |\n未闭合 <!-- 注释"
    assert load_bytes(page.encode("utf-8"), "t.md").text == "标题\n| 项目 | 金额 |\n| 补贴 | 10万元 |\n未闭合 <!-- 注释"
