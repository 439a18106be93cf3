"""Text → clause tree: 第X章/第X节/第X条, 一、, (一), 1., (1), ①, plus notice, preamble,
signature and trailer units. Pure: no I/O, no models.

The numbering families are data (``GOV_DOC_RULES``), ordered by rank: a heading closes every
open node of the same or a deeper rank (ragflow ``Node.build_tree`` idea). A line only counts
as a heading when it continues its family's numbering (1, or the previous number + 1), so body
lines such as "11.5.14.2的试验" or "按第3条规定" stay body text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.dates import DATE_CN
from ingest.numerals import CHINESE_NUMERAL_CHARS, to_int
from ingest.types import Clause, ClauseKind, content_hash

_CN = f"[{CHINESE_NUMERAL_CHARS}]+"
_NUM = rf"(?:{_CN}|\d{{1,3}})"


@dataclass(frozen=True, slots=True)
class HeadingRule:
    family: str
    rank: int  # smaller = higher in the tree
    kind: ClauseKind
    pattern: re.Pattern[str]  # groups: label, numeral, rest of line


def _rule(family: str, rank: int, kind: ClauseKind, pattern: str) -> HeadingRule:
    return HeadingRule(family, rank, kind, re.compile(pattern))


GOV_DOC_RULES: tuple[HeadingRule, ...] = (
    _rule("part", 0, ClauseKind.CHAPTER, rf"^(第({_NUM})部分)[\s:：]*(.*)$"),
    _rule("chapter", 0, ClauseKind.CHAPTER, rf"^(第({_NUM})章)\s*(.*)$"),
    _rule("section", 1, ClauseKind.SECTION, rf"^(第({_NUM})节)\s*(.*)$"),
    _rule("cn_top", 2, ClauseKind.CHAPTER, rf"^(({_CN})[、．.])\s*(.*)$"),
    _rule("article", 3, ClauseKind.ARTICLE, rf"^(第({_NUM})条)(?![款项])\s*(.*)$"),
    _rule("paren_cn", 4, ClauseKind.ITEM, rf"^([（(]\s*({_CN})\s*[）)][、.．]?)\s*(.*)$"),
    # "1." / "1、" but not "1.5亿" or "11.5.14": the separator must not be followed by a digit.
    _rule("arabic", 5, ClauseKind.ARTICLE, r"^((\d{1,3})\s*[.．、](?![\d.．]))\s*(.*)$"),
    _rule("paren_arabic", 6, ClauseKind.ITEM, r"^([（(]\s*(\d{1,3})\s*[）)][、.．]?)\s*(.*)$"),
    _rule("circled", 7, ClauseKind.ITEM, r"^(([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]))\s*(.*)$"),
    # One-character forms of the same families, as Word's automatic numbering and some portals
    # write them: ㈠ is (一), ⒈ is 1., ⑴ is (1). Other symbols (Ⅰ, ａ.) stay body text.
    _rule("paren_cn_sym", 4, ClauseKind.ITEM, r"^(([\u3220-\u3229]))\s*(.*)$"),
    _rule("arabic_sym", 5, ClauseKind.ARTICLE, r"^(([\u2488-\u249b]))\s*(.*)$"),
    _rule("paren_arabic_sym", 6, ClauseKind.ITEM, r"^(([\u2474-\u2487]))\s*(.*)$"),
)

_NOTICE_RE = re.compile(r"关于(?:印发|转发|发布|公布)(?:《(.+?)》|(.+?))(?:的)?通知\s*$")
_DUTY_LINE_RE = re.compile(r"^(?:责任单位|责任部门|牵头单位|牵头部门|配合单位)\s*[:：]")
_DATE_LINE_RE = re.compile(rf"^\s*{DATE_CN}\s*$")  # a 落款 date in any written form ("2026年 4月 20 日" too)
_ORG_SUFFIX = r"(?:厅|局|委|办|办公室|政府|委员会|中心|院|会|部|署|处|公司|集团|总局|室)"
_ISSUER_LINE_RE = re.compile(rf"^\s*(?:[\u4e00-\u9fff（）()]{{2,25}}{_ORG_SUFFIX}\s*)+$")
_SIGNATURE_NOTE_RE = re.compile(r"^\s*[（(](?:此件|本件|联系人|联系电话)[^）)]*[）)]\s*$")
_TRAILER_RE = re.compile(r"(?:\.(?:pdf|docx?|wps|ofd|txt)\s*$)|^\s*抄送[:：]|^\s*.{2,30}\d{4}年\d{1,2}月\d{1,2}日印发\s*$", re.I)
# "附件" / "附件2" / "附件：任务分工表" alone on a line in the body starts an annex (often a table).
# Annexes are not numbered like the body's headings, so without this rule an annex's lines
# would become text of the body's last measure.
_ANNEX_RE = re.compile(r"^(附件\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})?)\s*[:：]?\s*(.{0,40})$")
ANNEX_LABEL_PREFIX = "附件"
_TITLE_CUT = 50  # a measure's title is the text before its first 。 when that is this short


@dataclass(slots=True)
class _Line:
    start: int
    end: int
    text: str  # stripped

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass(slots=True)
class _Node:
    kind: ClauseKind
    rank: int
    label: str
    number: int | None
    title: str
    start: int
    end: int = -1
    family: str = ""
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)


def parse_structure(text: str, doc_id: str, rules: Sequence[HeadingRule] = GOV_DOC_RULES) -> tuple[Clause, ...]:
    """Parse ``text`` into a pre-order tuple of clauses whose spans index into ``text``.

    :param text: the document text exactly as loaded.
    :param doc_id: id of the document, stored on every clause.
    :returns: clauses in document order; top-level ones have ``parent_id`` None.
    """
    lines = _split_lines(text)
    special, body_start, body_title = _special_blocks(lines)
    nodes = _build_tree(lines, special, body_start, body_title, rules)
    return _to_clauses(nodes, text, doc_id)


def _split_lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


def _special_blocks(lines: list[_Line]) -> tuple[list[_Node], int, str]:
    """Notice, signature and trailer units, the index of the body's first line and its title."""
    special: list[_Node] = []
    heads = [i for i, ln in enumerate(lines) if not ln.blank][:3]
    first = heads[0] if heads else 0
    body_start, body_title = first, ""
    # The notice heading may follow a line of issuers ("青岛市工业和信息化局　青岛市财政局").
    notice_line = next((i for i in heads if _NOTICE_RE.search(lines[i].text)), None)
    m = _NOTICE_RE.search(lines[notice_line].text) if notice_line is not None else None
    if m:
        body_title = m.group(1) or m.group(2)
        body_start = _find_title_line(lines, notice_line + 1, body_title)
        if body_start is not None:
            special.append(_Node(ClauseKind.NOTICE, -1, "通知", None, lines[notice_line].text,
                                 lines[first].start, _last_end(lines, first, body_start)))
        else:
            body_start, body_title = first, ""
    special += _signatures(lines)
    special += _trailer(lines)
    # A signature inside the notice is carved out of it below (_to_clauses trims overlaps).
    return special, body_start, body_title


