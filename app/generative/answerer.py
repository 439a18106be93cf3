"""Generative answers: an LLM writes a short answer from numbered clauses; the guard checks it.

    >>> gen = GenerativeAnswerer(settings, kb)
    >>> result = gen.answer("DCMM贯标由哪些部门负责?", clauses)
    >>> result.text if result else "fall back to the extractive answer"
    '由省工业和信息化厅、省大数据局按分工负责[1]。'

A draft that fails the guard gets one retry with the violations named; a second failure
returns None, and the caller serves the extractive answer. The reason is logged either way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.compose import Draft, Quote, clause_ref
from app.config import Settings
from app.generative import guard
from app.generative.llm import Completion, LLMUnavailable, build_chat_model, complete
from app.generative.prompts import Prompts
from ingest.facts import split_sentences
from ingest.types import Clause
from vectorstore.hybrid import KnowledgeBase

log = logging.getLogger(__name__)

MAX_CLAUSES = 3  # more context costs seconds of prompt processing on CPU for little gain
MAX_CLAUSE_CHARS = 400  # per clause shown to the model
MAX_REWRITE_CHARS = 120


@dataclass(frozen=True, slots=True)
class GenerativeResult:
    text: str  # verified; [k] is the k-th clause of ``clauses``
    clauses: tuple[Clause, ...]  # cited clauses, in marker order
    quotes: tuple[Quote, ...]  # verbatim sentences of those clauses holding what the text states
    refused: bool  # the model said the clauses do not hold the answer (文件未明确)
    attempts: int
    completion: Completion  # timing of the accepted reply


class GenerativeAnswerer:
    """Answers from given clauses with an LLM, guarded; thread-safe once the model is built."""

    def __init__(self, settings: Settings, kb: KnowledgeBase, chat_model: BaseChatModel | None = None,
                 prompts: Prompts | None = None) -> None:
        self.settings = settings
        self.kb = kb
        self.prompts = prompts or Prompts.load()
        if chat_model is not None:
            self.__dict__["model"] = chat_model

    @cached_property
    def model(self) -> BaseChatModel:
        # Built on first use: starting a local llama.cpp server takes seconds.
        return build_chat_model(self.settings)

    def answer(self, question: str, clauses: Sequence[Clause], history: Sequence[str] = ()) -> GenerativeResult | None:
        """A verified answer to ``question`` from ``clauses``, or None when the guard rejected
        two drafts.

        :param history: earlier questions; when given, the question is first rewritten to
            stand alone ("那它的目标呢?" → "…的目标是什么?").
        :raises LLMUnavailable: when the LLM server is down, failing or too slow.
        """
        clauses = list({c.id: c for c in clauses}.values())[:MAX_CLAUSES]
        if not clauses:
            return None
        asked = self.rewrite(question, history) if history else question
        sources = [self._source(i, c, asked) for i, c in enumerate(clauses, 1)]
        messages: list[BaseMessage] = [
            SystemMessage(self.prompts.system.render()),
            HumanMessage(self.prompts.answer.render(clauses="\n\n".join(sources), question=asked))]
        for attempt in (1, 2):
            reply = self._complete(messages)
            violations = guard.check(reply.text, sources)
            if not violations:
                return _result(reply, clauses, sources, attempt)
            reasons = ";".join(v.message for v in violations)
            log.info("generative draft %d rejected: %s | draft: %s", attempt, reasons, reply.text)
            messages += [AIMessage(reply.text), HumanMessage(self.prompts.answer.render_retry(violations=reasons))]
        log.warning("generative answer rejected after a retry, falling back to extractive: %s", reasons)
        return None

    def rewrite(self, question: str, history: Sequence[str]) -> str:
        """A follow-up rewritten to stand alone; the question itself when the reply is unusable."""
        prompt = self.prompts.rewrite.render(history="\n".join(f"- {h}" for h in history[-3:]), question=question)
        text = self._complete([HumanMessage(prompt)]).text.strip()
        first = text.splitlines()[0].strip().strip("“”\"'") if text else ""
        if not first or len(first) > MAX_REWRITE_CHARS:
            return question
        log.info("rewrote follow-up %r as %r", question, first)
        return first

    def _complete(self, messages: Sequence[BaseMessage]) -> Completion:
        return complete(self.model, messages, self.settings.llm_timeout)

    def _source(self, n: int, clause: Clause, question: str) -> str:
        """Clause [n] as shown to the model (and as the guard checks it): title, reference, text."""
        title = self.kb.doc(clause.doc_id).title
        return f"[{n}]《{title}》{clause_ref(clause)}\n{_clip(clause.text, question)}"


def _clip(text: str, question: str, limit: int = MAX_CLAUSE_CHARS) -> str:
    """A long clause cut to its first sentence and the sentences sharing most characters with
    the question, in document order: the duty line "(…负责)" often ends a long measure."""
    if len(text) <= limit:
        return text
    sentences = split_sentences(text)
    ranked = sorted(range(1, len(sentences)), key=lambda i: _shared(sentences[i], question), reverse=True)
    keep, total = {0}, len(sentences[0]) if sentences else 0
    for i in ranked:
        if total + len(sentences[i]) <= limit:
            keep.add(i)
            total += len(sentences[i])
    return "…".join("".join(sentences[i] for i in run) for run in _runs(sorted(keep)))


def _runs(indices: list[int]) -> list[list[int]]:
    """[0, 1, 4, 5] → [[0, 1], [4, 5]]: gaps are shown as "…"."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _shared(a: str, b: str) -> int:
    return len(set(re.findall(r"[\u4e00-\u9fff\w]", a)) & set(re.findall(r"[\u4e00-\u9fff\w]", b)))


