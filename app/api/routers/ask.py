"""``POST /v1/ask``: one question (plus earlier questions) → the JSON answer of DESIGN.md."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.dependencies import ServiceDep
from app.api.schemas import AnswerOut, AskRequest, ErrorOut

router = APIRouter(prefix="/v1", tags=["问答"], responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}})


# A plain ``def``: answering is CPU work, so FastAPI runs it in its thread pool.
@router.post("/ask", response_model=AnswerOut, response_model_exclude_none=True, summary="提问",
             description="根据已导入的政策文件回答问题,并给出原文依据。history 为此前的用户提问,用于追问。")
def ask(body: AskRequest, service: ServiceDep) -> dict[str, Any]:
    return service.get().ask(body.question, body.history, doc=body.doc).to_dict()
