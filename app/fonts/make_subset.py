"""Rebuild ``PolicyQASansSC-Subset.otf`` from Noto Sans CJK SC Regular (run by hand, not at run time).

The ledger chart must draw department names without a system font, so the project ships a subset
of Noto Sans CJK SC (SIL Open Font License 1.1, see OFL.txt): printable ASCII and Latin-1, general
and CJK punctuation, full-width forms, every character of GB2312 (its 6,763 hanzi cover the names of
government bodies and the wording of policy documents) and every character of the bundled corpus,
the test documents and the eval documents. The family is renamed, as the OFL asks of a modified
version. The source is the SC face of Debian's fonts-noto-cjk:

    apt-get download fonts-noto-cjk && dpkg -x fonts-noto-cjk_*.deb /tmp/noto
    python app/fonts/make_subset.py /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).with_name("PolicyQASansSC-Subset.otf")
FAMILY = "PolicyQA Sans SC"
_TEXT_DIRS = ("data/corpus", "tests/data", "eval/docs", "eval/gold")
_TEXT_SUFFIXES = {".txt", ".md", ".html", ".jsonl", ".json"}


def _gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def _repo_text() -> set[str]:
    chars: set[str] = set()
    for d in _TEXT_DIRS:
        for p in (ROOT / d).rglob("*"):
            if p.suffix in _TEXT_SUFFIXES and p.is_file():
                chars |= set(p.read_text(encoding="utf-8", errors="ignore"))
    return chars


def codepoints() -> list[int]:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2460, 0x24FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    cps = {c for lo, hi in ranges for c in range(lo, hi + 1)}
    cps |= {ord(c) for c in _gb2312() | _repo_text() if c.isprintable()}
    return sorted(cps)


def main(ttc: str) -> None:
    font = next(f for f in TTCollection(ttc).fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []  # matplotlib draws glyph by glyph: no GSUB alternates (vertical, JP/KR/TC forms)
    options.drop_tables += ["GSUB", "GPOS", "VORG", "vhea", "vmtx"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    sub = subset.Subsetter(options)
    sub.populate(unicodes=codepoints())
    sub.subset(font)
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 16):
            names.setName(FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 4:
            names.setName(f"{FAMILY} Regular", 4, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            names.setName("PolicyQASansSC-Regular", 6, rec.platformID, rec.platEncID, rec.langID)
    font["CFF "].cff.fontNames = ["PolicyQASansSC-Regular"]
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])
