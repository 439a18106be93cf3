"""Read side of the index: documents, clauses and hybrid (dense + jieba BM25) search.

``KnowledgeBase`` loads one snapshot; ``vectorstore.retriever.HybridRetriever`` exposes it as a
langchain retriever.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.departments import canonical
from ingest.types import Clause, Document
from vectorstore.bm25 import Bm25Index, JiebaTokenizer
from vectorstore.chroma_store import ChromaStore, VectorHit
from vectorstore.index import Snapshot

if TYPE_CHECKING:
    from vectorstore.embeddings import Embeddings

RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(d) = Σ w_i / (k + rank_i(d)), rank starting at 1.

    Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual
    rank learning methods" (SIGIR 2009); k = 60 is the paper's constant, which damps the
    difference between the first few ranks so neither retriever dominates.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk with its clause and document."""

    chunk_id: str
    text: str
    clause: Clause
    doc: Document
    score: float
    dense: float = 0.0  # cosine similarity of the query to this chunk (0 when not in dense top-k)
    bm25: float = 0.0


class KnowledgeBase:
    """Everything the assistant reads: documents, clause lookups, chunk search."""

    def __init__(self, snapshot: Snapshot | None, embeddings: Embeddings) -> None:
        self.version = snapshot.version if snapshot else None
        self._emb = embeddings
        self.documents: list[Document] = snapshot.docs().all() if snapshot else []
        self._store: ChromaStore | None = snapshot.chunks(embeddings) if snapshot else None
        self.clauses: dict[str, Clause] = {c.id: c for d in self.documents for c in d.clauses}
        self._docs_by_id = {d.id: d for d in self.documents}
        self._lower_texts: list[str] | None = None
        self._vectors: dict[str, list[float]] = {}
        chunks = self._store.all() if self._store else []
        self._chunks: dict[str, VectorHit] = {h.id: h for h in chunks}
        self.tokenizer = JiebaTokenizer(self._vocabulary())
        self._bm25 = Bm25Index([h.id for h in chunks], [_bm25_text(h) for h in chunks], self.tokenizer)

    def _vocabulary(self) -> list[str]:
        words: set[str] = set()
        for c in self.clauses.values():
            for d in c.facts.departments:
                words.update((d.name, canonical(d.name)))
        return sorted(words)

    def has_term(self, term: str) -> bool:
        """Does any document contain ``term`` (case-insensitive)?"""
        if self._lower_texts is None:
            self._lower_texts = [d.text.lower() for d in self.documents]
        pattern = re.compile(rf"(?<![a-z]){re.escape(term.lower())}(?![a-z])")
        return any(pattern.search(t) for t in self._lower_texts)

    def departments_in(self, text: str) -> list[str]:
        """Department names (as documents write them, or their aliases) in ``text``, longest first."""
        from ingest.departments import ALIASES

        names = {d.name for c in self.clauses.values() for d in c.facts.departments} | set(ALIASES)
        found = sorted((n for n in names if len(n) >= 2 and n in text), key=len, reverse=True)
        out: list[str] = []
        for n in found:
            if not any(n in longer for longer in out):
                out.append(n)
        return out

    @property
    def empty(self) -> bool:
        return not self.documents

    def doc(self, doc_id: str) -> Document:
        return self._docs_by_id[doc_id]

    def search(self, question: str, k: int = 8, doc_ids: Sequence[str] | None = None,
               fetch: int = 30) -> list[Hit]:
        """Hybrid search: dense and BM25 top-``fetch`` fused by RRF, best ``k`` chunks."""
        if not self._store or not self._chunks:
            return []
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        dense = self._store.search(self._query_vector(question), fetch, where)
        sparse = [(i, s) for i, s in self._bm25.search(question, fetch * 2)
                  if not doc_ids or self._chunks[i].meta.get("doc_id") in doc_ids][:fetch]
        fused = reciprocal_rank_fusion([[h.id for h in dense], [i for i, _ in sparse]])
        if len(sparse) > 1 and sparse[0][1] >= _BM25_STANDOUT * sparse[1][1] and \
                sparse[0][0] not in [cid for cid, _ in fused[:k]]:
            # The question's rare words occur in one chunk only ("…负责解释"): RRF would bury a
            # chunk the embedding missed, however far ahead BM25 puts it. Keep it among the best.
            standout = next(x for x in fused if x[0] == sparse[0][0])
            fused = [x for x in fused if x[0] != standout[0]]
            fused.insert(min(2, k - 1), standout)
        dense_by_id = {h.id: h.score for h in dense}
        sparse_by_id = dict(sparse)
        hits = []
        for cid, score in fused[:k]:
            h = self._chunks[cid]
            clause = self.clauses.get(h.meta.get("clause_id", ""))
            if clause is None:
                continue
            hits.append(Hit(cid, h.text, clause, self._docs_by_id[clause.doc_id], score,
                            dense_by_id.get(cid, 0.0), sparse_by_id.get(cid, 0.0)))
        return hits

    def _query_vector(self, question: str) -> list[float]:
        """Query embeddings are the main cost of a question; follow-ups and repeated questions
        (a web page reloaded, a batch with duplicates) reuse them."""
        cached = self._vectors.get(question)
        if cached is None:
            cached = self._emb.embed_query(question)
            if len(self._vectors) >= 1024:
                self._vectors.pop(next(iter(self._vectors)))
            self._vectors[question] = cached
        return cached

    def dense_similarity(self, question: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of the question to arbitrary texts (used to rank sentences)."""
        import numpy as np

        q = np.asarray(self._emb.embed_query(question))
        m = np.asarray(self._emb.embed_documents(list(texts)))
        return (m @ q).tolist()


_BM25_STANDOUT = 2.0  # BM25 top score ÷ runner-up above which the top chunk always stays in


def _bm25_text(h: VectorHit) -> str:
    return f"{h.meta.get('path', '')}\n{h.text}"


def __getattr__(name: str) -> Any:
    # The langchain retriever lives apart: langchain_core.retrievers costs ~0.6 s of imports that
    # a question asked from the command line does not need.
    if name == "HybridRetriever":
        from vectorstore.retriever import HybridRetriever

        return HybridRetriever
    raise AttributeError(name)
