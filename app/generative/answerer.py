"""Generative answers: an LLM writes a short answer from numbered clauses; the guard checks it.

    >>> gen = GenerativeAnswerer(settings, kb)
    >>> result = gen.answer("DCMM贯标由哪些部门负责?", clauses)
    >>> result.text if result else "fall back to the extractive answer"
    '由省工业和信息化厅、省大数据局按分工负责[1]。'

A draft that fails the guard gets one retry with the violations named; a second failure
returns None, and the caller serves the extractive answer. The reason is logged either way, and
an ``observer`` (the evaluation's side-by-side, the benchmark) is told of every LLM call with the
guard's verdict and of every fallback with its reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.compose import Draft, Quote, clause_ref
from app.config import Settings
from app.generative import guard
from app.generative.llm import Completion, LLMUnavailable, build_chat_model, complete
from app.generative.model_files import ModelFileError
from app.generative.prompts import Prompts
from ingest.facts import split_sentences
from ingest.types import Clause
from vectorstore.hybrid import KnowledgeBase

log = logging.getLogger(__name__)

MAX_CLAUSES = 3  # more context costs seconds of prompt processing on CPU for little gain
MAX_CLAUSE_CHARS = 400  # per clause shown to the model
MAX_REWRITE_CHARS = 120


@dataclass(frozen=True, slots=True)
class Attempt:
    """One LLM call: a draft answer with the guard's verdict, or the rewrite of a follow-up."""

    purpose: str  # "answer" | "rewrite"
    completion: Completion
    violations: tuple[str, ...] = ()  # guard.Violation kinds of a rejected draft; () = accepted


# Why generative mode served the extractive answer (the keys of Fallback.reason).
FALLBACK_REASONS: dict[str, str] = {
    "unavailable": "生成模型不可用或超时",
    "guard": "两稿均未通过核对",
    "model_refused": "生成模型未能从条款中作答",
    "missing_fact": "回答缺少所问的数值或部门",
    "incomplete": "回答漏掉了抽取式答案中的责任部门",
}


@dataclass(frozen=True, slots=True)
class Fallback:
    """The extractive answer was served instead of the LLM's; ``note`` is what the user sees."""

    reason: str  # a key of FALLBACK_REASONS
    note: str


Observer = Callable[[Attempt | Fallback], None]


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
                 prompts: Prompts | None = None, observer: Observer | None = None) -> None:
        self.settings = settings
        self.kb = kb
        self.prompts = prompts or Prompts.load()
        # Told of every LLM call and fallback; the evaluation counts the guard's verdicts with it.
        self.observer = observer
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
        targets = [[(t.indicator, t.value) for t in c.facts.targets] for c in clauses]
        system = SystemMessage(self.prompts.system.render())
        note = ""
        for attempt in (1, 2):
            # Each attempt is one fresh turn: a small model given a chat with its own rejected
            # draft and a complaint tends to echo the complaint instead of answering.
            prompt = self.prompts.answer.render(clauses="\n\n".join(sources), question=asked, note=note)
            reply = self._complete([system, HumanMessage(prompt)])
            text = guard.recite(reply.text, sources)
            violations = guard.check(text, sources, asked, targets)
            self.notify(Attempt("answer", reply, tuple(v.kind for v in violations)))
            if not violations:
                return _result(text, reply, clauses, sources, attempt)
            reasons = ";".join(v.message for v in violations)
            log.info("generative draft %d rejected: %s | draft: %s", attempt, reasons, reply.text)
            note = self.prompts.answer.render_retry(draft=reply.text.strip()[:200], violations=reasons) + "\n"
        log.warning("generative answer rejected after a retry, falling back to extractive: %s", reasons)
        return None

    def rewrite(self, question: str, history: Sequence[str]) -> str:
        """A follow-up rewritten to stand alone. When the reply is unusable (empty, long, or it
        dropped what the follow-up asks, as a small model does by repeating the previous question),
        the follow-up with the previous question as its context."""
        prompt = self.prompts.rewrite.render(history=";".join(history[-2:]), question=question)
        reply = self._complete([HumanMessage(prompt)])
        self.notify(Attempt("rewrite", reply))
        text = reply.text.strip()
        first = text.splitlines()[0].strip().lstrip("-•* ").strip("“”\"'") if text else ""
        if first and len(first) <= MAX_REWRITE_CHARS and _keeps(first, question) and _keeps(first, history[-1]):
            log.info("rewrote follow-up %r as %r", question, first)
            return first
        # Follow-up first, previous question as context: put the other way round, a small model
        # answers the previous question again.
        joined = f"关于上文“{history[-1]}”中的对象:{question}"
        log.info("rewrite of %r unusable (%r); asking %r", question, first, joined)
        return joined

    def notify(self, event: Attempt | Fallback) -> None:
        if self.observer is not None:
            self.observer(event)

    def _complete(self, messages: Sequence[BaseMessage]) -> Completion:
        return complete(self.model, messages, self.settings.llm_timeout)

    def _source(self, n: int, clause: Clause, question: str) -> str:
        """Clause [n] as shown to the model (and as the guard checks it): title, reference, text."""
        title = self.kb.doc(clause.doc_id).title
        return f"[{n}]《{title}》{clause_ref(clause)}\n{_clip(clause.text, question)}"


