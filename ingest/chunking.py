"""Document → chunks that never cross a clause boundary.

A clause that fits in ``max_chars`` becomes one chunk (with its items); a longer one yields
its own text (split at sentence ends) and then recurses into its children. Each chunk keeps
the breadcrumb, so a short clause is still retrievable by its section's words.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.departments import canonical
from ingest.document import own_spans
from ingest.types import Chunk, Clause, Document, content_hash

DEFAULT_MAX_CHARS = 500
_SENTENCE_RE = re.compile(r"[^。;；!！?？\n]*(?:[。;；!！?？]|\n|$)")


def chunk_document(doc: Document, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """Chunks for every top-level clause of ``doc``, in document order.

    :param max_chars: longest chunk; a single sentence longer than this stays whole.
    :raises ValueError: if ``max_chars`` is not positive.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    out: list[Chunk] = []
    for clause in (c for c in doc.clauses if c.parent_id is None):
        _chunk_clause(doc, clause, max_chars, out)
    return _unique_ids(out)


def _unique_ids(chunks: list[Chunk]) -> list[Chunk]:
    """Ids hash (source, breadcrumb, text) so an edited document keeps the ids, and the
    embeddings, of its unchanged chunks; a repeated identical chunk gets a suffix."""
    seen: dict[str, int] = {}
    out = []
    for c in chunks:
        n = seen.get(c.id, 0)
        seen[c.id] = n + 1
        out.append(c if n == 0 else replace(c, id=f"{c.id}-{n}"))
    return out


def _chunk_clause(doc: Document, clause: Clause, max_chars: int, out: list[Chunk]) -> None:
    if len(clause.text) <= max_chars:
        out.append(_make_chunk(doc, clause, clause.start, clause.end))
        return
    for start, end in own_spans(clause, doc.clauses):
        for s, e in _pack_sentences(doc.text, start, end, max_chars):
            out.append(_make_chunk(doc, clause, s, e))
    for child in doc.children(clause.id):
        _chunk_clause(doc, child, max_chars, out)


def _pack_sentences(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Group consecutive sentences of text[start:end] into spans of at most ``max_chars``."""
    spans: list[tuple[int, int]] = []
    cur_s = cur_e = None
    for s, e in _sentence_spans(text, start, end, max_chars):
        if cur_s is not None and e - cur_s > max_chars:
            spans.append((cur_s, cur_e))
            cur_s = None
        cur_s = s if cur_s is None else cur_s
        cur_e = e
    if cur_s is not None:
        spans.append((cur_s, cur_e))
    return spans


def _sentence_spans(text: str, start: int, end: int, max_chars: int):
    """Sentence spans, with a sentence longer than ``max_chars`` (a table, or text without
    punctuation) cut into ``max_chars`` pieces so no chunk grows without bound."""
    for m in _SENTENCE_RE.finditer(text, start, end):
        s, e = _strip_span(text, m.start(), m.end())
        while e - s > max_chars:
            yield s, s + max_chars
            s += max_chars
        if s < e:
            yield s, e


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _make_chunk(doc: Document, clause: Clause, start: int, end: int) -> Chunk:
    text = doc.text[start:end]
    facts = clause.facts
    meta = {
        "doc_id": doc.id,
        "source": doc.source,
        "title": doc.title,
        "clause_id": clause.id,
        "kind": clause.kind.value,
        "label": clause.label,
        "unit": clause.unit,
        "path": " › ".join(clause.path),
        "departments": "|".join(sorted({canonical(d.name) for d in facts.departments})),
        "has_target": bool(facts.targets),
        "has_incentive": bool(facts.incentives),
        "start": start,
        "end": end,
    }
    return Chunk(id=content_hash(f"{doc.source}\n{' › '.join(clause.path)}\n{text}"), doc_id=doc.id, clause_id=clause.id,
                 text=text, start=start, end=end, path=clause.path, meta=meta)
