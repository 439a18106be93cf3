"""OFD (GB/T 33190, the national fixed-layout format): a zip of XML parts whose text is
positioned glyph runs, read without a third-party parser.

``OFD.xml`` names each document's root (``DocBody/DocRoot``, e.g. ``Doc_0/Document.xml``); the
document lists its pages (``Pages/Page@BaseLoc``); each page's ``Content.xml`` holds
``TextObject`` elements (``Boundary="x y w h"`` in mm) with ``TextCode`` runs (``X``/``Y``
relative to the boundary, ``Y`` the baseline). Runs are grouped into lines by baseline and
read left to right, pages in order; lines wrapped by the layout are joined again by the caller.
"""

from __future__ import annotations

import io
import posixpath
import unicodedata
import zipfile
from typing import NamedTuple

from lxml import etree

from ingest.errors import CorruptFileError, EmptyDocumentError, IngestError

MAX_OFD_UNCOMPRESSED = 200 * 1024 * 1024
MAX_OFD_PAGES = 2000
CORRUPT_MESSAGE = "OFD文件已损坏或格式无效,无法读取正文,请用OFD阅读器打开后另存为PDF或重新导出再上传"
NO_TEXT_MESSAGE = "OFD文件没有文字层(可能是扫描件),请先进行文字识别(OCR)后再上传"
# Runs whose baselines differ by less than this share of the font size are on one line.
_SAME_LINE = 0.5
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class _Run(NamedTuple):
    page: int
    y: float  # baseline, mm from the top of the page
    x: float
    size: float
    text: str
    width: float


class OfdLine(NamedTuple):
    text: str
    full: bool  # runs to the right margin: the layout may have wrapped a sentence here


def read_ofd_lines(data: bytes) -> list[OfdLine]:
    """Physical text lines of an OFD file, in reading order, each saying whether it is full width.

    :raises CorruptFileError: not a zip, no OFD.xml, broken XML, archive too large.
    :raises EmptyDocumentError: pages without any text (a scan).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_archive(archive)
        runs = [run for number, page in enumerate(_page_paths(archive)) for run in _page_runs(archive, page, number)]
    except IngestError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError, IndexError) as exc:
        raise CorruptFileError(CORRUPT_MESSAGE) from exc
    lines = _lines(runs)
    if not any(line.text.strip() for line in lines):
        raise EmptyDocumentError(NO_TEXT_MESSAGE)
    return lines


def _check_archive(archive: zipfile.ZipFile) -> None:
    names = {m.filename for m in archive.infolist()}
    if "OFD.xml" not in names:
        raise CorruptFileError("文件不是有效的OFD文档(缺少OFD.xml),文件可能已损坏")
    if sum(m.file_size for m in archive.infolist()) > MAX_OFD_UNCOMPRESSED:
        raise CorruptFileError("OFD文件解压后过大(超过200MB),可能是异常文件,已拒绝处理")


def _xml(archive: zipfile.ZipFile, path: str) -> etree._Element:
    return etree.fromstring(archive.read(path.lstrip("/")), _PARSER)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [el for el in node.iter() if _local(el.tag) == name]


def _page_paths(archive: zipfile.ZipFile) -> list[str]:
    """Content.xml paths of every page of every document, in order."""
    paths = []
    for root in _children(_xml(archive, "OFD.xml"), "DocRoot"):
        doc_path = (root.text or "").strip().lstrip("/")
        base = posixpath.dirname(doc_path)
        for page in _children(_xml(archive, doc_path), "Page"):
            loc = page.get("BaseLoc", "").lstrip("/")
            paths.append(loc if loc.startswith(base + "/") or not base else posixpath.join(base, loc))
    if len(paths) > MAX_OFD_PAGES:
        raise IngestError(f"OFD页数过多(超过{MAX_OFD_PAGES}页)")
    return paths


def _page_runs(archive: zipfile.ZipFile, path: str, number: int) -> list[_Run]:
    runs = []
    for obj in _children(_xml(archive, path), "TextObject"):
        box = [float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4]]
        size = float(obj.get("Size") or 3.5)
        for code in _children(obj, "TextCode"):
            if code.text:
                runs.append(_Run(number, box[1] + float(code.get("Y") or 0), box[0] + float(code.get("X") or 0),
                                 size, code.text, _width(code.text, code.get("DeltaX"), size)))
    return runs


def _width(text: str, delta_x: str | None, size: float) -> float:
    """Advance of a run: its DeltaX glyph offsets ("g 3 4.2" repeats 4.2 three times) plus the
    last glyph; without them, one em per wide character and half an em per narrow one."""
    if delta_x:
        tokens, offsets = delta_x.split(), []
        while tokens:
            token = tokens.pop(0)
            if token == "g" and len(tokens) >= 2:
                count, value = tokens.pop(0), tokens.pop(0)
                offsets += [float(value)] * int(float(count))
            else:
                offsets.append(float(token))
        return sum(offsets[:len(text) - 1]) + size
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size / 2 for ch in text)


def _lines(runs: list[_Run]) -> list[OfdLine]:
    """Runs grouped into lines by page and baseline, each line read left to right."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.page, r.y, r.x)):
        last = lines[-1][-1] if lines else None
        if last and last.page == run.page and abs(last.y - run.y) < _SAME_LINE * max(run.size, last.size):
            lines[-1].append(run)
        else:
            lines.append([run])
    ordered = [sorted(line, key=lambda r: r.x) for line in lines]
    margin = {}  # page → right end of its longest lines
    for line in ordered:
        margin[line[0].page] = max(margin.get(line[0].page, 0.0), line[-1].x + line[-1].width)
    return [OfdLine(_join_runs(line), line[-1].x + line[-1].width >= margin[line[0].page] - _FULL_SLACK * line[-1].size)
            for line in ordered]


# A line ending within this many glyphs of the right margin is full (justified text leaves a
# line up to one glyph short when the next character may not start a line).
_FULL_SLACK = 1.5


def _join_runs(line: list[_Run]) -> str:
    """Runs side by side; a gap wider than a character (names spaced out in a 落款) is a space."""
    out = line[0].text
    for prev, run in zip(line, line[1:]):
        out += (" " if run.x - (prev.x + prev.width) > run.size else "") + run.text
    return out
