"""Enterprise eligibility in the ask flow: which support measure the question is about, and does
the enterprise meet its condition as written? Built on ``app.incentives`` (catalogue + check);
says "needs confirming" rather than guessing, and never states an amount the text does not."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.compose import Draft, Quote, clause_ref
from app.incentives import (MIN_RELEVANCE, CatalogueEntry, EligibilityResult, EnterpriseProfile, Passage, assess,
                            document_catalogue, document_support, general_findings, relevance, topic_score)
from app.intent import Query
from app.meta import validity
from ingest.facts import split_sentences
from ingest.types import Clause, Document

MAX_ANSWER = 200
_LABELS = {"eligible": "可能符合条件", "not_eligible": "不符合条件", "unknown": "能否享受需进一步确认"}
_RULE_QUESTION_RE = re.compile(r"叠加|重复|两份|两次|多份|同时享受|都能|都可以|一起拿|再补一次")
_BENEFIT_WORDS = ("补贴", "奖励", "补助", "奖补", "保险补偿", "券", "贴息", "优先", "免费")
_AMOUNT_QUESTION_RE = re.compile(r"多少|金额|几万|标准|最多|最高|能补|补多少")
Scorer = Callable[[str], float]


def eligibility_answer(q: Query, clauses: Sequence[Clause], kb, score: Scorer) -> Draft | None:
    """A short verdict for the support measure the question is about, or None when no measure fits
    (the assistant then answers from the clause text).

    :param clauses: retrieved clauses, best first.
    :param kb: the knowledge base (documents and clause lookup).
    :param score: question-word overlap scorer of the assistant.
    """
    if not clauses and kb.empty:
        return None
    retrieved = list(dict.fromkeys(c.doc_id for c in clauses))
    docs = sorted(kb.documents, key=lambda d: retrieved.index(d.id) if d.id in retrieved else len(retrieved))
    profile = EnterpriseProfile.from_text(q.text)
    best, strong = _best_entry(q, profile, docs, clauses, score)
    # A year past the 有效期 ("2027年才完工"), unless a measure's own condition already rules it out.
    expired = _after_validity(q, docs[:1])
    if expired is not None and (best is None or assess(profile, best).verdict != "not_eligible"):
        return expired
    general = [g for d in docs for g in general_findings(profile, d)]
    if general and not strong:
        g = general[0]
        return _draft([f"不符合申报条件。依据{g.requirement.ref}:{g.reason}"],
                      [Quote(kb.clauses[g.requirement.clause_id], g.requirement.text)])
    if best is not None:
        return _verdict_draft(q, assess(profile, best), kb, score)
    if _RULE_QUESTION_RE.search(q.text):
        rule = _best_rule([r for d in docs for r in document_support(d).rules], score)
        if rule is not None:
            return _draft([f"按文件规定不能重复享受。{rule.ref}:{_clip(rule.text, 120)}"],
                          [Quote(kb.clauses[rule.clause_id], rule.text)])
    return _no_measure(q, clauses) if q.about_incentive else None


def _best_entry(q: Query, profile: EnterpriseProfile, docs: Sequence[Document], clauses: Sequence[Clause],
                score: Scorer) -> tuple[CatalogueEntry | None, bool]:
    """The measure the question is about, and whether the enterprise's words name it (rather than
    retrieval alone). Topic words first; then retrieval rank, the place named (青岛), the benefit
    word used (补贴 / 奖励) and, for "多少", a stated amount."""
    rank = {c.id: i for i, c in enumerate(clauses)}
    retrieved = {c.doc_id for c in clauses}
    asks_amount = bool(_AMOUNT_QUESTION_RE.search(q.text))
    asked = [w for w in _BENEFIT_WORDS if w in q.text]
    best, best_score, strong = None, 0.0, False
    for doc in docs:
        region = document_support(doc).region
        for e in document_catalogue(doc):
            rel = relevance(profile, e)
            hit = min(rank.get(e.clause_id, 99), rank.get(e.measure_id, 99))
            if rel < MIN_RELEVANCE and not (hit < 99 and topic_score(q.text, e.sentence) >= 1):
                continue
            s = rel + 2.0 / (hit + 1) + 0.1 * score(e.quote) + (1.0 if doc.id in retrieved else 0.0)
            s += 3.0 if region and region in q.text else 0.0
            s += 1.5 if any(w in e.benefit + e.scope for w in asked) else 0.0
            s += 2.5 if asks_amount and e.amount else 0.0  # "能拿多少" wants a stated amount
            if s > best_score:
                best, best_score, strong = e, s, rel >= MIN_RELEVANCE
    return best, strong


def _verdict_draft(q: Query, result: EligibilityResult, kb, score: Scorer) -> Draft:
    e = result.entry
    clause = kb.clauses[e.clause_id]
    quotes = [Quote(clause, e.quote)]
    parts = [f"{_LABELS[result.verdict]}。{e.ref}:{_clip(e.quote, 110)}", result.reasons[0] if result.reasons else ""]
    rule = _best_rule(e.rules, score) if _RULE_QUESTION_RE.search(q.text) else None
    if rule is not None:
        parts.insert(1, f"另:{_clip(rule.text, 60)}")
        quotes.append(Quote(kb.clauses[rule.clause_id], rule.text))
    if result.verdict != "not_eligible":
        if e.unstated:
            parts.append("文件未写明" + "、".join(e.unstated[:2]))
        if e.contacts:
            parts.append(f"可咨询{e.contacts}")
            holder = kb.clauses.get(e.department_clause_id)
            if holder is not None:
                quotes.append(Quote(holder, e.department_text.split("\n")[0]))
    return _draft(parts, quotes)


def _after_validity(q: Query, docs: Sequence[Document]) -> Draft | None:
    """"项目2027年才完工,到时候还能按这个办法申请吗?": a year after the document's 有效期 is
    answered with the 有效期, not with a measure's conditions."""
    for doc in docs:
        found = validity(doc)
        if found is None:
            continue
        clause, sentence, last = found
        later = [y for y in q.years if y > last]
        if later:
            return Draft(f"{clause_ref(clause)}规定:{sentence.rstrip('。')}。您所述{later[0]}年已在有效期之后,"
                         f"文件未写明届时能否按本文件申请,请关注届时的政策。", (Quote(clause, sentence),))
    return None


