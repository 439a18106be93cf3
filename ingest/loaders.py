"""Load a policy file (.txt/.md/.docx/.pdf/.html) into normalised text.

The loader is the only place where text is cleaned up: every later stage (clause parser,
citations) works on ``LoadedText.text`` and quotes it verbatim, so normalisation here is
deliberately minimal — line endings, invisible characters, trailing blanks, runs of empty
lines. Full-width punctuation and ``\\u3000`` indentation are kept as the user sees them.

Usage::

    loaded = load_file("data/corpus/shandong-2022-digital-economy-action-plan.txt")
    loaded.text, loaded.format, loaded.encoding

Every failure is an :class:`~ingest.errors.IngestError` subclass with a Chinese
``user_message`` that the front ends show as is.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import charset_normalizer
import docx
from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from ingest.errors import CorruptFileError, EmptyDocumentError, IngestError, UnsupportedFormatError
from ingest.types import LoadedText

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 2000
# python-docx inflates every part in memory; refuse archives that would expand beyond this.
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024

NOT_TEXT_MESSAGE = "文件不是有效的文本文件(可能是二进制文件或编码无法识别)"
EMPTY_MESSAGE = "文件内容为空"
SUPPORTED_FORMATS_TEXT = "纯文本(.txt)、Markdown(.md)、Word(.docx)、PDF(.pdf)、网页(.html/.htm)"


class _Decoded(NamedTuple):
    """Raw text extracted by one format reader, before normalisation."""

    text: str
    encoding: str


_Reader = Callable[[bytes], _Decoded]


# ---------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------


def load_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Read a policy file from disk.

    :param path: a .txt/.text/.md/.markdown/.docx/.pdf/.html/.htm file.
    :param max_bytes: size limit; larger files are refused before they are read.
    :returns: the normalised text; ``source`` is the file name, not the full path.
    :raises UnsupportedFormatError: unknown extension.
    :raises EmptyDocumentError: nothing but whitespace, or a PDF without a text layer.
    :raises CorruptFileError: binary data, damaged .docx/.pdf.
    :raises IngestError: file missing or larger than ``max_bytes``.
    """
    path = Path(path)
    _format_for(path.name)  # refuse unknown types before touching the file
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError("文件不存在或无法读取", source=path.name) from exc
    if not path.is_file():
        raise IngestError("文件不存在或无法读取", source=path.name)
    _check_size(size, max_bytes, path.name)
    return load_bytes(path.read_bytes(), path.name, max_bytes=max_bytes)


def load_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Load an uploaded file's bytes; ``name`` (its file name) selects the format.

    Same errors as :func:`load_file`.
    """
    source = Path(name).name
    fmt, reader = _format_for(source)
    _check_size(len(data), max_bytes, source)
    try:
        decoded = reader(data) if data.strip() else _Decoded("", "")
    except IngestError as exc:
        exc.source = exc.source or source
        raise
    text = normalize_text(decoded.text)
    if not text.strip():
        raise EmptyDocumentError(EMPTY_MESSAGE, source=source)
    return LoadedText(source=source, text=text, format=fmt, encoding=decoded.encoding)


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\x00"), None)


def normalize_text(text: str) -> str:
    """Normalise text the same way for every format (citations quote the result).

    ``\\r\\n``/``\\r`` → ``\\n``; zero-width characters and NUL removed; trailing whitespace
    stripped from each line (so ``\\u3000``-only lines become empty, while leading ``\\u3000``
    indentation stays); 3+ blank lines collapsed to 2; blank lines at both ends dropped.
    Punctuation is never converted.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ZERO_WIDTH)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text.strip("\n")


# ---------------------------------------------------------------------------------------
# Dispatch and checks
# ---------------------------------------------------------------------------------------


def _format_for(name: str) -> tuple[str, _Reader]:
    """The format name and reader for a file name, by extension (case-insensitive)."""
    ext = Path(name).suffix.lower()
    if ext in _READERS:
        return _READERS[ext]
    hint = _FORMAT_HINTS.get(ext, "")
    shown = f"“{ext}”" if ext else "(无扩展名)"
    raise UnsupportedFormatError(
        f"不支持的文件格式{shown},目前支持:{SUPPORTED_FORMATS_TEXT}{hint}", source=Path(name).name
    )


def _check_size(size: int, max_bytes: int, source: str) -> None:
    if size > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise IngestError(f"文件过大(超过{limit_mb:g}MB),请拆分或压缩后再上传", source=source)


