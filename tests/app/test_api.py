"""HTTP API through a real uvicorn server on a free port: the DESIGN.md answer, the official
``openai`` client (plain and streamed), uploads and deletes, the API key, bad and big requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from app.api.main import create_app
from app.config import Settings
from app.testing import SAMPLE_POLICY_MD, SAMPLE_POLICY_NAME, copy_index, free_port, serve_in_thread
from ingest.loaders import load_file

pytestmark = pytest.mark.server

KEY = "test-key"
QUESTION = "DCMM贯标由哪些部门负责?"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def api(bundled_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    """One server with an API key and a 1 MB upload limit, on a private copy of the index."""
    settings = copy_index(bundled_index, tmp_path_factory.mktemp("api"), api_key=KEY, max_upload_mb=1)
    with serve_in_thread(create_app(settings), free_port()) as url:
        yield url, settings


@pytest.fixture
def client(api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api[0], headers=AUTH, timeout=60) as c:
        yield c


def test_healthz_needs_no_key(api):
    r = httpx.get(f"{api[0]}/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["documents"] >= 1


def test_ask_returns_the_design_json(client, bundled_index):
    r = client.post("/v1/ask", json={"question": QUESTION})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"question", "answer", "refused", "intent", "citations", "elapsed_ms"}
    assert "省工业和信息化厅" in body["answer"] and "省大数据局" in body["answer"]
    assert body["refused"] is False and body["intent"] == "lead"
    cite = body["citations"][0]
    assert set(cite) == {"doc", "title", "unit", "path", "quote"}
    assert cite["path"][-1] == "8.完善数据要素供给体系" and cite["unit"] == "8"
    source = load_file(bundled_index.corpus_dir / cite["doc"]).text
    assert all(c["quote"] in source for c in body["citations"]), "quotes must be verbatim"


def test_ask_follow_up_uses_history(client):
    r = client.post("/v1/ask", json={"question": "那它的目标呢?", "history": [QUESTION]})
    assert r.status_code == 200
    assert "100家" in r.json()["answer"]


def test_ask_limited_to_a_document(client):
    ok = client.post("/v1/ask", json={"question": "文号是什么?", "doc": "shandong-2022-digital-economy-action-plan.txt"})
    assert "鲁工信数据〔2022〕52号" in ok.json()["answer"]
    missing = client.post("/v1/ask", json={"question": "文号是什么?", "doc": "nope.txt"})
    assert missing.status_code == 200 and missing.json()["refused"] and "未找到文档" in missing.json()["answer"]


def test_long_question_is_trimmed_with_a_note(client, api):
    limit = api[1].max_question_chars
    r = client.post("/v1/ask", json={"question": "DCMM贯标" * limit})
    assert r.status_code == 200
    assert any(f"前{limit}个字符" in n for n in r.json()["notes"])


def test_openai_client_plain(api):
    llm = openai.OpenAI(base_url=f"{api[0]}/v1", api_key=KEY)
    done = llm.chat.completions.create(model="policyqa", messages=[
        {"role": "system", "content": "你是政策助手"}, {"role": "user", "content": QUESTION}])
    text = done.choices[0].message.content
    assert "省工业和信息化厅" in text and "省大数据局" in text
    assert done.choices[0].finish_reason == "stop"
    assert done.model_extra["citations"][0]["path"][-1] == "8.完善数据要素供给体系"
    assert done.model_extra["policyqa"]["refused"] is False


def test_openai_client_streamed(api):
    llm = openai.OpenAI(base_url=f"{api[0]}/v1", api_key=KEY)
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "…"},
                {"role": "user", "content": "那它的目标呢?"}]
    chunks = list(llm.chat.completions.create(model="policyqa", messages=messages, stream=True,
                                              stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    pieces = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert "100家" in text and len(pieces) > 1, "the answer arrives in several chunks"
    final = next(c for c in chunks if c.choices and c.choices[0].finish_reason == "stop")
    assert final.model_extra["citations"][0]["path"][-1] == "8.完善数据要素供给体系"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == len(text)


def test_stream_is_sse_ending_with_done(client):
    body = {"model": "policyqa", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"


def test_openai_client_reports_a_wrong_key(api):
    llm = openai.OpenAI(base_url=f"{api[0]}/v1", api_key="wrong")
    with pytest.raises(openai.AuthenticationError, match="API 密钥"):
        llm.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": QUESTION}])


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"},
                                     {"Authorization": KEY}], ids=["none", "wrong", "basic", "bare"])
@pytest.mark.parametrize("method, path", [("POST", "/v1/ask"), ("GET", "/v1/documents"),
                                          ("POST", "/v1/chat/completions"), ("DELETE", "/v1/documents/x")])
def test_api_key_is_required(api, headers, method, path):
    r = httpx.request(method, f"{api[0]}{path}", headers=headers, json={"question": QUESTION})
    assert r.status_code == 401
    assert "API 密钥" in r.json()["error"]["message"]
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path, content, status, message", [
    ("/v1/ask", b'{"question": "DCMM', 400, "不是有效的 JSON"),
    ("/v1/ask", b'["DCMM"]', 422, "请求参数不正确"),
    ("/v1/ask", b'{"question": "x", "top_k": 3}', 422, "top_k:不支持的字段"),
    ("/v1/ask", b'{"history": []}', 422, "question:缺少字段"),
    ("/v1/ask", b'{"question": "x", "history": "DCMM"}', 422, "history:应为列表"),
    ("/v1/chat/completions", b'{"messages": [{"role": "system", "content": "hi"}]}', 400, "没有用户提问"),
    ("/v1/chat/completions", b'{"messages": []}', 422, "messages:不能为空"),
])
def test_bad_requests_get_json_errors(client, path, content, status, message):
    r = client.post(path, content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == status
    assert message in r.json()["error"]["message"]


def test_unknown_path_is_a_json_404(client):
    r = client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["message"] == "未找到该地址或资源"


def test_oversized_bodies_are_refused(client):
    big = b'{"question": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    declared = client.post("/v1/ask", content=big, headers={"Content-Type": "application/json"})
    chunked = client.post("/v1/ask", content=iter([big[i:i + 65536] for i in range(0, len(big), 65536)]),
                          headers={"Content-Type": "application/json"})
    for r in (declared, chunked):
        assert r.status_code == 413
        assert "请求体过大" in r.json()["error"]["message"]


def test_upload_ask_delete(client, tmp_path: Path):
    files = [("files", (SAMPLE_POLICY_NAME, SAMPLE_POLICY_MD.encode(), "text/markdown")),
             ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
             ("files", ("huge.txt", b"a" * (1024 * 1024 + 10), "text/plain"))]
    r = client.post("/v1/documents", files=files)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["added"] == [SAMPLE_POLICY_NAME]
    reasons = {f["source"]: f["reason"] for f in report["failed"]}
    assert "不支持的文件格式" in reasons["tool.exe"] and "文件过大" in reasons["huge.txt"]

    listed = {d["source"]: d for d in client.get("/v1/documents").json()}
    assert listed[SAMPLE_POLICY_NAME]["title"] == "青岛市海洋数据开放试点工作方案"
    tree = client.get(f"/v1/documents/{listed[SAMPLE_POLICY_NAME]['id']}").json()["clause_tree"]
    assert {d["name"] for c in tree for d in c["departments"]} >= {"市海洋发展局", "市大数据局", "市科技局"}

    answer = client.post("/v1/ask", json={"question": "海洋数据开放平台由哪个部门负责?"}).json()
    assert "市海洋发展局" in answer["answer"] and answer["citations"][0]["doc"] == SAMPLE_POLICY_NAME

    again = client.post("/v1/documents", files=files[:1])
    assert again.status_code == 200 and again.json()["unchanged"] == [SAMPLE_POLICY_NAME]

    assert client.delete(f"/v1/documents/{SAMPLE_POLICY_NAME}").json() == {"removed": [SAMPLE_POLICY_NAME]}
    assert SAMPLE_POLICY_NAME not in {d["source"] for d in client.get("/v1/documents").json()}
    after = client.post("/v1/ask", json={"question": "海洋数据开放平台由哪个部门负责?"}).json()
    assert all(c["doc"] != SAMPLE_POLICY_NAME for c in after["citations"])
    gone = client.delete(f"/v1/documents/{SAMPLE_POLICY_NAME}")
    assert gone.status_code == 404 and SAMPLE_POLICY_NAME in gone.json()["error"]["message"]


def test_index_changed_by_another_process_is_picked_up(client, api, tmp_path: Path):
    """``policyqa ingest`` while the server runs: the server reloads within a few seconds."""
    from app.indexing import delete_documents, ingest_paths

    path = tmp_path / "external-plan.md"
    path.write_text(SAMPLE_POLICY_MD, encoding="utf-8")
    assert ingest_paths([path], api[1]).added == ["external-plan.md"]
    assert _eventually(lambda: "external-plan.md" in {d["source"] for d in client.get("/v1/documents").json()})
    assert delete_documents(["external-plan.md"], api[1]) == ["external-plan.md"]
    assert _eventually(lambda: "external-plan.md" not in {d["source"] for d in client.get("/v1/documents").json()})


def _eventually(check, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_upload_with_only_bad_files_is_422(client):
    r = client.post("/v1/documents", files=[("file", ("empty.txt", b"", "text/plain"))])
    assert r.status_code == 422
    assert r.json()["error"]["failed"] == [{"source": "empty.txt", "reason": "文件内容为空"}]


def test_upload_without_files_is_400(client):
    r = client.post("/v1/documents", data={"x": "1"})
    assert r.status_code == 400 and "files" in r.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_openapi_docs_need_the_key_too(api, path):
    """Issue 19: with POLICYQA_API_KEY set, the docs routes were open (README: only /healthz is)."""
    r = httpx.get(f"{api[0]}{path}")
    assert r.status_code == 401 and "API 密钥" in r.json()["error"]["message"]
    assert httpx.get(f"{api[0]}{path}", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert httpx.get(f"{api[0]}/healthz").status_code == 200


def test_openapi_docs_are_served(api):
    headers = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{api[0]}/docs", headers=headers).status_code == 200
    paths = httpx.get(f"{api[0]}/openapi.json", headers=headers).json()["paths"]
    assert {"/v1/ask", "/v1/chat/completions", "/v1/documents", "/v1/documents/{doc_id}", "/healthz"} <= set(paths)


def test_without_a_configured_key_the_api_is_open(bundled_index: Settings):
    with serve_in_thread(create_app(bundled_index), free_port()) as url:
        r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=60)
    assert r.status_code == 200 and "省大数据局" in r.json()["answer"]
