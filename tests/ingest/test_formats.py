"""Formats government staff are sent besides .docx/.pdf (issue 16), each file made by the test
itself and answered through the normal ingest → ask path: .ofd (the national fixed-layout
format). Each failure kind has its own Chinese message.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.assistant import Assistant
from app.config import Settings
from app.indexing import ingest_paths
from ingest.errors import CorruptFileError, EmptyDocumentError
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
