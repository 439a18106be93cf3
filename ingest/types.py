"""Typed records passed between the ingest stages (load → parse → facts → chunk).

Everything is frozen: later stages derive new records with ``dataclasses.replace``
instead of mutating what an earlier stage produced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any


def content_hash(text: str, length: int = 16) -> str:
    """Stable short id for a piece of text (sha256 prefix)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """Metadata printed on a Chinese government document, when present."""

    title: str = ""
    doc_number: str = ""  # 发文字号, e.g. 鲁工信数据〔2022〕52号
    issuers: tuple[str, ...] = ()  # 发文机关 / 联合印发单位
    issue_date: str = ""  # 印发日期 / 成文日期 as written, e.g. 2022年3月22日, 二○一九年三月五日
    publish_date: str = ""  # 发布时间 as written, e.g. 2022-04-02
    issue_date_iso: str = ""  # the same date as YYYY-MM-DD, for comparisons
    effective_date: str = ""  # 施行 date as written: 2025年9月1日, or 印发之日 / 发布之日
    effective_date_iso: str = ""  # YYYY-MM-DD (印发之日 → the issue date)
    valid_until: str = ""  # end of the 有效期 as written ("2030年8月31日"), or derived from "有效期3年"
    valid_until_iso: str = ""
    validity: str = ""  # the verbatim sentence stating 施行 and/or 有效期, e.g. "本办法自…起施行，有效期至…"

    def is_expired(self, today: date | None = None) -> bool:
        """施行期已过: the 有效期 ended before ``today`` (False when the document states none)."""
        return bool(self.valid_until_iso) and self.valid_until_iso < (today or date.today()).isoformat()


@dataclass(frozen=True, slots=True)
class LoadedText:
    """What a loader returns: the document text exactly as every later stage sees it.

    Citations quote substrings of ``text``, so the loader is the single place where
    the text is normalised (line endings, encodings, docx/pdf/html extraction).
    """

    source: str  # file name as given by the user
    text: str
    format: str  # txt, md, docx, pdf, html
    encoding: str = "utf-8"


class ClauseKind(str, Enum):
    """What a node of the clause tree is."""

    DOCUMENT = "document"
    NOTICE = "notice"  # 印发通知 before the body of a plan
    PREAMBLE = "preamble"  # text after the title, before the first heading
    CHAPTER = "chapter"  # 第一章 / 一、 (a top-level section)
    SECTION = "section"  # 第一节
    ARTICLE = "article"  # 第一条 / 1. (a measure)
    ITEM = "item"  # (一) / (1) / ① below an article
    TABLE = "table"
    SIGNATURE = "signature"  # 落款: issuers and date lines
    TRAILER = "trailer"  # anything after the signature (file names, 抄送)


@dataclass(frozen=True, slots=True)
class Department:
    """A department named as responsible for a clause."""

    name: str  # exactly as written in the document
    role: str = "responsible"  # lead | partner | responsible
    duty: str = ""  # for running text ("市大数据局负责…"): the verbatim sentence naming the duty


@dataclass(frozen=True, slots=True)
class Target:
    """A quantified target: value and unit exactly as written."""

    sentence: str  # verbatim sentence (substring of the document text)
    indicator: str  # what is measured, e.g. 软件业务收入
    value: str  # e.g. 8500亿元, 6万个, 20%, 117左右
    deadline: str = ""  # e.g. 2022年底
    verb: str = ""  # 突破 / 达到 / 超过 / 新建 …
    display: str = ""  # table rows: "指标:关键工序数控化率;2022年基数:58.5%;…" built from header and cells


@dataclass(frozen=True, slots=True)
class Incentive:
    """A support measure: condition → benefit, as written."""

    sentence: str  # verbatim
    condition: str  # e.g. 首次通过DCMM二级及以上企业
    benefit: str  # e.g. 财政补贴
    amount: str = ""  # only when the text states one, e.g. 500万元 / 10%
    cap: str = ""  # e.g. 最高不超过1000万元


@dataclass(frozen=True, slots=True)
class ClauseFacts:
    departments: tuple[Department, ...] = ()
    department_text: str = ""  # the verbatim responsibility phrase, e.g. "省工业和信息化厅负责"
    targets: tuple[Target, ...] = ()
    incentives: tuple[Incentive, ...] = ()


@dataclass(frozen=True, slots=True)
class Clause:
    """A node of the clause tree with its verbatim text and span in the source."""

    id: str
    doc_id: str
    kind: ClauseKind
    label: str  # heading label as written: "三、", "8.", "第十条", "(二)"
    number: int | None  # ordinal of the label (8 for "8.", 3 for "三、"), when it has one
    title: str  # heading text, or text before the first 。 of a measure
    text: str  # verbatim text of this node including its children
    start: int  # span in LoadedText.text: text == doc.text[start:end]
    end: int
    level: int
    parent_id: str | None = None
    path: tuple[str, ...] = ()  # breadcrumb of headings from the top section down to this node
    facts: ClauseFacts = field(default_factory=ClauseFacts)

    @property
    def unit(self) -> str:
        """Short reference used in answers and citations: "8" for measure 8, "第十条", "三"."""
        return self.label.strip("、.．()（）[] ")

    def __repr__(self) -> str:
        return f"Clause({self.kind.value} {self.label!r} {self.title[:20]!r} [{self.start}:{self.end}])"


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: its text, metadata and clause tree (pre-order list)."""

    id: str  # content hash of the text
    source: str
    text: str
    meta: DocumentMeta
    clauses: tuple[Clause, ...]
    format: str = "txt"

    @property
    def title(self) -> str:
        return self.meta.title or self.source

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    def children(self, clause_id: str | None) -> list[Clause]:
        return [c for c in self.clauses if c.parent_id == clause_id]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of one clause, the unit of retrieval. Never crosses a clause boundary."""

    id: str
    doc_id: str
    clause_id: str
    text: str  # verbatim slice of the document text
    start: int
    end: int
    path: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def embed_text(self, title: str) -> str:
        """What the embedder sees: breadcrumb first so short clauses keep their context."""
        return " › ".join((title, *self.path)) + "\n" + self.text
