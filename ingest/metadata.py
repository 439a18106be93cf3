"""Document metadata printed on a Chinese government document: 标题, 发文字号, 发文机关, dates.

Every value is returned exactly as written in the text (no date or name normalisation),
so answers to "meta" questions can quote the document. Fields that cannot be found stay
empty rather than guessed.

Usage::

    meta = extract_metadata(load_file(path).text)
    meta.title, meta.doc_number, meta.issuers, meta.issue_date, meta.publish_date
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.dates import DATE_CN, DATE_ISO, to_iso
from ingest.types import DocumentMeta
from ingest.validity import find_validity

# Only the top of a document carries its title; later lines are body text.
_TITLE_SEARCH_LINES = 15
_MAX_TITLE_CHARS = 60
# How many non-empty lines above a date line may belong to the signature block.
_MAX_SIGNATURE_LINES = 8

_NOTICE_TITLE = re.compile(r"关于(?:印发|发布|颁布)《(?P<title>.+)》的通知")
_NOTICE_TITLE_PLAIN = re.compile(r"关于(?:印发|发布|颁布)(?P<title>[^《》]+?)的通知")
_PRINTED_TITLE = re.compile(r"^《(?P<title>[^》]{4,60})》[^。]{0,24}?(?:现|特)(?:予)?(?:印发|发布)给你们")
_TITLE_SUFFIX = re.compile(
    r"(?:方案|办法|规定|意见|通知|条例|计划|细则|规划|决定|要点|纲要|指引|指南|措施|规则|公告|通告|批复)"
    r"(?:\s*[(\uff08][^()\uff08\uff09]{1,20}[)\uff09])?$"  # (试行) / (2021—2025年), either width
)
_HEADING_LABEL = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(\uff08][一二三四五六七八九十\d]+[)\uff09]|\d+[.\uff0e、]|第.{1,4}[条章节])"
)

# 发文字号: agency code, year in 〔〕 [] 【】 () (), serial number, 号.
_DOC_NUMBER = r"[\u4e00-\u9fff]{1,12}\s*[〔\[【(\uff08]\s*(?:19|20)\d{2}\s*[〕\]】)\uff09]\s*第?\d{1,5}\s*号"
_DOC_NUMBER_LINE = re.compile(rf"^\s*(?P<number>{_DOC_NUMBER})")
_DOC_NUMBER_ANY = re.compile(rf"(?P<number>{_DOC_NUMBER})")

_DATE_LINE = re.compile(rf"^\s*[（(]?\s*(?P<date>{DATE_CN})\s*[）)]?\s*$")  # "（2023年1月2日）" under a title too
_LABELLED_ISSUE_DATE = re.compile(rf"(?:成文日期|印发日期|发文日期)\s*[:\uff1a]\s*(?P<date>{DATE_CN}|{DATE_ISO})")
_LABELLED_PUBLISH_DATE = re.compile(rf"(?:发布时间|发布日期|发表时间|公布日期)\s*[:\uff1a]\s*(?P<date>{DATE_ISO}|{DATE_CN})")

# A department / agency name: Chinese characters ending in an organisational suffix.
_ORG_NAME = re.compile(
    r"^[\u4e00-\u9fff]{1,30}"
    r"(?:厅|局|委|办|部|院|会|署|府|室|处|所|司|中心|集团|银行|公司|总队|支队|办公室|委员会|中央)$"
)
# Lazy name groups: the last name must stop before 等部门 instead of swallowing it.
_JOINT_ISSUERS = re.compile(
    r"(?P<names>[\u4e00-\u9fff]{2,30}?(?:、[\u4e00-\u9fff]{2,30}?)+)"
    r"(?:等(?:部门|单位))?(?:联合|共同)(?:制定|印发|起草|发布)"
)
_TITLE_ISSUERS = re.compile(r"^(?P<names>[\u4e00-\u9fff]{2,30}(?:[\s\u3000、]+[\u4e00-\u9fff]{2,30})*?)关于")
_LABELLED_ISSUER = re.compile(r"(?:信息来源|来源|发布部门|发布机构|发文机关|发文单位)\s*[:\uff1a]\s*(?P<name>[\u4e00-\u9fff]{2,30})")
# Words that introduce a list of issuers in a sentence but are not part of the first name.
_LEAD_IN = re.compile(r"^(?:现由|经|由|现)")


def extract_metadata(text: str) -> DocumentMeta:
    """Read title, 发文字号, issuers and dates from a document's text.

    :param text: the loaded document text (``LoadedText.text``).
    :returns: a :class:`DocumentMeta`; fields not found are empty.
    """
    lines = [line.strip() for line in text.split("\n")]
    signature = _signature_block(lines)
    issue_date = _labelled(_LABELLED_ISSUE_DATE, text) or signature[1] or _first_date_line(lines)
    validity = find_validity(text, to_iso(issue_date))
    return DocumentMeta(
        title=_title(lines),
        doc_number=_doc_number(lines, text),
        issuers=signature[0] or _joint_issuers(text) or _title_issuers(lines) or _labelled_issuer(text),
        issue_date=issue_date,
        publish_date=_labelled(_LABELLED_PUBLISH_DATE, text),
        issue_date_iso=to_iso(issue_date),
        effective_date=validity.effective,
        effective_date_iso=validity.effective_iso,
        valid_until=validity.until,
        valid_until_iso=validity.until_iso,
        validity=validity.sentence,
    )


def _title(lines: Sequence[str]) -> str:
    """X of 关于印发《X》的通知; else the first title-like line; else the first short line."""
    top = [line for line in lines if line][:_TITLE_SEARCH_LINES]
    for i, line in enumerate(top):
        # A centred title is often broken by hand over two or three lines ("关于印发…专项资金" /
        # "管理办法的通知"): try the line joined with the short lines after it.
        for span in (1, 2, 3):
            joined = "".join(top[i:i + span])
            if span > 1 and any(len(x) > _MAX_TITLE_CHARS or re.search(r"[。;\uff1b]", x) for x in top[i:i + span]):
                break
            found = _NOTICE_TITLE.search(joined) or _NOTICE_TITLE_PLAIN.search(joined)
            if found:
                return found.group("title").strip()
    for line in top:
        found = _PRINTED_TITLE.search(line)  # "《X》已经市政府同意，现印发给你们"
        if found:
            return found.group("title").strip()
    for line in top:
        if _looks_like_title(line):
            return line
    return next((line for line in top if len(line) <= _MAX_TITLE_CHARS), "")


def _looks_like_title(line: str) -> bool:
    """Short, no sentence punctuation, not a numbered heading, ends like a document name."""
    return (
        len(line) <= _MAX_TITLE_CHARS
        and not re.search(r"[。;\uff1b,\uff0c]", line)
        and not _HEADING_LABEL.match(line)
        and bool(_TITLE_SUFFIX.search(line))
    )


def _doc_number(lines: Sequence[str], text: str) -> str:
    """发文字号 standing at the start of a line; else the first one anywhere.

    Line-start matches come first because a number inside a sentence is usually a cited
    document (依据《…》(国发〔2021〕29号)), not this one.
    """
    for line in lines:
        found = _DOC_NUMBER_LINE.match(line)
        if found:
            return _compact(found.group("number"))
    found = _DOC_NUMBER_ANY.search(text)
    return _compact(found.group("number")) if found else ""


def _compact(number: str) -> str:
    """Drop stray spaces that layout put inside a 发文字号 (鲁工信数据 〔2022〕 52号)."""
    return re.sub(r"\s+", "", number)


def _signature_block(lines: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """Issuers and date of the first 落款: a date line with department-name lines above it.

    Returns ``((), "")`` when no date line has a signature above it.
    """
    for index, line in enumerate(lines):
        date = _DATE_LINE.match(line)
        if date:
            issuers = _issuer_lines_above(lines, index)
            if issuers:
                return issuers, date.group("date")
    return (), ""


def _issuer_lines_above(lines: Sequence[str], date_index: int) -> tuple[str, ...]:
    """Department names on the non-empty lines just above ``date_index``, in reading order."""
    rows: list[list[str]] = []
    for line in reversed(lines[max(0, date_index - 2 * _MAX_SIGNATURE_LINES) : date_index]):
        if not line:
            continue  # signature rows are often separated by blank lines
        names = line.split()
        if len(rows) == _MAX_SIGNATURE_LINES or not all(_ORG_NAME.match(name) for name in names):
            break
        rows.append(names)
    return tuple(name for row in reversed(rows) for name in row)


def _joint_issuers(text: str) -> tuple[str, ...]:
    """Issuers named in a sentence such as "省工业和信息化厅、省委网信办等部门联合制定"."""
    found = _JOINT_ISSUERS.search(text)
    if not found:
        return ()
    names = found.group("names").split("、")
    names[0] = _LEAD_IN.sub("", names[0])
    return tuple(names)


def _title_issuers(lines: Sequence[str]) -> tuple[str, ...]:
    """Issuers written before 关于 in the heading: "中共中央 国务院关于…", "广州市医疗保障局 广州市财政局关于…"."""
    for line in [line for line in lines if line][:_TITLE_SEARCH_LINES]:
        found = _TITLE_ISSUERS.match(line)
        if found:
            names = re.split(r"[\s、]+", found.group("names").strip())
            if all(_ORG_NAME.match(name) for name in names):
                return tuple(names)
    return ()


def _labelled_issuer(text: str) -> tuple[str, ...]:
    """A portal's or legal database's label: 信息来源：区住建园林局, 发布部门 : 辽宁省政府."""
    for found in _LABELLED_ISSUER.finditer(text):
        if _ORG_NAME.match(found.group("name")):
            return (found.group("name"),)
    return ()


def _labelled(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group("date") if found else ""


def _first_date_line(lines: Sequence[str]) -> str:
    """A date standing alone on a line is the 落款 date even without names above it."""
    return next((found.group("date") for line in lines if (found := _DATE_LINE.match(line))), "")
