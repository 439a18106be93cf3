"""Text of scanned pages and photos through OCR: RapidOCR (PP-OCRv4 Chinese models run by
onnxruntime). The models ship inside the ``rapidocr-onnxruntime`` wheel
(``rapidocr_onnxruntime/models/*.onnx``), so nothing is downloaded, ever: tests/ingest run it in
a process without network.

Text lines come back as boxes; boxes on one baseline are joined left to right, and a line that
reaches the right margin is marked ``full`` so the caller can join lines the layout wrapped.
"""

from __future__ import annotations

import functools
import io
from typing import Any, NamedTuple

from ingest.errors import CorruptFileError, IngestError

NOT_INSTALLED_MESSAGE = ("服务器未安装文字识别(OCR)组件 rapidocr-onnxruntime,无法读取扫描件或图片,"
                         "请联系管理员安装,或先进行文字识别后再上传")
IMAGE_CORRUPT_MESSAGE = "图片文件已损坏或格式无效,无法识别文字"
NO_TEXT_MESSAGE = "图片中未识别出文字,请上传更清晰的扫描件"
MAX_OCR_PAGES = 100  # about 5 s a page on two cores: a longer scan should be recognised beforehand
MAX_PIXELS = 60_000_000  # larger "images" are decompression bombs, not scans
_SAME_LINE = 0.5  # boxes whose vertical centres differ by less than this share of their height
_FULL_SLACK = 1.5  # a line ending within this many character heights of the margin is full
_MIN_SCORE = 0.5  # recognitions the model itself doubts are noise (stains, stamps)


class OcrLine(NamedTuple):
    text: str
    full: bool


class _Box(NamedTuple):
    left: float
    right: float
    top: float
    bottom: float
    text: str


@functools.lru_cache(maxsize=1)
def _engine() -> Any:
    """The OCR engine, loaded once per process (about a second)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise IngestError(NOT_INSTALLED_MESSAGE) from exc
    return RapidOCR()


def ocr_images(images: list[Any]) -> list[OcrLine]:
    """Recognised lines of PIL images (one per page), pages in order.

    :raises IngestError: when the OCR package is not installed, or there are too many pages.
    """
    if len(images) > MAX_OCR_PAGES:
        raise IngestError(f"扫描件页数过多(超过{MAX_OCR_PAGES}页),请先进行文字识别(OCR)后再上传")
    import numpy as np

    engine = _engine()
    lines: list[OcrLine] = []
    for image in images:
        result, _ = engine(np.asarray(image.convert("RGB")))
        lines += _lines([_box(item) for item in result or () if float(item[2]) >= _MIN_SCORE])
    return lines


def open_image(data: bytes) -> Any:
    """A PIL image of an uploaded picture (.png/.jpg/.tif/.bmp), size-checked before decoding."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise CorruptFileError("图片尺寸过大,可能是异常文件,已拒绝处理")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptFileError(IMAGE_CORRUPT_MESSAGE) from exc
    return image


def _box(item: Any) -> _Box:
    points, text = item[0], item[1]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return _Box(min(xs), max(xs), min(ys), max(ys), text)


def _lines(boxes: list[_Box]) -> list[OcrLine]:
    rows: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        last = rows[-1][-1] if rows else None
        height = box.bottom - box.top
        if last and abs((last.top + last.bottom) / 2 - (box.top + box.bottom) / 2) < _SAME_LINE * height:
            rows[-1].append(box)
        else:
            rows.append([box])
    if not rows:
        return []
    margin = max(b.right for row in rows for b in row)
    out = []
    for row in (sorted(r, key=lambda b: b.left) for r in rows):
        text = row[0].text
        for prev, box in zip(row, row[1:]):
            text += (" " if box.left - prev.right > box.bottom - box.top else "") + box.text
        out.append(OcrLine(text, row[-1].right >= margin - _FULL_SLACK * (row[-1].bottom - row[-1].top)))
    return out
