"""The evaluation suite behind ``policyqa eval``: gold sets → every system → metrics → report.

One process, models loaded once. For each gold file, our assistant answers from a fresh index
in a temporary directory holding that file's documents (what a user would ingest); each
baseline builds its own in-memory index from the same loaded texts. ``policyqa-llm`` is our
assistant in generative mode on the same index (``eval/generative.py``), reported beside the
extractive one on the same questions.

    >>> run_eval([Path("eval/gold/shandong.jsonl")], Path("reports/eval"),
    ...          ["policyqa", "langchain", "chatchat", "bm25"], check=True)
    0
    >>> run_eval([], Path("reports/eval-llm"), ["policyqa", "policyqa-llm"], check=False, llm_sample=14)
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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from eval import generative, metrics
from eval.baselines import BASELINES, RANK_DEPTH, Piece, Response, build_baseline
from eval.gold_set import DOC_DIRS, GoldItem, GoldSet, GoldSetError, default_gold_files, find_doc, load_gold_sets
from eval.generative import LLM
from eval.metrics import GenerationTrace, GoldSpan, ItemResult, Summary

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS_FILE = ROOT / "eval" / "thresholds.json"
OURS = "policyqa"
SYSTEMS: tuple[str, ...] = (OURS, LLM, *BASELINES)
CHECKED = {"answer_accuracy": "accuracy", "refusal_accuracy": "refusal_accuracy"}  # threshold key → Summary field

Responder = Callable[..., Response]  # (question, doc=None) → Response
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


def run_eval(gold_files: list[Path], report_dir: Path, systems: list[str], check: bool, *,
             llm: str | None = None, llm_sample: int | None = None) -> int:
    """Run every system on the gold files, write ``report.json`` and ``report.html``.

    :param gold_files: JSON-lines gold files; empty means every ``eval/gold/*.jsonl``.
    :param systems: names from :data:`SYSTEMS`; ours is ``policyqa``. ``policyqa-llm`` brings
        ``policyqa`` along (its figures are reported side by side with the extractive ones).
    :param check: compare ours with ``eval/thresholds.json`` and fail below it.
    :param llm: the model of ``policyqa-llm`` (see ``eval/generative.py``); giving it, or
        ``llm_sample``, adds ``policyqa-llm`` to the systems.
    :param llm_sample: run ``policyqa-llm`` on this many questions per gold set (stratified).
    :returns: exit code — 0 ok, 1 below a threshold, 2 unusable input.
    """
    systems = list(dict.fromkeys(s.strip() for s in systems if s.strip()))
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        return _error(f"unknown system(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SYSTEMS)}")
    if check and OURS not in systems:
        return _error(f"--check needs the {OURS} system")
    if llm_sample is not None and llm_sample < 1:
        return _error("--llm-sample must be at least 1")
    if (llm or llm_sample) and LLM not in systems:
        systems.append(LLM)
    if LLM in systems and OURS not in systems:
        systems.insert(0, OURS)  # the side by side needs the extractive answers to the same questions
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
    llm_run = _prepare_llm(llm, llm_sample, sets) if LLM in systems else None
    try:
        results = _run_systems(systems, sets, docs, golds, llm_run)
    except GoldSetError as ex:  # the index could not be built from the gold documents
        return _error(str(ex))
    finally:
        if llm_run is not None:
            generative.stop()
    report = _assemble(sets, docs, golds, systems, results, started, llm_run)
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
    dirs = {d: s.doc_dir for s in sets for d in s.docs}
    for name, doc_dir in dirs.items():
        path = find_doc(name, (doc_dir,) if doc_dir else DOC_DIRS)
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


@dataclass(slots=True)
class _LLMRun:
    """The generative system's setup, and what it did (filled in by :func:`_run_llm`)."""

    spec: str | None
    skipped: str  # why it did not run ("" when it runs)
    sample_size: int | None
    sample: dict[str, list[GoldItem]]  # gold set → the questions it answers
    start_s: float = math.nan  # loading the model and a first short reply
    traces: dict[str, GenerationTrace] = field(default_factory=dict)  # item id → what the LLM did


def _prepare_llm(option: str | None, sample_size: int | None, sets: Sequence[GoldSet]) -> _LLMRun:
    """Pick the model and the questions, and start the model once: a model that cannot run is
    reported as skipped, with the reason, and the evaluation goes on without it."""
    from app.config import get_settings
    from app.errors import AssistantError

    sample = {s.name: generative.sample_items(s.items, sample_size) if sample_size else list(s.items) for s in sets}
    spec, reason = generative.resolve_spec(option)
    run = _LLMRun(spec, reason, sample_size, sample)
    if spec is None:
        return _skipped(run, reason)
    reason = generative.missing_parts(spec) or ""
    if reason:
        return _skipped(run, reason)
    print(f"[eval] {LLM}: starting {spec} …", file=sys.stderr, flush=True)
    try:
        run.start_s = generative.start(get_settings().model_copy(update={"llm": spec}))
    except AssistantError as ex:
        return _skipped(run, ex.user_message)
    return run


def _skipped(run: _LLMRun, reason: str) -> _LLMRun:
    print(f"[eval] {LLM} skipped: {reason}", file=sys.stderr, flush=True)
    run.skipped = reason
    return run


def _run_systems(systems: Sequence[str], sets: Sequence[GoldSet], docs: dict[str, _Doc],
                 golds: dict[str, _Gold], llm_run: _LLMRun | None = None) -> dict[str, list[ItemResult]]:
    """Each gold set gets its own indexes of its own documents: its questions ("这份文件的文号",
    "第1条") are written for those documents alone. The generative system answers from our
    index of the set, after the extractive one."""
    from app.config import get_settings
    from vectorstore.embeddings import get_embeddings

    settings = get_settings()
    embeddings = get_embeddings(settings.embedding)  # loaded once, shared by every system and set
    results: dict[str, list[ItemResult]] = {name: [] for name in systems if name != LLM}
    llm_runs = llm_run is not None and not llm_run.skipped
    if llm_runs:
        results[LLM] = []
    with tempfile.TemporaryDirectory(prefix="policyqa-eval-", ignore_cleanup_errors=True) as tmp:
        for gold_set in sets:
            set_docs = {n: docs[n] for n in gold_set.docs}
            ours = settings.model_copy(update={"index_dir": Path(tmp) / gold_set.name / "index", "chroma_url": None})
            for name in systems:
                if name == LLM:
                    continue
                if name == OURS:
                    respond = _responder(_ours(set_docs, ours))
                elif gold_set.scoped:  # a baseline has no document filter: one index per document
                    respond = _per_document(name, set_docs, embeddings)
                else:
                    respond = build_baseline(name, [(n, d.text) for n, d in set_docs.items()], embeddings).respond
                results[name] += _run_one(f"{gold_set.name}/{name}", respond, gold_set, docs, golds)
            if llm_runs:
                assert llm_run is not None and llm_run.spec
                items = tuple(llm_run.sample[gold_set.name])
                results[LLM] += _run_llm(llm_run, ours.model_copy(update={"llm": llm_run.spec}),
                                         replace(gold_set, items=items), docs, golds)
    return results


def _per_document(name: str, set_docs: dict[str, _Doc], embeddings) -> Responder:
    systems = {n: build_baseline(name, [(n, d.text)], embeddings) for n, d in set_docs.items()}
    first = next(iter(systems.values()))

    def respond(question: str, doc: str | None = None) -> Response:
        return systems.get(doc or "", first).respond(question)

    return respond


def _run_one(label: str, respond: Responder, gold_set: GoldSet, docs: dict[str, _Doc],
             golds: dict[str, _Gold]) -> list[ItemResult]:
    from tqdm import tqdm

    respond(_WARM_UP)  # first-call costs (jieba dictionary, model buffers) are not per question
    with tqdm(gold_set.items, desc=label, unit="q", file=sys.stderr, mininterval=0.5, dynamic_ncols=True) as bar:
        return [judge(item, gold_set.name, respond(item.question, *((item.doc,) if gold_set.scoped else ())), docs,
                      golds[item.id]) for item in bar]


def _run_llm(run: _LLMRun, settings, gold_set: GoldSet, docs: dict[str, _Doc],
             golds: dict[str, _Gold]) -> list[ItemResult]:
    """The generative system on the sampled questions of one set, from the index the extractive
    system built; what the answerer did for each question is kept in ``run.traces``."""
    from app.assistant import Assistant

    from tqdm import tqdm

    assistant = Assistant.from_settings(settings)
    recorder = generative.Recorder()
    # The very answerer ask() uses (built lazily; the model server started by _prepare_llm is shared).
    assistant._generative.observer = recorder
    respond = _responder(assistant)
    respond(_WARM_UP)
    recorder.take()  # the warm-up's LLM calls are not a question's
    results = []
    with tqdm(gold_set.items, desc=f"{gold_set.name}/{LLM}", unit="q", file=sys.stderr, mininterval=0.5,
              dynamic_ncols=True) as bar:
        for item in bar:
            response = respond(item.question)
            run.traces[item.id] = recorder.take()
            results.append(judge(item, gold_set.name, response, docs, golds[item.id]))
    return results


def _ours(docs: dict[str, _Doc], settings):
    """Ingest the documents into a fresh index; the assistant answering from it."""
    from app.assistant import Assistant
    from app.indexing import ingest_paths
    from app.progress import progress_printer

    with progress_printer() as progress:
        report = ingest_paths([d.path for d in docs.values()], settings, rebuild=True, progress=progress)
    if report.failed:
        raise GoldSetError("ingest failed: " + "; ".join(f"{s}: {r}" for s, r in report.failed))
    assistant = Assistant.from_settings(settings)
    _check_same_parse(assistant, docs)
    return assistant


def _responder(assistant) -> Responder:
    """Questions to the assistant, answers in the metrics' shape."""

    def respond(question: str, doc: str | None = None) -> Response:
        t0 = time.perf_counter()
        answer = assistant.ask(question, doc=doc)
        elapsed = (time.perf_counter() - t0) * 1000
        scope = [d.id for d in assistant.kb.documents if d.source == doc] if doc else None
        hits = assistant.kb.search(question, k=RANK_DEPTH, doc_ids=scope)
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
              results: dict[str, list[ItemResult]], started: str, llm_run: _LLMRun | None = None) -> dict[str, Any]:
    from app.config import get_settings

    groups = {s.name: {s.name} for s in sets}
    if len(sets) > 1:
        groups["all"] = {s.name for s in sets}
    # The generative system may have answered a sample only: it is compared in its own section.
    summaries = {g: {name: _summary_dict(metrics.summarize([r for r in results[name] if r.gold in names]))
                     for name in systems if name != LLM} for g, names in groups.items()}
    ratios = {g: {b: metrics.compare(_as_summary(per[OURS]), _as_summary(per[b])) for b in per if b != OURS}
              for g, per in summaries.items() if OURS in per}
    settings = get_settings()
    lost = [f"{i.id}: evidence not found in {i.doc}: {ev}" for s in sets for i in s.items for ev in golds[i.id].lost]
    no_clause = [f"{i.id}: no gold clause, retrieval not judged" for s in sets for i in s.items
                 if i.answerable and not golds[i.id].spans]
    items = {name: [_item_dict(r) for r in rs] for name, rs in results.items()}
    if llm_run is not None and LLM in items:
        for d in items[LLM]:
            d["generation"] = generative.trace_dict(llm_run.traces[d["id"]])
    report = {
        "generated_at": started,
        "gold_files": [str(s.path) for s in sets],
        "gold_sets": {s.name: {"file": s.path.name, "questions": len(s.items), "docs": s.docs} for s in sets},
        "documents": {n: str(d.path) for n, d in docs.items()},
        "systems": list(systems),
        "settings": {"embedding": settings.embedding, "chunk_chars": settings.chunk_chars, "top_k": settings.top_k,
                     "rank_depth": RANK_DEPTH},
        "results": summaries,
        "ratios": ratios,
        "items": items,
        "warnings": lost + no_clause,
    }
    if llm_run is not None:
        report["generative"] = _generative_section(sets, groups, results, llm_run, settings)
    return report


def _generative_section(sets: Sequence[GoldSet], groups: dict[str, set[str]], results: dict[str, list[ItemResult]],
                        run: _LLMRun, settings) -> dict[str, Any]:
    """The side by side: per group, the extractive and the generative system on the same
    questions, and what the generative answerer did (answers shown, fallbacks and their reasons,
    the guard's violations, the LLM's own latency)."""
    from app.generative.llm import local_threads

    section: dict[str, Any] = {
        "system": LLM, "model": run.spec, "status": "skipped" if run.skipped else "ran", "reason": run.skipped or None,
        "sample": {"per_set": run.sample_size,
                   "method": generative.SAMPLE_METHOD if run.sample_size else "every question",
                   "questions": {name: len(items) for name, items in run.sample.items()},
                   "of": {s.name: len(s.items) for s in sets},
                   "ids": {name: [i.id for i in items] for name, items in run.sample.items()}},
        "settings": {"llm_timeout_s": settings.llm_timeout, "local_threads": local_threads()},
        "start_s": None if math.isnan(run.start_s) else round(run.start_s, 1),
    }
    if run.skipped:
        return section
    ours = {r.id: r for r in results[OURS]}
    section["results"], section["generation"] = {}, {}
    for group, names in groups.items():
        llm_items = [r for r in results[LLM] if r.gold in names]
        same = [ours[r.id] for r in llm_items]
        section["results"][group] = {OURS: _summary_dict(metrics.summarize(same)),
                                     LLM: _summary_dict(metrics.summarize(llm_items))}
        gen = metrics.summarize_generation([run.traces[r.id] for r in llm_items])
        shown = [r for r in llm_items if run.traces[r.id].outcome == "generated"]
        # Where the model's answer was shown: was it right, and was the extractive one?
        gen["correct_when_generated"] = {LLM: sum(r.correct for r in shown),
                                         OURS: sum(ours[r.id].correct for r in shown)}
        section["generation"][group] = _clean(gen)
    return section


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
    if report.get("generative"):
        lines += format_generative(report["generative"])
    return "\n".join(lines)


_SIDE_COLUMNS = (("accuracy", "acc"), ("answerable_accuracy", "ans.acc"), ("refusal_accuracy", "refusal"),
                 ("citation_precision", "cite.prec"), ("quote_validity", "quote.ok"))


def format_generative(gen: dict[str, Any]) -> list[str]:
    """The side by side as text: extractive and generative on the same questions, then what the
    generative answerer did."""
    lines = [f"\n== generative mode: {gen['system']} ({gen['model'] or 'no model'}) =="]
    if gen["status"] == "skipped":
        return lines + [f"skipped: {gen['reason']}"]
    sample = gen["sample"]
    if sample["per_set"]:
        lines.append(f"SAMPLE of {sample['per_set']} questions per gold set ({sample['method']}); "
                     f"{OURS} on the same questions")
    for group, per in gen["results"].items():
        n = per[LLM]["n"]
        total = sum(sample["of"].values()) if group == "all" else sample["of"].get(group, n)
        label = f"sample of {n} of {total} questions" if n < total else f"{n} questions"
        lines.append(f"-- {group} ({label}) --")
        lines.append(f"{'system':<14}" + "".join(f"{h:>10}" for _, h in _SIDE_COLUMNS) + f"{'p50 ms':>9}{'p95 ms':>9}")
        for name, s in per.items():
            lines.append(f"{name:<14}" + "".join(f"{_pct(s[k]):>10}" for k, _ in _SIDE_COLUMNS)
                         + f"{_num(s['latency_p50_ms']):>9}{_num(s['latency_p95_ms']):>9}")
        lines += ["  " + line for line in generation_lines(gen["generation"][group])]
    return lines


def generation_lines(g: dict[str, Any]) -> list[str]:
    """What the generative answerer did, in three lines (shared by the text and the HTML report)."""
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(g["fallback_reasons"].items(), key=lambda kv: -kv[1]))
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(g["violations"].items(), key=lambda kv: -kv[1]))
    right = g["correct_when_generated"]
    return [
        f"LLM answer shown for {g['generated']} of {g['questions']} questions "
        f"(right: {right[LLM]}; the extractive answer right: {right[OURS]}); "
        f"fell back to the extractive answer {g['fallback']}" + (f" ({reasons})" if reasons else "")
        + f"; LLM not asked {g['questions'] - g['llm_asked']} (extractive refusal, list or meta question)",
        f"guard: {g['rejected_drafts']} of {g['drafts']} drafts rejected" + (f" ({kinds})" if kinds else "")
        + f"; questions retried after a rejected draft: {g['retried']}",
        f"LLM per call ({g['llm_calls']} calls): first token p50 {_secs(g['first_token_s']['p50'])} "
        f"p95 {_secs(g['first_token_s']['p95'])}, total p50 {_secs(g['call_total_s']['p50'])} "
        f"p95 {_secs(g['call_total_s']['p95'])}, {_num(g['tokens_per_s']['p50'])} tokens/s (p50)",
    ]


def _secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f} s"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _times(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"
