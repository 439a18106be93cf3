"""The web tab 责任清单 (issue 9): the responsibility ledger of a document as a table, filtered by
department (aliases allowed: the dropdown lists each department once, by its standard name) and
by "has a quantified target", with .xlsx/.csv downloads and the department × measure chart.

Built on ``app.ledger``, ``app.ledger_export`` and ``app.ledger_chart``, as ``policyqa ledger``.
The document list is refreshed when the tab is opened, so documents ingested elsewhere appear.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from matplotlib.figure import Figure

from app.errors import user_message
from app.ledger import (ROLE_LABELS, Ledger, LedgerError, LedgerRow, build_ledger, department_summary, filter_rows,
                        measure_record, select_documents)
from app.ledger_chart import department_matrix, matrix_figure
from app.ledger_export import export_ledger, export_name
from app.service import AssistantService
from app.web_i18n import error, warn
from ingest.departments import canonical
from ingest.types import Document

ALL_DOCUMENTS = "*"  # dropdown value for every document (None means "no selection" in gradio)
ALL_DEPARTMENTS = "全部部门"
SHOWN_COLUMNS = ("编号", "措施", "责任部门", "量化目标", "支持政策")
EXPORT_TTL_S = 3600.0  # exports older than this are removed (gradio has copied them to its cache by then)
_EXPORT_ROOT = Path(tempfile.gettempdir()) / "policyqa-ledger-exports"


# ---- data for the page --------------------------------------------------------------------------

def document_choices(docs: Sequence[Document]) -> list[tuple[str, str]]:
    choices = [(f"{d.title}({d.source})", d.id) for d in docs]
    return choices + [("全部文档", ALL_DOCUMENTS)] if len(docs) > 1 else choices


def department_choices(ledger: Ledger) -> list[str]:
    """Each department once, by its standard name (工信厅 and 省工业和信息化厅 are one), busiest first."""
    names = dict.fromkeys(canonical(s.name) for s in department_summary(ledger))
    return [ALL_DEPARTMENTS, *names]


# Relative column widths: every column fits the page (a phone too) and long texts wrap, instead
# of 支持政策 and 角色 sitting off-screen to the right.
_COLUMN_WEIGHTS = {"文件": 14, "编号": 10, "措施": 20, "角色": 10, "责任部门": 22, "量化目标": 22, "支持政策": 18}


def columns(department: str | None, many_docs: bool) -> list[str]:
    shown = list(SHOWN_COLUMNS)
    if department:
        shown.insert(shown.index("措施") + 1, "角色")  # next to the measure, where it is seen
    return (["文件"] if many_docs else []) + shown


def column_widths(names: Sequence[str]) -> list[str]:
    total = sum(_COLUMN_WEIGHTS[n] for n in names)
    return [f"{100 * _COLUMN_WEIGHTS[n] / total:.1f}%" for n in names]


def table(rows: Sequence[LedgerRow], department: str | None, many_docs: bool) -> pd.DataFrame:
    """The shown columns of ``MEASURE_COLUMNS`` (the downloads hold them all), plus the department's
    role as the document states it (牵头 / 配合, or 负责 when it names no lead)."""
    columns_ = columns(department, many_docs)
    records = []
    for r in rows:
        rec = measure_record(r)
        if department:
            rec["角色"] = ROLE_LABELS[r.role_of(department) or "responsible"]
        records.append([rec[c] for c in columns_])
    return pd.DataFrame(records, columns=columns_)


def summary_html(docs: Sequence[Document], rows: Sequence[LedgerRow], department: str | None,
                 targets_only: bool) -> str:
    head = f"《{docs[0].title}》" if len(docs) == 1 else f"{len(docs)}份文件"
    who = f"“{department}”牵头或参与的" if department else ""
    only = "有量化目标的" if targets_only else ""
    targets = sum(len(r.targets) for r in rows)
    text = f"{head}:{who}{only}措施 {len(rows)} 项,量化目标 {targets} 个。"
    if department and not rows:
        text += "没有符合条件的措施。"
    return f'<div class="pqa-ledger-summary">{html.escape(text)}</div>'


def export_files(docs: Sequence[Document], department: str | None, targets_only: bool) -> tuple[Path, Path]:
    """The .xlsx workbook (with the chart) and the measures .csv (UTF-8 with BOM), in a fresh folder."""
    folder = fresh_export_dir()
    xlsx = export_ledger(docs, "xlsx", folder / export_name(docs, department, "xlsx"), department=department,
                         only_targets=targets_only)[0]
    csv = export_ledger(docs, "csv", folder / export_name(docs, department, "csv"), department=department,
                        only_targets=targets_only, chart=False)[0]
    return xlsx, csv


def fresh_export_dir() -> Path:
    """A new folder per export (two visitors never share a file); old ones are removed first."""
    _EXPORT_ROOT.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - EXPORT_TTL_S
    for old in _EXPORT_ROOT.iterdir():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=_EXPORT_ROOT))


def measure_key_html(rows: Sequence[LedgerRow]) -> str:
    """What the chart's measure numbers stand for (its axis has room for the numbers only)."""
    labels = department_matrix(rows).measures
    items = "".join(f"<li><b>{html.escape(label)}</b> {html.escape(r.title)}</li>" for label, r in zip(labels, rows))
    return f'<div class="pqa-ledger-key">图中措施编号:<ul>{items}</ul></div>' if items else ""


