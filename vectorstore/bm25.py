"""jieba BM25 over chunks, with a user dictionary of department names and key terms.

jieba alone splits "省大数据局" and "大数据局" differently, and "工信厅" shares no token with
"省工业和信息化厅"; the dictionary keeps names whole and ``expand_aliases`` adds the canonical
name to a question, so both spellings meet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

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


class JiebaTokenizer:
    """A private jieba tokenizer (jieba's global one is shared process-wide state)."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._tk = jieba.Tokenizer()
        for w in (*_BASE_TERMS, *ALIASES, *ALIASES.values(), *words):
            if w:
                self._tk.add_word(w, freq=200000)

    def __call__(self, text: str) -> list[str]:
        tokens = self._tk.lcut_for_search(text.lower())
        return [t for t in tokens if t.strip() and _KEEP_RE.search(t) and t not in _STOP]

    def words(self, text: str) -> list[str]:
        """Dictionary words only (no HMM guesses): a question's unknown run of characters
        ("公示期有几天" → 期有) is no word a sentence could be expected to hold."""
        tokens = self._tk.lcut_for_search(text.lower(), HMM=False)
        return [t for t in tokens if t.strip() and _KEEP_RE.search(t) and t not in _STOP]


def expand_aliases(question: str) -> str:
    """Append the canonical names of the aliases a question uses (工信厅 → 省工业和信息化厅)."""
    extra = [canonical(n) for n in find_in_text(question) if canonical(n) != n]
    return question + (" " + " ".join(extra) if extra else "")


class Bm25Index:
    """BM25Okapi over chunk texts (with their breadcrumbs)."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], tokenizer: JiebaTokenizer) -> None:
        self.ids = list(ids)
        self._tok = tokenizer
        corpus = [tokenizer(t) for t in texts]
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
