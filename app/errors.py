"""One mapping from our errors to the Chinese message users see (CLI, API and web alike).

Unexpected errors are not translated: they fail loudly (and under test, they fail the test).
"""

from __future__ import annotations

import sys

from ingest.errors import IngestError
from vectorstore.errors import RetrievalError


class AssistantError(Exception):
    """The assistant cannot answer for a reason the user should know about."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


_USER_ERRORS = (IngestError, RetrievalError, AssistantError)


def user_message(ex: BaseException) -> str | None:
    """The Chinese message for an error users cause or can act on; None for a bug."""
    if isinstance(ex, _USER_ERRORS + _ledger_errors()):
        return ex.user_message
    if isinstance(ex, PermissionError):
        return f"没有权限访问:{ex.filename}"
    if isinstance(ex, OSError) and ex.errno == 28:
        return "磁盘空间不足,操作未完成,原有索引保持不变"
    return None


def _ledger_errors() -> tuple[type[BaseException], ...]:
    """``LedgerError`` when the ledger is loaded: a process that never imported ``app.ledger``
    (``policyqa ask``) cannot have raised one, and need not pay for importing it."""
    ledger = sys.modules.get("app.ledger")
    return (ledger.LedgerError,) if ledger is not None else ()
