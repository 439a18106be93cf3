"""Parsed documents (text, metadata, clause tree, facts), stored in a Chroma collection
beside the chunk vectors, so an embedded index and a Chroma server hold everything the
assistant needs and several app processes can share one server.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ingest.types import Clause, ClauseFacts, ClauseKind, Department, Document, DocumentMeta, Incentive, Target


class NoEmbedding:
    """Embedding function for the documents collection: it is never searched by vector."""

    def __call__(self, input: list[str]) -> Any:  # noqa: A002
        return [[1.0] for _ in input]

    @staticmethod
    def name() -> str:
        return "policyqa-none"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "NoEmbedding":
        return NoEmbedding()

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


class DocCollection:
    """Documents as JSON in a Chroma collection, one record per document id."""

    def __init__(self, client: Any, name: str) -> None:
        self._col = client.get_or_create_collection(name=name, embedding_function=NoEmbedding())

    def put(self, doc: Document, parser_version: str = "", vectors: str = "") -> None:
        """Store ``doc``; ``vectors`` names the embedding model its chunks were embedded with."""
        self.put_many([doc], parser_version, vectors)

    def put_many(self, docs: list[Document], parser_version: str = "", vectors: str = "") -> None:
        """Store several documents in one write (each Chroma write costs ~75 ms however small)."""
        if docs:
            self._col.upsert(ids=[d.id for d in docs], documents=[document_to_json(d) for d in docs],
                             embeddings=[[1.0]] * len(docs),
                             metadatas=[{"source": d.source, "title": d.title, "parser": parser_version,
                                         "vectors": vectors} for d in docs])

    def vector_models(self) -> set[str]:
        """The embedding models the stored documents' chunks were embedded with."""
        got = self._col.get(include=["metadatas"])
        return {m.get("vectors", "") for m in got["metadatas"] if m.get("vectors")}

    def record(self, doc_id: str) -> dict[str, Any] | None:
        """A document's stored record (its JSON and metadata), for putting back with :meth:`put_record`."""
        got = self._col.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return {"id": doc_id, "json": got["documents"][0], "meta": dict(got["metadatas"][0])}

    def put_record(self, record: dict[str, Any]) -> None:
        self._col.upsert(ids=[record["id"]], documents=[record["json"]], embeddings=[[1.0]],
                         metadatas=[record["meta"]])

    def delete(self, doc_id: str) -> None:
        self._col.delete(ids=[doc_id])

    def all(self) -> list[Document]:
        got = self._col.get(include=["documents"])
        return sorted((document_from_json(j) for j in got["documents"]), key=lambda d: d.source)

    def sources(self) -> dict[str, str]:
        """source file name → document id."""
        return {src: doc_id for src, (doc_id, _) in self.versions().items()}

    def versions(self) -> dict[str, tuple[str, str]]:
        """source file name → (document id, parser version that produced it)."""
        got = self._col.get(include=["metadatas"])
        return {m["source"]: (i, m.get("parser", "")) for i, m in zip(got["ids"], got["metadatas"])}


def document_to_json(doc: Document) -> str:
    return json.dumps(asdict(doc), ensure_ascii=False)


def document_from_json(text: str) -> Document:
    return _from_dict(json.loads(text))


def _from_dict(d: dict[str, Any]) -> Document:
    meta = DocumentMeta(**{**d["meta"], "issuers": tuple(d["meta"].get("issuers", ()))})
    clauses = tuple(_clause(c) for c in d["clauses"])
    return Document(id=d["id"], source=d["source"], text=d["text"], meta=meta, clauses=clauses,
                    format=d.get("format", "txt"))


def _clause(c: dict[str, Any]) -> Clause:
    f = c.get("facts") or {}
    facts = ClauseFacts(
        departments=tuple(Department(**x) for x in f.get("departments", ())),
        department_text=f.get("department_text", ""),
        targets=tuple(Target(**x) for x in f.get("targets", ())),
        incentives=tuple(Incentive(**x) for x in f.get("incentives", ())),
    )
    return Clause(id=c["id"], doc_id=c["doc_id"], kind=ClauseKind(c["kind"]), label=c["label"],
                  number=c["number"], title=c["title"], text=c["text"], start=c["start"], end=c["end"],
                  level=c["level"], parent_id=c["parent_id"], path=tuple(c["path"]), facts=facts)
