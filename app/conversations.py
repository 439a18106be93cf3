"""Saved conversations of the web chat, per user, under ``POLICYQA_DATA_DIR/conversations``.

A user is the login name (``POLICYQA_AUTH``) or, without login, a random id kept in the
browser. Each conversation is one JSON file: its title (the first question), the time of its
last turn and its turns as the chat holds them, so reopening one shows it as it was.

    store = ConversationStore(settings.data_dir)
    cid = store.save("staff", None, turns)       # a new conversation → its id
    store.list("staff")[0].title                  # 'DCMM贯标由哪些部门负责?'
    store.load("staff", cid)                      # the turns
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

TITLE_CHARS = 30


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    id: str
    title: str
    updated: str  # ISO time, local zone
    turns: int


class ConversationStore:
    """One folder per user (named by a hash of the user, so any name is a safe path)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "conversations"

    def _folder(self, user: str) -> Path:
        return self.root / hashlib.sha256(user.encode("utf-8")).hexdigest()[:20]

    def _path(self, user: str, conversation_id: str) -> Path:
        if not conversation_id.isalnum():
            raise ValueError("无效的对话编号")
        return self._folder(user) / f"{conversation_id}.json"

    def save(self, user: str, conversation_id: str | None, turns: list[dict[str, Any]]) -> str:
        """Write the conversation (a new one when ``conversation_id`` is None); returns its id."""
        conversation_id = conversation_id or uuid.uuid4().hex[:12]
        path = self._path(user, conversation_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        title = turns[0]["question"] if turns else "新对话"
        record = {"id": conversation_id, "title": title[:TITLE_CHARS] + ("…" if len(title) > TITLE_CHARS else ""),
                  "updated": datetime.now(timezone.utc).astimezone().isoformat(timespec="microseconds"), "turns": turns}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # a reader never sees half a conversation
        return conversation_id

    def list(self, user: str) -> list[ConversationInfo]:
        """The user's conversations, the most recent first."""
        infos = []
        for path in self._folder(user).glob("*.json"):
            try:
                r = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            infos.append(ConversationInfo(r["id"], r["title"], r["updated"], len(r["turns"])))
        return sorted(infos, key=lambda i: i.updated, reverse=True)

    def load(self, user: str, conversation_id: str) -> list[dict[str, Any]]:
        try:
            return json.loads(self._path(user, conversation_id).read_text(encoding="utf-8"))["turns"]
        except (OSError, ValueError, KeyError):
            return []

    def delete(self, user: str, conversation_id: str) -> None:
        self._path(user, conversation_id).unlink(missing_ok=True)
