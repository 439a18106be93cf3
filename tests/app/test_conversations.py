"""Saved conversations (issue 18): per user, newest first, and no user name or id escapes the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.conversations import ConversationStore

TURN = {"question": "DCMM贯标由哪些部门负责?", "answer": {"answer": "省大数据局", "citations": []}}


def test_conversations_are_kept_per_user_newest_first(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    first = store.save("staff", None, [TURN])
    second = store.save("staff", None, [{**TURN, "question": "省大数据局负责哪些任务?" * 3}])
    assert [c.id for c in store.list("staff")] == [second, first]
    assert store.list("staff")[0].title.endswith("…") and store.list("other") == []
    assert store.save("staff", first, [TURN, TURN]) == first  # the same conversation, one more turn
    assert store.list("staff")[0].id == first and store.list("staff")[0].turns == 2
    store.delete("staff", first)
    assert [c.id for c in store.list("staff")] == [second] and store.load("staff", first) == []


@pytest.mark.parametrize("user", ["../../etc", "a/b", "管理员", ""])
def test_any_user_name_stays_inside_the_folder(tmp_path: Path, user: str) -> None:
    store = ConversationStore(tmp_path)
    store.save(user, None, [TURN])
    assert all(tmp_path / "conversations" in p.parents for p in tmp_path.rglob("*.json"))
    assert store.load(user, "../../secret") == []  # an id is letters and digits only
    with pytest.raises(ValueError, match="无效的对话编号"):
        store.delete(user, "../../secret")
