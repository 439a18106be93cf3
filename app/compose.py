"""Extractive answers: short Chinese sentences built only from verbatim pieces of clauses.

Nothing here invents text: departments, numbers and dates are copied from facts, which are
substrings of the clause. Each answer comes with the quotes it used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.departments import matches
from ingest.facts import split_sentences
from ingest.types import Clause, ClauseKind, Department, Document, Target

MAX_SHORT = 150  # lead, target and meta answers
MAX_CONTENT = 220


@dataclass(frozen=True, slots=True)
class Quote:
    clause: Clause
    text: str  # substring of clause.text


@dataclass(frozen=True, slots=True)
class Draft:
    answer: str
    quotes: tuple[Quote, ...]
    refused: bool = False


def clause_ref(clause: Clause) -> str:
    """"第8条「完善数据要素供给体系」", "第十条", "第三部分「实施数据价值化升级行动」"."""
    label = clause.label.strip()
    if clause.kind == ClauseKind.ARTICLE and label[:1].isdigit():
        ref = f"第{clause.number}条"
    elif clause.kind == ClauseKind.CHAPTER and label.endswith(("、", ".", "．")):
        ref = f"第{label.rstrip('、.．')}部分"
    elif label in ("通知", "落款", "附注", ""):
        ref = {"通知": "印发通知", "落款": "落款", "附注": "文末", "": "前言"}[label]
        return ref
    else:
        ref = label
    title = clause.title
    if title and not title.startswith(("为", "根据")) and len(title) <= 40 and not ref.endswith(title):
        short = re.split(r"[,，;；]", title)[0]
        return f"{ref}「{short}」"
    return ref


Scorer = Callable[[str], float]


def best_sentences(clause_text: str, score: Scorer, n: int = 2, limit: int = MAX_CONTENT) -> list[str]:
    """The ``n`` highest-scoring sentences, in document order, within ``limit`` characters."""
    sentences = [s for s in split_sentences(clause_text) if len(s) > 4]
    ranked = sorted(range(len(sentences)), key=lambda i: score(sentences[i]), reverse=True)[:n]
    picked: list[str] = []
    total = 0
    for i in sorted(ranked):
        if total + len(sentences[i]) > limit and picked:
            break
        picked.append(sentences[i])
        total += len(sentences[i])
    return picked


# ---- lead ---------------------------------------------------------------------------------

def lead_answer(clause: Clause, score: Scorer, departments: Sequence[Department] | None = None) -> Draft:
    """Who is responsible for ``clause``, in the document's own words."""
    facts = clause.facts
    depts = departments if departments is not None else facts.departments
    if not depts:
        return Draft(f"{clause_ref(clause)}未写明责任部门。", (Quote(clause, _first_sentence(clause)),), refused=True)
    if any(d.duty for d in depts):
        return _duty_answer(clause, depts, score)
    phrase = facts.department_text
    if any(d.role == "lead" for d in depts):
        lead = "、".join(d.name for d in depts if d.role == "lead")
        partners = "、".join(d.name for d in depts if d.role == "partner")
        text = f"{clause_ref(clause)}由{lead}牵头" + (f",{partners}配合" if partners else "") + "。"
    else:
        body = phrase if phrase.endswith(("负责", "落实")) else phrase + "负责"
        text = f"{clause_ref(clause)}由{body}。"
    quotes = [Quote(clause, q) for q in phrase.split("\n") if q]
    topic = best_sentences(clause.text, score, n=1)
    if topic and all(topic[0] not in q.text for q in quotes):
        quotes.insert(0, Quote(clause, topic[0]))
    return Draft(text, tuple(quotes))


def _duty_answer(clause: Clause, depts: Sequence[Department], score: Scorer) -> Draft:
    """Running-text duties ("市大数据局负责…"): the duty sentence most relevant to the question."""
    duties = list(dict.fromkeys(d.duty for d in depts if d.duty))
    best = max(duties, key=score)
    names = [d.name for d in depts if d.duty == best]
    text = f"根据{clause_ref(clause)}," + _clip(best, MAX_SHORT)
    if not any(n in text for n in names):
        text = f"根据{clause_ref(clause)},由{'、'.join(names)}负责。"
    return Draft(text, (Quote(clause, best),))


def _first_sentence(clause: Clause) -> str:
    s = split_sentences(clause.text)
    return s[0] if s else clause.text[:80]


def _clip(sentence: str, limit: int) -> str:
    s = sentence.rstrip("。;；")
    return (s if len(s) <= limit else s[: limit - 1] + "…") + "。"


# ---- target -------------------------------------------------------------------------------

def target_answer(clause: Clause, target: Target) -> Draft:
    """The target sentence with its number and unit exactly as written."""
    sentence = target.sentence
    if len(sentence) > MAX_SHORT - 12:
        sentence = _window(sentence, target.value, MAX_SHORT - 12)
    return Draft(f"根据{clause_ref(clause)}:{sentence.rstrip('。;；')}。", (Quote(clause, target.sentence),))


def _window(sentence: str, value: str, limit: int) -> str:
    """The comma-delimited part of a long sentence around ``value``."""
    parts = re.split(r"(?<=[,，;；])", sentence)
    for i, p in enumerate(parts):
        if value in p:
            lo, hi = i, i + 1
            while hi < len(parts) and sum(map(len, parts[lo:hi + 1])) <= limit:
                hi += 1
            while lo > 0 and sum(map(len, parts[lo - 1:hi])) <= limit:
                lo -= 1
            return "".join(parts[lo:hi]).strip(",，")
    return sentence[:limit]


# ---- content ------------------------------------------------------------------------------

def content_answer(clause: Clause, score: Scorer) -> Draft:
    picked = best_sentences(clause.text, score, n=3)
    if not picked:
        picked = [_first_sentence(clause)]
    body = "".join(s if s.endswith(("。", ";", ";")) else s + "。" for s in picked)
    return Draft(f"{clause_ref(clause)}:{body}", tuple(Quote(clause, s) for s in picked))


# ---- list ---------------------------------------------------------------------------------

def department_list_answer(doc: Document, name: str, clauses: Sequence[Clause]) -> Draft:
    """Every clause whose responsibility line names ``name``."""
    hits = [c for c in clauses if any(matches(name, d.name) for d in c.facts.departments)]
    if not hits:
        return Draft(f"《{doc.title}》中没有写明由{name}负责的条款。", (), refused=True)
    # Show the document's own spelling (工信厅 → 省工业和信息化厅).
    name = next(d.name for d in hits[0].facts.departments if matches(name, d.name))
    shown = "、".join(clause_ref(c) for c in hits)
    text = f"{name}参与{len(hits)}项:{shown}。"
    return Draft(text, tuple(Quote(c, c.facts.department_text.split("\n")[0]) for c in hits))


def facts_list_answer(doc: Document, clauses: Sequence[Clause], what: str) -> Draft:
    if not clauses:
        return Draft(f"《{doc.title}》中没有{what}的条款。", (), refused=True)
    shown = "、".join(clause_ref(c) for c in clauses)
    return Draft(f"共{len(clauses)}项{what}:{shown}。", tuple(Quote(c, _fact_quote(c)) for c in clauses))


def _fact_quote(c: Clause) -> str:
    if c.facts.targets:
        return c.facts.targets[0].sentence
    if c.facts.incentives:
        return c.facts.incentives[0].sentence
    return _first_sentence(c)
