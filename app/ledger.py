"""Responsibility ledger (重点任务台账 / 责任清单): one row per measure, with its departments,
quantified targets and incentives, and a per-department view.

Pure functions over parsed Documents: every department name, value and unit is copied from the
clause facts, so the ledger shows the document's own spelling. A measure that names no
department says 未写明; nothing is guessed.

    >>> ledger = build_ledger([doc])
    >>> [r.number for r in department_view(ledger, "大数据局").rows]
    ['8', '9', '12', '20', '22']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.compose import clause_ref
from ingest.departments import canonical, matches
from ingest.types import Clause, ClauseKind, Department, Document, Target

NOT_STATED = "未写明"
ROLE_LABELS = {"lead": "牵头", "partner": "配合", "responsible": "负责"}
# Heading-like units that become a ledger row only when they carry facts of their own
# (a "一、总体目标" chapter with targets); otherwise their measures are the rows.
_CONTAINERS = (ClauseKind.CHAPTER, ClauseKind.SECTION, ClauseKind.PREAMBLE)
_SKIPPED = (ClauseKind.NOTICE, ClauseKind.SIGNATURE, ClauseKind.TRAILER, ClauseKind.DOCUMENT, ClauseKind.TABLE)


class LedgerError(Exception):
    """A ledger request that cannot be served; ``user_message`` is shown as is."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One quantified target of one measure: value and unit exactly as written."""

    doc_id: str
    doc_title: str
    clause_id: str
    number: str  # the measure's number, e.g. "8", "第十一条", "（二）1."
    measure: str  # the measure's title
    indicator: str
    value: str
    deadline: str
    sentence: str  # verbatim sentence holding the target

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "doc_title": self.doc_title, "clause_id": self.clause_id,
                "number": self.number, "measure": self.measure, "indicator": self.indicator,
                "value": self.value, "deadline": self.deadline, "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One measure (article, item or numbered task) of one document."""

    doc_id: str
    doc_title: str
    doc_source: str
    clause_id: str
    number: str
    ref: str  # clause reference used in answers: 第8条「完善数据要素供给体系」
    section: str  # the top-level part the measure sits in
    title: str
    departments: tuple[Department, ...]  # names as written, with lead/partner/responsible role
    department_text: str  # the verbatim responsibility phrase
    targets: tuple[TargetRow, ...] = ()
    incentives: tuple[str, ...] = ()  # "condition → benefit amount (cap)" summaries, as written

    def names(self, role: str) -> tuple[str, ...]:
        return tuple(d.name for d in self.departments if d.role == role)

    @property
    def lead(self) -> tuple[str, ...]:
        return self.names("lead")

    @property
    def partners(self) -> tuple[str, ...]:
        return self.names("partner")

    @property
    def responsible(self) -> tuple[str, ...]:
        """Departments named without a lead/partner split ("…按分工负责")."""
        return self.names("responsible")

    @property
    def departments_display(self) -> str:
        """"市工业和信息化局(牵头)、市财政局(配合)", "省工业和信息化厅、省大数据局" or 未写明."""
        if not self.departments:
            return NOT_STATED
        return "、".join(d.name + (f"({ROLE_LABELS[d.role]})" if d.role != "responsible" else "")
                        for d in self.departments)

    def role_of(self, name: str) -> str | None:
        """The role of the department the user typed (aliases allowed), or None."""
        return next((d.role for d in self.departments if matches(name, d.name)), None)

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "doc_title": self.doc_title, "doc": self.doc_source,
                "clause_id": self.clause_id, "number": self.number, "ref": self.ref, "section": self.section,
                "title": self.title, "lead": list(self.lead), "partners": list(self.partners),
                "responsible": list(self.responsible), "departments": self.departments_display,
                "department_text": self.department_text, "targets": [t.to_dict() for t in self.targets],
                "incentives": list(self.incentives)}