def chart(rows: Sequence[LedgerRow], docs: Sequence[Document], department: str | None) -> Figure:
    head = docs[0].title if len(docs) == 1 else f"{len(docs)}份文件"
    return matrix_figure(rows, f"{head} 部门×措施分工" + (f"({department})" if department else ""))


# ---- the tab ----------------------------------------------------------------------------------

def _documents(service: AssistantService) -> list[Document]:
    try:
        return sorted(service.get().kb.documents, key=lambda d: d.source)
    except Exception as ex:  # noqa: BLE001 - re-raised unless it has a user message
        msg = user_message(ex)
        if msg is None:
            raise
        raise error(msg) from ex


def render(service: AssistantService, doc: str | None, department: str | None, targets_only: bool) -> tuple:
    """Every output of the tab for the chosen document, department and filter."""
    all_docs = _documents(service)
    try:
        docs = select_documents(all_docs, None if doc in (None, "", ALL_DOCUMENTS) else doc)
    except LedgerError as ex:
        empty = pd.DataFrame([], columns=list(SHOWN_COLUMNS))
        note = f'<div class="pqa-ledger-summary">{html.escape(ex.user_message)}</div>'
        return gr.update(choices=[ALL_DEPARTMENTS], value=ALL_DEPARTMENTS), note, empty, None, "", None, None
    ledger = build_ledger(docs)
    departments = department_choices(ledger)
    department = department if department in departments[1:] else None
    rows = filter_rows(ledger, department, targets_only)
    files = _exports(docs, department, targets_only)
    frame = table(rows, department, len(docs) > 1)
    return (gr.update(choices=departments, value=department or ALL_DEPARTMENTS),
            summary_html(docs, rows, department, targets_only),
            gr.update(value=frame, column_widths=column_widths(list(frame.columns))),
            chart(rows, docs, department), measure_key_html(rows), *files)


def _exports(docs: Sequence[Document], department: str | None, targets_only: bool) -> tuple[str | None, str | None]:
    """The download files; when they cannot be written (disk full, no permission) the table still shows."""
    try:
        xlsx, csv = export_files(docs, department, targets_only)
    except OSError as ex:
        msg = user_message(ex)
        if msg is None:
            raise
        warn(f"导出文件未能生成:{msg}")
        return None, None
    return str(xlsx), str(csv)


def ledger_tab(service: AssistantService) -> tuple[Any, list[Any], list[Any]]:
    """Builds the tab; returns its refresh function, the inputs it keeps and the components it fills."""
    gr.Markdown("每项措施的编号、责任部门、量化目标和支持政策。可按部门筛选(简称与全称视为同一部门),并下载 Excel/CSV。")
    with gr.Row(equal_height=True):
        doc = gr.Dropdown(label="文档", choices=[], elem_id="pqa-ledger-doc", scale=3)
        department = gr.Dropdown(label="部门", choices=[ALL_DEPARTMENTS], value=ALL_DEPARTMENTS,
                                 elem_id="pqa-ledger-dept", scale=2)
        targets_only = gr.Checkbox(label="只看有量化目标的", value=False, elem_id="pqa-ledger-targets", scale=1)
    summary = gr.HTML(elem_id="pqa-ledger-summary")
    frame = gr.Dataframe(headers=list(SHOWN_COLUMNS), interactive=False, wrap=True, elem_id="pqa-ledger-table",
                         label="责任清单", column_widths=column_widths(SHOWN_COLUMNS))
    with gr.Row():
        xlsx = gr.DownloadButton("下载 Excel(.xlsx)", elem_id="pqa-ledger-xlsx", size="sm")
        csv = gr.DownloadButton("下载 CSV", elem_id="pqa-ledger-csv", size="sm")
    plot = gr.Plot(label="部门×措施分工矩阵(图例只列出现的分工)", format="png", elem_id="pqa-ledger-chart")
    key = gr.HTML(elem_id="pqa-ledger-key")
    outputs = [department, summary, frame, plot, key, xlsx, csv]

    def show(doc_value: str | None, dept: str | None, only: bool) -> tuple:
        return render(service, doc_value, None if dept == ALL_DEPARTMENTS else dept, bool(only))

    def refresh(selected: str | None = None, dept: str | None = None, only: bool = False) -> tuple:
        docs = _documents(service)
        values = [v for _, v in document_choices(docs)]
        chosen = selected if selected in values else (values[0] if values else None)
        return (gr.update(choices=document_choices(docs), value=chosen), *show(chosen, dept, only))

    # .input (not .change): only what the user does re-renders; refresh sets the values itself.
    doc.input(lambda d, only: show(d, None, only), [doc, targets_only], outputs)
    gr.on([department.input, targets_only.input], show, [doc, department, targets_only], outputs)
    return refresh, [doc, department, targets_only], [doc, *outputs]
