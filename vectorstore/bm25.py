"""jieba BM25 over chunks, with a user dictionary of department names and key terms.

jieba alone splits "省大数据局" and "大数据局" differently, and "工信厅" shares no token with
"省工业和信息化厅"; the dictionary keeps names whole and ``expand_aliases`` adds the canonical
name to a question, so both spellings meet.

jieba builds its prefix dictionary (~500,000 entries) on a tokenizer's first use by unmarshalling
its cache, ~0.7 s of CPU in every new process. ``JiebaTokenizer`` loads that dictionary, with our
fixed terms already added, from its own cache file instead (a word list and a frequency array:
~0.3 s, and no code is executed on load, unlike marshal or pickle); only the index's own
department names are added word by word.
"""

from __future__ import annotations

import array
import hashlib
import json
import logging
import os
import re
import struct
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

from ingest.departments import ALIASES, canonical, find_in_text

jieba.setLogLevel(logging.WARNING)

_KEEP_RE = re.compile(r"[\w\u4e00-\u9fff%％]")
_STOP = set("的 了 和 与 及 等 在 是 为 对 由 将 把 被 有 哪些 什么 多少 吗 呢 啊 请问 一下 怎么 如何 哪个 哪里 谁 是否 "
            "可以 能否 能不能 负责 部门 单位 文件 方案 规定 年 个 我们 我 你 您 "
            "what is the of a an to in for on who how which does do are was be by with about".split())
_BASE_TERMS = ("DCMM", "数据管理能力成熟度", "贯标", "首版次", "流片", "云服务券", "流量券", "创新服务券", "双千兆",
               "工业互联网", "大数据", "数字经济", "数据要素", "专精特新", "5G", "IPv6", "NB-IoT", "信创")


_WORD_FREQ = 200000  # high enough that jieba always keeps a listed name whole
_CACHE_MAGIC = b"PQJIEBA1"


class JiebaTokenizer:
    """A private jieba tokenizer (jieba's global one is shared process-wide state)."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._tk = jieba.Tokenizer()
        # The same words in the same order as adding them all one by one (jieba's total, which
        # weighs every route, counts repeats): the fixed ones come with the cached dictionary.
        freq, total = _base_dictionary()
        self._tk.FREQ, self._tk.total, self._tk.initialized = dict(freq), total, True
        added = [w for w in words if w]
        for w in added:
            self._tk.add_word(w, freq=_WORD_FREQ)
        # Names this tokenizer's output: same key, same tokens for the same text.
        self.key = hashlib.sha1("\n".join([_cache_key(), *added]).encode("utf-8")).hexdigest()[:16]

    def __call__(self, text: str) -> list[str]:
        tokens = self._tk.lcut_for_search(text.lower())
        return [t for t in tokens if t.strip() and _KEEP_RE.search(t) and t not in _STOP]

    def words(self, text: str) -> list[str]:
        """Dictionary words only (no HMM guesses): a question's unknown run of characters
        ("公示期有几天" → 期有) is no word a sentence could be expected to hold."""
        tokens = self._tk.lcut_for_search(text.lower(), HMM=False)
        return [t for t in tokens if t.strip() and _KEEP_RE.search(t) and t not in _STOP]


def _fixed_words() -> list[str]:
    return [w for w in (*_BASE_TERMS, *ALIASES, *ALIASES.values()) if w]


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary with the fixed terms and aliases added (read-only: copy it)."""
    path = _cache_dir() / f"jieba-{_cache_key()}.bin"
    try:
        return _read_dictionary(path)
    except (OSError, ValueError, struct.error):
        pass
    tk = jieba.Tokenizer()
    for w in _fixed_words():
        tk.add_word(w, freq=_WORD_FREQ)
    try:
        _write_dictionary(path, tk.FREQ, tk.total)
    except OSError as ex:  # a read-only home: every process builds it, as before
        logging.getLogger(__name__).info("jieba dictionary cache not written (%s): %s", path, ex)
    return tk.FREQ, tk.total


def _cache_dir() -> Path:
    """``$POLICYQA_CACHE_DIR`` else ``~/.cache/policyqa``, beside the e5 export."""
    root = os.environ.get("POLICYQA_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "policyqa"


def _cache_key() -> str:
    """Changes with jieba's version and dictionary file and with our fixed words."""
    dict_file = Path(jieba.__file__).with_name("dict.txt")
    st = dict_file.stat()
    h = hashlib.sha1(f"{jieba.__version__}|{st.st_size}|{st.st_mtime_ns}|{_WORD_FREQ}".encode())
    h.update("\n".join(_fixed_words()).encode("utf-8"))
    return h.hexdigest()[:16]


def _write_dictionary(path: Path, freq: dict[str, int], total: int) -> None:
    words = "\n".join(freq).encode("utf-8")
    counts = array.array("q", freq.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".jieba-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_CACHE_MAGIC + struct.pack("<qqq", total, len(counts), len(words)))
            f.write(words)
            f.write(counts.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_dictionary(path: Path) -> tuple[dict[str, int], int]:
    data = path.read_bytes()
    head = len(_CACHE_MAGIC) + 24
    if not data.startswith(_CACHE_MAGIC):
        raise ValueError("not a jieba dictionary cache")
    total, n, size = struct.unpack("<qqq", data[len(_CACHE_MAGIC):head])
    words = data[head:head + size].decode("utf-8").split("\n")
    counts = array.array("q")
    counts.frombytes(data[head + size:])
    if len(words) != n or len(counts) != n:
        raise ValueError("truncated jieba dictionary cache")
    return dict(zip(words, counts)), total


def tokenize_cached(texts: Sequence[str], tokenizer: JiebaTokenizer) -> list[list[str]]:
    """``tokenizer(t)`` for every text, from a cache file where it was done before.

    Tokenizing the chunks is most of what opening a large index costs (~2 ms a chunk: 4 s for a
    2,000-passage index, in every new process and after every ingest). Entries are keyed by the
    text's hash, in one file per tokenizer key (jieba's dictionary and the index's words), so an
    index that gains a document tokenizes only the new chunks, and a changed vocabulary starts
    afresh. The file keeps the texts of the last index opened with that key.
    """
    path = _cache_dir() / "bm25" / f"{tokenizer.key}.json"
    try:
        cached: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:20] for t in texts]
    fresh = False
    out = []
    for key, text in zip(keys, texts):
        tokens = cached.get(key)
        if not isinstance(tokens, list):
            tokens = cached[key] = tokenizer(text)
            fresh = True
        out.append(tokens)
    if fresh:
        try:
            _write_atomically(path, json.dumps({k: cached[k] for k in keys}, ensure_ascii=False).encode("utf-8"))
        except OSError as ex:  # a read-only home: tokenized again next time
            logging.getLogger(__name__).info("BM25 token cache not written (%s): %s", path, ex)
    return out


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def expand_aliases(question: str) -> str:
    """Append the canonical names of the aliases a question uses (工信厅 → 省工业和信息化厅)."""
    extra = [canonical(n) for n in find_in_text(question) if canonical(n) != n]
    return question + (" " + " ".join(extra) if extra else "")


class Bm25Index:
    """BM25Okapi over chunk texts (with their breadcrumbs)."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], tokenizer: JiebaTokenizer) -> None:
        self.ids = list(ids)
        self._tok = tokenizer
        corpus = tokenize_cached(texts, tokenizer)
        self._bm25 = BM25Okapi(corpus) if corpus else None

    def search(self, question: str, k: int = 20) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, score) with a positive score, best first."""
        if self._bm25 is None:
            return []
        tokens = self._tok(expand_aliases(question))
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)[:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]
