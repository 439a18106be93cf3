"""The guard: a generated answer may only state facts that its cited clauses hold.

Pure functions, no model. Facts are what a reader acts on and a small model likes to invent:
numbers, percentages, amounts, dates and department names. Both sides are compared after
NFKC normalisation, so ``２０％`` in a clause matches ``20%`` in an answer. Besides the facts,
:func:`check` rejects markers that point at no clause, answers whose wording the cited clauses
do not support (an echo of the instructions), answers that only restate the question, and a
clause's figure given for another of its indicators. :func:`recite` first points each
sentence's markers at the clause that holds it.

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
# A sentence with its end mark and the markers written after it ("…负责。[1]").
_SENTENCE_RE = re.compile(r"[^。;;!?!?\n]+[。;;!?!?\n]*(?:\s*\[\d+(?:\s*[,、]\s*\d+)*\])*|[。;;!?!?\n]+")
_WORD_RUN_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9.%]+")
MIN_SUPPORT = 0.5  # share of the answer's character pairs that the cited clauses must hold
MIN_INDICATOR = 1 / 3  # share of a target indicator's character pairs a sentence must name
MIN_NEW_PAIRS = 1  # character pairs an answer must add to the question (or a new fact) not to be an echo
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
    kind: str  # fact | marker | no_marker | support | target | echo
    text: str
    message: str  # Chinese, named in the retry prompt and in the log


def normalise(text: str) -> str:
    """NFKC (full width → half width), and no thousands separators ("8,500" → "8500")."""
    text = _THOUSANDS_RE.sub("", unicodedata.normalize("NFKC", text))
    return re.sub(r"【\s*(\d+)\s*】", r"[\1]", text)


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


def check(answer: str, sources: Sequence[str], question: str = "",
          targets: Sequence[Sequence[tuple[str, str]]] = ()) -> list[Violation]:
    """Every way ``answer`` breaks the rules; [] when it may be shown.

    :param answer: the generated text, with [n] markers.
    :param sources: ``sources[n-1]`` is everything shown to the model as clause [n]
        (its reference, title and text).
    :param question: words the answer may repeat besides the clauses' (for the support check).
    :param targets: ``targets[n-1]`` holds clause [n]'s quantified targets as
        ``(indicator, value)``: a value may only answer for its own indicator.
    """
    cited = markers(answer)
    bad = [n for n in cited if not 1 <= n <= len(sources)]
    violations = [Violation("marker", f"[{n}]", f"引用标记[{n}]不对应任何给出的条款") for n in bad]
    valid = [n for n in cited if n not in bad]
    refusal = is_refusal(answer)
    if not valid and not refusal:
        violations.append(Violation("no_marker", "", "回答没有用[n]标注依据的条款"))
    # A refusal may mention nothing new, but it is checked against every clause it was given.
    # Markers are dropped from the pool too: "[1]" in a clause's header is not the number 1.
    pool = strip_markers(normalise("\n".join(sources[n - 1] for n in valid) if valid else "\n".join(sources)))
    where = "".join(f"[{n}]" for n in valid) or "给出的条款"
    for fact in extract_facts(answer):
        if not grounded(fact, pool):
            violations.append(Violation("fact", fact.text, f"“{fact.text}”在所引条款{where}中找不到"))
    if not refusal and valid:
        violations += _support(answer, pool + normalise(question))
        if question:
            violations += _echo(answer, question)
    if targets:
        violations += _borrowed_values(answer, [t for n in valid for t in targets[n - 1]])
    return violations


def _borrowed_values(answer: str, targets: Sequence[tuple[str, str]]) -> list[Violation]:
    """A value stated for one indicator must not answer for another. "电信业务收入增长5500亿元"
    passes the fact check (the clause holds 5500亿元) but takes the figure of 电子信息制造业收入规模;
    "电信业务收入增幅超过20%" takes that of 电信业务总量增幅 from the same sentence."""
    # An indicator of one character says nothing about which figure a sentence means.
    targets = [(ind, value) for ind, value in targets if len(_indicator_pairs(ind)) >= 2]
    found = []
    for sentence in _SENTENCE_RE.findall(strip_markers(normalise(answer))):
        best = max((_mentions(sentence, ind) for ind, _ in targets), default=0.0)
        for fact in extract_facts(sentence):
            owners = [ind for ind, value in targets if fact.kind != "department" and _same_value(fact.text, value)]
            score = max((_mentions(sentence, ind) for ind in owners), default=None)
            # The sentence must name the value's own indicator, and no other indicator better.
            if score is not None and (score < MIN_INDICATOR or score < best):
                found.append(Violation("target", fact.text,
                                       f"“{fact.text}”在所引条款中是“{owners[0]}”的数值,回答没有对应这一指标"))
    return found


def _same_value(fact: str, value: str) -> bool:
    return re.match(re.escape(fact) + r"(?![\d.])", normalise(value)) is not None


def _mentions(sentence: str, indicator: str) -> float:
    """Share of the indicator's character pairs found in the sentence. Indicators are extracted
    loosely ("企业开展DCMM贯标" for "推动100家以上企业开展DCMM贯标"), so a third is enough."""
    pairs = _indicator_pairs(indicator)
    return sum(p in sentence for p in pairs) / len(pairs) if pairs else 0.0


def _indicator_pairs(indicator: str) -> list[str]:
    return [run[i:i + 2] for run in _WORD_RUN_RE.findall(normalise(indicator)) for i in range(len(run) - 1)]


def support(answer: str, pool: str) -> float:
    """Share of the answer's character pairs (CJK, letters, digits) found in ``pool``, once its
    facts are taken out (they are checked one by one, and an alias such as 工信厅 is fine).

    A grounded answer restates the clause and the question; a small model that echoes the
    instructions ("数字、金额…只能照抄条款") states no fact, so only this catches it.
    """
    pairs = _pairs(answer)
    return sum(p in pool for p in pairs) / len(pairs) if pairs else 1.0


def _pairs(answer: str) -> list[str]:
    text = strip_markers(normalise(answer))
    for fact in extract_facts(text):
        text = text.replace(fact.text, "|")
    return [run[i:i + 2] for run in _WORD_RUN_RE.findall(text) for i in range(len(run) - 1)]


def _support(answer: str, pool: str) -> list[Violation]:
    if not _pairs(answer) and not extract_facts(answer):
        return [Violation("support", "", "回答没有内容")]
    if support(answer, pool) < MIN_SUPPORT:
        return [Violation("support", "", "回答的内容在所引条款中找不到依据")]
    return []


def _echo(answer: str, question: str) -> list[Violation]:
    """An answer that only restates the question answers nothing: "年度申报指南什么时候发[1]。",
    "工业数据产品登记归大数据局管[1]。" (the 0.5B model does this when the answer is not plain in
    the clause). It passes every other check, as its words are the question's."""
    asked = normalise(question)
    if any(f.text not in asked for f in extract_facts(answer)):
        return []
    if sum(p not in asked for p in _pairs(answer)) >= MIN_NEW_PAIRS:
        return []
    return [Violation("echo", "", "回答只是复述了问题,没有给出条款中的答案")]


