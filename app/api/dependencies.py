"""Shared request guards: settings, the assistant service, the optional API key, body-size limits."""

from __future__ import annotations

import contextvars
import hmac
import logging
import re
import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from app.api.schemas import error_body
from app.config import Settings, get_settings
from app.service import AssistantService

log = logging.getLogger(__name__)
SettingsDep = Annotated[Settings, Depends(get_settings)]
# The id of the request being handled (set by ``RequestContext``; copied into the thread pool).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("policyqa_request_id", default=None)
INTERNAL_ERROR_MESSAGE = "服务器内部错误,请稍后重试;如持续出现,请联系管理员并提供请求编号 {id}"
_GIVEN_ID_RE = re.compile(r"[A-Za-z0-9._\-]{1,64}")

_bearer = HTTPBearer(auto_error=False, scheme_name="API 密钥",
                     description="设置了 POLICYQA_API_KEY 时必填:Authorization: Bearer <密钥>")


def get_service(request: Request) -> AssistantService:
    """The app's one ``AssistantService`` (created by ``create_app``)."""
    return request.app.state.service


ServiceDep = Annotated[AssistantService, Depends(get_service)]


def require_api_key(settings: SettingsDep,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Refuse the request unless it carries the configured key (no key configured: open)."""
    if not settings.api_key:
        return
    given = credentials.credentials.encode() if credentials else b""
    # compare_digest: the time taken must not reveal how much of the key was right.
    if not hmac.compare_digest(given, settings.api_key.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "缺少或错误的 API 密钥,请在请求头中提供 "
                            "Authorization: Bearer <密钥>", headers={"WWW-Authenticate": "Bearer"})


def error_response(status_code: int, message: str, type_: str, headers: dict[str, str] | None = None,
                   **extra) -> JSONResponse:
    """An error in OpenAI's shape ({"error": {"message", "type", "code", "request_id"}}), message in Chinese."""
    extra.setdefault("request_id", request_id.get())
    return JSONResponse(error_body(status_code, message, type_, **extra), status_code=status_code, headers=headers)


class RequestContext:
    """ASGI middleware (outermost): gives every request an id (``X-Request-ID``, the client's own
    when it sent a plain one), and turns any exception nothing else handled into the documented
    JSON error — status 500, a Chinese message with the id — while the traceback goes to the
    server's log only."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = Headers(scope=scope).get("x-request-id", "")
        rid = given if _GIVEN_ID_RE.fullmatch(given) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        started = False

        async def send_with_id(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("请求 %s %s 出错(请求编号 %s)", scope.get("method"), scope.get("path"), rid)
            if started:  # a stream already under way: the client sees it cut off
                raise
            response = error_response(500, INTERNAL_ERROR_MESSAGE.format(id=rid), "internal_error")
            await response(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class BodySizeLimit:
    """ASGI middleware: refuse request bodies over the limit for their path with a JSON 413.

    Declared sizes (Content-Length) are refused before reading; chunked bodies are counted
    as they arrive. The overflow is raised as an HTTPException, which FastAPI passes on to
    our handler (other exceptions while reading a body become a generic 400).
    """

    def __init__(self, app, default: int, limits: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = limits  # path prefix → bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = next((v for p, v in self.limits.items() if scope["path"].startswith(p)), self.default)
        message = f"请求体过大(上限 {limit / 1024 / 1024:g}MB)"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return await error_response(413, message, "invalid_request_error")(scope, receive, send)
        received = 0

        async def counted_receive():
            nonlocal received
            event = await receive()
            received += len(event.get("body", b"")) if event["type"] == "http.request" else 0
            if received > limit:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, message)
            return event

        await self.app(scope, counted_receive, send)
