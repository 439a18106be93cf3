"""Request and response models of the HTTP API (pydantic at the boundary).

Our own request bodies forbid unknown fields, so a typo is an error instead of being ignored.
The OpenAI-compatible request ignores them instead: chat clients send many optional
parameters (temperature, top_p, user, …) that make no difference to an extractive answer.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _reject_surrogates(value: Any, where: str = "") -> None:
    """A lone UTF-16 surrogate ("\\ud800" in JSON) is valid JSON but no character: refused
    here, with the field named, instead of failing later when the text is encoded."""
    if isinstance(value, str):
        if _SURROGATE_RE.search(value):
            raise ValueError(f"{where or '请求体'}中含有无效字符(孤立的 UTF-16 代理项),请检查输入的文字")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_surrogates(key, where)
            _reject_surrogates(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _reject_surrogates(item, f"{where}[{i}]")


class _Input(BaseModel):
    """A request body: every string in it must be text (see ``_reject_surrogates``)."""

    @model_validator(mode="before")
    @classmethod
    def _text_only(cls, data: Any) -> Any:
        _reject_surrogates(data)
        return data


class _Strict(_Input):
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


class ChatCompletionRequest(_Input):
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
    request_id: str | None = Field(None, description="请求编号(也在响应头 X-Request-ID 中),反馈问题时请提供")


class ErrorOut(BaseModel):
    """OpenAI's error shape, so chat clients show our message."""

    error: ErrorDetail


def error_body(status: int, message: str, type_: str, **extra: Any) -> dict[str, Any]:
    return ErrorOut(error=ErrorDetail(message=message, type=type_, code=status, **extra)).model_dump(
        exclude_none=True)


# ---- eligibility (issue 6) -------------------------------------------------------------------------

MAX_DESCRIPTION_CHARS = 2000  # a description of one enterprise; longer text is not a description
_Item = Annotated[str, Field(max_length=50)]


class CertificationIn(_Strict):
    name: str = Field(min_length=1, max_length=20, description="资质名称,如 DCMM、CMMI、ITSS", examples=["DCMM"])
    level: int | None = Field(None, description="等级:3、\"3\" 或 “三级”;未说明为 null", examples=[3])
    first_time: bool | None = Field(None, description="是否首次通过;复评、升级为 false;未说明为 null")

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        """3, "3", "三级" → 3: the level as people write it."""
        if value is None or isinstance(value, bool):
            return value
        m = re.fullmatch(r"\s*([一二三四五1-5])\s*级?\s*", str(value))
        if m is None:
            raise ValueError("等级应为 1–5 或 一级至五级")
        return "一二三四五".index(m.group(1)) + 1 if m.group(1) in "一二三四五" else int(m.group(1))


class EnterpriseForm(_Strict):
    """The short form of ``EnterpriseProfile.from_form``: explicit fields win over the description."""

    industry: str | None = Field(None, max_length=50, description="所属行业,如 软件、集成电路")
    certifications: list[CertificationIn] = Field(default_factory=list, max_length=10,
                                                  description="资质与等级,如 {\"name\": \"DCMM\", \"level\": 3, "
                                                              "\"first_time\": true}")
    products: list[_Item] = Field(default_factory=list, max_length=20, description="产品,如 首版次高端软件")
    plans: list[_Item] = Field(default_factory=list, max_length=20, description="计划,如 上云、技术改造")
    size: Literal["中小企业", "大型企业", "规模以上", "规模以下"] | None = Field(None, description="企业规模")
    independent_legal_person: bool | None = Field(None, description="是否具有独立法人资格(分公司为 false)")
    registered_local: bool | None = Field(None, description="是否在文件所属省市注册")
    region: str | None = Field(None, max_length=20, description="注册地,如 青岛")


class EligibilityRequest(_Strict):
    description: str | None = Field(None, max_length=MAX_DESCRIPTION_CHARS, description="企业情况(自由描述)",
                                    examples=["我们去年首次通过DCMM三级,能申请补贴吗?"])
    form: EnterpriseForm | None = Field(None, description="简表;与 description 可同时提供")
    doc: str | None = Field(None, max_length=200, description="只查该文档(文件名、标题或文档 ID);为空则查全部文档")


class CertificationOut(BaseModel):
    name: str
    level: int | None
    first_time: bool | None
    previous_level: int | None


