"""Evaluation metrics: pure functions over plain values (no index, no model, no I/O).

Definitions (issue #4):

- An answerable item is *correct* when the answer is not refused, contains every
  ``must_include`` string and none of the ``must_not_include`` strings, compared after NFKC
  normalisation (which folds full- and half-width forms). An unanswerable item is correct when
  it is refused and no ``must_not_include`` string appears.
- *Refusal accuracy*: share of unanswerable items refused. *False-refusal rate*: share of
  answerable items refused.
- The *gold clauses* of an item: for each evidence string, the deepest clause whose span holds
  the evidence's offset in the document text.
- *Retrieval*: a chunk of our index is relevant when its clause is a gold clause or a
  descendant of one, or an ancestor of one whose chunk holds a whole evidence string (an
  ancestor's chunk that is only its heading, e.g. "第六章 安全管理", is not evidence). A baseline
  chunk, which ignores clause boundaries, is relevant when it contains an evidence string or lies
  inside a gold clause span. hit@k and MRR@10 over the ranked list.
- *Citation precision*: share of citations (answerable, non-refused items) whose quote lies
  inside a gold clause span or contains a whole evidence string. *Quote validity*: share of
  citations whose quote is a verbatim substring of the document text.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class ClauseLike(Protocol):
    id: str
    start: int
    end: int
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """A gold clause: its id and its span in the document text."""

    clause_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CitationCheck:
    quote: str
    valid: bool  # verbatim substring of the document
    precise: bool  # inside a gold clause span, or holds an evidence string


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One system's result on one gold item (what the report lists)."""

    id: str
    gold: str  # gold set name
    type: str
    answerable: bool
    question: str
    answer: str
    refused: bool
    correct: bool
    reason: str  # why it is wrong ("" when correct)
    latency_ms: float
    rank: int | None = None  # 1-based rank of the first relevant chunk; None = not in the list
    retrieval_judged: bool = False  # the item has evidence located in a clause
    citations: tuple[CitationCheck, ...] = ()
    expected: str = ""  # the gold answer, for the failure list


# ---- answers ---------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKC: full-width letters, digits and punctuation become half-width; case is kept."""
    return unicodedata.normalize("NFKC", text)


def _folded(text: str) -> str:
    """What answers are compared in: NFKC with whitespace removed (a PDF or web page breaks
    lines and spaces Chinese text where the gold string has none)."""
    return "".join(normalize(text).split())


def judge_answer(answer: str, refused: bool, answerable: bool, must_include: Sequence[str],
                 must_not_include: Sequence[str]) -> tuple[bool, str]:
    """Whether an answer is correct, and a short reason when it is not.

    >>> judge_answer("由省大数据局负责", False, True, ["省大数据局"], ["省科技厅"])
    (True, '')
    """
    text = _folded(answer)
    forbidden = [s for s in must_not_include if _folded(s) in text]
    if not answerable:
        if not refused:
            return False, "not refused"
        return (False, "refused but mentions: " + "、".join(forbidden)) if forbidden else (True, "")
    if refused:
        return False, "refused"
    missing = [s for s in must_include if _folded(s) not in text]
    reasons = []
    if missing:
        reasons.append("missing: " + "、".join(missing))
    if forbidden:
        reasons.append("forbidden: " + "、".join(forbidden))
    return (not reasons), "; ".join(reasons)


# ---- gold clauses ----------------------------------------------------------------------------


def locate(text: str, needle: str) -> int:
    """Offset of ``needle`` in ``text`` (exact, else after NFKC on both sides), -1 if absent."""
    pos = text.find(needle)
    if pos >= 0 or not needle:
        return pos
    folded = normalize(needle)
    # NFKC keeps the length of CJK text and full-width forms, so offsets carry over when it does.
    norm_text = normalize(text)
    if len(norm_text) == len(text):
        return norm_text.find(folded)
    return -1


def deepest_clause(clauses: Iterable[ClauseLike], offset: int) -> ClauseLike | None:
    """The narrowest clause whose span holds ``offset`` (the deepest, as spans nest)."""
    best = None
    for c in clauses:
        if c.start <= offset < c.end and (best is None or c.end - c.start < best.end - best.start):
            best = c
    return best


