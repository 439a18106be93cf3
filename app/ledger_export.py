"""Ledger export: .xlsx (measures, targets, per-department summary, matrix), .csv (UTF-8 with
BOM, so Excel opens Chinese correctly) and .json, plus the department × measure chart as PNG.

    >>> export_ledger(docs, "xlsx", Path("out/台账.xlsx"))
    [PosixPath('out/台账.xlsx'), PosixPath('out/台账_matrix.png')]
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.ledger import (MEASURE_COLUMNS, SUMMARY_COLUMNS, TARGET_COLUMNS, Ledger, LedgerError, LedgerRow,
                        build_ledger, department_summary, department_view, filter_rows, measure_record,
                        summary_record, target_records)
from app.ledger_chart import department_matrix, save_matrix_png
from ingest.types import Document

FORMATS = ("xlsx", "csv", "json")
CSV_ENCODING = "utf-8-sig"  # BOM: Excel reads the file as UTF-8
_MAX_WIDTH = {"原文": 60, "支持政策": 60, "量化目标": 50, "责任原文": 40, "措施": 28, "所属部分": 30}
_ROLE_MARK = {"lead": "牵头", "partner": "配合", "responsible": "负责", "": ""}


def export_ledger(docs: Sequence[Document], fmt: str, path: Path, *, department: str | None = None,
                  only_targets: bool = False, chart: bool = True) -> list[Path]:
    """Write the ledger of ``docs`` to ``path`` in ``fmt``; returns every file written.

    :param fmt: ``xlsx`` (sheets 措施, 目标, 部门汇总, 矩阵), ``csv`` (``path`` holds the measures;
        ``<stem>_targets.csv`` and ``<stem>_departments.csv`` sit next to it) or ``json``.
    :param department: only the measures this department leads, joins or is responsible for.
    :param only_targets: only measures with a quantified target.
    :param chart: also write the department × measure chart as ``<stem>_matrix.png``.
    :raises LedgerError: for an unknown format.
    """
    if fmt not in FORMATS:
        raise LedgerError(f"不支持的导出格式:{fmt}(可选 {'、'.join(FORMATS)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ledger = build_ledger(docs)
    rows = filter_rows(ledger, department, only_targets)
    picked = Ledger(tuple(rows))
    png = path.with_name(f"{path.stem}_matrix.png") if chart else None
    if png is not None:
        save_matrix_png(rows, png, _chart_title(rows, department))
    written = _WRITERS[fmt](picked, path, png=png, department=department)
    return written + ([png] if png is not None else [])


def _chart_title(rows: Sequence[LedgerRow], department: str | None) -> str:
    titles = list(dict.fromkeys(r.doc_title for r in rows))
    head = titles[0] if len(titles) == 1 else f"{len(titles)}份文件"
    return f"{head} 部门×措施分工" + (f"({department})" if department else "")


# ---- csv ----------------------------------------------------------------------------------

def _write_csv(ledger: Ledger, path: Path, **_: Any) -> list[Path]:
    targets = path.with_name(f"{path.stem}_targets.csv")
    summary = path.with_name(f"{path.stem}_departments.csv")
    write_csv(path, MEASURE_COLUMNS, [measure_record(r) for r in ledger.rows])
    write_csv(targets, TARGET_COLUMNS, [rec for r in ledger.rows for rec in target_records(r)])
    write_csv(summary, SUMMARY_COLUMNS, [summary_record(s) for s in department_summary(ledger)])
    return [path, targets, summary]


# OWASP "CSV Injection": a cell starting with one of these is run as a formula by spreadsheet
# programs (=HYPERLINK(…) sends data away); a leading apostrophe makes it text, shown as written.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula ("=1+1" → "'=1+1")."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def _csv_records(records: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    return ({k: csv_cell(v) for k, v in rec.items()} for rec in records)


def write_csv(path: Path, columns: Sequence[str], records: Sequence[Mapping[str, Any]]) -> Path:
    """One table as CSV, UTF-8 with BOM; formula-like cells are escaped (``csv_cell``)."""
    with open(path, "w", encoding=CSV_ENCODING, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(_csv_records(records))
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV written by ``write_csv`` back into records (the formula escape undone)."""
    with open(path, encoding=CSV_ENCODING, newline="") as fh:
        return [{k: _csv_value(v) for k, v in rec.items()} for rec in csv.DictReader(fh)]