# ---------------------------------------------------------------------------------------
# Plain text and Markdown
# ---------------------------------------------------------------------------------------

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Share of control / replacement characters above which decoded "text" is really binary.
_MAX_JUNK_SHARE = 0.02
_MAX_NUL_SHARE = 0.01
# C0/C1 control characters other than \t \n \v \f \r, and U+FFFD (an undecodable byte).
_JUNK = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _read_text(data: bytes) -> _Decoded:
    """Decode a text file: BOM, then strict UTF-8, then strict GB18030, then detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _Decoded(_decode_or_reject(data, encoding), encoding)
    # After the BOMs, because UTF-16/32 text is full of NUL bytes. A few stray NULs in real
    # text are tolerated (normalize_text removes them); images and archives have many.
    if data.count(b"\x00") > len(data) * _MAX_NUL_SHARE:
        raise CorruptFileError(NOT_TEXT_MESSAGE)
    # GB18030 is a superset of GBK/GB2312, the usual encodings of government files.
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(_Decoded(data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise CorruptFileError(NOT_TEXT_MESSAGE)
    return _checked(_Decoded(str(best), best.encoding))


def _decode_or_reject(data: bytes, encoding: str) -> str:
    try:
        return _checked(_Decoded(data.decode(encoding), encoding)).text
    except UnicodeDecodeError as exc:
        raise CorruptFileError(NOT_TEXT_MESSAGE) from exc


def _checked(decoded: _Decoded) -> _Decoded:
    """Reject decoded text that is mostly control characters (a binary file that happened to decode)."""
    text = decoded.text
    if text and len(_JUNK.findall(text)) / len(text) > _MAX_JUNK_SHARE:
        raise CorruptFileError(NOT_TEXT_MESSAGE)
    return decoded


_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+", re.MULTILINE)


def _read_markdown(data: bytes) -> _Decoded:
    """Markdown is read as text with only two kinds of markup removed.

    ``# `` heading markers would hide labels such as ``一、`` from the clause parser, and
    ``**`` inside a sentence would end up in quotes. Everything else (lists, tables, links)
    stays as written: table rows are already one line each, which is what we want.
    """
    decoded = _read_text(data)
    text = _MD_HEADING.sub("", decoded.text).replace("**", "")
    return _Decoded(text, decoded.encoding)


# ---------------------------------------------------------------------------------------
# Word (.docx)
# ---------------------------------------------------------------------------------------

# python-docx reports malformed packages through these rather than one exception type.
_DOCX_ERRORS = (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError)


def _read_docx(data: bytes) -> _Decoded:
    """Body paragraphs and tables in document order (headers and footers are left out)."""
    _check_docx_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_block_lines(document.element.body, document))
    except _DOCX_ERRORS as exc:
        raise CorruptFileError("Word文档已损坏,无法读取正文,请用Word打开后重新保存为.docx再上传") from exc
    return _Decoded("\n".join(lines), "")


def _check_docx_archive(data: bytes) -> None:
    """Inspect the zip directory before python-docx inflates anything (zip bombs, non-zips).

    Declared sizes are enough: zipfile never inflates more than a member declares
    (a lying header fails its CRC check instead).
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise CorruptFileError(
            "文件不是有效的Word(.docx)文档(文件已损坏;旧版.doc文件请先另存为.docx)"
        ) from exc
    if "word/document.xml" not in {m.filename for m in members}:
        raise CorruptFileError("Word文档缺少正文部分(word/document.xml),文件可能已损坏")
    if sum(m.file_size for m in members) > MAX_DOCX_UNCOMPRESSED:
        raise CorruptFileError("Word文档解压后过大(超过200MB),可能是异常文件,已拒绝处理")


def _docx_block_lines(parent: etree._Element, document: DocxDocument) -> Iterator[str]:
    """Walk w:p / w:tbl children in body order; content controls (w:sdt) are entered."""
    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document).text
        elif child.tag == qn("w:tbl"):
            yield from _docx_table_lines(Table(child, document))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_block_lines(content, document)


def _docx_table_lines(table: Table) -> Iterator[str]:
    """One line per row, cells joined by " | "; a merged cell is written once."""
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # horizontally merged cells repeat the same w:tc
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split("\n")))
        yield " | ".join(cells)


# ---------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------

# pypdf reports malformed input through its own errors and, deep inside, assorted built-ins.
_PDF_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)
_PDF_CORRUPT_MESSAGE = "PDF文件已损坏或格式无效,无法读取"


def _read_pdf(data: bytes) -> _Decoded:
    """The text layer page by page, with lines broken inside sentences joined again."""
    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock_pdf(reader)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise IngestError(f"PDF页数过多(超过{MAX_PDF_PAGES}页)")
        pages = [_strip_page_number(page.extract_text() or "") for page in reader.pages]
    except _PDF_ERRORS as exc:
        raise CorruptFileError(_PDF_CORRUPT_MESSAGE) from exc
    text = "\n".join(pages)
    if not text.strip():
        raise EmptyDocumentError("PDF没有文字层(可能是扫描件),请先进行文字识别(OCR)后再上传")
    return _Decoded("\n".join(join_broken_lines(text.split("\n"))), "")