class ProfileOut(BaseModel):
    """What was read from the description and the form."""

    text: str
    industry: str
    certifications: list[CertificationOut]
    products: list[str]
    plans: list[str]
    sizes: list[str]
    independent_legal_person: bool | None
    registered_local: bool | None
    region: str
    first_time: bool | None


class IncentiveOut(BaseModel):
    """One support measure, every field as written in the document."""

    doc_id: str
    doc_title: str
    doc: str = Field(description="文件名")
    clause_id: str
    ref: str = Field(description="措施,如 第8条「完善数据要素供给体系」")
    measure: str
    condition: str = Field(description="条件原文;文件未写明时为空")
    subject: str
    benefit: str = Field(description="支持内容原文,如 财政补贴")
    kind: str
    amount: str = Field(description="金额或比例,仅当文件写明")
    cap: str
    scope: str
    quote: str
    sentence: str
    departments: list[DepartmentOut]
    contacts: str
    department_text: str = Field(description="责任分工原文")
    requirements: list[str]
    rules: list[str]
    procedure: str
    unstated: list[str]


class EligibilityResultOut(BaseModel):
    verdict: Literal["eligible", "not_eligible", "unknown"] = Field(description="可能符合 / 不符合 / 无法判断")
    label: str = Field(description="可能符合、不符合 或 无法判断")
    ref: str
    reasons: list[str] = Field(description="理由,引用条件原文")
    missing: list[str] = Field(description="需要企业补充说明的事项")
    requirements: list[str] = Field(description="还须满足的申报主体要求(原文)")
    estimate: str = Field(description="仅当文件写明比例时的估算;否则为空")
    unstated: list[str] = Field(description="文件未写明的事项,如 补贴金额或标准")
    contacts: str = Field(description="咨询部门(牵头在前)")
    amount: str
    cap: str
    quote: str
    citation: CitationOut = Field(description="原文依据:引文是文件原文的子串")
    entry: IncentiveOut


class GeneralFindingOut(BaseModel):
    """A document-wide requirement the enterprise says it does not meet."""

    doc_id: str
    doc_title: str
    ref: str
    requirement: str
    reason: str
    citation: CitationOut


class EligibilityOut(BaseModel):
    summary: str = Field(description="如 可能符合1项;不符合1项")
    profile: ProfileOut
    results: list[EligibilityResultOut] = Field(description="相关支持政策,最相关的在前")
    general: list[GeneralFindingOut]
    catalogue_size: int = Field(description="所查文件中支持政策的总数")


# ---- ledger (issue 9) --------------------------------------------------------------------------------


class LedgerTargetOut(BaseModel):
    doc_id: str
    doc_title: str
    clause_id: str
    number: str = Field(description="措施编号,如 8、第十一条")
    measure: str
    indicator: str
    value: str = Field(description="目标值,原文照录")
    deadline: str
    sentence: str = Field(description="目标所在句子原文")


class LedgerMeasureOut(BaseModel):
    doc_id: str
    doc_title: str
    doc: str = Field(description="文件名")
    clause_id: str
    number: str
    ref: str
    section: str
    title: str
    lead: list[str] = Field(description="牵头单位")
    partners: list[str] = Field(description="配合单位")
    responsible: list[str] = Field(description="未分牵头、配合的责任单位")
    departments: str = Field(description="责任部门(显示用);未写明时为“未写明”")
    department_text: str = Field(description="责任分工原文")
    targets: list[LedgerTargetOut]
    incentives: list[str]
    role: str | None = Field(None, description="按部门筛选时,该部门在此措施中的角色:lead、partner 或 responsible")


class DepartmentSummaryOut(BaseModel):
    doc_title: str
    name: str = Field(description="文件中的写法")
    canonical: str = Field(description="标准名称")
    lead: list[str]
    partner: list[str]
    responsible: list[str]
    measures: int
    targets: int
    aliases: list[str]


class DepartmentQueryOut(BaseModel):
    query: str = Field(description="请求中的部门名称,如 工信厅")
    names: list[str] = Field(description="文件中与之对应的写法,如 省工业和信息化厅")


class LedgerOut(BaseModel):
    measures: list[LedgerMeasureOut]
    targets: list[LedgerTargetOut] = Field(description="所列措施的全部量化目标")
    departments: list[DepartmentSummaryOut] = Field(description="所列措施的部门汇总")
    department: DepartmentQueryOut | None = Field(None, description="按部门筛选时给出")
    message: str | None = Field(None, description="提示,如 未找到该部门负责的措施")