def _csv_value(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


# ---- json ---------------------------------------------------------------------------------

def _write_json(ledger: Ledger, path: Path, *, department: str | None = None, **_: Any) -> list[Path]:
    data = department_view(ledger, department).to_dict() if department else ledger.to_dict()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return [path]


# ---- xlsx ---------------------------------------------------------------------------------

def _write_xlsx(ledger: Ledger, path: Path, *, png: Path | None = None, **_: Any) -> list[Path]:
    from openpyxl import Workbook

    wb = Workbook()
    _sheet(wb.active, "措施", MEASURE_COLUMNS, [measure_record(r) for r in ledger.rows])
    _sheet(wb.create_sheet(), "目标", TARGET_COLUMNS, [rec for r in ledger.rows for rec in target_records(r)])
    _sheet(wb.create_sheet(), "部门汇总", SUMMARY_COLUMNS, [summary_record(s) for s in department_summary(ledger)])
    _matrix_sheet(wb.create_sheet(), ledger.rows, png)
    wb.save(path)
    return [path]


def _sheet(ws: Any, title: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]]) -> None:
    """A table with a bold, frozen, filterable header and column widths fitted to the content."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.title = title
    _append_text(ws, list(columns))
    for rec in records:
        _append_text(ws, [rec.get(c, "") for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"
    if records:
        ws.auto_filter.ref = ws.dimensions
    for i, col in enumerate(columns, 1):
        values = [str(col)] + [str(rec.get(col, "")) for rec in records]
        limit = _MAX_WIDTH.get(col, 30)
        width = min(max(display_width(v) for v in values) + 2, limit)
        ws.column_dimensions[get_column_letter(i)].width = max(width, 6)
        if any(display_width(v) > limit for v in values):
            for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _append_text(ws: Any, values: list[Any]) -> None:
    """Append a row whose strings stay strings: openpyxl stores a value starting with "=" as a
    live formula (a measure text "=HYPERLINK(…)" would become a link that sends data away)."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def _matrix_sheet(ws: Any, rows: Sequence[LedgerRow], png: Path | None) -> None:
    """Departments × measures with 牵头/配合/负责 in the cells, and the chart below when drawn."""
    from openpyxl.styles import Alignment

    m = department_matrix(rows)
    columns = ("部门", *m.measures)
    records = [dict(zip(columns, (name, *(_ROLE_MARK[c] for c in cells))))
               for name, cells in zip(m.departments, m.cells)]
    _sheet(ws, "矩阵", columns, records)
    ws.freeze_panes = "B2"
    for row in ws.iter_rows(min_row=1, min_col=2):
        for cell in row:
            cell.alignment = Alignment(horizontal="center")
    if png is not None and png.exists():
        from openpyxl.drawing.image import Image

        image = Image(str(png))
        scale = min(1.0, 900 / max(image.width, 1))
        image.width, image.height = int(image.width * scale), int(image.height * scale)
        ws.add_image(image, f"A{len(records) + 4}")


def display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


_WRITERS = {"xlsx": _write_xlsx, "csv": _write_csv, "json": _write_json}


def ledger_json(docs: Sequence[Document], department: str | None = None, only_targets: bool = False) -> dict[str, Any]:
    """The ledger as JSON-ready data (for the API): measures, targets and department summary;
    with ``department``, that department's view."""
    ledger = Ledger(tuple(filter_rows(build_ledger(docs), department, only_targets)))
    return department_view(ledger, department).to_dict() if department else ledger.to_dict()


def csv_text(docs: Sequence[Document], department: str | None = None, only_targets: bool = False,
             bom: bool = False) -> str:
    """The measures table as CSV text; ``bom=True`` for a download Excel should open as UTF-8."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=list(MEASURE_COLUMNS))
    writer.writeheader()
    writer.writerows(_csv_records(measure_record(r) for r in filter_rows(build_ledger(docs), department, only_targets)))
    return buf.getvalue()


def export_name(docs: Sequence[Document], department: str | None, ext: str) -> str:
    """The download name the API and the web tab give an export: 责任清单-<file stem>[-<department>].<ext>."""
    parts = ["责任清单"] + ([Path(docs[0].source).stem] if len(docs) == 1 else []) + ([department] if department else [])
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", "-".join(parts)) + f".{ext}"
