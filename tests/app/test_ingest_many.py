"""A folder of many tiny files, and one document added to a large index (issue 17).

The ingest cost per file (a Chroma query per file, a model load for one page) made a folder of
2,000 short passages and a one-page upload slow; the speed is measured by ``make bench``, not
here. These tests pin what must hold: every tiny file becomes a document that can be found, and
adding one document writes only that document's records, never the unchanged chunks again.

Writes are counted in Chroma's own SQLite file: every record it writes (add, upsert, update)
gets a new ``seq_id`` in the ``embeddings`` table of its collection's metadata segment.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.assistant import Assistant
from app.config import Settings
from app.indexing import ingest_paths
from app.testing import copy_index

N_FILES = 200
_CITIES = ("济南", "青岛", "烟台", "潍坊", "临沂", "威海", "淄博", "日照")
_TOPICS = ("企业上云", "DCMM贯标", "首版次软件", "工业互联网平台", "专精特新", "技术改造")


def _passage(i: int) -> str:
    city, topic = _CITIES[i % len(_CITIES)], _TOPICS[i % len(_TOPICS)]
    return (f"{city}市{topic}政策问答第{i + 1}期\n问:{topic}奖励标准是多少?\n"
            f"答:对符合条件的企业给予{i + 10}万元奖励,编号QA{i:04d},由{city}市工业和信息化局负责。\n")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, object]:
    root = tmp_path_factory.mktemp("many")
    folder = root / "passages"
    folder.mkdir()
    for i in range(N_FILES):
        (folder / f"qa-{i:04d}.txt").write_text(_passage(i), encoding="utf-8")
    settings = Settings(index_dir=root / "index", data_dir=root / "data", chroma_url=None)
    return settings, ingest_paths([folder], settings)


def _seq_ids(index_dir: Path, collection: str) -> dict[str, int]:
    """record id → seq_id of the live version's ``collection``, read from Chroma's SQLite file."""
    version = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    with sqlite3.connect(index_dir / "versions" / version / "chroma.sqlite3") as db:
        rows = db.execute("SELECT e.embedding_id, e.seq_id FROM embeddings e JOIN segments s ON e.segment_id = s.id "
                          "JOIN collections c ON s.collection = c.id WHERE c.name = ? AND s.scope = 'METADATA'",
                          (collection,)).fetchall()
    return dict(rows)


@pytest.mark.slow
def test_a_folder_of_tiny_files_ingests(many) -> None:
    """Each of the 200 files is a document with its own chunk, and a question finds one by its content."""
    settings, report = many
    assert report.failed == [] and len(report.added) == N_FILES
    assert report.chunks_added >= N_FILES
    assert len(_seq_ids(settings.index_dir, "docs")) == N_FILES
    assistant = Assistant.from_settings(settings)
    hits = assistant.kb.search("潍坊市工业互联网平台政策问答第124期", k=3)
    assert "qa-0123.txt" in [h.doc.source for h in hits]


@pytest.mark.slow
def test_adding_one_document_writes_only_its_own_records(many, tmp_path: Path) -> None:
    """One new file into the 200-document index: the new version keeps every existing chunk and
    document record as it was (same seq_id: not written again), and the only records written are
    the new document and its chunks."""
    settings = copy_index(many[0], tmp_path)
    chunks_before, docs_before = _seq_ids(settings.index_dir, "chunks"), _seq_ids(settings.index_dir, "docs")
    new = tmp_path / "临沂市数字经济专项资金补充通知.txt"
    new.write_text("临沂市数字经济专项资金补充通知\n\n一、对首次通过DCMM三级的企业给予20万元奖励。\n"
                   "二、本通知由市工业和信息化局负责解释。\n", encoding="utf-8")
    report = ingest_paths([new], settings)
    assert report.added == [new.name] and report.chunks_added > 0
    chunks_after, docs_after = _seq_ids(settings.index_dir, "chunks"), _seq_ids(settings.index_dir, "docs")
    assert {i: chunks_after[i] for i in chunks_before} == chunks_before
    assert {i: docs_after[i] for i in docs_before} == docs_before
    written = [i for i, seq in chunks_after.items() if chunks_before.get(i) != seq]
    assert len(written) == report.chunks_added == len(chunks_after) - len(chunks_before)
    assert len(docs_after) - len(docs_before) == 1
    hits = Assistant.from_settings(settings).kb.search("首次通过DCMM三级的企业奖励多少", k=3)
    assert hits[0].doc.source == new.name
