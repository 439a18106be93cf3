"""Enterprise eligibility in the ask flow: which incentive fits the question, and does the
enterprise meet its condition as written? Says "cannot tell" rather than guessing."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.compose import Draft, Quote, clause_ref
from app.intent import Query
from ingest.numerals import to_int
from ingest.types import Clause, Incentive

_NOT_FIRST_RE = re.compile(r"复评|复审|再次|重新|换证|续期|之前就|以前就|早就|前就|已经通过|去年就|年前就|第二次|再评")
_LEVEL_RE = re.compile(r"([一二三四五1-5])级")
_MIN_LEVEL_RE = re.compile(r"([一二三四五1-5])级及以上")


def eligibility_answer(q: Query, clauses: Sequence[Clause], kb, score) -> Draft | None:
    """An eligibility verdict for the best-matching incentive, or None when no incentive fits."""
    best = _best_incentive(clauses, score)
    if best is None:
        return None
    clause, inc = best
    verdict, reason = _verdict(q.text, inc)
    owner = clause if clause.facts.departments else None
    contact = "、".join(d.name for d in owner.facts.departments) if owner else ""
    parts = [f"{verdict}根据{clause_ref(clause)}:{inc.sentence.rstrip('。')}。"]
    if reason:
        parts.append(reason)
    if not inc.amount:
        parts.append("文件未明确具体金额和申报程序")
    if contact:
        parts.append(f"可咨询{contact}")
    quotes = [Quote(clause, inc.sentence)]
    if owner and owner.facts.department_text:
        quotes.append(Quote(owner, owner.facts.department_text.split("\n")[0]))
    return Draft(";".join(parts[:1]) + ",".join(parts[1:]) + "。" if len(parts) > 1 else parts[0], tuple(quotes))


def _best_incentive(clauses: Sequence[Clause], score) -> tuple[Clause, Incentive] | None:
    best, best_score = None, 0.0
    for rank, clause in enumerate(clauses):
        for inc in clause.facts.incentives:
            s = 2 * score(inc.condition) + score(inc.sentence) + 1.0 / (rank + 2)
            if s > best_score and score(inc.sentence) > 0:
                best, best_score = (clause, inc), s
    return best


def _verdict(question: str, inc: Incentive) -> tuple[str, str]:
    """("可以申请:" / "不符合条件:" / "能否享受需进一步确认:", reason tied to the condition's words)."""
    cond = inc.condition
    if "首次" in cond and _NOT_FIRST_RE.search(question):
        return "不符合条件:", "该政策仅针对“首次”通过的情形,复评或此前已通过的不在此列"
    need = _MIN_LEVEL_RE.search(cond)
    have = _LEVEL_RE.search(question)
    if need and have:
        if (to_int(have.group(1)) or 0) < (to_int(need.group(1)) or 0):
            return "不符合条件:", f"条件为“{need.group(0)}”,您所述等级未达到"
        if "首次" in cond and not re.search(r"首次|第一次|刚|新", question):
            return "可能符合条件:", "需确认是否为首次通过"
        return "符合条件:", ""
    return "", ""
