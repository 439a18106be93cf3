"""``GET /v1/ledger``: the responsibility ledger (重点任务台账/责任清单) as JSON, CSV or Excel.

The same library calls as ``policyqa ledger``: department names go through the alias table
(工信厅 finds 省工业和信息化厅), and a department no measure names gives an empty ledger with
a message, as the CLI prints an empty list rather than failing.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response, status

from app.api.dependencies import ServiceDep
from app.api.schemas import ErrorOut, LedgerOut
from app.ledger import Ledger, LedgerError, build_ledger, department_view, filter_rows, select_documents
from app.ledger_export import csv_text, export_ledger, export_name
from ingest.departments import matches
from ingest.types import Document

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

router = APIRouter(prefix="/v1/ledger", tags=["责任清单"],
                   responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}})


def documents_or_404(docs: Sequence[Document], doc: str | None) -> list[Document]:
    """The documents ``doc`` names (file name, id or title; all when empty), or a Chinese 404."""
    try:
        return select_documents(docs, (doc or "").strip() or None)
    except LedgerError as ex:
        raise HTTPException(status.HTTP_404_NOT_FOUND, ex.user_message) from ex


DocQuery = Annotated[str | None, Query(max_length=200, description="文件名、标题或文档 ID;为空则为全部文档")]
DepartmentQuery = Annotated[str | None, Query(max_length=50, description="只列该部门牵头或参与的措施,可用简称,如 工信厅")]
FormatQuery = Annotated[Literal["json", "csv", "xlsx"], Query(alias="format", description="json、csv 或 xlsx")]
TargetsQuery = Annotated[bool, Query(description="只列有量化目标的措施")]


@router.get("", response_model=LedgerOut, response_model_exclude_none=True, summary="责任清单(台账)",
            description="每项措施的编号、牵头与配合单位、量化目标与支持政策。format=csv 为措施表(UTF-8 带 BOM),"
                        "format=xlsx 为完整工作簿(措施、目标、部门汇总、部门×措施矩阵)。",
            responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}},
                             "description": "format=json 时为 JSON;csv、xlsx 时为附件下载"}})
def get_ledger(service: ServiceDep, doc: DocQuery = None, department: DepartmentQuery = None,
               fmt: FormatQuery = "json", targets_only: TargetsQuery = False) -> Any:
    docs = documents_or_404(service.get().kb.documents, doc)
    department = (department or "").strip() or None
    if fmt == "csv":
        data = csv_text(docs, department, targets_only, bom=True).encode("utf-8")
        return Response(data, media_type=CSV_TYPE, headers=_attachment(docs, department, "csv"))
    if fmt == "xlsx":
        return Response(xlsx_bytes(docs, department, targets_only), media_type=XLSX_TYPE,
                        headers=_attachment(docs, department, "xlsx"))
    return ledger_out(docs, department, targets_only)


def ledger_out(docs: Sequence[Document], department: str | None, targets_only: bool) -> dict[str, Any]:
    """Measures (with the department's role when filtered), their targets, the department summary."""
    ledger = build_ledger(docs)
    picked = Ledger(tuple(filter_rows(ledger, department, targets_only)))
    out = picked.to_dict()
    if department:
        view = department_view(picked, department)
        out["measures"] = view.to_dict()["measures"]
        out["department"] = {"query": view.query, "names": list(view.names)}
        if not view.rows:
            out["message"] = _nothing_for(ledger, department, targets_only)
    return out


def _nothing_for(ledger: Ledger, department: str, targets_only: bool) -> str:
    named = any(matches(department, d.name) for r in ledger.rows for d in r.departments)
    if named and targets_only:
        return f"“{department}”牵头或参与的措施中没有量化目标"
    known = "、".join(dict.fromkeys(d.name for r in ledger.rows for d in r.departments)) or "无"
    return f"文件中没有“{department}”牵头或参与的措施。文件中的责任部门:{known}"


def xlsx_bytes(docs: Sequence[Document], department: str | None, targets_only: bool) -> bytes:
    """The workbook ``policyqa ledger -o x.xlsx`` writes (with the matrix chart), as bytes."""
    with tempfile.TemporaryDirectory(prefix="policyqa-ledger-") as tmp:
        path = Path(tmp) / "ledger.xlsx"
        export_ledger(docs, "xlsx", path, department=department, only_targets=targets_only)
        return path.read_bytes()


def _attachment(docs: Sequence[Document], department: str | None, ext: str) -> dict[str, str]:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    name = export_name(docs, department, ext)
    parts = ["ledger"] + ([Path(docs[0].source).stem] if len(docs) == 1 else []) + [department or ""]
    fallback = "-".join(p for p in (re.sub(r"[^A-Za-z0-9_.-]+", "", part) for part in parts) if p) + f".{ext}"
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"}
