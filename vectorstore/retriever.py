"""The knowledge base as a langchain retriever, for chains and the generative mode.

Kept out of ``vectorstore.hybrid``: importing langchain's retriever machinery (callbacks, tracers,
runnables) costs more than answering a question, so only code that uses it pays for it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from vectorstore.embeddings import as_langchain

as_langchain()


class HybridRetriever(BaseRetriever):
    """The knowledge base as a langchain retriever (for chains and the generative mode)."""

    kb: Any
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [LCDocument(page_content=h.text, id=h.chunk_id,
                           metadata={"doc": h.doc.source, "title": h.doc.title, "unit": h.clause.unit,
                                     "path": list(h.clause.path), "score": h.score, "clause_id": h.clause.id})
                for h in self.kb.search(query, self.k)]
