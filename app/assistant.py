"""The assistant: question (+ history) → intent → retrieve → extractive answer → verify.

    >>> assistant = Assistant.from_settings(get_settings())
    >>> assistant.ask("DCMM贯标由哪些部门负责?").answer
    '第8条「完善数据要素供给体系」由省工业和信息化厅、省大数据局按分工负责。'
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import replace
from collections.abc import Sequence

from app import refusal
from app.answer import Answer, Citation
from app.compose import (Draft, Quote, clause_ref, content_answer, department_list_answer, facts_list_answer,
                         incentive_list_answer, lead_answer, target_answer)
from app.compose import _strip_heading as _strip_heading
from app.config import Settings
from app.intent import SYNONYMS, Query, understand
from app.meta import meta_answer
from ingest.departments import document_spelling
from ingest.structure import ANNEX_LABEL_PREFIX
from ingest.types import Clause, ClauseKind, Document, Target
from vectorstore.embeddings import get_embeddings
from vectorstore.hybrid import Hit, KnowledgeBase
from vectorstore.index import open_location

_PUNCT_ONLY_RE = re.compile(r"^[\W_]+$")
_INJECTION_RE = re.compile(r"忽略|无视|ignore|system prompt|系统提示|扮演|jailbreak", re.I)
_UNITS = (ClauseKind.ARTICLE, ClauseKind.ITEM)
MIN_OVERLAP = 0.5  # share of the question's content words a clause must contain to be relevant
_QUESTION_WORDS_RE = re.compile(
    r"多长时间|多久|多少天|时间内|什么时候|一次|哪些|哪个|哪家|哪几|什么|多少|怎么|怎样|如何|是否|能否|能不能|可不可以|可以|谁|吗|呢|请问|一下|主要|内容|部门|单位|"
    r"负责|牵头|目标|要求|规定|措施|文件|方案|这块|这个|那个|具体|情况|有关|相关|关于|我们|我司|公司|企业|告诉我|介绍|"
    r"方面|部署|提到|提出|点名|分别|哪里|说了|怎么说|表述|指的是|指什么|今年|全省|达到|多大|归|管|抓|做|干|搞|"
    r"有没有|是不是|能不能|支持吗|支持|"
    # colloquial question words ("啥时候之前要定下来", "会有什么后果", "算不算")
    r"啥时候|什么时间|之前|以前|以后|之后|到时候|几天|几个|几项|几家|几次|几年|啥|会有什么|会怎么|怎么处理|怎么办|怎么算|"
    r"后果|算不算|算是|正好|刚好|直接|出来|下来|一共|总共|还能|能报|不让|给不给|会不会|能拿|拿到|大概|到底|一般|是啥|咋|"
    r"几月份|几月|哪个月|几号|这边|那边|一个|市里|省里|区里|还要|现在|目前|就行|行不行|报个|能批|还给|好久|这种|那种|要不要|还得|"
    r"是")


class Assistant:
    """Answers questions from one knowledge base. Thread-safe for reads."""

    def __init__(self, kb: KnowledgeBase, settings: Settings) -> None:
        self.kb = kb
        self.settings = settings
        self._token_cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        from app.indexing import check_vector_space

        snapshot = open_location(settings.index_dir, settings.chroma_url).open_current()
        check_vector_space(snapshot, settings)
        return cls(KnowledgeBase(snapshot, get_embeddings(settings.embedding)), settings)

    # ---- public -----------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[str] = (), doc: str | None = None) -> Answer:
        """Answer ``question``; ``history`` holds the user's earlier questions, oldest first;
        ``doc`` (file name, id or title) limits the answer to one document."""
        t0 = time.perf_counter()
        raw = question if isinstance(question, str) else ""
        notes: list[str] = []
        if len(raw) > self.settings.max_question_chars:
            raw = raw[: self.settings.max_question_chars]
            notes.append(f"问题过长,已截取前{self.settings.max_question_chars}个字符")
        q = understand(raw)
        scope = self._scope(doc)
        if scope is None:
            draft = Draft(f"未找到文档“{doc}”。已导入的文档:{'、'.join(d.source for d in self.kb.documents) or '无'}。",
                          (), refused=True)
        else:
            q = replace(q, scope=scope)
            draft = self._guard_input(q) or self._answer(q, history)
            if self.settings.llm and q.intent not in ("list", "meta"):
                draft = self._generate(q, draft, history, notes)
        answer = self._finish(q, draft, notes)
        return Answer(question=question if isinstance(question, str) else "", answer=answer.answer,
                      refused=answer.refused, intent=answer.intent, citations=answer.citations,
                      elapsed_ms=(time.perf_counter() - t0) * 1000, notes=tuple(notes))

    @functools.cached_property
    def _generative(self):
        """Built on the first generative question: a local model's server starts then."""
        from app.generative import GenerativeAnswerer

        return GenerativeAnswerer(self.settings, self.kb)

    def _generate(self, q: Query, draft: Draft, history: Sequence[str], notes: list[str]) -> Draft:
        """Generative mode: the LLM's verified answer from the draft's clauses and the top hits;
        the extractive draft, with a note saying why, when the LLM is down, slow or fails the guard."""
        from app.generative import generative_draft

        hits = [] if draft.refused else self.kb.search(q.text, k=3, doc_ids=q.scope or None)
        shown, note = generative_draft(self._generative, q.text, draft, [h.clause for h in hits],
                                       history if q.follow_up else (), intent=q.intent)
        if note:
            notes.append(note)
        return shown

    def _scope(self, doc: str | None) -> tuple[str, ...] | None:
        """Document ids for ``doc`` (() = all documents; None = no such document)."""
        if not doc:
            return ()
        found = tuple(d.id for d in self.kb.documents if doc in (d.id, d.source, d.title))
        return found or None

    # ---- steps ------------------------------------------------------------------------

    def _guard_input(self, q: Query) -> Draft | None:
        if _INJECTION_RE.search(q.text) and not self._relevant(q, self.kb.search(q.text, k=3)):
            return Draft("我只依据已导入的政策文件回答与政策内容有关的问题,无法执行其他指令。请直接提出政策问题,"
                         "例如“DCMM贯标由哪些部门负责?”", (), refused=True)
        if not q.text:
            return Draft("请输入您的问题,例如:“DCMM贯标由哪些部门负责?”", (), refused=True)
        if _PUNCT_ONLY_RE.match(q.text):
            return Draft("没有识别到有效的问题,请用文字描述您想了解的政策内容。", (), refused=True)
        if self.kb.empty:
            return Draft("尚未导入任何政策文件,请先导入文件(policyqa ingest)后再提问。", (), refused=True)
        return None

    def _answer(self, q: Query, history: Sequence[str]) -> Draft:
        if self.settings.answerer != "evidence":
            return self._rules(q, history)
        from app.answering.pipeline import answer_question
        from app.answering.query import understand as understand_parts

        # Who leads a measure, a document's own metadata and lists over the clause tree are read
        # from the facts parsed at ingest (duty lines, 文号/落款, children), and an enterprise's
        # question gets the eligibility checker's verdict when it reaches one; everything else,
        # and whatever those handlers cannot answer, from the sentences that answer it.
        # A question of several parts ("奖多少?找哪个部门?") is for the evidence: a handler answers one.
        asked = understand_parts(q.text)
        single = len({p.facets for p in asked.parts}) == 1
        if q.intent in _STRUCTURED and single:
            draft = self._rules(q, history)
            if not draft.refused:
                return draft
        hits = self.kb.search(q.text, k=self.settings.top_k, doc_ids=q.scope or None)
        early = self._precheck(q, hits, single)
        if early is not None:
            return early
        if q.intent == "eligibility":
            draft = self._rules(q, history)
            if not draft.refused and (draft.answer.startswith(_VERDICTS) or _AFTER_VALIDITY in draft.answer):
                return draft
        draft = answer_question(self.kb, asked, q.scope, history)
        return draft if draft.refused else self._check_evidence(q, draft)

    def _check_evidence(self, q: Query, draft: Draft) -> Draft:
        """The refusal checks that read an answer's quotes: a tier the measure does not list, a
        piece the text leaves to a later rule, a specific (召集人, 各阶段标准, 截止时间) no quote holds."""
        quoted = " ".join(qt.text for qt in draft.quotes)
        first = draft.quotes[0].clause if draft.quotes else None
        ruled = self._tier_or_deferred(q, draft, first)
        if ruled is not None:
            return ruled
        missing = None if q.intent == "lead" else refusal.missing_in(q, quoted, refusal.EVIDENCE_CHECKED)
        if missing:
            return Draft(refusal.refusal_text(missing, first), _near_quote(first), refused=True)
        return draft

    def _tier_or_deferred(self, q: Query, draft: Draft, first: Clause | None) -> Draft | None:
        """A tier the quoted measure does not list ("首次突破50亿元" where it lists 1/5/10亿元), or
        the asked piece left to a later rule ("另行制定"): the answer's quotes do not hold it."""
        tier = refusal.missing_tier(q, first.text) if first is not None else None
        if tier:
            return Draft(refusal.refusal_text(tier, first), _near_quote(first), refused=True)
        return self._deferred(q, draft)

    def _precheck(self, q: Query, hits: Sequence[Hit], single: bool = True) -> Draft | None:
        """Refusal checks before any answer: a year, place, level, benefit kind, quoted name or
        department the documents never mention. A baseline year asked beside a target year
        ("2025年目标?2020年是多少?") is a question of its own, not a target of that year."""
        docs = self._docs_for(q, hits)
        missing = None if q.intent == "eligibility" else (
            refusal.missing_year(q, docs) or refusal.missing_place(q, docs)
            or (refusal.missing_target_year(q, docs) if single else None))
        if not missing and q.intent not in ("meta", "list"):
            # Also for enterprises' questions: a 市级 award or a 住房补贴 the text never gives
            # must not be answered with the 省级 award or the 生活补贴 next to it.
            missing = (refusal.missing_level(q, docs) or refusal.missing_benefit_kind(q, docs)
                       or refusal.missing_body(q, docs))
        missing = missing or refusal.missing_quoted(q, docs) or (
            None if q.intent == "eligibility" else refusal.missing_department(q, docs))
        if missing:
            near = hits[0].clause if hits else None
            return Draft(refusal.refusal_text(f"{missing}的相关内容", None), _near_quote(near), refused=True)
        return None

    def _rules(self, q: Query, history: Sequence[str]) -> Draft:
        context = self._context_clause(q, history)
        hits = self._rerank(q, self.kb.search(self._search_text(q, context), k=self.settings.top_k,
                                              doc_ids=q.scope or None))
        early = self._precheck(q, hits)
        if early is not None:
            return early
        docs = self._docs_for(q, hits)
        handler = _HANDLERS.get(q.intent, Assistant._content)
        draft = handler(self, q, hits, docs, context)
        return draft if draft.refused or q.intent in ("list", "meta") else self._check_specifics(q, draft)

    def _check_specifics(self, q: Query, draft: Draft) -> Draft:
        """Refuse when the question asks for something (an amount, a procedure, a city's figure)
        that the quotes the answer would show do not hold."""
        quoted = " ".join(qt.text for qt in draft.quotes)
        # A point ("1. 项目立项申请文件") is introduced by its parent ("应当提交下列材料："): both hold what is asked.
        quoted_ids = {qt.clause.id for qt in draft.quotes}
        quoted += " " + " ".join(dict.fromkeys(self._parent_lead_in(qt.clause) for qt in draft.quotes
                                               if qt.clause.parent_id not in quoted_ids))
        first = draft.quotes[0].clause if draft.quotes else None
        title = self.kb.doc(first.doc_id).title if first else ""
        ruled = self._tier_or_deferred(q, draft, first)
        if ruled is not None:
            return ruled
        # "运维经费预算是哪个部门在管?" asks who, not for the budget figure.
        missing = None if q.intent == "lead" else refusal.missing_in(q, quoted)
        # An enterprise's own place ("注册在日照") is for the registration condition to judge.
        place = None if q.intent == "eligibility" else refusal.unmatched_place(q, title, quoted)
        if missing or place:
            # The document's own area (山东/潍坊), not always a province: say only that it is not the place asked.
            area = re.match(r"^([\u4e00-\u9fff]{2,3}?)(?:省|市|自治区)", title)
            scope = f"{area.group(1)}的口径" if area else "本文件的适用范围"
            what = missing or f"{place}的具体规定(文件中的相关表述为{scope})"
            return Draft(refusal.refusal_text(what, first), _near_quote(first), refused=True)
        return draft

    def _deferred(self, q: Query, draft: Draft) -> Draft | None:
        """"收益怎么分?" where the text says "收益的分配办法另行制定": the document leaves it to a
        later rule. Say so, quoting that piece, instead of presenting the clause as the answer."""
        if q.intent == "lead" or not _HOW_OR_WHAT_RE.search(q.text):
            return None
        tokens = [t for t in self._content_tokens(q.text)[0] if len(t) > 1]
        for quote in draft.quotes:
            pieces = [p for p in re.split(r"[。；;，,：:]", quote.clause.text) if p.strip()]
            for m in _DEFERRED_RE.finditer(quote.text):
                piece = m.group(0).strip()
                # Only when the deferred piece is what the question is about: it holds a word of
                # the question that no other piece of the clause holds (收益, not 试点).
                others = [p for p in pieces if piece not in p]
                if any(t in piece and not any(t in p for p in others) for t in tokens):
                    return Draft(f"文件未明确具体规定,只写明“{piece}”。", (Quote(quote.clause, piece),), refused=True)
        return None

    def _rerank(self, q: Query, hits: list[Hit]) -> list[Hit]:
        """Hits reordered by the share of the question's content words their chunk holds
        (fusion rank breaks ties): exact wording matters in policy text."""
        keyed = [(round(self._overlap(q.text, f"{' '.join(h.clause.path)} {h.text}"), 1), -i, h)
                 for i, h in enumerate(hits)]
        return [h for _, _, h in sorted(keyed, key=lambda k: (k[0], k[1]), reverse=True)]

    def _search_text(self, q: Query, context: Clause | None) -> str:
        return f"{context.title} {q.text}" if context is not None else q.text

    def _context_clause(self, q: Query, history: Sequence[str]) -> Clause | None:
        """For a follow-up ("那它的目标呢?"), the clause the previous question was about."""
        if not q.follow_up or not history or q.refs:
            return None
        previous = replace(understand(history[-1]), scope=q.scope)
        draft = self._answer(previous, history[:-1])
        return draft.quotes[0].clause if draft.quotes else None

    def _docs_for(self, q: Query, hits: Sequence[Hit]) -> list[Document]:
        """Documents the question is about: named by title, else those of the top hits."""
        if q.scope:
            return [self.kb.doc(i) for i in q.scope]
        named = _named_documents(self.kb.documents, q.text)
        if named:
            return named
        seen = list(dict.fromkeys(h.doc.id for h in hits))
        return [self.kb.doc(i) for i in seen] or list(self.kb.documents)

    # ---- clause choice ------------------------------------------------------------------

    def _referenced(self, q: Query, docs: Sequence[Document]) -> Clause | None:
        for ref in q.refs:
            for doc in docs:
                found = _find_ref(doc, ref.kind, ref.number)
                if found:
                    return found
        return None

    def _titled(self, q: Query, docs: Sequence[Document]) -> Clause | None:
        """A clause whose title the question quotes (at least 4 characters of it)."""
        best = None
        for doc in docs:
            for c in doc.clauses:
                if c.kind in _UNITS + (ClauseKind.CHAPTER,) and len(c.title) >= 4 and c.title in q.text:
                    if best is None or len(c.title) > len(best.title):
                        best = c
        return best

    def _pick(self, q: Query, hits: Sequence[Hit], docs: Sequence[Document], context: Clause | None,
              want=lambda c: True) -> Clause | None:
        explicit = context or self._referenced(q, docs) or self._titled(q, docs)
        if explicit is not None:
            return explicit
        narrowed = [self._narrow(q, h.clause) for h in hits]
        for h, c in zip(hits, narrowed):
            # "（2）新生儿出生一件事" holds no department line; its task "（二）" does: the narrowed
            # clause still answers, through its ancestor, before any other retrieved clause.
            if want(c) or any(want(a) for a in self._ancestors_up_to(c, h.clause)):
                return c
        return narrowed[0] if narrowed else None

    def _parent_lead_in(self, clause: Clause) -> str:
        """The sentence of the parent clause that introduces ``clause`` ("" at the top)."""
        parent = self.kb.clauses.get(clause.parent_id or "")
        return _lead_in(self.kb.doc(parent.doc_id), parent) if parent is not None else ""

    def _ancestors_up_to(self, clause: Clause, top: Clause) -> list[Clause]:
        out: list[Clause] = []
        while clause.id != top.id and clause.parent_id and clause.parent_id in self.kb.clauses:
            clause = self.kb.clauses[clause.parent_id]
            out.append(clause)
        return out

    def _narrow(self, q: Query, clause: Clause) -> Clause:
        """From a retrieved clause down to the child that holds what the question asks about
        (a chunk may cover a whole (一) task with its 1. 2. 3. sub-tasks)."""
        doc = self.kb.doc(clause.doc_id)
        while True:
            kids = doc.children(clause.id)
            if not kids:
                return clause
            here = self._overlap(q.text, clause.text)
            score = self._scorer(q)
            best = max(kids, key=lambda c: (round(self._overlap(q.text, c.text), 2), score(c.text)))
            # A parent's text holds all its children's words; descend while one child holds most.
            if here == 0 or self._overlap(q.text, best.text) < 0.6 * here:
                return clause
            clause = best

    def _relevant(self, q: Query, hits: Sequence[Hit]) -> bool:
        """Do the top clauses share the question's content words? (Dense similarity alone is
        not enough: e5 scores 0.82–0.89 for relevant and unrelated questions alike.)"""
        if not hits:
            return False
        # 工信局 is written 工业和信息化局 in the text: the gate also tries the documents' spelling.
        spelled = document_spelling(q.text)
        return max(max(self._overlap(q.text, h.clause.text), self._overlap(spelled, h.clause.text))
                   for h in hits[:3]) >= MIN_OVERLAP

    def _overlap(self, question: str, text: str) -> float:
        """Share of the question's content characters (question words excluded) found in ``text``."""
        tokens, raw = self._content_tokens(question)
        if not tokens:
            # Nothing but question words: let the intent handler decide. Only unknown English: off topic.
            return 0.0 if raw else 1.0
        lowered = text.lower()
        shortened = [t for t in tokens if t not in lowered and _abbreviation(t) is not None
                     and _abbreviation(t).search(lowered)]
        # jieba also yields the parts of a word (质保金 → 质保, 保金): they go with the word.
        found = sum(len(t) for t in tokens if t in lowered or any(s in lowered for s in SYNONYMS.get(t, ()))
                    or any(t in s for s in shortened))
        return found / sum(len(t) for t in tokens)

    def _content_tokens(self, question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Question tokens, computed once per question (an answer asks for them many times).
        The cache lives on the instance: a service rebuilds its assistant after every ingest."""
        cached = self._token_cache.get(question)
        if cached is None:
            if len(self._token_cache) >= 256:
                self._token_cache.clear()
            cached = self._token_cache[question] = self._compute_content_tokens(question)
        return cached

    def _compute_content_tokens(self, question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        raw = tuple(t for t in self.kb.tokenizer(_strip_question_words(question)) if len(t) > 1 or t.isdigit())
        # In a Chinese question, English words the corpus never uses ("who is in charge") say
        # nothing about relevance; in an all-English question they are all there is.
        mixed = bool(re.search(r"[\u4e00-\u9fff]", question))
        tokens = tuple(t for t in raw if not (mixed and t.isascii() and t.isalpha() and not self.kb.has_term(t)))
        # An enterprise's own figures ("追加300万", "14个月了") are no words the text must share;
        # years and clause numbers are checked on their own.
        tokens = tuple(t for t in tokens if not re.fullmatch(r"\d+(?:\.\d+)?%?", t)) or tokens
        return tokens, raw

    def _scorer(self, q: Query):
        text = q.text.lower()
        tokens = [t for t in self.kb.tokenizer(q.text) if len(t) > 1 or t.isdigit()]
        # Score = how many of the question's characters a sentence covers. jieba's search mode
        # also yields the parts of long words (工业互联网 → 工业, 互联网 …); summing token lengths
        # would let one long word outweigh several distinct ones.
        spans = [(t, [i for i in range(len(text)) if text.startswith(t, i)]) for t in tokens]
        synonyms = [syn for word, syns in SYNONYMS.items() if word in q.text for syn in syns]

        def score(sentence: str) -> float:
            low = sentence.lower()
            covered: set[int] = set()
            for t, starts in spans:
                if t in low:
                    covered.update(i + k for i in starts for k in range(len(t)))
            return len(covered) + sum(len(w) for w in synonyms if w in low)
        return score

    # ---- intents ------------------------------------------------------------------------

    def _lead(self, q, hits, docs, context) -> Draft:
        clause = self._pick(q, hits, docs, context, want=lambda c: bool(_departments_of(c, self.kb)))
        if clause is None or not self._relevant(q, hits) and context is None and not q.refs:
            return _not_found(hits)
        if q.refs and any(d.duty for d in clause.facts.departments):
            return _clause_departments(clause)
        owner = clause if clause.facts.departments else _ancestor_with_departments(clause, self.kb)
        exception = self._duty_exception(q, owner)
        if exception is not None:
            return exception
        # A duty line of the clause or of its task ("牵头单位：…") answers; without one, regulations
        # name departments in running text, often as objects ("向市大数据局报告"): the sentence
        # that best matches the question and names a department answers it.
        lined = owner if owner is not None and owner.facts.department_text else clause
        if not lined.facts.department_text or any(d.duty for d in lined.facts.departments):
            sentence = self._department_sentence(q, [clause] + [h.clause for h in hits[:3]])
            if sentence is not None:
                return sentence
        if owner is None:
            children = [c for c in self.kb.doc(clause.doc_id).children(clause.id) if c.facts.departments]
            if children:
                return _children_lead(clause, children)
            return lead_answer(clause, self._scorer(q))
        return lead_answer(owner, self._scorer(q))

    def _duty_exception(self, q: Query, owner: Clause | None) -> Draft | None:
        """"责任单位：A（牵头）…。其中，5G网络建设由B牵头": a question about the excepted work
        ("5G基站建设谁负责?") is answered by the exception, not by the task's line."""
        if owner is None:
            return None
        score = self._scorer(q)
        for m in _EXCEPTION_RE.finditer(owner.text):
            if score(m.group(1)) >= 3:
                sentence = m.group(0).rstrip("。；;")
                return Draft(f"根据{clause_ref(owner)}:{sentence}。", (Quote(owner, sentence),))
        return None

    def _rarity(self, q: Query):
        """A bonus for the question's content words that few clauses use (at most 2 per word)."""
        tokens = [t for t in self._content_tokens(q.text)[0] if len(t) > 1]
        n = max(len(self.kb.clauses), 1)
        share = {t: sum(1 for c in self.kb.clauses.values() if t in c.text) / n for t in tokens}
        weights = {t: 2.0 * (1.0 - s) ** 4 for t, s in share.items()}
        # What the department does ("谁来审计" → 审计) says more than the topic words around it.
        done = _ASKED_DUTY_RE.search(q.text)
        for t in self.kb.tokenizer(done.group(1)) if done else ():
            if len(t) > 1 and t in weights:
                weights[t] += 4.0
        return lambda sentence: sum(w for t, w in weights.items() if t in sentence)

    def _department_sentence(self, q: Query, clauses: Sequence[Clause]) -> Draft | None:
        from ingest.departments import DEPARTMENT_RE
        from ingest.facts import split_sentences

        score = self._scorer(q)
        rare = self._rarity(q)
        best: tuple[float, Clause, str] | None = None
        for rank, clause in enumerate(_dedupe(clauses)):
            for sentence in split_sentences(clause.text):
                if DEPARTMENT_RE.search(sentence):
                    # "资金谁来审计?": of "市大数据局负责…项目…；市审计局负责…审计", the sentence with
                    # the question's rarer word (审计) names the department asked for.
                    s = score(_strip_label(sentence)) + rare(sentence) - rank * 0.5
                    if best is None or s > best[0]:
                        best = (s, clause, sentence)
        if best is None or best[0] <= 0:
            return None
        _, clause, sentence = best
        return Draft(f"根据{clause_ref(clause)}:{_strip_label(sentence)}", (Quote(clause, sentence),))

    def _target(self, q, hits, docs, context) -> Draft:
        if re.search(r"什么程度|什么水平|什么要求|怎么说|如何表述|怎么表述", q.text):
            return self._content(q, hits, docs, context)
        if q.about_incentive and re.search(r"比例|补助率|补贴率|百分之|费率", q.text):
            # A subsidy's rate ("按投资额的12%给予补助") is kept with the incentive, not as a target:
            # the sentence that states it answers.
            return self._content(q, hits, docs, context)
        explicit = context or self._referenced(q, docs) or self._titled(q, docs)
        clauses = [explicit] if explicit else _dedupe([c for h in hits for c in self._with_descendants(h.clause)])
        specific = refusal.missing_specific(q, clauses[0] if clauses else None)
        if specific:
            return Draft(refusal.refusal_text(specific, clauses[0] if clauses else None),
                         _near_quote(clauses[0] if clauses else None), refused=True)
        score = self._scorer(q)
        if re.search(r"多久.{0,6}一次|频率|频次|多长时间.{0,4}一次|几年一次", q.text):
            freq = self._frequency(q, hits)
            if freq is not None:
                return freq
        if explicit is not None and explicit.facts.targets and _asks_all(q):
            return _all_targets(explicit)
        ranked = _ranked_targets(clauses, score)
        unit = _asked_unit(q)
        if unit:
            # "开放多少个?": a target whose sentence holds a count in that unit comes first.
            spelled = _UNIT_SPELLINGS.get(unit, re.escape(unit))
            ranked.sort(key=lambda ct: not re.search(rf"\d(?:\.\d+)?\s*{spelled}", ct[1].sentence))
        if not _TIME_ASKED_RE.search(q.text):
            # A task table's row fixes a deadline; it answers "什么时候", not "多少" or "多大".
            ranked = [(c, t) for c, t in ranked if not _is_deadline_row(t)] or ranked
        if re.search(r"多久|多长时间|几个?小时|几天|几个?工作日|多少天", q.text):
            # "多久响应、多久办结?" asks for durations: "2小时内响应" before "办结率达到95%".
            timed = [ct for ct in ranked if re.search(r"\d\s*(?:个)?(?:小时|分钟|工作日|日|天|周|个月|年)", ct[1].value)]
            same = [ct for ct in timed if ranked and ct[0].id == ranked[0][0].id]
            if same:
                # Of the durations in the best clause, the one whose own words match best.
                first = max(same, key=lambda ct: score(_around(ct[1])))
                ranked = [first] + [ct for ct in ranked if ct is not first]
        if ranked and re.search(r"量化目标|数字指标|数量指标|指标有|有哪些目标|哪些指标", q.text):
            return _all_targets(ranked[0][0])
        best = ranked[0] if ranked else None
        if best is None and explicit is not None and explicit.facts.targets:
            return _all_targets(explicit)
        if best is not None and not self._target_fits(q, best[1]):
            return self._content(q, hits, docs, context)
        noun = _counted_noun(q)
        if best is not None and noun and noun not in best[1].sentence:
            return Draft(refusal.refusal_text(f"{noun}的数量", best[0]), _near_quote(best[0]), refused=True)
        if best is not None and len(ranked) > 1 and (_asks_several(q) or _close_second(ranked, score)):
            return _several_targets(ranked, score)
        if best is None:
            clause = explicit or (hits[0].clause if hits else None)
            specific = refusal.missing_specific(q, clause)
            if specific or clause is None or not self._relevant(q, hits):
                return Draft(refusal.refusal_text("该目标或数值", clause), _near_quote(clause), refused=True)
            return self._numbered_sentence(q, clause)
        return target_answer(*best)

    def _definition(self, q: Query, docs: Sequence[Document]) -> Draft | None:
        """"什么是公共数据?" → the sentence that defines it ("本办法所称公共数据，是指…")."""
        m = re.search(r"什么(?:是|叫)(.{2,12}?)[?？]?$|^(.{2,14}?)(?:是什么意思|什么意思|是啥意思|怎么理解|是什么|指什么|是指什么|"
                      r"指的是什么|的定义|的含义)", q.text)
        if not m:
            return None
        said = m.group(1) or m.group(2)
        term = said.strip("“”\"「」")
        # The term is found first and its sentence read around it: a pattern that starts with
        # [^。]* would try every position of a long line without "。" (quadratic time).
        pattern = re.compile(rf"所称{re.escape(term)}|{re.escape(term)}[,，]?是指")
        # A quoted term ("“从高不重复”是什么意思?") is explained by the sentence that uses it.
        quoted = re.compile(re.escape(term)) if said != term else None
        for find, ends in ((pattern, "。\n"), (quoted, "。；;\n")):
            for doc in docs if find is not None else ():
                found = find.search(doc.text)
                if found is None:
                    continue
                start, end = _sentence_span(doc.text, found.start(), found.end(), ends)
                clause = self._deepest(doc, start)
                if clause is not None:
                    sentence = doc.text[start:end].strip()
                    return Draft(f"根据{clause_ref(clause)}:{_strip_label(sentence)}", (Quote(clause, sentence),))
        return None

    def _deepest(self, doc: Document, offset: int) -> Clause | None:
        inside = [c for c in doc.clauses if c.start <= offset < c.end]
        return max(inside, key=lambda c: (c.level, c.start), default=None)

    def _frequency(self, q: Query, hits: Sequence[Hit]) -> Draft | None:
        """"多久评估一次?" → the best sentence that states a frequency (每年/每季度/定期)."""
        from ingest.facts import split_sentences

        score = self._scorer(q)
        best = None
        for rank, h in enumerate(hits[:4]):
            for sentence in split_sentences(h.clause.text):
                if re.search(r"每(?:年|季度|半年|月|周)|定期|至少.{0,4}一次", sentence):
                    s = score(sentence) - rank
                    if best is None or s > best[0]:
                        best = (s, h.clause, sentence)
        if best is None or best[0] <= 0:
            return None
        return Draft(f"根据{clause_ref(best[1])}:{_strip_label(best[2])}", (Quote(best[1], best[2]),))

    def _with_descendants(self, clause: Clause) -> list[Clause]:
        doc = self.kb.doc(clause.doc_id)
        return [c for c in doc.clauses if clause.start <= c.start and c.end <= clause.end]

    def _target_fits(self, q: Query, target: Target) -> bool:
        """The target answers the question when it holds most of its content words."""
        return self._overlap(q.text, target.sentence) >= MIN_OVERLAP

    def _numbered_sentence(self, q, clause: Clause) -> Draft:
        """A deadline or limit written in running text ("15个工作日内答复")."""
        score = self._scorer(q)
        from ingest.facts import split_sentences

        with_numbers = [s for s in split_sentences(clause.text) if re.search(r"\d|[一二三四五六七八九十]+个?(?:工作日|日|月)", s)]
        if not with_numbers:
            return Draft(refusal.refusal_text("该目标或数值", clause), _near_quote(clause), refused=True)
        best = max(with_numbers, key=score)
        noun = _counted_noun(q)
        if noun and noun not in best:
            return Draft(refusal.refusal_text(f"{noun}的数量", clause), _near_quote(clause), refused=True)
        return Draft(f"根据{clause_ref(clause)}:{_strip_label(best)}", (Quote(clause, best),))

    def _content(self, q, hits, docs, context) -> Draft:
        defined = self._definition(q, docs)
        if defined is not None:
            return defined
        due = self._due_row(q, docs) if _TIME_ASKED_RE.search(q.text) and context is None and not q.refs else None
        draft = self._content_draft(q, hits, docs, context)
        if due is not None and not draft.refused and not _DATE_RE.search(draft.answer):
            # The measure's text gives no date: the task table's row does.
            return target_answer(*due)
        return draft

    def _content_draft(self, q, hits, docs, context) -> Draft:
        clause = self._pick(q, hits, docs, context, want=lambda c: c.kind in _UNITS + (ClauseKind.PREAMBLE,))
        if clause is None or (context is None and not q.refs and not self._relevant(q, hits)):
            return _not_found(hits)
        parent = self.kb.clauses.get(clause.parent_id or "")
        lead = self._parent_lead_in(clause)
        specific = refusal.missing_in(q, f"{clause.text} {lead}")  # "1. 申请文件" under "提交下列材料："
        if specific:
            return Draft(refusal.refusal_text(specific, clause), _near_quote(clause), refused=True)
        if lead.endswith(("：", ":")) and clause.kind in _UNITS and parent.kind in _UNITS and \
                re.search(r"哪些|哪几|有什么|都有啥", q.text):
            clause = parent  # a point of a list: the list answers ("哪些材料?")
        explicit = bool(q.refs) or context is not None or self._titled(q, docs) is not None
        if not explicit:
            clause = self._best_sentence_clause(q, hits, clause)
        listing = self._lead_in_list(clause)
        if listing is not None:
            return listing
        whole = explicit or (clause.kind in _UNITS and self._overlap(q.text, clause.title) >= 0.75)
        return content_answer(clause, self._scorer(q), whole=whole)

    def _lead_in_list(self, clause: Clause) -> Draft | None:
        """"…须同时符合下列条件：" followed by 1. 2. 3.: the answer is the whole list, in order
        (the best-matching sentences alone would drop a condition). ``clause`` may be the lead-in
        or one of its items."""
        doc = self.kb.doc(clause.doc_id)
        parent = clause if doc.children(clause.id) else self.kb.clauses.get(clause.parent_id or "")
        if parent is None:
            return None
        kids = doc.children(parent.id)
        lead = parent.text[: kids[0].start - parent.start].strip() if kids else ""
        if not kids or not lead.endswith((":", "：")) or len(kids) > 10:
            return None
        lines = [k.text.strip() for k in kids]
        if sum(map(len, lines)) > 400:
            return None
        shown = _strip_heading(lead.split("\n")[-1], parent)
        heading = f"{parent.label}{parent.title}"
        if parent.title and shown.startswith(heading):
            shown = shown[len(heading):].lstrip("。.． ")  # the reference already names the heading
        body = "".join(lines)
        return Draft(f"{clause_ref(parent)}:{shown}{body}", tuple([Quote(parent, lead.split("\n")[-1])]
                                                                   + [Quote(k, t) for k, t in zip(kids, lines)]))

    def _due_row(self, q: Query, docs: Sequence[Document]) -> tuple[Clause, Target] | None:
        """"子基金什么时候设立?": the task-table row whose task holds the question's words (its
        deadline is written only in the table, not in the measure's text)."""
        rows = [(c, t) for d in docs for c in d.clauses for t in c.facts.targets if _is_deadline_row(t)]
        scored = [(self._overlap(q.text, t.indicator), c, t) for c, t in rows]
        best = max(scored, key=lambda x: x[0], default=None)
        return (best[1], best[2]) if best is not None and best[0] >= 0.75 else None

    def _best_sentence_clause(self, q: Query, hits: Sequence[Hit], first: Clause) -> Clause:
        """Among the top clauses, the one holding the sentence that best matches the question
        (the right measure is often second: its neighbour shares the section's words)."""
        from ingest.facts import split_sentences

        score = self._scorer(q)
        candidates = _dedupe([first] + [self._narrow(q, h.clause) for h in hits[:4]]
                             + [c for h in hits[:3] for c in self._with_descendants(h.clause)][:40])
        candidates = [c for c in candidates if c.kind in _UNITS + (ClauseKind.PREAMBLE,)] or [first]
        best = max(candidates, key=lambda c: (max((score(x) for x in split_sentences(c.text)), default=0),
                                              -candidates.index(c)))
        return best

    def _eligibility(self, q, hits, docs, context) -> Draft:
        from app.eligibility import eligibility_answer

        clauses = _dedupe(([context] if context else []) + [h.clause for h in hits])
        return eligibility_answer(q, clauses, self.kb, self._scorer(q)) or self._content(q, hits, docs, context)

    def _list(self, q, hits, docs, context) -> Draft:
        doc = docs[0] if docs else None
        if doc is None:
            return _not_found(hits)
        units = [c for c in doc.clauses if c.kind in _UNITS]
        negated = bool(re.search(r"没有|不参与|未参与|不涉及|无", q.text))
        names = self.kb.departments_in(q.text) or _bare_departments(doc, q.text)
        if names:
            # Articles and items; a part ("二、支持标准") with no sub-units is a task of its own.
            owners = [c for c in doc.clauses if c.facts.departments
                      and (c.kind in _UNITS or any("|" in d.duty for d in c.facts.departments)
                           or c.kind == ClauseKind.CHAPTER and not doc.children(c.id))]
            leading = bool(re.search(r"牵头", q.text)) and not re.search(r"参与|配合|协助", q.text)
            return department_list_answer(doc, names[0], owners,
                                          only=bool(re.search(r"单独|独立|只由|仅由", q.text)), negated=negated,
                                          leading=leading)
        many = re.search(r"([两二三四五六2-6])个(?:及)?以上(?:部门|单位)", q.text)
        if many:
            from ingest.numerals import to_int

            n = to_int(many.group(1)) or 3
            chosen = [c for c in units if len({d.name for d in c.facts.departments if d.name != "有关市"}) >= n]
            return facts_list_answer(doc, chosen, f"由{n}个及以上部门负责的措施")
        if any(w in q.text for w in ("目标", "量化", "指标", "数值")):
            chosen = [c for c in units if bool(c.facts.targets) != negated]
            return facts_list_answer(doc, chosen, "没有量化目标" if negated else "含量化目标")
        ref = self._referenced(q, docs)
        # "支持哪几个方向?" / "哪些情况不给支持?": a clause listing (一)(二)(三) answers, even when
        # the question names money; "哪些补贴" lists the support measures.
        itemised = self._itemised_list(q, doc) if ref is None and _KINDS_ASKED_RE.search(q.text) else None
        if itemised is not None:
            return itemised
        if q.about_incentive:
            return incentive_list_answer(doc, [c for c in units if c.facts.incentives], q.text)
        if ref is not None and ref.kind != ClauseKind.CHAPTER and re.search(r"部门|单位", q.text):
            return _clause_departments(ref)
        if ref is None and re.search(r"类|种|情形|行为|原则|方式", q.text):
            itemised = self._itemised_list(q, doc)
            if itemised is not None:
                return itemised
        chapter = ref or self._chapter_named(q, doc)
        if chapter is not None and chapter.kind == ClauseKind.CHAPTER:
            return _children_list(doc, chapter)
        outline = r"行动|部分|方面|几章|哪几章|哪些章"
        if re.search(outline, q.text) and not names:
            # "分哪几个方面?" asks for the outline; "金融支持方面有哪些措施?" names a topic: the
            # outline only when no measure's title shares the question's remaining words.
            rest = re.sub(outline, " ", q.text)
            # Words of the document's own title ("这个办法", "政策措施") name no topic.
            rest_tokens = [t for t in self._content_tokens(rest)[0] if t not in doc.title]
            if not rest_tokens or not any(self._overlap(rest, c.title) >= MIN_OVERLAP for c in units):
                return _chapters_list(doc)
        if re.search(r"期限|时限|工作日|多长时间", q.text):
            return _deadline_list(doc, self._scorer(q))
        due = _DUE_RE.search(q.text)
        if due:
            dated = _due_by(doc, due.group(0))
            if dated is not None:
                return dated
        if re.search(r"时间节点|节点|截止", q.text):
            return _time_nodes(doc)
        clause = self._pick(q, hits, docs, context)
        items = [c for c in doc.children(clause.id) if c.kind == ClauseKind.ITEM] if clause is not None else []
        if items and clause is not None and re.search(r"类|种|情形|行为|原则|方式|情况", q.text):
            return _items_list(clause, items)
        topical = [c for c in units if self._overlap(q.text, c.title) >= MIN_OVERLAP]
        if len(topical) == 1:
            # One measure on the topic: what it lists is the answer, not its name alone.
            return content_answer(topical[0], self._scorer(q), whole=True)
        if topical:
            return facts_list_answer(doc, topical, "相关措施")
        return self._content(q, hits, docs, context)

    def _itemised_list(self, q: Query, doc: Document) -> Draft | None:
        """The items of the clause that lists (一)(二)(三) items and best matches the question."""
        # (一)(二) items, or "1. 2." points under an article ("提交下列材料：1. …").
        listing = [c for c in doc.clauses if any(k.kind == ClauseKind.ITEM or c.kind == ClauseKind.ARTICLE
                                                 and k.kind == ClauseKind.ARTICLE for k in doc.children(c.id))]
        score = self._scorer(q)
        # The lead-in ("专项资金重点支持以下方向：", "终验应当具备下列条件：") says what the items are:
        # it counts as much as all the items together.
        leads = {c.id: _lead_in(doc, c) for c in listing}
        asked = _KINDS_ASKED_RE.search(q.text)
        if asked and asked.group(0) in ("条件", "要求"):
            # "哪些条件": only a list introduced as conditions ("应当具备下列条件：").
            listing = [c for c in listing if asked.group(0) in leads[c.id]]
        whole = {c.id: self._overlap(q.text, c.text) for c in listing}
        best = max(listing, default=None, key=lambda c: (self._overlap(q.text, leads[c.id]) + whole[c.id],
                                                         score(leads[c.id]), score(c.text)))
        if best is None or whole[best.id] < MIN_OVERLAP:
            return None
        return _items_list(best, [k for k in doc.children(best.id) if k.kind in (ClauseKind.ITEM, ClauseKind.ARTICLE)])

    def _chapter_named(self, q: Query, doc: Document) -> Clause | None:
        chapters = [c for c in doc.clauses if c.kind == ClauseKind.CHAPTER]
        scored = [(self._overlap(q.text, c.title), c) for c in chapters]
        best = max(scored, key=lambda x: x[0], default=(0, None))
        return best[1] if best[0] >= 0.75 else None

    def _meta(self, q, hits, docs, context) -> Draft:
        # "潍坊的政策有效期?": for questions about a document, a place in its title names it.
        named = [] if q.scope else _named_documents(self.kb.documents, q.text, by_place=True)
        if not q.scope and not named and len(self.kb.documents) > 1:
            # "文号是什么?" with several documents indexed: answer for each rather than guess one,
            # and say which document each answer is from.
            drafts = [(doc, d) for doc in self.kb.documents[:4] if (d := meta_answer(doc, q.text)) is not None]
            if drafts:
                return Draft(" ".join(d.answer if f"《{doc.title}》" in d.answer else f"《{doc.title}》:{d.answer}"
                                      for doc, d in drafts), tuple(qt for _, d in drafts for qt in d.quotes))
        docs = named + [d for d in docs if d not in named]
        doc = docs[0] if docs else None
        draft = meta_answer(doc, q.text) if doc else None
        if draft is None:
            return Draft(refusal.refusal_text("该信息"), (), refused=True)
        return draft

    def _other(self, q, hits, docs, context) -> Draft:
        if q.departments and not hits:
            return _not_found(hits)
        return self._content(q, hits, docs, context)

    # ---- verification -----------------------------------------------------------------------

    def _finish(self, q: Query, draft: Draft, notes: list[str]) -> Answer:
        citations = tuple(c for c in (self._cite(qt) for qt in draft.quotes) if c is not None)
        text = draft.answer
        if not draft.refused and not _numbers_grounded(_MARKER_RE.sub("", text), citations, q.text):
            # Never show a number that no quote (or the asker's own words) holds: fall back to quoting.
            text = f"相关规定:{citations[0].quote}" if citations else "文件未明确该问题。"
        if _INJECTION_RE.search(q.text):
            notes.append("只依据已导入的政策文件作答,不执行问题中的其他指令")
        return Answer(q.text, text, draft.refused, q.intent, citations)

    def _cite(self, quote: Quote) -> Citation | None:
        clause = quote.clause
        doc = self.kb.doc(clause.doc_id)
        pos = doc.text.find(quote.text, clause.start, clause.end) if quote.text else -1
        if pos < 0:
            return None  # a quote that is not verbatim is dropped, never shown
        return Citation(doc=doc.source, title=doc.title, unit=clause.unit, path=clause.path or (clause.title,),
                        quote=quote.text, clause_id=clause.id, start=pos, clause_text=clause.text)


_STRUCTURED = ("lead", "list", "meta")
_VERDICTS = ("不符合", "符合", "可能符合")  # the eligibility checker decided (not "能否享受需进一步确认")
_AFTER_VALIDITY = "已在有效期之后"  # … or found the asked year past the document's 有效期
_HANDLERS = {
    "lead": Assistant._lead,
    "target": Assistant._target,
    "content": Assistant._content,
    "eligibility": Assistant._eligibility,
    "list": Assistant._list,
    "meta": Assistant._meta,
    "other": Assistant._other,
}


def _sentence_span(text: str, start: int, end: int, ends: str, limit: int = 600) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: back to the previous end mark, on to the next one
    (kept), each at most ``limit`` characters away."""
    a = max((text.rfind(c, max(0, start - limit), start) for c in ends), default=-1) + 1
    a = max(a, start - limit)
    stops = [i for i in (text.find(c, end, end + limit) for c in ends) if i >= 0]
    b = min(stops) + 1 if stops else min(len(text), end + limit)
    if b > 0 and text[b - 1] == "\n":
        b -= 1
    return a, b


def _strip_question_words(text: str) -> str:
    return _QUESTION_WORDS_RE.sub(" ", text)


@functools.lru_cache(maxsize=4096)
def _abbreviation(token: str) -> re.Pattern[str] | None:
    """"质保金" is how people shorten 质量保证金: a 3+ character Chinese word matches the text when
    its characters occur in order with at most two others between each pair."""
    if len(token) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", token):
        return None
    return re.compile("[\u4e00-\u9fff]{0,2}".join(map(re.escape, token)))


def _lead_in(doc: Document, clause: Clause) -> str:
    """The sentence that introduces a clause's items: its own text before the first child, from
    the last full stop ("…不超过200万元。申报项目须同时满足以下要求：" → "申报项目须同时满足以下要求：")."""
    kids = doc.children(clause.id)
    own = clause.text[: kids[0].start - clause.start] if kids else clause.text
    return re.split(r"(?<=[。；;])", own.strip())[-1]


def _title_key(text: str) -> str:
    """Quotes and spaces dropped, and a 市/省 after two characters: "济南公共数据管理办法" names
    《济南市公共数据管理办法》."""
    return re.sub(r"[“”\"《》\s]|(?<=[\u4e00-\u9fff]{2})[市省](?=[\u4e00-\u9fff])", "", text)


def _named_documents(docs: Sequence[Document], text: str, by_place: bool = False) -> list[Document]:
    """Documents the question names by title (its first ten characters), or with ``by_place``
    by the place their title starts with (济南 → 《济南市…》)."""
    said = _title_key(text)
    named = [d for d in docs if d.title and _title_key(d.title)[:10] in said]
    if named or not by_place:
        return named
    places = [p for p in refusal.PLACES if p in text]
    return [d for d in docs if d.title and any(d.title.startswith(p) for p in places)]


def _find_ref(doc: Document, kind: str, number: int) -> Clause | None:
    kinds = {"article": (ClauseKind.ARTICLE,), "chapter": (ClauseKind.CHAPTER,), "item": (ClauseKind.ITEM,)}[kind]
    for c in doc.clauses:
        if c.kind in kinds and c.number == number:
            if kind == "item" and not c.label.startswith(("(", "(")):
                continue
            return c
    return None


def _children_list(doc: Document, chapter: Clause) -> Draft:
    kids = [c for c in doc.children(chapter.id) if c.title]
    return Draft(f"{clause_ref(chapter)}包括{len(kids)}项:" + "、".join(clause_ref(c) for c in kids) + "。",
                 tuple(Quote(c, c.title) for c in kids))


def _items_list(clause: Clause, items: Sequence[Clause]) -> Draft:
    """"分哪几类" / "哪些行为": the lead-in sentence and the (一)(二)… items of a clause."""
    lead = clause.text[: items[0].start - clause.start].strip()
    lead_sentence = _strip_label(lead.split("\n")[-1]) if lead else ""
    body = ";".join(f"{c.label}{c.title.rstrip('；;。')}" for c in items)
    quotes = ([Quote(clause, lead.split("\n")[-1])] if lead else []) + [Quote(c, c.title) for c in items if c.title]
    return Draft(f"根据{clause_ref(clause)},{lead_sentence}{body}。", tuple(quotes))


def _clause_departments(clause: Clause) -> Draft:
    names = list(dict.fromkeys(d.name for d in clause.facts.departments))
    if not names:
        return Draft(f"{clause_ref(clause)}未写明责任部门。", (), refused=True)
    quotes = [Quote(clause, line) for line in clause.facts.department_text.split("\n") if line]
    return Draft(f"{clause_ref(clause)}涉及的部门有:{'、'.join(names)}。", tuple(quotes[:6]))


def _time_nodes(doc: Document) -> Draft:
    """Every dated deadline in the document ("2023年6月底前完成…"), in document order."""
    from ingest.facts import split_sentences

    found: list[tuple[Clause, str]] = []
    for c in doc.clauses:
        if doc.children(c.id):
            continue
        for sentence in split_sentences(c.text):
            for m in re.finditer(r"[^，,;；。]*(?:\d{4}年)?\d{1,2}月(?:底|末|\d{1,2}日)前[^，,;；。]*", sentence):
                found.append((c, m.group(0).strip()))
    if not found:
        return Draft("文件未明确具体的时间节点。", (), refused=True)
    body = ";".join(f"{p}({clause_ref(c).split('「')[0]})" for c, p in found[:10])
    return Draft(f"文件中的时间节点有:{body}。", tuple(Quote(c, p) for c, p in found[:10]))


# "2024年12月底前" / "6月底" / "年底前" in a list question: the tasks due then.
_DUE_RE = re.compile(r"\d{4}年(?:\d{1,2}月(?:底|末|\d{1,2}日)?|底|末)|\d{1,2}月(?:底|末|\d{1,2}日)?|年底|年末")


def _due_by(doc: Document, when: str) -> Draft | None:
    """"2024年12月底前要完成哪些任务?": every target (task-table row or sentence) due ``when``."""
    found: list[tuple[Clause, str]] = []
    for c in doc.clauses:
        for t in c.facts.targets:
            if t.deadline and when in t.deadline:
                piece = t.indicator if _is_deadline_row(t) else segment_of(t)
                if all(piece != p for _, p in found):
                    found.append((c, piece if piece in t.sentence else t.sentence))
    if not found:
        # Deadlines without a number ("2023年6月底前完成…遴选推荐") are no targets: the dated phrases.
        nodes = _time_nodes(doc)
        dated = [(qt.clause, qt.text) for qt in nodes.quotes if when in qt.text]
        if not dated:
            return None
        body = ";".join(f"{p}({clause_ref(c).split('「')[0]})" for c, p in dated[:10])
        return Draft(f"{when}前要完成的有{len(dated)}项:{body}。", tuple(Quote(c, p) for c, p in dated[:10]))
    quotes = tuple(dict.fromkeys(Quote(c, next(t.sentence for t in c.facts.targets if p in t.sentence))
                                 for c, p in found))
    body = ";".join(f"{p}({clause_ref(c).split('「')[0]})" for c, p in found[:10])
    return Draft(f"{when}前要完成的有{len(found)}项:{body}。", quotes[:10])


def _deadline_list(doc: Document, score) -> Draft:
    """Every time limit written in the document that matches the question ("以工作日计算的期限")."""
    pairs = [(c, t) for c in doc.clauses for t in c.facts.targets
             if re.search(r"工作日|小时|天|个月|日内", t.value + t.indicator) and score(t.sentence) > 0]
    pairs = list({(c.id, segment_of(t)): (c, t) for c, t in pairs}.values())[:8]
    if not pairs:
        return Draft("文件未明确相关期限。", (), refused=True)
    body = ";".join(f"{clause_ref(c).split('「')[0]}:{segment_of(t)}" for c, t in pairs)
    return Draft(f"文件规定的期限有:{body}。", tuple(Quote(c, segment_of(t)) for c, t in pairs))


def _chapters_list(doc: Document) -> Draft:
    chapters = [c for c in doc.clauses if c.kind == ClauseKind.CHAPTER and c.parent_id is None and c.title
                and not c.label.startswith(ANNEX_LABEL_PREFIX)]  # an annex is no part of the body
    body = ";".join(f"{c.label}{c.title}" for c in chapters)
    return Draft(f"共{len(chapters)}个部分:{body}。", tuple(Quote(c, c.title) for c in chapters))


def _bare_departments(doc: Document, text: str) -> list[str]:
    """Department names typed without their level ("财政局" for 市财政局, "统计局"), longest first:
    users drop the 省/市 prefix the document writes."""
    from ingest.departments import _strip_level

    bare = {_strip_level(d.name) for c in doc.clauses for d in c.facts.departments}
    found = sorted((b for b in bare if len(b) >= 3 and b in text), key=len, reverse=True)
    return [b for i, b in enumerate(found) if not any(b in longer for longer in found[:i])]


def _departments_of(clause: Clause, kb: KnowledgeBase):
    return clause.facts.departments or (_ancestor_with_departments(clause, kb) or clause).facts.departments


def _ancestor_with_departments(clause: Clause, kb: KnowledgeBase) -> Clause | None:
    cur = kb.clauses.get(clause.parent_id or "")
    while cur is not None:
        if cur.facts.departments:
            return cur
        cur = kb.clauses.get(cur.parent_id or "")
    return None


def _children_lead(parent: Clause, children: Sequence[Clause]) -> Draft:
    parts = [f"{clause_ref(c)}由{'、'.join(d.name for d in c.facts.departments)}负责" for c in children[:6]]
    return Draft(f"{clause_ref(parent)}各项分工:" + ";".join(parts) + "。",
                 tuple(Quote(c, c.facts.department_text.split("\n")[0]) for c in children[:6]))


_COUNTED_RE = re.compile(r"(?:多少|几)(?:个|家|项|条|所|座|台|套|批)?([\u4e00-\u9fff]{2,6}?)(?:[?？,，。]|$|呢|吗)")


_ASKED_UNIT_RE = re.compile(r"(?:多少|几)(万亿元|亿元|万元|万个|万家|万户|万台|个人|个|家|户|项|台|座|套|人次|人|名|场|批|所)")
# People are counted as 人 or 名 ("5名以上单数专家"); "几个人" counts people, not 个.
_UNIT_SPELLINGS = {"个人": r"(?:人|名)", "人": r"(?:人|名)", "名": r"(?:人|名)"}


def _asked_unit(q: Query) -> str:
    """The unit a "多少个/几家" question counts in ("" when it names none)."""
    m = _ASKED_UNIT_RE.search(q.text)
    return m.group(1) if m else ""


def _counted_noun(q: Query) -> str:
    """"计划开放多少个数据集?" → "数据集": what is being counted must be in the target."""
    m = _COUNTED_RE.search(q.text)
    noun = m.group(1) if m else ""
    # "多少天内要核实" / "几个点给" count days or points and go on with a verb: no noun is counted.
    if re.match(r"工作日|小时|分钟|个|比例|比率|百分|占比|[天日年月周时点倍成次号分秒]", noun) or re.search(r"要|能|给|会|可|应|被|让|是|才|就|得", noun):
        return ""
    return noun


def _strip_label(sentence: str) -> str:
    """"第五条　市人民政府应当…" → "市人民政府应当…" for display (quotes keep the label)."""
    return re.sub(r"^第[一二三四五六七八九十百零〇\d]+条[\s\u3000]*", "", sentence)


def _asks_all(q: Query) -> bool:
    return bool(re.search(r"哪些|有什么|分别|都有|几个|所有", q.text)) or q.follow_up


def _asks_several(q: Query) -> bool:
    return bool(re.search(r"和|及|与|、|各|分别|哪些|两个|三个|几个", q.text)) or q.text.count("多少") > 1


def _all_targets(clause: Clause) -> Draft:
    """"第13条的量化目标有哪些?" / "那它的目标呢?": every target of the clause, each as the
    piece of its sentence around the value."""
    pieces = list(dict.fromkeys(segment_of(t) for t in clause.facts.targets))
    return Draft(f"{clause_ref(clause)}的量化目标:" + ";".join(pieces) + "。",
                 tuple(Quote(clause, p) for p in pieces))


def _several_targets(ranked: Sequence[tuple[Clause, Target]], score) -> Draft:
    top = score(ranked[0][1].indicator)
    first_clause, first = ranked[0]
    # From another clause only what names the same indicator or matches the question about as
    # well: "累计" alone must not bring in 上云企业 when 5G基站 was asked.
    chosen = [(c, t) for c, t in ranked if score(t.indicator) > 0 and score(t.indicator) >= top / 3
              and (c.id == first_clause.id or _same_indicator(first, t)
                   or score(t.indicator) >= top / 2 and score(segment_of(t)) >= score(segment_of(first)) / 2)][:4] \
        or list(ranked[:1])
    pieces = list(dict.fromkeys((c, segment_of(t)) for c, t in chosen))
    ref = clause_ref(chosen[0][0])
    return Draft(f"根据{ref}:" + ";".join(p.rstrip("，,；;。") for _, p in pieces) + "。", tuple(Quote(c, p) for c, p in pieces))


def _close_second(ranked: Sequence[tuple[Clause, Target]], score) -> bool:
    """Two targets about the same indicator in different places (a table row and a task)."""
    (c1, t1), (c2, t2) = ranked[0], ranked[1]
    s1, s2 = score(t1.indicator), score(t2.indicator)
    return c1.id != c2.id and s1 > 0 and s2 >= s1 and segment_of(t1) != segment_of(t2) and _same_indicator(t1, t2)


def _same_indicator(t1: Target, t2: Target) -> bool:
    """Both name the same thing: their indicators share a run of 4+ characters (the table's
    "5G行业虚拟专网数量" and the task's "5G行业虚拟专网")."""
    a, b = t1.indicator, t2.indicator
    return any(a[i:i + 4] in b for i in range(len(a) - 3)) or (len(a) < 4 and a in segment_of(t2))


def _around(t: Target) -> str:
    """The words just before and after the target's value: "紧急诉求2小时内响应" for 2小时."""
    i = t.sentence.find(t.value)
    return t.sentence[max(0, i - 8):i + len(t.value) + 4] if i >= 0 else t.sentence


def segment_of(t: Target) -> str:
    """The comma-delimited piece of the target sentence that holds its value (verbatim); a table
    row is one piece (its cells may hold commas: "市大数据局，各有关部门")."""
    if t.display:
        return t.sentence
    parts = re.split(r"(?<=[,,;;。])", t.sentence)
    for p in parts:
        if t.value in p:
            return p.strip().rstrip(",,;;。")
    return t.sentence.rstrip("。")


def _ranked_targets(clauses: Sequence[Clause], score) -> list[tuple[Clause, Target]]:
    scored = []
    for rank, clause in enumerate(clauses):
        for t in clause.facts.targets:
            if score(t.indicator) > 0 or score(t.sentence) > 2:
                scored.append((2 * score(segment_of(t)) + score(t.indicator) + 1.0 / (rank + 2), clause, t))
    scored.sort(key=lambda x: x[0], reverse=True)
    return [(c, t) for _, c, t in scored]


_DATE_RE = re.compile(r"\d{4}年(?:\d{1,2}月)?(?:底|末)?前?|\d{1,2}月(?:底|末)前|每年\d{1,2}月")
_TIME_ASKED_RE = re.compile(r"什么时候|何时|哪天|时限|期限|截止|几月|哪年|多久|多长时间|时间节点|完成时间|之前|前完成")


def _is_deadline_row(t: Target) -> bool:
    """A row of a task table whose value is its deadline (see ``ingest.facts.table_facts``)."""
    return bool(t.display) and t.value == t.deadline


def _dedupe(clauses: Sequence[Clause]) -> list[Clause]:
    return list({c.id: c for c in clauses}.values())


def _near_quote(clause: Clause | None) -> tuple[Quote, ...]:
    if clause is None or not clause.text:
        return ()
    first = clause.text.split("。")[0]
    return (Quote(clause, first + ("。" if first != clause.text else "")),) if first else ()


def _not_found(hits: Sequence[Hit]) -> Draft:
    return Draft("文件未明确涉及该问题,请换一种问法或确认相关政策文件已导入。", (), refused=True)


# "具体申报通知另行发布", "收益的分配办法另行制定": left to a later rule.
_DEFERRED_RE = re.compile(r"[^。；;，,：:]*另行(?:制定|发布|通知|明确|规定|印发|公布)[^。；;，,]*")
_HOW_OR_WHAT_RE = re.compile(r"怎么|如何|怎样|多少|什么|哪些|几|标准|办法|规则|比例|截止|何时")
_ASKED_DUTY_RE = re.compile(r"(?:谁|哪个部门|哪个单位|哪家单位|哪些部门)(?:来|在|去|负责|牵头)?([\u4e00-\u9fff]{2,6})")
_KINDS_ASKED_RE = re.compile(r"方向|领域|情形|情况|条件|要求|行为")
_EXCEPTION_RE = re.compile(r"其中[，,]\s*([^。；;，,]{2,30}?)由([^。；;]{2,60}?)(?:牵头|负责)[^。；;]*[。；;]?")
_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_MARKER_RE = re.compile(r"\[\d+\]")  # generative answers' citation markers are no numbers to ground


def _numbers_grounded(text: str, citations: Sequence[Citation], question: str = "") -> bool:
    """Every number in the answer appears in a quote, a unit label, a clause reference or the
    question ("您所述为1.4" repeats the enterprise's own figure)."""
    pool = " ".join(f"{c.quote} {c.unit} {c.title} {' '.join(c.path)}" for c in citations) + " " + question
    counted = re.sub(r"共\d+|参与\d+项|\d+项[::]|有\d+项|全部\d+项|包括\d+项", "", text)  # counts we computed
    return all(n in pool for n in _NUM_RE.findall(counted))
