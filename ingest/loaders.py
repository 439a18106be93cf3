"""Load a policy file (.txt/.md/.docx/.pdf/.html) into normalised text.

The loader is the only place where text is cleaned up: every later stage (clause parser,
citations) works on ``LoadedText.text`` and quotes it verbatim, so normalisation here is
deliberately minimal — line endings, invisible characters, trailing blanks, runs of empty
lines. Full-width punctuation and ``\\u3000`` indentation are kept as the user sees them.
A PDF has no paragraphs or tables, only positioned glyphs: its reader rebuilds them (one
line per paragraph, one " | " line per table row, as the .docx and .html readers give).

Usage::

    loaded = load_file("data/corpus/shandong-2022-digital-economy-action-plan.txt")
    loaded.text, loaded.format, loaded.encoding

Every failure is an :class:`~ingest.errors.IngestError` subclass with a Chinese
``user_message`` that the front ends show as is.
"""

from __future__ import annotations

import bisect
import codecs
import io
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import charset_normalizer
import docx
from bs4 import BeautifulSoup, CData, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject, PdfObject, StreamObject

try:  # pypdf's font metrics and ToUnicode decoding: a private module of the pinned pypdf
    from pypdf.generic._font import Font
except ImportError:  # another pypdf: PDFs are read by its plain text extraction instead
    Font = None  # type: ignore[assignment,misc]

from ingest.errors import CorruptFileError, EmptyDocumentError, IngestError, UnsupportedFormatError
from ingest.legacy_word import read_word_binary
from ingest.ocr import NO_TEXT_MESSAGE as OCR_NO_TEXT_MESSAGE
from ingest.ocr import NOT_INSTALLED_MESSAGE as OCR_NOT_INSTALLED_MESSAGE
from ingest.ocr import ocr_images, open_image
from ingest.ofd import read_ofd_lines
from ingest.types import LoadedText

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 2000
# Parsing and embedding take about 1.5 min per million characters on 2 cores (make bench):
# longer texts are refused with a message instead of occupying the server for many minutes.
MAX_TEXT_CHARS = 1_000_000
TOO_LONG_MESSAGE = f"文件文字过多(超过{MAX_TEXT_CHARS // 10000}万字),导入耗时过长,请拆分为多个文件后再上传"
# python-docx inflates every part in memory; refuse archives that would expand beyond this.
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024

NOT_TEXT_MESSAGE = "文件不是有效的文本文件(可能是二进制文件或编码无法识别)"
EMPTY_MESSAGE = "文件内容为空"
SUPPORTED_FORMATS_TEXT = ("纯文本(.txt)、Markdown(.md)、Word(.docx/.doc)、WPS(.wps)、PDF(.pdf,扫描件自动识别文字)、"
                          "网页(.html/.htm)、OFD版式文件(.ofd)、图片(.png/.jpg/.tif,自动识别文字)")


class _Decoded(NamedTuple):
    """Raw text extracted by one format reader, before normalisation."""

    text: str
    encoding: str
    ocr: bool = False  # recognised from page images: the format is marked "-ocr"


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
        if fmt in ("txt", "md") and len(data) > 4 * MAX_TEXT_CHARS:  # no encoding packs more into 4 bytes
            raise IngestError(TOO_LONG_MESSAGE)
        decoded = reader(data) if data.strip() else _Decoded("", "")
        if len(decoded.text) > MAX_TEXT_CHARS:
            raise IngestError(TOO_LONG_MESSAGE)
    except IngestError as exc:
        exc.source = exc.source or source
        raise
    text = normalize_text(decoded.text)
    if not text.strip():
        raise EmptyDocumentError(EMPTY_MESSAGE, source=source)
    # OCR text may hold recognition errors: its format says so wherever the document is shown.
    return LoadedText(source=source, text=text, format=f"{fmt}-ocr" if decoded.ocr else fmt, encoding=decoded.encoding)


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
    ``**`` inside a sentence would end up in quotes; HTML comments and table rule rows are
    not text. Everything else (lists, tables, links) stays as written: table rows are
    already one line each, which is what we want.
    """
    decoded = _read_text(data)
    text = _without_md_comments(decoded.text)  # <!-- notes --> are not shown by any renderer
    text = _MD_HEADING.sub("", text).replace("**", "")
    text = _MD_TABLE_RULE.sub("", text)  # |---|:---:| only draws the header line
    return _Decoded(text, decoded.encoding)


def _without_md_comments(text: str) -> str:
    """``text`` without ``<!-- … -->`` (and the newline after each), in linear time: as the
    pattern ``<!--.*?-->``, every unclosed "<!--" rescanned the rest of the file (20,000 of them
    took 7 s)."""
    out, pos = [], 0
    while (start := text.find("<!--", pos)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        end += 3 + text.startswith("\n", end + 3)
        out.append(text[pos:start])
        pos = end
    return "".join(out) + text[pos:]


# One line of a table's rule row. Possessive quantifiers, and spaces that never cross a line
# (with \s, 2,000 blank lines took 72 s): every run is consumed once.
_SPACE = r"[^\S\n]*+"
_MD_TABLE_RULE = re.compile(rf"^{_SPACE}\|?{_SPACE}:?-{{3,}}+:?{_SPACE}(?:\|{_SPACE}:?-{{3,}}+:?{_SPACE})*+\|?{_SPACE}$\n?",
                            re.M)


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
    """Inspect the archive before python-docx inflates anything (zip bombs, non-zips).

    The declared sizes are checked first, then every member is inflated piece by piece and
    counted, stopping at its declared size or the total limit: zipfile inflates a member in one
    call whatever its header declares, so a .docx whose header lies (1.5 MB inflating to
    1.5 GB) would otherwise be held in memory whole before its CRC check fails.
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
        raise CorruptFileError(_DOCX_TOO_BIG)
    budget = MAX_DOCX_UNCOMPRESSED
    for member in members:
        budget -= _inflated_size(data, member, budget)


_DOCX_TOO_BIG = f"Word文档解压后过大(超过{MAX_DOCX_UNCOMPRESSED // (1024 * 1024)}MB),可能是异常文件,已拒绝处理"
_DOCX_LYING = "Word文档解压后过大,实际内容超过文件声明的大小(可能是压缩炸弹),已拒绝处理"
_INFLATE_STEP = 1 << 16


def _inflated_size(data: bytes, member: zipfile.ZipInfo, budget: int) -> int:
    """The bytes ``member`` really inflates to, counted 64 KiB at a time; refused as soon as that
    passes its declared size or ``budget``, or when its CRC does not match."""
    if member.flag_bits & 0x1:
        raise CorruptFileError("Word文档已加密,请取消密码保护后再上传")
    raw = _member_bytes(data, member)
    if member.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[bytes] = (raw[i:i + _INFLATE_STEP] for i in range(0, len(raw), _INFLATE_STEP))
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        chunks = _inflate(raw)
    else:
        raise CorruptFileError("Word文档使用了不支持的压缩方式,请用Word打开后重新保存为.docx再上传")
    size, crc = 0, 0
    for chunk in chunks:
        size += len(chunk)
        if size > member.file_size:
            raise CorruptFileError(_DOCX_LYING)
        if size > budget:
            raise CorruptFileError(_DOCX_TOO_BIG)
        crc = zlib.crc32(chunk, crc)
    if crc != member.CRC:
        raise CorruptFileError("Word文档已损坏(校验失败),请用Word打开后重新保存为.docx再上传")
    return size