@dataclass(frozen=True, slots=True)
class Ledger:
    rows: tuple[LedgerRow, ...]

    @property
    def targets(self) -> tuple[TargetRow, ...]:
        return tuple(t for r in self.rows for t in r.targets)

    def to_dict(self) -> dict[str, Any]:
        return {"measures": [r.to_dict() for r in self.rows], "targets": [t.to_dict() for t in self.targets],
                "departments": [s.to_dict() for s in department_summary(self)]}


@dataclass(frozen=True, slots=True)
class DepartmentView:
    """Every measure one department leads, joins or is responsible for."""

    query: str  # as the user typed it, e.g. 工信厅
    names: tuple[str, ...]  # the documents' own spellings that matched, e.g. 省工业和信息化厅
    rows: tuple[LedgerRow, ...]
    roles: tuple[str, ...]  # role per row: lead | partner | responsible

    @property
    def targets(self) -> tuple[TargetRow, ...]:
        return tuple(t for r in self.rows for t in r.targets)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "names": list(self.names),
                "measures": [dict(r.to_dict(), role=role) for r, role in zip(self.rows, self.roles)],
                "targets": [t.to_dict() for t in self.targets]}


@dataclass(frozen=True, slots=True)
class DepartmentSummary:
    doc_title: str
    name: str  # as written in the document
    canonical: str
    lead: tuple[str, ...] = ()  # measure numbers
    partner: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    targets: int = 0
    aliases: tuple[str, ...] = field(default_factory=tuple)  # other spellings of the same department

    @property
    def measures(self) -> int:
        return len(self.lead) + len(self.partner) + len(self.responsible)

    def to_dict(self) -> dict[str, Any]:
        return {"doc_title": self.doc_title, "name": self.name, "canonical": self.canonical,
                "lead": list(self.lead), "partner": list(self.partner), "responsible": list(self.responsible),
                "measures": self.measures, "targets": self.targets, "aliases": list(self.aliases)}


# ---- building ---------------------------------------------------------------------------

def build_ledger(docs: Iterable[Document]) -> Ledger:
    """The ledger of every document, measures in document order.

    :param docs: parsed documents (``parse_document`` or the index's document store).
    :returns: one row per measure; a measure's items are folded into it.
    """
    from app.incentives import document_catalogue  # incentives builds on the measure helpers below

    rows: list[LedgerRow] = []
    for doc in docs:
        units = measure_units(doc)
        numbers = _unique_numbers(doc, units)
        entries = document_catalogue(doc)
        for unit in units:
            own = [e for e in entries if e.measure_id == unit.id]
            rows.append(_row(doc, unit, numbers[unit.id], own))
    return Ledger(tuple(rows))


def _row(doc: Document, unit: Clause, number: str, entries: Sequence[Any]) -> LedgerRow:
    depts, phrase = measure_departments(doc, unit)
    targets = tuple(TargetRow(doc.id, doc.title, unit.id, number, unit.title, t.indicator, t.value, t.deadline,
                              t.sentence)
                    for t in measure_targets(doc, unit) if not _is_support_figure(t, entries))
    return LedgerRow(doc_id=doc.id, doc_title=doc.title, doc_source=doc.source, clause_id=unit.id, number=number,
                     ref=clause_ref(unit), section=_section(doc, unit), title=unit.title, departments=depts,
                     department_text=phrase, targets=targets, incentives=tuple(e.summary for e in entries))


@lru_cache(maxsize=64)
def measure_units(doc: Document) -> tuple[Clause, ...]:
    """The clauses that are ledger rows: articles and numbered tasks (their items folded in),
    top-level items with no tasks below them, and headings that carry facts of their own."""
    by_id = {c.id: c for c in doc.clauses}
    units = []
    for c in doc.clauses:
        if c.kind in _SKIPPED:
            continue
        above = _ancestors(c, by_id)
        if any(a.kind in (ClauseKind.ARTICLE, ClauseKind.ITEM) and _is_unit(a, by_id, doc)
               and not _is_heading(doc, a) for a in above):
            continue
        if _is_unit(c, by_id, doc):
            units.append(c)
    return tuple(units)


