"""Old Word (.doc, Word 97–2003) and WPS (.wps) files through Debian's converters.

Both are OLE compound files holding a Word binary document. Measured on a .doc that
LibreOffice wrote from a generated .docx (paragraphs, (一) items, a 2×3 table, a 落款):
catdoc, antiword and ``soffice --convert-to txt`` all keep one paragraph per line, but only
catdoc (tab-separated cells) and antiword ("|cell  |cell  |") keep table rows; LibreOffice puts
every cell on a line of its own and costs a 300 MB install. So catdoc first, antiword when
catdoc fails; both are small Debian packages (``apt-get install catdoc antiword``).

A ".doc" that is really a .docx, an HTML page or RTF (web systems and mail clients save all
three under that name) is recognised by its first bytes and handled by the caller.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ingest.errors import CorruptFileError, IngestError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TIMEOUT_S = 60
# (program, arguments before the file): catdoc keeps table rows as tab-separated cells.
CONVERTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("catdoc", ("-d", "utf-8", "-w")),
    ("antiword", ("-m", "UTF-8.txt", "-w", "0")),
)
LABELS = {"doc": "旧版Word(.doc)", "wps": "WPS(.wps)"}


def read_word_binary(data: bytes, kind: str) -> str:
    """Text of a Word 97–2003 binary document (``kind`` "doc" or "wps" names it in messages).

    :raises CorruptFileError: not an OLE file, or no converter could read it (damaged, encrypted).
    :raises IngestError: neither catdoc nor antiword is installed.
    """
    label = LABELS[kind]
    if not data.startswith(OLE_MAGIC):
        raise CorruptFileError(f"文件不是有效的{label}文件(文件已损坏或格式不符),请用WPS或Word打开后另存为.docx再上传")
    installed = [(prog, args) for prog, args in CONVERTERS if shutil.which(prog)]
    if not installed:
        raise IngestError(f"服务器未安装读取{label}文件所需的转换工具(catdoc/antiword),"
                          "请联系管理员安装(apt-get install catdoc antiword),或将文件另存为.docx后上传")
    with tempfile.TemporaryDirectory(prefix="policyqa-doc-") as tmp:
        path = Path(tmp) / f"input.{kind}"
        path.write_bytes(data)
        for prog, args in installed:
            text = _run(prog, args, path)
            if text.strip():
                return _TIDY[prog](text)
    raise CorruptFileError(f"{label}文件已损坏、已加密或不含文字,无法读取正文,请用WPS或Word打开后另存为.docx再上传")


def _run(prog: str, args: tuple[str, ...], path: Path) -> str:
    try:
        done = subprocess.run([prog, *args, str(path)], capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return ""  # a file that hangs one converter may still open in the other
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else ""


def _tidy_catdoc(text: str) -> str:
    """Form feeds are page breaks; a line with tabs is a table row: cells joined by " | " as the
    .docx reader writes them."""
    lines = text.replace("\f", "\n").split("\n")
    return "\n".join(" | ".join(c.strip() for c in line.split("\t")) if "\t" in line else line for line in lines)


_ANTIWORD_ROW = re.compile(r"^\|(.*)\|\s*$")


def _tidy_antiword(text: str) -> str:
    """antiword pads table cells into "|cell   |cell   |" rows: strip the padding."""
    out = []
    for line in text.replace("\f", "\n").split("\n"):
        row = _ANTIWORD_ROW.match(line)
        out.append(" | ".join(c.strip() for c in row.group(1).split("|")) if row else line)
    return "\n".join(out)


_TIDY = {"catdoc": _tidy_catdoc, "antiword": _tidy_antiword}