def gold_spans(text: str, clauses: Sequence[ClauseLike], evidence: Sequence[str]) -> tuple[list[GoldSpan], list[str]]:
    """The gold clauses of an item, and the evidence strings that could not be placed."""
    spans: list[GoldSpan] = []
    lost: list[str] = []
    for ev in evidence:
        pos = locate(text, ev)
        clause = deepest_clause(clauses, pos) if pos >= 0 else None
        if clause is None:
            lost.append(ev)
        elif all(s.clause_id != clause.id for s in spans):
            spans.append(GoldSpan(clause.id, clause.start, clause.end))
    return spans, lost


def related(clause_id: str, gold_ids: Iterable[str], parent_of: Mapping[str, str | None]) -> bool:
    """True when the clause is a gold clause, or an ancestor or descendant of one."""
    gold = set(gold_ids)
    if clause_id in gold:
        return True
    if any(clause_id in _ancestors(g, parent_of) for g in gold):
        return True
    return bool(_ancestors(clause_id, parent_of) & gold)


def chunk_relevant(clause_id: str, chunk_text: str, gold_ids: Sequence[str], parent_of: Mapping[str, str | None],
                   evidence: Sequence[str]) -> bool:
    """A chunk of our index (never crossing a clause boundary) is on target when its clause is a
    gold clause or lies under one, or when it is an ancestor's chunk holding an evidence string."""
    gold = set(gold_ids)
    if clause_id in gold or _ancestors(clause_id, parent_of) & gold:
        return True
    if related(clause_id, gold, parent_of):  # an ancestor: only if its text carries the evidence
        norm = normalize(chunk_text)
        return any(ev and normalize(ev) in norm for ev in evidence)
    return False


def _ancestors(clause_id: str, parent_of: Mapping[str, str | None]) -> set[str]:
    out: set[str] = set()
    cur = parent_of.get(clause_id)
    while cur is not None and cur not in out:
        out.add(cur)
        cur = parent_of.get(cur)
    return out


def span_relevant(start: int, end: int, text: str, spans: Sequence[GoldSpan], evidence: Sequence[str]) -> bool:
    """A piece of the document (baseline chunk or cited quote) is on target when it lies
    inside a gold clause span or contains a whole evidence string."""
    if any(s.start <= start and end <= s.end for s in spans):
        return True
    norm = normalize(text)
    return any(ev and normalize(ev) in norm for ev in evidence)


def check_quote(quote: str, start: int, doc_text: str | None, spans: Sequence[GoldSpan],
                evidence: Sequence[str]) -> CitationCheck:
    """Validity and precision of one quote. ``start`` is its claimed offset (-1: unknown);
    ``doc_text`` is None when the cited document is not the item's document."""
    if doc_text is None:
        return CitationCheck(quote, valid=False, precise=False)
    if not quote or start < 0 or doc_text[start:start + len(quote)] != quote:
        start = doc_text.find(quote) if quote else -1
    valid = start >= 0
    precise = valid and span_relevant(start, start + len(quote), quote, spans, evidence)
    return CitationCheck(quote, valid, precise)


# ---- retrieval -------------------------------------------------------------------------------


