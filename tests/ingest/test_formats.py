"""Formats government staff are sent besides .docx/.pdf (issue 16), answered through the
normal ingest → ask path: .ofd (the national fixed-layout format, made by the test), .doc and
.wps (a .doc LibreOffice wrote, see tests/data/make_legacy_doc.py). Each failure kind has its
own Chinese message.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from app.assistant import Assistant
from app.config import Settings
from app.indexing import ingest_paths
from ingest.errors import CorruptFileError, EmptyDocumentError, IngestError
from ingest.legacy_word import _TIDY, CONVERTERS, _run
from ingest.loaders import SUPPORTED_EXTENSIONS, load_bytes

OFD_NS = "http://www.ofdspec.org/2016"
POLICY = [
    "某市中小企业数字化转型补助办法",
    "某工信发〔2024〕8号",
    "第一条 为推动中小企业数字化转型，根据有关规定，结合本市实际，制定本办法。",
    "第二条 对完成数字化改造并通过验收的中小企业，按项目实际投资额的20%给予补助，单个企业最高不超过50万元。",
    "第三条 补助申报截止时间为每年9月30日，由市工业和信息化局受理。",
    "第四条 本办法自2024年3月1日起施行，有效期至2026年12月31日。",
    "某市工业和信息化局    某市财政局",
    "二〇二四年二月六日",
]
_LINE_MM = 126.0  # text width: longer paragraphs wrap at the right margin as on paper
_SIZE = 4.2


def _advance(ch: str) -> float:
    return _SIZE if ord(ch) > 0x2E80 else _SIZE / 2


def _wrapped(para: str) -> list[str]:
    lines, width = [""], 0.0
    for ch in para:
        if width + _advance(ch) > _LINE_MM:
            lines.append("")
            width = 0.0
        lines[-1] += ch
        width += _advance(ch)
    return lines


def _text_object(oid: int, x: float, y: float, text: str) -> str:
    deltas = " ".join(f"{_advance(ch):g}" for ch in text[:-1])
    return (f'<ofd:TextObject ID="{oid}" Boundary="{x} {y} 160 6" Font="1" Size="{_SIZE}">'
            f'<ofd:TextCode X="0" Y="4.5" DeltaX="{deltas}">{text}</ofd:TextCode></ofd:TextObject>')


def make_ofd(paragraphs: list[str], *, with_text: bool = True) -> bytes:
    """A one-page OFD, each paragraph laid out in lines wrapped at the right margin; "    "
    separates runs set apart on one line (a 落款 of two issuers)."""
    objects, y = [], 20.0
    for para in paragraphs if with_text else []:
        for line in _wrapped(para):
            x = 25.0
            for run in line.split("    "):
                objects.append(_text_object(len(objects) + 10, x, y, run))
                x += sum(map(_advance, run)) + 4 * _SIZE
            y += 6.5
        y += 2.0
    content = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
               f'<ofd:Layer ID="2">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0">'
                              f'<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo>'
                              f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
                                         f'<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                                         f'</ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/Pages/Page_0/Content.xml", content)
    return out.getvalue()


def test_ofd_text_is_laid_out_into_paragraphs() -> None:
    loaded = load_bytes(make_ofd(POLICY), "policy.ofd")
    assert loaded.format == "ofd" and ".ofd" in SUPPORTED_EXTENSIONS
    lines = loaded.text.split("\n")
    assert POLICY[3] in lines  # a paragraph wrapped over three printed lines is one line again
    assert "某市工业和信息化局 某市财政局" in lines and "二〇二四年二月六日" in lines


def test_an_ofd_answers_through_ask(tmp_path: Path) -> None:
    path = tmp_path / "policy.ofd"
    path.write_bytes(make_ofd(POLICY))
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None,
                        api_key=None, auth=None)
    report = ingest_paths([path], settings)
    assert report.added == ["policy.ofd"], report.failed
    assistant = Assistant.from_settings(settings)
    doc = assistant.kb.documents[0]
    assert doc.meta.issue_date_iso == "2024-02-06" and doc.meta.valid_until_iso == "2026-12-31"
    answer = assistant.ask("单个企业补助最高多少?").to_dict()
    assert "50万元" in answer["answer"] and answer["citations"][0]["doc"] == "policy.ofd"


@pytest.mark.parametrize("data, error, message", [
    (b"PK\x03\x04 not a zip", CorruptFileError, "OFD文件已损坏"),
    (b"plain text renamed", CorruptFileError, "OFD文件已损坏"),
    (None, EmptyDocumentError, "OFD文件没有文字层"),
])
def test_ofd_failures_say_what_is_wrong(data: bytes | None, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        load_bytes(data if data is not None else make_ofd(POLICY, with_text=False), "bad.ofd")


def test_a_zip_without_ofd_xml_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    with pytest.raises(CorruptFileError, match="缺少OFD.xml"):
        load_bytes(out.getvalue(), "renamed.ofd")


# ---- .doc / .wps ---------------------------------------------------------------------------

LEGACY_DOC = Path(__file__).resolve().parents[1] / "data" / "legacy-measures.doc"  # see make_legacy_doc.py
LEGACY_LINES = ["第二条 对完成数字化改造并通过验收的中小企业，按项目实际投资额的20%给予补助，单个企业最高不超过50万元。",
                "（一）项目申报书；", "指标 | 2024年 | 2025年", "上云企业 | 1000家 | 2000家", "二〇二四年二月六日"]


@pytest.mark.parametrize("prog, args", CONVERTERS, ids=[prog for prog, _ in CONVERTERS])
def test_each_converter_keeps_paragraphs_and_table_rows(prog: str, args: tuple[str, ...]) -> None:
    """The measurement behind the choice of catdoc first, antiword second (see ingest.legacy_word)."""
    if not shutil.which(prog):
        pytest.skip(f"{prog} is not installed (make setup installs it)")
    lines = _TIDY[prog](_run(prog, args, LEGACY_DOC)).split("\n")
    assert all(line in lines for line in LEGACY_LINES), lines


@pytest.mark.parametrize("name", ["measures.doc", "measures.wps"])
def test_doc_and_wps_load_as_their_paragraphs(name: str) -> None:
    """A .wps saved by WPS Office is the same Word binary container as a .doc."""
    loaded = load_bytes(LEGACY_DOC.read_bytes(), name)
    assert loaded.format == Path(name).suffix[1:]
    assert all(line in loaded.text.split("\n") for line in LEGACY_LINES)


def test_a_doc_answers_through_ask(tmp_path: Path) -> None:
    path = tmp_path / "measures.doc"
    path.write_bytes(LEGACY_DOC.read_bytes())
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None,
                        api_key=None, auth=None)
    assert ingest_paths([path], settings).added == ["measures.doc"]
    answer = Assistant.from_settings(settings).ask("补助申报截止时间是什么时候?").to_dict()
    assert "9月30日" in answer["answer"] and answer["citations"][0]["doc"] == "measures.doc"


def test_a_docx_or_web_page_saved_as_doc_is_read_for_what_it_is() -> None:
    document = docx.Document()
    document.add_paragraph("第一条 为规范管理，制定本办法。")
    out = io.BytesIO()
    document.save(out)
    assert "第一条 为规范管理" in load_bytes(out.getvalue(), "renamed.doc").text
    page = "<html><body><p>第一条 为规范管理，制定本办法。</p></body></html>".encode("utf-8")
    assert load_bytes(page, "exported.doc").text == "第一条 为规范管理，制定本办法。"


def test_without_converters_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(IngestError, match="未安装读取旧版Word\\(.doc\\)文件所需的转换工具"):
        load_bytes(LEGACY_DOC.read_bytes(), "measures.doc")
