"""Department × measure matrix of a ledger (牵头 / 配合 / 负责), as data and as a chart.

The chart uses matplotlib's Agg canvas directly (no pyplot, no display) and the CJK font shipped in
``app/fonts`` (no system font needed), so department names render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch

from app.ledger import LedgerRow
from ingest.departments import canonical

BUNDLED_FONT = Path(__file__).with_name("fonts") / "PolicyQASansSC-Subset.otf"
# Cell codes: 0 none, 1 配合, 2 负责 (named without a lead/partner split), 3 牵头.
_CODES = {"partner": 1, "responsible": 2, "lead": 3}
_MARKS = {1: "配", 2: "责", 3: "牵"}
_COLOURS = ("#ffffff", "#a6cee3", "#b2df8a", "#1f78b4")


@dataclass(frozen=True, slots=True)
class DepartmentMatrix:
    departments: tuple[str, ...]  # as written (first spelling met)
    measures: tuple[str, ...]  # measure numbers
    cells: tuple[tuple[str, ...], ...]  # per department, per measure: lead | partner | responsible | ""

    def to_dict(self) -> dict[str, Any]:
        return {"departments": list(self.departments), "measures": list(self.measures),
                "cells": [list(r) for r in self.cells]}


@lru_cache(maxsize=1)
def cjk_font() -> FontProperties:
    """The CJK font shipped in ``app/fonts``: a subset of Noto Sans CJK SC with every GB2312
    character and every character of the bundled and test documents (``make_subset.py``)."""
    return FontProperties(fname=BUNDLED_FONT)


def department_matrix(rows: Sequence[LedgerRow]) -> DepartmentMatrix:
    """Departments (busiest first) × measures (document order). Aliases of one department share a row."""
    names: dict[str, str] = {}
    roles: dict[str, dict[int, str]] = {}
    for i, r in enumerate(rows):
        for d in r.departments:
            key = canonical(d.name)
            names.setdefault(key, d.name)
            slot = roles.setdefault(key, {})
            if _CODES[d.role] > _CODES.get(slot.get(i, ""), 0):
                slot[i] = d.role
    keys = sorted(roles, key=lambda k: (-sum(_CODES[v] for v in roles[k].values()), -len(roles[k]), names[k]))
    measures = tuple(_measure_label(r, rows) for r in rows)
    cells = tuple(tuple(roles[k].get(i, "") for i in range(len(rows))) for k in keys)
    return DepartmentMatrix(tuple(names[k] for k in keys), measures, cells)


def _measure_label(row: LedgerRow, rows: Sequence[LedgerRow]) -> str:
    docs = list(dict.fromkeys(r.doc_id for r in rows))
    return row.number if len(docs) == 1 else f"{docs.index(row.doc_id) + 1}-{row.number}"


def matrix_figure(rows: Sequence[LedgerRow], title: str = "") -> Figure:
    """The matrix as a matplotlib Figure (for gr.Plot or savefig)."""
    m = department_matrix(rows)
    font = cjk_font()
    fig = Figure(figsize=(max(6.0, 1.8 + 0.42 * len(m.measures)), max(2.5, 1.2 + 0.42 * len(m.departments))))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    if not m.departments:
        ax.text(0.5, 0.5, "所选措施未写明责任部门", ha="center", va="center", fontproperties=font)
        ax.set_axis_off()
        return fig
    data = [[_CODES.get(role, 0) for role in row] for row in m.cells]
    ax.imshow(data, cmap=ListedColormap(_COLOURS), vmin=0, vmax=3, aspect="auto")
    for y, row in enumerate(data):
        for x, code in enumerate(row):
            if code:
                ax.text(x, y, _MARKS[code], ha="center", va="center", fontsize=8, fontproperties=font,
                        color="white" if code == 3 else "black")
    rotation = 0 if max(map(len, m.measures)) <= 3 else 90
    ax.set_xticks(range(len(m.measures)), m.measures, fontproperties=font, fontsize=8, rotation=rotation)
    ax.set_yticks(range(len(m.departments)), m.departments, fontproperties=font, fontsize=9)
    ax.set_xticks([x - 0.5 for x in range(1, len(m.measures))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(m.departments))], minor=True)
    ax.grid(which="minor", color="#dddddd", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("措施编号", fontproperties=font)
    present = {code for row in data for code in row}  # the legend names only roles that occur
    legend = [Patch(facecolor=_COLOURS[c], edgecolor="#888888", label=label)
              for c, label in ((3, "牵头"), (1, "配合"), (2, "负责(未分牵头/配合)")) if c in present]
    ax.legend(handles=legend, prop=font, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontproperties=font)
    fig.tight_layout()
    return fig


def save_matrix_png(rows: Sequence[LedgerRow], path: Path, title: str = "") -> Path:
    """Write the matrix chart as a PNG; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    matrix_figure(rows, title).savefig(path, dpi=150, bbox_inches="tight")
    return path
