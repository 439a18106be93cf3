"""Extractive answers: short Chinese sentences built only from verbatim pieces of clauses.

Nothing here invents text: departments, numbers and dates are copied from facts, which are
substrings of the clause. Each answer comes with the quotes it used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.departments import matches
from ingest.facts import is_table_row, split_sentences
from ingest.types import Clause, ClauseKind, Department, Document, Target

MAX_SHORT = 150  # lead, target and meta answers
MAX_CONTENT = 220


@dataclass(frozen=True, slots=True)
class Quote:
    clause: Clause
    text: str  # substring of clause.text


@dataclass(frozen=True, slots=True)
class Draft:
    answer: str
    quotes: tuple[Quote, ...]
    refused: bool = False


def clause_ref(clause: Clause) -> str:
    """"第8条「完善数据要素供给体系」", "第十条", "第三部分「实施数据价值化升级行动」"."""
    label = clause.label.strip()
    parent = re.match(r"^[（(][一二三四五六七八九十]+[)）]", clause.path[-2]) if len(clause.path) > 1 else None
    if clause.kind == ClauseKind.ARTICLE and label[:1].isdigit() and parent:
        ref = f"{parent.group(0)}{label}"  # work plans restart 1. 2. under each (一): say which one
    elif clause.kind == ClauseKind.ARTICLE and label[:1].isdigit():
        ref = f"第{clause.number}条"
    elif clause.kind == ClauseKind.CHAPTER and label.endswith(("、", ".", "．")):
        ref = f"第{label.rstrip('、.．')}部分"
    elif label in ("通知", "落款", "附注", ""):
        ref = {"通知": "印发通知", "落款": "落款", "附注": "文末", "": "前言"}[label]
        return ref
    else:
        ref = label
    title = clause.title
    if title and not title.startswith(("为", "根据")) and len(title) <= 40 and not ref.endswith(title):
        short = re.split(r"[,，;；]", title)[0]
        return f"{ref}「{short}」"
    return ref


Scorer = Callable[[str], float]


def best_sentences(clause_text: str, score: Scorer, n: int = 2, limit: int = MAX_CONTENT) -> list[str]:
    """The ``n`` highest-scoring sentences, in document order, within ``limit`` characters."""
    sentences = [s for s in split_sentences(clause_text) if len(s) > 4]
    ranked = sorted(range(len(sentences)), key=lambda i: score(sentences[i]), reverse=True)[:n]
    picked: list[str] = []
    total = 0
    for i in sorted(ranked):
        if total + len(sentences[i]) > limit and picked:
            break
        picked.append(sentences[i])
        total += len(sentences[i])
    return picked


# ---- lead ---------------------------------------------------------------------------------

def lead_answer(clause: Clause, score: Scorer, departments: Sequence[Department] | None = None) -> Draft:
    """Who is responsible for ``clause``, in the document's own words."""
    facts = clause.facts
    depts = departments if departments is not None else facts.departments
    if not depts:
        return Draft(f"{clause_ref(clause)}未写明责任部门。", (Quote(clause, _first_sentence(clause)),), refused=True)
    if any(d.duty for d in depts):
        return _duty_answer(clause, depts, score)
    phrase = facts.department_text
    if any(d.role == "lead" for d in depts):
        lead = "、".join(d.name for d in depts if d.role == "lead")
        partners = "、".join(d.name for d in depts if d.role == "partner")
        text = f"{clause_ref(clause)}由{lead}牵头" + (f",{partners}配合" if partners else "") + "。"
    else:
        # "责任单位：A，B" reads "由A，B负责", not "由责任单位：A，B负责".
        names = ";".join(_DUTY_LABEL_RE.sub("", line) for line in phrase.split("\n") if line)
        body = names if names.endswith(("负责", "落实")) else names + "负责"
        text = f"{clause_ref(clause)}由{body}。"
    quotes = [Quote(clause, q) for q in phrase.split("\n") if q]
    topic = best_sentences(clause.text, score, n=1)
    if topic and all(topic[0] not in q.text for q in quotes):
        quotes.insert(0, Quote(clause, topic[0]))
    return Draft(text, tuple(quotes))


_DUTY_LABEL_RE = re.compile(r"^(?:责任单位|责任部门|牵头单位|牵头部门|配合单位|配合部门|参与单位|协办单位)\s*[:：]\s*")


