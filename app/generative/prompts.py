"""Prompt files (``prompts/*.yaml``): validated with pydantic, filled with ``string.Template``.

    >>> answer = load_prompt("answer")
    >>> answer.render(question="DCMM贯标由哪些部门负责?", clauses="[1] …")

A file holds ``prompt`` (the message text) and optionally ``retry`` (the follow-up message
sent when the guard rejects a draft). Unknown keys are an error, so a typo in a prompt file
fails at load time instead of silently sending the default text.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from app.config import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"


class MissingVariables(Exception):
    """A template was rendered without some of its ``$variables``; the message names them all."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"Missing variables: {', '.join(names)}")
        self.names = names


class PromptFile(BaseModel):
    """One prompt file."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field("", description="what the prompt is for (not sent to the model)")
    prompt: str = Field(..., min_length=1, description="message text with $variables")
    retry: str | None = Field(None, description="message sent after a rejected draft, with $violations")

    def render(self, **values: str) -> str:
        return _fill(self.prompt, values)

    def render_retry(self, **values: str) -> str:
        if self.retry is None:
            raise ValueError("this prompt file has no 'retry' text")
        return _fill(self.retry, values)


@dataclass(frozen=True, slots=True)
class Prompts:
    """The three prompts the generative answerer sends."""

    system: PromptFile
    answer: PromptFile
    rewrite: PromptFile

    @classmethod
    def load(cls, folder: Path = PROMPTS_DIR) -> Prompts:
        return cls(*(load_prompt(name, folder) for name in ("system", "answer", "rewrite")))


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> PromptFile:
    """Read and validate ``folder/name.yaml``.

    :raises FileNotFoundError: when the file is missing.
    :raises pydantic.ValidationError: when it has unknown keys or lacks ``prompt``.
    """
    path = folder / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return PromptFile.model_validate(data)


def _fill(template: str, values: dict[str, str]) -> str:
    tpl = string.Template(template)
    # Collect every missing name first, so one error lists them all (not just the first).
    missing = [n for n in dict.fromkeys(tpl.get_identifiers()) if n not in values]
    if missing:
        raise MissingVariables(missing)
    return tpl.substitute(values)
