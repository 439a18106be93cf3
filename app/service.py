"""The serving assistant, shared by the web chat and the HTTP API, kept in step with the index.

An ingest or delete writes a new index version (possibly from another process, e.g.
``policyqa ingest`` while the server runs); ``AssistantService.get()`` notices the new version
and rebuilds the ``Assistant``, so the index updates without restarting the server.

Usage::

    service = AssistantService(get_settings())
    service.get().ask("DCMM贯标由哪些部门负责?").answer
    service.ingest_uploads([("new-policy.txt", data)]).added    # ['new-policy.txt']
    service.delete(["new-policy.txt"])                           # ['new-policy.txt']
    gone = service.remove(["new-policy.txt"]); service.restore(gone[0].saved)   # deleted, then undone
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from app.assistant import Assistant
from app.config import Settings
from app.indexing import IngestReport, Progress, Removed, ingest_paths, remove_documents, restore_document
from ingest.loaders import SUPPORTED_EXTENSIONS, SUPPORTED_FORMATS_TEXT
from vectorstore.errors import StoreUnavailableError
from vectorstore.index import open_location

log = logging.getLogger(__name__)
CHECK_INTERVAL_S = 2.0  # how often get() asks the index for its current version
_UNSAFE_NAME_RE = re.compile(r"[\x00-\x1f/\\:*?\"<>|\ud800-\udfff]")  # surrogates: no character
MAX_NAME_BYTES = 200  # file systems allow 255 bytes per name; some room for the staging copy


def _shown_name(name: str | None) -> str:
    """A refused upload's name as reported back: printable, and short enough to read."""
    clean = (Path(name or "").name or "(无文件名)").encode("utf-8", "replace").decode("utf-8")
    return clean if len(clean) <= 80 else clean[:77] + "…"
TRASH_DAYS = 7  # how long a deleted document can be restored
# What to do with formats government staff often have but the loaders do not read.
_FORMAT_FIXES = {
    ".rtf": "请在 Word 或 WPS 中打开,另存为 .docx 后再上传。",
    ".xls": "请将表格内容复制到 Word 文档,另存为 .docx 后再上传。", ".xlsx": "请将表格内容复制到 Word 文档,另存为 .docx 后再上传。",
    ".et": "请将表格内容复制到 Word 文档,另存为 .docx 后再上传。", ".zip": "请解压后逐个上传其中的文件。",
    ".rar": "请解压后逐个上传其中的文件。",
}


@dataclass(frozen=True, slots=True)
class TrashEntry:
    """A deleted document that :meth:`AssistantService.restore` can put back."""

    source: str
    title: str
    deleted_at: str  # ISO time, local zone
    saved: Path