def _find_title_line(lines: list[_Line], begin: int, title: str) -> int | None:
    want = _norm_quotes(title)
    for i in range(begin, len(lines)):
        if _norm_quotes(lines[i].text) == want:
            return i
    return None


def _norm_quotes(s: str) -> str:
    return re.sub(r"[“”\"'‘’「」《》\s]", "", s)


def _last_end(lines: list[_Line], begin: int, stop: int) -> int:
    """End offset of the last non-blank line in lines[begin:stop]."""
    for i in range(stop - 1, begin - 1, -1):
        if not lines[i].blank:
            return lines[i].end
    return lines[begin].end


def _signatures(lines: list[_Line]) -> list[_Node]:
    """落款 blocks: issuer lines, a date line, and notes such as (此件主动公开)."""
    out = []
    for i, ln in enumerate(lines):
        if not _DATE_LINE_RE.match(ln.text):
            continue
        first = i
        j = i - 1
        while j >= 0 and (lines[j].blank or _ISSUER_LINE_RE.match(lines[j].text)):
            if not lines[j].blank:
                first = j
            j -= 1
        last = i
        k = i + 1
        while k < len(lines) and (lines[k].blank or _SIGNATURE_NOTE_RE.match(lines[k].text)):
            if not lines[k].blank:
                last = k
            k += 1
        if first < i or last > i or i == len(lines) - 1 or _is_last_text(lines, i):
            out.append(_Node(ClauseKind.SIGNATURE, -1, "落款", None, ln.text, lines[first].start, lines[last].end))
    return out


