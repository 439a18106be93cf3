"""The web app speaks Chinese only, including Gradio's own strings.

Gradio's frontend picks its language from the browser (``navigator.language``), so a browser set
to English showed "Drop File Here", "Click to Upload" and "Settings"; and its zh-CN strings lack
some keys (``chatbot.complete``, ``common.progress`` …), which showed in English or as the key.
Three pieces close the gaps:

- :data:`I18N` adds Chinese for the keys Gradio's zh-CN file lacks (passed to ``launch``);
- :class:`ChineseLocale`, an ASGI middleware, makes the page report zh-CN to Gradio's frontend
  whatever the browser's language, and sets ``<html lang="zh-CN">``;
- :data:`ATTRIBUTE_JS` translates what Gradio's components hard-code in English: tooltips and
  screen-reader labels ("Copy table data", "Fullscreen" …), the status text ("processing") and
  the toast titles (its toasts show their level, "Warning"/"Error", not the title sent);
  :func:`warn` and :func:`error` still send Chinese titles, for Gradio versions that show them.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

WARNING_TITLE = "提示"
ERROR_TITLE = "出错了"

# Keys missing from gradio's zh-CN.json (gradio 6.31) in the components this app uses, and keys its
# frontend uses that no language file has ("common.complete" was announced as "common complete").
_ZH_CN_MISSING = {
    "chatbot": {"complete": "完成", "copy_message": "复制消息", "copied_message": "已复制消息"},
    "common": {"download_all": "全部下载", "runs": "运行记录", "runs_description": "查看此浏览器保存的运行记录",
               "back_to_app": "应用", "back_to_app_description": "返回应用", "progress": "进度", "record": "录制",
               "stop_recording": "停止录制", "run": "运行", "complete": "完成", "upload": "上传"},
    "dataframe": {"filter": "筛选", "clear_filter": "清除筛选", "import_empty_file": "拖入的文件为空。"},
    "status": {"queue_position": "排队中:第 {position} 位,共 {size} 位"},
}
I18N = gr.I18n(**{"zh-CN": _ZH_CN_MISSING})

# English labels and tooltips that gradio's components write into attributes, not through i18n.
_ATTRIBUTES = {
    "Copy table data": "复制表格数据", "Fullscreen": "全屏", "Exit fullscreen mode": "退出全屏", "Table actions": "表格操作",
    "Empty value": "空值", "Click to upload or drop files": "点击上传或拖放文件", "chatbot conversation": "对话记录",
    "Gradio footer navigation": "页脚导航", "Textbox": "输入框", "Copy": "复制", "Copied!": "已复制",
    "Copy message": "复制消息", "Download": "下载", "Clear": "清除", "Remove": "移除", "Dropdown": "下拉菜单",
    "Close": "关闭", "Sort column": "排序", "Select all": "全选", "Search": "搜索", "Upload": "上传",
}
# Fixed English text in gradio's status tracker ("processing |", "queue: 1/2 |") and toasts: a
# toast's title is its level, capitalised ("Warning"), whatever title the server sends.
_STATUS_WORDS = {"processing": "处理中", "queue:": "排队:", "Warning": WARNING_TITLE, "Error": ERROR_TITLE,
                 "Info": "提示", "Success": "成功", "An error occurred.": "出现错误。"}
ATTRIBUTE_JS = """() => {
  const names = %s, words = %s;
  const fix = () => {
    for (const el of document.querySelectorAll('[aria-label],[title],[placeholder]')) {
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a); if (v && names[v]) el.setAttribute(a, names[v]);
      }
      // The chatbot labels each message "bot's message: <its HTML>": a Chinese role and the text.
      const m = (el.getAttribute('aria-label') || '').match(/^(user|bot|assistant)'s message: ([\\s\\S]*)$/);
      if (m) {
        const text = new DOMParser().parseFromString(m[2], 'text/html').body.textContent.trim();  // runs no script
        el.setAttribute('aria-label', (m[1] === 'user' ? '问题:' : '回答:') + text.slice(0, 300));
      }
    }
    for (const el of document.querySelectorAll('label span, .sr-only, [data-testid=block-info]')) {
      if (el.childElementCount === 0 && names[el.textContent.trim()]) el.textContent = names[el.textContent.trim()];
    }
    // Status lines: a word inside the line; toasts: only a whole text (a message may hold any word).
    for (const el of document.querySelectorAll('.progress-text, .toast-title, .toast-message-text')) {
      const inside = el.classList.contains('progress-text');
      const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let n;
      while ((n = w.nextNode())) for (const [en, zh] of Object.entries(words)) {
        if (inside ? n.textContent.includes(en) : n.textContent.trim() === en) n.textContent = n.textContent.replace(en, zh);
      }
    }
  };
  // Observer callbacks run before the page is painted: the English text is never seen. Our own
  // changes call it once more, and that pass finds nothing left to change.
  fix();
  new MutationObserver(fix).observe(document.body, {subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['aria-label', 'title', 'placeholder']});
}"""


def attribute_js() -> str:

    return ATTRIBUTE_JS % (json.dumps(_ATTRIBUTES, ensure_ascii=False), json.dumps(_STATUS_WORDS, ensure_ascii=False))


def warn(message: str) -> None:
    """A warning toast with a Chinese title."""
    gr.Warning(message, title=WARNING_TITLE)


def error(message: str) -> gr.Error:
    """An error to raise, shown as a toast with a Chinese title."""
    return gr.Error(message, title=ERROR_TITLE)


# Runs before gradio's own scripts: gradio's frontend reads navigator.language once, when it loads.
_LOCALE_SCRIPT = (b"<script>(() => { try { Object.defineProperty(navigator, 'language', {get: () => 'zh-CN'});"
                  b" Object.defineProperty(navigator, 'languages', {get: () => ['zh-CN', 'zh']}); }"
                  b" catch (e) {} })();</script>")


class ChineseLocale:
    """ASGI middleware: the app's HTML page tells Gradio's frontend to use zh-CN.

    Only the app's own ``text/html`` pages change (not files served through ``/gradio_api/``);
    the script goes first in ``<head>``, before Gradio's own scripts read the language.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        # The app's pages only: files served through gradio's API (an uploaded .html) pass as they are.
        if scope["type"] != "http" or scope.get("method") != "GET" or "/gradio_api/" in path or "file=" in path:
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        body: list[bytes] = []

        async def capture(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if b"text/html" not in headers.get(b"content-type", b"") or b"content-encoding" in headers:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = _localise(b"".join(body))
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, capture)


def _localise(page: bytes) -> bytes:
    page = page.replace(b'lang="en"', b'lang="zh-CN"', 1)
    head = page.find(b"<head>")
    return page if head < 0 else page[: head + 6] + _LOCALE_SCRIPT + page[head + 6:]
