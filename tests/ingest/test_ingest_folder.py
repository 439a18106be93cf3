"""A folder of real-world files, some hostile, through the real pipeline (real Chroma, real
embeddings, the ``policyqa`` CLI): the good files are published, each bad one is reported by
name with a Chinese reason, and identical twins are stored once.

Pins issue 16: one "①抢救溺水者。②…" passage (ValueError in the parser) or two files with the
same content (chromadb DuplicateIDError) used to abort a whole folder of 2,081 files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.assistant import Assistant
from app.cli import cli
from app.config import Settings
from app.indexing import delete_documents, ingest_paths
from ingest.document import parse_document
from ingest.errors import StageError, stage
from ingest.loaders import load_file

DATA = Path(__file__).resolve().parents[1] / "data"
DROWNING = ("发现有人溺水时应该怎么救援?\n"
            "①抢救溺水者。立即拨打110、120求助,不要贸然下水。②采取正确的施救方法,向溺水者抛投救生圈、木板等漂浮物。"
            "③上岸后清除溺水者口鼻异物,必要时进行心肺复苏。\n")
TWIN = ("办理居住证需要哪些材料?\n答:申请人需提交居民身份证、近期一寸免冠照片和居住证明。"
        "居住证明可以是房屋租赁合同、房屋产权证明或者单位出具的就业证明。\n")
GBK_TEXT = "灵活就业人员社保补贴怎么申请?\n答:灵活就业人员按规定缴纳社会保险费后,可向户籍所在地街道申请社会保险补贴。\n"
UTF16_TEXT = "失业保险金多久发放?\n答:自受理申请之日起7个工作日内审核办结,审批通过后的次月15日前发放。\n"


def _folder(root: Path) -> Path:
    folder = root / "faq"
    folder.mkdir()
    shutil.copy(DATA / "regulation_sample.txt", folder / "regulation.txt")
    (folder / "drowning.txt").write_text(DROWNING, encoding="utf-8")
    (folder / "twin-a.txt").write_text(TWIN, encoding="utf-8")
    (folder / "twin-b.txt").write_text(TWIN, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "gbk.txt").write_bytes(GBK_TEXT.encode("gbk"))
    (folder / "utf16.txt").write_bytes(UTF16_TEXT.encode("utf-16"))
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str, int]:
    root = tmp_path_factory.mktemp("folder")
    folder = _folder(root)
    settings = Settings(index_dir=root / "index", data_dir=root / "data", corpus_dir=folder, chroma_url=None,
                        api_key=None, auth=None)
    r = CliRunner().invoke(cli, ["ingest", str(folder)], env={"POLICYQA_INDEX_DIR": str(settings.index_dir)},
                           catch_exceptions=False)
    return settings, r.output, r.exit_code


def test_the_good_files_are_published_and_each_bad_one_is_named(ingested) -> None:
    _, output, code = ingested
    assert code == 0, output
    for name in ("regulation.txt", "drowning.txt", "twin-a.txt", "gbk.txt", "utf16.txt"):
        assert f"[新增] {name}: 条款" in output
    assert "[失败] empty.txt: 文件内容为空" in output
    assert "[失败] junk.txt: 文件不是有效的文本文件" in output
    assert "[失败] broken.docx: 文件不是有效的Word(.docx)文档" in output
    assert "[重复] twin-b.txt: 内容与已导入的 twin-a.txt 相同,未重复导入" in output
    assert "新增文档 5" in output and "重复 1" in output and "失败 3" in output


def test_the_circled_numbering_passage_answers(ingested) -> None:
    settings, _, _ = ingested
    a = Assistant.from_settings(settings).ask("救溺水者可以抛投什么?").to_dict()
    assert a["citations"] and a["citations"][0]["doc"] == "drowning.txt"
    assert "救生圈" in a["answer"] and not a["refused"]


def test_twins_are_one_document_and_deleting_the_skipped_name_removes_nothing(ingested) -> None:
    settings, _, _ = ingested
    sources = {d.source for d in Assistant.from_settings(settings).kb.documents}
    assert "twin-a.txt" in sources and "twin-b.txt" not in sources
    assert delete_documents(["twin-b.txt"], settings) == []
    a = Assistant.from_settings(settings).ask("办理居住证需要哪些材料?").to_dict()
    assert a["citations"][0]["doc"] == "twin-a.txt"


def test_a_renamed_file_is_not_indexed_twice(ingested, tmp_path: Path) -> None:
    settings, _, _ = ingested
    renamed = tmp_path / "drowning-renamed.txt"
    renamed.write_text(DROWNING, encoding="utf-8")
    report = ingest_paths([renamed], settings)
    assert report.duplicates == [("drowning-renamed.txt", "drowning.txt")]
    assert not report.added and not report.failed and report.version is None  # no new version for a no-op
    assert [d.source for d in Assistant.from_settings(settings).kb.documents].count("drowning.txt") == 1


def test_after_the_first_name_is_deleted_the_twin_can_be_ingested(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None,
                        api_key=None, auth=None)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(TWIN, encoding="utf-8")
    b.write_text(TWIN, encoding="utf-8")
    first = ingest_paths([a, b], settings)
    assert first.added == ["a.txt"] and first.duplicates == [("b.txt", "a.txt")]
    assert delete_documents(["a.txt"], settings) == ["a.txt"]
    again = ingest_paths([b], settings)
    assert again.added == ["b.txt"]
    assert Assistant.from_settings(settings).ask("办理居住证需要哪些材料?").to_dict()["citations"][0]["doc"] == "b.txt"


def test_a_file_edited_to_equal_another_keeps_no_stale_version(tmp_path: Path) -> None:
    """a.txt had its own text; now it holds b.txt's. Its old text must not keep answering."""
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None,
                        api_key=None, auth=None)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(DROWNING, encoding="utf-8")
    b.write_text(TWIN, encoding="utf-8")
    ingest_paths([a, b], settings)
    a.write_text(TWIN, encoding="utf-8")
    report = ingest_paths([a], settings)
    assert report.duplicates == [("a.txt", "b.txt")]
    assert [d.source for d in Assistant.from_settings(settings).kb.documents] == ["b.txt"]