def _member_bytes(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    """A member's compressed bytes, located through its local header (30 bytes, name, extra)."""
    at = member.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        raise CorruptFileError("Word文档已损坏,无法读取正文,请用Word打开后重新保存为.docx再上传")
    name_len, extra_len = struct.unpack("<HH", data[at + 26:at + 30])
    start = at + 30 + name_len + extra_len
    return memoryview(data)[start:start + member.compress_size]


def _inflate(raw: memoryview) -> Iterator[bytes]:
    """Inflate a raw deflate stream at most ``_INFLATE_STEP`` bytes at a time."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pos = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            elif pos < len(raw):
                piece, pos = raw[pos:pos + _INFLATE_STEP], pos + _INFLATE_STEP
            else:
                break
            yield inflater.decompress(piece, _INFLATE_STEP)
    except zlib.error as exc:
        raise CorruptFileError("Word文档已损坏,无法读取正文,请用Word打开后重新保存为.docx再上传") from exc


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
    """The text layer, laid out again from the glyph positions (see :func:`_pdf_layout_lines`):
    one line per paragraph, one " | " line per table row. When the positions cannot be used
    (a page with text set several ways, vertical writing, a content stream the scanner cannot
    follow) the page text pypdf extracts is used instead, with lines broken inside sentences
    joined again (:func:`join_broken_lines`)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock_pdf(reader)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise IngestError(f"PDF页数过多(超过{MAX_PDF_PAGES}页)")
        try:
            lines = _pdf_layout_lines(reader)
        except (*_PDF_ERRORS, ArithmeticError):
            lines = None  # an unusual content stream: pypdf's own extraction below copes or says why
        if lines is None:
            pages = [_strip_page_number(page.extract_text() or "") for page in reader.pages]
            lines = join_broken_lines("\n".join(pages).split("\n"))
        text = "\n".join(lines)
        if not text.strip():
            return _ocr_pdf(reader)
    except _PDF_ERRORS as exc:
        raise CorruptFileError(_PDF_CORRUPT_MESSAGE) from exc
    return _Decoded(text, "")


_SCAN_MESSAGE = "PDF没有文字层(可能是扫描件),请先进行文字识别(OCR)后再上传"


def _ocr_pdf(reader: PdfReader) -> _Decoded:
    """A scan: the largest image of each page through OCR (:mod:`ingest.ocr`)."""
    pages = []
    for page in reader.pages:
        images = _page_images(page)
        if images:
            pages.append(max(images, key=lambda im: im.width * im.height))
    if not pages:
        raise EmptyDocumentError(_SCAN_MESSAGE)  # vector graphics only: nothing to recognise
    try:
        lines = ocr_images(pages)
    except IngestError as exc:
        if exc.user_message == OCR_NOT_INSTALLED_MESSAGE:
            raise EmptyDocumentError(f"{_SCAN_MESSAGE}(服务器未安装文字识别组件)") from exc
        raise
    if not lines:
        raise EmptyDocumentError("PDF没有文字层,扫描页中也未识别出文字,请上传更清晰的扫描件或先进行文字识别(OCR)")
    return _Decoded("\n".join(_join_laid_out(lines)), "", ocr=True)


def _page_images(page) -> list:
    """The images of a page that pypdf can decode (a JBIG2 scan needs a tool pypdf lacks)."""
    out = []
    try:
        files = list(page.images)
    except Exception:  # noqa: BLE001 - an undecodable image list: the page has nothing to recognise
        return out
    for file in files:
        try:
            if file.image is not None:
                out.append(file.image)
        except Exception:  # noqa: BLE001 - one image in a filter pypdf cannot decode; others may do
            continue
    return out


IMAGE_EXTENSIONS = frozenset((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"))


def _read_image(data: bytes) -> _Decoded:
    """A photo or scan of a document (.png/.jpg/.tif/.bmp; every frame of a multi-page TIFF)."""
    image = open_image(data)
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.copy())
    lines = ocr_images(frames)
    if not lines:
        raise EmptyDocumentError(OCR_NO_TEXT_MESSAGE)
    return _Decoded("\n".join(_join_laid_out(lines)), "", ocr=True)


def _join_laid_out(lines) -> list[str]:
    """Lines with their ``full`` flag (OFD runs, OCR boxes): a line that runs to the right margin
    without ending its sentence continues on the next, unless that starts a heading."""
    out: list[str] = []
    wrapped = False
    for text, full in lines:
        if out and wrapped and not _HEADING_START.match(text):
            out[-1] += text
        else:
            out.append(text)
        wrapped = full and not text.rstrip().endswith(_SENTENCE_END)
    return out


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


# --- Reading glyphs and rules from the content streams ---------------------------------
#
# pypdf has no layout analysis (no table finder), so the reader walks each page's content
# stream itself: every glyph with its box, and every straight horizontal or vertical line
# drawn (table borders). Coordinates are PDF points with y growing downwards.

_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# Form XObjects nested deeper than this are not entered (a loop in a broken file).
_MAX_FORM_DEPTH = 8
# A filled rectangle at most this thick (points) is a drawn line, e.g. a table border.
_RULE_THICKNESS = 3.0
# More than this share of a page's glyphs unusable (set another way than most of the page:
# rotated, slanted, vertical writing; or in a font that cannot be read): the positions are
# not used, pypdf's own extraction is.
_MAX_UNUSABLE_SHARE = 0.1
# Control characters a ToUnicode map may give (a "\n" would break the line).
_CONTROL_CHARS = dict.fromkeys([*range(32), 127])


class _Glyph(NamedTuple):
    text: str
    x0: float
    x1: float
    y: float  # baseline (text rise ignored, so superscripts stay on their line)
    size: float  # font size on the page, in points
    run: float  # x0 of the first glyph of the string it was shown with
    seq: int  # order of drawing on the page


class _Rule(NamedTuple):
    """A horizontal (at y = pos, from a0 to a1 in x) or vertical (x = pos, a0..a1 in y) line."""

    pos: float
    a0: float
    a1: float


def _mult(m: _Matrix, n: _Matrix) -> _Matrix:
    """The matrix product m × n: apply m, then n (PDF's row-vector convention)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _apply(m: _Matrix, x: float, y: float) -> tuple[float, float]:
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


def _numbers(operands: list, count: int) -> list[float] | None:
    """The last ``count`` operands as floats, or None if there are too few or any is not a number."""
    values = operands[-count:] if count else []
    if len(values) != count or not all(isinstance(v, (int, float)) for v in values):
        return None
    return [float(v) for v in values]


class _PdfFont:
    """Decodes the bytes of a text-showing operator into (text, advance width) pairs.

    Character codes, ToUnicode maps and widths are read by pypdf's ``Font`` (the class its
    layout-mode extraction uses), so decoding matches pypdf's own text extraction.
    """

    def __init__(self, font_dict: DictionaryObject) -> None:
        font = Font.from_font_resource(font_dict)
        self.encoding = font.encoding
        self.character_map = font.character_map
        self.widths = font.character_widths
        self.default_width = font.character_widths.get("default", 500)
        self.usable = font.interpretable
        encoding_name = font_dict.get("/Encoding")
        self.vertical = isinstance(encoding_name, str) and encoding_name.endswith("-V")
        # A predefined CMap other than Identity (UniGB-UCS2-H, common in files made with the
        # Adobe fonts STSong-Light etc. left unembedded): pypdf reads the codes as characters
        # but looks widths up by code, while /W is by CID. In the Adobe CJK collections CIDs
        # 1–95 are the ASCII characters from the space on; the rest take the default width.
        self.ascii_cids = (font_dict.get("/Subtype") == "/Type0" and isinstance(encoding_name, str)
                           and not encoding_name.startswith("/Identity"))
        self.scale = 0.001  # glyph space → text space
        if font_dict.get("/Subtype") == "/Type3":
            matrix = font_dict.get("/FontMatrix")
            if isinstance(matrix, list) and matrix and isinstance(matrix[0], (int, float)):
                self.scale = abs(float(matrix[0]))

    def decode(self, value: bytes) -> list[tuple[str, float, bool]]:
        """(text, width in glyph units, is single-byte space) for each character code."""
        if isinstance(self.encoding, str):  # a composite font: 2-byte codes
            try:
                raw = value.decode(self.encoding, "surrogatepass")
            except (UnicodeDecodeError, LookupError):
                raw = value.decode("utf-16-be", "replace")
            codes = [(ch, ch, False) for ch in raw]
        else:
            codes = [(chr(b), self.encoding.get(b, chr(b)), b == 32) for b in value]
        out = []
        for raw_char, decoded, is_space in codes:
            text = self.character_map.get(decoded, decoded)
            text = text.translate(_CONTROL_CHARS) if isinstance(text, str) else ""
            if self.ascii_cids:
                raw_char = chr(ord(raw_char) - 31) if " " <= raw_char <= "~" else ""
            out.append((text, float(self.widths.get(raw_char, self.default_width)), is_space))
        return out


class _PageInk:
    """The glyphs and straight rules one page draws, turned so that its text reads upright."""

    def __init__(self) -> None:
        self.glyphs: list[_Glyph] = []
        self.unusable = 0  # glyphs left out: set another way than most of the page's, unreadable
        self.hrules: list[_Rule] = []
        self.vrules: list[_Rule] = []


# How to turn page coordinates so that text set one of the four ways reads upright: as usual,
# running upwards (a landscape table on a portrait page), upside down, running downwards.
_TURNS: tuple[Callable[[float, float], tuple[float, float]], ...] = (
    lambda x, y: (x, y),
    lambda x, y: (y, -x),
    lambda x, y: (-x, -y),
    lambda x, y: (-y, x),
)


def _orientation(m: _Matrix) -> int | None:
    """Which of :data:`_TURNS` makes text set with matrix ``m`` upright (None: slanted, mirrored)."""
    a, b, c, d = m[0], m[1], m[2], m[3]
    if abs(b) <= 0.01 * abs(a) and abs(c) <= 0.01 * abs(d):
        return 0 if a > 0 and d > 0 else 2 if a < 0 and d < 0 else None
    if abs(a) <= 0.01 * abs(b) and abs(d) <= 0.01 * abs(c):
        return 1 if b > 0 > c else 3 if b < 0 < c else None
    return None


class _RawGlyph(NamedTuple):
    """A glyph in page space, before the page is turned upright."""

    turn: int | None
    text: str
    x: float  # origin
    y: float
    advance: float  # along the text direction, in points
    size: float
    run: tuple[float, float]  # origin of the string's first glyph
    seq: int


class _GraphicsState:
    __slots__ = ("ctm", "font", "size", "tc", "tw", "tz", "tl")

    def __init__(self, ctm: _Matrix) -> None:
        self.ctm = ctm
        self.font: _PdfFont | None = None
        self.size = 0.0
        self.tc = self.tw = self.tl = 0.0
        self.tz = 100.0

    def copy(self) -> _GraphicsState:
        clone = _GraphicsState(self.ctm)
        clone.font, clone.size, clone.tc, clone.tw, clone.tz, clone.tl = (
            self.font, self.size, self.tc, self.tw, self.tz, self.tl)
        return clone


_STROKE_OPS = frozenset((b"S", b"s", b"B", b"B*", b"b", b"b*"))
_FILL_OPS = frozenset((b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"))


class _PageScanner:
    """Walks one page's content stream (and the forms it draws) into a :class:`_PageInk`."""

    def __init__(self, reader: PdfReader, font_cache: dict[object, _PdfFont | None]) -> None:
        self.reader = reader
        self.font_cache = font_cache
        self.glyphs: list[_RawGlyph] = []
        self.unreadable = 0  # character codes shown in a font that is missing or cannot be decoded
        self.boxes: list[tuple[float, float, float, float]] = []  # straight lines drawn, as boxes

    def scan_page(self, page: DictionaryObject) -> _PageInk:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        if isinstance(contents, (ArrayObject, StreamObject)):
            operations = ContentStream(contents, self.reader, "bytes").operations
            self._run(operations, _resolve(page.get("/Resources")), _IDENTITY, 0)
        return self._turned()

    def _turned(self) -> _PageInk:
        """The page turned the way most of its text is set (y then grows downwards)."""
        ink = _PageInk()
        turns = [g.turn for g in self.glyphs if g.turn is not None and not g.text.isspace()]
        turn = max(set(turns), key=turns.count) if turns else 0
        ink.unusable = self.unreadable + sum(1 for g in self.glyphs if g.turn != turn and not g.text.isspace())
        to_upright = _TURNS[turn]
        for g in self.glyphs:
            if g.turn == turn:
                x, y = to_upright(g.x, g.y)
                ink.glyphs.append(_Glyph(g.text, x, x + g.advance, -y, g.size, to_upright(*g.run)[0], g.seq))
        for x0, y0, x1, y1 in self.boxes:
            (ax, ay), (bx, by) = to_upright(x0, y0), to_upright(x1, y1)
            left, right, top, bottom = min(ax, bx), max(ax, bx), min(-ay, -by), max(-ay, -by)
            width, height = right - left, bottom - top
            if height <= _RULE_THICKNESS < width:
                ink.hrules.append(_Rule((top + bottom) / 2, left, right))
            elif width <= _RULE_THICKNESS < height:
                ink.vrules.append(_Rule((left + right) / 2, top, bottom))
        return ink

    def _font(self, resources: DictionaryObject, name: object) -> _PdfFont | None:
        fonts = _resolve(resources.get("/Font"))
        ref = dict.get(fonts, name) if isinstance(name, str) else None  # unresolved: the cache key
        if ref is None:
            return None
        key = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(ref)
        if key not in self.font_cache:
            font_dict = ref.get_object()
            self.font_cache[key] = _PdfFont(font_dict) if isinstance(font_dict, DictionaryObject) else None
        return self.font_cache[key]

    def _run(self, operations: list, resources: DictionaryObject, ctm: _Matrix, depth: int) -> None:
        state = _GraphicsState(ctm)
        stack: list[_GraphicsState] = []
        tm = tlm = _IDENTITY
        subpaths: list[list[tuple[float, float]]] = []
        for operands, op in operations:
            if op == b"Tj" or op == b"'" or op == b'"':
                if op != b"Tj":
                    if op == b'"' and (values := _numbers(operands[:2], 2)):
                        state.tw, state.tc = values
                    tlm = tm = _mult((1.0, 0.0, 0.0, 1.0, 0.0, -state.tl), tlm)
                if operands and isinstance(operands[-1], (bytes, str)):
                    tm = self._show(operands[-1], state, tm)
            elif op == b"TJ":
                if operands and isinstance(operands[0], list):
                    for item in operands[0]:
                        if isinstance(item, (bytes, str)):
                            tm = self._show(item, state, tm)
                        elif isinstance(item, (int, float)):
                            shift = -float(item) / 1000 * state.size * state.tz / 100
                            tm = _mult((1.0, 0.0, 0.0, 1.0, shift, 0.0), tm)
            elif op == b"Td" or op == b"TD":
                if values := _numbers(operands, 2):
                    if op == b"TD":
                        state.tl = -values[1]
                    tlm = tm = _mult((1.0, 0.0, 0.0, 1.0, values[0], values[1]), tlm)
            elif op == b"Tm":
                if values := _numbers(operands, 6):
                    tlm = tm = tuple(values)  # type: ignore[assignment]
            elif op == b"T*":
                tlm = tm = _mult((1.0, 0.0, 0.0, 1.0, 0.0, -state.tl), tlm)
            elif op == b"BT":
                tlm = tm = _IDENTITY
            elif op == b"Tf":
                if len(operands) >= 2 and isinstance(operands[1], (int, float)):
                    state.font = self._font(resources, operands[0])
                    state.size = float(operands[1])
            elif op in (b"Tc", b"Tw", b"Tz", b"TL"):
                if values := _numbers(operands, 1):
                    setattr(state, op.decode().lower(), values[0])
            elif op == b"q":
                stack.append(state.copy())
            elif op == b"Q":
                if stack:
                    state = stack.pop()
            elif op == b"cm":
                if values := _numbers(operands, 6):
                    state.ctm = _mult(tuple(values), state.ctm)  # type: ignore[arg-type]
            elif op == b"re":
                if values := _numbers(operands, 4):
                    x, y, w, h = values
                    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
                    subpaths.append([_apply(state.ctm, *corner) for corner in corners])
            elif op == b"m":
                if values := _numbers(operands, 2):
                    subpaths.append([_apply(state.ctm, *values)])
            elif op == b"l":
                if (values := _numbers(operands, 2)) and subpaths:
                    subpaths[-1].append(_apply(state.ctm, *values))
            elif op in (b"c", b"v", b"y"):
                if (values := _numbers(operands, 2)) and subpaths:
                    subpaths.append([_apply(state.ctm, *values)])  # a curve is no rule: restart there
            elif op == b"h":
                if subpaths and len(subpaths[-1]) > 1:
                    subpaths[-1].append(subpaths[-1][0])
            elif op in _STROKE_OPS or op in _FILL_OPS or op == b"n":
                if op in _STROKE_OPS:
                    self._stroked(subpaths, closed=op in (b"s", b"b", b"b*"))
                if op in _FILL_OPS:
                    self._filled(subpaths)
                subpaths = []
            elif op == b"Do" and depth < _MAX_FORM_DEPTH and operands:
                self._form(resources, operands[0], state.ctm, depth)

    def _show(self, value: bytes | str, state: _GraphicsState, tm: _Matrix) -> _Matrix:
        """Record the glyphs of one string; return the text matrix after it."""
        font = state.font
        if not isinstance(value, bytes):
            value = getattr(value, "original_bytes", None) or value.encode("utf-16-be")
        if font is None or not font.usable:
            self.unreadable += len(value)
            return tm
        hscale = state.tz / 100
        start = _mult(tm, state.ctm)
        for text, width, is_space in font.decode(value):
            m = _mult(tm, state.ctm)
            advance = width * font.scale * state.size * hscale
            if text:
                turn = None if font.vertical else _orientation(m)
                self.glyphs.append(_RawGlyph(turn, text, m[4], m[5], advance * math.hypot(m[0], m[1]),
                                             state.size * math.hypot(m[2], m[3]), (start[4], start[5]),
                                             len(self.glyphs)))
            tx = (advance + state.tc * hscale) + (state.tw * hscale if is_space else 0.0)
            tm = _mult((1.0, 0.0, 0.0, 1.0, tx, 0.0), tm)
        return tm

    def _stroked(self, subpaths: list[list[tuple[float, float]]], closed: bool) -> None:
        for points in subpaths:
            if closed and len(points) > 1:
                points = [*points, points[0]]
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                self._add_box([x0, x1], [y0, y1])

    def _filled(self, subpaths: list[list[tuple[float, float]]]) -> None:
        for points in subpaths:
            if len(points) >= 3:
                self._add_box([p[0] for p in points], [p[1] for p in points])

    def _add_box(self, xs: list[float], ys: list[float]) -> None:
        """Keep a drawn shape that is a straight line: thin one way (table borders)."""
        left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
        if min(right - left, top - bottom) <= _RULE_THICKNESS < max(right - left, top - bottom):
            self.boxes.append((left, bottom, right, top))

    def _form(self, resources: DictionaryObject, name: object, ctm: _Matrix, depth: int) -> None:
        xobjects = _resolve(resources.get("/XObject"))
        form = xobjects.get(name) if isinstance(name, str) else None
        form = form.get_object() if form is not None else None
        if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
            return
        matrix = _numbers(list(form.get("/Matrix", [])), 6) or list(_IDENTITY)
        form_resources = _resolve(form.get("/Resources")) or resources
        operations = ContentStream(form, self.reader, "bytes").operations
        self._run(operations, form_resources, _mult(tuple(matrix), ctm), depth + 1)  # type: ignore[arg-type]


def _resolve(value: object) -> DictionaryObject:
    value = value.get_object() if isinstance(value, PdfObject) else value
    return value if isinstance(value, DictionaryObject) else DictionaryObject()


# --- Lines and tables on a page ------------------------------------------------------------


class _Line(NamedTuple):
    """A line of running text (outside tables)."""

    text: str
    x0: float  # left edge of the first visible glyph
    x1: float  # right edge of the last visible glyph
    y: float  # baseline
    size: float  # the line's main font size
    page: int
    lead: float  # width of its first unbreakable piece: a character or a Latin word, with the
    # punctuation that may not start a line after it ("委，", "30%；")


class _Table(NamedTuple):
    rows: list[list[str]]
    columns: tuple[float, ...]  # x of the column borders
    y: float  # top border
    page: int


# Glyphs of one line have baselines within this share of the font size.
_SAME_LINE = 0.5
# A gap wider than this share of the font size between two glyphs of a line is a space
# (separate columns of a line, e.g. 印发机关 on the left and 印发日期 on the right) …
_WIDE_GAP = 1.0
# … and so is a narrower one between two non-Chinese characters (a word space not drawn as a
# glyph, as TeX does). Chinese text has no spaces: its gaps are justification.
_WORD_GAP = 0.15
# A glyph drawn again less than this share of its width (or font size) further right is a
# "bold" effect of some producers (the same character overprinted), and is dropped.
_OVERSTRIKE = 0.3
# Rules closer than this (points) are the same border.
_SNAP = 3.0


def _page_items(ink: _PageInk, page: int) -> list[_Line | _Table]:
    """A page's lines and tables from top to bottom, without a page number at either end."""
    tables = _find_tables(ink.hrules, ink.vrules)
    cells: list[list[list[_Glyph]]] = [[[] for _ in grid.cells] for grid in tables]
    flow: list[_Glyph] = []
    for glyph in ink.glyphs:
        for grid, grid_cells in zip(tables, cells):
            index = grid.cell_at(glyph)
            if index is not None:
                grid_cells[index].append(glyph)
                break
        else:
            flow.append(glyph)
    items: list[_Line | _Table] = [
        _Line(text, glyphs[0].x0, max(g.x1 for g in glyphs), sorted(g.y for g in glyphs)[len(glyphs) // 2],
              _main_size(glyphs), page, _lead_width(glyphs))
        for text, glyphs in (_line_text(line) for line in _group_lines(flow))
        if text
    ]
    for grid, grid_cells in zip(tables, cells):
        rows = grid.rows([_cell_text(glyphs) for glyphs in grid_cells])
        if rows:
            items.append(_Table(rows, grid.xs, grid.ys[0], page))
    items.sort(key=lambda item: item.y)
    if items and isinstance(items[-1], _Line) and _PAGE_NUMBER.match(items[-1].text):
        items.pop()
    if items and isinstance(items[0], _Line) and _PAGE_NUMBER.match(items[0].text):
        items.pop(0)
    return items


def _group_lines(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Glyphs gathered into lines (by baseline), each line in reading order left to right:
    strings by where they start, the glyphs of a string in the order drawn (so that widths
    a font gets wrong cannot shuffle its characters)."""
    lines: list[list[_Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: (g.y, g.x0)):
        if lines and glyph.y - lines[-1][0].y <= _SAME_LINE * max(glyph.size, lines[-1][0].size):
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    out = []
    for line in lines:
        line.sort(key=lambda g: g.x0)
        kept: list[_Glyph] = []
        for glyph in line:
            if kept and glyph.text == kept[-1].text and glyph.x0 - kept[-1].x0 < _OVERSTRIKE * min(
                    glyph.size, kept[-1].x1 - kept[-1].x0):
                continue
            kept.append(glyph)
        kept.sort(key=lambda g: (g.run, g.seq))
        out.append(kept)
    return out


def _line_text(glyphs: list[_Glyph]) -> tuple[str, list[_Glyph]]:
    """The text of one line and its visible glyphs, left to right (spaces at the ends dropped)."""
    parts: list[str] = []
    prev: _Glyph | None = None
    for glyph in glyphs:
        if prev is not None and not glyph.text.isspace() and not prev.text.isspace():
            gap = glyph.x0 - prev.x1
            size = max(glyph.size, prev.size)
            if gap > _WIDE_GAP * size or (gap > _WORD_GAP * size and not _is_wide(prev.text[-1])
                                           and not _is_wide(glyph.text[0])):
                parts.append(" ")
        parts.append(glyph.text)
        prev = glyph
    visible = sorted((g for g in glyphs if not g.text.isspace()), key=lambda g: g.x0)
    return "".join(parts).strip(), visible


def _lead_width(glyphs: list[_Glyph]) -> float:
    """How wide the start of a line is that a line breaker could not have split: its first
    character, or its first Latin word or number, with any closing punctuation after it."""
    end = 0
    if not _is_wide(glyphs[0].text[0]):
        while (end + 1 < len(glyphs) and not _is_wide(glyphs[end + 1].text[0])
               and glyphs[end + 1].x0 - glyphs[end].x1 <= _WORD_GAP * glyphs[end].size):
            end += 1
    while end + 1 < len(glyphs) and glyphs[end + 1].text.startswith(_LINE_START_FORBIDDEN + _LINE_START_FORBIDDEN_HALF):
        end += 1
    return glyphs[end].x1 - glyphs[0].x0


def _main_size(glyphs: list[_Glyph]) -> float:
    """The most common font size of a line (rounded to half points)."""
    counts: dict[float, int] = {}
    for glyph in glyphs:
        key = round(glyph.size * 2) / 2
        counts[key] = counts.get(key, 0) + 1
    return max(counts, key=counts.__getitem__)


def _cell_text(glyphs: list[_Glyph]) -> str:
    """A table cell on one line: its wrapped lines joined (no space between Chinese characters)."""
    text = ""
    for line in _group_lines(glyphs):
        text = _join_wrapped(text, _line_text(line)[0])
    return text


def _is_wide(ch: str) -> bool:
    """Chinese ideographs and full-width punctuation."""
    return unicodedata.east_asian_width(ch) in "WF"


def _is_cjk(ch: str) -> bool:
    """A character of Chinese text: wide, or the general punctuation Chinese text uses
    between wide characters (“”‘’…—)."""
    return _is_wide(ch) or "\u2000" <= ch <= "\u206f"


def _join_wrapped(head: str, tail: str) -> str:
    """Join a line to the next one it was wrapped into: no space in Chinese text, a space
    between two Latin words (but not after a hyphen)."""
    if not head or not tail:
        return head or tail
    space = "" if _is_cjk(head[-1]) or _is_cjk(tail[0]) or head.endswith(("-", " ")) else " "
    return head + space + tail


def _cluster(values: list[float], tolerance: float) -> list[float]:
    """Sorted values with near-equal ones (within ``tolerance`` of the first of a run) merged."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > tolerance:
            out.append(value)
    return out


def _merge_rules(rules: list[_Rule]) -> list[_Rule]:
    """Join rules on the same line that touch or overlap (a border drawn cell by cell)."""
    merged: list[_Rule] = []
    groups: list[list[_Rule]] = []
    for rule in sorted(rules):
        if groups and rule.pos - groups[-1][0].pos <= _SNAP:
            groups[-1].append(rule)
        else:
            groups.append([rule])
    for group in groups:
        pos = group[0].pos
        spans = sorted((r.a0, r.a1) for r in group)
        start, end = spans[0]
        for a0, a1 in spans[1:]:
            if a0 <= end + _SNAP:
                end = max(end, a1)
            else:
                merged.append(_Rule(pos, start, end))
                start, end = a0, a1
        merged.append(_Rule(pos, start, end))
    return merged


class _Grid:
    """A ruled table: the borders cut it into a grid; cells whose border is missing are merged."""

    def __init__(self, hrules: list[_Rule], vrules: list[_Rule]) -> None:
        self.ys = _cluster([r.pos for r in hrules], _SNAP)
        self.xs = tuple(_cluster([r.pos for r in vrules], _SNAP))
        n_rows, n_cols = len(self.ys) - 1, len(self.xs) - 1
        parent = list(range(n_rows * n_cols))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for row in range(n_rows):
            y_mid = (self.ys[row] + self.ys[row + 1]) / 2
            for col in range(n_cols):
                x_mid = (self.xs[col] + self.xs[col + 1]) / 2
                if col + 1 < n_cols and not _covers(vrules, self.xs[col + 1], y_mid):
                    parent[find(row * n_cols + col + 1)] = find(row * n_cols + col)
                if row + 1 < n_rows and not _covers(hrules, self.ys[row + 1], x_mid):
                    parent[find((row + 1) * n_cols + col)] = find(row * n_cols + col)
        # cells in reading order: by their top row, then their left column
        roots: dict[int, int] = {}
        self.cell_of: list[int] = []
        self.cells: list[tuple[int, int]] = []  # (top row, left column) of each cell
        for index in range(n_rows * n_cols):
            root = find(index)
            if root not in roots:
                roots[root] = len(self.cells)
                self.cells.append(divmod(index, n_cols))
            self.cell_of.append(roots[root])
        self.n_cols = n_cols

    def cell_at(self, glyph: _Glyph) -> int | None:
        """The cell holding the glyph's centre, or None outside the table."""
        x, y = (glyph.x0 + glyph.x1) / 2, glyph.y - 0.35 * glyph.size
        if not (self.xs[0] < x < self.xs[-1] and self.ys[0] < y < self.ys[-1]):
            return None
        col = next(i for i in range(self.n_cols) if x < self.xs[i + 1])
        row = next(i for i in range(len(self.ys) - 1) if y < self.ys[i + 1])
        return self.cell_of[row * self.n_cols + col]

    def rows(self, texts: list[str]) -> list[list[str]]:
        """One list of cell texts per row; a merged cell is written once, in its top row."""
        by_row: dict[int, list[tuple[int, str]]] = {}
        for (row, col), text in zip(self.cells, texts):
            by_row.setdefault(row, []).append((col, text))
        return [[text for _, text in sorted(cells)] for _, cells in sorted(by_row.items())
                if any(text for _, text in cells)]


def _covers(rules: list[_Rule], pos: float, at: float) -> bool:
    return any(abs(r.pos - pos) <= _SNAP and r.a0 - _SNAP <= at <= r.a1 + _SNAP for r in rules)


def _find_tables(hrules: list[_Rule], vrules: list[_Rule]) -> list[_Grid]:
    """Ruled tables: groups of crossing horizontal and vertical rules that make two or more
    columns. Where the horizontal rules run past the outermost vertical ones (a table drawn
    without side borders), their ends are taken as the side borders, and likewise at the top
    and bottom."""
    hs, vs = _merge_rules(hrules), _merge_rules(vrules)
    if len(hs) < 2 or not vs:
        return []
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.a0 - _SNAP <= v.pos <= h.a1 + _SNAP and v.a0 - _SNAP <= h.pos <= v.a1 + _SNAP:
                parent[find(len(hs) + j)] = find(i)
    groups: dict[int, tuple[list[_Rule], list[_Rule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for group_h, group_v in groups.values():
        if len(group_h) < 2 or not group_v:
            continue
        top, bottom = min(r.pos for r in group_h), max(r.pos for r in group_h)
        left, right = min(r.pos for r in group_v), max(r.pos for r in group_v)
        outer_left, outer_right = min(r.a0 for r in group_h), max(r.a1 for r in group_h)
        outer_top, outer_bottom = min(r.a0 for r in group_v), max(r.a1 for r in group_v)
        top, bottom = min(top, outer_top), max(bottom, outer_bottom)
        if outer_left < left - _SNAP:
            group_v.append(_Rule(outer_left, top, bottom))
        if outer_right > right + _SNAP:
            group_v.append(_Rule(outer_right, top, bottom))
        left, right = min(left, outer_left), max(right, outer_right)
        if outer_top < min(r.pos for r in group_h) - _SNAP:
            group_h.append(_Rule(outer_top, left, right))
        if outer_bottom > max(r.pos for r in group_h) + _SNAP:
            group_h.append(_Rule(outer_bottom, left, right))
        if len(_cluster([r.pos for r in group_h], _SNAP)) >= 2 and len(_cluster([r.pos for r in group_v], _SNAP)) >= 3:
            grids.append(_Grid(group_h, group_v))
    return grids


# --- Paragraphs across lines and pages ------------------------------------------------------

# Characters a line of Chinese text may not start with (line-breaking rules push the
# character before them down instead): a line starting with one continues the previous line.
# The half-width ones only count after Chinese text (in code, a line may start with "}").
# (Written as escapes, like _SENTENCE_END: 、。，．；：？！）］｝》〉」』】〕〗〙〛”’…·％.)
_LINE_START_FORBIDDEN = tuple(
    "\u3001\u3002\uff0c\uff0e\uff1b\uff1a\uff1f\uff01\uff09\uff3d\uff5d\u300b\u3009\u300d\u300f\u3011"
    "\u3015\u3017\u3019\u301b\u201d\u2019\u2026\u00b7\uff05"
)
_LINE_START_FORBIDDEN_HALF = tuple(",.;:!?)]}%")
# A line ending less than this many characters (of its font size) before the right margin
# of the text block is full: the text ran on. Justified lines end exactly at the margin (one
# left short by Chinese line-breaking rules is stretched back to it). With a ragged right
# margin a line is also full when the start of the next one would not have fitted after it.
_FULL_LINE_SLACK = 1.5
# A first-line indent is two characters: between these many of the line's font size.
_INDENT_MIN, _INDENT_MAX = 1.5, 2.6
# A larger distance between baselines than this many typical line pitches is a paragraph gap;
# in a document that sets paragraphs apart with space (many gaps of more than the tighter
# share), any such gap is.
_PARAGRAPH_GAP = 1.45
_SPACED_GAP, _SPACED_SHARE = 1.15, 0.1
# Consecutive centred lines at least this much larger than the body text are one title.
_TITLE_SIZE = 1.15


class _Margins(NamedTuple):
    left: float
    right: float


class _Layout:
    """Measures of the document's running text: body font size, margins, line pitch, indents."""

    def __init__(self, pages: list[list[_Line | _Table]]) -> None:
        lines = [item for items in pages for item in items if isinstance(item, _Line)]
        weights: dict[float, int] = {}
        for line in lines:
            weights[line.size] = weights.get(line.size, 0) + len(line.text)
        self.body_size = max(weights, key=weights.__getitem__) if weights else 12.0
        body = [line for line in lines if self.is_body(line)]
        # One text block for the whole document: pages of short lines (lists, a last page)
        # would not show their own right margin.
        self.margins = _margins(body) or _Margins(0.0, 0.0)
        steps = [b.y - a.y for a, b in zip(body, body[1:]) if a.page == b.page and b.y > a.y]
        pitches = [round(step * 2) / 2 for step in steps if self.body_size <= step <= 3 * self.body_size]
        self.pitch = max(set(pitches), key=pitches.count) if pitches else 1.5 * self.body_size
        spaced = sum(1 for step in steps if _SPACED_GAP * self.pitch < step < 2.5 * self.pitch)
        spaced_out = spaced >= max(2, _SPACED_SHARE * len(steps))
        self.paragraph_gap = (_SPACED_GAP if spaced_out else _PARAGRAPH_GAP) * self.pitch
        indented = sum(1 for line in body if _INDENT_MIN <= self.offset(line) <= _INDENT_MAX)
        self.uses_indent = indented >= max(2, 0.05 * len(body))
        # Paragraph starts are visible (indents or space between paragraphs), so a line does
        # not have to be told by what the line before it ends with.
        self.marks_paragraphs = self.uses_indent or self.paragraph_gap < _PARAGRAPH_GAP * self.pitch

    def is_body(self, line: _Line) -> bool:
        return abs(line.size - self.body_size) <= 0.1 * self.body_size

    def offset(self, line: _Line) -> float:
        """How far the line starts right of the left margin, in characters of its size."""
        return (line.x0 - self.margins.left) / line.size

    def is_full(self, line: _Line, next_line: _Line) -> bool:
        """Whether ``line`` runs to the right margin, or ends too near it for the beginning of
        ``next_line`` to have been set after it."""
        room = self.margins.right - line.x1
        return room <= _FULL_LINE_SLACK * line.size or room < next_line.lead + _WORD_GAP * next_line.size

    def is_centred(self, line: _Line) -> bool:
        """As far from the left margin as from the right one (a title line may fill the width)."""
        left, right = line.x0 - self.margins.left, self.margins.right - line.x1
        return abs(left - right) <= 1.5 * line.size and min(left, right) > -line.size

    def continues(self, prev: _Line, line: _Line) -> bool:
        """Whether ``line`` carries on the paragraph whose last line so far is ``prev``."""
        if abs(prev.size - line.size) > 0.1 * max(prev.size, line.size):
            return False
        if prev.page == line.page:
            gap = line.y - prev.y
            if gap <= 0 or gap > self.paragraph_gap * max(1.0, line.size / self.body_size):
                return False
        if line.text.startswith(_LINE_START_FORBIDDEN) or (
                line.text.startswith(_LINE_START_FORBIDDEN_HALF) and _is_wide(prev.text[-1])):
            return True
        if _HEADING_START.match(line.text):
            return False
        if (prev.page == line.page and prev.size >= _TITLE_SIZE * self.body_size
                and self.is_centred(prev) and self.is_centred(line)):
            return True  # a title broken over several centred lines by hand
        if not self.is_full(prev, line) or self.offset(line) >= _INDENT_MIN:
            return False
        # Where paragraphs are marked by indents or spacing, an unindented line after a full one
        # goes on, whatever the line before it ends with; otherwise a full line ending a
        # sentence ends the paragraph.
        return self.marks_paragraphs or not prev.text.endswith(_SENTENCE_END)


def _margins(lines: list[_Line]) -> _Margins | None:
    """The text block's left edge (the leftmost start shared by several lines) and right edge
    (90th percentile of line ends: justified lines all end there)."""
    if not lines:
        return None
    starts: dict[float, int] = {}
    for line in lines:
        key = round(line.x0)
        starts[key] = starts.get(key, 0) + 1
    shared = [x for x, n in starts.items() if n >= max(2, 0.05 * len(lines))]
    left = min(line.x0 for line in lines if round(line.x0) == min(shared)) if shared else min(starts)
    ends = sorted(line.x1 for line in lines)
    return _Margins(left, ends[int(len(ends) * 0.9)])


def _pdf_layout_lines(reader: PdfReader) -> list[str] | None:
    """Paragraphs and table rows of the whole document, or None if the glyph positions
    cannot be used (then pypdf's plain extraction is)."""
    if Font is None:
        return None
    font_cache: dict[object, _PdfFont | None] = {}
    pages: list[list[_Line | _Table]] = []
    for index, page in enumerate(reader.pages):
        ink = _PageScanner(reader, font_cache).scan_page(page)
        if ink.unusable > _MAX_UNUSABLE_SHARE * max(len(ink.glyphs), 1):
            return None
        pages.append(_page_items(ink, index))
    if not any(pages):
        return None
    layout = _Layout(pages)
    out: list[str] = []
    prev: _Line | _Table | None = None
    header: list[str] | None = None  # header row of the table being continued
    for item in (item for items in pages for item in items):
        if isinstance(item, _Table):
            continued = (isinstance(prev, _Table) and prev.page + 1 == item.page
                         and len(prev.columns) == len(item.columns)
                         and all(abs(a - b) <= _SNAP for a, b in zip(prev.columns, item.columns)))
            rows = item.rows
            if continued and rows and rows[0] == header:
                rows = rows[1:]  # the header row repeated on a new page
            if not continued:
                header = rows[0]
            out.extend(" | ".join(row) for row in rows)
        elif isinstance(prev, _Line) and layout.continues(prev, item):
            out[-1] = _join_wrapped(out[-1], item.text)
        else:
            out.append(item.text)
        prev = item
    return out


# --- Plain-text fallback ----------------------------------------------------------------------

# Sentence-final punctuation, ASCII and full-width (written as escapes so no editor folds them).
_SENTENCE_END = tuple("。;:!?)」』\uff1b\uff1a\uff01\uff1f\uff09")
# Numbering that starts a paragraph: 一、 / (一) / (1) / 1. / 第X条 / 第X章 / 第X节. Not what a
# wrapped sentence may start with: a year in brackets "（2021）", a reference "第九条规定的".
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+、|[(\uff08](?:[一二三四五六七八九十百]+|\d{1,2})[)\uff09]"
    r"|\d{1,2}[.\uff0e、](?!\d)"
    r"|第[一二三四五六七八九十百千零〇\d]+[条章节](?!规定|第|[\u3001\uff0c\u3002\uff1b\uff09和及或至中的所之款项]))"
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
    return sum(2 if _is_wide(ch) else 1 for ch in line.strip())


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
    annexes = _linked_annexes(soup)
    parts: list[str] = []
    _html_walk(soup.body or soup, parts)
    lines = (_WIDGET_RE.sub("", line).strip(" ") for line in "".join(parts).split("\n"))
    kept = [line for line in lines if line and not _CHROME_LINE_RE.search(line) and not _SEPARATOR_LINE_RE.match(line)]
    return _Decoded("\n".join(_note_linked_annexes(_drop_second_copies(kept), annexes)), decoded.encoding)


# A link to a file: the annex it names is not in the page, only on the portal's server.
_FILE_LINK = re.compile(r"\.(?:docx?|wps|pdf|ofd|xlsx?|et|zip|rar|7z)(?:[?#].*)?$", re.I)
_ANNEX_LABEL = re.compile(r"附件\s*[\d一二三四五六七八九十]*")
LINKED_ANNEX_NOTE = "（附件未随文件提供，仅有下载链接）"


def _linked_annexes(soup: BeautifulSoup) -> set[str]:
    """Texts of links to annex files ("附件2.docx") whose text the page does not hold itself
    (no line of its own starting with the label, as an annex printed in the page has)."""
    page = soup.get_text("\n")
    marked = set()
    for link in soup.find_all("a", href=_FILE_LINK):
        text = re.sub(r"\s", "", link.get_text())  # compared without the spaces layout puts in
        label = _ANNEX_LABEL.match(text)
        if not label:
            continue
        inline = re.search(rf"^[ \u3000\xa0]*{re.escape(label.group(0))}[ \u3000]*(?:[:：]|$)", page, re.M)
        if inline is None or label.group(0) == "附件":
            marked.add(text)
    return marked


def _note_linked_annexes(lines: list[str], marked: set[str]) -> list[str]:
    """"附件2.docx" → "附件2.docx（附件未随文件提供，仅有下载链接）": the label still starts the
    line (the annex keeps its number in the clause tree) and a question about it finds the reason."""
    return [line + LINKED_ANNEX_NOTE if re.sub(r"\s", "", line) in marked else line for line in lines]


# A second copy of the text: a run of at least this many lines (and characters) seen before,
# or one long line holding earlier lines run together (portals print the text twice).
_COPY_MIN_LINES = 3
_COPY_MIN_CHARS = 200


def _drop_second_copies(lines: list[str]) -> list[str]:
    """Keep the first complete copy of a page's text; later repeats of it are dropped."""
    out: list[str] = []
    seen: set[str] = set()
    flat = ""  # the kept text without whitespace: a run-together copy is a substring of it
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j] in seen:
            j += 1
        if j - i >= _COPY_MIN_LINES and sum(map(len, lines[i:j])) >= _COPY_MIN_CHARS:
            i = j
            continue
        squeezed = re.sub(r"\s", "", lines[i])
        if not (len(squeezed) >= _COPY_MIN_CHARS and squeezed in flat):
            out.append(lines[i])
            seen.add(lines[i])
            flat += squeezed
        i += 1
    return out


def _drop_link_lists(soup: BeautifulSoup) -> None:
    """Remove blocks that are mostly links (two or more): menus, breadcrumbs, related links.
    Parents come first, so a menu goes whole; a paragraph with one link stays, and so does a
    list of annexes (附件), which is part of the document.

    Every block's counts come from one walk of the tree (``_LinkStats``): measured block by
    block, nested blocks made this quadratic (16,000 nested divs took minutes)."""
    stats = _LinkStats(soup)
    doomed: list[Tag] = []
    skip_to = 0
    for i, tag in enumerate(stats.tags):
        if i < skip_to or tag.name not in _LINK_LIST_BLOCKS:
            continue
        links, linked, text, annex = stats.of(i)
        if links >= 2 and text and linked / text >= _LINK_DENSITY and not annex:
            doomed.append(tag)
            skip_to = stats.end[i]  # its descendants go with it
    for tag in doomed:
        tag.decompose()


class _LinkStats:
    """For every element under a soup, in document order: how many <a> it holds, their text
    length, its own text length (whitespace left out, as ``get_text`` would give it) and whether
    that text holds "附件" — all from one iterative walk, answered per element in O(1)."""

    _TEXT_TYPES = (NavigableString, CData)  # what get_text() counts (no comments, no scripts)

    def __init__(self, soup: BeautifulSoup) -> None:
        self.tags: list[Tag] = []
        self.end: list[int] = []  # index after each element's last descendant
        self._start: list[int] = []  # text offset where each element's text starts ...
        self._stop: list[int] = []  # ... and ends
        pieces: list[str] = []
        offset = 0
        stack: list[tuple[int, Iterator]] = [(-1, iter(soup.contents))]
        while stack:
            index, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if index >= 0:
                    self.end[index], self._stop[index] = len(self.tags), offset
                continue
            if isinstance(child, Tag):
                self.tags.append(child)
                self.end.append(0)
                self._start.append(offset)
                self._stop.append(0)
                stack.append((len(self.tags) - 1, iter(child.contents)))
            elif type(child) in self._TEXT_TYPES:
                piece = re.sub(r"\s", "", str(child))
                pieces.append(piece)
                offset += len(piece)
        text = "".join(pieces)
        self._annexes = [m.start() for m in re.finditer("附件", text)]
        self._links = [0]  # prefix counts over elements: <a> elements, and their text length
        self._linked = [0]
        for i, tag in enumerate(self.tags):
            is_link = tag.name == "a"
            self._links.append(self._links[-1] + is_link)
            self._linked.append(self._linked[-1] + (self._stop[i] - self._start[i] if is_link else 0))

    def of(self, i: int) -> tuple[int, int, int, bool]:
        """(links below element ``i``, their text length, its text length, "附件" in its text)."""
        first, end = i + 1, self.end[i]
        start, stop = self._start[i], self._stop[i]
        at = bisect.bisect_left(self._annexes, start)
        annex = at < len(self._annexes) and self._annexes[at] + 2 <= stop
        return (self._links[end] - self._links[first], self._linked[end] - self._linked[first], stop - start, annex)


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
    breaks in the result are the ones this walk inserts. The walk keeps its own stack (pending
    children, or a line end to write when a block closes): a page of 1,000 nested <div>s
    exceeded Python's recursion limit.
    """
    stack: list[Iterator | str] = [iter(node.children)]
    while stack:
        top = stack[-1]
        if isinstance(top, str):
            parts.append(top)
            stack.pop()
            continue
        child = next(top, None)
        if child is None:
            stack.pop()
        elif isinstance(child, _INVISIBLE):
            continue
        elif isinstance(child, NavigableString):
            # &nbsp; is layout (indents, spaced-out labels), not text: a plain space
            parts.append(_HTML_SPACE.sub(" ", str(child).replace("\xa0", " ")))
        elif child.name == "br":
            parts.append("\n")
        elif child.name == "tr":
            cells = child.find_all(["td", "th"], recursive=False)
            parts.append("\n" + " | ".join(_html_cell_text(cell) for cell in cells) + "\n")
        elif child.name in _HTML_BLOCKS:
            parts.append("\n")
            stack += ["\n", iter(child.children)]
        else:
            stack.append(iter(child.children))


def _html_cell_text(cell: Tag) -> str:
    """A table cell on one line: its pieces of text joined by single spaces, except between
    Chinese characters, where a <br> breaks a line but no word ("市政务服务中心、<br>市大数据局")."""
    out = ""
    for piece in (_HTML_SPACE.sub(" ", t.replace("\xa0", " ")).strip(" ") for t in cell.stripped_strings):
        if not piece:
            continue
        joined = out and not (_is_cjk(out[-1]) and _is_cjk(piece[0]))
        out += (" " if joined else "") + piece
    return out


def _read_ofd(data: bytes) -> _Decoded:
    """OFD text runs laid out into lines (:mod:`ingest.ofd`), wrapped lines joined again."""
    return _Decoded("\n".join(_join_laid_out(read_ofd_lines(data))), "")


def _read_legacy_word(data: bytes, kind: str) -> _Decoded:
    """.doc/.wps: a Word binary file through catdoc/antiword (:mod:`ingest.legacy_word`); a .docx,
    web page or RTF saved under that name is read for what it is, or refused saying so."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_docx(data)
    if head.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in head:
        return _read_html(data)
    if head.startswith(b"{\\rtf"):
        raise CorruptFileError("该文件实际是RTF格式,请用Word或WPS打开后另存为.docx再上传")
    return _Decoded(read_word_binary(data, kind), "")


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
    ".ofd": ("ofd", _read_ofd),
    ".doc": ("doc", lambda data: _read_legacy_word(data, "doc")),
    ".wps": ("wps", lambda data: _read_legacy_word(data, "wps")),
    **{ext: ("image", _read_image) for ext in IMAGE_EXTENSIONS},
}

# Extensions load_file accepts (lower case, with the dot), e.g. for picking files in a folder.
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_READERS)

_FORMAT_HINTS: dict[str, str] = {
    ".xls": "。表格请先另存为文本或粘贴到Word文档中",
    ".xlsx": "。表格请先另存为文本或粘贴到Word文档中",
}
