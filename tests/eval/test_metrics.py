"""Unit tests for eval.metrics: every figure of the report, on small hand-made tables."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from eval import metrics
from eval.metrics import CitationCheck, GoldSpan, ItemResult


@dataclass(frozen=True)
class C:
    """A clause as the metrics see it: id, span, parent."""

    id: str
    start: int
    end: int
    parent_id: str | None = None


TEXT = "一、总则1.加强领导(一)建立机制。(二)落实责任。(省大数据局负责)二、附则"
CLAUSES = (
    C("ch1", 0, 35),
    C("a1", 4, 35, "ch1"),
    C("i1", 10, 18, "a1"),
    C("i2", 18, 26, "a1"),
    C("ch2", 35, 39),
)
PARENTS = {c.id: c.parent_id for c in CLAUSES}


@pytest.mark.parametrize("answer, refused, answerable, must, must_not, expected", [
    ("由省大数据局负责", False, True, ["省大数据局"], ["省科技厅"], (True, "")),
    ("由省大数据局负责", True, True, ["省大数据局"], [], (False, "refused")),
    ("由省科技厅负责", False, True, ["省大数据局"], [], (False, "missing: 省大数据局")),
    ("省大数据局、省科技厅", False, True, ["省大数据局"], ["省科技厅"], (False, "forbidden: 省科技厅")),
    ("省科技厅", False, True, ["省大数据局", "DCMM"], ["省科技厅"],
     (False, "missing: 省大数据局、DCMM; forbidden: 省科技厅")),
    # NFKC folds full-width letters, digits and brackets both ways.
    ("力争突破５５００亿元（省工信厅）", False, True, ["5500亿元", "(省工信厅)"], [], (True, "")),
    ("DCMM二级", False, True, ["ＤＣＭＭ"], [], (True, "")),
    ("", False, True, [], [], (True, "")),  # meta items with nothing to check: any non-refusal
    ("文件未明确规定", True, False, [], ["万元"], (True, "")),
    ("文件未明确规定补贴500万元", True, False, [], ["万元"], (False, "refused but mentions: 万元")),
    ("补贴500万元", False, False, [], ["万元"], (False, "not refused")),
    ("相关规定:……", False, False, [], [], (False, "not refused")),
])
def test_judge_answer(answer, refused, answerable, must, must_not, expected):
    assert metrics.judge_answer(answer, refused, answerable, must, must_not) == expected


@pytest.mark.parametrize("text, needle, expected", [
    (TEXT, "(二)落实责任", 18),
    (TEXT, "（二）落实责任", 18),  # full-width brackets in the needle, half-width in the text
    (TEXT, "不存在的内容", -1),
    (TEXT, "", 0),
])
def test_locate(text, needle, expected):
    assert metrics.locate(text, needle) == expected


@pytest.mark.parametrize("offset, expected", [(0, "ch1"), (5, "a1"), (12, "i1"), (18, "i2"), (30, "a1"),
                                              (37, "ch2"), (39, None), (-1, None)])
def test_deepest_clause(offset, expected):
    found = metrics.deepest_clause(CLAUSES, offset)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize("evidence, ids, lost", [
    (["(二)落实责任。"], ["i2"], []),
    (["(省大数据局负责)"], ["a1"], []),  # the article's own text after its items
    (["(一)建立机制。", "(省大数据局负责)"], ["i1", "a1"], []),
    (["(一)建立机制。", "建立机制"], ["i1"], []),  # two evidences in one clause: one gold clause
    (["没有这句话"], [], ["没有这句话"]),
    ([], [], []),
])
def test_gold_spans(evidence, ids, lost):
    spans, missing = metrics.gold_spans(TEXT, CLAUSES, evidence)
    assert [s.clause_id for s in spans] == ids
    assert missing == lost
    assert all(TEXT[s.start:s.end] for s in spans)


@pytest.mark.parametrize("clause_id, gold, expected", [
    ("i2", ["i2"], True),  # the gold clause itself
    ("a1", ["i2"], True),  # its parent
    ("ch1", ["i2"], True),  # its grandparent
    ("i2", ["a1"], True),  # a child of the gold clause
    ("i1", ["i2"], False),  # a sibling
    ("ch2", ["i2"], False),
    ("i1", ["ch2", "i1"], True),
    ("x", ["i1"], False),  # unknown clause
    ("i1", [], False),
])
def test_related(clause_id, gold, expected):
    assert metrics.related(clause_id, gold, PARENTS) is expected


SPANS = [GoldSpan("i2", 18, 26)]


@pytest.mark.parametrize("start, end, text, evidence, expected", [
    (18, 26, TEXT[18:26], [], True),  # exactly the gold clause
    (19, 24, TEXT[19:24], [], True),  # inside it
    (10, 26, TEXT[10:26], [], False),  # crosses into a sibling, no evidence string
    (10, 26, TEXT[10:26], ["(二)落实责任"], True),  # but holds a whole evidence string
    (10, 22, TEXT[10:22], ["(二)落实责任"], False),  # only part of the evidence
    (0, 39, TEXT, ["（二）落实责任"], True),  # full-width evidence vs half-width text
])
def test_span_relevant(start, end, text, evidence, expected):
    assert metrics.span_relevant(start, end, text, SPANS, evidence) is expected


@pytest.mark.parametrize("quote, start, doc_text, expected", [
    ("落实责任", 21, TEXT, CitationCheck("落实责任", True, True)),
    ("落实责任", -1, TEXT, CitationCheck("落实责任", True, True)),  # offset unknown: found by search
    ("落实责任", 3, TEXT, CitationCheck("落实责任", True, True)),  # wrong offset: found by search
    ("建立机制", 13, TEXT, CitationCheck("建立机制", True, False)),  # valid, outside the gold clause
    ("落实全部责任", 21, TEXT, CitationCheck("落实全部责任", False, False)),  # not verbatim
    ("落实责任", 21, None, CitationCheck("落实责任", False, False)),  # a document we do not know
    ("", -1, TEXT, CitationCheck("", False, False)),
])
def test_check_quote(quote, start, doc_text, expected):
    assert metrics.check_quote(quote, start, doc_text, SPANS, []) == expected


@pytest.mark.parametrize("relevance, expected", [
    ([True, False], 1), ([False, False, True], 3), ([False, False], None), ([], None)])
def test_first_relevant_rank(relevance, expected):
    assert metrics.first_relevant_rank(relevance) == expected


RANKS = [1, 2, None, 5, 6]


@pytest.mark.parametrize("k, expected", [(1, 0.2), (2, 0.4), (5, 0.6), (10, 0.8)])
def test_hit_at(k, expected):
    assert metrics.hit_at(RANKS, k) == pytest.approx(expected)


def test_hit_at_rejects_k_below_one():
    with pytest.raises(ValueError, match="k must be at least 1"):
        metrics.hit_at(RANKS, 0)


@pytest.mark.parametrize("ranks, expected", [
    (RANKS, (1 + 1 / 2 + 0 + 1 / 5 + 1 / 6) / 5), ([1, 1], 1.0), ([None], 0.0)])
def test_mean_reciprocal_rank(ranks, expected):
    assert metrics.mean_reciprocal_rank(ranks) == pytest.approx(expected)


def test_empty_inputs_are_nan():
    assert math.isnan(metrics.mean_reciprocal_rank([]))
    assert math.isnan(metrics.hit_at([], 1))
    assert math.isnan(metrics.percentile([], 50))


@pytest.mark.parametrize("values, p, expected", [
    ([3, 1, 2], 50, 2), ([1, 2, 3, 4], 50, 2.5), ([1, 2, 3, 4], 95, 3.85), ([7], 95, 7), ([1, 2], 0, 1),
    ([1, 2], 100, 2)])
def test_percentile_matches_numpy_linear(values, p, expected):
    assert metrics.percentile(values, p) == pytest.approx(expected)


def test_percentile_rejects_out_of_range():
    with pytest.raises(ValueError, match="between 0 and 100"):
        metrics.percentile([1], 101)


@pytest.mark.parametrize("ours, theirs, expected", [
    (0.9, 0.45, 2.0), (0.5, 0.0, None), (0.5, math.nan, None), (math.nan, 0.5, None), (0.0, 0.5, 0.0)])
def test_ratio(ours, theirs, expected):
    assert metrics.ratio(ours, theirs) == (pytest.approx(expected) if expected is not None else None)


def _result(id_, type_, correct, refused, rank=None, judged=True, citations=(), latency=10.0):
    return ItemResult(id=id_, gold="g", type=type_, answerable=type_ != "unanswerable", question="q", answer="a",
                      refused=refused, correct=correct, reason="", latency_ms=latency, rank=rank,
                      retrieval_judged=judged, citations=citations)


def test_summarize():
    ok, bad, invalid = CitationCheck("q", True, True), CitationCheck("q", True, False), CitationCheck("q", False, False)
    results = [
        _result("a", "lead", True, False, rank=1, citations=(ok, ok), latency=10),
        _result("b", "lead", False, False, rank=3, citations=(bad,), latency=20),
        _result("c", "target", False, True, rank=None, citations=(invalid,), latency=30),  # false refusal
        _result("d", "meta", True, False, judged=False, latency=40),
        _result("e", "unanswerable", True, True, judged=False, citations=(bad,), latency=50),
        _result("f", "unanswerable", False, False, judged=False, latency=60),
    ]
    s = metrics.summarize(results)
    assert s.n == 6
    assert s.accuracy == pytest.approx(3 / 6)
    assert s.answerable_accuracy == pytest.approx(2 / 4)
    assert s.refusal_accuracy == pytest.approx(1 / 2)
    assert s.false_refusal_rate == pytest.approx(1 / 4)
    assert (s.hit_at_1, s.hit_at_5) == pytest.approx((1 / 3, 2 / 3))
    assert s.mrr == pytest.approx((1 + 1 / 3) / 3)
    # precision over citations of answerable, non-refused items (a, b); validity over all quotes
    assert s.citation_precision == pytest.approx(2 / 3)
    assert s.quote_validity == pytest.approx(4 / 5)
    assert s.latency_p50_ms == pytest.approx(35)
    assert s.by_type["lead"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert s.by_type["unanswerable"]["accuracy"] == 0.5
    assert s.counts == {"answerable": 4, "unanswerable": 2, "retrieval_judged": 3, "citations": 3, "quotes": 5}


def test_compare_is_ours_over_theirs():
    ours = metrics.summarize([_result("a", "lead", True, False, rank=1, latency=20)])
    theirs = metrics.summarize([_result("a", "lead", False, False, rank=2, latency=10)])
    r = metrics.compare(ours, theirs)
    assert r["accuracy"] is None  # theirs is 0
    assert r["mrr"] == pytest.approx(2.0)
    assert r["latency_p50_ms"] == pytest.approx(2.0)
    assert set(r) == set(metrics.RATIO_KEYS)


@pytest.mark.parametrize("clause_id, chunk_text, gold, evidence, expected", [
    ("i2", "(二)落实责任。", ["i2"], ["落实责任"], True),  # the gold clause
    ("i2", "(二)落实责任。", ["a1"], ["(省大数据局负责)"], True),  # under the gold clause
    ("a1", TEXT[4:35], ["i2"], ["(二)落实责任"], True),  # an ancestor whose chunk holds the evidence
    ("ch1", "一、总则", ["i2"], ["(二)落实责任"], False),  # an ancestor's heading-only chunk
    ("ch1", "一、总则", ["i2"], [], False),
    ("i1", "(一)建立机制。", ["i2"], ["建立机制"], False),  # a sibling, even holding the words
])
def test_chunk_relevant(clause_id, chunk_text, gold, evidence, expected):
    assert metrics.chunk_relevant(clause_id, chunk_text, gold, PARENTS, evidence) is expected