def _unlock_pdf(reader: PdfReader) -> None:
    """Open PDFs encrypted with an empty user password (common for "no copying" files)."""
    if not reader.is_encrypted:
        return
    try:
        unlocked = bool(reader.decrypt(""))
    except (DependencyError, NotImplementedError, PyPdfError):  # e.g. AES without a crypto library
        unlocked = False
    if not unlocked:
        raise IngestError("PDF文件已加密,请解除密码保护后再上传")


# A page number printed in the footer or header: "— 3 —", "-3-", "3", "第3页", "第 3 页 共 10 页".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–\uff0d]\s*\d+\s*[-—–\uff0d]|\d+|第\s*\d+\s*页(?:\s*[,\uff0c/]?\s*共\s*\d+\s*页)?)\s*$"
)


def _strip_page_number(page_text: str) -> str:
    """Drop a page-number line at the top or bottom of a page: it would split sentences."""
    lines = page_text.strip("\n").split("\n")
    if lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    return "\n".join(lines)


# Sentence-final punctuation, ASCII and full-width (written as escapes so no editor folds them).
_SENTENCE_END = tuple("。;:!?)」』\uff1b\uff1a\uff01\uff1f\uff09")
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+、|[(\uff08][一二三四五六七八九十百\d]+[)\uff09]|\d+[.\uff0e、](?!\d)"
    r"|第[一二三四五六七八九十百千零〇\d]+[条章节])"
)
# Only a line running (nearly) to the right margin can have been wrapped; a line narrower
# than 90% of the typical long line ended on purpose (title, date, signature, paragraph end).
_FULL_LINE_SHARE = 0.9


def join_broken_lines(lines: list[str]) -> list[str]:
    """Re-join lines that PDF extraction broke inside a sentence.

    A line is appended to the previous one when the previous (physical) line
    - does not end with sentence punctuation (。;:!?)」』 and their full-width forms), and
    - runs to the right margin: its display width is at least 90% of the typical long line
      (90th percentile of the document), so short title, date and signature lines stay alone,
    and the line itself does not start like a heading (一、 / (一) / 1. / 第X条 / 第X章).
    Empty lines are paragraph breaks and are never joined.
    """
    widths = sorted(_display_width(line) for line in lines if line.strip())
    if not widths:
        return list(lines)
    full_width = widths[int(len(widths) * 0.9)] * _FULL_LINE_SHARE
    out: list[str] = []
    prev = ""  # the previous physical line, not the joined result
    for line in lines:
        if out and _continues(prev, line, full_width):
            out[-1] = out[-1].rstrip() + line.strip()
        else:
            out.append(line)
        prev = line
    return out


def _continues(prev: str, line: str, full_width: float) -> bool:
    """Whether ``line`` carries on the sentence that ``prev`` was wrapped in."""
    return (
        bool(prev.strip() and line.strip())
        and not prev.rstrip().endswith(_SENTENCE_END)
        and _display_width(prev) >= full_width
        and not _HEADING_START.match(line)
    )


def _display_width(line: str) -> int:
    """Width in half-width cells: CJK characters count 2, so mixed lines compare fairly."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.strip())


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------

_HTML_DROP = ("script", "style", "nav", "header", "footer", "noscript", "template", "iframe", "head")
_HTML_BLOCKS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 table thead tbody tfoot caption section article main aside "
    "blockquote pre dl dt dd form address figure figcaption hr center".split()
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
# HTML collapses ASCII whitespace only; &nbsp; and \u3000 are visible layout and are kept.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_INVISIBLE = (Comment, Declaration, Doctype, ProcessingInstruction)


# Page chrome of government CMS pages that no tag name marks: link lists (menus, breadcrumbs,
# 相关链接, footer links) are found by their link density; the lines every page repeats
# (备案号, 打印本页, the font-size switch) by their words.
_LINK_LIST_BLOCKS = ("div", "ul", "ol", "p", "td", "li", "dl", "span", "section", "aside")
_LINK_DENSITY = 0.6
_CHROME_LINE_RE = re.compile(
    r"^(?:今天是|您当前的?位置|当前位置|相关链接|相关文件|相关阅读|相关新闻|【?打印本页|【?关闭窗口|【?打印】|分享到|"
    r"网站标识码|主办单位[:：]|承办单位[:：]|协办单位[:：]|版权所有|Copyright|©|搜索$|检索$)|ICP备|公网安备|"
    r"建议使用\S*分辨率|无障碍浏览|长者模式", re.IGNORECASE)
_SEPARATOR_LINE_RE = re.compile(r"^[|｜/／·•>＞\s]+$")
_WIDGET_RE = re.compile(r"\s*(?:字号[:：]\s*[大中小](?:\s*[大中小]){2}|浏览次数[:：]\s*\d*|【[大中小]】(?:\s*【[大中小]】){2})")


def _read_html(data: bytes) -> _Decoded:
    """Visible text of a web page, one block (p/div/li/h1-h6/table row/br) per line, without
    the site's menus, breadcrumbs, link lists and footer."""
    decoded = _decode_html(data)
    soup = BeautifulSoup(decoded.text, "lxml")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    _drop_link_lists(soup)
    parts: list[str] = []
    _html_walk(soup.body or soup, parts)
    lines = (_WIDGET_RE.sub("", line).strip(" ") for line in "".join(parts).split("\n"))
    kept = (line for line in lines if line and not _CHROME_LINE_RE.search(line) and not _SEPARATOR_LINE_RE.match(line))
    return _Decoded("\n".join(kept), decoded.encoding)


