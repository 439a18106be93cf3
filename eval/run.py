"""The evaluation suite behind ``policyqa eval``: gold sets → every system → metrics → report.

One process, models loaded once. For each gold file, our assistant answers from a fresh index
in a temporary directory holding that file's documents (what a user would ingest); each
baseline builds its own in-memory index from the same loaded texts.

    >>> run_eval([Path("eval/gold/shandong.jsonl")], Path("reports/eval"),
    ...          ["policyqa", "langchain", "chatchat", "bm25"], check=True)
    0
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval import metrics
from eval.baselines import BASELINES, RANK_DEPTH, Piece, Response, build_baseline
from eval.gold_set import GoldItem, GoldSet, GoldSetError, default_gold_files, find_doc, load_gold_sets
from eval.metrics import GoldSpan, ItemResult, Summary

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS_FILE = ROOT / "eval" / "thresholds.json"
OURS = "policyqa"
SYSTEMS: tuple[str, ...] = (OURS, *BASELINES)
CHECKED = {"answer_accuracy": "accuracy", "refusal_accuracy": "refusal_accuracy"}  # threshold key → Summary field

Responder = Callable[[str], Response]
_WARM_UP = "数字经济由哪些部门负责?"


@dataclass(frozen=True, slots=True)
class _Doc:
    path: Path
    text: str
    parent_of: dict[str, str | None]  # clause id → parent clause id
    clauses: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Gold:
    spans: tuple[GoldSpan, ...]
    lost: tuple[str, ...]  # evidence strings not found in the document


def run_eval(gold_files: list[Path], report_dir: Path, systems: list[str], check: bool) -> int:
    """Run every system on the gold files, write ``report.json`` and ``report.html``.

    :param gold_files: JSON-lines gold files; empty means every ``eval/gold/*.jsonl``.
    :param systems: names from :data:`SYSTEMS`; ours is ``policyqa``.
    :param check: compare ours with ``eval/thresholds.json`` and fail below it.
    :returns: exit code — 0 ok, 1 below a threshold, 2 unusable input.
    """
    systems = list(dict.fromkeys(s.strip() for s in systems if s.strip()))
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        return _error(f"unknown system(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SYSTEMS)}")
    if check and OURS not in systems:
        return _error(f"--check needs the {OURS} system")
    paths = [Path(p) for p in gold_files] or default_gold_files()
    if not paths:
        return _error("no gold files: eval/gold/*.jsonl is empty; pass --gold FILE")
    try:
        sets = load_gold_sets(paths)
        docs = _load_docs(sets)
    except GoldSetError as ex:
        return _error(str(ex))
    # Chroma warns when it reopens a collection whose embedding function the program supplies.
    warnings.filterwarnings("ignore", message="Could not reconstruct embedding function")
    golds = {i.id: _gold_for(i, docs[i.doc]) for s in sets for i in s.items}
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        results = _run_systems(systems, sets, docs, golds)
    except GoldSetError as ex:  # the index could not be built from the gold documents
        return _error(str(ex))
    report = _assemble(sets, docs, golds, systems, results, started)
    if check:
        report["check"] = check_thresholds(report["results"], _read_thresholds())
    from eval.report import write_report

    json_path, html_path = write_report(report, report_dir)
    print(format_summary(report), flush=True)
    print(f"\nreport: {json_path}\n        {html_path}")
    if check and not report["check"]["passed"]:
        for line in report["check"]["failures"]:
            print(f"BELOW THRESHOLD: {line}", file=sys.stderr)
        return 1
    return 0


def _error(message: str) -> int:
    print(f"policyqa eval: {message}", file=sys.stderr)
    return 2


# ---- documents and gold clauses ----------------------------------------------------------------


def _load_docs(sets: Sequence[GoldSet]) -> dict[str, _Doc]:
    from ingest.document import parse_document
    from ingest.errors import IngestError
    from ingest.loaders import load_file

    out: dict[str, _Doc] = {}
    for name in dict.fromkeys(d for s in sets for d in s.docs):
        path = find_doc(name)
        try:
            doc = parse_document(load_file(path))
        except IngestError as ex:
            raise GoldSetError(f"{name}: {ex.user_message}") from ex
        out[name] = _Doc(path, doc.text, {c.id: c.parent_id for c in doc.clauses}, doc.clauses)
    return out


def _gold_for(item: GoldItem, doc: _Doc) -> _Gold:
    spans, lost = metrics.gold_spans(doc.text, doc.clauses, item.evidence)
    return _Gold(tuple(spans), tuple(lost))


# ---- systems -------------------------------------------------------------------------------------


def _run_systems(systems: Sequence[str], sets: Sequence[GoldSet], docs: dict[str, _Doc],
                 golds: dict[str, _Gold]) -> dict[str, list[ItemResult]]:
    """Each gold set gets its own indexes of its own documents: its questions ("这份文件的文号",
    "第1条") are written for those documents alone."""
    from app.config import get_settings
    from vectorstore.embeddings import get_embeddings

    settings = get_settings()
    embeddings = get_embeddings(settings.embedding)  # loaded once, shared by every system and set
    results: dict[str, list[ItemResult]] = {name: [] for name in systems}
    with tempfile.TemporaryDirectory(prefix="policyqa-eval-", ignore_cleanup_errors=True) as tmp:
        for gold_set in sets:
            set_docs = {n: docs[n] for n in gold_set.docs}
            for name in systems:
                if name == OURS:
                    index = Path(tmp) / gold_set.name / "index"
                    respond = _ours(set_docs, settings.model_copy(update={"index_dir": index, "chroma_url": None}))
                else:
                    respond = build_baseline(name, [(n, d.text) for n, d in set_docs.items()], embeddings).respond
                results[name] += _run_one(f"{gold_set.name}/{name}", respond, gold_set, docs, golds)
    return results


def _run_one(label: str, respond: Responder, gold_set: GoldSet, docs: dict[str, _Doc],
             golds: dict[str, _Gold]) -> list[ItemResult]:
    from tqdm import tqdm

    respond(_WARM_UP)  # first-call costs (jieba dictionary, model buffers) are not per question
    with tqdm(gold_set.items, desc=label, unit="q", file=sys.stderr, mininterval=0.5, dynamic_ncols=True) as bar:
        return [judge(item, gold_set.name, respond(item.question), docs, golds[item.id]) for item in bar]


def _ours(docs: dict[str, _Doc], settings) -> Responder:
    """Ingest the documents into a fresh index and answer with the assistant."""
    from app.assistant import Assistant
    from app.indexing import ingest_paths
    from app.progress import progress_printer

    with progress_printer() as progress:
        report = ingest_paths([d.path for d in docs.values()], settings, rebuild=True, progress=progress)
    if report.failed:
        raise GoldSetError("ingest failed: " + "; ".join(f"{s}: {r}" for s, r in report.failed))
    assistant = Assistant.from_settings(settings)
    _check_same_parse(assistant, docs)

    def respond(question: str) -> Response:
        t0 = time.perf_counter()
        answer = assistant.ask(question)
        elapsed = (time.perf_counter() - t0) * 1000
        hits = assistant.kb.search(question, k=RANK_DEPTH)
        return Response(
            answer.answer, answer.refused,
            tuple(Piece(c.doc, c.quote, c.start, c.clause_id or None) for c in answer.citations),
            tuple(Piece(h.doc.source, h.text, -1, h.clause.id) for h in hits), elapsed)

    return respond


def _check_same_parse(assistant, docs: dict[str, _Doc]) -> None:
    """Gold clauses come from our own parse of each file; the index must hold the same clauses."""
    for d in assistant.kb.documents:
        ours = docs.get(d.source)
        if ours is not None and {c.id for c in d.clauses} != set(ours.parent_of):
            raise GoldSetError(f"{d.source}: the index parsed the document differently from the evaluation")


# ---- judging ---------------------------------------------------------------------------------------


def judge(item: GoldItem, set_name: str, response: Response, docs: dict[str, _Doc], gold: _Gold) -> ItemResult:
    """Score one response against its gold item."""
    correct, reason = metrics.judge_answer(response.answer, response.refused, item.answerable,
                                           item.must_include, item.must_not_include)
    doc = docs[item.doc]
    judged = item.answerable and bool(gold.spans)
    rank = metrics.first_relevant_rank([_relevant(p, item, doc, gold) for p in response.retrieved]) if judged else None
    checks = tuple(_check_citation(p, item, docs, gold) for p in response.citations)
    return ItemResult(id=item.id, gold=set_name, type=item.type, answerable=item.answerable, question=item.question,
                      answer=response.answer, refused=response.refused, correct=correct, reason=reason,
                      latency_ms=response.latency_ms, rank=rank, retrieval_judged=judged, citations=checks,
                      expected=item.answer)


def _relevant(piece: Piece, item: GoldItem, doc: _Doc, gold: _Gold) -> bool:
    if piece.doc != item.doc:
        return False
    if piece.clause_id is not None:
        return metrics.chunk_relevant(piece.clause_id, piece.text, [s.clause_id for s in gold.spans], doc.parent_of,
                                      item.evidence)
    start = piece.start if piece.start >= 0 else doc.text.find(piece.text)
    return metrics.span_relevant(start, start + len(piece.text), piece.text, gold.spans, item.evidence)


def _check_citation(piece: Piece, item: GoldItem, docs: dict[str, _Doc], gold: _Gold) -> metrics.CitationCheck:
    cited = docs.get(piece.doc)
    same = piece.doc == item.doc
    return metrics.check_quote(piece.text, piece.start, cited.text if cited else None,
                               gold.spans if same else (), item.evidence if same else ())


# ---- the report's data -------------------------------------------------------------------------------


def _assemble(sets: Sequence[GoldSet], docs: dict[str, _Doc], golds: dict[str, _Gold], systems: Sequence[str],
              results: dict[str, list[ItemResult]], started: str) -> dict[str, Any]:
    from app.config import get_settings

    groups = {s.name: {s.name} for s in sets}
    if len(sets) > 1:
        groups["all"] = {s.name for s in sets}
    summaries = {g: {name: _summary_dict(metrics.summarize([r for r in results[name] if r.gold in names]))
                     for name in systems} for g, names in groups.items()}
    ratios = {g: {b: metrics.compare(_as_summary(per[OURS]), _as_summary(per[b])) for b in systems if b != OURS}
              for g, per in summaries.items() if OURS in per}
    settings = get_settings()
    lost = [f"{i.id}: evidence not found in {i.doc}: {ev}" for s in sets for i in s.items for ev in golds[i.id].lost]
    no_clause = [f"{i.id}: no gold clause, retrieval not judged" for s in sets for i in s.items
                 if i.answerable and not golds[i.id].spans]
    return {
        "generated_at": started,
        "gold_files": [str(s.path) for s in sets],
        "gold_sets": {s.name: {"file": s.path.name, "questions": len(s.items), "docs": s.docs} for s in sets},
        "documents": {n: str(d.path) for n, d in docs.items()},
        "systems": list(systems),
        "settings": {"embedding": settings.embedding, "chunk_chars": settings.chunk_chars, "top_k": settings.top_k,
                     "rank_depth": RANK_DEPTH},
        "results": summaries,
        "ratios": ratios,
        "items": {name: [_item_dict(r) for r in rs] for name, rs in results.items()},
        "warnings": lost + no_clause,
    }


def _summary_dict(s: Summary) -> dict[str, Any]:
    return _clean(asdict(s))


def _as_summary(d: dict[str, Any]) -> Summary:
    return Summary(**{k: (math.nan if v is None else v) for k, v in d.items()})


def _item_dict(r: ItemResult) -> dict[str, Any]:
    d = asdict(r)
    d["latency_ms"] = round(r.latency_ms, 1)
    return d


def _clean(value: Any) -> Any:
    """NaN → None (JSON has no NaN); floats rounded for reading."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


# ---- thresholds --------------------------------------------------------------------------------------


def _read_thresholds(path: Path | None = None) -> dict[str, dict[str, float]]:
    path = path or THRESHOLDS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def check_thresholds(results: dict[str, dict[str, dict[str, Any]]],
                     thresholds: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Compare our figures per gold set with the recorded minimums (sets not run are skipped)."""
    failures, checked = [], []
    for set_name, minimums in thresholds.items():
        ours = results.get(set_name, {}).get(OURS)
        if ours is None:
            continue
        for key, minimum in minimums.items():
            value = ours.get(CHECKED.get(key, key))
            checked.append(f"{set_name}.{key}")
            if value is None or value + 1e-9 < minimum:
                failures.append(f"{set_name} {key} = {_pct(value)} < {_pct(minimum)}")
    return {"passed": not failures, "failures": failures, "checked": checked, "thresholds": thresholds}


# ---- console summary ---------------------------------------------------------------------------------

_COLUMNS = (("accuracy", "acc"), ("answerable_accuracy", "ans.acc"), ("refusal_accuracy", "refusal"),
            ("false_refusal_rate", "false-ref"), ("hit_at_1", "hit@1"), ("hit_at_5", "hit@5"), ("mrr", "MRR"),
            ("citation_precision", "cite.prec"), ("quote_validity", "quote.ok"))


def format_summary(report: dict[str, Any]) -> str:
    """A plain-text table per gold set, then ours ÷ each baseline."""
    lines = []
    for group, per in report["results"].items():
        n = next(iter(per.values()))["n"]
        lines.append(f"\n== {group} ({n} questions) ==")
        lines.append(f"{'system':<10}" + "".join(f"{h:>10}" for _, h in _COLUMNS) + f"{'p50 ms':>9}{'p95 ms':>9}")
        for name, s in per.items():
            lines.append(f"{name:<10}" + "".join(f"{_pct(s[k]):>10}" for k, _ in _COLUMNS)
                         + f"{_num(s['latency_p50_ms']):>9}{_num(s['latency_p95_ms']):>9}")
        for base, r in report["ratios"].get(group, {}).items():
            lines.append(f"  {OURS} / {base}: " + ", ".join(f"{k} {_times(v)}" for k, v in r.items()))
    return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _times(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"
