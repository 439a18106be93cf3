"""Dates as Chinese documents write them: 2023年8月9日, 2026年 4月 20 日, 二○一九年三月五日,
２０２２年４月２０日, 2023-08-09, 2023.8.9 — found in text, and read into ISO dates.

Documents keep the date as written (answers quote it); the ISO form only serves comparisons
such as "is this document's 有效期 over?".

Usage::

    to_iso("二○一九年三月五日")      # "2019-03-05"
    add_years("2024-01-03", 3)      # "2027-01-02": a 3-year validity ends the day before
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ingest.numerals import to_int

# Year digits written one by one: 二○一九, 二〇二三 (○ U+25CB and 〇 U+3007 are both used for zero).
_YEAR_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                "七": 7, "八": 8, "九": 9}
_CN = "〇○零一二三四五六七八九十Ｏ"
_SP = r"[ \u3000]*"  # portals and PDF text put spaces inside dates: "2026年 4月 20 日"
DATE_CN = (rf"(?:\d{{4}}|[{_CN}]{{4}}){_SP}年{_SP}(?:\d{{1,2}}|[{_CN}]{{1,3}}){_SP}月{_SP}"
           rf"(?:\d{{1,2}}|[{_CN}]{{1,3}}){_SP}日")
DATE_ISO = r"\d{4}[-./]\d{1,2}[-./]\d{1,2}"
DATE_ANY = rf"(?:{DATE_CN}|{DATE_ISO})"

_CN_PARTS = re.compile(rf"^(?P<y>\S{{4}}){_SP}年{_SP}(?P<m>\S{{1,3}}?){_SP}月{_SP}(?P<d>\S{{1,3}}?){_SP}日$")
_ISO_PARTS = re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})$")


def to_iso(written: str) -> str:
    """The ISO form (YYYY-MM-DD) of a date as written; "" when it is not a valid date."""
    text = written.strip()
    found = _ISO_PARTS.match(text) or _CN_PARTS.match(text)
    if not found:
        return ""
    year = _year(found.group("y"))
    month, day = to_int(found.group("m")), to_int(found.group("d"))
    if year is None or month is None or day is None:
        return ""
    try:
        return date(year, month, day).isoformat()
    except ValueError:  # 2月30日 and the like: as written, but not a day
        return ""


def _year(text: str) -> int | None:
    if text.isdecimal():
        return int(text)
    digits = [_YEAR_DIGITS.get(ch) for ch in text]
    if any(d is None for d in digits):
        return None
    return int("".join(map(str, digits)))


def add_years(iso: str, years: int) -> str:
    """Last day of a validity of ``years`` years starting on ``iso`` (2024-01-03 + 3 → 2027-01-02)."""
    start = date.fromisoformat(iso)
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # starts on 29 February: the anniversary is 1 March
        end = date(start.year + years, 3, 1)
    return (end - timedelta(days=1)).isoformat()
