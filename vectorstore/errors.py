"""Errors raised by the vector store and retrieval, with Chinese messages for users."""

from __future__ import annotations


class RetrievalError(Exception):
    """Retrieval failed (index missing, store unreachable, bad embedding config)."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class IndexNotFoundError(RetrievalError):
    """No index has been built yet at the configured location."""


class StoreUnavailableError(RetrievalError):
    """The Chroma server cannot be reached."""
