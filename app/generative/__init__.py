"""Generative mode (issue 7): an LLM writes the answer from the cited clauses, and a guard
rejects any number, percentage, amount, date or department the clauses do not hold.

Optional: the extractive answerer stays the default. ``POLICYQA_LLM`` turns this on
(``openai:<model>`` or ``llamacpp:<path.gguf | qwen2.5-coder-0.5b>``); a local model needs
``make setup-llm``.
"""

from app.generative.answerer import (FALLBACK_REASONS, Attempt, Fallback, GenerativeAnswerer, GenerativeResult,
                                     generative_draft)
from app.generative.llm import Completion, LLMUnavailable, build_chat_model

__all__ = ["FALLBACK_REASONS", "Attempt", "Completion", "Fallback", "GenerativeAnswerer", "GenerativeResult",
           "LLMUnavailable", "build_chat_model", "generative_draft"]
