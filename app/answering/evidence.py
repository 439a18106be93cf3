"""Select evidence: the fewest sentences of the retrieved clauses that answer every part.

Each sentence is scored against each part with general features, no document's words:

- ``cover``: how much of the question's content the sentence holds, each word weighted by its
  rarity among the document's sentences (a BM25-style idf), parts of long words counting partly;
- ``part``: the same for the part's own words;
- ``context``: the question's words in the clause's headings (the section a sentence sits in);
- ``facet``: whether the sentence shows what the part asks for (an amount with its unit for
  多少钱, a department for 谁, a date for 何时, a list for 哪些);
- ``rank``: how high retrieval put the sentence's clause.

The weights (``WEIGHTS``) were fitted by a grid search on the development documents
(``eval/gold/real-dev.real.json``) and checked on the project's own gold sets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.answering.query import DEPARTMENT_NAME, FACET_EVIDENCE, STRICT, Part, Question, lexicon
from ingest.types import Clause, Document

WEIGHTS = {"cover": 1.2, "part": 1.2, "context": 0.35, "facet": 0.55, "rank": 0.25, "short": 0.4, "question": 0.0,
           "near": 0.3}
SOFT_FACETS = frozenset({"condition", "list", "where"})  # shown by many sentences: half weight
_SENTENCE_END_RE = re.compile(r"(?<=[。！？!?；;])|\n")
# A line break ends a sentence only after closing punctuation, before a numbered heading, or
# around a table row: PDF-derived and hand-wrapped text breaks lines inside sentences.
_CLOSED_RE = re.compile(r"[。！？!?；;：:」”）)】>|]\s*$|^\s*$")
_OPENS_RE = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节条部]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|"
                       r"\d+[.．、](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩]|#|[-*+] |\|)")
# A sentence that opens a list: ends with a colon (whatever invisible marks follow it), or
# announces one ("应具备以下主要条款：1.…").
_LEAD_IN_RE = re.compile(r"[:：][^\w\u4e00-\u9fff]*$|(?:以下|下列|如下|包括)[^。；;]{0,12}[:：]")
MAX_SENTENCE = 480  # longer "sentences" (run-on web text, tables) are cut at commas


@dataclass(frozen=True, slots=True)
class Sentence:
    """A verbatim piece of a clause: ``doc.text[start:end] == text``."""

    clause: Clause
    start: int
    end: int
    text: str
    order: int  # position in its clause


@dataclass(frozen=True, slots=True)
class Scored:
    sentence: Sentence
    score: float
    cover: float  # share of the question's weighted content in the sentence (0–1)
    facets: frozenset[str]  # the part's facets the sentence shows


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the answer may say: per part its best sentence, plus the chosen sentences in
    document order (each a verbatim quote)."""

    question: Question
    best: tuple[Scored | None, ...]  # per part
    sentences: tuple[Sentence, ...]  # the chosen ones, deduplicated, in document order
    top_cover: float  # best coverage of the question by any candidate
    missing: tuple[tuple[Part, str], ...]  # parts whose strict facet no good sentence shows


def sentences_of(doc: Document, clause: Clause) -> list[Sentence]:
    return list(_sentences(doc.text, clause))


@lru_cache(maxsize=4096)
def _sentences(text: str, clause: Clause) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    body = text[clause.start:clause.end]
    for start, end in _spans(body):
        piece = body[start:end]
        for a, b in _cut_long(piece):
            s = piece[a:b]
            lead = len(s) - len(s.lstrip())
            s = s.strip()
            if len(s) >= 2 and re.search(r"[\w\u4e00-\u9fff]", s):
                abs_start = clause.start + start + a + lead
                out.append(Sentence(clause, abs_start, abs_start + len(s), s, len(out)))
    return tuple(out)


