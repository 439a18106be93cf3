"""Server mode (``POLICYQA_CHROMA_URL``) against a real ``chroma run`` subprocess on a free
loopback port, and the same contract checks on the embedded store.

The server is started by a fixture, waited for on ``/api/v2/heartbeat`` and killed by its pid;
tests that stop it start it again on the same ``--path``, as an operator would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.api.main import create_app
from app.assistant import Assistant
from app.config import PROJECT_ROOT, Settings
from app.indexing import delete_documents, ingest_paths
from app.service import AssistantService
from app.testing import free_port, serve_in_thread
from vectorstore.errors import RetrievalError, StoreUnavailableError
from vectorstore.index import ServerIndex, open_location

pytestmark = pytest.mark.server

CHROMA = Path(sys.executable).parent / "chroma"
REGULATION = PROJECT_ROOT / "tests" / "data" / "regulation_sample.txt"
WORKPLAN = PROJECT_ROOT / "tests" / "data" / "workplan_sample.txt"
REG_QUESTION = "公共数据开放的答复期限是多少个工作日?"
REG_ANSWER = "15个工作日"
UNAVAILABLE = "向量数据库服务暂时不可用"


class ChromaServer:
    """A real ``chroma run --path PATH --host 127.0.0.1 --port PORT`` child process."""

    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.log = path, port, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._beats():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chroma run did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)

    def _beats(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """SIGKILL by pid: the server gets no chance to tidy up, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def wipe(self) -> None:
        import chromadb

        client = chromadb.HttpClient(host="127.0.0.1", port=self.port)
        for col in client.list_collections():
            client.delete_collection(col.name)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    if not CHROMA.exists():
        pytest.skip(f"chroma CLI not installed at {CHROMA}")
    root = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(root / "db", free_port(), root / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_settings(chroma_server: ChromaServer, tmp_path: Path) -> Settings:
    """Settings for an empty index on the (running) test server."""
    if chroma_server.proc is None:
        chroma_server.start()
    chroma_server.wipe()
    return Settings(index_dir=tmp_path / "unused-index", data_dir=tmp_path / "data", chroma_url=chroma_server.url,
                    api_key=None, auth=None)


@pytest.fixture(params=["embedded", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The same contract on both stores: an embedded index in a tmp dir, and a Chroma server."""
    if request.param == "server":
        return request.getfixturevalue("server_settings")
    return Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None, api_key=None, auth=None)


def _version(settings: Settings) -> str | None:
    return open_location(settings.index_dir, settings.chroma_url).current_version()


def _sources(settings: Settings) -> list[str]:
    return sorted(d.source for d in Assistant.from_settings(settings).kb.documents)


# ---- contract: embedded and server ---------------------------------------------------------


def test_ingest_ask_reingest_delete(store: Settings) -> None:
    report = ingest_paths([REGULATION], store)
    assert report.added == [REGULATION.name] and report.chunks_added > 0
    version = _version(store)
    assert REG_ANSWER in Assistant.from_settings(store).ask(REG_QUESTION).answer

    again = ingest_paths([REGULATION], store)
    assert again.unchanged == [REGULATION.name] and again.chunks_added == 0
    assert _version(store) == version  # a no-op publishes nothing

    assert delete_documents([REGULATION.name], store) == [REGULATION.name]
    assert Assistant.from_settings(store).kb.empty


def test_a_second_ingest_keeps_the_first_document_and_an_edit_reuses_chunks(store: Settings, tmp_path: Path) -> None:
    """Each write copies the current version first (on a server: collection to collection,
    with its stored vectors); a bug there loses documents or re-embeds everything."""
    ingest_paths([REGULATION], store)
    assert ingest_paths([WORKPLAN], store).added == [WORKPLAN.name]
    assert _sources(store) == [REGULATION.name, WORKPLAN.name]

    edited = tmp_path / REGULATION.name
    edited.write_text(REGULATION.read_text(encoding="utf-8").replace("15个工作日", "10个工作日"), encoding="utf-8")
    report = ingest_paths([edited], store)
    assert report.replaced == [REGULATION.name] and report.chunks_added == 1 and report.chunks_reused >= 1
    answer = Assistant.from_settings(store).ask(REG_QUESTION).answer
    assert "10个工作日" in answer and REG_ANSWER not in answer
    assert _sources(store) == [REGULATION.name, WORKPLAN.name]


def test_a_failed_write_leaves_the_previous_version(store: Settings) -> None:
    ingest_paths([REGULATION], store)
    before = _version(store)
    broken = store.model_copy(update={"embedding": "sentence-transformers:/nonexistent/model"})
    with pytest.raises(RetrievalError, match="找不到向量模型目录"):
        ingest_paths([WORKPLAN], broken, rebuild=True)  # even a failed rebuild loses nothing
    assert _version(store) == before
    assert _sources(store) == [REGULATION.name]


# ---- server only --------------------------------------------------------------------------


def test_two_app_processes_see_an_ingest_made_by_a_third(server_settings: Settings) -> None:
    """Two services (as two app replicas would) on one server; a third party ingests; both
    rebuild their BM25 side from the server's documents and answer from the new document."""
    ingest_paths([WORKPLAN], server_settings)
    replicas = [AssistantService(server_settings, check_interval=0) for _ in range(2)]
    assert all(REG_ANSWER not in r.get().ask(REG_QUESTION).answer for r in replicas)

    assert ingest_paths([REGULATION], server_settings).added == [REGULATION.name]
    for replica in replicas:
        assistant = replica.get()
        assert sorted(d.source for d in assistant.kb.documents) == [REGULATION.name, WORKPLAN.name]
        assert REG_ANSWER in assistant.ask(REG_QUESTION).answer


def test_concurrent_writers_take_turns(server_settings: Settings) -> None:
    """Without the server-side lock both writers copy the same version and the second publish
    drops the first one's document."""
    errors: list[BaseException] = []

    def ingest(path: Path) -> None:
        try:
            ingest_paths([path], server_settings)
        except BaseException as ex:  # noqa: BLE001 - reported below
            errors.append(ex)

    threads = [threading.Thread(target=ingest, args=(p,)) for p in (REGULATION, WORKPLAN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    assert _sources(server_settings) == [REGULATION.name, WORKPLAN.name]


def test_a_stale_lock_from_a_killed_writer_is_taken_over(server_settings: Settings) -> None:
    import chromadb

    from vectorstore.docstore import NoEmbedding

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    client = chromadb.HttpClient(host="127.0.0.1", port=int(server_settings.chroma_url.rsplit(":", 1)[1]))
    client.create_collection("policyqa_lock", embedding_function=NoEmbedding(),
                             metadata={"token": "x", "host": os.uname().nodename, "pid": int(dead.stdout),
                                       "since": time.time()})
    location = ServerIndex(server_settings.chroma_url, lock_timeout=10)
    with location.write() as snap:
        assert snap.version
    assert location.current_version() == snap.version


def test_server_killed_gives_a_clear_error_and_recovers_on_restart(chroma_server: ChromaServer,
                                                                   server_settings: Settings) -> None:
    ingest_paths([REGULATION], server_settings)
    version = _version(server_settings)
    with serve_in_thread(create_app(server_settings), free_port()) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert REG_ANSWER in c.post("/v1/ask", json={"question": REG_QUESTION}).json()["answer"]
        chroma_server.stop()
        down = c.post("/v1/ask", json={"question": REG_QUESTION})
        assert down.status_code == 503 and UNAVAILABLE in down.json()["error"]["message"]
        upload = c.post("/v1/documents", files=[("files", (WORKPLAN.name, WORKPLAN.read_bytes(), "text/plain"))])
        assert upload.status_code == 503 and UNAVAILABLE in upload.json()["error"]["message"]
        with pytest.raises(StoreUnavailableError, match=UNAVAILABLE):
            Assistant.from_settings(server_settings)

        chroma_server.start()
        assert _eventually(lambda: c.post("/v1/ask", json={"question": REG_QUESTION}).status_code == 200)
        assert REG_ANSWER in c.post("/v1/ask", json={"question": REG_QUESTION}).json()["answer"]
    assert _version(server_settings) == version  # the refused upload published nothing
    assert _sources(server_settings) == [REGULATION.name]


def test_server_killed_during_an_ingest_leaves_the_previous_version(chroma_server: ChromaServer,
                                                                    server_settings: Settings) -> None:
    ingest_paths([REGULATION], server_settings)
    version = _version(server_settings)
    listed = lambda: {c.name for c in ServerIndex(server_settings.chroma_url)._client.list_collections()}  # noqa: E731
    before = listed()  # the server also keeps earlier tests' versions superseded less than 5 min ago

    def kill_once_embedding(stage: str, done: int, total: int) -> None:
        if stage.startswith("embed:") and chroma_server.proc is not None:
            chroma_server.stop()

    with pytest.raises(StoreUnavailableError, match=UNAVAILABLE):
        ingest_paths([WORKPLAN], server_settings, progress=kill_once_embedding)
    chroma_server.start()
    assert _version(server_settings) == version
    assert _sources(server_settings) == [REGULATION.name]

    report = ingest_paths([WORKPLAN], server_settings)  # the rerun completes and tidies up
    assert report.added == [WORKPLAN.name]
    assert _sources(server_settings) == [REGULATION.name, WORKPLAN.name]
    names = listed()
    assert {f"{k}_{report.version}" for k in ("chunks", "docs")} <= names - before
    assert {"policyqa_current", f"chunks_{version}", f"docs_{version}"} <= names
    # The killed writer's collections are dropped by a later write when the restarted server
    # lists them by then; under load they can outlive the rerun (noted in the issue), but they
    # are never the served version.
    assert _version(server_settings) == report.version


def _eventually(check, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return True
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def test_a_live_writer_makes_the_next_one_wait_then_give_up_clearly(server_settings: Settings) -> None:
    import chromadb

    from vectorstore.docstore import NoEmbedding

    client = chromadb.HttpClient(host="127.0.0.1", port=int(server_settings.chroma_url.rsplit(":", 1)[1]))
    client.create_collection("policyqa_lock", embedding_function=NoEmbedding(),
                             metadata={"token": "x", "host": os.uname().nodename, "pid": os.getppid(),
                                       "since": time.time()})
    with pytest.raises(RetrievalError, match="另一个导入或删除正在进行"):
        with ServerIndex(server_settings.chroma_url, lock_timeout=1).write():
            pass
    assert _version(server_settings) is None
