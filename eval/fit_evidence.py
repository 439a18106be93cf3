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
    real: bool = False


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
            out.append(_Case(item, q, cands, docs, early, kb.tokenizer.words,
                             lambda cl, kb=kb: ev.sentences_of(kb.doc(cl.doc_id), cl),
                             lambda cl, kb=kb: _ancestors(kb, cl), gs.doc_dir is not None))
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


STEPS = {"cover": (0.6, 0.8, 1.0, 1.2, 1.5), "part": (0.0, 0.3, 0.6, 0.9, 1.2), "context": (0.0, 0.2, 0.35, 0.5, 0.8),
         "facet": (0.2, 0.4, 0.55, 0.8, 1.1), "rank": (0.0, 0.1, 0.25, 0.4, 0.6), "short": (0.0, 0.2, 0.4, 0.8),
         "question": (0.0, 0.15, 0.3, 0.6)}
COVERS = (0.15, 0.2, 0.25, 0.3, 0.35)


def search(cases: list[_Case], rounds: int = 2) -> None:
    """Coordinate descent: each weight in turn over its steps, the others held, twice over."""
    best, _ = evaluate(cases)
    for _ in range(rounds):
        for key, steps in [*STEPS.items(), ("MIN_COVER", COVERS)]:
            keep = abstain.MIN_COVER if key == "MIN_COVER" else ev.WEIGHTS[key]
            for v in steps:
                if key == "MIN_COVER":
                    abstain.MIN_COVER = v
                else:
                    ev.WEIGHTS[key] = v
                acc, fr = evaluate(cases)
                if acc > best + 1e-9:
                    best, keep = acc, v
                    print(f"{acc:.2%} fr={fr} {key}={v}", flush=True)
            if key == "MIN_COVER":
                abstain.MIN_COVER = keep
            else:
                ev.WEIGHTS[key] = keep
    print(f"best {best:.2%}: WEIGHTS = {ev.WEIGHTS}, MIN_COVER = {abstain.MIN_COVER}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", required=True)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/pqa-quick"))
    ap.add_argument("--search", action="store_true", help="coordinate descent over the weights")
    ap.add_argument("--skip-structured", action="store_true",
                    help="leave out questions the fact-based handlers answer (lead, list, meta intents)")
    args = ap.parse_args(argv)
    if any(s.startswith(HELD_OUT_PREFIX) for s in args.sets):
        print("held-out sets are for reporting, not fitting", file=sys.stderr)
        return 2
    sets = [load_gold(p) for p in default_gold_files() if load_gold(p).name in args.sets]
    cases = _cases(sets, args.cache)
    if args.skip_structured:
        from app.intent import understand as classify

        cases = [c for c in cases if c.real or classify(c.item.question).intent not in ("lead", "list", "meta")]
    acc, fr = evaluate(cases)
    print(f"{len(cases)} questions: accuracy {acc:.1%}, false refusals {fr} (MIN_COVER {abstain.MIN_COVER})", flush=True)
    if args.search:
        search(cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