def recite(answer: str, sources: Sequence[str]) -> str:
    """Point each sentence's markers at the clause that best supports it.

    A small model often copies from clause [1] and writes [2], or writes no marker. For each
    sentence, the candidates are the clauses holding all its facts; among them the one sharing
    most wording with it is cited (the model's own choice wins ties). Only markers change,
    never the words; a sentence no clause supports is left for :func:`check` to reject.
    """
    pools = [strip_markers(normalise(s)) for s in sources]
    return "".join(_recite_sentence(sentence, pools) for sentence in _SENTENCE_RE.findall(normalise(answer)))


def _recite_sentence(sentence: str, pools: list[str]) -> str:
    if not _WORD_RUN_RE.search(strip_markers(sentence)):
        return sentence
    facts = extract_facts(sentence)
    candidates = [n for n, p in enumerate(pools, 1) if all(grounded(f, p) for f in facts)]
    scores = {n: support(sentence, pools[n - 1]) for n in candidates}
    if not scores or not facts and max(scores.values()) < MIN_SUPPORT:
        return sentence
    cited = [n for n in markers(sentence) if n in scores]
    best = max(scores, key=lambda n: (scores[n], -n))
    if cited and max(scores[n] for n in cited) >= scores[best]:
        return sentence
    return _with_marker(strip_markers(sentence), best)


def _with_marker(sentence: str, n: int) -> str:
    body, end = re.match(r"(.*?)([。;;!?!?\s]*)$", sentence, re.S).groups()
    return f"{body}[{n}]{end}"


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