def _result(reply: Completion, clauses: list[Clause], sources: list[str], attempts: int) -> GenerativeResult:
    order = [n for n in guard.markers(reply.text) if 1 <= n <= len(clauses)]
    text = guard.renumber(reply.text.strip(), order) if order else guard.normalise(reply.text.strip())
    cited = tuple(clauses[n - 1] for n in order)
    quotes = tuple(q for n in order for q in _quotes(clauses[n - 1], sources[n - 1], reply.text))
    return GenerativeResult(text, cited, quotes, guard.is_refusal(reply.text), attempts, reply)


def _quotes(clause: Clause, source: str, answer: str) -> list[Quote]:
    """The sentences of the shown clause text that hold the answer's facts; else the one
    sharing most characters with it. Each is a verbatim substring of the clause."""
    shown = [s for s in split_sentences(clause.text) if s in source]
    if not shown:
        return []
    facts = guard.extract_facts(answer)
    holding = [s for s in shown if any(guard.grounded(f, guard.normalise(s)) for f in facts)]
    if holding:
        return [Quote(clause, s) for s in holding]
    return [Quote(clause, max(shown, key=lambda s: _shared(s, guard.strip_markers(answer))))]


def generative_draft(answerer: GenerativeAnswerer, question: str, draft: Draft, more: Sequence[Clause] = (),
                     history: Sequence[str] = ()) -> tuple[Draft, str | None]:
    """What the assistant shows in generative mode: the LLM's verified answer as a Draft, or
    ``draft`` (the extractive answer) with a note saying why.

    The clauses are those the extractive draft quotes (it found the right ones), then ``more``
    (the top hits).
    """
    clauses = [q.clause for q in draft.quotes] + list(more)
    try:
        result = answerer.answer(question, clauses, history)
    except LLMUnavailable as ex:
        log.warning("LLM unavailable, serving the extractive answer: %s", ex.user_message)
        return draft, f"{ex.user_message},已改用抽取式答案"
    if result is None:
        return draft, "生成的回答未通过数字与部门核对,已改用抽取式答案"
    if result.refused or not result.quotes:
        # The extractive answer found and quoted the clause; a small model's refusal is less sure.
        log.info("LLM found no answer in the clauses; serving the extractive answer")
        return draft, "生成模型未能从条款中作答,已改用抽取式答案"
    return Draft(result.text, result.quotes), None
