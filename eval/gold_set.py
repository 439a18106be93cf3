"""Gold question sets (``eval/gold/*.jsonl``): the row model, the loader and the document lookup.

One JSON object per line::

    {"id": "sd-lead-001a", "doc": "shandong-2022-digital-economy-action-plan.txt", "type": "lead",
     "question": "第1条由哪个部门负责?", "answer": "…", "evidence": ["…(省工业和信息化厅负责)"],
     "must_include": ["省工业和信息化厅"], "must_not_include": ["省大数据局"], "answerable": true}

``eval/check_gold.py`` checks the hand-written files in depth (evidence length, uniqueness);
this module only refuses rows the evaluation cannot use, with the file and line in the message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "eval" / "gold"
DOC_DIRS: tuple[Path, ...] = (ROOT / "data" / "corpus", ROOT / "eval" / "docs")

QuestionType = Literal["lead", "target", "amount", "date", "condition", "procedure", "content", "eligibility", "list",
                       "meta", "unanswerable"]
TYPES: tuple[str, ...] = ("lead", "target", "amount", "date", "condition", "procedure", "content", "eligibility", "list",
                          "meta", "unanswerable")
# Real documents written by others (../shared/corpus-real), split by document into sets named by
# eval/gold/*.real.json manifests: {"sources": ["<dev_qa-format file>", ...], "docs": [file names]}.
# Their rows carry "unit" and no "evidence"; the must_include strings are verbatim, so they serve as evidence.
REAL_DIR = Path(os.environ.get("POLICYQA_REAL_CORPUS", ROOT.parent / "shared" / "corpus-real"))
_REAL_TYPES = {"negative": "unanswerable"}


class GoldSetError(ValueError):
    """A gold file that cannot be evaluated (bad JSON, schema, unknown document)."""


class GoldItem(BaseModel):
    """One gold question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    doc: str = Field(min_length=1, description="file name in data/corpus/ or eval/docs/")
    type: QuestionType
    question: str = Field(min_length=1)
    answer: str = Field(description="reference answer, for people reading the report")
    evidence: tuple[str, ...] = Field(description="verbatim substrings of the document, inside the gold clause")
    must_include: tuple[str, ...] = ()
    must_not_include: tuple[str, ...] = ()
    answerable: bool

    @model_validator(mode="after")
    def _answerable_fits_type(self) -> GoldItem:
        if self.answerable != (self.type != "unanswerable"):
            raise ValueError(f"answerable={self.answerable} does not fit type {self.type!r}")
        return self


@dataclass(frozen=True, slots=True)
class GoldSet:
    """The items of one gold file; ``name`` is the file stem ("shandong")."""

    name: str
    path: Path
    items: tuple[GoldItem, ...]

    doc_dir: Path | None = None  # where its documents are, when not in DOC_DIRS

    @property
    def docs(self) -> list[str]:
        return list(dict.fromkeys(i.doc for i in self.items))

    @property
    def scoped(self) -> bool:
        """Several documents in one index: each question is asked of its own document, as a
        user who picked the document in the chat's scope selector would."""
        return len(self.docs) > 1


def default_gold_files(gold_dir: Path = GOLD_DIR) -> list[Path]:
    """Every ``*.jsonl`` in ``eval/gold/``, sorted, then the real-document manifests whose corpus
    is present (a clone without ../shared/corpus-real still evaluates the rest)."""
    real = [p for p in sorted(gold_dir.glob("*.real.json")) if _real_available(p)]
    return sorted(gold_dir.glob("*.jsonl")) + real


def _real_available(manifest: Path) -> bool:
    return all(_real_path(s).is_file() for s in json.loads(manifest.read_text(encoding="utf-8"))["sources"])


def _real_path(source: str) -> Path:
    """A manifest source: relative to the real corpus folder, or to eval/gold/ when it starts with ./"""
    return GOLD_DIR / source[2:] if source.startswith("./") else REAL_DIR / source


def load_real(manifest: Path) -> GoldSet:
    """A set of real-document questions: the manifest's sources, kept to its documents."""
    spec = json.loads(Path(manifest).read_text(encoding="utf-8"))
    docs = set(spec["docs"])
    items: list[GoldItem] = []
    for source in spec["sources"]:
        path = _real_path(source)
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            row = json.loads(raw)
            if row["doc"] not in docs:
                continue
            kind = _REAL_TYPES.get(row["type"], row["type"])
            try:
                items.append(GoldItem(id=row["id"], doc=row["doc"], type=kind, question=row["question"],
                                      answer=row.get("answer", ""), evidence=tuple(row.get("must_include", ())),
                                      must_include=tuple(row.get("must_include", ())),
                                      must_not_include=tuple(row.get("must_not_include", ())),
                                      answerable=kind != "unanswerable"))
            except ValidationError as ex:
                raise GoldSetError(f"{path.name}:{lineno}: {ex}") from ex
    if not items:
        raise GoldSetError(f"{Path(manifest).name}: no questions")
    name = Path(manifest).name.removesuffix(".real.json")
    return GoldSet(name, Path(manifest), tuple(items), REAL_DIR / "docs")


def load_gold(path: Path) -> GoldSet:
    """Read and validate one gold file.

    :raises GoldSetError: on invalid JSON, a row that breaks the schema, or a repeated id.
    """
    path = Path(path)
    if path.name.endswith(".real.json"):
        return load_real(path)
    items: list[GoldItem] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = GoldItem.model_validate(json.loads(raw))
        except (json.JSONDecodeError, ValidationError) as ex:
            raise GoldSetError(f"{path.name}:{lineno}: {ex}") from ex
        if item.id in seen:
            raise GoldSetError(f"{path.name}:{lineno}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise GoldSetError(f"{path.name}: no questions")
    return GoldSet(path.stem, path, tuple(items))


def load_gold_sets(paths: Sequence[Path]) -> list[GoldSet]:
    """Load several gold files; ids must be unique across them."""
    sets = [load_gold(p) for p in paths]
    seen: dict[str, str] = {}
    for s in sets:
        for item in s.items:
            if item.id in seen:
                raise GoldSetError(f"id {item.id!r} is in both {seen[item.id]} and {s.path.name}")
            seen[item.id] = s.path.name
    return sets


def find_doc(name: str, doc_dirs: Sequence[Path] = DOC_DIRS) -> Path:
    """The file a gold row's ``doc`` names, looked up in data/corpus/ then eval/docs/.

    :raises GoldSetError: when no directory holds it.
    """
    for d in doc_dirs:
        p = Path(d) / name
        if p.is_file():
            return p
    raise GoldSetError(f"document not found: {name} (looked in {', '.join(str(d) for d in doc_dirs)})")
