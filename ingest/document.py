"""LoadedText → Document: metadata, clause tree and per-clause facts."""

from __future__ import annotations

from dataclasses import replace

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
    """Parse a loaded file into a Document with its clause tree and facts."""
    doc_id = content_hash(loaded.text)
    clauses = parse_structure(loaded.text, doc_id)
    with_facts = tuple(
        c if c.kind in _NO_FACTS else replace(c, facts=extract_facts(own_text(loaded.text, c, clauses)))
        for c in clauses)
    return Document(id=doc_id, source=loaded.source, text=loaded.text,
                    meta=extract_metadata(loaded.text), clauses=with_facts, format=loaded.format)


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
