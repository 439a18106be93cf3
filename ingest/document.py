"""LoadedText → Document: metadata, clause tree and per-clause facts."""

from __future__ import annotations

from dataclasses import replace

from ingest.errors import stage
from ingest.facts import extract_facts
from ingest.metadata import extract_metadata
from ingest.structure import parse_structure
from ingest.types import Clause, ClauseKind, Document, LoadedText, content_hash

# Bump when parsing or fact extraction changes: an index built by an older parser is then
# re-parsed on the next ingest even though the file itself did not change.
PARSER_VERSION = "16"

# Units whose facts mean nothing for "who is responsible" (the notice names its issuers).
_NO_FACTS = (ClauseKind.SIGNATURE, ClauseKind.TRAILER, ClauseKind.NOTICE)


def parse_document(loaded: LoadedText) -> Document:
    """Parse a loaded file into a Document with its clause tree and facts.

    :raises StageError: when a stage fails unexpectedly on this file (its Chinese message names the stage).
    """
    doc_id = content_hash(loaded.text)
    # Each stage names itself in the error a user sees when it fails on this file.
    with stage("parse", loaded.source):
        clauses = parse_structure(loaded.text, doc_id)
    with stage("facts", loaded.source):
        with_facts = tuple(
            c if c.kind in _NO_FACTS else replace(c, facts=extract_facts(own_text(loaded.text, c, clauses)))
            for c in clauses)
    with stage("meta", loaded.source):
        meta = extract_metadata(loaded.text)
    return Document(id=doc_id, source=loaded.source, text=loaded.text, meta=meta, clauses=with_facts,
                    format=loaded.format)


def own_spans(clause: Clause, clauses: tuple[Clause, ...]) -> list[tuple[int, int]]:
    """Spans of ``clause`` not covered by its children (its heading and lead-in text)."""
    spans, pos = [], clause.start
    for child in sorted((c for c in clauses if c.parent_id == clause.id), key=lambda c: c.start):
        if child.start > pos:
            spans.append((pos, child.start))
        pos = max(pos, child.end)
    if pos < clause.end:
        spans.append((pos, clause.end))
    return spans


def own_text(text: str, clause: Clause, clauses: tuple[Clause, ...]) -> str:
    """The clause's own text (children removed), pieces joined by newlines."""
    return "\n".join(text[s:e].strip() for s, e in own_spans(clause, clauses) if text[s:e].strip())
