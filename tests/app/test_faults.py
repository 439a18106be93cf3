"""Faults while ingesting and serving: a SIGKILL in the middle of an ingest, an index directory
that cannot be written (a file, a read-only mount, a full disk) and an ingest while questions
keep coming. The previous index must keep serving and users must get a Chinese message.

The read-only and disk-full cases mount a small tmpfs; where mounting is not allowed they skip.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from app.api.main import create_app
from app.assistant import Assistant
from app.cli import cli
from app.config import PROJECT_ROOT, Settings
from app.indexing import ingest_paths
from app.testing import free_port, serve_in_thread
from vectorstore.errors import RetrievalError
from vectorstore.index import LocalIndex

POLICYQA = Path(sys.executable).parent / "policyqa"
SEED = PROJECT_ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
REGULATION = PROJECT_ROOT / "tests" / "data" / "regulation_sample.txt"
WORKPLAN = PROJECT_ROOT / "tests" / "data" / "workplan_sample.txt"
QUESTION = "DCMM贯标由哪些部门负责?"
EXPECTED = "省大数据局"


def _versions(settings: Settings) -> set[str]:
    return {p.name for p in (settings.index_dir / "versions").iterdir() if p.is_dir()}


def _answers(settings: Settings) -> bool:
    return EXPECTED in Assistant.from_settings(settings).ask(QUESTION).answer


def _generated_corpus(folder: Path, n: int) -> Path:
    """``n`` different documents (the bundled plan with a numbered note), so each one embeds."""
    folder.mkdir(parents=True)
    text = SEED.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"copy-{i:02d}.txt").write_text(f"{text}\n(测试副本第{i + 1}号)\n", encoding="utf-8")
    return folder


def _first_line_with(stream, marker: str, timeout: float) -> str:
    """The first line of ``stream`` containing ``marker`` (read in a thread, waited for with a deadline)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        if line is None:
            raise AssertionError(f"the ingest ended before printing {marker!r}")
        if marker in line:
            return line


# ---- SIGKILL during an ingest --------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_during_an_ingest_keeps_the_previous_index_and_a_rerun_completes(writable_index: Settings,
                                                                                 tmp_path: Path) -> None:
    """``kill -9`` once the first file is embedded: CURRENT still names the old version, which
    answers; the rerun publishes everything and removes the killed run's half-written copy."""
    folder = _generated_corpus(tmp_path / "big", 3)
    before = LocalIndex(writable_index.index_dir).current_version()
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(writable_index.index_dir),
           "POLICYQA_DATA_DIR": str(writable_index.data_dir), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(POLICYQA), "ingest", str(folder)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        _first_line_with(proc.stderr, "向量化", timeout=300)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert LocalIndex(writable_index.index_dir).current_version() == before
    assert len(_versions(writable_index) - {before}) == 1  # the killed run's unpublished copy
    assert _answers(writable_index)
    assert [d.source for d in Assistant.from_settings(writable_index).kb.documents] == [SEED.name]

    rerun = subprocess.run([str(POLICYQA), "ingest", str(folder)], env=env, capture_output=True, text=True,
                           timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "新增文档 3" in rerun.stdout
    after = LocalIndex(writable_index.index_dir).current_version()
    assert after != before and _versions(writable_index) == {before, after}
    assert len(Assistant.from_settings(writable_index).kb.documents) == 4
    assert _answers(writable_index)


# ---- an index directory that cannot be written -------------------------------------------


@pytest.mark.server
def test_an_index_dir_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    """Tests run as root, so chmod does not stop writes: a file where the directory should be does."""
    blocker = tmp_path / "index"
    blocker.write_text("not a directory", encoding="utf-8")
    settings = Settings(index_dir=blocker, data_dir=tmp_path / "data", chroma_url=None, api_key=None, auth=None)
    with pytest.raises(RetrievalError, match="是一个文件而不是目录,请检查 POLICYQA_INDEX_DIR"):
        ingest_paths([REGULATION], settings)
    with pytest.raises(RetrievalError, match="索引目录不可写.*该路径已存在且不是目录.*原有索引保持不变"):
        ingest_paths([REGULATION], settings, rebuild=True)  # --rebuild skips reading the current version

    result = CliRunner().invoke(cli, ["ingest", str(REGULATION), "--index", str(blocker)])
    assert result.exit_code == 1 and "是一个文件而不是目录" in result.output

    with serve_in_thread(create_app(settings), free_port()) as url:
        r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=60)
    assert r.status_code == 503 and "是一个文件而不是目录" in r.json()["error"]["message"]
    assert blocker.read_text(encoding="utf-8") == "not a directory"


