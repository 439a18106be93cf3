"""The Chroma side: one collection of chunks, embedded PersistentClient or a Chroma server.

Our embedding function is always passed: Chroma's default one downloads a model at first
use, which fails offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from ingest.types import Chunk
from vectorstore.embeddings import ChromaEmbeddingAdapter
from vectorstore.errors import StoreUnavailableError

_BATCH = 64


@dataclass(frozen=True, slots=True)
class VectorHit:
    id: str
    score: float  # cosine similarity, higher is better
    text: str
    meta: dict[str, Any]


def make_client(path: Path | None = None, url: str | None = None) -> Any:
    """PersistentClient at ``path``, or HttpClient when ``url`` is given."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if url:
        u = urlparse(url)
        try:
            return chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                       ssl=u.scheme == "https", settings=settings)
        except Exception as ex:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreUnavailableError(f"无法连接向量数据库服务 {url}:{ex}") from ex
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """Chunks of all documents in one cosine-space collection."""

    def __init__(self, client: Any, name: str, embeddings: Embeddings) -> None:
        self._emb = embeddings
        self._col = client.get_or_create_collection(
            name=name, embedding_function=ChromaEmbeddingAdapter(embeddings),
            metadata={"hnsw:space": "cosine"})

    def count(self) -> int:
        return self._col.count()

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            found.update(self._col.get(ids=list(ids[i:i + 500]), include=[])["ids"])
        return found

    def add(self, chunks: Sequence[Chunk], texts_to_embed: Sequence[str], progress=None) -> None:
        """Embed and add chunks (callers pass only new ones: ids are content hashes)."""
        for i in range(0, len(chunks), _BATCH):
            batch = chunks[i:i + _BATCH]
            vectors = _embed_unique(self._emb, list(texts_to_embed[i:i + _BATCH]))
            self._col.upsert(ids=[c.id for c in batch], embeddings=vectors, documents=[c.text for c in batch],
                             metadatas=[_clean_meta(c.meta) for c in batch])
            if progress:
                progress(len(batch))

    def update_meta(self, chunks: Sequence[Chunk]) -> None:
        """Move unchanged chunks to a new document version without re-embedding them."""
        for i in range(0, len(chunks), 500):
            batch = chunks[i:i + 500]
            self._col.update(ids=[c.id for c in batch], metadatas=[_clean_meta(c.meta) for c in batch],
                             documents=[c.text for c in batch])

    def delete_doc(self, doc_id: str) -> None:
        self._col.delete(where={"doc_id": doc_id})

    def ids_of_doc(self, doc_id: str) -> set[str]:
        return set(self._col.get(where={"doc_id": doc_id}, include=[])["ids"])

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
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


def _embed_unique(emb: Embeddings, texts: list[str]) -> list[list[float]]:
    """Embed each distinct text once (repeated boilerplate or junk costs one embedding)."""
    unique = list(dict.fromkeys(texts))
    vectors = dict(zip(unique, emb.embed_documents(unique)))
    return [vectors[t] for t in texts]


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str/int/float/bool (no None, no empty lists)."""
    return {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}