def _is_last_text(lines: list[_Line], i: int) -> bool:
    return all(ln.blank for ln in lines[i + 1:])


def _trailer(lines: list[_Line]) -> list[_Node]:
    """Lines at the very end that are not content: file names, 抄送, 印发 lines."""
    idx = [i for i, ln in enumerate(lines) if not ln.blank]
    tail: list[int] = []
    for i in reversed(idx):
        if _TRAILER_RE.search(lines[i].text):
            tail.insert(0, i)
        else:
            break
    if not tail:
        return []
    return [_Node(ClauseKind.TRAILER, -1, "附注", None, lines[tail[0]].text, lines[tail[0]].start, lines[tail[-1]].end)]


def _build_tree(lines: list[_Line], special: list[_Node], body_start: int, body_title: str,
                rules: Sequence[HeadingRule]) -> list[_Node]:
    """Walk the body lines with a stack of open headings; returns all nodes in start order."""
    spans = [(n.start, n.end) for n in special]
    nodes: list[_Node] = list(special)
    stack: list[_Node] = []
    with_duty: set[int] = set()  # nodes a "责任单位:" line was read under
    last_seen: dict[str, int] = {}
    preamble: _Node | None = None
    last_body_end = 0
    for idx in range(body_start, len(lines)):
        ln = lines[idx]
        if ln.blank:
            continue
        if any(s <= ln.start < e for s, e in spans):
            # A signature or trailer ends every open heading.
            _close(stack, -1, last_body_end)
            continue
        annex = _ANNEX_RE.match(ln.text) if last_seen else None
        if annex:
            # An annex closes every open heading and is a top-level unit of its own.
            _close(stack, 0, last_body_end)
            title = annex.group(2).strip() or _annex_title(lines, idx + 1)
            node = _Node(ClauseKind.CHAPTER, 0, re.sub(r"\s+", "", annex.group(1)), None, title, ln.start,
                         family="annex")
            stack.append(node)
            nodes.append(node)
            last_body_end = ln.end
            continue
        head = _match_heading(ln.text, rules, stack, last_seen)
        if head is None and stack and _names_duty(ln.text):
            if _duty_line_closes(stack[-1], ln.text, with_duty):
                # "责任单位:…" after (1)(2)(3) points names who does the whole task, not point (3).
                _close(stack, stack[-1].rank, last_body_end)
            if stack:  # closing a top-level point leaves nothing open to credit the duty to
                with_duty.add(id(stack[-1]))
        if head is None:
            if not last_seen and preamble is None:
                preamble = _Node(ClauseKind.PREAMBLE, -1, "", None, body_title or ln.text, ln.start, ln.end)
                nodes.append(preamble)
            elif not last_seen and preamble is not None:
                preamble.end = ln.end
            last_body_end = ln.end
            continue
        rule, label, number, rest = head
        _close(stack, rule.rank, last_body_end)
        node = _Node(rule.kind, rule.rank, label, number, _title_of(rest), ln.start, family=rule.family)
        node.parent = stack[-1] if stack else None
        if node.parent:
            node.parent.children.append(node)
        stack.append(node)
        nodes.append(node)
        if _names_duty(ln.text):
            with_duty.add(id(node))
        last_seen[rule.family] = number
        last_body_end = ln.end
    _close(stack, -1, last_body_end)
    return sorted(nodes, key=lambda n: (n.start, n.rank))


# Who does a task: a "责任单位:" line, "(A牵头，B配合)" closing a paragraph, "此项工作由A负责".
_DUTY_TAIL_RE = re.compile(r"[（(][^（）()]{2,80}?(?:牵头|负责|配合|实施)[^（）()]{0,20}[）)]。?$|^此项工作由")


def _names_duty(line: str) -> bool:
    return bool(_DUTY_LINE_RE.match(line) or _DUTY_TAIL_RE.search(line))


