"""The web tab 补贴资格 (issue 6): an enterprise describes itself (free text and/or a short form) and
gets one card per matching support measure: the verdict, the reasons tied to the condition's
words, what the document leaves unstated, whom to contact, and the verbatim quote with its place.

The check is ``app.incentives.check_eligibility`` over the index's documents, as in the CLI and
the API. Everything from a document or a user is escaped before it reaches the page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr

from app.errors import user_message
from app.incentives import EligibilityReport, EligibilityResult, GeneralFinding, check_eligibility
from app.service import AssistantService
from app.web_i18n import error
from app.web_scope import scoped_document
from ingest.types import Clause

EXAMPLES = ("我们去年首次通过DCMM三级,能申请补贴吗?", "我们只通过了DCMM一级,可以享受财政补贴吗?",
            "我们三年前就过了DCMM二级,今年复评,还能申请补贴吗?", "我们的首版次高端软件产品能享受保险补偿吗?")
CERTIFICATIONS = ("DCMM", "CMMI", "ITSS", "DSMM", "两化融合")
LEVELS = ("一级", "二级", "三级", "四级", "五级")
# Three answers, not a checkbox: an unticked box cannot tell "not first time" (复评, a 不符合
# verdict) from "not said" (无法判断).
FIRST_TIME = {"首次通过": True, "非首次(复评、升级)": False, "未说明": None}
PRODUCTS = ("首版次高端软件", "高端芯片流片", "封装测试")
PLANS = ("上云", "技术改造", "智能工厂", "数字化车间", "工业互联网平台")
EMPTY_MESSAGE = "请描述企业情况或填写简表,例如“我们去年首次通过DCMM三级,能申请补贴吗?”"
NOTE = "以上判断只依据文件原文;文件未写明的事项请向咨询部门确认,最终以主管部门审核为准。"

# Scoped to the result component by gradio (css_template), so web.py's stylesheet stays as is.
CSS = """
.pqa-elig-summary { font-weight: 600; margin: 0.3em 0 0.6em; }
.pqa-elig-card { border: 1px solid #ddd; border-left-width: 5px; border-radius: 6px; padding: 0.6em 0.9em;
                 margin: 0.6em 0; line-height: 1.6; overflow-wrap: anywhere; }