def _drop_link_lists(soup: BeautifulSoup) -> None:
    """Remove blocks that are mostly links (two or more): menus, breadcrumbs, related links.
    Parents come first, so a menu goes whole; a paragraph with one link stays, and so does a
    list of annexes (附件), which is part of the document."""
    for tag in soup.find_all(_LINK_LIST_BLOCKS):
        if tag.decomposed:
            continue
        links = tag.find_all("a")
        if len(links) < 2:
            continue
        text = re.sub(r"\s", "", tag.get_text())
        linked = sum(len(re.sub(r"\s", "", a.get_text())) for a in links)
        if text and linked / len(text) >= _LINK_DENSITY and "附件" not in text:
            tag.decompose()


def _decode_html(data: bytes) -> _Decoded:
    """Use the page's declared <meta charset> when it decodes; else detect as for .txt (BOMs too)."""
    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith(tuple(bom for bom, _ in _BOMS)):
        encoding = _html_charset(declared.group(1).decode("ascii").lower())
        try:
            return _checked(_Decoded(data.decode(encoding), encoding))
        except (LookupError, UnicodeDecodeError):
            pass  # unknown or wrong declaration (common on old sites): fall back to detection
    return _read_text(data)


def _html_charset(label: str) -> str:
    """Browsers decode pages labelled gb2312/gbk with GBK; GB18030 is its superset."""
    return "gb18030" if label in {"gb2312", "gbk", "x-gbk", "gb_2312-80", "chinese"} else label


def _html_walk(node: Tag, parts: list[str]) -> None:
    """Append the visible text under ``node``; "\\n" marks where a block or <br> ends a line.

    Source newlines are collapsed with other ASCII whitespace first, so the only line
    breaks in the result are the ones this walk inserts.
    """
    for child in node.children:
        if isinstance(child, _INVISIBLE):
            continue
        if isinstance(child, NavigableString):
            # &nbsp; is layout (indents, spaced-out labels), not text: a plain space
            parts.append(_HTML_SPACE.sub(" ", str(child).replace("\xa0", " ")))
        elif child.name == "br":
            parts.append("\n")
        elif child.name == "tr":
            cells = child.find_all(["td", "th"], recursive=False)
            parts.append("\n" + " | ".join(_html_cell_text(cell) for cell in cells) + "\n")
        elif child.name in _HTML_BLOCKS:
            parts.append("\n")
            _html_walk(child, parts)
            parts.append("\n")
        else:
            _html_walk(child, parts)


def _html_cell_text(cell: Tag) -> str:
    """A table cell on one line: its pieces of text joined by single spaces, except between
    Chinese characters, where a <br> breaks a line but no word ("市政务服务中心、<br>市大数据局")."""
    out = ""
    for piece in (_HTML_SPACE.sub(" ", t.replace("\xa0", " ")).strip(" ") for t in cell.stripped_strings):
        if not piece:
            continue
        joined = out and not (_CJK_END_RE.search(out) and _CJK_START_RE.match(piece))
        out += (" " if joined else "") + piece
    return out


_CJK_END_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]$")
_CJK_START_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


# ---------------------------------------------------------------------------------------
# Dispatch table (after the readers it names)
# ---------------------------------------------------------------------------------------

_READERS: dict[str, tuple[str, _Reader]] = {
    ".txt": ("txt", _read_text),
    ".text": ("txt", _read_text),
    ".md": ("md", _read_markdown),
    ".markdown": ("md", _read_markdown),
    ".docx": ("docx", _read_docx),
    ".pdf": ("pdf", _read_pdf),
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
}

# Extensions load_file accepts (lower case, with the dot), e.g. for picking files in a folder.
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_READERS)

_FORMAT_HINTS: dict[str, str] = {
    ".doc": "。旧版Word(.doc)文件请先另存为.docx",
    ".wps": "。WPS文件请先另存为.docx",
    ".xls": "。表格请先另存为文本或粘贴到Word文档中",
    ".xlsx": "。表格请先另存为文本或粘贴到Word文档中",
}