def _duty_answer(clause: Clause, depts: Sequence[Department], score: Scorer) -> Draft:
    """Running-text duties ("市大数据局负责…"): the duty sentence most relevant to the question."""
    duties = list(dict.fromkeys(d.duty for d in depts if d.duty))
    best = max(duties, key=score)
    names = [d.name for d in depts if d.duty == best]
    if "|" in best:  # a row of an indicator table
        row = next((t for t in clause.facts.targets if t.sentence == best), None)
        what = f"“{row.indicator}”指标" if row else "该指标"
        return Draft(f"根据{clause_ref(clause)},{what}的责任单位为{'、'.join(names)}。", (Quote(clause, best),))
    shown = re.sub(r"^第[一二三四五六七八九十百零〇\d]+条[\s\u3000]*", "", best)
    text = f"根据{clause_ref(clause)}," + _clip(shown, MAX_SHORT)
    if not any(n in text for n in names):
        text = f"根据{clause_ref(clause)},由{'、'.join(names)}负责。"
    return Draft(text, (Quote(clause, best),))


def _first_sentence(clause: Clause) -> str:
    s = split_sentences(clause.text)
    return s[0] if s else clause.text[:80]


def _clip(sentence: str, limit: int) -> str:
    s = sentence.rstrip("。;；")
    return (s if len(s) <= limit else s[: limit - 1] + "…") + "。"


# ---- target -------------------------------------------------------------------------------

def target_answer(clause: Clause, target: Target) -> Draft:
    """The piece of the target sentence that holds the value, number and unit as written,
    with the deadline when the sentence states one."""
    if target.display:
        # Cite the table's header row too: the years and column names come from it.
        header = _table_header(clause.text, target.sentence)
        quotes = ((Quote(clause, header),) if header else ()) + (Quote(clause, target.sentence),)
        return Draft(f"根据{clause_ref(clause)}:{target.display}。", quotes)
    piece = _window(target.sentence, target.value, 60)
    lead = f"{target.deadline}," if target.deadline and target.deadline not in piece else ""
    quote = target.sentence if lead else piece
    return Draft(f"根据{clause_ref(clause)}:{lead}{piece.rstrip('。;；')}。", (Quote(clause, quote),))


def _table_header(text: str, row: str) -> str:
    lines = text.split("\n")
    idx = next((i for i, ln in enumerate(lines) if ln.strip() == row.strip()), None)
    if idx is None:
        return ""
    while idx > 0 and is_table_row(lines[idx - 1]):
        idx -= 1
    return lines[idx].strip()


def _window(sentence: str, value: str, limit: int) -> str:
    """The comma-delimited part of a sentence that holds ``value`` (verbatim), or the whole
    sentence when it is short."""
    if len(sentence) <= limit // 2:
        return sentence.rstrip("。")
    parts = re.split(r"(?<=[,，;；。])", sentence)
    for i, p in enumerate(parts):
        if value in p:
            # "可以延长15个工作日" alone hides its condition: take in the parts before it.
            lo = i
            while lo > 0 and len("".join(parts[lo:i + 1])) < 20 and not re.search(r"\d", parts[lo - 1]):
                lo -= 1
            return "".join(parts[lo:i + 1]).strip().rstrip(",，;；。")
    return sentence[:limit]


# ---- content ------------------------------------------------------------------------------

def content_answer(clause: Clause, score: Scorer, whole: bool = False) -> Draft:
    """The most relevant sentences; for "第17条主要内容是什么" (``whole``) the clause's body."""
    if whole:
        heading = _heading_sentence(clause)
        picked = _fit([s for s in split_sentences(clause.text) if s.strip() != heading], 330)
    else:
        picked = best_sentences(clause.text, score, n=4, limit=300)
    if not picked:
        picked = [_first_sentence(clause)]
    heading = _heading_sentence(clause)
    shown = [_strip_heading(s, clause) for s in picked if s.strip() != heading]
    shown = [s for s in shown if s] or [_strip_heading(picked[0], clause)]
    body = "".join(s if s.endswith(("。", "；", ";")) else s + "。" for s in shown)
    body = re.sub(r"[；;]$", "。", body)
    return Draft(f"{clause_ref(clause)}:{body}", tuple(Quote(clause, s) for s in picked))


def _heading_sentence(clause: Clause) -> str:
    """"17.强化数据安全防护体系建设。" — the heading, which the answer's reference already names."""
    first = split_sentences(clause.text)
    return first[0].strip() if first and clause.title and clause.title in first[0] and len(first[0]) <= len(clause.label) + len(clause.title) + 2 else ""


def _strip_heading(sentence: str, clause: Clause) -> str:
    """Drop a leading "第十四条　" label from a sentence shown in an answer (quotes keep it)."""
    label = clause.label.strip()
    return sentence[len(label):].lstrip("\u3000 　") if label.startswith("第") and sentence.startswith(label) else sentence


