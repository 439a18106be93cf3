"""Abstain when the documents do not hold what is asked, with the few checks that are general:

- a clause number the document does not have (第99条 in a 22-article text) — say what it has;
- a place the documents never mention (years and the rest: ``app.refusal``, checked before);
- a follow-up that leans on an earlier turn when there is none ("那它的目标呢?");
- evidence too weak: no candidate sentence covers enough of the question (``MIN_COVER``);
- every part asks for a value (an amount, a date, a duration …) that no chosen sentence shows.

A value that stands in the selected evidence is never refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.answering.evidence import Evidence
from app.answering.query import Question
from ingest.types import ClauseKind, Document

MIN_COVER = 0.25  # fitted on the development documents (eval/fit_evidence.py)
FACET_NAMES = {"money": "具体金额或标准", "rate": "具体比例", "date": "具体日期", "duration": "具体期限或时长",
                "contact": "联系方式", "number": "具体数字", "department": "负责部门", "channel": "办理渠道或平台",
                "materials": "所需材料", "docno": "文号"}
KIND_OF_REF = {"条": (ClauseKind.ARTICLE,), "章": (ClauseKind.CHAPTER, ClauseKind.SECTION),
                "部分": (ClauseKind.SECTION, ClauseKind.CHAPTER)}
# A place is a word of its own ending in a level (越秀区, 江苏省), not a run of characters before
# one (社区, 小区, 上市): the question's tokens are checked, with the common generic ones left out.
_PLACE_SUFFIX_RE = re.compile(r"^[\u4e00-\u9fff]{2,6}(?:省|自治区|市|区|县|州)$")
_GENERIC_PLACE_RE = re.compile(r"^(?:本|全|我|该|各|外|这|那|哪|每|此)|(?:社区|小区|园区|城区|景区|市区|片区|辖区|街区|"
                               r"校区|矿区|库区|牧区|山区|林区|灾区|试验区|示范区|开发区|功能区|保护区|自贸区|上市|城市|超市|"
                               r"门市|股市|楼市|都市)$")
_ORPHAN_RE = re.compile(r"^(?:那|那么)(?:它|它们|这个|这条|这项|其)?.{0,10}呢[?？]?$|^(?:它|它们)(?:的)?(?:目标|内容|要求|期限)")
_ENGLISH_QUESTION_WORDS = frozenset("what who which when where how does did the and for with are was that this "
                                    "from about into".split())


@dataclass(frozen=True, slots=True)
class Refusal:
    what: str  # what the documents do not state, for "文件未明确{what}"
    message: str = ""  # a full message instead (a clause the document does not have)


def before_retrieval(q: Question, docs: Sequence[Document], has_history: bool) -> Refusal | None:
    if q.follow_up and not has_history and _ORPHAN_RE.match(q.text):
        return Refusal("", "请先说明“它”指的是哪一项措施、条款或文件,例如“第3条的目标是什么?”。")
    for ref in q.references:
        kinds = KIND_OF_REF.get(ref.kind)
        if kinds is None:
            continue
        numbers = sorted({c.number for d in docs for c in d.clauses if c.kind in kinds and c.number is not None})
        if numbers and ref.number not in numbers:
            span = f"第{numbers[0]}至第{numbers[-1]}{ref.kind}" if len(numbers) > 1 else f"第{numbers[0]}{ref.kind}"
            return Refusal("", f"文件中没有{ref.written}(该文件共有{span})。")
    texts = [d.text for d in docs]
    if not re.search(r"[\u4e00-\u9fff]", q.text):
        # An English question over Chinese documents: only its words the documents use can tie it to them.
        words = [w for w in re.findall(r"[A-Za-z]{3,}", q.text) if w.lower() not in _ENGLISH_QUESTION_WORDS]
        lowered = [t.lower() for t in texts]
        if words and not all(any(w.lower() in t for t in lowered) for w in words):
            return Refusal("该问题的相关内容")
    for place in _places(q):
        if not any(place in t or place.rstrip("省市区县州") in t for t in texts):
            return Refusal(f"{place}的相关规定(本文件不涉及该地区)")
    return None


def _places(q: Question) -> list[str]:
    return [t for t in q.tokens if _PLACE_SUFFIX_RE.match(t) and not _GENERIC_PLACE_RE.search(t)]


def unplaced(q: Question, place_names: Sequence[str], doc: Document, quoted: str) -> Refusal | None:
    """A place the question names ("济南市的目标") that is neither the document's own area (its
    title and opening lines) nor in the quotes: the document's figure is not that place's."""
    head = doc.text[:HEAD_CHARS] + doc.title
    for place in place_names:
        if place in q.text and place not in head and place not in quoted:
            return Refusal(f"{place}的具体规定(本文件的相关表述不针对该地区)")
    return None


HEAD_CHARS = 600


def after_evidence(evidence: Evidence) -> Refusal | None:
    if evidence.missing and len(evidence.missing) == len(evidence.question.parts):
        part, facet = evidence.missing[0]
        if facet == "number" and part.unit:
            return Refusal(f"{part.unit}数")  # "要交几份?" → 文件未明确份数
        return Refusal(FACET_NAMES.get(facet, "该信息"))
    if evidence.top_cover < MIN_COVER:
        return Refusal("该问题的相关内容")
    return None
