"""Write the evaluation report: ``report.json`` (all figures and every item) and a
self-contained ``report.html`` (tables, matplotlib charts inlined as base64 PNG, failure lists).

The HTML is rendered from the JSON data alone, so ``render_html(json.load(...))`` rebuilds it.
All document and answer text is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
import json
from html import escape
from pathlib import Path
from typing import Any

from eval.gold_set import TYPES

OURS = "policyqa"
LLM = "policyqa-llm"
_HEADLINE = (("accuracy", "accuracy"), ("answerable_accuracy", "answerable acc."), ("refusal_accuracy", "refusal acc."),
             ("false_refusal_rate", "false refusals"), ("hit_at_1", "hit@1"), ("hit_at_5", "hit@5"), ("mrr", "MRR@10"),
             ("citation_precision", "citation precision"), ("quote_validity", "quote validity"))
_CHART_METRICS = ("accuracy", "refusal_accuracy", "hit_at_1", "hit_at_5", "mrr", "citation_precision")
_COLORS = {"policyqa": "#c0392b", "policyqa-llm": "#8e44ad",
           "langchain": "#2e86c1", "chatchat": "#28b463", "bm25": "#b7950b"}
_CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
     margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .55em;vertical-align:top}th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.ours td{background:#fdf2f0;font-weight:600}
.pass{color:#1e8449;font-weight:700}.fail{color:#c0392b;font-weight:700}
.quote{color:#555;background:#f8f8f8;font-size:.92em}.small{color:#666;font-size:.85em}
img{max-width:100%}details{margin:.5em 0}
"""


def write_report(report: dict[str, Any], report_dir: Path) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``report_dir`` (created if needed)."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path = report_dir / "report.json"
    html_path = report_dir / "report.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


def render_html(report: dict[str, Any]) -> str:
    """The whole page as one string (no external files, scripts or fonts)."""
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<title>PolicyQA 评测报告</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>PolicyQA 评测报告 / evaluation report</h1>",
        f"<p class='small'>{escape(report.get('generated_at', ''))} · systems: "
        f"{escape(', '.join(report['systems']))} · gold: "
        f"{escape(', '.join(Path(p).name for p in report['gold_files']))} · settings: "
        f"{escape(json.dumps(report.get('settings', {}), ensure_ascii=False))}</p>",
        _check_html(report.get("check")),
    ]
    for group, per in report["results"].items():
        parts.append(_group_html(group, per, report["ratios"].get(group, {})))
    if report.get("generative"):
        parts.append(_generative_html(report["generative"], report["items"]))
    parts.append("<h2>Charts</h2>")
    parts += [_img(_chart_by_type(report)), _img(_chart_metrics(report)), _img(_chart_latency(report))]
    parts.append(_failures_html(report))
    if report.get("warnings"):
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in report["warnings"]) + "</ul>")
    parts.append(_definitions_html())
    parts.append("</body></html>")
    return "\n".join(parts)


# ---- tables --------------------------------------------------------------------------------------


def _check_html(check: dict[str, Any] | None) -> str:
    if not check:
        return ""
    if check["passed"]:
        return f"<p class='pass'>Thresholds met ({escape(', '.join(check['checked']) or 'none checked')}).</p>"
    return "<p class='fail'>Below threshold: " + escape("; ".join(check["failures"])) + "</p>"


def _group_html(group: str, per: dict[str, dict[str, Any]], ratios: dict[str, dict[str, Any]]) -> str:
    n = next(iter(per.values()))["n"]
    head = "".join(f"<th>{escape(h)}</th>" for _, h in _HEADLINE) + "<th>p50 ms</th><th>p95 ms</th>"
    rows = []
    for name, s in per.items():
        cells = "".join(f"<td class='n'>{_pct(s[k])}</td>" for k, _ in _HEADLINE)
        cells += f"<td class='n'>{_num(s['latency_p50_ms'])}</td><td class='n'>{_num(s['latency_p95_ms'])}</td>"
        rows.append(f"<tr class='{'ours' if name == OURS else ''}'><td>{escape(name)}</td>{cells}</tr>")
    out = [f"<h2>{escape(group)} <span class='small'>({n} questions)</span></h2>",
           f"<table><tr><th>system</th>{head}</tr>{''.join(rows)}</table>"]
    types = [t for t in TYPES if any(t in s["by_type"] for s in per.values())]
    trows = "".join(
        f"<tr class='{'ours' if name == OURS else ''}'><td>{escape(name)}</td>"
        + "".join(_type_cell(s["by_type"].get(t)) for t in types) + "</tr>" for name, s in per.items())
    out.append("<p>Accuracy by question type</p><table><tr><th>system</th>"
               + "".join(f"<th>{escape(t)}</th>" for t in types) + f"</tr>{trows}</table>")
    if ratios:
        keys = list(next(iter(ratios.values())))
        rrows = "".join(f"<tr><td>{escape(OURS)} ÷ {escape(b)}</td>"
                        + "".join(f"<td class='n'>{_times(r[k])}</td>" for k in keys) + "</tr>"
                        for b, r in ratios.items())
        out.append("<p>Ours as a multiple of each baseline (latency: above 1× means slower)</p><table><tr><th></th>"
                   + "".join(f"<th>{escape(k)}</th>" for k in keys) + f"</tr>{rrows}</table>")
    return "\n".join(out)


