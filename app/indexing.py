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
from vectorstore.embeddings import get_embeddings, vector_space
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
        for doc in docs:
            _write_document(snap, doc, settings, report, progress)
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


def _write_document(snap: Snapshot, doc: Document, settings: Settings, report: IngestReport,
                    progress: Progress | None) -> None:
    docs = snap.docs()
    store = snap.chunks(get_embeddings(settings.embedding))
    previous, parsed_by = docs.versions().get(doc.source, (None, ""))
    if previous == doc.id and parsed_by == PARSER_VERSION:
        report.unchanged.append(doc.source)
        return
    chunks = chunk_document(doc, settings.chunk_chars)
    old_ids = store.ids_of_doc(previous) if previous else set()
    existing = store.existing_ids([c.id for c in chunks])
    fresh = [c for c in chunks if c.id not in existing]
    store.update_meta([c for c in chunks if c.id in existing])
    store.delete_ids(sorted(old_ids - {c.id for c in chunks}))
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(f"embed:{doc.source}", done, len(fresh))

    store.add(fresh, [c.embed_text(doc.title) for c in fresh], progress=tick)
    if previous:
        docs.delete(previous)
        (report.replaced if previous != doc.id else report.reparsed).append(doc.source)
    else:
        report.added.append(doc.source)
    docs.put(doc, PARSER_VERSION, vector_space(settings.embedding))
    report.clauses += len(doc.clauses)
    report.chunks_added += len(fresh)
    report.chunks_reused += len(chunks) - len(fresh)


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
