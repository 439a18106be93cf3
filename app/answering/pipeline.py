"""The evidence-first answerer: understand → retrieve → select evidence → abstain → compose.

Verification (every quote a substring of its document, every number of the answer inside a
quote) is the assistant's last step for every answerer.

    >>> draft = answer(kb, "补贴标准是多少?最长补几个月?", scope=(), history=())
"""

from __future__ import annotations

from collections.abc import Sequence

from app.answering import abstain
from app.answering.compose import compose
from app.answering.evidence import Evidence, Scorer, Sentence, select, sentences_of
from app.answering.query import Question, understand
from app.compose import Draft, Quote
from app.refusal import PLACES
from ingest.types import Clause, Document
from vectorstore.hybrid import KnowledgeBase

TOP_K = 10  # chunks whose clauses give the candidate sentences
PART_K = 5  # … and for each part of a question of several parts
EDGE_LINES = 15  # a document's first and last sentences: title, 文号, index block, 落款


def answer(kb: KnowledgeBase, text: str, scope: Sequence[str], history: Sequence[str]) -> Draft:
    q = understand(text)
    return answer_question(kb, q, scope, history)


def answer_question(kb: KnowledgeBase, q: Question, scope: Sequence[str], history: Sequence[str]) -> Draft:
    scoped = [kb.doc(i) for i in scope] if scope else list(kb.documents)
    early = abstain.before_retrieval(q, scoped, bool(history))
    if early is not None:
        return _refusal(early, None)
    query = f"{history[-1]} {q.text}" if q.follow_up and history else q.text
    candidates = _candidates(kb, q, query, scope)
    if not candidates:
        return _refusal(abstain.Refusal("该问题的相关内容"), None)
    docs = list({s.clause.doc_id: kb.doc(s.clause.doc_id) for s, _ in candidates}.values())
    scorer = Scorer(q, kb.tokenizer.words, docs, history[-1] if q.follow_up and history else "")
    evidence = select(q, candidates, scorer, lambda c: sentences_of(kb.doc(c.doc_id), c),
                      lambda c: _ancestors(kb, c))
    late = abstain.after_evidence(evidence)
    if late is not None:
        return _refusal(late, evidence)
    text, pieces = compose(evidence, scorer)
    quotes = tuple(Quote(p.sentence.clause, p.text) for p in pieces)
    if pieces:
        doc = kb.doc(pieces[0].sentence.clause.doc_id)
        away = abstain.unplaced(q, PLACES, doc, "".join(p.text for p in pieces))
        if away is not None:
            return _refusal(away, evidence)
    if evidence.missing:
        text += "".join(f"(文件未明确“{part.text}”的{abstain.FACET_NAMES.get(f, '相关内容')}。)"
                        for part, f in evidence.missing)
    return Draft(text, quotes)


def _candidates(kb: KnowledgeBase, q: Question, query: str, scope: Sequence[str]) -> list[tuple[Sentence, int]]:
    """Sentences of the clauses the question names, else of the clauses retrieved for the
    whole question and for each of its parts, each with the best rank of its clause; for a
    question about the document itself, also its first and last lines."""
    rank: dict[str, int] = {}
    clauses: dict[str, Clause] = {}
    for c in _referenced(kb, q, scope):
        clauses.setdefault(c.id, c)
        rank[c.id] = 0
    if not clauses:
        queries = [query] + ([p.text for p in q.parts] if len(q.parts) > 1 else [])
        for i, text in enumerate(queries):
            for r, h in enumerate(kb.search(text, k=TOP_K if i == 0 else PART_K, doc_ids=list(scope) or None)):
                clauses.setdefault(h.clause.id, h.clause)
                rank[h.clause.id] = min(rank.get(h.clause.id, r), r)
    out: list[tuple[Sentence, int]] = []
    seen: set[tuple[str, int]] = set()

    def add(s: Sentence, r: int) -> None:
        key = (s.clause.doc_id, s.start)
        if key not in seen:
            seen.add(key)
            out.append((s, r))

    for cid in sorted(clauses, key=lambda c: rank[c]):
        clause = clauses[cid]
        for s in sentences_of(kb.doc(clause.doc_id), clause):
            add(s, rank[cid])
    if q.about_document:
        doc_ids = list(scope) or list(dict.fromkeys(s.clause.doc_id for s, _ in out))[:1]
        for doc_id in doc_ids:
            doc = kb.doc(doc_id)
            every = [s for c in doc.clauses if c.parent_id is None for s in sentences_of(doc, c)]
            for s in every[:EDGE_LINES] + every[-EDGE_LINES:]:
                add(s, 0)
    return out


def _referenced(kb: KnowledgeBase, q: Question, scope: Sequence[str]) -> list[Clause]:
    docs: list[Document] = [kb.doc(i) for i in scope] if scope else list(kb.documents)
    found = []
    for ref in q.references:
        kinds = abstain.KIND_OF_REF.get(ref.kind, ())
        found += [c for d in docs for c in d.clauses if c.kind in kinds and c.number == ref.number]
    return found


def _ancestors(kb: KnowledgeBase, clause: Clause) -> list[Clause]:
    out = []
    while clause.parent_id and clause.parent_id in kb.clauses and len(out) < 6:
        clause = kb.clauses[clause.parent_id]
        out.append(clause)
    return out


def _refusal(r: abstain.Refusal, evidence: Evidence | None) -> Draft:
    if r.message:
        return Draft(r.message, (), refused=True)
    near = evidence.best[0] if evidence and evidence.best else None
    if near is None:
        return Draft(f"文件未明确{r.what}。", (), refused=True)
    s = near.sentence  # cited, not repeated: the nearest sentence is no answer
    return Draft(f"文件未明确{r.what}。", (Quote(s.clause, s.text),), refused=True)