class AssistantService:
    """Thread-safe holder of the current ``Assistant`` plus the index-changing operations."""

    def __init__(self, settings: Settings, check_interval: float = CHECK_INTERVAL_S) -> None:
        self.settings = settings
        self.check_interval = check_interval
        self._lock = threading.Lock()  # guards _assistant/_checked; held while (re)loading
        self._write_lock = threading.Lock()  # one ingest or delete at a time per process
        self._feedback_lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._checked = 0.0

    @property
    def upload_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    def get(self) -> Assistant:
        """The assistant for the index's current version (checked at most every ``check_interval`` s)."""
        with self._lock:
            if self._assistant is None or time.monotonic() - self._checked >= self.check_interval:
                self._refresh_locked()
            assert self._assistant is not None
            return self._assistant

    def loaded(self) -> Assistant | None:
        """The assistant loaded now, without waiting for a reload in progress (health checks)."""
        return self._assistant

    def refresh(self) -> Assistant:
        """Check now (after our own write, so the next request sees it at once)."""
        with self._lock:
            self._refresh_locked()
            assert self._assistant is not None
            return self._assistant

    def _refresh_locked(self) -> None:
        """Reload when the index version changed. While the Chroma server is unreachable, keep
        the loaded assistant (its searches raise the same clear error until the server is back)
        and check again after ``check_interval``; with nothing loaded yet, raise."""
        self._checked = time.monotonic()
        try:
            if self._assistant is None or self._current_version() != self._assistant.kb.version:
                # Built under the lock: concurrent requests wait for one load instead of each loading.
                self._assistant = Assistant.from_settings(self.settings)
        except StoreUnavailableError as ex:
            if self._assistant is None:
                raise
            log.warning("%s(继续使用已加载的索引版本 %s)", ex.user_message, self._assistant.kb.version)

    def _current_version(self) -> str | None:
        return open_location(self.settings.index_dir, self.settings.chroma_url).current_version()

    # ---- index changes --------------------------------------------------------------------

    def ingest_files(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Ingest files already on disk, then reload. Per-file failures are in ``report.failed``."""
        with self._write_lock:
            try:
                return ingest_paths(list(paths), self.settings, progress=progress)
            finally:
                self.refresh()

    def ingest_uploads(self, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> IngestReport:
        """Check and ingest uploaded ``(file name, bytes)``; kept files go to ``data_dir/uploads``.

        Files refused before parsing (type, size, name) are reported in ``failed`` first. Files
        are staged in a temporary folder so that a failed parse never replaces an earlier upload.
        """
        refused = [(_shown_name(name), reason) for name, data in files if (reason := self._refusal(name, len(data)))]
        accepted = [(Path(name).name, data) for name, data in files if not self._refusal(name, len(data))]
        if not accepted:
            return IngestReport(failed=refused)
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with self._write_lock, tempfile.TemporaryDirectory(dir=self.settings.data_dir, prefix=".upload-") as tmp:
            staged = [Path(tmp) / name for name, _ in accepted]
            for path, (_, data) in zip(staged, accepted):
                path.write_bytes(data)
            try:
                report = ingest_paths(staged, self.settings, progress=progress)
            finally:
                self.refresh()
            self._keep(staged, {source for source, _ in report.failed})
        report.failed = refused + report.failed
        return report

    def _keep(self, staged: Sequence[Path], failed: set[str]) -> None:
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        for path in staged:
            if path.name not in failed:
                shutil.move(path, self.upload_dir / path.name)

    def check_upload(self, name: str, size: int) -> str | None:
        """The Chinese reason a file of this name and size would be refused before parsing, or None."""
        return self._refusal(name, size)

    def _refusal(self, name: str, size: int) -> str | None:
        """The Chinese reason an upload is refused before parsing, or None."""
        clean = Path(name or "").name
        if not clean or clean.startswith(".") or _UNSAFE_NAME_RE.search(clean):
            return "文件名无效,请重命名后再上传"
        if len(clean.encode("utf-8")) > MAX_NAME_BYTES:
            return f"文件名过长(最多{MAX_NAME_BYTES}字节,约{MAX_NAME_BYTES // 3}个汉字),请重命名后再上传"
        suffix = Path(clean).suffix.lower()
        if suffix not in SUPPORTED_EXTENSIONS:
            fix = _FORMAT_FIXES.get(suffix, "")
            return f"不支持的文件格式({suffix or '无扩展名'})。{fix}目前支持:{SUPPORTED_FORMATS_TEXT}"
        if size > self.settings.max_upload_mb * 1024 * 1024:
            return f"文件过大(超过{self.settings.max_upload_mb}MB),请拆分或压缩后再上传"
        if size == 0:
            return "文件内容为空"
        return None

    @property
    def trash_dir(self) -> Path:
        return self.settings.data_dir / "trash"

    def delete(self, ids_or_sources: Sequence[str]) -> list[str]:
        """Remove documents by id or file name, then reload; returns the names removed."""
        return [r.source for r in self.remove(ids_or_sources)]

    def remove(self, ids_or_sources: Sequence[str]) -> list[Removed]:
        """:meth:`delete`, keeping each document in the trash for :meth:`restore`."""
        with self._write_lock:
            self._prune_trash()
            removed = remove_documents(list(ids_or_sources), self.settings, trash=self.trash_dir)
            for r in removed:
                upload = self.upload_dir / r.source
                if upload.exists() and r.saved:
                    shutil.move(upload, r.saved.with_suffix(".upload"))
                    os.utime(r.saved.with_suffix(".upload"))  # kept as long as the document, from now
                upload.unlink(missing_ok=True)
                if r.saved:  # what the trash list shows, without reading the (large) saved record
                    info = {"title": r.title, "source": r.source, "doc_id": r.doc_id,
                            "deleted_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")}
                    r.saved.with_suffix(".info").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
            if removed:
                self.refresh()
        return removed

    def restore(self, saved: Path) -> str:
        """Undo a :meth:`remove`: the document (and its uploaded file) come back; returns its name."""
        with self._write_lock:
            upload = Path(saved).with_suffix(".upload")
            source = restore_document(Path(saved), self.settings)
            Path(saved).with_suffix(".info").unlink(missing_ok=True)
            if upload.exists():
                self.upload_dir.mkdir(parents=True, exist_ok=True)
                shutil.move(upload, self.upload_dir / source)
            self.refresh()
        return source

    def trash(self) -> list[TrashEntry]:
        """Documents deleted in the last ``TRASH_DAYS`` (by anyone), newest first."""
        entries = []
        for info in self.trash_dir.glob("*.info") if self.trash_dir.is_dir() else []:
            saved = info.with_suffix(".json")
            try:
                data = json.loads(info.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if saved.exists():
                entries.append(TrashEntry(data["source"], data["title"], data["deleted_at"], saved))
        return sorted(entries, key=lambda e: (e.deleted_at, e.saved.name), reverse=True)

    def _prune_trash(self) -> None:
        """Deleted documents stay restorable for ``TRASH_DAYS``."""
        if not self.trash_dir.is_dir():
            return
        cutoff = time.time() - TRASH_DAYS * 86400
        for f in self.trash_dir.iterdir():
            if f.stat().st_mtime < cutoff:
                f.unlink(missing_ok=True)

    # ---- feedback -------------------------------------------------------------------------

    def record_feedback(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one feedback record (with the time) to ``settings.feedback_file`` (JSON lines)."""
        line = {"time": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"), **record}
        path = self.settings.feedback_file
        with self._feedback_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return line
