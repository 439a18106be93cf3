"""Plain-text view of a parsed document, so a person can check the parse (policyqa show)."""

from __future__ import annotations

from ingest.types import Document


def render_tree(doc: Document) -> str:
    m = doc.meta
    lines = [f"《{doc.title}》 {doc.source}",
             f"  文号: {m.doc_number or '-'}  印发: {m.issue_date or '-'}  发布: {m.publish_date or '-'}",
             f"  发文机关: {'、'.join(m.issuers) or '-'}  条款数: {len(doc.clauses)}"]
    if m.effective_date or m.valid_until:
        lines.append(f"  施行: {m.effective_date or '-'}  有效期至: {m.valid_until or '-'}"
                     + ("  (施行期已过)" if m.is_expired() else ""))
    for c in doc.clauses:
        indent = "  " * (c.level + 1)
        lines.append(f"{indent}[{c.kind.value}] {c.label}{c.title[:40]}")
        f = c.facts
        if f.departments:
            shown = "、".join(d.name + ("(牵头)" if d.role == "lead" else "(配合)" if d.role == "partner" else "")
                             for d in f.departments)
            lines.append(f"{indent}    责任部门: {shown}")
        for t in f.targets:
            lines.append(f"{indent}    目标: {t.indicator} = {t.value}" + (f"({t.deadline})" if t.deadline else ""))
        for i in f.incentives:
            lines.append(f"{indent}    支持: {i.condition} → {i.benefit}" + (f" {i.amount}" if i.amount else ""))
    return "\n".join(lines)
