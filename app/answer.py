"""Answer and Citation: what the assistant returns (the JSON contract of DESIGN.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

INTENTS = ("lead", "target", "content", "eligibility", "list", "meta", "other")


@dataclass(frozen=True, slots=True)
class Citation:
    doc: str  # source file name
    title: str  # document title
    unit: str  # "8", "第十条", "(三)"
    path: tuple[str, ...]  # breadcrumb: section › measure
    quote: str  # exact substring of the document text
    clause_id: str = ""
    start: int = -1  # offset of the quote in the document text
    clause_text: str = ""  # the clause's full text, for display (not in the JSON contract)

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "title": self.title, "unit": self.unit, "path": list(self.path),
                "quote": self.quote}


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answer: str
    refused: bool
    intent: str
    citations: tuple[Citation, ...] = ()
    elapsed_ms: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "问题过长,已截断"

    def to_dict(self) -> dict[str, Any]:
        d = {"question": self.question, "answer": self.answer, "refused": self.refused, "intent": self.intent,
             "citations": [c.to_dict() for c in self.citations], "elapsed_ms": round(self.elapsed_ms, 1)}
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    def format_text(self) -> str:
        """Human form for the CLI: the answer, then 依据 lines with the quotes."""
        lines = [self.answer]
        for c in self.citations:
            lines.append(f"依据: 《{c.title}》 {' › '.join(c.path)}")
            lines.append(f"    「{c.quote}」")
        return "\n".join(lines)


def as_plain(obj: Any) -> Any:
    return asdict(obj)
