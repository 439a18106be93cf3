"""The guard: a generated answer may only state facts that its cited clauses hold.

Pure functions, no model. Facts are what a reader acts on and a small model likes to invent:
numbers, percentages, amounts, dates and department names. Both sides are compared after
NFKC normalisation, so ``２０％`` in a clause matches ``20%`` in an answer.

    >>> check("由省大数据局负责[1]。", ["(省工业和信息化厅、省大数据局按分工负责)"])
    []
    >>> [v.message for v in check("补贴500万元[1]。", ["给予财政补贴"])]
    ['“500万元”在所引条款[1]中找不到']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.departments import ALIASES, DEPARTMENT_RE, find_in_text, matches

REFUSAL = "文件未明确"

# [1] [1,2] [1、2]; 【1】 too, which NFKC leaves alone and small models like to write.
_MARKER_RE = re.compile(r"[\[【]\s*(\d+(?:\s*[,、]\s*\d+)*)\s*[\]】]")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LEADING = "由和与及同是为向请对在将"
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"

# Order matters: a date or an amount is taken whole before its digits could be read as a
# bare number, so "8500亿元" is checked as that amount, not as "8500" alone.
_FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月\d{1,2}日")),
    ("percent", re.compile(r"\d+(?:\.\d+)?(?:%|个百分点)|百分之[\d" + _CN_DIGITS + r"]+")),
    ("amount", re.compile(r"\d+(?:\.\d+)?(?:万亿元|亿元|千万元|百万元|万元|元|万亿|亿|万)")),
    ("number", re.compile(r"\d+(?:\.\d+)?")),
    # An ordinal in words ("第十二条") must name a clause as written.
    ("number", re.compile(r"第[零〇一二两三四五六七八九十百千]+(?:条|章|节|部分|项|款)")),
    # Chinese numerals only before a measure word: "一批", "统一", "进一步" are not facts.
    ("number", re.compile(r"[" + _CN_DIGITS + r"]{2,}(?=[个家项条年月日倍元批名所座台套类次户人%])"
                          r"|[二两三四五六七八九十](?=[个家项倍元批名所座台套类次户人%])")),
)


@dataclass(frozen=True, slots=True)
class Fact:
    kind: str  # date | percent | amount | number | department
    text: str  # as written in the (normalised) answer


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str  # fact | marker | no_marker
    text: str
    message: str  # Chinese, named in the retry prompt and in the log


def normalise(text: str) -> str:
    """NFKC (full width → half width), and no thousands separators ("8,500" → "8500")."""
    return _THOUSANDS_RE.sub("", unicodedata.normalize("NFKC", text))


def markers(text: str) -> list[int]:
    """Clause numbers cited with [n] markers, in order of first appearance."""
    found: list[int] = []
    for m in _MARKER_RE.finditer(normalise(text)):
        found += [int(n) for n in re.split(r"\s*[,、]\s*", m.group(1))]
    return list(dict.fromkeys(found))


def strip_markers(text: str) -> str:
    return _MARKER_RE.sub("", text)


def renumber(text: str, order: Sequence[int]) -> str:
    """Rewrite markers so that [k] is the k-th clause of ``order`` ("[3]…[1]" → "[1]…[2]")."""
    new = {n: i + 1 for i, n in enumerate(order)}

    def sub(m: re.Match[str]) -> str:
        nums = [int(n) for n in re.split(r"\s*[,、]\s*", m.group(1))]
        return "".join(f"[{new[n]}]" for n in dict.fromkeys(nums) if n in new)

    return _MARKER_RE.sub(sub, normalise(text))


def is_refusal(text: str) -> bool:
    return REFUSAL in normalise(text)


def extract_facts(text: str) -> list[Fact]:
    """Numbers, percentages, amounts, dates and departments in ``text`` (markers ignored)."""
    rest = strip_markers(normalise(text))
    facts: list[Fact] = []
    for kind, pattern in _FACT_PATTERNS:
        for m in pattern.finditer(rest):
            facts.append(Fact(kind, m.group(0)))
        # Blank out what was taken so a later, looser pattern cannot take part of it again.
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    facts += [Fact("department", name) for name in _departments(rest)]
    return list(dict.fromkeys(facts))


def _departments(text: str) -> list[str]:
    # The pattern may take a leading preposition ("由省大数据局"); drop it for the message.
    names = [m.group(0).lstrip(_LEADING) for m in DEPARTMENT_RE.finditer(text)] + [a for a in ALIASES if a in text]
    # Keep the longest spelling: "省大数据局" covers the alias "大数据局" found inside it.
    return [n for n in dict.fromkeys(names) if not any(n != o and n in o for o in names)]


def grounded(fact: Fact, pool: str) -> bool:
    """Does the normalised ``pool`` hold ``fact``? Numbers must match whole ("50" is not in "500")."""
    if fact.kind == "department":
        return any(_department_in(name, pool) for name in _spellings(fact.text))
    # A digit must not run on before the fact; after it only when the fact ends in a word.
    tail = r"(?![\d.]\d|\d)" if fact.text[-1].isdigit() else ""
    if re.search(r"(?<![\d.])" + re.escape(fact.text) + tail, pool):
        return True
    value = _cn_value(fact.text)
    return value is not None and re.search(rf"(?<![\d.]){value}(?![\d.]\d|\d)", pool) is not None


def _spellings(name: str) -> list[str]:
    """The name, and the tails that start at a level word: the pattern may take words before a
    name ("由山东省大数据局" → "省大数据局"), but a tail never drops a level (市 stays 市)."""
    return [name] + [name[i:] for i in range(1, len(name) - 2) if name[i] in "省市区县"]


def _department_in(name: str, pool: str) -> bool:
    return name in pool or any(matches(name, d) for d in find_in_text(pool))


def check(answer: str, sources: Sequence[str]) -> list[Violation]:
    """Every way ``answer`` breaks the rules; [] when it may be shown.

    :param answer: the generated text, with [n] markers.
    :param sources: ``sources[n-1]`` is everything shown to the model as clause [n]
        (its reference, title and text).
    """
    cited = markers(answer)
    bad = [n for n in cited if not 1 <= n <= len(sources)]
    violations = [Violation("marker", f"[{n}]", f"引用标记[{n}]不对应任何给出的条款") for n in bad]
    valid = [n for n in cited if n not in bad]
    if not valid and not is_refusal(answer):
        violations.append(Violation("no_marker", "", "回答没有用[n]标注依据的条款"))
    # A refusal may mention nothing new, but it is checked against every clause it was given.
    # Markers are dropped from the pool too: "[1]" in a clause's header is not the number 1.
    pool = strip_markers(normalise("\n".join(sources[n - 1] for n in valid) if valid else "\n".join(sources)))
    where = "".join(f"[{n}]" for n in valid) or "给出的条款"
    for fact in extract_facts(answer):
        if not grounded(fact, pool):
            violations.append(Violation("fact", fact.text, f"“{fact.text}”在所引条款{where}中找不到"))
    return violations


def _cn_value(text: str) -> int | None:
    """"二十" → 20, "两" → 2, "一百五十" → 150; None for anything else."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    units = {"十": 10, "百": 100, "千": 1000}
    if not text or any(c not in digits and c not in units for c in text):
        return None
    total, current = 0, 0
    for c in text:
        if c in digits:
            current = digits[c]
        else:
            total += (current or 1) * units[c]
            current = 0
    return total + current
