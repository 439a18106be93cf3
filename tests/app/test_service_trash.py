"""A deleted document can be put back (issue 18: "撤销删除"), from the trash the service keeps.

Real index copy, real embedder: the restored document answers again with the vectors it had,
nothing is re-embedded, and its uploaded file comes back too.
"""

from __future__ import annotations

import pytest

from app.config import Settings
from app.service import AssistantService
from app.testing import SAMPLE_POLICY_MD, SAMPLE_POLICY_NAME
from vectorstore.embeddings import get_embeddings
from vectorstore.errors import RetrievalError
from vectorstore.index import open_location

QUESTION = "海洋数据应用场景由哪些部门负责?"


def _chunk_ids(settings: Settings) -> set[str]:
    snap = open_location(settings.index_dir, settings.chroma_url).open_current()
    return {h.id for h in snap.chunks(get_embeddings(settings.embedding)).all()}


def test_remove_then_restore_brings_the_document_back_as_it_was(writable_index: Settings) -> None:
    service = AssistantService(writable_index)
    assert service.ingest_uploads([(SAMPLE_POLICY_NAME, SAMPLE_POLICY_MD.encode())]).added == [SAMPLE_POLICY_NAME]
    before = _chunk_ids(writable_index)
    assert "市大数据局" in service.get().ask(QUESTION).answer

    removed = service.remove([SAMPLE_POLICY_NAME])
    assert [(r.source, r.title) for r in removed] == [(SAMPLE_POLICY_NAME, "青岛市海洋数据开放试点工作方案")]
    assert removed[0].saved and removed[0].saved.exists()
    assert SAMPLE_POLICY_NAME not in {d.source for d in service.get().kb.documents}
    assert not (service.upload_dir / SAMPLE_POLICY_NAME).exists()
    assert _chunk_ids(writable_index) < before

    assert [(e.source, e.title, e.saved) for e in service.trash()] == [
        (SAMPLE_POLICY_NAME, "青岛市海洋数据开放试点工作方案", removed[0].saved)]
    assert service.restore(removed[0].saved) == SAMPLE_POLICY_NAME
    assert service.trash() == []
    assert _chunk_ids(writable_index) == before, "the same chunks, with their stored vectors"
    assert "市大数据局" in service.get().ask(QUESTION).answer
    assert (service.upload_dir / SAMPLE_POLICY_NAME).read_text(encoding="utf-8") == SAMPLE_POLICY_MD
    with pytest.raises(RetrievalError, match="找不到已删除文档的备份"):
        service.restore(removed[0].saved)  # undone once only


def test_restore_refuses_when_the_file_was_imported_again(writable_index: Settings) -> None:
    service = AssistantService(writable_index)
    service.ingest_uploads([(SAMPLE_POLICY_NAME, SAMPLE_POLICY_MD.encode())])
    saved = service.remove([SAMPLE_POLICY_NAME])[0].saved
    service.ingest_uploads([(SAMPLE_POLICY_NAME, SAMPLE_POLICY_MD.encode())])
    with pytest.raises(RetrievalError, match="已重新导入,无需撤销删除"):
        service.restore(saved)
    assert [d.source for d in service.get().kb.documents].count(SAMPLE_POLICY_NAME) == 1


@pytest.mark.parametrize("name, fix", [("名单.xls", "另存为 .docx"), ("通知.rtf", "另存为 .docx"),
                                       ("材料.zip", "解压"), ("README", "无扩展名")])
def test_unsupported_formats_name_the_fix(writable_index: Settings, name: str, fix: str) -> None:
    reason = AssistantService(writable_index).check_upload(name, 10)
    assert reason and fix in reason and "目前支持" in reason