_FILLER = set("那它这其该呢吗吧啊的了么是有还又和与及个哪些谁什么多少由")


def _keeps(rewritten: str, text: str) -> bool:
    """Does the rewrite hold at least half of what ``text`` asks? Checked against the follow-up
    ("目标" of "那它的目标呢?") and against the previous question (its subject: 软件和信息服务业)."""
    asked = {c for c in re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text) if c not in _FILLER}
    return not asked or len(asked & set(rewritten)) >= 0.5 * len(asked)


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


def _result(text: str, reply: Completion, clauses: list[Clause], sources: list[str], attempts: int) -> GenerativeResult:
    order = [n for n in guard.markers(text) if 1 <= n <= len(clauses)]
    shown = guard.renumber(text.strip(), order) if order else guard.normalise(text.strip())
    quotes = tuple(q for n in order for q in _quotes(clauses[n - 1], sources[n - 1], text))
    return GenerativeResult(shown, tuple(clauses[n - 1] for n in order), quotes, guard.is_refusal(text), attempts,
                            reply)


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
                     history: Sequence[str] = (), intent: str = "") -> tuple[Draft, str | None]:
    """What the assistant shows in generative mode: the LLM's verified answer as a Draft, or
    ``draft`` (the extractive answer) with a note saying why.

    The clauses are those the extractive draft quotes (it found the right ones), then ``more``
    (the top hits). A refused draft stands without asking the LLM: the extractive refusals
    (no such year, place or amount in the documents) are checked rules, and a model shown the
    nearest clauses tends to answer from them anyway.
    """
    if draft.refused or not draft.quotes:
        return draft, None
    clauses = [q.clause for q in draft.quotes] + list(more)
    try:
        result = answerer.answer(question, clauses, history)
    except (LLMUnavailable, ModelFileError) as ex:
        # A missing or corrupt model file is as unavailable as a down server: answer, don't crash.
        log.warning("LLM unavailable, serving the extractive answer: %s", ex.user_message)
        return _fallback(answerer, draft, "unavailable", f"{ex.user_message},已改用抽取式答案")
    if result is None:
        return _fallback(answerer, draft, "guard", "生成的回答未通过数字与部门核对,已改用抽取式答案")
    if result.refused or not result.quotes:
        # The extractive answer found and quoted the clause; a small model's refusal is less sure.
        log.info("LLM found no answer in the clauses; serving the extractive answer")
        return _fallback(answerer, draft, "model_refused", "生成模型未能从条款中作答,已改用抽取式答案")
    missing = _missing_for(intent, result.text)
    if missing:
        log.info("generative answer %r states no %s for a %s question; serving the extractive answer",
                 result.text, missing, intent)
        return _fallback(answerer, draft, "missing_fact", f"生成的回答没有给出{missing},已改用抽取式答案")
    dropped = _dropped_departments(intent, draft.answer, result.text)
    if dropped:
        log.info("generative answer %r leaves out %s; serving the extractive answer", result.text, dropped)
        return _fallback(answerer, draft, "incomplete",
                         f"生成的回答漏掉了{'、'.join(dropped)},已改用抽取式答案")
    return Draft(result.text, result.quotes), None


def _fallback(answerer: GenerativeAnswerer, draft: Draft, reason: str, note: str) -> tuple[Draft, str]:
    answerer.notify(Fallback(reason, note))
    return draft, note


# What an answer to each kind of question must state: a grounded sentence that states none
# answers some other question (a small model given "那它的目标呢?" restates who is responsible).
_REQUIRED = {"target": ({"number", "amount", "percent"}, "数值"), "lead": ({"department"}, "责任部门")}


def _dropped_departments(intent: str, extractive: str, generated: str) -> list[str]:
    """For "who is responsible": the departments the extractive answer names (copied from the
    clause's duty line) that the generated one leaves out. A small model names the first of
    "市网信办、市发展改革委、市财政局" and stops; each name is grounded, so only this catches it."""
    if intent != "lead":
        return []
    text = guard.normalise(generated)
    names = [f.text for f in guard.extract_facts(extractive) if f.kind == "department"]
    return [n for n in dict.fromkeys(names) if not guard.grounded(guard.Fact("department", n), text)]


def _missing_for(intent: str, text: str) -> str:
    kinds, name = _REQUIRED.get(intent, (set(), ""))
    if kinds and not any(f.kind in kinds for f in guard.extract_facts(text)):
        return name
    return ""
