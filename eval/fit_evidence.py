"""Fit the evidence selector's few weights and the abstention threshold on development sets.

Candidates are retrieved once per question; each weight setting then only re-scores sentences,
so a grid of settings runs in minutes. Only development sets belong here (``real-dev`` and the
project's own gold sets): the held-out sets are for reporting.

    python -m eval.fit_evidence --sets real-dev shandong jinan-regulation
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

from app.answering import abstain, evidence as ev
from app.answering.compose import compose
from app.answering.pipeline import _ancestors, _candidates
from app.answering.query import Question, understand
from eval import metrics
from eval.gold_set import GoldItem, default_gold_files, load_gold
from eval.quick import _assistant

HELD_OUT_PREFIX = "real-heldout"


@dataclass
class _Case:
    item: GoldItem
    q: Question
    candidates: list
    docs: list
    early: abstain.Refusal | None
    tokenize: object
    siblings: object
    ancestors: object


def _cases(sets, cache: Path) -> list[_Case]:
    out = []
    for gs in sets:
        kb = _assistant(gs, cache).kb
        for item in gs.items:
            scope = [d.id for d in kb.documents if d.source == item.doc] if gs.scoped else []
            q = understand(item.question)
            scoped = [kb.doc(i) for i in scope] if scope else list(kb.documents)
            early = abstain.before_retrieval(q, scoped, False)
            cands = [] if early else _candidates(kb, q, q.text, scope)
            docs = list({s.clause.doc_id: kb.doc(s.clause.doc_id) for s, _ in cands}.values())
            out.append(_Case(item, q, cands, docs, early, kb.tokenizer,
                             lambda cl, kb=kb: ev.sentences_of(kb.doc(cl.doc_id), cl),
                             lambda cl, kb=kb: _ancestors(kb, cl)))
    return out


def evaluate(cases: list[_Case]) -> tuple[float, int]:
    ok = 0
    false_refusals = 0
    for c in cases:
        if c.early or not c.candidates:
            refused, text = True, ""
        else:
            scorer = ev.Scorer(c.q, c.tokenize, c.docs)
            e = ev.select(c.q, c.candidates, scorer, c.siblings, c.ancestors)
            late = abstain.after_evidence(e)
            refused = late is not None
            text = "" if refused else compose(e, scorer)[0]
        good, _ = metrics.judge_answer(text, refused, c.item.answerable, c.item.must_include, c.item.must_not_include)
        ok += good
        false_refusals += c.item.answerable and refused
    return ok / max(len(cases), 1), false_refusals


GRID = {"cover": (0.8, 1.0, 1.2), "part": (0.3, 0.6, 0.9), "context": (0.2, 0.35, 0.5), "facet": (0.3, 0.55, 0.8),
        "rank": (0.1, 0.25, 0.4)}
COVERS = (0.3, 0.36, 0.42, 0.48)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", required=True)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/pqa-quick"))
    ap.add_argument("--grid", action="store_true", help="search the grid (else: only the current weights)")
    args = ap.parse_args(argv)
    if any(s.startswith(HELD_OUT_PREFIX) for s in args.sets):
        print("held-out sets are for reporting, not fitting", file=sys.stderr)
        return 2
    sets = [load_gold(p) for p in default_gold_files() if load_gold(p).name in args.sets]
    cases = _cases(sets, args.cache)
    base = dict(ev.WEIGHTS)
    print(f"current: accuracy {evaluate(cases)[0]:.1%} false refusals {evaluate(cases)[1]} (MIN_COVER {abstain.MIN_COVER})")
    if not args.grid:
        return 0
    best = (0.0, None)
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        ev.WEIGHTS.update(dict(zip(keys, values)))
        for cover in COVERS:
            abstain.MIN_COVER = cover
            acc, fr = evaluate(cases)
            if acc > best[0]:
                best = (acc, (dict(ev.WEIGHTS), cover, fr))
                print(f"{acc:.1%} fr={fr} {dict(zip(keys, values))} MIN_COVER={cover}", flush=True)
    ev.WEIGHTS.update(base)
    print("best:", best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
