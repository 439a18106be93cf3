"""Compose a short answer from verbatim pieces of the evidence.

The answer is the chosen sentences themselves, in document order, each cut to the comma-separated
window that holds what its part asks for; the quotes are exactly those pieces. Nothing is
paraphrased, so every number and department in the answer stands in a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.evidence import Evidence, Scorer, Sentence
from app.answering.query import FACET_EVIDENCE, STRICT

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
    text = re.sub(r"[，,、]+$", "", text)  # a window cut after a comma reads as a sentence
    return text if re.search(r"[。！？!?；;:：]$", text) else text + "。"


def _trim(sentence: Sentence, evidence: Evidence, scorer: Scorer) -> Piece:
    """The whole sentence when short and about one figure; else the window of segments that best
    covers the question and shows the asked facets, within CONCISE characters ("电信业务收入增长
    多少?" keeps "电信业务收入增幅超过7%", not the 20% of 电信业务总量 before it)."""
    text = sentence.text
    segs = _segments(text)
    facets = [f for f in evidence.question.facets if f in STRICT]
    valued = [any(FACET_EVIDENCE[f].search(text[a:b]) for f in facets) for a, b in segs]
    several = len(evidence.question.parts) > 1
    if len(segs) < 2 or (len(text) <= CONCISE and (sum(valued) < 2 or several)):
        return Piece(sentence, text, sentence.start)
    best, best_value = (0, len(text)), -1e9
    for i in range(len(segs)):
        for j in range(i, len(segs)):
            a, b = segs[i][0], segs[j][1]
            if b - a > CONCISE and j > i:
                break
            window = text[a:b]
            shown = sum(1 for f in evidence.question.facets if FACET_EVIDENCE[f].search(window))
            # Figures beyond one per part cost a window; a question of several parts wants them all.
            extra = max(0, sum(valued[i:j + 1]) - 1) if len(evidence.question.parts) == 1 else 0
            value = (scorer.coverage(scorer.words, window) + 0.3 * min(shown, 1) - EXTRA_VALUE * extra
                     - 0.0005 * (b - a))
            if value > best_value:
                best, best_value = (a, b), value
    a, b = best
    piece = text[a:b].strip()
    offset = text.find(piece, a)
    return Piece(sentence, piece, sentence.start + offset)


def _segments(text: str) -> list[tuple[int, int]]:
    """Comma-separated segments; a condition ("对…的，", "凡…的，") stays with the segment it
    conditions, so a window never shows whom a benefit is for without the benefit."""
    segs: list[tuple[int, int]] = []
    hold = None
    for m in _SEGMENT_RE.finditer(text):
        a, b = (hold, m.end()) if hold is not None else (m.start(), m.end())
        seg = text[m.start():m.end()]
        if _CONDITION_SEGMENT_RE.search(seg) and m.end() < len(text):
            hold = a
            continue
        hold = None
        if segs and _CAP_SEGMENT_RE.search(seg):
            segs[-1] = (segs[-1][0], b)  # "…补助80%，人均补助不超过100元": the cap goes with its amount
            continue
        segs.append((a, b))
    if hold is not None:
        segs.append((hold, len(text)))
    return segs


_CAP_SEGMENT_RE = re.compile(r"^(?:最高|最多|单个|单项|每家|每个|每人|每户|人均|累计|年度|每年)?[^，,；;]{0,10}"
                             r"(?:不超过|不高于|最高|封顶|上限)")
_CONDITION_SEGMENT_RE = re.compile(r"^(?:对|凡|经|符合|属于)[^，,；;]*[，,]$|的[，,]$")
EXTRA_VALUE = 0.12  # a figure the question does not ask about costs a window this much