def first_relevant_rank(relevance: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant entry, None when there is none."""
    return next((i for i, r in enumerate(relevance, 1) if r), None)


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of items whose first relevant chunk is within the top ``k``."""
    if k < 1:
        raise ValueError("k must be at least 1")
    return _share(r is not None and r <= k for r in ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank (0 for items with nothing relevant in the list)."""
    return sum(1.0 / r for r in ranks if r) / len(ranks) if ranks else math.nan


# ---- aggregates ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default method), NaN for no values."""
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def ratio(ours: float, theirs: float) -> float | None:
    """ours / theirs; None when undefined (a zero or missing denominator)."""
    if theirs is None or ours is None or math.isnan(theirs) or math.isnan(ours) or theirs == 0:
        return None
    return ours / theirs


def _share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else math.nan


@dataclass(slots=True)
class Summary:
    """The figures of one system on one set of items."""

    n: int
    accuracy: float  # all items (answerable: right answer; unanswerable: refused)
    answerable_accuracy: float
    refusal_accuracy: float
    false_refusal_rate: float
    hit_at_1: float
    hit_at_5: float
    mrr: float
    citation_precision: float
    quote_validity: float
    latency_p50_ms: float
    latency_p95_ms: float
    by_type: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def summarize(results: Sequence[ItemResult]) -> Summary:
    """Aggregate per-item results into the report's figures."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    judged = [r.rank for r in results if r.retrieval_judged]
    cited = [c for r in answerable if not r.refused for c in r.citations]
    all_quotes = [c for r in results for c in r.citations]
    latencies = [r.latency_ms for r in results]
    per_type = Counter(r.type for r in results)
    by_type = {t: {"n": n, "correct": sum(r.correct for r in results if r.type == t),
                   "accuracy": _share(r.correct for r in results if r.type == t)}
               for t, n in per_type.items()}
    return Summary(
        n=len(results),
        accuracy=_share(r.correct for r in results),
        answerable_accuracy=_share(r.correct for r in answerable),
        refusal_accuracy=_share(r.refused for r in unanswerable),
        false_refusal_rate=_share(r.refused for r in answerable),
        hit_at_1=hit_at(judged, 1),
        hit_at_5=hit_at(judged, 5),
        mrr=mean_reciprocal_rank(judged),
        citation_precision=_share(c.precise for c in cited),
        quote_validity=_share(c.valid for c in all_quotes),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        by_type=by_type,
        counts={"answerable": len(answerable), "unanswerable": len(unanswerable), "retrieval_judged": len(judged),
                "citations": len(cited), "quotes": len(all_quotes)},
    )


RATIO_KEYS = ("accuracy", "answerable_accuracy", "hit_at_1", "hit_at_5", "mrr", "citation_precision",
              "latency_p50_ms")


def compare(ours: Summary, theirs: Summary) -> dict[str, float | None]:
    """Ours ÷ baseline for the headline figures (latency: > 1 means we are slower)."""
    return {k: ratio(getattr(ours, k), getattr(theirs, k)) for k in RATIO_KEYS}


# ---- generative mode -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LLMCall:
    """One call to the LLM while answering a question."""

    purpose: str  # "answer" | "rewrite"
    first_token_s: float
    total_s: float
    tokens: int
    violations: tuple[str, ...] = ()  # the guard's violation kinds for a rejected draft

    @property
    def tokens_per_s(self) -> float:
        gen = self.total_s - self.first_token_s
        return (self.tokens - 1) / gen if self.tokens > 1 and gen > 0 else math.nan


@dataclass(frozen=True, slots=True)
class GenerationTrace:
    """What generative mode did for one question.

    ``outcome``: "generated" (the LLM's verified answer was shown), "fallback" (the LLM was asked
    but the extractive answer was shown, for ``fallback_reason``) or "extractive" (the LLM was not
    asked: an extractive refusal, a list or metadata question).
    """

    outcome: str
    fallback_reason: str | None = None
    calls: tuple[LLMCall, ...] = ()


def summarize_generation(traces: Sequence[GenerationTrace]) -> dict[str, object]:
    """How often the LLM's answer was shown, why it was not, what the guard rejected, and the
    LLM's own latency (per call: time to first token, total, tokens/s) as p50/p95."""
    calls = [c for t in traces for c in t.calls]
    drafts = [c for c in calls if c.purpose == "answer"]
    rejected = [c for c in drafts if c.violations]

    def p50_p95(values: Sequence[float]) -> dict[str, float]:
        values = [v for v in values if not math.isnan(v)]
        return {"p50": percentile(values, 50), "p95": percentile(values, 95)}

    return {
        "questions": len(traces),
        "llm_asked": sum(t.outcome != "extractive" for t in traces),
        "generated": sum(t.outcome == "generated" for t in traces),
        "fallback": sum(t.outcome == "fallback" for t in traces),
        "fallback_reasons": dict(Counter(t.fallback_reason or "?" for t in traces if t.outcome == "fallback")),
        "drafts": len(drafts),
        "rejected_drafts": len(rejected),
        "retried": sum(sum(c.purpose == "answer" for c in t.calls) > 1 for t in traces),
        # A draft can break several rules; each kind is counted once per draft.
        "violations": dict(Counter(k for c in rejected for k in dict.fromkeys(c.violations))),
        "llm_calls": len(calls),
        "first_token_s": p50_p95([c.first_token_s for c in calls]),
        "call_total_s": p50_p95([c.total_s for c in calls]),
        "tokens_per_s": p50_p95([c.tokens_per_s for c in calls]),
        "tokens": p50_p95([float(c.tokens) for c in calls]),
    }