def _is_unit(c: Clause, by_id: dict[str, Clause], doc: Document) -> bool:
    below = descendants(doc, c)
    if c.kind == ClauseKind.ARTICLE:
        return not any(a.kind == ClauseKind.ARTICLE for a in _ancestors(c, by_id))
    if c.kind == ClauseKind.ITEM:
        inside_task = any(a.kind in (ClauseKind.ARTICLE, ClauseKind.ITEM) for a in _ancestors(c, by_id))
        # a part "(一)…" over numbered tasks is a row only for facts of its own lead-in text
        heads_tasks = any(d.kind == ClauseKind.ARTICLE for d in below)
        return not inside_task and (not heads_tasks or bool(c.facts.targets or c.facts.incentives))
    if c.kind in _CONTAINERS:
        f = c.facts
        has_tasks = any(d.kind in (ClauseKind.ARTICLE, ClauseKind.ITEM) for d in below)
        return bool(f.targets or f.incentives or f.departments and not has_tasks)
    return False


def _ancestors(c: Clause, by_id: dict[str, Clause]) -> list[Clause]:
    out, cur = [], by_id.get(c.parent_id or "")
    while cur is not None:
        out.append(cur)
        cur = by_id.get(cur.parent_id or "")
    return out


def descendants(doc: Document, clause: Clause) -> list[Clause]:
    """Clauses inside ``clause``, in document order (spans nest)."""
    return [c for c in doc.clauses if c.id != clause.id and clause.start <= c.start and c.end <= clause.end
            and c.kind not in _SKIPPED]


def measure_departments(doc: Document, unit: Clause) -> tuple[tuple[Department, ...], str]:
    """Departments of a measure and the verbatim phrase naming them.

    The measure's own responsibility line first. A line at the very end of the measure's last item
    ("(3)…" followed by "牵头单位:…") closes the whole measure, so it counts for the measure;
    otherwise the items' own lines are gathered in order.
    """
    if unit.facts.departments or _is_heading(doc, unit):
        return unit.facts.departments, unit.facts.department_text
    inner = [c for c in descendants(doc, unit) if c.facts.departments]
    if not inner:
        return (), ""
    last = inner[-1]
    last_line = last.facts.department_text.split("\n")[-1].strip()
    if last.end >= unit.end and unit.text.rstrip().endswith(last_line):
        return last.facts.departments, last.facts.department_text
    seen: dict[tuple[str, str], Department] = {}
    for c in inner:
        for d in c.facts.departments:
            seen.setdefault((d.name, d.role), d)
    return tuple(seen.values()), "\n".join(dict.fromkeys(c.facts.department_text for c in inner))


def responsible_for(doc: Document, clause: Clause) -> tuple[tuple[Department, ...], str, Clause | None]:
    """Departments to contact about ``clause``: its own line, else its measure's, else an ancestor's.
    Returns (departments, verbatim phrase, the clause the phrase is in)."""
    by_id = {c.id: c for c in doc.clauses}
    if clause.facts.departments:
        return clause.facts.departments, clause.facts.department_text, clause
    for cur in [clause, *_ancestors(clause, by_id)]:
        if cur.kind in (ClauseKind.ARTICLE, ClauseKind.ITEM) or cur.facts.departments:
            depts, phrase = measure_departments(doc, cur)
            if depts:
                holder = next((c for c in [cur, *descendants(doc, cur)]
                               if c.facts.department_text and phrase.startswith(c.facts.department_text)), cur)
                return depts, phrase, holder
    return (), "", None


def measure_targets(doc: Document, unit: Clause) -> list[Target]:
    """Targets of the measure and of its items, in document order (a heading row: its own only)."""
    return [t for c in measure_parts(doc, unit) for t in c.facts.targets]


def measure_parts(doc: Document, unit: Clause) -> list[Clause]:
    """The clauses whose facts make up a ledger row: a task with its items; a heading alone."""
    return [unit] if _is_heading(doc, unit) else [unit, *descendants(doc, unit)]


def _is_heading(doc: Document, unit: Clause) -> bool:
    """A chapter, or a part whose numbered tasks are rows of their own."""
    return unit.kind in _CONTAINERS or unit.kind == ClauseKind.ITEM and any(
        d.kind == ClauseKind.ARTICLE for d in descendants(doc, unit))


