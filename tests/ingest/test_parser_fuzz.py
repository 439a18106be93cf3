"""Parser fuzz: no text, however odd its numbering, makes parsing raise.

Pins issue 16: a real Q&A passage starting "①抢救溺水者。②采取…" raised ValueError from
``ingest/numerals.py`` and aborted a folder of 2,081 files. A seeded generator (reproducible, no
extra dependency) writes documents of random heading-like lines — every numbering family the
parser knows, symbols it does not (Ⅰ、 ａ． ⑴ ㈠ ❶ ² …), numerals out of order or out of range,
signature, date, annex and duty lines, stray control and wide characters — and runs every
stage a file goes through: load, structure, facts, metadata and chunks.
"""

from __future__ import annotations

import random

import pytest

from ingest.chunking import chunk_document
from ingest.document import parse_document
from ingest.errors import IngestError
from ingest.loaders import load_bytes
from ingest.metadata import extract_metadata
from ingest.numerals import to_int
from ingest.structure import parse_structure

# Label makers: each returns a heading-like prefix for a number n.
_LABELS = (
    lambda n: f"第{_cn(n)}章", lambda n: f"第{_cn(n)}节", lambda n: f"第{_cn(n)}条", lambda n: f"第{n}条",
    lambda n: f"第{_cn(n)}部分", lambda n: f"{_cn(n)}、", lambda n: f"（{_cn(n)}）", lambda n: f"({_cn(n)})",
    lambda n: f"{n}.", lambda n: f"{n}．", lambda n: f"{n}、", lambda n: f"（{n}）", lambda n: f"({n})",
    lambda n: _nth("①", n, 20), lambda n: _nth("⑴", n, 20), lambda n: _nth("⒈", n, 20), lambda n: _nth("㈠", n, 10),
    lambda n: _nth("Ⅰ", n, 12) + "、", lambda n: _nth("ⅰ", n, 12) + ".", lambda n: _nth("❶", n, 10),
    lambda n: chr(ord("ａ") + n % 26) + "．", lambda n: chr(ord("A") + n % 26) + ".", lambda n: f"{n}²",
    lambda n: f"１{n}．", lambda n: "第十万条", lambda n: "（零）", lambda n: "第〇章", lambda n: "½、",
    lambda n: f"{n}.{n}.{n}", lambda n: "附件" + str(n), lambda n: "附件", lambda n: "（此件公开发布）",
)
_BODIES = ("抢救溺水者。", "采取措施。", "总体要求", "加强组织领导,(市大数据局牵头,市财政局配合)", "",
           "到2025年,软件业务收入突破8500亿元。", "责任单位:省工业和信息化厅、省大数据局", "对首次通过DCMM二级的企业给予50万元补贴",
           "自2023年1月1日起施行,有效期至2025年12月31日。", "二○一九年三月五日", "2023-08-09", "省人民政府办公厅",
           "关于印发《某某办法》的通知", "| 指标 | 2022年 |", "\t", "\u3000\u3000正文", "\x0b", "“引号”《书名》",
           "ａ．说明", "⑪⑫⑬", "。。。", "抄送:各市", "某某.docx")


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    return digits[n] if n < 10 else ("十" + digits[n % 10].replace("零", "") if n < 20 else digits[n // 10 % 10] + "十")


def _nth(first: str, n: int, size: int) -> str:
    return chr(ord(first) + (n - 1) % size)


def _random_doc(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.6:
            n = rng.choice((0, 1, 1, 2, 3, rng.randint(1, 120)))
            line = rng.choice(_LABELS)(n) + rng.choice(("", " ", "\u3000")) + rng.choice(_BODIES)
        elif roll < 0.9:
            line = rng.choice(_BODIES) + rng.choice(_BODIES)
        else:
            line = "".join(chr(rng.randint(0x20, 0x2fff)) for _ in range(rng.randint(1, 12)))
        lines.append(line)
    return "\n".join(lines) + rng.choice(("", "\n", "\n\n"))


@pytest.mark.parametrize("seed", range(400))
def test_no_generated_document_makes_a_stage_raise(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_doc(rng)
    try:
        loaded = load_bytes(text.encode("utf-8"), "fuzz.txt")
    except IngestError:
        return  # refused with a Chinese message (e.g. nothing but whitespace): that is not a crash
    doc = parse_document(loaded)
    for clause in doc.clauses:
        assert doc.text[clause.start:clause.end] == clause.text
    for chunk in chunk_document(doc, rng.choice((40, 200, 500))):
        assert doc.text[chunk.start:chunk.end] == chunk.text


@pytest.mark.parametrize("text", [
    "①抢救溺水者。②采取正确的施救方法。", "②先说第二点", "⑴建立机制\n⑵完善制度", "㈠总体要求\n㈡主要任务",
    "Ⅰ、总则\nⅡ、分则", "ａ．说明\nｂ．补充", "❶第一\n❷第二", "²注释", "⒈加强领导\n⒉强化保障", "第十万条 超长编号",
])
def test_numbering_symbols_never_raise(text: str) -> None:
    """Issue 16's symbols: parsed as a numbering family or kept as text, never an exception."""
    clauses = parse_structure(text, "d")
    assert clauses and all(c.text == text[c.start:c.end] for c in clauses)
    extract_metadata(text)


@pytest.mark.parametrize("label, value", [
    ("①", 1), ("⑳", 20), ("⑴", 1), ("⒛", 20), ("㈠", 1), ("㈩", 10), ("Ⅻ", 12), ("１２", 12), ("十二", 12),
    ("ａ", None), ("½", None), ("万", None), ("", None),
])
def test_to_int_reads_numbering_symbols_or_says_none(label: str, value: int | None) -> None:
    assert to_int(label) == value


def test_one_character_numbering_forms_nest_like_their_families() -> None:
    """㈠ is (一), ⒈ is 1., ⑴ is (1): Word's automatic numbering writes them as single characters."""
    text = "㈠总体要求\n⒈加强领导。\n⑴建立机制。\n⑵完善制度。\n⒉强化保障。\n㈡主要任务"
    paths = {c.label: c.path for c in parse_structure(text, "d")}
    assert paths["⑵"] == ("㈠总体要求", "⒈加强领导", "⑵完善制度")
    assert paths["⒉"] == ("㈠总体要求", "⒉强化保障")
    assert paths["㈡"] == ("㈡主要任务",)