@contextlib.contextmanager
def _tmpfs(mountpoint: Path, size: str, read_only: bool = False) -> Iterator[Path]:
    mountpoint.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def _remount_read_only(mountpoint: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(mountpoint)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")


@pytest.mark.server
def test_a_read_only_index_dir_gives_a_clear_error(bundled_index: Settings, tmp_path: Path) -> None:
    """Chroma writes to its SQLite file even to open an index, so a read-only index cannot
    serve either: both ingest and questions get the Chinese message instead of a traceback."""
    with _tmpfs(tmp_path / "ro", "64m") as mnt:
        shutil.copytree(bundled_index.index_dir, mnt / "index")
        settings = bundled_index.model_copy(update={"index_dir": mnt / "index", "data_dir": tmp_path / "data"})
        _remount_read_only(mnt)
        with pytest.raises(RetrievalError, match="文件系统为只读"):
            ingest_paths([REGULATION], settings, rebuild=True)
        with pytest.raises(RetrievalError, match="无法打开索引目录.*只读"):
            ingest_paths([REGULATION], settings)
        with serve_in_thread(create_app(settings), free_port()) as url:
            r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=60)
        assert r.status_code == 503 and "只读" in r.json()["error"]["message"]


def test_a_full_disk_during_an_ingest_gives_a_clear_error_and_keeps_the_index(bundled_index: Settings,
                                                                                tmp_path: Path) -> None:
    """The disk fills up while the new version is being written (after the first file is embedded)."""
    with _tmpfs(tmp_path / "small", "8m") as mnt:
        shutil.copytree(bundled_index.index_dir, mnt / "index")
        settings = bundled_index.model_copy(update={"index_dir": mnt / "index", "data_dir": tmp_path / "data"})
        before = LocalIndex(settings.index_dir).current_version()

        def fill_disk(stage: str, done: int, total: int) -> None:
            if stage.startswith("embed:") and not (mnt / "filler").exists():
                with open(mnt / "filler", "wb") as f, contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()

        with pytest.raises(RetrievalError, match="磁盘空间不足,导入未完成,原有索引保持不变"):
            ingest_paths([REGULATION, WORKPLAN], settings, progress=fill_disk)
        assert LocalIndex(settings.index_dir).current_version() == before
        assert _versions(settings) == {before}
        assert _answers(settings)
        (mnt / "filler").unlink()
        assert ingest_paths([REGULATION], settings).added == [REGULATION.name]  # room again: it works


# ---- ingest while serving -----------------------------------------------------------------

ASKERS = 3
MAX_ASKS_PER_ASKER = 3000
MAX_SECONDS = 240.0


@pytest.mark.server
def test_questions_keep_getting_answers_during_an_ingest(writable_index: Settings, tmp_path: Path) -> None:
    """Askers loop (bounded in count and time) while an upload goes through the API and another
    writer (as ``policyqa ingest`` would) publishes a new version: every answer is right."""
    results: list[tuple[int, str, float]] = []  # status, answer, when it arrived
    stop = threading.Event()
    edited = tmp_path / SEED.name
    edited.write_text(SEED.read_text(encoding="utf-8").replace("8500亿元", "9000亿元"), encoding="utf-8")
    with serve_in_thread(create_app(writable_index), free_port()) as url:
        def ask_loop() -> None:
            deadline = time.monotonic() + MAX_SECONDS
            with httpx.Client(base_url=url, timeout=60) as c:
                for _ in range(MAX_ASKS_PER_ASKER):
                    if stop.is_set() or time.monotonic() > deadline:
                        return
                    r = c.post("/v1/ask", json={"question": QUESTION})
                    results.append((r.status_code, r.json().get("answer", ""), time.monotonic()))

        askers = [threading.Thread(target=ask_loop) for _ in range(ASKERS)]
        for t in askers:
            t.start()
        try:
            started = time.monotonic()
            files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in (REGULATION, WORKPLAN)]
            assert httpx.post(f"{url}/v1/documents", files=files, timeout=300).status_code == 201
            assert ingest_paths([edited], writable_index).replaced == [SEED.name]
            ingested = time.monotonic()
            assert _eventually(lambda: "9000亿元" in httpx.post(f"{url}/v1/ask", timeout=60, json={
                "question": "2022年软件业务收入目标是多少?"}).json()["answer"])
        finally:
            stop.set()
            for t in askers:
                t.join(timeout=MAX_SECONDS)
    during = [r for r in results if started <= r[2] <= ingested]
    assert len(during) >= 10 * ASKERS, f"only {len(during)} answers arrived during the ingests"
    assert [r[:2] for r in results if r[0] != 200 or EXPECTED not in r[1]] == []


def _eventually(check, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True