def _duty_line_closes(node: _Node, line: str, with_duty: set[int]) -> bool:
    """Does a duty line after ``node`` belong to its parent? After (1) and ① points always (a
    bare "(A牵头…)" paragraph too); after "4." when none of 1.–3. named its own: one line
    closes the whole task."""
    if node.family in ("paren_arabic", "paren_arabic_sym", "circled"):
        return True
    siblings = node.parent.children[:-1] if node.parent else []
    return (node.family in ("arabic", "arabic_sym") and bool(_DUTY_LINE_RE.match(line)) and bool(siblings)
            and not any(id(s) in with_duty for s in siblings))


def _annex_title(lines: list[_Line], begin: int) -> str:
    """The line after a bare "附件" names the annex ("重点任务分工表"), unless it is a table row."""
    for ln in lines[begin:begin + 3]:
        if ln.blank:
            continue
        return ln.text if len(ln.text) <= _TITLE_CUT and "|" not in ln.text else ""
    return ""


def _match_heading(text: str, rules: Sequence[HeadingRule], stack: list[_Node],
                   last_seen: dict[str, int]) -> tuple[HeadingRule, str, int, str] | None:
    for rule in rules:
        m = rule.pattern.match(text)
        if not m:
            continue
        number = to_int(m.group(2))
        if number is None or not _continues(rule, number, stack, last_seen):
            continue
        rest = m.group(3).strip()
        if rule.family == "cn_top" and not rest:
            continue
        return rule, m.group(1).strip(), number, rest
    return None


def _continues(rule: HeadingRule, number: int, stack: list[_Node], last_seen: dict[str, int]) -> bool:
    """A heading must start its family's numbering or continue it (within the parent or globally)."""
    if number == 1:
        return True
    if last_seen.get(rule.family, 0) + 1 == number:
        return True
    siblings = [c for c in (stack[-1].children if stack else []) if c.family == rule.family]
    return bool(siblings) and siblings[-1].number is not None and siblings[-1].number + 1 == number


def _close(stack: list[_Node], rank: int, end: int) -> None:
    """Pop every open node whose rank is >= ``rank``; it ends at ``end`` (its last text)."""
    while stack and stack[-1].rank >= rank:
        stack.pop().end = end


def _title_of(rest: str) -> str:
    """Heading text: the whole line for a short heading, else the text before the first 。."""
    cut = rest.find("。")
    if 0 < cut <= _TITLE_CUT:
        return rest[:cut]
    if cut == -1 and len(rest) <= _TITLE_CUT * 2:
        return rest
    m = re.match(r"^(.{2,30}?)[,，;；:：]", rest)
    return m.group(1) if m else rest[:30]


def _crumb(node: _Node) -> str:
    """Short breadcrumb element, e.g. "三、实施数据价值化升级行动,…" or "8.完善数据要素供给体系"."""
    title = node.title
    if len(title) > 24:
        m = re.match(r"^(.{4,24}?)[,，;；:：]", title)
        title = (m.group(1) + ",…") if m else title[:24] + "…"
    return f"{node.label}{title}" if node.label not in ("通知", "落款", "附注", "") else (title or node.label)


def _to_clauses(nodes: list[_Node], text: str, doc_id: str) -> tuple[Clause, ...]:
    _trim_overlaps(nodes, text)
    ids: dict[int, str] = {}
    out: list[Clause] = []
    for n in nodes:
        if n.end <= n.start:
            continue
        cid = content_hash(f"{doc_id}:{n.start}:{n.end}:{n.label}")
        ids[id(n)] = cid
        path = tuple(_crumb(a) for a in _ancestry(n))
        level = len(path) - 1 if n.rank >= 0 else 0
        out.append(Clause(id=cid, doc_id=doc_id, kind=n.kind, label=n.label, number=n.number,
                          title=n.title, text=text[n.start:n.end], start=n.start, end=n.end,
                          level=level, parent_id=ids.get(id(n.parent)) if n.parent else None, path=path))
    return tuple(out)


def _ancestry(n: _Node) -> list[_Node]:
    chain = []
    cur: _Node | None = n
    while cur is not None:
        chain.append(cur)
        cur = cur.parent
    return list(reversed(chain))


def _trim_overlaps(nodes: list[_Node], text: str) -> None:
    """A signature inside the notice ends the notice's own span there (units never overlap)."""
    tops = sorted((n for n in nodes if n.rank < 0), key=lambda n: n.start)
    for a, b in zip(tops, tops[1:]):
        if a.end > b.start:
            a.end = a.start + len(text[a.start:b.start].rstrip())
