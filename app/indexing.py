"""Ingest service: files → parsed documents → a new index version (or nothing, on failure).

Parsing happens before the index is touched, so a bad file only costs itself; writing happens
inside ``IndexLocation.write()``, so an error or a kill leaves the previous version serving.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.config import Settings
from ingest.chunking import chunk_document
from ingest.document import PARSER_VERSION, parse_document
from ingest.errors import IngestError, stage
from ingest.loaders import IMAGE_EXTENSIONS, SUPPORTED_EXTENSIONS, load_file
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
    # Files whose content the index already holds: under the same name, or (see ``duplicates``) another.
    unchanged: list[str] = field(default_factory=list)
    reparsed: list[str] = field(default_factory=list)  # same file, parsed again by a newer parser
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, Chinese reason)
    # (source, the file name the index knows that content by): not stored a second time, so
    # deleting either name can never remove the other's chunks.
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # source → "条款 12,分块 15" for the summary
    clauses: int = 0
    chunks_added: int = 0
    chunks_reused: int = 0
    version: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def stored(self) -> bool:
        """Did any file end up in the index (new, changed, re-parsed or already there)?"""
        return bool(self.added or self.replaced or self.reparsed or self.unchanged)

    def rows(self) -> list[tuple[str, str, str]]:
        """(file, 结果, 说明) per file, for the per-file summary."""
        dup = dict(self.duplicates)
        rows = [(s, "新增", self.details.get(s, "")) for s in self.added]
        rows += [(s, "更新", self.details.get(s, "")) for s in self.replaced]
        rows += [(s, "重新解析", self.details.get(s, "")) for s in self.reparsed]
        rows += [(s, "未变化", "") for s in self.unchanged if s not in dup]
        rows += [(s, "重复", f"内容与已导入的 {first} 相同,未重复导入") for s, first in self.duplicates]
        return rows + [(s, "失败", reason) for s, reason in self.failed]


# Pictures in a folder are read (OCR) only when they can be scans: not a saved web page's
# assets ("页面_files/"), not icons and logos.
_ASSET_DIRS = ("images", "image", "img", "static", "assets")
MIN_SCAN_BYTES = 20 * 1024


def _is_document(f: Path, root: Path) -> bool:
    parts = f.relative_to(root).parts
    if f.suffix.lower() not in SUPPORTED_EXTENSIONS or any(part.startswith(".") for part in parts):
        return False
    if f.suffix.lower() in IMAGE_EXTENSIONS:
        in_assets = any(d.endswith("_files") or d.lower() in _ASSET_DIRS for d in parts[:-1])
        return not in_assets and f.stat().st_size >= MIN_SCAN_BYTES
    return True


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders recursively), and the given paths that cannot be used. A file
    named on its own is always tried; in a folder, pictures that cannot be scans are passed over."""
    files: list[Path] = []
    bad: list[tuple[str, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and _is_document(f, p))
        elif p.is_file():
            files.append(p)
        else:
            bad.append((str(p), "文件或目录不存在"))
    return files, bad


def parse_files(files: Sequence[Path], report: IngestReport, progress: Progress | None = None) -> list[Document]:
    """Load and parse each file on its own: a file that fails is reported and the rest go on."""
    docs: list[Document] = []
    for i, f in enumerate(files, 1):
        try:
            with stage("load", f.name):
                loaded = load_file(f)
            docs.append(parse_document(loaded))
        except IngestError as ex:
            report.failed.append((f.name, ex.user_message))
        if progress:
            progress("files", i, len(files))
    return docs


def ingest_paths(paths: Sequence[Path], settings: Settings, *, rebuild: bool = False,
                 progress: Progress | None = None) -> IngestReport:
    """Add files (or folders) to the index. Unchanged files add nothing; a file that fails in any
    stage (load, parse, facts, chunk, embed) is reported in ``failed`` and the others are published.

    :raises RetrievalError: when the index cannot be written (the old one keeps serving).
    """
    report = IngestReport()
    files, report.failed = collect_files(paths)
    docs = _last_per_source(parse_files(files, report, progress), report)
    location = open_location(settings.index_dir, settings.chroma_url)
    if not rebuild:
        current = location.open_current()
        # Decided again under the write lock below; this first look only avoids a new version for a no-op.
        if not _triage(docs, current.docs().versions() if current else {}).work:
            _triage(docs, current.docs().versions() if current else {}).apply(report)
            return report
    if progress:
        progress("prepare", 0, 0)  # the write starts from a copy of the current version
    with location.write(fresh=rebuild) as snap:
        check_vector_space(snap, settings)
        triage = _triage(docs, snap.docs().versions())
        triage.apply(report)
        _retire(snap, settings, triage.retired)
        _write_documents(snap, triage.todo, settings, report, progress)
        report.version = snap.version
        if progress:
            progress("publish", 0, 1)  # the new version goes live when this block ends
    return report


@dataclass(slots=True)
class _Triage:
    """What a batch means for the index: documents to write, and files needing no write."""

    todo: list[Document] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, the name holding its content)
    retired: list[str] = field(default_factory=list)  # ids of old versions whose name now duplicates another

    @property
    def work(self) -> bool:
        return bool(self.todo or self.retired)

    def apply(self, report: IngestReport) -> None:
        report.unchanged += self.unchanged + [s for s, _ in self.duplicates]
        report.duplicates += self.duplicates


