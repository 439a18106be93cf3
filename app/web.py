"""Gradio web chat: questions with streamed answers and their sources, feedback, and a
documents tab (list, upload, clause tree, delete).

Every string that comes from a document or a user is passed through ``html.escape`` before
it reaches the page: a policy file containing ``<script>`` shows it as text.

    policyqa web --port 7860          # or: launch(get_settings(), "127.0.0.1", 7860)
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from app.answer import Answer, Citation
from app.assistant import Assistant
from app.config import Settings
from app.errors import user_message
from app.indexing import IngestReport
from app.login import LoginGuard
from app.service import AssistantService
from app.web_eligibility import eligibility_tab
from app.web_ledger import ledger_tab
from ingest.types import Clause, ClauseKind, Document

EXAMPLES = (
    "DCMM贯标由哪些部门负责?",
    "2022年底软件业务收入的目标是多少?",
    "对首次通过DCMM二级及以上的企业有什么支持?",
    "省大数据局负责哪些任务?",
)
STREAM_STEP = 3  # fewest characters added per streamed update
STREAM_UPDATES = 40  # most updates per answer, so long answers do not take long to appear
STREAM_DELAY_S = 0.02  # pause between updates: fast, but visibly progressive
SUMMARY_QUOTE_CHARS = 40  # quotes are cut short in the source line; the clause shows them whole
UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf", ".html", ".htm"]

CSS = """
.pqa-answer { line-height: 1.7; }
.pqa-note { color: #8a5a00; font-size: 0.9em; margin-bottom: 0.4em; }
.pqa-sources { margin-top: 0.8em; border-top: 1px solid #ddd; padding-top: 0.4em; font-size: 0.92em; }
.pqa-sources-title { font-weight: 600; margin-bottom: 0.2em; }
.pqa-source { margin: 0.3em 0; }
.pqa-source summary { cursor: pointer; }
.pqa-doc { font-weight: 600; }
.pqa-quote { display: block; color: #555; margin-left: 1.2em; }
.pqa-clause { white-space: normal; background: #fafafa; border-left: 3px solid #c9a227; padding: 0.5em 0.8em;
              margin: 0.3em 0 0.3em 1.2em; overflow-wrap: anywhere; }
.pqa-clause mark { background: #ffe58f; padding: 0 1px; }
.pqa-meta td, .pqa-meta th { padding: 2px 8px; text-align: left; }
.pqa-tree .pqa-node { margin: 0.2em 0; overflow-wrap: anywhere; }
.pqa-tree .pqa-facts { color: #555; font-size: 0.9em; margin-left: 1.5em; }
.pqa-ok { color: #237804; } .pqa-fail { color: #a8071a; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  .pqa-clause, .pqa-quote { margin-left: 0.4em; }
  #pqa-chat { height: 60vh !important; }
}
"""

_KIND_NAMES = {ClauseKind.DOCUMENT: "文档", ClauseKind.NOTICE: "通知", ClauseKind.PREAMBLE: "前言",
               ClauseKind.CHAPTER: "部分", ClauseKind.SECTION: "节", ClauseKind.ARTICLE: "条款",
               ClauseKind.ITEM: "项", ClauseKind.TABLE: "表格", ClauseKind.SIGNATURE: "落款",
               ClauseKind.TRAILER: "附注"}
_ROLE_NAMES = {"lead": "(牵头)", "partner": "(配合)"}


# ---- HTML rendering (pure functions: everything from documents is escaped) ------------------


def _text_html(text: str) -> str:
    """Escaped text with line breaks as <br> (no blank lines, so markdown leaves the block alone)."""
    return html.escape(text).replace("\n", "<br>")


def highlight(text: str, quotes: Sequence[str]) -> str:
    """``text`` escaped, with every occurrence-span of ``quotes`` wrapped in <mark>."""
    spans = sorted((i, i + len(q)) for q in quotes if q and (i := text.find(q)) >= 0)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [_text_html(text[pos:start]), "<mark>", _text_html(text[start:end]), "</mark>"]
        pos = end
    return "".join(out) + _text_html(text[pos:])


def sources_html(citations: Sequence[Citation]) -> str:
    """One expandable entry per cited clause: title, section › measure, quotes; the clause inside."""
    groups: dict[tuple[str, str], list[Citation]] = {}
    for c in citations:
        groups.setdefault((c.doc, c.clause_id or " › ".join(c.path)), []).append(c)
    if not groups:
        return ""
    items = []
    for cites in groups.values():
        first = cites[0]
        body = highlight(first.clause_text, [c.quote for c in cites]) if first.clause_text else "<br>".join(
            html.escape(c.quote) for c in cites)
        quotes = "".join(f'<span class="pqa-quote">「{html.escape(_shorten(c.quote))}」</span>' for c in cites)
        items.append(f'<details class="pqa-source"><summary><span class="pqa-doc">《{html.escape(first.title)}》'
                     f'</span> <span class="pqa-path">{html.escape(" › ".join(first.path))}</span>{quotes}'
                     f'</summary><div class="pqa-clause">{body}</div></details>')
    return ('<div class="pqa-sources"><div class="pqa-sources-title">依据(点击展开条款原文)</div>'
            + "".join(items) + "</div>")


def _shorten(text: str, limit: int = SUMMARY_QUOTE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def answer_html(answer_text: str, notes: Sequence[str] = (), citations: Sequence[Citation] = (),
                streaming: bool = False) -> str:
    """The assistant message; while ``streaming`` the answer carries a class saying it is unfinished."""
    notes_html = "".join(f'<div class="pqa-note">提示:{html.escape(n)}</div>' for n in notes)
    cls = "pqa-answer pqa-streaming" if streaming else "pqa-answer"
    return f'{notes_html}<div class="{cls}">{_text_html(answer_text)}</div>{sources_html(citations)}'


# ---- chat -----------------------------------------------------------------------------------


def _messages(turns: Sequence[dict[str, Any]], pending: str | None = None, partial_html: str = "") -> list[dict]:
    """Chat messages for the finished turns, plus the question being answered (if any)."""
    msgs: list[dict] = []
    for t in turns:
        msgs += [{"role": "user", "content": _text_html(t["shown_question"])},
                 {"role": "assistant", "content": t["html"]}]
    if pending is not None:
        msgs += [{"role": "user", "content": _text_html(pending)},
                 {"role": "assistant", "content": partial_html or answer_html("正在查找相关条款…", streaming=True)}]
    return msgs


def _progressive(text: str) -> Iterator[str]:
    step = max(STREAM_STEP, -(-len(text) // STREAM_UPDATES))
    for end in range(step, len(text) + step, step):
        yield text[:end]


def _shown_question(question: str, limit: int) -> str:
    return question if len(question) <= limit else question[:limit] + "…"


def _ask(service: AssistantService, question: str, history: Sequence[str]) -> Answer:
    """Ask, turning errors users can act on into a Chinese message on the page."""
    try:
        return service.get().ask(question, history)
    except Exception as ex:  # noqa: BLE001 - re-raised unless it has a user message
        msg = user_message(ex)
        if msg is None:
            raise
        raise gr.Error(msg) from ex


def _respond(service: AssistantService):
    limit = service.settings.max_question_chars

    def respond(question: str, turns: list[dict]):
        question = (question or "").strip()
        if not question:
            gr.Warning("请先输入问题,例如:“DCMM贯标由哪些部门负责?”")
            yield _messages(turns), turns, ""
            return
        shown = _shown_question(question, limit)
        yield _messages(turns, shown), turns, ""
        history = [t["question"] for t in turns]
        answer = _ask(service, question, history)
        for partial in _progressive(answer.answer):
            yield _messages(turns, shown, answer_html(partial, answer.notes, streaming=True)), turns, ""
            time.sleep(STREAM_DELAY_S)
        turn = {"question": question, "shown_question": shown, "history": history,
                "answer": answer.to_dict(), "html": answer_html(answer.answer, answer.notes, answer.citations)}
        turns = turns + [turn]
        yield _messages(turns), turns, ""

    return respond


def _feedback(service: AssistantService):
    def on_like(turns: list[dict], comment: str, data: gr.LikeData):
        rating = {True: "up", False: "down"}.get(data.liked) if isinstance(data.liked, bool) else None
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if rating is None or not turns or index // 2 >= len(turns):
            return gr.update(), ""
        _write_feedback(service, turns[index // 2], rating, comment)
        return "", "已记录您的反馈,谢谢!"

    def on_comment(turns: list[dict], comment: str):
        if not (comment or "").strip():
            gr.Warning("请先填写意见")
            return comment, ""
        if not turns:
            gr.Warning("还没有可以反馈的回答")
            return comment, ""
        _write_feedback(service, turns[-1], None, comment)
        return "", "已记录您的意见,谢谢!"

    return on_like, on_comment


def _write_feedback(service: AssistantService, turn: dict, rating: str | None, comment: str) -> None:
    a = turn["answer"]
    service.record_feedback({"rating": rating, "comment": (comment or "").strip(), "question": turn["question"],
                             "history": turn["history"], "answer": a["answer"], "refused": a["refused"],
                             "intent": a["intent"], "citations": a["citations"]})


def _chat_tab(service: AssistantService) -> None:
    turns = gr.State([])
    chatbot = gr.Chatbot(label="对话", elem_id="pqa-chat", height=520, latex_delimiters=[], buttons=["copy"],
                         placeholder="请输入关于政策文件的问题,回答会附上原文依据。")
    with gr.Row(equal_height=True):
        box = gr.Textbox(show_label=False, placeholder="请输入问题,按回车发送", elem_id="pqa-question",
                         scale=6, lines=1, max_lines=5, autofocus=True)
        send = gr.Button("发送", variant="primary", elem_id="pqa-send", scale=1, min_width=72)
    gr.Examples([[q] for q in EXAMPLES], inputs=[box], label="示例问题(点击填入)")
    with gr.Row():
        new = gr.Button("新对话", elem_id="pqa-new", size="sm")
    with gr.Accordion("反馈", open=True):
        comment = gr.Textbox(label="意见(可选)", elem_id="pqa-comment", lines=1,
                             placeholder="可先写下意见,再点击回答下方的“赞”或“踩”图标;也可直接提交意见")
        comment_btn = gr.Button("提交意见", size="sm", elem_id="pqa-comment-send")
        status = gr.Markdown(elem_id="pqa-feedback-status")
    # One event for both triggers: a second question waits until the first answer is complete.
    gr.on([box.submit, send.click], _respond(service), [box, turns], [chatbot, turns, box])
    on_like, on_comment = _feedback(service)
    chatbot.like(on_like, [turns, comment], [comment, status])
    comment_btn.click(on_comment, [turns, comment], [comment, status])
    new.click(lambda: ([], [], "", ""), None, [chatbot, turns, box, status])


# ---- documents ----------------------------------------------------------------------------


def _doc_rows(docs: Sequence[Document]) -> list[list[Any]]:
    return [[d.title, d.meta.doc_number or "-", d.meta.issue_date or d.meta.publish_date or "-",
             len(d.clauses), d.source, d.id] for d in docs]


def _doc_choices(docs: Sequence[Document]) -> list[tuple[str, str]]:
    return [(f"{d.title}({d.source})", d.id) for d in docs]


def _facts_html(c: Clause) -> str:
    f, lines = c.facts, []
    if f.departments:
        lines.append("责任部门:" + "、".join(d.name + _ROLE_NAMES.get(d.role, "") for d in f.departments))
    lines += [f"目标:{t.indicator} {t.value}" + (f"({t.deadline})" if t.deadline else "") for t in f.targets]
    lines += [f"支持:{i.condition} → {i.benefit}" + (f" {i.amount}" if i.amount else "") for i in f.incentives]
    return "".join(f'<div class="pqa-facts">{html.escape(line)}</div>' for line in lines)


def tree_html(doc: Document) -> str:
    """The document's metadata and parsed clause tree, each clause expandable to its text."""
    m = doc.meta
    rows = [("标题", doc.title), ("文件名", doc.source), ("文号", m.doc_number), ("发文机关", "、".join(m.issuers)),
            ("印发日期", m.issue_date), ("发布日期", m.publish_date), ("条款数", str(len(doc.clauses)))]
    meta = "".join(f"<tr><th>{k}</th><td>{html.escape(v or '-')}</td></tr>" for k, v in rows)
    nodes = []
    for c in doc.clauses:
        if c.kind == ClauseKind.DOCUMENT:
            continue
        head = html.escape(f"[{_KIND_NAMES.get(c.kind, c.kind.value)}] {c.label}{c.title[:60]}")
        nodes.append(f'<div class="pqa-node" style="margin-left:{c.level * 1.2:.1f}em">'
                     f'<details><summary>{head}</summary><div class="pqa-clause">{_text_html(c.text)}</div>'
                     f"</details>{_facts_html(c)}</div>")
    return f'<table class="pqa-meta">{meta}</table><div class="pqa-tree">{"".join(nodes)}</div>'


def report_html(report: IngestReport) -> str:
    lines = [f'<li class="pqa-ok">已导入:{html.escape(s)}</li>' for s in report.added]
    lines += [f'<li class="pqa-ok">已更新:{html.escape(s)}</li>' for s in report.replaced]
    lines += [f'<li class="pqa-ok">已重新解析:{html.escape(s)}</li>' for s in report.reparsed]
    lines += [f"<li>内容未变化,跳过:{html.escape(s)}</li>" for s in report.unchanged]
    lines += [f'<li class="pqa-fail">导入失败:{html.escape(s)}:{html.escape(r)}</li>' for s, r in report.failed]
    summary = f"共解析条款 {report.clauses} 条。" if report.added or report.replaced or report.reparsed else ""
    return f'<ul class="pqa-report">{"".join(lines)}</ul>{summary}'


def _progress_label(stage: str) -> str:
    return "解析文件" if stage == "files" else f"建立索引:{stage.split(':', 1)[-1]}"


def _documents_tab(service: AssistantService, max_mb: int) -> tuple[Any, list[Any]]:
    """Builds the tab; returns its refresh function and the components it fills."""
    table = gr.Dataframe(headers=["标题", "文号", "日期", "条款数", "文件名", "ID"], interactive=False, wrap=True,
                         label="已导入的文档", elem_id="pqa-docs")
    with gr.Group():
        files = gr.File(label=f"上传新文件(.txt/.md/.docx/.pdf/.html,每个不超过{max_mb}MB)", file_count="multiple",
                        file_types=UPLOAD_TYPES, elem_id="pqa-upload", height=160)
        ingest_btn = gr.Button("导入所选文件", variant="primary", elem_id="pqa-ingest")
    result = gr.HTML(elem_id="pqa-ingest-result")
    with gr.Row(equal_height=True):
        pick = gr.Dropdown(label="查看文档的条款树", choices=[], elem_id="pqa-doc-pick", scale=4)
        delete_btn = gr.Button("删除此文档", variant="stop", elem_id="pqa-delete", scale=1, min_width=96)
    tree = gr.HTML(elem_id="pqa-tree")

    def refresh(selected: str | None = None):
        docs = _documents(service)
        ids = [d.id for d in docs]
        chosen = selected if selected in ids else (ids[0] if ids else None)
        return _doc_rows(docs), gr.update(choices=_doc_choices(docs), value=chosen), _tree_for(service, chosen)

    def ingest(paths: list[str] | None, progress=gr.Progress()):
        if not paths:
            gr.Warning("请先选择要上传的文件")
            return ("", *refresh(), None)
        report = _ingest(service, paths, lambda stage, done, total: progress(
            done / max(total, 1), desc=f"{_progress_label(stage)} {done}/{total}"))
        changed = report.added + report.replaced + report.reparsed
        new = next((d.id for d in _documents(service) if d.source in changed), None)
        return (report_html(report), *refresh(new), None)

    def delete(doc_id: str | None):
        if not doc_id:
            gr.Warning("请先选择要删除的文档")
            return ("", *refresh())
        removed = service.delete([doc_id])
        note = "已删除:" + "、".join(removed) if removed else "该文档已不在索引中"
        return (f"<p>{html.escape(note)}</p>", *refresh())

    outputs = [table, pick, tree]
    ingest_btn.click(ingest, [files], [result, *outputs, files])
    delete_btn.click(delete, [pick], [result, *outputs])
    pick.change(lambda i: _tree_for(service, i), [pick], [tree])
    return refresh, outputs


def _documents(service: AssistantService) -> list[Document]:
    return sorted(service.get().kb.documents, key=lambda d: d.source)


def _tree_for(service: AssistantService, doc_id: str | None) -> str:
    doc = next((d for d in service.get().kb.documents if d.id == doc_id), None)
    return tree_html(doc) if doc else "<p>还没有导入文档。</p>"


def _ingest(service: AssistantService, paths: Sequence[str], progress) -> IngestReport:
    """Ingest uploaded temp files under their original names (gradio keeps the name as the file name)."""
    try:
        return service.ingest_uploads([(Path(p).name, Path(p).read_bytes()) for p in paths], progress=progress)
    except Exception as ex:  # noqa: BLE001 - re-raised unless it has a user message
        msg = user_message(ex)
        if msg is None:
            raise
        raise gr.Error(msg) from ex


# ---- app ----------------------------------------------------------------------------------


def build_ui(settings: Settings, service: AssistantService | None = None) -> gr.Blocks:
    """The whole web app (not launched). ``service`` defaults to a new one for ``settings``."""
    service = service or AssistantService(settings)
    with gr.Blocks(title="政策问答助手", analytics_enabled=False) as demo:
        gr.Markdown("## 政策问答助手\n基于已导入的政策文件作答,每个回答都附原文依据。")
        with gr.Tab("问答", id="chat"):
            _chat_tab(service)
        with gr.Tab("补贴资格", id="eligibility"):
            eligibility_tab(service)
        with gr.Tab("责任清单", id="ledger") as ledger_page:
            ledger_refresh, ledger_inputs, ledger_outputs = ledger_tab(service)
        with gr.Tab("文档", id="docs") as docs_tab:
            refresh, outputs = _documents_tab(service, settings.max_upload_mb)
        # Documents may change from elsewhere (CLI ingest, API): refresh when the tab is opened.
        docs_tab.select(refresh, None, outputs)
        demo.load(refresh, None, outputs)
        # The ledger renders its chart and exports: only when its tab is opened, not on every page load.
        ledger_page.select(ledger_refresh, ledger_inputs, ledger_outputs)
    return demo


def parse_auth(spec: str | None) -> list[tuple[str, str]] | None:
    """``"user:pass,user2:pass2"`` → [("user", "pass"), ...]; None when login is off."""
    if not spec or not spec.strip():
        return None
    pairs = []
    for item in spec.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("POLICYQA_AUTH 格式应为 用户名:密码,多个账号用逗号分隔")
        pairs.append((user, password))
    return pairs


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True) -> gr.Blocks:
    """Serve the web app; with ``block=False`` (tests) return once the server is up."""
    service = AssistantService(settings)
    service.get()  # load the index and models before the first visitor has to wait for them
    demo = build_ui(settings, service)
    demo.queue(default_concurrency_limit=4)
    # Gradio's own size cap stays above ours so that users get our per-file Chinese message.
    accounts = parse_auth(settings.auth)
    demo.launch(server_name=host, server_port=port, share=False, auth=LoginGuard(accounts) if accounts else None,
                auth_message="政策问答助手:请使用工作人员账号登录", css=CSS, footer_links=["settings"],
                run_history=False, max_file_size=f"{2 * settings.max_upload_mb + 1}mb",
                prevent_thread_lock=not block, quiet=not block)
    return demo