def _spans(body: str) -> list[tuple[int, int]]:
    """Sentence spans: ends at 。！？；, and at a line break that closes a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    lines = body.split("\n")
    pos = 0
    for i, line in enumerate(lines):
        line_start, pos = pos, pos + len(line) + 1
        for m in re.finditer(r"[。！？!?；;]", line):
            cut = line_start + m.end()
            spans.append((start, cut))
            start = cut
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _CLOSED_RE.search(line) or _OPENS_RE.match(nxt) or "|" in line or not nxt.strip():
            end = min(pos - 1, len(body))
            if end > start:
                spans.append((start, end))
            start = min(pos, len(body))
    if start < len(body):
        spans.append((start, len(body)))
    return spans


def _cut_long(piece: str) -> list[tuple[int, int]]:
    if len(piece) <= MAX_SENTENCE:
        return [(0, len(piece))]
    spans, start = [], 0
    for m in re.finditer(r"[，,、]", piece):
        if m.end() - start >= MAX_SENTENCE * 0.6:
            spans.append((start, m.end()))
            start = m.end()
    spans.append((start, len(piece)))
    # A line with no comma at all (a run-together page) is cut at fixed widths.
    return [(a + k, min(b, a + k + MAX_SENTENCE)) for a, b in spans for k in range(0, b - a, MAX_SENTENCE)]


class Scorer:
    """Scores sentences for one question; word weights come from the documents' sentences."""

    def __init__(self, question: Question, tokenize: Callable[[str], list[str]], docs: Sequence[Document],
                 context: str = "") -> None:
        self.q = question
        self._tokenize = tokenize
        self._sentences = [s.text for d in docs for c in _tops(d) for s in _sentences(d.text, c)]
        self._n = max(len(self._sentences), 1)
        self._idf: dict[str, float] = {}
        # A follow-up ("那它的目标呢?") is about what the previous question named.
        self.words = self._weights(f"{context} {question.text}" if context else question.text)
        self.part_words = [self._weights(p.text) for p in question.parts]

    def _weights(self, text: str) -> dict[str, float]:
        skip = _question_words()
        words = {t for t in self._tokenize(text) if (len(t) > 1 or t.isdigit()) and t not in skip}
        return {w: self._idf_of(w) for w in words}

    def _idf_of(self, word: str) -> float:
        if word not in self._idf:
            df = sum(1 for s in self._sentences if _present(word, s) >= 1.0)
            self._idf[word] = math.log((self._n + 1) / (df + 0.5))
        return self._idf[word]

    def coverage(self, words: dict[str, float], text: str) -> float:
        total = sum(words.values())
        if total <= 0:
            return 0.0
        return sum(w * _present(t, text) for t, w in words.items()) / total

    def score(self, sentence: Sentence, part_index: int, rank: int) -> Scored:
        part = self.q.parts[part_index]
        cover = self.coverage(self.words, sentence.text)
        own = self.coverage(self.part_words[part_index], sentence.text) if self.part_words[part_index] else cover
        context = self.coverage(self.words, " ".join(sentence.clause.path) + " " + sentence.clause.title)
        shown = frozenset(f for f in part.facets if part.shows(f, sentence.text))
        if part.facets:
            weight = {f: 0.5 if f in SOFT_FACETS else 1.0 for f in part.facets}
            # A value counts fully when a word of the question stands beside it ("…的12%给予补助"
            # for 补助比例, not "覆盖率达到70%"): the figure is the asked thing's.
            facet = sum(weight[f] * (1.0 if f in SOFT_FACETS or self._beside(part, f, sentence.text) else 0.6)
                        for f in shown) / sum(weight.values())
        else:
            facet = 0.0
        w = WEIGHTS
        # A question in the text (an FAQ's "能领失业金吗？") is no answer; the answer follows it.
        asks = sentence.text.endswith(("？", "?"))
        value = (w["cover"] * cover + w["part"] * own + w["context"] * context + w["facet"] * facet
                 + w["rank"] / (1 + rank) - (w["short"] if len(sentence.text) < 8 else 0.0)
                 - (w["question"] if asks else 0.0))
        return Scored(sentence, value, max(cover, own), shown)


    def _beside(self, part: Part, facet: str, text: str) -> bool:
        words = self.part_words[self.q.parts.index(part)] or self.words
        for seg in re.split(r"[，,；;。]", text):
            if part.shows(facet, seg) and any(_present(w, seg) >= 1.0 for w in words):
                return True
        return False


def _tops(doc: Document) -> list[Clause]:
    """Clauses whose sentences together cover the document once (the top-level ones)."""
    return [c for c in doc.clauses if c.parent_id is None]


@lru_cache(maxsize=1)
def _question_words() -> frozenset[str]:
    return frozenset(lexicon()["question_words"])


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    return {k: tuple(s.lower() for s in v) for k, v in lexicon()["synonyms"].items()}


@lru_cache(maxsize=65536)
def _present(word: str, text: str) -> float:
    """1 when the text holds the word (or a synonym); for a long Chinese word, the share of its
    character pairs the text holds, discounted (失业金 ~ 失业保险金)."""
    low = text.lower()
    if word in low or any(s in low for s in _synonyms().get(word, ())):
        return 1.0
    if len(word) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", word):
        if re.search("[\u4e00-\u9fff]{0,2}".join(word), low):
            return 0.9  # a shortened form: 质保金 ~ 质量保证金 (its characters in order)
        pairs = [word[i:i + 2] for i in range(len(word) - 1)]
        return 0.6 * sum(p in low for p in pairs) / len(pairs)
    return 0.0


