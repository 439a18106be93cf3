"""The ``policyqa`` command: ingest, ask, show, eval, web, serve, ledger, eligibility.

Commands stay thin: resolve inputs, call one library function, print. Errors that users cause
are printed in Chinese (``app.errors``); gradio is never imported on the ask path.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from app.config import Settings, get_settings
from app.errors import user_message


def _settings(index: Path | None) -> Settings:
    s = get_settings()
    return s.model_copy(update={"index_dir": index}) if index else s


def _fail(ex: Exception) -> None:
    msg = user_message(ex)
    if msg is None:
        raise ex
    raise click.ClickException(msg)


@click.group(help="政策问答助手 PolicyQA:导入政策文件,基于条款回答问题并给出原文依据。")
@click.version_option(package_name="policyqa")
def cli() -> None:
    pass


_index_opt = click.option("--index", "index", type=click.Path(path_type=Path), envvar="POLICYQA_INDEX_DIR",
                          help="索引目录(默认 $POLICYQA_INDEX_DIR 或项目内 var/index)")


@cli.command(help="导入文件或目录(默认:内置语料)。未改动的文件不会重复导入。")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_index_opt
@click.option("--rebuild", is_flag=True, help="清空索引后重新导入")
def ingest(paths: tuple[Path, ...], index: Path | None, rebuild: bool) -> None:
    from app.indexing import ingest_paths
    from app.progress import progress_printer

    settings = _settings(index)
    targets = list(paths) or [settings.corpus_dir]
    try:
        with progress_printer() as progress:
            report = ingest_paths(targets, settings, rebuild=rebuild, progress=progress)
    except Exception as ex:  # noqa: BLE001 - translated or re-raised by _fail
        _fail(ex)
    click.echo(f"新增文档 {len(report.added)},更新 {len(report.replaced)},未变化跳过 {len(report.unchanged)},"
               f"失败 {len(report.failed)};条款 {report.clauses},新增分块 {report.chunks_added},"
               f"复用分块 {report.chunks_reused}")
    for source, reason in report.failed:
        click.echo(f"  失败: {source}: {reason}", err=True)
    if report.failed and not (report.added or report.replaced or report.unchanged):
        sys.exit(1)


@cli.command(help="提问。--batch FILE 逐行读取 JSON({\"question\": ...}),逐行输出 JSON 答案。")
@click.argument("question", required=False)
@_index_opt
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="JSON lines 文件,- 表示标准输入")
def ask(question: str | None, index: Path | None, as_json: bool, batch) -> None:
    from app.assistant import Assistant

    if question is None and batch is None:
        raise click.UsageError("请提供问题,或使用 --batch FILE")
    try:
        assistant = Assistant.from_settings(_settings(index))
    except Exception as ex:  # noqa: BLE001
        _fail(ex)
    if batch is not None:
        _ask_batch(assistant, batch)
        return
    answer = assistant.ask(question)
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else answer.format_text())


def _ask_batch(assistant, stream) -> None:
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question = item["question"]
        except (json.JSONDecodeError, KeyError, TypeError):
            click.echo(json.dumps({"line": n, "error": "该行不是含 question 字段的 JSON"}, ensure_ascii=False))
            continue
        out = {k: v for k, v in item.items() if k != "question"}
        out.update(assistant.ask(str(question), item.get("history") or ()).to_dict())
        click.echo(json.dumps(out, ensure_ascii=False), nl=True)
        sys.stdout.flush()


@cli.command(help="显示文档的条款树、责任部门和量化目标,便于核对解析结果。")
@click.argument("doc", required=False)
@_index_opt
def show(doc: str | None, index: Path | None) -> None:
    from app.assistant import Assistant
    from app.tree_view import render_tree

    assistant = Assistant.from_settings(_settings(index))
    docs = [d for d in assistant.kb.documents if doc in (None, d.source, d.id, d.title)]
    if not docs:
        raise click.ClickException(f"未找到文档:{doc}" if doc else "索引中还没有文档,请先运行 policyqa ingest")
    for d in docs:
        click.echo(render_tree(d))


@cli.command(help="启动网页聊天界面(Gradio)。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=7860, show_default=True, type=int, help="端口")
@_index_opt
def web(host: str, port: int, index: Path | None) -> None:
    from app.web import launch

    launch(_settings(index), host=host, port=port)


@cli.command(help="启动 HTTP API(FastAPI,文档见 /docs)。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8000, show_default=True, type=int, help="端口")
@_index_opt
def serve(host: str, port: int, index: Path | None) -> None:
    import uvicorn

    from app.api.main import create_app

    uvicorn.run(create_app(_settings(index)), host=host, port=port, log_level="info")


@cli.command(name="eval", help="运行评测集,写出 report.json 与 report.html。")
@click.option("--gold", "gold", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="评测集文件(JSON lines),可多次指定;默认 eval/gold/ 下全部")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), default=Path("reports/eval"),
              show_default=True, help="报告目录")
@click.option("--systems", default="policyqa,langchain,chatchat,bm25", show_default=True,
              help="参与比较的系统(逗号分隔)")
@click.option("--check", is_flag=True, help="低于 eval/thresholds.json 中的阈值时以非零状态退出")
def eval_cmd(gold: tuple[Path, ...], report_dir: Path, systems: str, check: bool) -> None:
    from eval.run import run_eval

    code = run_eval(list(gold), report_dir, systems.split(","), check=check)
    sys.exit(code)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