def test_two_files_that_swap_contents_both_keep_their_new_text(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", chroma_url=None,
                        api_key=None, auth=None)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(DROWNING, encoding="utf-8")
    b.write_text(TWIN, encoding="utf-8")
    ingest_paths([a, b], settings)
    a.write_text(TWIN, encoding="utf-8")
    b.write_text(DROWNING, encoding="utf-8")
    report = ingest_paths([a, b], settings)
    assert sorted(report.replaced) == ["a.txt", "b.txt"] and not report.duplicates
    docs = {d.source: d.text for d in Assistant.from_settings(settings).kb.documents}
    assert docs == {"a.txt": TWIN.strip("\n"), "b.txt": DROWNING.strip("\n")}


def test_nothing_ingestable_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    r = CliRunner().invoke(cli, ["ingest", str(tmp_path / "empty.txt")],
                           env={"POLICYQA_INDEX_DIR": str(tmp_path / "index")}, catch_exceptions=False)
    assert r.exit_code == 1 and "[失败] empty.txt: 文件内容为空" in r.output


def test_an_unexpected_error_in_a_stage_names_the_stage_and_the_file() -> None:
    """A bug no rule foresaw (here a real IndexError) becomes this file's Chinese reason."""
    with pytest.raises(StageError) as caught:
        with stage("parse", "x.txt"):
            [][0]
    assert caught.value.source == "x.txt"
    assert caught.value.user_message.startswith("解析条款结构时出错(IndexError),该文件未导入")


def test_every_fixture_text_parses(tmp_path: Path) -> None:
    for text in (DROWNING, TWIN, GBK_TEXT, UTF16_TEXT):
        path = tmp_path / "t.txt"
        path.write_text(text, encoding="utf-8")
        assert parse_document(load_file(path)).clauses