def _fit(sentences: list[str], limit: int) -> list[str]:
    out, total = [], 0
    for s in sentences:
        if total + len(s) > limit and out:
            break
        out.append(s)
        total += len(s)
    return out


# ---- list ---------------------------------------------------------------------------------

def department_list_answer(doc: Document, name: str, clauses: Sequence[Clause], *, only: bool = False,
                           negated: bool = False, leading: bool = False) -> Draft:
    """Every clause whose responsibility line names ``name`` (alone, with ``only``; or the
    clauses it does not take part in, with ``negated``; with ``leading``, only where it leads or
    is responsible, not where it assists: "牵头哪些")."""
    named = [c for c in clauses if any(matches(name, d.name) and (not leading or d.role != "partner")
                                       for d in c.facts.departments)]
    if not named:
        return Draft(f"《{doc.title}》中没有写明由{name}负责的条款。", (), refused=True)
    # Show the document's own spelling (工信厅 → 省工业和信息化厅).
    name = next(d.name for d in named[0].facts.departments if matches(name, d.name))
    if negated:
        rest = [c for c in clauses if c not in named]
        if not rest:
            return Draft(f"{name}参与了全部{len(clauses)}项措施。", (), refused=False)
        return Draft(f"{name}未参与的有{len(rest)}项:" + "、".join(clause_ref(c) for c in rest) + "。",
                     tuple(Quote(c, c.facts.department_text.split("\n")[0]) for c in rest))
    hits = [c for c in named if len(c.facts.departments) == 1] if only else named
    rows = [c for c in hits if all(d.duty and "|" in d.duty for d in c.facts.departments if matches(name, d.name))]
    hits = [c for c in hits if c not in rows]
    # A task table's row names a task (its value is the deadline); an indicator table's an indicator.
    row_targets = [(c, t) for c in rows for t in c.facts.targets
                   if any(d.duty == t.sentence and matches(name, d.name) for d in c.facts.departments)]
    shown = "、".join([clause_ref(c) for c in hits]
                     + [f"{'任务' if t.value == t.deadline else '指标'}“{t.indicator}”" for _, t in row_targets])
    count = len(hits) + len(row_targets)  # table rows are items too, and are cited with their row
    verb = "牵头或负责" if leading else "参与"
    text = f"由{name}单独负责的有{count}项:{shown}。" if only else f"{name}{verb}{count}项:{shown}。"
    return Draft(text, tuple(Quote(c, c.facts.department_text.split("\n")[0]) for c in hits)
                 + tuple(Quote(c, t.sentence) for c, t in row_targets))


def facts_list_answer(doc: Document, clauses: Sequence[Clause], what: str) -> Draft:
    if not clauses:
        return Draft(f"《{doc.title}》中没有{what}的条款。", (), refused=True)
    shown = "、".join(clause_ref(c) for c in clauses)
    return Draft(f"{what}共{len(clauses)}项:{shown}。", tuple(Quote(c, _fact_quote(c)) for c in clauses))


def incentive_list_answer(doc: Document, clauses: Sequence[Clause], question: str) -> Draft:
    """Support measures named in the document; "哪些券" keeps only the vouchers."""
    pairs = [(c, i) for c in clauses for i in c.facts.incentives]
    if "券" in question:
        pairs = [(c, i) for c, i in pairs if "券" in i.benefit]
    if re.search(r"上限|最高|封顶", question):
        pairs = [(c, i) for c, i in pairs if i.cap]
        shown = "、".join(f"{i.benefit}({i.cap},{clause_ref(c)})" for c, i in pairs)
        return Draft(f"设有金额上限的支持政策:{shown}。", tuple(Quote(c, i.sentence) for c, i in pairs)) if pairs \
            else Draft("文件未写明设有上限的支持政策。", (), refused=True)
    named = [(c, i) for c, i in pairs if any(w in i.sentence for w in re.findall(r"一次性奖励|奖励|补助|补贴|券", question))]
    pairs = named or pairs
    if not pairs:
        return Draft(f"《{doc.title}》中没有找到相关的支持政策。", (), refused=True)
    shown = "、".join(f"{i.benefit}({clause_ref(c)})" for c, i in pairs)
    return Draft(f"文件提到的支持政策有:{shown}。", tuple(Quote(c, i.sentence) for c, i in pairs))


def _fact_quote(c: Clause) -> str:
    if c.facts.targets:
        return c.facts.targets[0].sentence
    if c.facts.incentives:
        return c.facts.incentives[0].sentence
    return _first_sentence(c)
