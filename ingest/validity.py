"""施行 date and 有效期 of a document, read from its own text.

The forms, from real documents: "本办法自2025年9月1日起施行，有效期至2030年8月31日。",
"本办法自印发之日起施行，有效期3年。", "第六条 本办法有效期至2020年12月31日。" (a separate article),
"现予公布，自2006年8月1日起施行。", a legal database's "实施日期 : 2006-08-01".

A document quotes other documents' dates too ("自2022年1月1日起施行的《条例》"), so a sentence
that speaks of this document (本办法, 本方案 …) wins; otherwise the last statement does, as the
施行 clause closes a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.dates import DATE_ANY, add_years, to_iso
from ingest.numerals import to_int

# The document speaking of itself: "本办法", "本实施方案", "本通知".
_SELF = re.compile(r"本(?:[\u4e00-\u9fff]{0,6})(?:办法|规定|方案|意见|通知|细则|条例|措施|政策|计划|规则|决定|指引|公告|通告|要点|制度)")
# "自印发之日起": the day the document itself is dated.
_OWN_DAY = r"(?:印发|发布|公布|颁布|下发|公告|发文)之日"
_EFFECTIVE = re.compile(rf"[自从]\s*(?P<date>{DATE_ANY}|{_OWN_DAY})\s*起\s*(?:正式)?(?:施行|实施|执行|生效|试行)")
_LABELLED_EFFECTIVE = re.compile(rf"(?:实施日期|施行日期|生效日期)\s*[:：]\s*(?P<date>{DATE_ANY})")
_UNTIL = re.compile(rf"有效期(?:限)?\s*(?:为|是)?\s*(?:至|到|截至)\s*(?P<date>{DATE_ANY})(?:止)?")
_YEARS = re.compile(r"有效期(?:限)?\s*(?:为|是)?\s*(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,3})\s*年")
_SENTENCE_END = "。；;\n"


@dataclass(frozen=True, slots=True)
class Validity:
    effective: str = ""  # as written: "2025年9月1日" or "印发之日"
    effective_iso: str = ""
    until: str = ""  # as written, or derived from a duration ("有效期3年" from the 施行 date)
    until_iso: str = ""
    sentence: str = ""  # the verbatim sentence(s) stating them, one per line


def find_validity(text: str, issue_iso: str = "") -> Validity:
    """施行 date and 有效期 stated in ``text``; ``issue_iso`` dates "自印发之日起施行"."""
    effective = _pick(list(_EFFECTIVE.finditer(text)), text)
    labelled = _LABELLED_EFFECTIVE.search(text)
    when = effective.group("date") if effective else (labelled.group("date") if labelled else "")
    when_iso = issue_iso if re.fullmatch(_OWN_DAY, when) else to_iso(when)
    until_m = _pick(list(_UNTIL.finditer(text)) or list(_YEARS.finditer(text)), text)
    until, until_iso = "", ""
    if until_m is not None and "date" in until_m.groupdict():
        until, until_iso = until_m.group("date"), to_iso(until_m.group("date"))
    elif until_m is not None and when_iso and (years := to_int(until_m.group("n"))):
        until_iso = add_years(when_iso, years)
        y, m, d = (int(x) for x in until_iso.split("-"))
        until = f"{y}年{m}月{d}日"
    sentences = dict.fromkeys(_sentence(text, m.start()) for m in (effective, until_m) if m is not None)
    return Validity(when, when_iso, until, until_iso, "\n".join(sentences))


def _pick(matches: list[re.Match[str]], text: str) -> re.Match[str] | None:
    """The match whose sentence names this document (本办法…); else the last one."""
    own = [m for m in matches if _SELF.search(_sentence(text, m.start()))]
    return (own or matches or [None])[-1]


def _sentence(text: str, pos: int) -> str:
    """The sentence around ``pos``, verbatim, without its article label's indentation."""
    start = max(text.rfind(ch, 0, pos) for ch in _SENTENCE_END) + 1
    ends = [i for ch in _SENTENCE_END if (i := text.find(ch, pos)) != -1]
    end = min(ends) if ends else len(text)
    if end < len(text) and text[end] == "。":
        end += 1
    return text[start:end].strip()