def select(question: Question, candidates: Sequence[tuple[Sentence, int]], scorer: Scorer,
           siblings: Callable[[Clause], Sequence[Sentence]], ancestors: Callable[[Clause], Sequence[Clause]] = lambda c: ()
           ) -> Evidence:
    """The best sentence per part, and its neighbours where the part needs them: the next
    sentence when the best one lacks the asked value or is itself a question, the items after a
    lead-in ("下列材料：") or a heading, the duty line of the measure for "谁负责"."""
    best: list[Scored | None] = []
    chosen: dict[tuple[str, int], Sentence] = {}
    missing: list[tuple[Part, str]] = []
    top_cover = 0.0
    for i, part in enumerate(question.parts):
        ranked = sorted((_near(scorer.score(s, i, r), chosen) for s, r in candidates), key=lambda x: x.score,
                        reverse=True)
        if not ranked:
            best.append(None)
            continue
        top_cover = max(top_cover, max(x.cover for x in ranked[:8]))
        pick = ranked[0]
        strict = part.facets & STRICT
        if strict and not (pick.facets & strict):
            # Asked for a value (an amount, a date, a 文号): the best sentence that shows one,
            # unless it is far behind on everything else.
            margin = float("inf") if strict & {"docno", "contact"} else FACET_MARGIN
            pick = next((x for x in ranked[1:12] if x.facets & strict and x.score >= pick.score - margin), pick)
        if (pick.sentence.clause.doc_id, pick.sentence.start) in chosen and strict and not (pick.facets & strict):
            # A second part answered by the first part's sentence only when nothing else shows
            # what it asks ("施行日期?有效期至?" are often two sentences).
            other = next((x for x in ranked[1:6] if x.facets & strict and x.score >= pick.score - SECOND_MARGIN
                          and (x.sentence.clause.doc_id, x.sentence.start) not in chosen), None)
            pick = other or pick
        best.append(pick)
        for s in _with_neighbours(pick, part, siblings(pick.sentence.clause)):
            chosen[(s.clause.doc_id, s.start)] = s
        if "department" in part.facets and not _DEPARTMENT_RE.search(pick.sentence.text):
            for s in _duty_lines(pick.sentence.clause, ancestors):
                chosen[(s.clause.doc_id, s.start)] = s
        have = set(pick.facets) | {f for s in chosen.values() for f in strict if part.shows(f, s.text)}
        if strict and not (strict & have):
            missing.append((part, sorted(strict)[0]))
    ordered = tuple(sorted(chosen.values(), key=lambda s: (s.clause.doc_id, s.start)))
    return Evidence(question, tuple(best), ordered, top_cover, tuple(missing))


SECOND_MARGIN = 0.35
FACET_MARGIN = 0.2  # fitted on real-dev (0.2–0.5 tried)


def _near(x: Scored, chosen: dict[tuple[str, int], Sentence]) -> Scored:
    """A later part is often answered right after an earlier part's sentence ("…给予贷款贴息。
    贴息贷款最高不超过200万元，贴息期限不超过2年")."""
    s = x.sentence
    if any(c.clause.doc_id == s.clause.doc_id and 0 <= s.start - c.end <= 2 for c in chosen.values()):
        return Scored(s, x.score + WEIGHTS["near"], x.cover, x.facets)
    return x
_DEPARTMENT_RE = re.compile(DEPARTMENT_NAME)


def _duty_lines(clause: Clause, ancestors: Callable[[Clause], Sequence[Clause]]) -> list[Sentence]:
    """The verbatim duty phrase ("责任单位：…", "(…牵头)") of the sentence's measure or the
    nearest enclosing one: a measure's duty line closes it."""
    for c in (clause, *ancestors(clause)):
        phrase = c.facts.department_text
        if not phrase:
            continue
        out = []
        for line in (x for x in phrase.split("\n") if x):
            pos = c.text.find(line)
            if pos >= 0:
                out.append(Sentence(c, c.start + pos, c.start + pos + len(line), line, -1))
        return out
    return []


def _with_neighbours(pick: Scored, part: Part, siblings: Sequence[Sentence]) -> list[Sentence]:
    s = pick.sentence
    out = [s]
    after = [x for x in siblings if x.start >= s.end][:12]
    heading = len(s.text) <= 24 and not re.search(r"[，,；;]", s.text) and "list" in part.facets
    if (_LEAD_IN_RE.search(s.text) or heading or s.text.endswith(("？", "?"))) and after:
        budget = LIST_BUDGET if not s.text.endswith(("？", "?")) else LIST_BUDGET // 2
        for x in after:
            if budget <= 0:
                break
            out.append(x)
            budget -= len(x.text)
        return out
    strict = part.facets & STRICT
    if strict and not (strict & pick.facets) and after:
        nxt = after[0]
        if any(part.shows(f, nxt.text) for f in strict):
            out.append(nxt)
    return out


LIST_BUDGET = 360  # characters of items shown after a lead-in or heading
