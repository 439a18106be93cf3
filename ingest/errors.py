"""Errors raised by ingest. Each carries a Chinese message that is shown to the user as is."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested. ``user_message`` is shown to users (Chinese)."""

    def __init__(self, user_message: str, *, source: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.user_message}" if self.source else self.user_message


class UnsupportedFormatError(IngestError):
    """The file's extension is not one we read."""


class EmptyDocumentError(IngestError):
    """The file holds no text (empty, whitespace, or a scanned PDF without a text layer)."""


class CorruptFileError(IngestError):
    """The file cannot be decoded or opened (binary renamed .txt, damaged .docx/.pdf)."""
