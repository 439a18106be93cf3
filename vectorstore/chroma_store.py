"""The Chroma side: one collection of chunks, embedded PersistentClient or a Chroma server.

Our embedding function is always passed: Chroma's default one downloads a model at first
use, which fails offline.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


from ingest.types import Chunk
from vectorstore.embeddings import ChromaEmbeddingAdapter, Embeddings
from vectorstore.errors import RetrievalError, StoreUnavailableError

_BATCH = 500  # records per Chroma write: each write has a fixed cost (~75 ms on a local index)
_COPY_PAGE = 500
SERVER_TIMEOUT_S = 60.0  # chromadb's HttpClient waits forever by default; a hung server must not hang us
SERVER_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class VectorHit:
    id: str
    score: float  # cosine similarity, higher is better
    text: str
    meta: dict[str, Any]


def make_client(path: Path | None = None, url: str | None = None) -> Any:
    """PersistentClient at ``path``, or HttpClient when ``url`` is given.

    A server client is wrapped so that a lost connection, on the client or on any collection it
    returns, raises :class:`StoreUnavailableError` with a Chinese message.

    :raises StoreUnavailableError: when the server cannot be reached.
    """
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if url:
        return _server_client(url, settings)
    assert path is not None
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as ex:  # chromadb reports SQLite's refusals as InternalError
        release_client(path)
        if isinstance(ex, OSError) or "readonly database" in str(ex) or "disk is full" in str(ex):
            raise RetrievalError(f"无法打开索引目录 {path}:文件系统为只读、没有写入权限或磁盘已满"
                                 "(打开索引时也需要写入)") from ex
        raise


_server_clients: dict[str, GuardedClient] = {}
_server_clients_lock = threading.Lock()


def _server_client(url: str, settings: Any) -> GuardedClient:
    """One client per server URL for the life of the process. Every chromadb HttpClient registers
    a System that lives until ``close()``, so making one per version check (every 2 s) would leak;
    a cached client reconnects by itself when a restarted server is back."""
    import chromadb

    with _server_clients_lock:
        if url in _server_clients:
            return _server_clients[url]
        u = urlparse(url)
        try:
            client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                         ssl=u.scheme == "https", settings=settings)
        except (ValueError, *_unavailable_errors()) as ex:  # chromadb: ValueError("Could not connect ...")
            raise unavailable(url) from ex
        _set_timeouts(client)
        _server_clients[url] = GuardedClient(client, url)
        return _server_clients[url]


def release_client(path: Path) -> None:
    """Stop and forget chromadb's cached client system for ``path``.

    chromadb keeps one system per path for the life of the process (SQLite handles and the
    loaded HNSW index: ~70 MiB for the bundled corpus), so every index version a long-running
    server has opened would stay in memory. Also needed after a failed open, because chromadb
    caches the system before it is fully built and every later open would get the broken one.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()


def public_url(url: str) -> str:
    """``url`` without user name and password, for messages and logs."""
    u = urlparse(url)
    host = f"{u.hostname}:{u.port}" if u.port else (u.hostname or "")
    return f"{u.scheme}://{host}{u.path}" if u.scheme else url


def unavailable(url: str) -> StoreUnavailableError:
    return StoreUnavailableError(f"向量数据库服务暂时不可用({public_url(url)}),请稍后重试;"
                                 "如持续出现,请联系管理员检查 Chroma 服务")


@functools.cache
def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "the server is not there": refused, reset, timed out, DNS."""
    import httpx

    return (httpx.TransportError, ConnectionError, TimeoutError)


def _set_timeouts(client: Any) -> None:
    """Give chromadb's httpx session finite timeouts (it has none; private attribute, checked)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(SERVER_TIMEOUT_S, connect=SERVER_CONNECT_TIMEOUT_S)


class GuardedClient:
    """A Chroma server client (or collection) whose calls raise :class:`StoreUnavailableError`
    when the server is gone. Collections it returns are guarded too; everything else passes."""

    def __init__(self, target: Any, url: str) -> None:
        self._target = target
        self._url = url

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                out = attr(*args, **kwargs)
            except _unavailable_errors() as ex:
                raise unavailable(self._url) from ex
            return GuardedClient(out, self._url) if _is_collection(out) else out

        return call

    def __repr__(self) -> str:
        return f"GuardedClient({self._target!r})"


def _is_collection(obj: Any) -> bool:
    from chromadb.api.models.Collection import Collection

    return isinstance(obj, Collection)


