"""Upload in the 文档 tab, telling the truth: the real stages with their counts while a file is
ingested (读取 → 解析 → 向量化 n/m → 发布), then one row per file (成功/失败 and why, in Chinese).

The ingest runs in a worker thread; :func:`ingest_steps` yields the page's status each time
the stage moves on, so the page shows what the ingest is doing now, not a bar that sits at
100% while the index is still being written.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.indexing import IngestReport
from app.service import AssistantService
from ingest.types import Document

POLL_S = 0.2  # how often the page's status is refreshed while the ingest runs
STAGES = ("读取", "解析", "向量化", "发布")


@dataclass(slots=True)
class _Status:
    """What the worker thread has reported so far (written by it, read by the page)."""

    files: int
    size: int
    stage: int = 0  # index into STAGES
    done: int = 0
    total: int = 0
    report: IngestReport | None = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def update(self, stage: str, done: int, total: int) -> None:
        self.stage = {"files": 1, "publish": 3}.get(stage, 2)  # "prepare" and "embed:…" are 向量化
        self.done, self.total = done, total


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def stages_html(status: _Status) -> str:
    """The four stages, finished ones ticked, the current one with its count."""
    counts = [f"{status.files} 个文件,共 {_size_text(status.size)}",
              f"{status.done}/{status.total} 个文件" if status.stage == 1 else "",
              (f"{status.done}/{status.total} 段" if status.total else "正在准备新的索引版本") if status.stage == 2 else "",
              "正在启用新的索引版本" if status.stage == 3 else ""]
    items = []
    for i, (name, count) in enumerate(zip(STAGES, counts)):
        state = "done" if i < status.stage else "now" if i == status.stage else "todo"
        mark = {"done": "✓", "now": "…", "todo": ""}[state]
        items.append(f'<li class="pqa-stage pqa-stage-{state}">{name}{" " + count if count and state != "todo" else ""}'
                     f"{mark}</li>")
    return f'<ol class="pqa-stages" aria-live="polite">{"".join(items)}</ol>'


def ingest_steps(service: AssistantService, uploads: Sequence[tuple[str, bytes]]) -> Iterator[tuple[str, _Status]]:
    """Run the ingest in a thread; yields (status HTML, status) while it runs and once at the end.

    The last status holds ``report`` or ``error`` (re-raised by the caller).
    """
    status = _Status(files=len(uploads), size=sum(len(data) for _, data in uploads))
    yield stages_html(status), status

    def work() -> None:
        try:
            status.report = service.ingest_uploads(uploads, progress=status.update)
        except BaseException as ex:  # noqa: BLE001 - handed to the page's thread, which re-raises
            status.error = ex
        finally:
            status.finished.set()

    threading.Thread(target=work, name="policyqa-upload", daemon=True).start()
    shown = ""
    while not status.finished.wait(POLL_S):
        now = stages_html(status)
        if now != shown:
            shown = now
            yield now, status
    yield stages_html(status), status


_OUTCOMES = (("added", "新增"), ("replaced", "已更新(内容有变化)"), ("reparsed", "已按新版解析器重新解析"))


def results_html(report: IngestReport, docs: Sequence[Document], names: Sequence[str], seconds: float) -> str:
    """One row per uploaded file, in the order chosen: 成功/失败/未变化 and the details."""
    clauses = {d.source: len(d.clauses) for d in docs}
    rows: dict[str, tuple[str, str, str]] = {}
    for attr, label in _OUTCOMES:
        for source in getattr(report, attr):
            rows[source] = ("成功", "pqa-ok", f"{label},条款 {clauses.get(source, 0)} 条")
    for source in report.unchanged:
        rows[source] = ("未变化", "", "与已导入的版本相同,已跳过")
    for source, reason in report.failed:
        rows[source] = ("失败", "pqa-fail", reason)
    order = [Path(n).name for n in names] + [s for s in rows if s not in {Path(n).name for n in names}]
    body = "".join(f'<tr class="{cls}"><td>{html.escape(s)}</td><td>{outcome}</td><td>{html.escape(detail)}</td></tr>'
                   for s in dict.fromkeys(order) if s in rows for outcome, cls, detail in [rows[s]])
    ok = len(report.added) + len(report.replaced) + len(report.reparsed)
    summary = (f"导入完成:成功 {ok} 个,失败 {len(report.failed)} 个" + (f",未变化 {len(report.unchanged)} 个"
               if report.unchanged else "") + (f";新向量化 {report.chunks_added} 段,复用 {report.chunks_reused} 段"
                                                if ok else "") + f"。用时 {seconds:.1f} 秒。")
    return (f'<div class="pqa-upload-summary">{summary}</div><table class="pqa-upload-table">'
            f"<thead><tr><th>文件</th><th>结果</th><th>说明</th></tr></thead><tbody>{body}</tbody></table>")


def precheck_html(service: AssistantService, paths: Sequence[str]) -> tuple[str, list[str]]:
    """Right after files are chosen: the ones that will be refused, and why (nothing is ingested yet)."""
    refused = [(Path(p).name, reason) for p in paths if (reason := service.check_upload(Path(p).name,
                                                                                          Path(p).stat().st_size))]
    if not refused:
        return "", []
    rows = "".join(f'<tr class="pqa-fail"><td>{html.escape(n)}</td><td>无法导入</td><td>{html.escape(r)}</td></tr>'
                   for n, r in refused)
    return (f'<div class="pqa-upload-summary">以下文件无法导入,点击“导入所选文件”时会跳过:</div>'
            f'<table class="pqa-upload-table"><thead><tr><th>文件</th><th>结果</th><th>说明</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"), [n for n, _ in refused]
