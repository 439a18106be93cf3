"""Validate the hand-written evaluation gold sets in eval/gold/*.jsonl.

Checks, per line:
  * exactly the schema keys, with the right types;
  * ids unique across all gold files, questions unique within a file;
  * ``doc`` names a document found in data/corpus/ or eval/docs/;
  * ``type`` is one of the known types and ``answerable`` agrees with it
    (only ``unanswerable`` questions are unanswerable, and they have no must_include);
  * every evidence string is a verbatim substring of the document, 10–80 characters,
    inside one line (a proxy for "inside one clause": no evidence may cross a line break),
    and occurs exactly once in the document so that it points at one place;
  * every must_include string is a verbatim substring of the document;
  * the gold answer passes its own checks: it contains every must_include string and
    none of the must_not_include strings;
  * answerable questions have at least one evidence string.

Per file it prints counts per type and checks the minimum sizes the evaluation needs.

Usage:  .venv/bin/python eval/check_gold.py [gold.jsonl ...]
Exit status 1 when any error was found.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOLD_DIR = ROOT / "eval" / "gold"
DOC_DIRS = (ROOT / "data" / "corpus", ROOT / "eval" / "docs")

KEYS = {
    "id",
    "doc",
    "type",
    "question",
    "answer",
    "evidence",
    "must_include",
    "must_not_include",
    "answerable",
}
TYPES = ("lead", "target", "content", "eligibility", "list", "meta", "unanswerable")
EVIDENCE_MIN, EVIDENCE_MAX = 10, 80

# Minimum number of questions (total, unanswerable) per gold file.
MINIMUMS = {
    "shandong.jsonl": (160, 20),
    "jinan-regulation.jsonl": (35, 6),
    "qingdao-work-plan.jsonl": (35, 6),
    "weifang-measures.jsonl": (55, 8),
    "yantai-key-tasks.jsonl": (60, 8),
    "linyi-fund-measures.jsonl": (60, 8),
    "weihai-rules.jsonl": (55, 8),
}
# Plain-text documents are compared as stored; other formats (.docx, .pdf, .html) only have
# text through the ingest loader, and that loaded text is what quotes must be substrings of.
PLAIN_SUFFIXES = {".txt"}


def find_doc(name: str) -> Path | None:
    for d in DOC_DIRS:
        p = d / name
        if p.is_file():
            return p
    return None


def document_text(path: Path) -> str:
    """The text evidence is checked against: the file itself, or what the loader reads from it."""
    if path.suffix.lower() in PLAIN_SUFFIXES:
        return path.read_text(encoding="utf-8")
    from ingest.loaders import load_file

    return load_file(path).text


def is_str_list(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


def check_file(path: Path, seen_ids: dict[str, str], docs: dict[str, str]) -> tuple[list[str], Counter]:
    errors: list[str] = []
    counts: Counter = Counter()
    questions: dict[str, str] = {}

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{path.name}:{lineno}"

        def err(msg: str) -> None:
            errors.append(f"{where}: {msg}")

        try:
            q = json.loads(raw)
        except json.JSONDecodeError as e:
            err(f"invalid JSON: {e}")
            continue
        if not isinstance(q, dict):
            err("line is not a JSON object")
            continue
        if set(q) != KEYS:
            missing, extra = KEYS - set(q), set(q) - KEYS
            err(f"keys differ from schema (missing {sorted(missing)}, extra {sorted(extra)})")
            continue

        qid = q["id"]
        where = f"{path.name}:{lineno} [{qid}]"
        for key in ("id", "doc", "type", "question", "answer"):
            if not isinstance(q[key], str) or not q[key].strip():
                err(f"{key} must be a non-empty string")
        for key in ("evidence", "must_include", "must_not_include"):
            if not is_str_list(q[key]):
                err(f"{key} must be a list of strings")
        if not isinstance(q["answerable"], bool):
            err("answerable must be true or false")
        if errors and errors[-1].startswith(where):
            continue

        if qid in seen_ids:
            err(f"duplicate id (also in {seen_ids[qid]})")
        seen_ids[qid] = where
        if q["question"] in questions:
            err(f"duplicate question (also {questions[q['question']]})")
        questions[q["question"]] = qid

        qtype = q["type"]
        if qtype not in TYPES:
            err(f"unknown type {qtype!r}")
        counts[qtype] += 1
        if q["answerable"] != (qtype != "unanswerable"):
            err(f"answerable={q['answerable']} does not fit type {qtype!r}")

        doc_name = q["doc"]
        if doc_name not in docs:
            p = find_doc(doc_name)
            if p is None:
                err(f"document not found: {doc_name}")
                continue
            docs[doc_name] = document_text(p)
        text = docs[doc_name]

        for ev in q["evidence"]:
            n = len(ev)
            if not EVIDENCE_MIN <= n <= EVIDENCE_MAX:
                err(f"evidence has {n} characters (want {EVIDENCE_MIN}-{EVIDENCE_MAX}): {ev!r}")
            if "\n" in ev:
                err(f"evidence crosses a line break: {ev!r}")
            hits = text.count(ev)
            if hits == 0:
                err(f"evidence not found verbatim in {doc_name}: {ev!r}")
            elif hits > 1:
                err(f"evidence occurs {hits} times in {doc_name} (make it unique): {ev!r}")
        if len(set(q["evidence"])) != len(q["evidence"]):
            err("repeated evidence string")
        if q["answerable"] and not q["evidence"]:
            err("answerable question without evidence")

        for s in q["must_include"]:
            if not s:
                err("empty must_include string")
            elif s not in text:
                err(f"must_include not found verbatim in {doc_name}: {s!r}")
            elif s not in q["answer"]:
                err(f"gold answer lacks its own must_include {s!r}")
        for s in q["must_not_include"]:
            if not s:
                err("empty must_not_include string")
            elif s in q["answer"]:
                err(f"gold answer contains its own must_not_include {s!r}")
            elif s in q["must_include"]:
                err(f"{s!r} is in both must_include and must_not_include")
        if qtype == "unanswerable" and q["must_include"]:
            err("unanswerable question must have must_include []")

    total = sum(counts.values())
    if path.name in MINIMUMS:
        want_total, want_unans = MINIMUMS[path.name]
        if total < want_total:
            errors.append(f"{path.name}: {total} questions, want at least {want_total}")
        if counts["unanswerable"] < want_unans:
            errors.append(
                f"{path.name}: {counts['unanswerable']} unanswerable questions, want at least {want_unans}"
            )
    return errors, counts


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] if argv else sorted(GOLD_DIR.glob("*.jsonl"))
    if not paths:
        print(f"no gold files in {GOLD_DIR}")
        return 1
    seen_ids: dict[str, str] = {}
    docs: dict[str, str] = {}
    all_errors: list[str] = []
    for path in paths:
        errors, counts = check_file(path, seen_ids, docs)
        all_errors += errors
        total = sum(counts.values())
        per_type = ", ".join(f"{t} {counts[t]}" for t in TYPES)
        print(f"{path.name}: {total} questions ({per_type}); {len(errors)} error(s)")
    for e in all_errors:
        print("ERROR", e)
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
