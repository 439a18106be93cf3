"""The web chat in a real headless Chromium against a real Gradio server, at phone width.

Asserts what a user sees: the streamed answer, its source with the quoted sentence highlighted
in the clause, feedback written to the JSON-lines file, an uploaded document answered from,
markup in documents shown as text, and the staff login.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.config import Settings
from app.testing import (CHROMIUM, CHROMIUM_ARGS, SAMPLE_POLICY_MD, SAMPLE_POLICY_NAME, copy_index, distinct_colours,
                         free_port)
from app.web import launch

pytestmark = pytest.mark.browser

QUESTION = "DCMM贯标由哪些部门负责?"
PHONE = {"width": 390, "height": 844}
# Records the length of the newest answer each time the chat changes (to see it grow).
WATCH_STREAM = """() => { window.__lengths = new Set();
  new MutationObserver(() => { const a = document.querySelectorAll('#pqa-chat .pqa-answer');
    if (a.length) window.__lengths.add(a[a.length - 1].textContent.length); })
  .observe(document.querySelector('#pqa-chat'), {subtree: true, childList: true, characterData: true}); }"""

# Records the progress texts the page shows while a file is ingested.
WATCH_PROGRESS = """() => { window.__progress = new Set();
  new MutationObserver(() => { for (const m of document.body.innerText.matchAll(/(解析文件|建立索引)[^\\n]*/g))
    window.__progress.add(m[0]); }).observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


@pytest.fixture(scope="module")
def web(bundled_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    settings = copy_index(bundled_index, tmp_path_factory.mktemp("web"), max_upload_mb=1)
    port = free_port()
    demo = launch(settings, "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", settings
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, web):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(web[0])
    page.locator("#pqa-question textarea").wait_for()
    yield page
    assert not dialogs, f"a document's script ran: {dialogs}"
    context.close()


def ask(page, question: str, answers_before: int = 0):
    """Type a question, press Enter, wait until the answer is complete; returns the last bot message."""
    page.locator("#pqa-question textarea").fill(question)
    page.locator("#pqa-question textarea").press("Enter")
    done = page.locator("#pqa-chat .pqa-answer:not(.pqa-streaming)")
    done.nth(answers_before).wait_for()
    return page.locator("#pqa-chat .message-row, #pqa-chat .message-wrap .message").filter(
        has=page.locator(".pqa-answer")).last


def test_question_streams_answer_with_highlighted_source(page, output_dir: Path):
    page.evaluate(WATCH_STREAM)
    message = ask(page, QUESTION)
    answer = message.locator(".pqa-answer").inner_text()
    assert "省工业和信息化厅" in answer and "省大数据局" in answer
    assert len(page.evaluate("[...window.__lengths]")) >= 3, "the answer should appear progressively"
    source = message.locator(".pqa-source").first
    assert "8.完善数据要素供给体系" in source.locator("summary").inner_text()
    assert "山东省2022年数字经济“重点突破”行动方案" in source.locator("summary").inner_text()
    clause = source.locator(".pqa-clause")
    assert not clause.is_visible(), "the clause text opens on click"
    source.locator("summary").click()
    assert clause.is_visible()
    assert "依托省数据交易平台开展工业数据产品登记" in clause.inner_text(), "the clause's full text"
    assert "省工业和信息化厅、省大数据局按分工负责" in [m.inner_text() for m in clause.locator("mark").all()]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "fits a phone"
    shot = output_dir / "web_chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000 and distinct_colours(shot) > 100, "screenshot looks blank"


def test_follow_up_uses_the_conversation_and_new_conversation_clears_it(page):
    ask(page, QUESTION)
    follow = ask(page, "那它的目标呢?", answers_before=1)
    assert "100家" in follow.locator(".pqa-answer").inner_text()
    page.locator("#pqa-new").click()
    page.locator("#pqa-chat .pqa-answer").first.wait_for(state="detached")
    fresh = ask(page, "那它的目标呢?")
    assert "100家" not in fresh.locator(".pqa-answer").inner_text(), "a new conversation has no context"


def test_empty_input_is_refused_politely(page):
    page.locator("#pqa-send").click()
    page.get_by_text("请先输入问题").first.wait_for()
    assert page.locator("#pqa-chat .pqa-answer").count() == 0


def test_example_fills_the_box_and_long_input_is_trimmed_with_a_note(page, web):
    page.get_by_text("省大数据局负责哪些任务?", exact=True).first.click()
    expect(page.locator("#pqa-question textarea")).to_have_value("省大数据局负责哪些任务?")
    limit = web[1].max_question_chars
    message = ask(page, "DCMM贯标由哪些部门负责" * (limit // 10 + 5))
    assert f"问题过长,已截取前{limit}个字符" in message.inner_text()


def test_feedback_is_appended_to_the_jsonl_file(page, web):
    ask(page, QUESTION)
    page.locator("#pqa-comment textarea").fill("希望同时列出配合单位")
    page.locator("#pqa-chat button[aria-label='踩']").last.click()  # gradio's zh-CN label
    page.locator("#pqa-feedback-status").get_by_text("已记录").wait_for()
    record = json.loads(web[1].feedback_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "down" and record["comment"] == "希望同时列出配合单位"
    assert record["question"] == QUESTION and "省大数据局" in record["answer"]
    assert record["citations"][0]["path"][-1] == "8.完善数据要素供给体系"
    assert record["time"] and record["history"] == []


def test_upload_ask_and_delete_a_document(page, tmp_path: Path, output_dir: Path):
    (tmp_path / SAMPLE_POLICY_NAME).write_text(SAMPLE_POLICY_MD, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "huge.txt").write_bytes("数据".encode() * 200_000)  # 1.2 MB > the 1 MB limit
    page.get_by_role("tab", name="文档").click()
    page.locator("#pqa-upload input[type=file]").set_input_files(
        [str(tmp_path / n) for n in (SAMPLE_POLICY_NAME, "empty.txt", "huge.txt")])
    page.locator("#pqa-upload").get_by_text("huge", exact=True).wait_for()  # names show as "huge" ".txt"
    page.evaluate(WATCH_PROGRESS)
    page.locator("#pqa-ingest").click()
    result = page.locator("#pqa-ingest-result")
    result.get_by_text(f"已导入:{SAMPLE_POLICY_NAME}").wait_for()
    assert page.evaluate("[...window.__progress]"), "progress is shown while the file is processed"
    assert "empty.txt:文件内容为空" in result.inner_text()
    assert "huge.txt:文件过大(超过1MB)" in result.inner_text()
    assert "青岛市海洋数据开放试点工作方案" in page.locator("#pqa-docs").inner_text()
    tree = page.locator("#pqa-tree")
    assert "市海洋发展局" in tree.inner_text() and "市大数据局、市科技局" in tree.inner_text()
    assert "<script>alert(1)</script>" in tree.text_content(), "markup is shown as text"
    assert page.locator("#pqa-tree script").count() == 0
    page.screenshot(path=str(output_dir / "web_documents.png"), full_page=True)

    page.get_by_role("tab", name="问答").click()
    message = ask(page, "海洋数据应用场景由哪些部门负责?")
    assert "市大数据局" in message.locator(".pqa-answer").inner_text()
    source = message.locator(".pqa-source").first
    assert "青岛市海洋数据开放试点工作方案" in source.locator("summary").inner_text()
    source.locator(".pqa-doc").click()
    assert "<script>alert(1)</script>" in source.locator(".pqa-clause").inner_text()
    assert page.locator("#pqa-chat script").count() == 0

    page.get_by_role("tab", name="文档").click()
    page.locator("#pqa-delete").click()
    result.get_by_text(f"已删除:{SAMPLE_POLICY_NAME}").wait_for()
    assert "青岛市海洋数据开放试点工作方案" not in page.locator("#pqa-docs").inner_text()


def test_staff_login(browser, bundled_index: Settings):
    port = free_port()
    demo = launch(bundled_index.model_copy(update={"auth": "staff:s3cret,admin:pw2"}), "127.0.0.1", port, block=False)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_text("请使用工作人员账号登录").wait_for()
        assert page.locator("#pqa-question").count() == 0
        login(page, "staff", "wrong")
        page.get_by_text("凭据不正确").wait_for()  # gradio's zh-CN message
        login(page, "staff", "s3cret")
        page.locator("#pqa-question textarea").wait_for()
    finally:
        context.close()
        demo.close()


def login(page, user: str, password: str) -> None:
    page.locator("input[type=text], input:not([type])").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name="登录").click()
