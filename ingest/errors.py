"""Errors raised by ingest. Each carries a Chinese message that is shown to the user as is."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

log = logging.getLogger(__name__)


class IngestError(Exception):
    """A file could not be ingested. ``user_message`` is shown to users (Chinese)."""

    def __init__(self, user_message: str, *, source: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.user_message}" if self.source else self.user_message


class UnsupportedFormatError(IngestError):
    """The file's extension is not one we read."""


class EmptyDocumentError(IngestError):
    """The file holds no text (empty, whitespace, or a scanned PDF without a text layer)."""


class CorruptFileError(IngestError):
    """The file cannot be decoded or opened (binary renamed .txt, damaged .docx/.pdf)."""


class StageError(IngestError):
    """An unexpected error inside one stage of one file: a bug, or input no rule foresaw.

    The file is reported with the stage's Chinese name and left out; the batch goes on.
    """


# Stage names as users read them in the per-file report.
STAGE_NAMES = {
    "load": "读取文件",
    "parse": "解析条款结构",
    "facts": "提取责任部门、指标和支持政策",
    "meta": "识别标题、文号和日期",
    "chunk": "切分段落",
    "embed": "计算向量",
}
# Set to re-raise instead (a developer chasing the traceback of a stage error).
RAISE_ERRORS_ENV = "POLICYQA_RAISE_ERRORS"


@contextlib.contextmanager
def stage(name: str, source: str = "", keep: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn an unexpected error of stage ``name`` into a :class:`StageError` for this file.

    An :class:`IngestError`, or one of ``keep`` (errors about the store, not the file), passes
    through unchanged. The
    traceback is logged, so a parser bug found on a real file is not lost.
    """
    try:
        yield
    except (IngestError, *keep):
        raise
    except Exception as ex:  # noqa: BLE001 - one file's failure must not stop the others
        if os.environ.get(RAISE_ERRORS_ENV):
            raise
        log.exception("%s: stage %s failed", source, name)
        raise StageError(f"{STAGE_NAMES[name]}时出错({type(ex).__name__}),该文件未导入,其他文件不受影响",
                         source=source) from ex
