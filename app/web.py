"""Gradio web chat: questions with answers and their sources, feedback, and a
documents tab (list, upload, clause tree, delete).

Every string that comes from a document or a user is passed through ``html.escape`` before
it reaches the page: a policy file containing ``<script>`` shows it as text.

    policyqa web --port 7860          # or: launch(get_settings(), "127.0.0.1", 7860)
"""

from __future__ import annotations

import html
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from app.answer import Answer, Citation
from app.assistant import Assistant
from app.config import Settings
from app.conversations import ConversationStore
from app.errors import user_message
from app.login import LoginGuard
from app.service import AssistantService
from app.web_eligibility import eligibility_tab
from app.web_i18n import I18N, ChineseLocale, attribute_js, error, warn
from app.web_ledger import fresh_export_dir, ledger_tab
from app.web_scope import scope_selector, scoped_document
from app.web_upload import ingest_steps, precheck_html, results_html
from ingest.types import Clause, ClauseKind, Document

EXAMPLES = (
    "DCMM贯标由哪些部门负责?",
    "2022年底软件业务收入的目标是多少?",
    "对首次通过DCMM二级及以上的企业有什么支持?",
    "省大数据局负责哪些任务?",
)
SUMMARY_QUOTE_CHARS = 40  # quotes are cut short in the source line; the clause shows them whole

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
.pqa-context { margin: 0.2em 0 0.4em 1.2em; } .pqa-context summary { cursor: pointer; color: #0958d9; }
.pqa-context-body { border: 1px solid #e5e5e5; border-radius: 4px; padding: 0.4em 0.7em; overflow-wrap: anywhere; }
.pqa-context-doc { font-weight: 600; margin-bottom: 0.3em; }
.pqa-neighbour { color: #777; font-size: 0.92em; margin: 0.3em 0; }
.pqa-neighbour-path { font-size: 0.85em; color: #999; }
.pqa-context-cited { border-left: 3px solid #c9a227; background: #fffbe6; padding: 0.3em 0.6em; margin: 0.3em 0; }
.pqa-context-cited mark { background: #ffe58f; }
.pqa-ledger-key { font-size: 0.88em; color: #555; }
.pqa-ledger-key ul { display: flex; flex-wrap: wrap; gap: 0 1.2em; list-style: none; padding: 0; margin: 0.2em 0; }
.pqa-meta td, .pqa-meta th { padding: 2px 8px; text-align: left; }
.pqa-tree .pqa-node { margin: 0.2em 0; overflow-wrap: anywhere; }
.pqa-tree .pqa-facts { color: #555; font-size: 0.9em; margin-left: 1.5em; }
.pqa-ok { color: #237804; } .pqa-fail { color: #a8071a; }
.pqa-stages { display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; list-style: none; padding: 0.3em 0; margin: 0; }
.pqa-stage-todo { color: #999; } .pqa-stage-now { font-weight: 600; color: #ad6800; } .pqa-stage-done { color: #237804; }
.pqa-upload-summary { font-weight: 600; margin: 0.3em 0; }
.pqa-upload-table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
.pqa-upload-table td, .pqa-upload-table th { border: 1px solid #e5e5e5; padding: 3px 6px; text-align: left;
                                            overflow-wrap: anywhere; vertical-align: top; }
.pqa-upload-table td:nth-child(2) { white-space: nowrap; }
.pqa-upload-table td:first-child { min-width: 7em; }
.pqa-confirm { font-weight: 600; color: #a8071a; padding: 0.4em 0.6em; margin: 0; }
.pqa-undo-note { padding: 0.4em 0.6em; margin: 0; }
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


def sources_html(citations: Sequence[Citation], docs: Mapping[str, Document] | None = None) -> str:
    """One expandable entry per cited clause: title, section › measure, quotes; the clause inside,
    and (when the cited ``docs`` are given, by file name) the clause in its document, between its
    neighbouring clauses."""
    groups: dict[tuple[str, str], list[Citation]] = {}
    for c in citations:
        groups.setdefault((c.doc, c.clause_id or " › ".join(c.path)), []).append(c)
    if not groups:
        return ""
    items = []
    for cites in groups.values():
        first = cites[0]
        quotes = [c.quote for c in cites]
        body = highlight(first.clause_text, quotes) if first.clause_text else "<br>".join(map(html.escape, quotes))
        shown = "".join(f'<span class="pqa-quote">「{html.escape(_shorten(q))}」</span>' for q in quotes)
        doc = (docs or {}).get(first.doc)
        context = context_html(doc, first.clause_id, quotes) if doc else ""
        items.append(f'<details class="pqa-source"><summary><span class="pqa-doc">《{html.escape(first.title)}》'
                     f'</span> <span class="pqa-path">{html.escape(" › ".join(first.path))}</span>{shown}'
                     f'</summary><div class="pqa-clause">{body}</div>{context}</details>')
    return ('<div class="pqa-sources"><div class="pqa-sources-title">依据(点击展开条款原文)</div>'
            + "".join(items) + "</div>")


def context_html(doc: Document, clause_id: str, quotes: Sequence[str]) -> str:
    """The cited clause in its document: its place, the clause before and after it (same level,
    in document order), and the clause itself with the quotes highlighted."""
    clauses = [c for c in doc.clauses if c.kind != ClauseKind.DOCUMENT]
    at = next((i for i, c in enumerate(clauses) if c.id == clause_id), None)
    if at is None:
        return ""
    cited = clauses[at]
    same = [c for c in clauses if c.level == cited.level and c.kind == cited.kind]
    k = same.index(cited)
    before, after = (same[k - 1] if k else None), (same[k + 1] if k + 1 < len(same) else None)

    def neighbour(c: Clause | None, where: str) -> str:
        if c is None:
            return f'<div class="pqa-neighbour pqa-none">({where}没有同级条款)</div>'
        return (f'<div class="pqa-neighbour"><div class="pqa-neighbour-path">{html.escape(" › ".join(c.path))}</div>'
                f"{_text_html(c.text)}</div>")

    return (f'<details class="pqa-context"><summary>在文档中查看上下文</summary>'
            f'<div class="pqa-context-body"><div class="pqa-context-doc">《{html.escape(doc.title)}》({html.escape(doc.source)})'
            f" · 第 {at + 1}/{len(clauses)} 个条款</div>{neighbour(before, '前面')}"
            f'<div class="pqa-context-cited"><div class="pqa-neighbour-path">{html.escape(" › ".join(cited.path))}</div>'
            f"{highlight(cited.text, quotes)}</div>{neighbour(after, '后面')}</div></details>")


def _shorten(text: str, limit: int = SUMMARY_QUOTE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def answer_html(answer_text: str, notes: Sequence[str] = (), citations: Sequence[Citation] = (),
                streaming: bool = False, docs: Mapping[str, Document] | None = None) -> str:
    """The assistant message; while ``streaming`` the answer carries a class saying it is unfinished."""
    notes_html = "".join(f'<div class="pqa-note">提示:{html.escape(n)}</div>' for n in notes)
    cls = "pqa-answer pqa-streaming" if streaming else "pqa-answer"
    return f'{notes_html}<div class="{cls}">{_text_html(answer_text)}</div>{sources_html(citations, docs)}'


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


def _shown_question(question: str, limit: int) -> str:
    return question if len(question) <= limit else question[:limit] + "…"


def _ask(service: AssistantService, question: str, history: Sequence[str], doc: str | None = None) -> Answer:
    """Ask, turning errors users can act on into a Chinese message on the page."""
    try:
        return service.get().ask(question, history, doc=doc)
    except Exception as ex:  # noqa: BLE001 - re-raised unless it has a user message
        msg = user_message(ex)
        if msg is None:
            raise
        raise error(msg) from ex


def _cited_docs(service: AssistantService, answer: Answer) -> dict[str, Document]:
    cited = {c.doc for c in answer.citations}
    return {d.source: d for d in service.get().kb.documents if d.source in cited}


def _respond(service: AssistantService):
    limit = service.settings.max_question_chars

    def respond(question: str, turns: list[dict], scope: str | None = None):
        question = (question or "").strip()
        if not question:
            warn("请先输入问题,例如:“DCMM贯标由哪些部门负责?”")
            yield _messages(turns), turns, "", gr.skip()
            return
        shown = _shown_question(question, limit)
        yield _messages(turns, shown), turns, "", gr.skip()
        history = [t["question"] for t in turns]
        # The extractive answer is complete when it is computed: it is shown at once, not typed out.
        answer = _ask(service, question, history, scoped_document(service, scope))
        shown_html = answer_html(answer.answer, answer.notes, answer.citations, docs=_cited_docs(service, answer))
        turn = {"question": question, "shown_question": shown, "history": history, "answer": answer.to_dict(),
                "html": shown_html}
        turns = turns + [turn]
        yield _messages(turns), turns, "", _export_conversation(turns)  # the download holds this answer too

    return respond


def conversation_markdown(turns: Sequence[dict[str, Any]], when: str) -> str:
    """The conversation as Markdown: each question, its answer and its sources with the quotes."""
    lines = [f"# 政策问答对话记录({when})", ""]
    for i, t in enumerate(turns, 1):
        a = t["answer"]
        lines += [f"## {i}. 问:{t['question']}", "", a["answer"], ""]
        lines += [f"> 提示:{n}" for n in a.get("notes", [])]
        if a["citations"]:
            lines += ["依据:", ""]
            lines += [f"- 《{c['title']}》{' › '.join(c['path'])}:「{c['quote']}」" for c in a["citations"]]
            lines.append("")
    return "\n".join(lines)


def _export_conversation(turns: list[dict]):
    """A fresh Markdown file of the conversation for the download button (none while it is empty)."""
    if not turns:
        return gr.update(value=None, interactive=False)
    now = time.localtime()
    path = fresh_export_dir() / f"对话记录-{time.strftime('%Y%m%d-%H%M%S', now)}.md"
    path.write_text(conversation_markdown(turns, time.strftime("%Y-%m-%d %H:%M", now)), encoding="utf-8")
    return gr.update(value=str(path), interactive=True)


def _feedback(service: AssistantService):
    """One click on 赞/踩 records the rating; a comment is optional, typed before or after.

    A comment sent after a click belongs to that rating: it is written again with the same
    ``feedback_id`` (the later record of an id supersedes the earlier one).
    """
    def on_like(turns: list[dict], comment: str, data: gr.LikeData):
        rating = {True: "up", False: "down"}.get(data.liked) if isinstance(data.liked, bool) else None
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if rating is None or not turns or index // 2 >= len(turns):
            return gr.update(), "", None
        rated = {"turn": index // 2, "rating": rating, "feedback_id": uuid.uuid4().hex[:12]}
        _write_feedback(service, turns[rated["turn"]], rated, comment)
        thanks = "已记录:" + ("有帮助" if rating == "up" else "没有帮助") + ",谢谢!"
        more = "" if (comment or "").strip() else "如愿意,可在上方补充意见并点击“提交意见”。"
        return "", thanks + more, rated

    def on_comment(turns: list[dict], comment: str, rated: dict | None):
        if not (comment or "").strip():
            warn("请先填写意见")
            return comment, "", rated
        if not turns:
            warn("还没有可以反馈的回答")
            return comment, "", rated
        if rated and rated["turn"] < len(turns):
            _write_feedback(service, turns[rated["turn"]], rated, comment)
            return "", "已把意见补充到您刚才的评价,谢谢!", None
        _write_feedback(service, turns[-1], None, comment)
        return "", "已记录您的意见,谢谢!", None

    return on_like, on_comment


def _write_feedback(service: AssistantService, turn: dict, rated: dict | None, comment: str) -> None:
    a = turn["answer"]
    service.record_feedback({"rating": rated["rating"] if rated else None, "comment": (comment or "").strip(),
                             "feedback_id": rated["feedback_id"] if rated else uuid.uuid4().hex[:12],
                             "question": turn["question"], "history": turn["history"], "answer": a["answer"],
                             "refused": a["refused"], "intent": a["intent"], "citations": a["citations"]})


def _chat_tab(service: AssistantService, scope: Any) -> _SavedConversations:
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
        export = gr.DownloadButton("导出对话(Markdown)", elem_id="pqa-export", size="sm", interactive=False)
    with gr.Accordion("反馈", open=True):
        comment = gr.Textbox(label="意见(可选)", elem_id="pqa-comment", lines=1,
                             placeholder="点击回答下方的“赞”或“踩”即可评价;意见可选,评价前后填写均可")
        comment_btn = gr.Button("提交意见", size="sm", elem_id="pqa-comment-send")
        status = gr.Markdown(elem_id="pqa-feedback-status")
    # One event for both triggers: a second question waits until the first answer is complete.
    asked = gr.on([box.submit, send.click], _respond(service), [box, turns, scope], [chatbot, turns, box, export])
    on_like, on_comment = _feedback(service)
    rated = gr.State(None)  # the last 赞/踩 click, so that a comment sent after it joins it
    chatbot.like(on_like, [turns, comment], [comment, status, rated])
    comment_btn.click(on_comment, [turns, comment, rated], [comment, status, rated])
    saved = _saved_conversations(service, chatbot, turns, export)
    asked.then(saved.save, saved.save_inputs, saved.save_outputs, show_progress="hidden")  # after each answer
    # The chat's own clear icon starts a new conversation too (it cleared the page but kept the context).
    gr.on([new.click, chatbot.clear], lambda: ([], [], "", "", None, gr.update(value=None, interactive=False), None),
          None, [chatbot, turns, box, status, rated, export, saved.current])
    return saved


@dataclass
class _SavedConversations:
    """The chat's 历史对话 controls and what the page load needs to reopen the last conversation."""

    current: Any  # gr.State: id of the conversation on show (None: not saved yet)
    load: Any
    load_inputs: list[Any]
    load_outputs: list[Any]
    save: Any
    save_inputs: list[Any]
    save_outputs: list[Any]


def _browser_secret(data_dir: Path) -> str:
    """A stable key for the browser id gradio keeps (encrypted) in localStorage: with a new key
    per server start, every browser would lose its conversations at each restart."""
    path = data_dir / ".browser-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(uuid.uuid4().hex, encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def _saved_conversations(service: AssistantService, chatbot: Any, turns: Any, export: Any) -> _SavedConversations:
    """Conversations kept per user (login name, or a browser id without login) across reloads."""
    store = ConversationStore(service.settings.data_dir)
    browser = gr.BrowserState(None, storage_key="policyqa-browser-id",
                              secret=_browser_secret(service.settings.data_dir))
    current = gr.State(None)
    with gr.Accordion("历史对话", open=False, elem_id="pqa-history-box"):
        pick = gr.Dropdown(label="选择对话", choices=[], elem_id="pqa-history")
        with gr.Row():
            open_btn = gr.Button("打开", size="sm", elem_id="pqa-history-open")
            delete_btn = gr.Button("删除此对话", size="sm", variant="stop", elem_id="pqa-history-delete")

    def user(browser_id: str | None, request: gr.Request | None) -> str:
        name = getattr(request, "username", None) if request is not None else None
        return f"user:{name}" if name else f"browser:{browser_id}"

    def choices(who: str, value: str | None):
        items = store.list(who)
        labels = [(f"{c.title}({c.updated[5:16].replace('T', ' ')},{c.turns} 问)", c.id) for c in items]
        return gr.update(choices=labels, value=value if value in {c.id for c in items} else None)

    def shown(who: str, cid: str | None):
        t = store.load(who, cid) if cid else []
        return _messages(t), t, cid if t else None, _export_conversation(t), choices(who, cid if t else None)

    def on_load(browser_id: str | None, request: gr.Request):
        browser_id = browser_id or uuid.uuid4().hex
        who = user(browser_id, request)
        latest = next(iter(store.list(who)), None)  # a reload reopens the conversation last used
        return (*shown(who, latest.id if latest else None), browser_id)

    def save(t: list[dict], cid: str | None, browser_id: str | None, request: gr.Request):
        if not t:
            return cid, gr.skip()
        who = user(browser_id, request)
        cid = store.save(who, cid, t)
        return cid, choices(who, cid)

    def delete(cid: str | None, on_show: str | None, t: list[dict], browser_id: str | None, request: gr.Request):
        who = user(browser_id, request)
        if not cid:
            warn("请先选择要删除的对话")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        store.delete(who, cid)
        if cid == on_show:
            return [], [], None, _export_conversation([]), choices(who, None)
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), choices(who, on_show)

    def reopen(cid: str | None, browser_id: str | None, request: gr.Request):
        if not cid:
            warn("请先选择要打开的对话")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return shown(user(browser_id, request), cid)

    view = [chatbot, turns, current, export, pick]
    open_btn.click(reopen, [pick, browser], view)
    delete_btn.click(delete, [pick, current, turns, browser], view)
    return _SavedConversations(current, on_load, [browser], [*view, browser], save, [turns, current, browser],
                               [current, pick])


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


def _documents_tab(service: AssistantService, max_mb: int) -> tuple[Any, list[Any], list[Any]]:
    """Builds the tab; returns its refresh function, its inputs and the components it fills."""
    table = gr.Dataframe(headers=["标题", "文号", "日期", "条款数", "文件名", "ID"], interactive=False, wrap=True,
                         label="已导入的文档", elem_id="pqa-docs")
    with gr.Group():
        # No file_types: gradio would refuse other types itself, in English and without the fix
        # ("请另存为 .docx"); our check names it for each file as soon as it is chosen.
        files = gr.File(label=f"上传新文件(.txt/.md/.docx/.pdf/.html,每个不超过{max_mb}MB)", file_count="multiple",
                        elem_id="pqa-upload", height=160)
        ingest_btn = gr.Button("导入所选文件", variant="primary", elem_id="pqa-ingest")
    result = gr.HTML(elem_id="pqa-ingest-result")
    with gr.Row(equal_height=True):
        pick = gr.Dropdown(label="查看文档的条款树", choices=[], elem_id="pqa-doc-pick", scale=4)
        delete_btn = gr.Button("删除此文档", variant="stop", elem_id="pqa-delete", scale=1, min_width=96)
    # Delete asks first, naming the document; the confirmation deletes the document it named.
    pending = gr.State(None)
    with gr.Group(visible=False, elem_id="pqa-delete-confirm") as confirm_box:
        confirm_text = gr.HTML()
        with gr.Row():
            confirm_btn = gr.Button("确认删除", variant="stop", elem_id="pqa-delete-yes", size="sm")
            cancel_btn = gr.Button("取消", elem_id="pqa-delete-no", size="sm")
    # The deleted document on show (its trash file): 撤销删除 puts back exactly the one named.
    shown = gr.State(None)
    with gr.Group(visible=False, elem_id="pqa-undo") as undo_box:
        undo_text = gr.HTML()
        undo_btn = gr.Button("撤销删除", variant="primary", elem_id="pqa-undo-btn", size="sm")
    tree = gr.HTML(elem_id="pqa-tree")

    def refresh(selected: str | None = None, first: bool = True):
        """Table, dropdown and tree; the selection is kept while its document exists."""
        docs = _documents(service)
        ids = [d.id for d in docs]
        chosen = selected if selected in ids else (ids[0] if ids and first else None)
        return _doc_rows(docs), gr.update(choices=_doc_choices(docs), value=chosen), _tree_for(service, chosen)

    def ingest(paths: list[str] | None):
        if not paths:
            warn("请先选择要上传的文件")
            yield (gr.skip(),) * 5  # nothing changes, the chosen document included
            return
        start = time.monotonic()
        uploads = [(Path(p).name, Path(p).read_bytes()) for p in paths]
        for page, status in ingest_steps(service, uploads):
            if not status.finished.is_set():
                yield (page, gr.skip(), gr.skip(), gr.skip(), gr.skip())
        if status.error is not None:
            msg = user_message(status.error)
            if msg is None:
                raise status.error
            yield (f'<p class="pqa-fail">导入未完成:{html.escape(msg)}</p>', *refresh(), gr.skip())
            raise error(msg)
        report = status.report
        changed = report.added + report.replaced + report.reparsed
        docs = _documents(service)
        new = next((d.id for d in docs if d.source in changed), None)
        yield (results_html(report, docs, [n for n, _ in uploads], time.monotonic() - start), *refresh(new), None)

    def precheck(paths: list[str] | None):
        """Files just chosen: the previous upload's results go, refusals show at once."""
        page, refused = precheck_html(service, paths or [])
        if refused:
            warn(f"{len(refused)} 个文件无法导入,原因见下方表格")
        return page

    def ask_delete(doc_id: str | None):
        doc = next((d for d in _documents(service) if d.id == doc_id), None)
        if doc is None:
            warn("请先选择要删除的文档")
            return gr.update(visible=False), "", None
        text = (f'<p class="pqa-confirm">确定要删除《{html.escape(doc.title)}》({html.escape(doc.source)})吗?'
                "删除后可点击“撤销删除”恢复。</p>")
        return gr.update(visible=True), text, doc.id

    def trash_view(prefer: str | None = None, just_deleted: bool = False):
        """The undo area: the document ``prefer`` names if it is still in the trash, else the
        newest deleted one (the trash is kept for days, across reloads); hidden when empty."""
        entries = service.trash()
        entry = next((e for e in entries if str(e.saved) == prefer), entries[0] if entries else None)
        if entry is None:
            return gr.update(visible=False), "", None
        name = f"《{html.escape(entry.title)}》({html.escape(entry.source)})"
        when = entry.deleted_at[:16].replace("T", " ")
        text = f"已删除:{name}" if just_deleted else f"最近删除:{name},删除于 {when}"
        return gr.update(visible=True), f'<p class="pqa-undo-note">{text}</p>', str(entry.saved)

    def delete(doc_id: str | None, current: str | None):
        hidden = gr.update(visible=False)
        if not doc_id:
            return hidden, *trash_view(current), "", *refresh()
        removed = _guarded(service.remove, [doc_id])
        if not removed:
            return hidden, *trash_view(current), "<p>该文档已不在索引中</p>", *refresh(None, first=False)
        return hidden, *trash_view(str(removed[0].saved), just_deleted=True), "", *refresh(None, first=False)

    def undo(saved: str | None):
        if not saved:
            return *trash_view(), "", *refresh()
        entry = next((e for e in service.trash() if str(e.saved) == saved), None)
        source = _guarded(service.restore, Path(saved))
        restored = next((d.id for d in _documents(service) if d.source == source), None)
        title = entry.title if entry else source
        note = f'<p class="pqa-ok">已恢复:《{html.escape(title)}》({html.escape(source)})</p>'
        return *trash_view(), note, *refresh(restored)

    outputs = [table, pick, tree]
    # Our own stage list shows the progress: no gradio overlay over the table and the tree.
    ingest_btn.click(ingest, [files], [result, *outputs, files], show_progress="hidden")
    files.upload(precheck, [files], [result], show_progress="hidden")
    delete_btn.click(ask_delete, [pick], [confirm_box, confirm_text, pending])
    cancel_btn.click(lambda: (gr.update(visible=False), None), None, [confirm_box, pending])
    undo_outputs = [undo_box, undo_text, shown]
    confirm_btn.click(delete, [pending, shown], [confirm_box, *undo_outputs, result, *outputs])
    undo_btn.click(undo, [shown], [*undo_outputs, result, *outputs])
    # A different document chosen: the open confirmation no longer names it, so it closes.
    pick.change(lambda i: (_tree_for(service, i), gr.update(visible=False), None), [pick],
                [tree, confirm_box, pending])

    def on_open(selected: str | None = None, saved: str | None = None):
        """Opening the tab: documents (keeping the choice) and the undo area, both as they are now."""
        return (*refresh(selected), *trash_view(saved))

    return on_open, [pick, shown], [*outputs, *undo_outputs]


def _guarded(fn, *args):
    """Run an index change, turning errors users can act on into a Chinese message on the page."""
    try:
        return fn(*args)
    except Exception as ex:  # noqa: BLE001 - re-raised unless it has a user message
        msg = user_message(ex)
        if msg is None:
            raise
        raise error(msg) from ex


def _documents(service: AssistantService) -> list[Document]:
    return sorted(service.get().kb.documents, key=lambda d: d.source)


def _tree_for(service: AssistantService, doc_id: str | None) -> str:
    doc = next((d for d in service.get().kb.documents if d.id == doc_id), None)
    if doc:
        return tree_html(doc)
    return "<p>请在上方选择文档,查看它的条款树。</p>" if service.get().kb.documents else "<p>还没有导入文档。</p>"


# ---- app ----------------------------------------------------------------------------------


def build_ui(settings: Settings, service: AssistantService | None = None) -> gr.Blocks:
    """The whole web app (not launched). ``service`` defaults to a new one for ``settings``."""
    service = service or AssistantService(settings)
    with gr.Blocks(title="政策问答助手", analytics_enabled=False) as demo:
        gr.Markdown("## 政策问答助手\n基于已导入的政策文件作答,每个回答都附原文依据。")
        scope = scope_selector(service)
        with gr.Tab("问答", id="chat"):
            saved = _chat_tab(service, scope)
        with gr.Tab("补贴资格", id="eligibility"):
            eligibility_tab(service, scope)
        with gr.Tab("责任清单", id="ledger") as ledger_page:
            ledger_refresh, ledger_inputs, ledger_outputs = ledger_tab(service)
        with gr.Tab("文档", id="docs") as docs_tab:
            refresh, docs_inputs, outputs = _documents_tab(service, settings.max_upload_mb)
        # Documents may change from elsewhere (CLI ingest, API): refresh when the tab is opened,
        # keeping the document the user had chosen.
        docs_tab.select(refresh, docs_inputs, outputs)
        demo.load(refresh, None, outputs)
        demo.load(saved.load, saved.load_inputs, saved.load_outputs)
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
                i18n=I18N, js=attribute_js(), app_kwargs={"middleware": [Middleware(ChineseLocale)]},
                prevent_thread_lock=not block, quiet=not block)
    return demo
