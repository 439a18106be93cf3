"""What a user would otherwise build: three retrieval-only baselines over the same documents.

- ``langchain``: the common LangChain recipe — ``RecursiveCharacterTextSplitter`` (500 chars,
  overlap 50), the same embeddings as ours in an in-memory vector store (numpy cosine),
  answer = the best chunk.
- ``chatchat``: Langchain-Chatchat's knowledge-base defaults — Chinese recursive splitting into
  chunks of 750 with overlap 150, ``EnsembleRetriever`` over ``BM25Retriever`` (tokenised with
  ``jieba.lcut_for_search``) and the vector retriever, weights 0.5/0.5, top 3 into the answer.
- ``bm25``: the 500/50 chunks with ``BM25Retriever`` (jieba) alone, answer = the best chunk.

Baselines have no answerer: the answer is the text of the chunk(s) they would hand to an LLM,
the citations are those chunks, and they never refuse. Each builds its own index, in memory.

    >>> system = build_baseline("bm25", [("a.txt", "……")], embeddings)
    >>> system.respond("DCMM贯标由哪些部门负责?").answer
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_text_splitters import RecursiveCharacterTextSplitter

RANK_DEPTH = 10  # chunks kept for hit@k and MRR (MRR@10), the same for every system

# Langchain-Chatchat ChineseRecursiveTextSplitter separators (regexes), kept at the end of a piece.
_CHINESE_SEPARATORS = ["\n\n", "\n", r"。|！|？", r"\.\s|\!\s|\?\s", r"；|;\s", r"，|,\s"]


@dataclass(frozen=True, slots=True)
class Piece:
    """A retrieved or cited piece of a document, with its place in the document text."""

    doc: str  # source file name
    text: str
    start: int = -1  # offset in the document text, -1 when unknown
    clause_id: str | None = None  # our index only: the clause the chunk belongs to


@dataclass(frozen=True, slots=True)
class Response:
    """One system's reply to one question, in the shape the metrics need."""

    answer: str
    refused: bool
    citations: tuple[Piece, ...]
    retrieved: tuple[Piece, ...]  # ranked, best first, at most RANK_DEPTH
    latency_ms: float


class Baseline:
    """A retriever whose top ``answer_k`` chunks are the answer."""

    def __init__(self, name: str, retriever: BaseRetriever, answer_k: int) -> None:
        self.name = name
        self._retriever = retriever
        self._answer_k = answer_k

    def respond(self, question: str) -> Response:
        t0 = time.perf_counter()
        docs = self._retriever.invoke(question)[:RANK_DEPTH]
        elapsed = (time.perf_counter() - t0) * 1000
        pieces = tuple(Piece(d.metadata["source"], d.page_content, d.metadata.get("start_index", -1)) for d in docs)
        best = pieces[: self._answer_k]
        return Response("\n".join(p.text for p in best), False, best, pieces, elapsed)


def split_documents(docs: Sequence[tuple[str, str]], chunk_size: int, overlap: int,
                    chinese: bool = False) -> list[LCDocument]:
    """Chunks with ``source`` and ``start_index`` metadata (offset in the document text)."""
    if chinese:
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap,
                                                  separators=_CHINESE_SEPARATORS, is_separator_regex=True,
                                                  keep_separator="end", add_start_index=True)
    else:
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True)
    chunks = splitter.create_documents([text for _, text in docs], metadatas=[{"source": s} for s, _ in docs])
    for i, c in enumerate(chunks):
        c.metadata["chunk_id"] = f"{c.metadata['source']}#{i}"
    return chunks


def _vector(chunks: list[LCDocument], embeddings: Embeddings, k: int) -> BaseRetriever:
    store = InMemoryVectorStore(embeddings)
    store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
    return store.as_retriever(search_kwargs={"k": k})


def _bm25(chunks: list[LCDocument], k: int) -> BaseRetriever:
    import jieba
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's sunset notice
        from langchain_community.retrievers import BM25Retriever

    jieba.setLogLevel(60)
    return BM25Retriever.from_documents(chunks, preprocess_func=jieba.lcut_for_search, k=k)


def _langchain(docs: Sequence[tuple[str, str]], embeddings: Embeddings) -> Baseline:
    return Baseline("langchain", _vector(split_documents(docs, 500, 50), embeddings, RANK_DEPTH), answer_k=1)


def _chatchat(docs: Sequence[tuple[str, str]], embeddings: Embeddings) -> Baseline:
    from langchain_classic.retrievers import EnsembleRetriever

    chunks = split_documents(docs, 750, 150, chinese=True)
    ensemble = EnsembleRetriever(retrievers=[_bm25(chunks, RANK_DEPTH), _vector(chunks, embeddings, RANK_DEPTH)],
                                 weights=[0.5, 0.5], id_key="chunk_id")
    return Baseline("chatchat", ensemble, answer_k=3)


def _bm25_only(docs: Sequence[tuple[str, str]], embeddings: Embeddings) -> Baseline:
    return Baseline("bm25", _bm25(split_documents(docs, 500, 50), RANK_DEPTH), answer_k=1)


BASELINES: dict[str, Callable[[Sequence[tuple[str, str]], Embeddings], Baseline]] = {
    "langchain": _langchain,
    "chatchat": _chatchat,
    "bm25": _bm25_only,
}


def build_baseline(name: str, docs: Sequence[tuple[str, str]], embeddings: Embeddings) -> Baseline:
    """Index ``docs`` — (source name, text as loaded) pairs — for the baseline ``name``.

    :raises ValueError: for an unknown name.
    """
    try:
        factory = BASELINES[name]
    except KeyError:
        raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}") from None
    if not docs:
        raise ValueError("no documents to index")
    return factory(docs, embeddings)
