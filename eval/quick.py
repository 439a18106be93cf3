"""Fast tuning loop: each gold set's index is built once under a cache folder and reused, so a
change to the answerer is measured in seconds (``policyqa eval`` rebuilds every index).

    python -m eval.quick --sets real-dev shandong --fails real-dev
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

from eval import metrics
from eval.gold_set import DOC_DIRS, GOLD_DIR, default_gold_files, find_doc, load_gold


def _assistant(gold_set, cache: Path, answerer: str | None = None):
    from app.assistant import Assistant
    from app.config import get_settings
    from app.indexing import ingest_paths

    settings = get_settings().model_copy(update={"index_dir": cache / gold_set.name, "chroma_url": None,
                                                 **({"answerer": answerer} if answerer else {})})
    if not (cache / gold_set.name / "CURRENT").exists():
        dirs = (gold_set.doc_dir,) if gold_set.doc_dir else DOC_DIRS
        ingest_paths([find_doc(d, dirs) for d in gold_set.docs], settings, rebuild=True)
    return Assistant.from_settings(settings)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", default=None)
    ap.add_argument("--fails", nargs="*", default=[], help="sets whose failures are printed")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/pqa-quick"))
    ap.add_argument("--out", type=Path, default=None, help="write every answer as JSON lines")
    ap.add_argument("--answerer", default=None, help="evidence | rules (default: the configured one)")
    args = ap.parse_args(argv)
    files = default_gold_files()
    sets = [load_gold(p) for p in files]
    if args.sets:
        sets = [s for s in sets if s.name in args.sets]
    out = args.out.open("w", encoding="utf-8") if args.out else None
    total = [0, 0]
    for gs in sets:
        assistant = _assistant(gs, args.cache, args.answerer)
        by_type: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        refused_answerable = 0
        lat = []
        for item in gs.items:
            t0 = time.perf_counter()
            a = assistant.ask(item.question, doc=item.doc if gs.scoped else None)
            lat.append((time.perf_counter() - t0) * 1000)
            ok, reason = metrics.judge_answer(a.answer, a.refused, item.answerable, item.must_include,
                                              item.must_not_include)
            by_type[item.type][0] += ok
            by_type[item.type][1] += 1
            refused_answerable += item.answerable and a.refused
            if out:
                out.write(json.dumps({"set": gs.name, "id": item.id, "ok": ok, "q": item.question, "a": a.answer,
                                      "refused": a.refused, "reason": reason,
                                      "clauses": [c.clause_id for c in a.citations], "intent": a.intent}, ensure_ascii=False) + "\n")
            if not ok and gs.name in args.fails:
                print(f"---- {item.id} {item.type} {item.question}\n  A: {a.answer[:220]}\n  R: {reason[:120]}")
        n_ok = sum(v[0] for v in by_type.values())
        n = len(gs.items)
        total[0] += n_ok
        total[1] += n
        lat.sort()
        types = " ".join(f"{t}:{v[0]}/{v[1]}" for t, v in sorted(by_type.items()))
        print(f"{gs.name:22s} {n_ok/n:6.1%} ({n_ok}/{n}) false-ref {refused_answerable}  p95 {lat[int(.95*len(lat))-1]:.0f}ms  {types}",
              flush=True)
    print(f"{'all':22s} {total[0]/max(total[1],1):6.1%} ({total[0]}/{total[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
