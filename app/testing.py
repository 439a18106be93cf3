"""Helpers shared by the tests (tests run with --import-mode=importlib and cannot import each other).

Nothing here replaces a part of PolicyQA: the servers are the real ones, on real ports.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from app.config import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A TCP port that was free a moment ago (bind to port 0, let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_index(settings: Settings, dest: Path, **changes) -> Settings:
    """A private, writable copy of ``settings``' index (and an empty data dir) under ``dest``.

    Tests that upload or delete documents use a copy so the shared session index stays as built.
    """
    # Without the reader registry: the copy's versions are read by nobody yet.
    shutil.copytree(settings.index_dir, dest / "index", ignore=shutil.ignore_patterns("readers"))
    (dest / "data").mkdir(parents=True, exist_ok=True)
    return settings.model_copy(update={"index_dir": dest / "index", "data_dir": dest / "data", **changes})


@contextlib.contextmanager
def serve_in_thread(app, port: int, timeout: float = 120.0) -> Iterator[str]:
    """Run an ASGI app under a real uvicorn server in a thread; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def distinct_colours(png: Path) -> int:
    """How many different RGB colours a screenshot holds (a blank page has one or two)."""
    from PIL import Image

    with Image.open(png) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 24)
    return len(colours or ())


# A small policy in Markdown for upload tests: two measures with departments, and markup
# that must be shown as text (never run) wherever the document is displayed.
SAMPLE_POLICY_NAME = "qingdao-ocean-data.md"
SAMPLE_POLICY_MD = """# 青岛市海洋数据开放试点工作方案

一、重点任务

1.建设海洋数据开放平台。2023年底前上线海洋数据开放平台,开放数据集不少于50个。(市海洋发展局负责)

2.培育海洋数据应用场景。遴选一批海洋数据应用示范项目,示范代码<script>alert(1)</script>不得直接执行。(市大数据局、市科技局按分工负责)
"""


# Expected facts of the bundled plan, read off the document by hand (shared by the parser and
# ledger tests, so one table is kept up to date).
# Read off the document's parentheses, measure by measure (as written).
SEED_DEPARTMENTS = {
    1: ["省工业和信息化厅"], 2: ["省工业和信息化厅"], 3: ["省工业和信息化厅", "省通信管理局"],
    4: ["省通信管理局", "省工业和信息化厅"], 5: ["省工业和信息化厅"],
    6: ["省农业农村厅", "省工业和信息化厅", "有关市"], 7: ["省发展改革委", "省商务厅"],
    8: ["省工业和信息化厅", "省大数据局"], 9: ["省大数据局", "省工业和信息化厅", "省科技厅"],
    10: ["省工业和信息化厅"], 11: ["省通信管理局", "省工业和信息化厅"], 12: ["省大数据局", "省工业和信息化厅"],
    13: ["省工业和信息化厅", "省通信管理局"], 14: ["省科技厅", "省工业和信息化厅"],
    15: ["省科技厅", "省发展改革委", "省工业和信息化厅"], 16: ["省工业和信息化厅"],
    17: ["省委网信办", "省工业和信息化厅"], 18: ["省委网信办", "省工业和信息化厅"],
    19: ["省委网信办", "省工业和信息化厅", "省科技厅"], 20: ["省工业和信息化厅", "省大数据局"],
    21: ["省工业和信息化厅", "省科技厅"], 22: ["省工业和信息化厅", "省发展改革委", "省委网信办", "省大数据局"],
}
# Every quantified target with a number in the text, value and unit verbatim.
SEED_TARGET_VALUES = {
    1: ["5500亿元"], 2: ["5家以上", "50家以上", "100个以上", "8500亿元", "1600亿元"],
    3: ["25个左右", "10个以上", "50个", "10家左右", "1000亿元"], 4: ["20%", "7%"],
    5: ["30个以上", "200个以上", "100家", "100个以上", "20个以上", "20家", "117左右"],
    6: ["100个", "16个", "3个"], 8: ["100家以上", "200个"], 11: ["6万个", "15个以上", "2个以上", "5600公里"],
    12: ["2个", "5个", "20个", "60个", "25万个"], 13: ["1.5亿个", "4个", "30亿个", "100项以上", "80%"],
    14: ["20项以上"], 15: ["30个"], 16: ["100家以上"], 19: ["100亿元"], 21: ["11%", "7%"],
}
