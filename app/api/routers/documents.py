"""Documents: list, show the parsed clause tree, upload (multipart), delete.

Uploads and deletes write a new index version; the service reloads the assistant, so the
next question already sees the change (no restart).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from app.api.dependencies import ServiceDep, SettingsDep, error_response
from app.api.schemas import (ClauseOut, DeleteOut, DepartmentOut, DocumentDetail, DocumentOut, ErrorOut,
                             FailedFile, IngestOut, TargetOut)
from ingest.types import Clause, Document

router = APIRouter(prefix="/v1/documents", tags=["文档"],
                   responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 413: {"model": ErrorOut}})


@router.get("", response_model=list[DocumentOut], summary="已导入的文档")
def list_documents(service: ServiceDep) -> list[DocumentOut]:
    return [_document_out(d) for d in sorted(service.get().kb.documents, key=lambda d: d.source)]


@router.get("/{doc_id}", response_model=DocumentDetail, summary="文档详情与条款树")
def get_document(doc_id: str, service: ServiceDep) -> DocumentDetail:
    doc = _find(service, doc_id)
    return DocumentDetail(**_document_out(doc).model_dump(), clause_tree=[_clause_out(c) for c in doc.clauses])


@router.post("", response_model=IngestOut, status_code=status.HTTP_201_CREATED, summary="上传并导入文件",
             description="multipart 表单,字段名 files(可多个)或 file。支持 .txt/.md/.docx/.pdf/.html;"
                         "每个文件的结果(成功、未变化、失败原因)分别列出。全部失败时返回 422。",
             responses={200: {"model": IngestOut, "description": "文件内容均未变化"}, 422: {"model": ErrorOut}})
async def upload_documents(service: ServiceDep, settings: SettingsDep, response: Response,
                           files: Annotated[list[UploadFile] | None, File(description="要导入的文件")] = None,
                           file: Annotated[UploadFile | None, File(description="单个文件")] = None):
    uploads = (files or []) + ([file] if file else [])
    if not uploads:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "请用 multipart 表单字段 files 上传至少一个文件")
    limit = settings.max_upload_mb * 1024 * 1024
    # Read one byte past the limit: enough for the service to refuse the file by size.
    items = [(u.filename or "", await u.read(limit + 1)) for u in uploads]
    report = await run_in_threadpool(service.ingest_uploads, items)
    out = IngestOut(added=report.added, replaced=report.replaced, unchanged=report.unchanged,
                    reparsed=report.reparsed, failed=[FailedFile(source=s, reason=r) for s, r in report.failed],
                    clauses=report.clauses, chunks_added=report.chunks_added)
    if not (report.added or report.replaced or report.unchanged or report.reparsed):
        reasons = ";".join(f"{f.source}:{f.reason}" for f in out.failed)
        return error_response(422, f"文件未能导入。{reasons}", "ingest_error", failed=out.model_dump()["failed"])
    if not (report.added or report.replaced or report.reparsed):
        response.status_code = status.HTTP_200_OK
    return out


@router.delete("/{doc_id}", response_model=DeleteOut, summary="删除文档(按 ID 或文件名)")
def delete_document(doc_id: str, service: ServiceDep) -> DeleteOut:
    removed = service.delete([doc_id])
    if not removed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"未找到文档:{doc_id}")
    return DeleteOut(removed=removed)


def _find(service: ServiceDep, doc_id: str) -> Document:
    doc = next((d for d in service.get().kb.documents if doc_id in (d.id, d.source)), None)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"未找到文档:{doc_id}")
    return doc


def _document_out(d: Document) -> DocumentOut:
    m = d.meta
    return DocumentOut(id=d.id, source=d.source, title=d.title, doc_number=m.doc_number, issue_date=m.issue_date,
                       publish_date=m.publish_date, issuers=list(m.issuers), clauses=len(d.clauses))


def _clause_out(c: Clause) -> ClauseOut:
    return ClauseOut(id=c.id, parent_id=c.parent_id, kind=c.kind.value, label=c.label, title=c.title,
                     level=c.level, path=list(c.path),
                     departments=[DepartmentOut(name=d.name, role=d.role) for d in c.facts.departments],
                     targets=[TargetOut(indicator=t.indicator, value=t.value, deadline=t.deadline,
                                        sentence=t.sentence) for t in c.facts.targets])
