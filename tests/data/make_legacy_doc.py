"""Regenerate tests/data/legacy-measures.doc: a .docx built here, saved as Word 97–2003 by
LibreOffice (``soffice --headless --convert-to doc``), as offices still send them.

The .doc is checked in so the tests need only catdoc/antiword (small Debian packages), not a
LibreOffice install. Run: ``python tests/data/make_legacy_doc.py`` (needs ``soffice``).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
PARAGRAPHS = [
    "某市中小企业数字化转型补助办法",
    "某工信发〔2024〕8号",
    "第一条 为推动中小企业数字化转型，根据有关规定，结合本市实际，制定本办法。",
    "第二条 对完成数字化改造并通过验收的中小企业，按项目实际投资额的20%给予补助，单个企业最高不超过50万元。",
    "第三条 补助申报截止时间为每年9月30日，由市工业和信息化局受理。申报材料包括：",
    "（一）项目申报书；",
    "（二）验收报告和投资凭证。",
    "第四条 年度目标如下表。",
]
TABLE = [["指标", "2024年", "2025年"], ["上云企业", "1000家", "2000家"]]
CLOSING = ["第五条 本办法自2024年3月1日起施行，有效期至2026年12月31日。", "某市工业和信息化局", "二〇二四年二月六日"]


def main() -> None:
    document = docx.Document()
    for text in PARAGRAPHS:
        document.add_paragraph(text)
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    for i, row in enumerate(TABLE):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    for text in CLOSING:
        document.add_paragraph(text)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "legacy-measures.docx"
        document.save(source)
        subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", "doc", "--outdir", str(HERE), str(source)],
                       check=True, capture_output=True, timeout=120)
    print(HERE / "legacy-measures.doc")


if __name__ == "__main__":
    main()
