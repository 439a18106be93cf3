"""``POST /v1/eligibility``: an enterprise checks whether it qualifies for the support measures.

A free-text description, the short form, or both; the answer per matching measure is 可能符合 /
不符合 / 无法判断 with reasons tied to the condition's words, what the document leaves unstated,
whom to contact and the verbatim quote with its place in the document (``app.incentives``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, status

from app.api.dependencies import ServiceDep
from app.api.routers.ledger import documents_or_404
from app.api.schemas import EligibilityOut, EligibilityRequest, ErrorOut
from app.incentives import EligibilityReport, check_eligibility
from ingest.types import Clause

router = APIRouter(prefix="/v1", tags=["补贴资格"],
                   responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut},
                              422: {"model": ErrorOut}})


@router.post("/eligibility", response_model=EligibilityOut, summary="企业补贴资格自查",
             description="description 为企业情况的自由描述,form 为简表(行业、资质与等级、是否首次、产品、计划…),"
                         "可只给其一。逐项给出 可能符合 / 不符合 / 无法判断、理由、文件未写明的事项、咨询部门和原文依据。"
                         "文件未写明金额时不给金额。")
def eligibility(body: EligibilityRequest, service: ServiceDep) -> dict[str, Any]:
    kb = service.get().kb
    docs = documents_or_404(kb.documents, body.doc)
    try:
        report = check_eligibility(docs, enterprise_input(body))
    except ValueError as ex:  # the library's "describe the enterprise" message for empty input
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(ex)) from ex
    return report_out(report, kb.clauses, {d.id: d.source for d in docs})


def enterprise_input(body: EligibilityRequest) -> str | dict[str, Any]:
    """The description alone, or the form with the description (what ``from_form`` reads)."""
    if body.form is None:
        return body.description or ""
    return {**body.form.model_dump(exclude_none=True), "description": body.description or ""}


def report_out(report: EligibilityReport, clauses: Mapping[str, Clause], sources: Mapping[str, str]) -> dict[str, Any]:
    """The report's JSON with a DESIGN.md citation (doc, title, unit, path, quote) per result."""
    out = report.to_dict()
    for data, result in zip(out["results"], report.results):
        e = result.entry
        data["citation"] = _citation(clauses[e.clause_id], e.doc_source, e.doc_title, e.quote)
    for data, g in zip(out["general"], report.general):
        clause = clauses[g.requirement.clause_id]
        data["citation"] = _citation(clause, sources.get(g.doc_id, ""), g.doc_title, g.requirement.text)
    return out


def _citation(clause: Clause, source: str, title: str, quote: str) -> dict[str, Any]:
    return {"doc": source, "title": title, "unit": clause.unit, "path": list(clause.path or (clause.title,)),
            "quote": quote}
