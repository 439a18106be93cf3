"""Request and response models of the HTTP API (pydantic at the boundary).

Our own request bodies forbid unknown fields, so a typo is an error instead of being ignored.
The OpenAI-compatible request ignores them instead: chat clients send many optional
parameters (temperature, top_p, user, …) that make no difference to an extractive answer.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- answers (the JSON contract of DESIGN.md) -------------------------------------------------


class AskRequest(_Strict):
    question: str = Field(description="问题", examples=["DCMM贯标由哪些部门负责?"])
    history: list[str] = Field(default_factory=list, max_length=50,
                               description="本次对话中此前的用户提问,按时间先后排列(用于追问)")
    doc: str | None = Field(None, description="只在该文档中查找(文件名、标题或文档 ID);为空则查全部文档")


class CitationOut(BaseModel):
    doc: str = Field(description="文件名")
    title: str = Field(description="文件标题")
    unit: str = Field(description="条款编号,如 8、第十条")
    path: list[str] = Field(description="章节 › 条款")
    quote: str = Field(description="原文引文(文件原文的子串)")


class AnswerOut(BaseModel):
    question: str
    answer: str
    refused: bool = Field(description="文件中没有答案时为 true")
    intent: str = Field(description="lead、target、content、eligibility、list、meta 或 other")
    citations: list[CitationOut]
    elapsed_ms: float
    notes: list[str] | None = Field(None, description="提示,例如问题过长已截断")


# ---- OpenAI-compatible chat -----------------------------------------------------------------------


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type in ("text", "input_text"))
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = Field("policyqa", description="任意名称;始终由 policyqa 作答")
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    """Counted in characters: there is no tokenizer behind an extractive answer."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AnswerInfo(BaseModel):
    refused: bool
    intent: str
    notes: list[str] = Field(default_factory=list)


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[CitationOut] = Field(description="扩展字段:回答的原文依据")
    policyqa: AnswerInfo = Field(description="扩展字段:是否拒答、问题类型、提示")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "policyqa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# ---- documents ---------------------------------------------------------------------------------------


class DocumentOut(BaseModel):
    id: str
    source: str = Field(description="文件名")
    title: str
    doc_number: str = Field(description="发文字号")
    issue_date: str = Field(description="印发日期")
    publish_date: str = Field(description="发布日期")
    issuers: list[str] = Field(description="发文机关")
    clauses: int = Field(description="条款数")


class DepartmentOut(BaseModel):
    name: str
    role: str


class TargetOut(BaseModel):
    indicator: str
    value: str
    deadline: str
    sentence: str


class ClauseOut(BaseModel):
    id: str
    parent_id: str | None
    kind: str
    label: str
    title: str
    level: int
    path: list[str]
    departments: list[DepartmentOut]
    targets: list[TargetOut]


class DocumentDetail(DocumentOut):
    clause_tree: list[ClauseOut] = Field(description="条款树(先序),含每条的责任部门与量化目标")


class FailedFile(BaseModel):
    source: str
    reason: str


class IngestOut(BaseModel):
    added: list[str]
    replaced: list[str]
    unchanged: list[str]
    reparsed: list[str] = Field(default_factory=list, description="内容未变、按新版解析器重新解析的文件")
    failed: list[FailedFile]
    clauses: int
    chunks_added: int


class DeleteOut(BaseModel):
    removed: list[str]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    documents: int
    index_version: str | None


class ErrorDetail(BaseModel):
    message: str = Field(description="中文错误说明")
    type: str
    code: int
    failed: list[FailedFile] | None = None


class ErrorOut(BaseModel):
    """OpenAI's error shape, so chat clients show our message."""

    error: ErrorDetail


def error_body(status: int, message: str, type_: str, **extra: Any) -> dict[str, Any]:
    return ErrorOut(error=ErrorDetail(message=message, type=type_, code=status, **extra)).model_dump(
        exclude_none=True)
