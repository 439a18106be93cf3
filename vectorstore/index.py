"""Where the index lives, and how a write becomes visible all at once.

Every write goes to a new *version* (a copy of the current one); only when it has fully
succeeded does the ``CURRENT`` pointer move to it. A failed, interrupted or killed ingest
therefore leaves the previous version serving, and readers never see half an ingest.

- Local (default): ``<root>/versions/<v>/`` holds a Chroma PersistentClient; ``<root>/CURRENT``
  names the live version and is replaced atomically (``os.replace``).
- Server (``POLICYQA_CHROMA_URL``): versions are collection-name suffixes on the Chroma server;
  the pointer is the metadata of a small ``policyqa_current`` collection.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from vectorstore.chroma_store import ChromaStore, make_client
from vectorstore.docstore import DocCollection, NoEmbedding
from vectorstore.errors import RetrievalError, StoreUnavailableError

_KEEP_OLD_VERSIONS = 1  # one previous version stays for processes still reading it


@dataclass(slots=True)
class Snapshot:
    """One version of the index: a Chroma client plus the collection names of that version."""

    client: Any
    version: str
    path: Path | None = None
    suffix: str = ""  # server mode: versions share one server, so names carry the version

    def chunks(self, embeddings: Embeddings) -> ChromaStore:
        return ChromaStore(self.client, f"chunks{self.suffix}", embeddings)

    def docs(self) -> DocCollection:
        return DocCollection(self.client, f"docs{self.suffix}")


class IndexLocation:
    """Base for local and server locations: the pointer and the copy differ, the rest is shared."""

    def current_version(self) -> str | None:
        raise NotImplementedError

    def open_current(self) -> Snapshot | None:
        raise NotImplementedError

    @contextlib.contextmanager
    def write(self, fresh: bool = False) -> Iterator[Snapshot]:
        """A writable copy of the current version (an empty one when ``fresh``); published
        only if the block succeeds."""
        raise NotImplementedError
        yield  # pragma: no cover


def _new_version() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:6]}"


class LocalIndex(IndexLocation):
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_version(self) -> str | None:
        try:
            v = self._pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return v if v and (self.root / "versions" / v).is_dir() else None

    def open_current(self) -> Snapshot | None:
        v = self.current_version()
        if v is None:
            return None
        path = self.root / "versions" / v
        return Snapshot(make_client(path), v, path)

    @contextlib.contextmanager
    def write(self, fresh: bool = False) -> Iterator[Snapshot]:
        _check_writable(self.root)
        with _file_lock(self.root / ".lock"):
            old = self.current_version()
            new = _new_version()
            path = self.root / "versions" / new
            if old and not fresh:
                shutil.copytree(self.root / "versions" / old, path)
            try:
                yield Snapshot(make_client(path), new, path)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            tmp = self._pointer.with_suffix(".tmp")
            tmp.write_text(new, encoding="utf-8")
            os.replace(tmp, self._pointer)
            self._cleanup(keep={new, old})

    def _cleanup(self, keep: set[str | None]) -> None:
        """Remove versions left by killed ingests and all but the newest old ones."""
        versions = sorted(p for p in (self.root / "versions").iterdir() if p.is_dir())
        old = [p for p in versions if p.name not in keep]
        for p in old[: max(0, len(old) - _KEEP_OLD_VERSIONS + 1)] if old else []:
            shutil.rmtree(p, ignore_errors=True)


def _check_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe-{uuid.uuid4().hex[:6]}"
        probe.write_bytes(b"x" * 4096)
        probe.unlink()
    except OSError as ex:
        raise RetrievalError(f"索引目录不可写(磁盘已满或没有权限):{root}({ex.strerror})") from ex


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """One writer at a time; a second ingest waits for the first instead of racing it."""
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class ServerIndex(IndexLocation):
    """Versions as collection suffixes on a Chroma server (several app processes share it)."""

    _POINTER = "policyqa_current"

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = make_client(url=url)

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except Exception as ex:  # connection errors surface as many chromadb/httpx types
            if "connect" in str(ex).lower() or type(ex).__name__ in ("ConnectError", "ConnectionError"):
                raise StoreUnavailableError(f"向量数据库服务不可用({self.url}),请稍后重试") from ex
            raise

    def current_version(self) -> str | None:
        col = self._call(self._client.get_or_create_collection, self._POINTER,
                         embedding_function=NoEmbedding())
        return (col.metadata or {}).get("version") or None

    def open_current(self) -> Snapshot | None:
        v = self.current_version()
        return Snapshot(self._client, v, suffix=f"_{v}") if v else None

    @contextlib.contextmanager
    def write(self, fresh: bool = False) -> Iterator[Snapshot]:
        old = self.current_version()
        new = _new_version()
        if old and not fresh:
            self._copy(old, new)
        try:
            yield Snapshot(self._client, new, suffix=f"_{new}")
        except BaseException:
            self._drop(new)
            raise
        pointer = self._client.get_collection(self._POINTER)
        pointer.modify(metadata={"version": new, "previous": old or ""})
        self._drop_older(keep={new, old})

    def _copy(self, old: str, new: str) -> None:
        for kind in ("chunks", "docs"):
            src = self._client.get_collection(f"{kind}_{old}")
            got = src.get(include=["documents", "metadatas", "embeddings"])
            dst = self._client.get_or_create_collection(f"{kind}_{new}", metadata=src.metadata,
                                                        embedding_function=NoEmbedding())
            for i in range(0, len(got["ids"]), 500):
                sl = slice(i, i + 500)
                dst.add(ids=got["ids"][sl], documents=got["documents"][sl], metadatas=got["metadatas"][sl],
                        embeddings=got["embeddings"][sl])

    def _drop(self, version: str) -> None:
        for kind in ("chunks", "docs"):
            with contextlib.suppress(Exception):
                self._client.delete_collection(f"{kind}_{version}")

    def _drop_older(self, keep: set[str | None]) -> None:
        names = [c.name if hasattr(c, "name") else c for c in self._client.list_collections()]
        versions = sorted({n.split("_", 1)[1] for n in names if n.startswith(("chunks_", "docs_"))})
        old = [v for v in versions if v not in keep]
        for v in old[: max(0, len(old) - _KEEP_OLD_VERSIONS + 1)] if old else []:
            self._drop(v)


def open_location(index_dir: Path, chroma_url: str | None) -> IndexLocation:
    return ServerIndex(chroma_url) if chroma_url else LocalIndex(index_dir)