def _best_rule(rules: Sequence[Passage], score: Scorer) -> Passage | None:
    return max(rules, key=lambda r: score(r.text), default=None)


def _no_measure(q: Query, clauses: Sequence[Clause]) -> Draft | None:
    """The question names something a retrieved clause mentions, but no support measure goes with
    it ("首台套智能制造装备"): say so instead of quoting an unrelated subsidy."""
    for clause in clauses[:3]:
        sentences = [s for s in split_sentences(clause.text) if topic_score(q.text, s) >= MIN_RELEVANCE]
        if sentences:
            best = max(sentences, key=lambda s: topic_score(q.text, s))
            piece = next((p for p in re.split(r"(?<=[,，;；])", best) if topic_score(q.text, p) >= 1), best)
            piece = piece.strip(",，;；。")
            return Draft(f"{clause_ref(clause)}只提到“{_clip(piece, 60)}”,未写明奖励、补贴等支持政策或标准。",
                         (Quote(clause, piece),))
    return None


def _draft(parts: Sequence[str], quotes: Sequence[Quote]) -> Draft:
    """Join the parts that fit in ``MAX_ANSWER`` characters (the first always stays)."""
    text = ""
    for p in (p.strip("。;; ") for p in parts if p):
        candidate = f"{text}{p}。" if not text else f"{text[:-1]};{p}。"
        if text and len(candidate) > MAX_ANSWER:
            continue
        text = candidate
    return Draft(text, tuple(qt for qt in quotes if qt.text))


def _clip(text: str, limit: int) -> str:
    text = text.strip().rstrip("。;；")
    return text if len(text) <= limit else text[: limit - 1] + "…"
