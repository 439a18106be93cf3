"""One router per resource: ask, chat (OpenAI-compatible), documents, health."""