_SIDE = (("accuracy", "accuracy"), ("answerable_accuracy", "answerable acc."), ("refusal_accuracy", "refusal acc."),
         ("false_refusal_rate", "false refusals"), ("citation_precision", "citation precision"),
         ("quote_validity", "quote validity"))


def _generative_html(gen: dict[str, Any], items: dict[str, list[dict[str, Any]]]) -> str:
    """Extractive and generative on the same questions (a sample, when so labelled), what the
    generative answerer did, and every sampled question with both answers."""
    from eval.run import generation_lines

    out = [f"<h2>Generative mode side by side: {escape(gen['system'])} "
           f"<span class='small'>({escape(gen['model'] or 'no model')})</span></h2>"]
    if gen["status"] == "skipped":
        return "\n".join(out + [f"<p class='fail'>Skipped: {escape(gen['reason'] or '')}</p>"])
    sample = gen["sample"]
    if sample["per_set"]:
        counts = ", ".join(f"{escape(k)} {v} of {sample['of'][k]}" for k, v in sample["questions"].items())
        out.append(f"<p><b>Sample</b> of {sample['per_set']} questions per gold set ({counts}): "
                   f"{escape(sample['method'])}. {OURS} is scored on the same questions.</p>")
    out.append(f"<p class='small'>model loaded and first reply in {_num(gen.get('start_s'))} s · "
               f"settings {escape(json.dumps(gen.get('settings', {}), ensure_ascii=False))}</p>")
    head = "".join(f"<th>{escape(h)}</th>" for _, h in _SIDE) + "<th>p50 ms</th><th>p95 ms</th>"
    for group, per in gen["results"].items():
        n = per[LLM]["n"]
        total = sum(sample["of"].values()) if group == "all" else sample["of"].get(group, n)
        label = f"sample of {n} of {total} questions" if n < total else f"{n} questions"
        rows = "".join(
            f"<tr class='{'ours' if name == LLM else ''}'><td>{escape(name)}</td>"
            + "".join(f"<td class='n'>{_pct(s[k])}</td>" for k, _ in _SIDE)
            + f"<td class='n'>{_num(s['latency_p50_ms'])}</td><td class='n'>{_num(s['latency_p95_ms'])}</td></tr>"
            for name, s in per.items())
        lines = "".join(f"<li>{escape(line)}</li>" for line in generation_lines(gen["generation"][group]))
        out.append(f"<h3>{escape(group)} <span class='small'>({escape(label)})</span></h3>"
                   f"<table><tr><th>system</th>{head}</tr>{rows}</table><ul class='small'>{lines}</ul>")
    out.append(_generative_items_html(items))
    return "\n".join(out)


def _generative_items_html(items: dict[str, list[dict[str, Any]]]) -> str:
    extractive = {i["id"]: i for i in items.get(OURS, [])}
    rows = []
    for i in items.get(LLM, []):
        g = i.get("generation", {})
        e = extractive.get(i["id"], {})
        calls = "; ".join(f"{c['purpose']} {c['first_token_s']}/{c['total_s']} s"
                          + (f" ✗ {','.join(c['violations'])}" if c["violations"] else "") for c in g.get("calls", []))
        outcome = g.get("outcome", "") + (f": {g['fallback_reason']}" if g.get("fallback_reason") else "")
        rows.append(f"<tr><td>{escape(i['id'])}</td><td>{escape(i['question'])}</td>"
                    f"<td>{escape(e.get('answer', '')[:300])} {_mark(e)}</td>"
                    f"<td>{escape(i['answer'][:300])} {_mark(i)}</td><td>{escape(outcome)}</td>"
                    f"<td class='small'>{escape(calls)}</td></tr>")
    return ("<details><summary>Every question of the side by side</summary><table><tr><th>id</th><th>question</th>"
            f"<th>{OURS} (extractive)</th><th>{LLM}</th><th>outcome</th>"
            "<th>LLM calls (first token/total; ✗ = rejected by the guard)</th></tr>"
            + "".join(rows) + "</table></details>")


