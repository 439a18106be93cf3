"""Compose a short answer from verbatim pieces of the evidence.

The answer is the chosen sentences themselves, in document order, each cut to the comma-separated
window that holds what its part asks for; the quotes are exactly those pieces. Nothing is
paraphrased, so every number and department in the answer stands in a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.evidence import Evidence, Scorer, Sentence
from app.answering.query import FACET_EVIDENCE

CONCISE = 150  # a direct answer (who, how much, when) fits in this many characters
_SEGMENT_RE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


@dataclass(frozen=True, slots=True)
class Piece:
    sentence: Sentence
    text: str  # a verbatim substring of sentence.text
    start: int  # its offset in the document text


def compose(evidence: Evidence, scorer: Scorer) -> tuple[str, tuple[Piece, ...]]:
    pieces = tuple(_trim(s, evidence, scorer) for s in evidence.sentences)
    pieces = tuple(p for i, p in enumerate(pieces) if not any(p.text in q.text for q in pieces[:i]))
    return "".join(_joined(p.text) for p in pieces).strip(), pieces


def _joined(text: str) -> str:
    return text if re.search(r"[。！？!?；;:：]$", text) else text + "。"


def _trim(sentence: Sentence, evidence: Evidence, scorer: Scorer) -> Piece:
    """The whole sentence when short; else the window of segments that best covers the
    question and shows the asked facets, within CONCISE characters."""
    text = sentence.text
    if len(text) <= CONCISE:
        return Piece(sentence, text, sentence.start)
    segs = [(m.start(), m.end()) for m in _SEGMENT_RE.finditer(text)]
    if len(segs) < 2:
        return Piece(sentence, text, sentence.start)
    facets = evidence.question.facets
    best, best_value = (0, len(text)), -1.0
    for i in range(len(segs)):
        for j in range(i, len(segs)):
            a, b = segs[i][0], segs[j][1]
            if b - a > CONCISE and j > i:
                break
            window = text[a:b]
            shown = sum(1 for f in facets if FACET_EVIDENCE[f].search(window))
            value = scorer.coverage(scorer.words, window) + 0.3 * shown - 0.0005 * (b - a)
            if value > best_value:
                best, best_value = (a, b), value
    a, b = best
    piece = text[a:b].strip()
    offset = text.find(piece, a)
    return Piece(sentence, piece, sentence.start + offset)
