"""OpenAI-compatible chat: ``POST /v1/chat/completions`` (plain and ``stream: true``), ``GET /v1/models``.

The last user message is the question and the earlier user messages are the history, so
existing chat clients can hold a conversation. The answer is the assistant message; its
citations travel in the extra ``citations`` field (in the last chunk when streaming).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse

from app.answer import Answer
from app.api.dependencies import ServiceDep
from app.api.schemas import (AnswerInfo, AssistantMessage, ChatCompletion, ChatCompletionRequest, Choice,
                             ErrorOut, ModelCard, ModelList, Usage)

MODEL_ID = "policyqa"
STREAM_PIECE = 8  # characters per streamed delta

router = APIRouter(prefix="/v1", tags=["OpenAI 兼容"], responses={401: {"model": ErrorOut}, 400: {"model": ErrorOut}})


@router.get("/models", response_model=ModelList, summary="模型列表(供聊天客户端选择)")
def models() -> ModelList:
    return ModelList(data=[ModelCard(id=MODEL_ID)])


@router.post("/chat/completions", response_model=ChatCompletion, summary="对话补全(OpenAI 兼容)",
             responses={200: {"content": {"text/event-stream": {}}, "description": "stream=true 时为 SSE 数据块"}})
def chat_completions(body: ChatCompletionRequest, service: ServiceDep):
    questions = [m.text() for m in body.messages if m.role == "user"]
    if not questions:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "messages 中没有用户提问(role 为 user 的消息)")
    answer = service.get().ask(questions[-1], questions[:-1])
    prompt_chars = sum(len(m.text()) for m in body.messages)
    if body.stream:
        usage = body.stream_options is not None and body.stream_options.include_usage
        return StreamingResponse(_sse(answer, body.model, prompt_chars, usage), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return ChatCompletion(id=_completion_id(), created=int(time.time()), model=body.model,
                          choices=[Choice(message=AssistantMessage(content=answer.answer))],
                          usage=_usage(prompt_chars, answer), **_extras(answer))


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _usage(prompt_chars: int, answer: Answer) -> Usage:
    return Usage(prompt_tokens=prompt_chars, completion_tokens=len(answer.answer),
                 total_tokens=prompt_chars + len(answer.answer))


def _extras(answer: Answer) -> dict[str, Any]:
    d = answer.to_dict()
    return {"citations": d["citations"],
            "policyqa": AnswerInfo(refused=answer.refused, intent=answer.intent, notes=list(answer.notes))}


def _sse(answer: Answer, model: str, prompt_chars: int, include_usage: bool) -> Iterator[str]:
    """Chunks in OpenAI's format: role first, the text in pieces, a final chunk with
    ``finish_reason`` and our extra fields, optionally usage, then ``[DONE]``."""
    base = {"id": _completion_id(), "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [choice], **extra}, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    text = answer.answer
    for i in range(0, len(text), STREAM_PIECE):
        yield chunk({"content": text[i:i + STREAM_PIECE]})
    extras = _extras(answer)
    yield chunk({}, "stop", citations=extras["citations"], policyqa=extras["policyqa"].model_dump())
    if include_usage:
        usage = _usage(prompt_chars, answer).model_dump()
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage}, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"
