"""Scanned PDFs and photos through OCR (issue 16): a page rendered here as pixels only, wrapped
in a PDF, is read, marked as OCR text (format "pdf-ocr") and answered through ask; the model
ships in its wheel and runs with no network at all.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.assistant import Assistant
from app.config import Settings
from app.indexing import collect_files, ingest_paths
from ingest.errors import CorruptFileError
from ingest.loaders import load_bytes

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # fonts-wqy-zenhei, installed by .ci/run
SCAN = [
    "某市中小企业数字化转型补助办法",
    "第一条 为推动中小企业数字化转型，结合本市实际，制定本办法。",
    "第二条 对通过验收的中小企业，单个企业最高补助不超过50万元。",
    "第三条 补助申报截止时间为每年9月30日。",
    "某市工业和信息化局",
    "2024年2月6日",
]

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="needs the CJK font fonts-wqy-zenhei to render a scan")


def _page(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 36)
    page = Image.new("L", (1400, 80 + 70 * len(lines)), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((70, 40 + 70 * i), line, fill=0, font=font)
    return page


def scanned_pdf(lines: list[str]) -> bytes:
    """A PDF whose page is a picture of the text: no text layer, as a scanner makes it."""
    out = io.BytesIO()
    _page(lines).save(out, format="PDF", resolution=150)
    return out.getvalue()


def test_a_scanned_pdf_is_read_and_marked_as_ocr() -> None:
    loaded = load_bytes(scanned_pdf(SCAN), "scan.pdf")
    assert loaded.format == "pdf-ocr"
    lines = loaded.text.split("\n")
    assert "某市中小企业数字化转型补助办法" in lines and "2024年2月6日" in lines
    assert any("单个企业最高补助不超过50万元" in line for line in lines)


def test_a_scanned_pdf_answers_through_ask(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf(SCAN))
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None,
                        api_key=None, auth=None)
    assert ingest_paths([path], settings).added == ["scan.pdf"]
    assistant = Assistant.from_settings(settings)
    assert assistant.kb.documents[0].format == "pdf-ocr"
    answer = assistant.ask("补助申报截止时间是什么时候?").to_dict()
    assert "9月30日" in answer["answer"] and answer["citations"][0]["doc"] == "scan.pdf"


def test_a_photo_of_a_page_is_read() -> None:
    out = io.BytesIO()
    _page(SCAN[:2]).save(out, format="PNG")
    loaded = load_bytes(out.getvalue(), "photo.png")
    assert loaded.format == "image-ocr" and loaded.text.startswith("某市中小企业数字化转型补助办法")


def test_a_broken_image_says_so() -> None:
    with pytest.raises(CorruptFileError, match="图片文件已损坏"):
        load_bytes(b"\x89PNG\r\n\x1a\n not really", "photo.png")


def test_icons_and_saved_page_assets_in_a_folder_are_not_documents(tmp_path: Path) -> None:
    out = io.BytesIO()
    _page(SCAN).save(out, format="PNG")
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "banner.png").write_bytes(out.getvalue())
    (tmp_path / "logo.png").write_bytes(out.getvalue()[:1000])
    (tmp_path / "scan.png").write_bytes(out.getvalue() + b"\0" * 20_000)
    files, _ = collect_files([tmp_path])
    assert [f.name for f in files] == ["scan.png"]


def test_the_model_ships_in_the_wheel_and_runs_without_network(tmp_path: Path) -> None:
    import rapidocr_onnxruntime

    models = sorted(p.name for p in (Path(rapidocr_onnxruntime.__file__).parent / "models").glob("*.onnx"))
    assert any("det" in m for m in models) and any("rec" in m for m in models), models
    if not shutil.which("unshare"):
        pytest.skip("unshare is needed to take the network away")
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf(SCAN[:2]))
    code = ("import sys; from ingest.loaders import load_file; "
            "print(load_file(sys.argv[1]).text.split(chr(10))[0])")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this sandbox cannot create a network namespace")
    out = subprocess.run(["unshare", "-n", sys.executable, "-c", code, str(tmp_path / "scan.pdf")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "某市中小企业数字化转型补助办法"