def measure_of(doc: Document, clause: Clause) -> Clause:
    """The ledger row a clause belongs to (itself when it is one)."""
    by_id = {c.id: c for c in doc.clauses}
    units = {u.id for u in measure_units(doc)}
    for cur in [clause, *_ancestors(clause, by_id)]:
        if cur.id in units:
            return cur
    return clause


_MONEY_LIMIT_RE = re.compile(r"(?:不超过|最高|最多)[^,，;；。]{0,6}$")


def _is_support_figure(t: Target, entries: Sequence[Any]) -> bool:
    """Amounts, caps and thresholds of an incentive are not targets of the measure
    ("按设备投资额的10%给予补助,单个项目最高不超过1000万元"), nor is a spending cap
    ("按每家企业不超过3万元的标准")."""
    for e in entries:
        if t.sentence == e.sentence and (t.value in (e.amount, *e.amounts) or t.value in e.cap
                                         or t.value in e.condition):
            return True
    pos = t.sentence.find(t.value)
    return "元" in t.value and pos >= 0 and bool(_MONEY_LIMIT_RE.search(t.sentence[:pos]))


def _section(doc: Document, unit: Clause) -> str:
    by_id = {c.id: c for c in doc.clauses}
    above = _ancestors(unit, by_id)
    top = above[-1] if above else None
    return f"{top.label}{top.title}" if top is not None else ""


def _unique_numbers(doc: Document, units: Sequence[Clause]) -> dict[str, str]:
    """Measure numbers as the document writes them: "8", "第十一条"; with the part labels
    ("二（一）1") when the same label recurs under different parts."""
    by_id = {c.id: c for c in doc.clauses}

    def number(c: Clause, with_parts: bool) -> str:
        chain = [c] + [a for a in _ancestors(c, by_id) if with_parts or a.kind not in _CONTAINERS]
        if len(chain) == 1 and c.kind == ClauseKind.ARTICLE:
            return c.unit or c.title
        return "".join(a.label.strip().rstrip("、.．") for a in reversed(chain)) or c.title

    numbered = [c for c in doc.clauses if c.kind in (ClauseKind.ARTICLE, ClauseKind.ITEM) or c in units]
    short = [number(c, False) for c in numbered]
    with_parts = len(set(short)) < len(short)
    return {u.id: number(u, with_parts) for u in units}


# ---- views ------------------------------------------------------------------------------

def select_documents(docs: Sequence[Document], doc: str | None) -> list[Document]:
    """Documents named by file name, id or title (a part of the title is enough); all when None.

    :raises LedgerError: when nothing is ingested or nothing matches.
    """
    if not docs:
        raise LedgerError("索引中还没有文档,请先运行 policyqa ingest")
    if not doc:
        return list(docs)
    exact = [d for d in docs if doc in (d.source, d.id, d.title)]
    picked = exact or [d for d in docs if doc in d.title or doc in d.source]
    if not picked:
        raise LedgerError(f"未找到文档:{doc}")
    return picked


def department_view(ledger: Ledger, name: str) -> DepartmentView:
    """Every measure whose responsibility line names ``name`` (工信厅 finds 省工业和信息化厅).

    :raises LedgerError: when the name is empty.
    """
    if not name or not name.strip():
        raise LedgerError("请提供部门名称,例如“省大数据局”")
    hits = [(r, r.role_of(name.strip())) for r in ledger.rows]
    hits = [(r, role) for r, role in hits if role is not None]
    names = tuple(dict.fromkeys(d.name for r, _ in hits for d in r.departments if matches(name.strip(), d.name)))
    return DepartmentView(name.strip(), names, tuple(r for r, _ in hits), tuple(role for _, role in hits))


