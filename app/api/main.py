"""Builds the FastAPI app: routers, error handlers, body-size limits. Docs at /docs.

    uvicorn.run(create_app(get_settings()), port=8000)      # what ``policyqa serve`` does
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.dependencies import BodySizeLimit, RequestContext, error_response, require_api_key
from app.api.routers import ask, chat, documents, eligibility, health, ledger
from app.config import Settings, get_settings
from app.errors import AssistantError, user_message
from app.ledger import LedgerError
from app.service import AssistantService
from ingest.errors import IngestError
from vectorstore.errors import RetrievalError

log = logging.getLogger(__name__)

JSON_BODY_LIMIT = 1024 * 1024  # questions and chat histories; uploads have their own limit
_STATUS_MESSAGES = {401: "未授权", 403: "禁止访问", 404: "未找到该地址或资源", 405: "不支持该请求方法",
                    413: "请求体过大", 415: "不支持的请求格式(Content-Type)"}
_VALIDATION_MESSAGES = {"missing": "缺少字段", "extra_forbidden": "不支持的字段", "string_type": "应为字符串",
                        "list_type": "应为列表", "bool_type": "应为布尔值", "too_short": "不能为空",
                        "too_long": "条目过多", "literal_error": "取值不在允许范围内", "model_attributes_type": "应为对象",
                        "model_type": "应为 JSON 对象", "string_too_short": "不能为空",
                        "string_too_long": "过长", "string_pattern_mismatch": "格式不正确",
                        "greater_than_equal": "超出范围", "less_than_equal": "超出范围", "int_parsing": "应为整数",
                        "bool_parsing": "应为 true 或 false"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    upload_limit = (2 * settings.max_upload_mb + 1) * 1024 * 1024  # several files of max_upload_mb each

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:  # load the index and models now, not on the first question
            await run_in_threadpool(app.state.service.get)
        except (IngestError, RetrievalError) as ex:
            log.warning("索引暂不可用:%s", user_message(ex))
        yield

    open_docs = {} if not settings.api_key else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(title="政策问答助手 API", version="0.1.0", lifespan=lifespan, **open_docs,
                  description="基于已导入的政策文件回答问题,每个回答附原文依据。设置 POLICYQA_API_KEY 后需 Bearer 密钥。")
    app.state.service = AssistantService(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    _add_error_handlers(app)
    app.add_middleware(BodySizeLimit, default=JSON_BODY_LIMIT, limits={"/v1/documents": upload_limit})
    app.add_middleware(RequestContext)  # added last: outermost, so it sees every error
    secured = [Depends(require_api_key)]
    if settings.api_key:
        _add_secured_docs(app, secured)
    app.include_router(health.router)
    app.include_router(ask.router, dependencies=secured)
    app.include_router(chat.router, dependencies=secured)
    app.include_router(documents.router, dependencies=secured)
    app.include_router(eligibility.router, dependencies=secured)
    app.include_router(ledger.router, dependencies=secured)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Every error is JSON in OpenAI's shape with a Chinese message (app.errors maps ours)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, ex: StarletteHTTPException):
        default = ex.detail == HTTPStatus(ex.status_code).phrase  # Starlette's English text: ours instead
        message = _STATUS_MESSAGES.get(ex.status_code, str(ex.detail)) if default else str(ex.detail)
        if ex.status_code == 400 and str(ex.detail).startswith("There was an error parsing the body"):
            message = "请求体无法解析(不是有效的 JSON 或不是 UTF-8 编码)"  # FastAPI's English text for bad bytes
        kind = "authentication_error" if ex.status_code == 401 else "invalid_request_error"
        return error_response(ex.status_code, message, kind, headers=getattr(ex, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, ex: RequestValidationError):
        errors = ex.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            return error_response(400, "请求体不是有效的 JSON", "invalid_request_error")
        parts = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or '请求体'}:{_validation_message(e)}"
                 for e in errors[:5]]
        return error_response(422, "请求参数不正确:" + ";".join(parts), "invalid_request_error")

    async def user_error(request: Request, ex: Exception):
        # The message without server paths, the type without our class names: what a client needs.
        settings = request.app.state.service.settings
        known = (settings.index_dir, settings.data_dir)
        if isinstance(ex, RetrievalError):
            return error_response(503, _without_paths(user_message(ex) or "索引暂不可用", known), "service_unavailable")
        return error_response(400, _without_paths(user_message(ex) or "请求无法处理", known), "invalid_request_error")

    for cls in (IngestError, RetrievalError, AssistantError, LedgerError, PermissionError):
        app.add_exception_handler(cls, user_error)


# An absolute path on the server ("/srv/policyqa/var/index/versions/2026…"), not the "//" of a URL.
_SERVER_PATH_RE = re.compile(r"(?<![\w:/.])/[^\s,;:()（）,。:;、“”\"']+")


def _without_paths(message: str, known: tuple = ()) -> str:
    """The message a client gets: server paths are for the server's log and the CLI only."""
    for folder in sorted((str(Path(k).resolve()) for k in known), key=len, reverse=True) + [str(k) for k in known]:
        message = message.replace(folder, "")
    return re.sub(r"\s+(?=[(,:;。])", "", _SERVER_PATH_RE.sub("", message)).replace("  ", " ")


def _add_secured_docs(app: FastAPI, secured: list) -> None:
    """/docs, /redoc and /openapi.json behind the API key (FastAPI's own routes are open)."""

    @app.get("/openapi.json", include_in_schema=False, dependencies=secured)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=secured)
    def swagger():
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - 文档")

    @app.get("/redoc", include_in_schema=False, dependencies=secured)
    def redoc():
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - 文档")


def _validation_message(error: dict) -> str:
    """pydantic's error in Chinese; a length limit says the limit ("过长(最多2000个字符)")."""
    if error["type"] == "value_error":  # our validators' own Chinese message
        return str(error["msg"]).removeprefix("Value error, ")
    message = _VALIDATION_MESSAGES.get(error["type"], error["msg"])
    limit = (error.get("ctx") or {}).get("max_length")
    return f"{message}(最多{limit}个字符)" if error["type"] == "string_too_long" and limit else message
