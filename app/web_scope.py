"""The scope selector (issue 18): which documents the chat and the eligibility check use —
all of them, or one chosen document. Its list of documents is read each time it is opened, so
documents uploaded or deleted since appear or go.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

from app.service import AssistantService
from app.web_i18n import warn
from ingest.types import Document

ALL_DOCUMENTS = "*"  # the scope selector's value for every document


def scope_choices(docs: Sequence[Document]) -> list[tuple[str, str]]:
    return [("全部文档", ALL_DOCUMENTS)] + [(f"{d.title}({d.source})", d.id) for d in docs]


def scoped_document(service: AssistantService, scope: str | None) -> str | None:
    """The document id the scope selector limits to; None for all (also when it was deleted since)."""
    if not scope or scope == ALL_DOCUMENTS:
        return None
    if scope not in {d.id for d in service.get().kb.documents}:
        warn("所选文档已不在索引中,本次在全部文档中查找")
        return None
    return scope


def scope_selector(service: AssistantService) -> Any:
    """Which documents the chat and the eligibility check use; its list is read when it is opened."""
    scope = gr.Dropdown(label="检索范围", choices=[("全部文档", ALL_DOCUMENTS)], value=ALL_DOCUMENTS,
                        elem_id="pqa-scope", info="问答与补贴资格只在所选文档中查找")

    def current():
        # Choices only: a value sent back could overwrite the option the user picks meanwhile.
        return gr.update(choices=scope_choices(sorted(service.get().kb.documents, key=lambda d: d.source)))

    scope.focus(current, None, [scope], show_progress="hidden")
    return scope