def department_summary(ledger: Ledger) -> list[DepartmentSummary]:
    """One line per department and document: the measures it leads, joins or is responsible for."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in ledger.rows:
        for d in r.departments:
            g = groups.setdefault((r.doc_title, canonical(d.name)),
                                  {"names": [], "lead": [], "partner": [], "responsible": [], "targets": 0})
            g["names"].append(d.name)
            if r.number not in g[d.role]:
                g[d.role].append(r.number)
                g["targets"] += len(r.targets)
    out = []
    for (title, key), g in groups.items():
        names = list(dict.fromkeys(g["names"]))
        out.append(DepartmentSummary(title, names[0], key, tuple(g["lead"]), tuple(g["partner"]),
                                     tuple(g["responsible"]), g["targets"], tuple(names[1:])))
    return sorted(out, key=lambda s: (s.doc_title, -s.measures, s.name))


# ---- tables (web, csv, xlsx share these columns) -------------------------------------------

MEASURE_COLUMNS = ("文件", "编号", "措施", "所属部分", "责任部门", "牵头单位", "配合单位", "量化目标", "支持政策",
                   "责任原文", "条款")
TARGET_COLUMNS = ("文件", "编号", "措施", "指标", "目标值", "期限", "责任部门", "原文")
SUMMARY_COLUMNS = ("文件", "部门", "标准名称", "牵头措施", "配合措施", "负责措施", "措施数", "量化目标数")


def measure_record(row: LedgerRow) -> dict[str, str]:
    targets = ";".join(f"{t.indicator} {t.value}" + (f"({t.deadline})" if t.deadline else "") for t in row.targets)
    return dict(zip(MEASURE_COLUMNS, (
        row.doc_title, row.number, row.title, row.section, row.departments_display, "、".join(row.lead),
        "、".join(row.partners), targets, ";".join(row.incentives), row.department_text.replace("\n", ";"),
        row.ref)))


def target_records(row: LedgerRow) -> list[dict[str, str]]:
    return [dict(zip(TARGET_COLUMNS, (t.doc_title, t.number, t.measure, t.indicator, t.value, t.deadline,
                                      row.departments_display, t.sentence)))
            for t in row.targets]


def summary_record(s: DepartmentSummary) -> dict[str, Any]:
    return dict(zip(SUMMARY_COLUMNS, (s.doc_title, "、".join((s.name, *s.aliases)), s.canonical, "、".join(s.lead),
                                      "、".join(s.partner), "、".join(s.responsible), s.measures, s.targets)))


def filter_rows(ledger: Ledger, department: str | None = None, only_targets: bool = False) -> list[LedgerRow]:
    rows = list(department_view(ledger, department).rows) if department else list(ledger.rows)
    return [r for r in rows if r.targets or not only_targets]


def ledger_table(docs: Sequence[Document], department: str | None = None,
                 only_targets: bool = False) -> list[dict[str, str]]:
    """Display rows (Chinese column names, ``MEASURE_COLUMNS``) for the web tab and the CSV.

    :param department: only measures whose responsibility line names it (aliases allowed).
    :param only_targets: only measures with at least one quantified target.
    """
    return [measure_record(r) for r in filter_rows(build_ledger(docs), department, only_targets)]


def target_table(docs: Sequence[Document], department: str | None = None) -> list[dict[str, str]]:
    """Display rows (``TARGET_COLUMNS``): one per quantified target."""
    return [rec for r in filter_rows(build_ledger(docs), department) for rec in target_records(r)]


def render_text(rows: Sequence[LedgerRow], view: DepartmentView | None = None) -> str:
    """Plain-text ledger for the terminal: one block per measure."""
    lines = []
    if view is not None:
        shown = "、".join(view.names) or view.query
        lines.append(f"{shown}:牵头或参与{len(view.rows)}项措施(" + "、".join(r.number for r in view.rows) + ")")
    for r in rows:
        role = f" [{ROLE_LABELS[r.role_of(view.query) or 'responsible']}]" if view is not None else ""
        lines.append(f"{r.number} {r.title}{role}")
        lines.append(f"    责任部门: {r.departments_display}")
        lines += [f"    目标: {t.indicator} = {t.value}" + (f"({t.deadline})" if t.deadline else "") for t in r.targets]
        lines += [f"    支持: {i}" for i in r.incentives]
    return "\n".join(lines)
