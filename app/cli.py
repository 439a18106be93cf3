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
    _print_ingest_summary(report)
    # Non-zero only when nothing could be ingested: one bad file in a folder is reported, not fatal.
    if not report.stored:
        sys.exit(1)


# Rows printed one by one for at most this many files that went well; failures are always listed.
_MAX_OK_ROWS = 50


def _print_ingest_summary(report) -> None:
    """The totals, then one line per file: [结果] 文件名: 说明."""
    dup = len(report.duplicates)
    click.echo(f"新增文档 {len(report.added)},更新 {len(report.replaced) + len(report.reparsed)},"
               f"未变化跳过 {len(report.unchanged) - dup},重复 {dup},"
               f"失败 {len(report.failed)};条款 {report.clauses},新增分块 {report.chunks_added},"
               f"复用分块 {report.chunks_reused}")
    rows = report.rows()
    ok = [r for r in rows if r[1] in ("新增", "更新", "重新解析", "未变化")]
    shown = [r for r in rows if r not in ok or len(ok) <= _MAX_OK_ROWS]
    if not rows:
        from ingest.loaders import SUPPORTED_FORMATS_TEXT

        click.echo(f"未找到可导入的文件,支持:{SUPPORTED_FORMATS_TEXT}")
    for source, status, note in shown:
        click.echo(f"  [{status}] {source}" + (f": {note}" if note else ""))
    if len(ok) > _MAX_OK_ROWS:
        click.echo(f"  …另有 {len(ok)} 个文件导入成功或未变化")


@cli.command(help="提问。--batch FILE 逐行读取 JSON({\"question\": ...}),逐行输出 JSON 答案。")
@click.argument("question", required=False)
@_index_opt
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="JSON lines 文件,- 表示标准输入")
@click.option("--doc", default=None, help="只在该文档中查找(文件名、标题或文档 ID)")
def ask(question: str | None, index: Path | None, as_json: bool, batch, doc: str | None) -> None:
    from app.assistant import Assistant

    if question is None and batch is None:
        raise click.UsageError("请提供问题,或使用 --batch FILE")
    try:
        assistant = Assistant.from_settings(_settings(index))
    except Exception as ex:  # noqa: BLE001
        _fail(ex)
    if batch is not None:
        _ask_batch(assistant, batch, doc)
        return
    answer = assistant.ask(question, doc=doc)
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else answer.format_text())


def _ask_batch(assistant, stream, doc: str | None = None) -> None:
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
        out.update(assistant.ask(str(question), item.get("history") or (), doc=item.get("doc") or doc).to_dict())
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

    # Keep-alive longer than a load balancer's idle timeout (often 60 s): a server that closes an
    # idle connection just as the client reuses it makes the client see "Server disconnected".
    uvicorn.run(create_app(_settings(index)), host=host, port=port, log_level="info", timeout_keep_alive=75)


@cli.command(name="eval", help="运行评测集,写出 report.json 与 report.html。")
@click.option("--gold", "gold", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="评测集文件(JSON lines),可多次指定;默认 eval/gold/ 下全部")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), default=Path("reports/eval"),
              show_default=True, help="报告目录")
@click.option("--systems", default="policyqa,langchain,chatchat,bm25", show_default=True,
              help="参与比较的系统(逗号分隔)")
@click.option("--check", is_flag=True, help="低于 eval/thresholds.json 中的阈值时以非零状态退出")
@click.option("--llm", default=None, metavar="SPEC",
              help="生成式系统 policyqa-llm 使用的模型(llamacpp:<GGUF 或模型名> 或 openai:<模型名>);"
                   "默认取 POLICYQA_EVAL_LLM,再默认已安装的 qwen2.5-coder-0.5b。指定即加入 policyqa-llm")
@click.option("--llm-sample", type=click.IntRange(min=1), default=None, metavar="N",
              help="policyqa-llm 只回答每个评测集中按题型分层抽取的 N 道题(确定性抽样),抽取式结果在同一样本上并列给出")
def eval_cmd(gold: tuple[Path, ...], report_dir: Path, systems: str, check: bool, llm: str | None,
             llm_sample: int | None) -> None:
    from eval.run import run_eval

    code = run_eval(list(gold), report_dir, systems.split(","), check=check, llm=llm, llm_sample=llm_sample)
    sys.exit(code)


