"""Ingest service: files → parsed documents → a new index version (or nothing, on failure).

Parsing happens before the index is touched, so a bad file only costs itself; writing happens
inside ``IndexLocation.write()``, so an error or a kill leaves the previous version serving.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.config import Settings
from ingest.chunking import chunk_document
from ingest.document import PARSER_VERSION, parse_document
from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_EXTENSIONS, load_file
from ingest.types import Chunk, Document
from vectorstore.embeddings import embed_passages, get_embeddings, vector_space
from vectorstore.chroma_store import ChromaStore
from vectorstore.errors import RetrievalError
from vectorstore.index import Snapshot, open_location

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(slots=True)
class IngestReport:
    added: list[str] = field(default_factory=list)  # new documents (source names)
    replaced: list[str] = field(default_factory=list)  # same file name, changed content
    unchanged: list[str] = field(default_factory=list)
    reparsed: list[str] = field(default_factory=list)  # same file, parsed again by a newer parser
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, Chinese reason)
    clauses: int = 0
    chunks_added: int = 0
    chunks_reused: int = 0
    version: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders recursively), and the given paths that cannot be used."""
    files: list[Path] = []
    bad: list[tuple[str, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS
                            and not any(part.startswith(".") for part in f.relative_to(p).parts))
        elif p.is_file():
            files.append(p)
        else:
            bad.append((str(p), "文件或目录不存在"))
    return files, bad


def parse_files(files: Sequence[Path], report: IngestReport, progress: Progress | None = None) -> list[Document]:
    docs: list[Document] = []
    for i, f in enumerate(files, 1):
        try:
            docs.append(parse_document(load_file(f)))
        except IngestError as ex:
            report.failed.append((f.name, ex.user_message))
        if progress:
            progress("files", i, len(files))
    return docs


def ingest_paths(paths: Sequence[Path], settings: Settings, *, rebuild: bool = False,
                 progress: Progress | None = None) -> IngestReport:
    """Add files (or folders) to the index. Unchanged files add nothing.

    :raises RetrievalError: when the index cannot be written (the old one keeps serving).
    """
    report = IngestReport()
    files, report.failed = collect_files(paths)
    docs = parse_files(files, report, progress)
    location = open_location(settings.index_dir, settings.chroma_url)
    if not rebuild:
        docs = _changed_only(location, docs, report)
    if not docs and not rebuild:
        return report
    with location.write(fresh=rebuild) as snap:
        check_vector_space(snap, settings)
        _write_documents(snap, docs, settings, report, progress)
        report.version = snap.version
    return report


def _changed_only(location, docs: list[Document], report: IngestReport) -> list[Document]:
    """Skip files the index already holds, parsed by this parser: no new version for a no-op."""
    current = location.open_current()
    if current is None:
        return docs
    known = current.docs().versions()
    changed = []
    for doc in docs:
        if known.get(doc.source) == (doc.id, PARSER_VERSION):
            report.unchanged.append(doc.source)
        else:
            changed.append(doc)
    return changed


def check_vector_space(snap: Snapshot | None, settings: Settings) -> None:
    """Vectors of different models cannot be compared: refuse to mix them in one index."""
    if snap is None:
        return
    stored = snap.docs().vector_models() - {vector_space(settings.embedding)}
    if stored:
        raise RetrievalError(f"索引由向量模型“{'、'.join(sorted(stored))}”构建,当前配置为“{vector_space(settings.embedding)}”。"
                             "请使用 policyqa ingest --rebuild 重新构建索引,或改回原来的 POLICYQA_EMBEDDING。")


# Chunks embedded together, across documents: the embedders are several times faster on large
# batches than on one document's ~20 chunks (make bench), and a window bounds the memory held.
EMBED_WINDOW = 512


@dataclass(slots=True)
class _Plan:
    """What one changed document needs: its chunks, which of them are new, what it replaces."""

    doc: Document
    chunks: list[Chunk]
    fresh: list[Chunk]
    previous: str | None
    stale_ids: list[str]


def _write_documents(snap: Snapshot, docs: Sequence[Document], settings: Settings, report: IngestReport,
                     progress: Progress | None) -> None:
    """Plan every document, embed the new chunks window by window across documents, then write
    each document once its vectors are ready."""
    embedder = get_embeddings(settings.embedding)
    store = snap.chunks(embedder)
    plans = _plans(snap, store, _last_per_source(docs, report), settings, report)
    if not plans:
        return
    total = sum(len(p.fresh) for p in plans)
    label = f"embed:{plans[0].doc.source}" if len(plans) == 1 else f"embed:{len(plans)} 个文件"
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(label, done, total)

    for window in _windows(plans, EMBED_WINDOW):
        fresh = [c for p in window for c in p.fresh]
        vectors = embed_passages(embedder, [c.embed_text(p.doc.title) for p in window for c in p.fresh], tick)
        store.add_embedded(fresh, vectors)
        _finish(snap, store, window, settings, report)


def _last_per_source(docs: Sequence[Document], report: IngestReport) -> list[Document]:
    """One document per file name (a name is the document's identity in the index): the last wins."""
    last = {d.source: d for d in docs}
    for d in docs:
        if last[d.source] is not d:
            report.failed.append((d.source, "本次导入中有同名文件,仅导入了最后一个"))
    return list(last.values())


def _plans(snap: Snapshot, store: ChromaStore, docs: Sequence[Document], settings: Settings,
           report: IngestReport) -> list[_Plan]:
    known = snap.docs().versions()
    todo = []
    for doc in docs:
        previous, parsed_by = known.get(doc.source, (None, ""))
        if previous == doc.id and parsed_by == PARSER_VERSION:
            report.unchanged.append(doc.source)
            continue
        todo.append((doc, previous, chunk_document(doc, settings.chunk_chars)))
    # Chunk ids are content hashes: an edited document re-embeds only its changed clauses. One
    # lookup for all documents (a folder of small files made one Chroma query per file).
    existing = store.existing_ids([c.id for _, _, chunks in todo for c in chunks])
    plans = []
    for doc, previous, chunks in todo:
        old_ids = store.ids_of_doc(previous) if previous else set()
        plans.append(_Plan(doc, chunks, [c for c in chunks if c.id not in existing], previous,
                           sorted(old_ids - {c.id for c in chunks})))
    return plans


def _windows(plans: Sequence[_Plan], size: int) -> list[list[_Plan]]:
    """Consecutive groups of plans holding about ``size`` new chunks each (a document is never split)."""
    groups: list[list[_Plan]] = [[]]
    count = 0
    for plan in plans:
        if groups[-1] and count + len(plan.fresh) > size:
            groups.append([])
            count = 0
        groups[-1].append(plan)
        count += len(plan.fresh)
    return [g for g in groups if g]


def _finish(snap: Snapshot, store: ChromaStore, window: Sequence[_Plan], settings: Settings,
            report: IngestReport) -> None:
    """Point unchanged chunks at their document's new version, drop stale ones, store the documents."""
    docs = snap.docs()
    for plan in window:
        fresh = {c.id for c in plan.fresh}
        store.update_meta([c for c in plan.chunks if c.id not in fresh])
        store.delete_ids(plan.stale_ids)
        if plan.previous:
            docs.delete(plan.previous)
            (report.replaced if plan.previous != plan.doc.id else report.reparsed).append(plan.doc.source)
        else:
            report.added.append(plan.doc.source)
        report.clauses += len(plan.doc.clauses)
        report.chunks_added += len(plan.fresh)
        report.chunks_reused += len(plan.chunks) - len(plan.fresh)
    docs.put_many([p.doc for p in window], PARSER_VERSION, vector_space(settings.embedding))


def delete_documents(ids_or_sources: Sequence[str], settings: Settings) -> list[str]:
    """Remove documents by id or file name; returns the names removed."""
    location = open_location(settings.index_dir, settings.chroma_url)
    removed: list[str] = []
    with location.write() as snap:
        docs = snap.docs()
        store = snap.chunks(get_embeddings(settings.embedding))
        for source, doc_id in docs.sources().items():
            if doc_id in ids_or_sources or source in ids_or_sources:
                store.delete_doc(doc_id)
                docs.delete(doc_id)
                removed.append(source)
    return removed


def chunks_of(doc: Document, settings: Settings) -> list[Chunk]:
    return chunk_document(doc, settings.chunk_chars)