def _mark(i: dict[str, Any]) -> str:
    if not i:
        return ""
    if i["correct"]:
        return "<span class='pass'>✓</span>"
    return f"<span class='fail'>✗</span> <span class='small'>{escape(i['reason'])}</span>"


def _type_cell(t: dict[str, Any] | None) -> str:
    if not t:
        return "<td></td>"
    return f"<td class='n'>{_pct(t['accuracy'])} <span class='small'>{t['correct']}/{t['n']}</span></td>"


def _failures_html(report: dict[str, Any]) -> str:
    out = ["<h2>Failures</h2>"]
    for name, items in report["items"].items():
        failed = [i for i in items if not i["correct"]]
        table = _failure_table(failed)
        label = f"{name}: {len(failed)} of {len(items)} wrong"
        if name == OURS:
            out.append(f"<h3>{escape(label)}</h3>{table}")
        else:
            out.append(f"<details><summary>{escape(label)}</summary>{table}</details>")
    return "\n".join(out)


def _failure_table(failed: list[dict[str, Any]]) -> str:
    if not failed:
        return "<p>None.</p>"
    rows = []
    for i in failed:
        quotes = "<br>".join(f"「{escape(c['quote'][:300])}」" + ("" if c["precise"] else " <span class='small'>✗</span>")
                             for c in i["citations"][:3])
        rows.append(f"<tr><td>{escape(i['id'])}</td><td>{escape(i['type'])}</td><td>{escape(i['question'])}</td>"
                    f"<td>{escape(i['reason'])}</td><td>{escape(i['answer'][:600])}"
                    f"{' <b>[refused]</b>' if i['refused'] else ''}</td><td class='quote'>{quotes}</td>"
                    f"<td class='small'>{escape(i['expected'])}</td><td class='n'>{_rank(i)}</td></tr>")
    return ("<table><tr><th>id</th><th>type</th><th>question</th><th>why</th><th>answer given</th>"
            "<th>cited quote (✗ = outside the gold clause)</th><th>expected</th><th>rank</th></tr>"
            + "".join(rows) + "</table>")


def _rank(i: dict[str, Any]) -> str:
    if not i["retrieval_judged"]:
        return ""
    return str(i["rank"]) if i["rank"] else "&gt;10"


def _definitions_html() -> str:
    from eval import metrics

    return f"<h2>Definitions</h2><pre class='small'>{escape(metrics.__doc__ or '')}</pre>"


# ---- charts --------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.sans-serif": ["DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC"],
                         "axes.spines.top": False, "axes.spines.right": False, "font.size": 9})
    return plt


def _img(png: bytes) -> str:
    return f"<p><img alt='chart' src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'></p>"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _grouped_bars(ax, labels: list[str], series: dict[str, list[float | None]], title: str) -> None:
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(xs, [0 if v is None else 100 * v for v in values], width, label=name,
               color=_COLORS.get(name, f"C{k}"))
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=len(series), loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)


def _main_group(report: dict[str, Any]) -> str:
    return "all" if "all" in report["results"] else next(iter(report["results"]))


def _chart_by_type(report: dict[str, Any]) -> bytes:
    plt = _plt()
    group = _main_group(report)
    per = report["results"][group]
    types = [t for t in TYPES if any(t in s["by_type"] for s in per.values())]
    series = {name: [s["by_type"].get(t, {}).get("accuracy") for t in types] for name, s in per.items()}
    fig, ax = plt.subplots(figsize=(10, 3.8))
    _grouped_bars(ax, types, series, f"Accuracy by question type ({group})")
    return _png(fig)


def _chart_metrics(report: dict[str, Any]) -> bytes:
    plt = _plt()
    groups = list(report["results"])
    fig, axes = plt.subplots(1, len(groups), figsize=(max(6, 5 * len(groups)), 3.8), squeeze=False)
    for ax, group in zip(axes[0], groups):
        per = report["results"][group]
        series = {name: [s[m] for m in _CHART_METRICS] for name, s in per.items()}
        _grouped_bars(ax, ["acc", "refusal", "hit@1", "hit@5", "MRR", "cite"], series, f"By system: {group}")
    return _png(fig)


def _chart_latency(report: dict[str, Any]) -> bytes:
    plt = _plt()
    names = list(report["items"])[::-1]  # ours on top
    data = [[max(i["latency_ms"], 0.01) for i in report["items"][n]] for n in names]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.boxplot(data, tick_labels=names, orientation="horizontal", showfliers=True)
    ax.set_xscale("log")
    ax.set_xlabel("latency per question, ms (log scale)")
    ax.set_title("Latency distribution")
    return _png(fig)


# ---- formatting -------------------------------------------------------------------------------------


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def _times(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}×"