class _StoredVectors(ChromaEmbeddingAdapter):
    """Stands in for a collection's embedding function when only stored vectors are copied.

    Chroma refuses to open a collection with an embedding function of another name than the
    one it was created with, so the copy must carry the source's name; it never embeds.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, input: list[str]) -> Any:  # noqa: A002
        raise RuntimeError("copies move stored vectors; nothing may be embedded here")

    def name(self) -> str:  # type: ignore[override]
        return self._name


def copy_collection(client: Any, source: str, dest: str) -> int:
    """Copy every record (ids, texts, metadata, vectors) of ``source`` into a new ``dest``
    with the same settings, page by page. Returns the number of records copied."""
    src = client.get_collection(source)
    ef = ((src.configuration_json or {}).get("embedding_function") or {}).get("name") or "default"
    dst = client.get_or_create_collection(dest, metadata=src.metadata, embedding_function=_StoredVectors(ef))
    copied = 0
    while True:
        got = src.get(limit=_COPY_PAGE, offset=copied, include=["documents", "metadatas", "embeddings"])
        if not len(got["ids"]):
            return copied
        dst.add(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"],
                embeddings=got["embeddings"])
        copied += len(got["ids"])


class ChromaStore:
    """Chunks of all documents in one cosine-space collection."""

    def __init__(self, client: Any, name: str, embeddings: Embeddings) -> None:
        self._col = client.get_or_create_collection(
            name=name, embedding_function=ChromaEmbeddingAdapter(embeddings),
            metadata={"hnsw:space": "cosine"})
        self._count: int | None = None

    def count(self) -> int:
        # Cached: a published version never changes, and every search needs it (a SQLite query,
        # ~1.4 ms per ask); our own writes reset it.
        if self._count is None:
            self._count = self._col.count()
        return self._count

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            found.update(self._col.get(ids=list(ids[i:i + 500]), include=[])["ids"])
        return found

    def add_embedded(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Add chunks with their vectors (callers pass only new ones: ids are content hashes)."""
        self._count = None
        for i in range(0, len(chunks), _BATCH):
            batch = chunks[i:i + _BATCH]
            self._col.upsert(ids=[c.id for c in batch], embeddings=[list(v) for v in vectors[i:i + _BATCH]],
                             documents=[c.text for c in batch], metadatas=[_clean_meta(c.meta) for c in batch])

    def update_meta(self, chunks: Sequence[Chunk]) -> None:
        """Move unchanged chunks to a new document version without re-embedding them."""
        for i in range(0, len(chunks), 500):
            batch = chunks[i:i + 500]
            self._col.update(ids=[c.id for c in batch], metadatas=[_clean_meta(c.meta) for c in batch],
                             documents=[c.text for c in batch])

    def delete_doc(self, doc_id: str) -> None:
        self._count = None
        self._col.delete(where={"doc_id": doc_id})

    def records_of_doc(self, doc_id: str) -> dict[str, list[Any]]:
        """A document's chunks as stored (ids, texts, metadata, vectors), for putting back later."""
        got = self._col.get(where={"doc_id": doc_id}, include=["documents", "metadatas", "embeddings"])
        return {"ids": list(got["ids"]), "documents": list(got["documents"]), "metadatas": list(got["metadatas"]),
                "embeddings": [[float(x) for x in v] for v in got["embeddings"]]}

    def add_records(self, records: dict[str, list[Any]]) -> None:
        """Put back chunks saved by :meth:`records_of_doc` (their vectors, nothing re-embedded)."""
        self._count = None
        for i in range(0, len(records["ids"]), _BATCH):
            part = slice(i, i + _BATCH)
            self._col.upsert(ids=records["ids"][part], documents=records["documents"][part],
                             metadatas=records["metadatas"][part], embeddings=records["embeddings"][part])

    def ids_of_doc(self, doc_id: str) -> set[str]:
        return set(self._col.get(where={"doc_id": doc_id}, include=[])["ids"])

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            self._count = None
            self._col.delete(ids=list(ids))

    def all(self) -> list[VectorHit]:
        got = self._col.get(include=["documents", "metadatas"])
        return [VectorHit(i, 0.0, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def search(self, query_vec: Sequence[float], k: int = 20, where: dict[str, Any] | None = None) -> list[VectorHit]:
        n = self.count()
        if n == 0:
            return []
        res = self._col.query(query_embeddings=[list(query_vec)], n_results=min(k, n), where=where,
                              include=["documents", "metadatas", "distances"])
        return [VectorHit(i, 1.0 - d, t, m) for i, d, t, m in
                zip(res["ids"][0], res["distances"][0], res["documents"][0], res["metadatas"][0])]


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str/int/float/bool (no None, no empty lists)."""
    return {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}
