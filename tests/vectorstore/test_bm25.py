"""The jieba tokenizer behind BM25 loads its dictionary from PolicyQA's own cache file (issue 17:
adding the terms word by word to a fresh jieba tokenizer cost ~0.9 s in every new process)."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from ingest.departments import ALIASES
from vectorstore import bm25

SEED = Path(__file__).resolve().parents[2] / "data" / "corpus" / "shandong-2022-digital-economy-action-plan.txt"
WORDS = ["省工业和信息化厅", "省大数据局", "市工业和信息化局", "省大数据局"]


def _one_by_one(words: list[str]) -> jieba.Tokenizer:
    """What JiebaTokenizer did before the cache: every term added to a fresh jieba tokenizer."""
    tk = jieba.Tokenizer()
    for w in (*bm25._BASE_TERMS, *ALIASES, *ALIASES.values(), *words):
        if w:
            tk.add_word(w, freq=200000)
    return tk


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POLICYQA_CACHE_DIR", str(tmp_path))
    bm25._base_dictionary.cache_clear()
    yield tmp_path
    bm25._base_dictionary.cache_clear()


def test_cached_dictionary_tokenizes_as_adding_word_by_word(cache_dir: Path) -> None:
    """Built once (and written), then read back in a "new process" (the in-memory cache
    cleared): both give jieba's exact state, and so the same tokens, as the word-by-word way."""
    text = SEED.read_text(encoding="utf-8")
    expected = _one_by_one(WORDS)
    built = bm25.JiebaTokenizer(WORDS)
    assert len(list(cache_dir.glob("jieba-*.bin"))) == 1
    bm25._base_dictionary.cache_clear()
    loaded = bm25.JiebaTokenizer(WORDS)
    for tok in (built, loaded):
        assert tok._tk.total == expected.total and tok._tk.FREQ == expected.FREQ
        assert tok._tk.lcut_for_search(text) == expected.lcut_for_search(text)
    assert "省大数据局" in loaded("省大数据局参与了哪些措施?")


def test_tokenizers_do_not_share_their_words(cache_dir: Path) -> None:
    """An index's department names go into its own tokenizer, not into the cached dictionary."""
    a = bm25.JiebaTokenizer(["河川省数字经济局"])
    b = bm25.JiebaTokenizer()
    assert "河川省数字经济局" in a._tk.FREQ and "河川省数字经济局" not in b._tk.FREQ


@pytest.mark.parametrize("damage", [b"", b"not a cache", "truncate"])
def test_a_damaged_cache_is_rebuilt(cache_dir: Path, damage) -> None:
    bm25.JiebaTokenizer()
    path = next(cache_dir.glob("jieba-*.bin"))
    path.write_bytes(path.read_bytes()[:1000] if damage == "truncate" else damage)
    bm25._base_dictionary.cache_clear()
    assert bm25.JiebaTokenizer(WORDS)._tk.FREQ == _one_by_one(WORDS).FREQ


def test_chunk_tokens_come_from_the_cache_keyed_by_text_and_vocabulary(cache_dir: Path) -> None:
    """Opening an index tokenizes each chunk text once per vocabulary: the second time the tokens
    are read from the cache file (here marked so that the read is visible), a new text is
    tokenized, and another vocabulary has its own file."""
    texts = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()][:40]
    tok = bm25.JiebaTokenizer(WORDS)
    direct = [tok(t) for t in texts]
    assert bm25.tokenize_cached(texts, tok) == direct
    path = cache_dir / "bm25" / f"{tok.key}.json"
    assert path.exists()
    marked = path.read_text(encoding="utf-8").replace('"dcmm"', '"dcmm-from-cache"')
    path.write_text(marked, encoding="utf-8")
    again = bm25.tokenize_cached([*texts, "新增一段关于首版次软件的文字"], bm25.JiebaTokenizer(WORDS))
    assert any("dcmm-from-cache" in tokens for tokens in again)
    assert again[-1] == tok("新增一段关于首版次软件的文字")
    other = bm25.JiebaTokenizer([*WORDS, "河川省数字经济局"])
    assert other.key != tok.key
    assert bm25.tokenize_cached(texts, other) == [other(t) for t in texts]