def _triage(docs: Sequence[Document], known: dict[str, tuple[str, str]]) -> _Triage:
    """Sort a batch against the index's ``source → (id, parser)``.

    A document's id is its content hash, and the index holds each id under one name. Content
    the index (or an earlier file of this batch) already holds under another name is a
    duplicate: it is noted, not stored again, so a renamed file is not indexed twice and deleting
    one name never removes the other's chunks.
    """
    batch = {d.source: d.id for d in docs}
    # A name re-ingested with new content no longer owns its old content (two files may swap).
    owner = {doc_id: src for src, (doc_id, _) in known.items() if batch.get(src, doc_id) == doc_id}
    out = _Triage()
    for doc in docs:
        previous = known.get(doc.source)
        first = owner.get(doc.id, doc.source)
        if previous == (doc.id, PARSER_VERSION):
            out.unchanged.append(doc.source)
        elif first != doc.source:
            out.duplicates.append((doc.source, first))
            if previous:  # this name's old content is superseded: keep no stale version under it
                out.retired.append(previous[0])
        else:
            out.todo.append(doc)
            owner[doc.id] = doc.source
    return out


def _retire(snap: Snapshot, settings: Settings, doc_ids: Sequence[str]) -> None:
    """Remove old versions of names whose new content another name already holds."""
    if doc_ids:
        store = snap.chunks(get_embeddings(settings.embedding))
        for doc_id in doc_ids:
            store.delete_doc(doc_id)
            snap.docs().delete(doc_id)


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
    each document once its vectors are ready. A document whose chunking or embedding fails is
    reported and left out; its previous version, if any, keeps serving."""
    embedder = get_embeddings(settings.embedding)
    store = snap.chunks(embedder)
    plans = _plans(snap, store, docs, settings, report)
    if not plans:
        return
    total = sum(len(p.fresh) for p in plans)
    label = f"embed:{plans[0].doc.source}" if len(plans) == 1 else f"embed:{len(plans)} 个文件"
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done = min(total, done + n)
        if progress:
            progress(label, done, total)

    written = {p.doc.id for p in plans}
    for window in _windows(plans, EMBED_WINDOW):
        window, vectors = _embed_window(embedder, window, tick, report)
        store.add_embedded([c for p in window for c in p.fresh], vectors)
        _finish(snap, store, window, settings, report, written)


def _embed_window(embedder, window: list[_Plan], tick: Callable[[int], None],
                  report: IngestReport) -> tuple[list[_Plan], list]:
    """Vectors for a window's new chunks; when the window fails, each document is embedded on
    its own so that only the one that fails is left out."""
    try:
        return window, _embed(embedder, window, tick)
    except IngestError as ex:
        if len(window) == 1:
            report.failed.append((window[0].doc.source, ex.user_message))
            return [], []
    kept: list[_Plan] = []
    vectors: list = []
    for plan in window:
        try:
            vectors += _embed(embedder, [plan], tick)
            kept.append(plan)
        except IngestError as ex:
            report.failed.append((plan.doc.source, ex.user_message))
    return kept, vectors


def _embed(embedder, plans: Sequence[_Plan], tick: Callable[[int], None]) -> list:
    # A store or model error that is not about this file (server gone, model missing) stops the
    # ingest as before: retrying file by file would only repeat it.
    with stage("embed", plans[0].doc.source if len(plans) == 1 else f"{len(plans)} 个文件", keep=(RetrievalError,)):
        return embed_passages(embedder, [c.embed_text(p.doc.title) for p in plans for c in p.fresh], tick)


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
        previous = known.get(doc.source, (None, ""))[0]
        try:
            with stage("chunk", doc.source):
                chunks = chunk_document(doc, settings.chunk_chars)
        except IngestError as ex:
            report.failed.append((doc.source, ex.user_message))
            continue
        todo.append((doc, previous, chunks))
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
            report: IngestReport, written: set[str]) -> None:
    """Point unchanged chunks at their document's new version, drop stale ones, store the documents.

    ``written`` holds the ids this ingest stores: an old id that another file now carries (two
    files swapped contents) is overwritten by that file, never deleted after it was written.
    """
    docs = snap.docs()
    for plan in window:
        fresh = {c.id for c in plan.fresh}
        store.update_meta([c for c in plan.chunks if c.id not in fresh])
        store.delete_ids(plan.stale_ids)
        if plan.previous:
            if plan.previous not in written:
                docs.delete(plan.previous)
            (report.replaced if plan.previous != plan.doc.id else report.reparsed).append(plan.doc.source)
        else:
            report.added.append(plan.doc.source)
        report.details[plan.doc.source] = f"条款 {len(plan.doc.clauses)},分块 {len(plan.chunks)}"
        report.clauses += len(plan.doc.clauses)
        report.chunks_added += len(plan.fresh)
        report.chunks_reused += len(plan.chunks) - len(plan.fresh)
    if window:
        docs.put_many([p.doc for p in window], PARSER_VERSION, vector_space(settings.embedding))


class _NothingToDelete(Exception):
    """Raised inside a write to leave it unpublished: no document matched."""


def delete_documents(ids_or_sources: Sequence[str], settings: Settings, trash: Path | None = None) -> list[str]:
    """Remove documents by id or file name; returns the names removed. Nothing matching:
    nothing is written and no version is published (the index stays as it is).

    With ``trash``, each removed document's stored record and chunks (with their vectors) are
    first saved there, one JSON file each, so that :func:`restore_document` can put it back.
    """
    return [r.source for r in remove_documents(ids_or_sources, settings, trash)]


@dataclass(frozen=True, slots=True)
class Removed:
    """A document taken out of the index; ``saved`` is its file in the trash (None without one)."""

    source: str
    title: str
    doc_id: str
    saved: Path | None = None


def remove_documents(ids_or_sources: Sequence[str], settings: Settings, trash: Path | None = None) -> list[Removed]:
    """:func:`delete_documents`, returning what was removed and where it was saved."""
    location = open_location(settings.index_dir, settings.chroma_url)
    wanted = set(ids_or_sources)
    current = location.open_current()
    if current is None or not _matching(current.docs().sources(), wanted):
        return []
    del current
    removed: list[Removed] = []
    try:
        with location.write() as snap:
            docs = snap.docs()
            store = snap.chunks(get_embeddings(settings.embedding))
            for source, doc_id in _matching(docs.sources(), wanted):
                record = docs.record(doc_id)
                saved = _save_removed(trash, record, store.records_of_doc(doc_id)) if trash and record else None
                store.delete_doc(doc_id)
                docs.delete(doc_id)
                removed.append(Removed(source, (record or {}).get("meta", {}).get("title") or source, doc_id, saved))
            if not removed:  # deleted by another writer meanwhile
                raise _NothingToDelete
    except _NothingToDelete:
        return []
    return removed


def _matching(sources: dict[str, str], wanted: set[str]) -> list[tuple[str, str]]:
    """(file name, document id) of the documents named by id or file name in ``wanted``."""
    return [(source, doc_id) for source, doc_id in sources.items() if doc_id in wanted or source in wanted]


def _save_removed(trash: Path, record: dict, chunks: dict) -> Path:
    trash.mkdir(parents=True, exist_ok=True)
    path = trash / f"{time.strftime('%Y%m%d%H%M%S')}-{record['id'][:16]}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"doc": record, "chunks": chunks}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)  # a half-written file is never taken for a saved document
    return path


def restore_document(saved: Path, settings: Settings) -> str:
    """Put a removed document back from its trash file, vectors and all (nothing re-embedded).

    :returns: the document's file name.
    :raises RetrievalError: when the file is gone, or a file of that name was imported since.
    """
    try:
        data = json.loads(Path(saved).read_text(encoding="utf-8"))
    except (OSError, ValueError) as ex:
        raise RetrievalError("找不到已删除文档的备份,无法撤销(备份可能已过期或已恢复)") from ex
    record, source = data["doc"], data["doc"]["meta"]["source"]
    location = open_location(settings.index_dir, settings.chroma_url)
    with location.write() as snap:
        docs = snap.docs()
        if source in docs.sources():
            raise RetrievalError(f"“{source}”已重新导入,无需撤销删除")
        if record["meta"].get("vectors") and record["meta"]["vectors"] != vector_space(settings.embedding):
            raise RetrievalError("索引的向量模型已更换,无法恢复该文档,请重新上传")
        snap.chunks(get_embeddings(settings.embedding)).add_records(data["chunks"])
        docs.put_record(record)
    Path(saved).unlink(missing_ok=True)
    return source


def chunks_of(doc: Document, settings: Settings) -> list[Chunk]:
    return chunk_document(doc, settings.chunk_chars)