.pqa-elig-card.pqa-eligible { border-left-color: #389e0d; }
.pqa-elig-card.pqa-not_eligible, .pqa-elig-card.pqa-general { border-left-color: #cf1322; }
.pqa-elig-card.pqa-unknown { border-left-color: #d48806; }
.pqa-badge { display: inline-block; border-radius: 4px; padding: 0 0.5em; margin-right: 0.4em; color: #fff;
             font-size: 0.9em; font-weight: 600; }
.pqa-badge.pqa-eligible { background: #389e0d; }
.pqa-badge.pqa-not_eligible, .pqa-badge.pqa-general { background: #cf1322; }
.pqa-badge.pqa-unknown { background: #d48806; }
.pqa-elig-title { font-weight: 600; }
.pqa-elig-doc, .pqa-elig-path { color: #555; font-size: 0.92em; }
.pqa-elig-card ul { margin: 0.1em 0 0.3em 1.2em; padding: 0; }
.pqa-elig-card li { margin: 0; }
.pqa-elig-label { font-weight: 600; }
.pqa-elig-quote { background: #fafafa; border-left: 3px solid #c9a227; margin: 0.4em 0 0; padding: 0.3em 0.7em; }
.pqa-elig-empty { color: #8a5a00; }
.pqa-elig-note { color: #777; font-size: 0.88em; margin-top: 0.6em; }
"""


# ---- input ----------------------------------------------------------------------------------

def form_input(description: str | None, industry: str | None, certification: str | None, level: str | None,
               first_time: str | None, products: Sequence[str] | None, plans: Sequence[str] | None
               ) -> str | dict[str, Any] | None:
    """What ``check_eligibility`` reads: the text alone, or the short form with the text; None when
    nothing was given. A level or first-time answer without a certification names nothing."""
    text = (description or "").strip()
    products = [p.strip() for p in products or () if p and p.strip()]
    plans = [p.strip() for p in plans or () if p and p.strip()]
    industry = (industry or "").strip()
    if not (industry or certification or products or plans):
        return text or None
    certs = [{"name": certification, "level": level or None, "first_time": FIRST_TIME.get(first_time or "")}
             ] if certification else []
    return {"description": text, "industry": industry, "certifications": certs, "products": products,
            "plans": plans}


# ---- rendering (pure: everything from documents and users is escaped) ------------------------

def _e(text: str) -> str:
    return html.escape(text)


def _items(label: str, items: Sequence[str], cls: str) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f'<div class="{cls}"><span class="pqa-elig-label">{label}</span><ul>{lis}</ul></div>'


def _quote(quote: str, clause: Clause | None, title: str) -> str:
    path = " › ".join(clause.path or (clause.title,)) if clause is not None else ""
    return (f'<blockquote class="pqa-elig-quote">「{_e(quote)}」'
            f'<div class="pqa-elig-path">《{_e(title)}》{_e(path)}</div></blockquote>')


def result_card(result: EligibilityResult, clause: Clause | None) -> str:
    """One support measure: badge, condition → benefit, reasons, unstated items, contacts, quote."""
    e = result.entry
    money = ""
    if e.amount and e.amount not in e.benefit:
        money = f"金额:{e.amount}" + (f";{e.cap}" if e.cap else "")
    elif e.cap:
        money = f"上限:{e.cap}"
    parts = [f'<div class="pqa-elig-head"><span class="pqa-badge pqa-{result.verdict}">{_e(result.label)}</span>'
             f'<span class="pqa-elig-title">{_e(e.who or "未写明条件")} → {_e(e.benefit)}</span></div>',
             f'<div class="pqa-elig-doc">《{_e(e.doc_title)}》{_e(e.ref)}</div>',
             f'<div class="pqa-elig-money">{_e(money)}</div>' if money else "",
             _items("理由", result.reasons, "pqa-elig-reasons"),
             _items("需要您补充", result.missing, "pqa-elig-missing"),
             _items("还须满足", result.requirements, "pqa-elig-requirements"),
             f'<div class="pqa-elig-estimate"><span class="pqa-elig-label">估算</span> {_e(result.estimate)}</div>'
             if result.estimate else "",
             _items("文件未明确", e.unstated, "pqa-elig-unstated"),
             f'<div class="pqa-elig-contacts"><span class="pqa-elig-label">咨询部门</span> '
             f'{_e(e.contacts or "文件未写明")}</div>',
             _quote(e.quote, clause, e.doc_title)]
    return f'<div class="pqa-elig-card pqa-{result.verdict}">{"".join(parts)}</div>'


def general_card(finding: GeneralFinding, clause: Clause | None) -> str:
    """A document-wide requirement the enterprise says it does not meet (e.g. 独立法人)."""
    return (f'<div class="pqa-elig-card pqa-general"><div class="pqa-elig-head">'
            f'<span class="pqa-badge pqa-general">不符合申报主体要求</span>'
            f'<span class="pqa-elig-title">{_e(finding.reason)}</span></div>'
            f'<div class="pqa-elig-doc">《{_e(finding.doc_title)}》{_e(finding.requirement.ref)}</div>'
            f"{_quote(finding.requirement.text, clause, finding.doc_title)}</div>")


_VERDICT_ORDER = {"eligible": 0, "unknown": 1, "not_eligible": 2}


def report_html(report: EligibilityReport, clauses: Mapping[str, Clause]) -> str:
    cards = [general_card(g, clauses.get(g.requirement.clause_id)) for g in report.general]
    # 可能符合 first: what the enterprise can apply for is what it came for (the order is stable).
    results = sorted(report.results, key=lambda r: _VERDICT_ORDER.get(r.verdict, len(_VERDICT_ORDER)))
    cards += [result_card(r, clauses.get(r.entry.clause_id)) for r in results]
    note = f'<div class="pqa-elig-note">{NOTE}</div>' if cards else ""
    return f'<div class="pqa-elig-summary">{_e(report.summary)}</div>{"".join(cards)}{note}'


def message_html(message: str) -> str:
    return f'<div class="pqa-elig-empty">{_e(message)}</div>'


# ---- the tab ----------------------------------------------------------------------------------

def check(service: AssistantService, *fields: Any, doc: str | None = None) -> str:
    """The rendered report for the tab's fields (see ``form_input``), over one document's
    measures when ``doc`` (an id) is given, else over all documents."""
    request = form_input(*fields)
    if request is None:  # said once, where the result goes (a toast as well said it twice)
        return message_html(EMPTY_MESSAGE)
    try:
        kb = service.get().kb
    except Exception as ex:  # noqa: BLE001 - re-raised unless it has a user message
        msg = user_message(ex)
        if msg is None:
            raise
        raise error(msg) from ex
    if not kb.documents:
        return message_html("还没有导入文档,请先在“文档”页上传政策文件")
    try:
        report = check_eligibility([d for d in kb.documents if doc in (None, d.id)], request)
    except ValueError as ex:  # the library's own "describe the enterprise" message
        return message_html(str(ex))
    return report_html(report, kb.clauses)


def eligibility_tab(service: AssistantService, scope: Any) -> None:
    """Builds the tab inside the current gr.Tab."""
    gr.Markdown("描述企业情况(或填写下方简表),逐项查看可能享受的支持政策、判断理由、文件未写明的事项和咨询部门。")
    text = gr.Textbox(label="企业情况", placeholder=EXAMPLES[0], lines=2, max_lines=6, elem_id="pqa-elig-text")
    gr.Examples([[q] for q in EXAMPLES], inputs=[text], label="示例(点击填入)")
    with gr.Accordion("简表(可选,填写的内容优先于描述)", open=False, elem_id="pqa-elig-form"):
        with gr.Row():
            industry = gr.Textbox(label="所属行业", placeholder="如 软件、集成电路", elem_id="pqa-elig-industry")
            cert = gr.Dropdown(list(CERTIFICATIONS), value=None, label="资质", elem_id="pqa-elig-cert")
            level = gr.Dropdown(list(LEVELS), value=None, label="等级", elem_id="pqa-elig-level")
            first = gr.Radio(list(FIRST_TIME), value="未说明", label="是否首次通过", elem_id="pqa-elig-first")
        with gr.Row():
            products = gr.Dropdown(list(PRODUCTS), value=[], multiselect=True, allow_custom_value=True,
                                   label="产品(可输入)", elem_id="pqa-elig-products")
            plans = gr.Dropdown(list(PLANS), value=[], multiselect=True, allow_custom_value=True,
                                label="计划(可输入)", elem_id="pqa-elig-plans")
    button = gr.Button("查询资格", variant="primary", elem_id="pqa-elig-check")
    result = gr.HTML(elem_id="pqa-elig-result", css_template=CSS)
    inputs = [text, industry, cert, level, first, products, plans]
    gr.on([button.click, text.submit], lambda *fields: check(service, *fields[:-1],
                                                             doc=scoped_document(service, fields[-1])),
          [*inputs, scope], [result])
