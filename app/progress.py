"""Ingest progress: tqdm bars on a terminal, plain log lines otherwise."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from app.indexing import Progress

_STEPS = {"prepare": "准备新的索引版本…", "publish": "发布新的索引版本…"}


@contextlib.contextmanager
def progress_printer(stream=None) -> Iterator[Progress]:
    stream = stream or sys.stderr
    bars: dict[str, object] = {}
    tty = stream.isatty()

    def update(stage: str, done: int, total: int) -> None:
        if stage in _STEPS:  # steps without a count
            print(_STEPS[stage], file=stream, flush=True)
            return
        label = "读取文件" if stage == "files" else f"向量化 {stage.split(':', 1)[-1]}"
        if tty:
            from tqdm import tqdm

            bar = bars.get(stage) or bars.setdefault(stage, tqdm(total=total, desc=label, file=stream, leave=False))
            bar.n = done  # type: ignore[attr-defined]
            bar.refresh()  # type: ignore[attr-defined]
        elif done == total or done % 50 == 0:
            print(f"{label}: {done}/{total}", file=stream, flush=True)

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()  # type: ignore[attr-defined]