def _index_documents(index: Path | None) -> list:
    """Parsed documents of the index, without loading the embedding model."""
    from vectorstore.index import open_location

    settings = _settings(index)
    snapshot = open_location(settings.index_dir, settings.chroma_url).open_current()
    return snapshot.docs().all() if snapshot else []


@cli.command(help="重点任务台账/责任清单:每项措施的编号、牵头与配合单位、量化目标、支持政策;可导出 xlsx/csv/json。")
@click.argument("doc", required=False)
@_index_opt
@click.option("-d", "--department", help="只列该部门牵头或参与的措施(可用简称,如 工信厅、大数据局)")
@click.option("--targets-only", is_flag=True, help="只列有量化目标的措施")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]),
              help="导出格式(默认取 -o 的扩展名;都未指定时在终端显示)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="导出文件(xlsx 未指定时为 ledger.xlsx;同目录另写 *_matrix.png 矩阵图)")
@click.option("--no-chart", is_flag=True, help="导出时不生成部门×措施矩阵图")
def ledger(doc: str | None, index: Path | None, department: str | None, targets_only: bool, fmt: str | None,
           output: Path | None, no_chart: bool) -> None:
    from app.ledger import LedgerError, build_ledger, department_view, filter_rows, render_text, select_documents
    from app.ledger_export import csv_text, export_ledger, ledger_json

    fmt = fmt or (output.suffix.lstrip(".").lower() if output else None)
    try:
        docs = select_documents(_index_documents(index), doc)
        if fmt == "xlsx" or (fmt and output):
            for path in export_ledger(docs, fmt, output or Path("ledger.xlsx"), department=department,
                                      only_targets=targets_only, chart=not no_chart):
                click.echo(f"已写出 {path}")
        elif fmt == "json":
            click.echo(json.dumps(ledger_json(docs, department, targets_only), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            click.echo(csv_text(docs, department, targets_only), nl=False)
        else:
            built = build_ledger(docs)
            view = department_view(built, department) if department else None
            click.echo(render_text(filter_rows(built, department, targets_only), view))
    except LedgerError as ex:
        raise click.ClickException(ex.user_message) from ex


@cli.command(help="企业资格自查:描述企业情况,逐项给出可能符合/不符合/无法判断、理由、文件未写明的事项、咨询部门和原文。")
@click.argument("description", required=False)
@_index_opt
@click.option("--doc", help="只查该文件(文件名或标题)")
@click.option("--industry", help="所属行业,如 软件、集成电路")
@click.option("--cert", "certs", multiple=True, help="资质与等级,如 \"DCMM三级 首次\"(可多次指定)")
@click.option("--product", "products", multiple=True, help="产品,如 首版次高端软件(可多次指定)")
@click.option("--plan", "plans", multiple=True, help="计划,如 上云、技术改造(可多次指定)")
@click.option("--size", type=click.Choice(["中小企业", "大型企业", "规模以上", "规模以下"]), help="企业规模")
@click.option("--branch", is_flag=True, help="分支机构(不具有独立法人资格)")
@click.option("--catalogue", is_flag=True, help="只列出支持政策目录")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def eligibility(description: str | None, index: Path | None, doc: str | None, industry: str | None,
                certs: tuple[str, ...], products: tuple[str, ...], plans: tuple[str, ...], size: str | None,
                branch: bool, catalogue: bool, as_json: bool) -> None:
    from app.incentives import build_catalogue, check_eligibility
    from app.ledger import LedgerError, select_documents

    try:
        docs = select_documents(_index_documents(index), doc)
    except LedgerError as ex:
        raise click.ClickException(ex.user_message) from ex
    if catalogue:
        entries = build_catalogue(docs)
        click.echo(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2) if as_json
                   else "\n".join(f"《{e.doc_title}》{e.ref}:{e.summary}  咨询:{e.contacts or '未写明'}" for e in entries))
        return
    form = {"description": description or "", "industry": industry, "certifications": list(certs),
            "products": list(products), "plans": list(plans), "size": size,
            "independent_legal_person": False if branch else None}
    try:
        report = check_eligibility(docs, form)
    except ValueError as ex:
        raise click.UsageError(str(ex)) from ex
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.format_text())


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
