"""Facts per clause: responsible departments, numeric targets, incentives.

Every value is a verbatim piece of the clause text, so an answer built from facts can be
quoted and verified. Extraction runs on a clause's *own* text (without its children), so a
"责任单位:…" line belongs to the task it follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.departments import DEPARTMENT_RE, is_department
from ingest.types import ClauseFacts, Department, Incentive, Target

# ---- departments -----------------------------------------------------------------------

_PAREN_RE = re.compile(r"[（(]([^（()）\n]{2,160}?(?:负责|牵头|落实|配合))[)）][。.]?\s*$")
_LABELLED_RE = re.compile(
    r"(责任单位|责任部门|牵头单位|牵头部门|配合单位|配合部门|参与单位|协办单位)\s*[:：]\s*([^\n。;；]+)")
_LABEL_ROLE = {"牵头单位": "lead", "牵头部门": "lead", "配合单位": "partner", "配合部门": "partner",
               "参与单位": "partner", "协办单位": "partner"}
_SPLIT_RE = re.compile(r"[、,，;；/]|及(?=[\u4e00-\u9fff])|和(?=[省市区县])|与(?=[省市区县])")
_TAIL_RE = re.compile(r"(?:等)?(?:按分工|按照职责|按职责|分别|共同|按职责分工)?(?:负责|牵头|落实|配合)$")
_ROLE_MARK_RE = re.compile(r"^(.+?)[（(](牵头|配合|参与)[)）]$")
_ARTICLE_LABEL = r"(?:第[一二三四五六七八九十百零〇\d]+条[\s\u3000]*)?"
_DEPTS = rf"(?:{DEPARTMENT_RE.pattern})(?:[、和及](?:{DEPARTMENT_RE.pattern}))*"
# A department as the subject of a sentence ("市大数据局应当会同有关部门…", "第十七条　市大数据局负责…"),
# or after 由 ("由市大数据局责令限期改正").
_DUTY_RE = re.compile(
    rf"(?:^{_ARTICLE_LABEL}(?={_DEPTS}(?:应当|负责|会同|牵头|统筹|主管|组织|每年|依法|按照|依据|分别|根据))|由)({_DEPTS})"
    rf"(?:应当)?(?:会同((?:{DEPARTMENT_RE.pattern}|有关部门)(?:[、和及](?:{DEPARTMENT_RE.pattern}))*))?")


def extract_departments(text: str) -> tuple[tuple[Department, ...], str]:
    """Departments responsible for a clause and the verbatim phrase that names them."""
    m = _PAREN_RE.search(text.rstrip())
    if m:
        return _parse_list(m.group(1)), m.group(1)
    labelled = list(_LABELLED_RE.finditer(text))
    if labelled:
        depts: list[Department] = []
        for lm in labelled:
            depts += _parse_list(lm.group(2), default_role=_LABEL_ROLE.get(lm.group(1), "responsible"))
        return tuple(depts), "\n".join(lm.group(0).strip() for lm in labelled)
    return _running_text(text)


# "A牵头，B、C配合" / "A负责，B参与": each group of names ends with its own role word.
_ROLE_GROUP_RE = re.compile(r"(.+?)(?:等)?(?:按分工|按照职责|按职责分工|按职责|分别|共同)?(牵头|配合|参与|协同|负责)(?:[,，;；]|$)")
_GROUP_ROLE = {"牵头": "lead", "配合": "partner", "参与": "partner", "协同": "partner", "负责": "responsible"}


def _parse_list(phrase: str, default_role: str = "responsible") -> tuple[Department, ...]:
    """"省工业和信息化厅、省大数据局按分工负责" → two departments; "(牵头)" marks lead;
    "市工业和信息化局牵头，市财政局配合" → a lead and a partner (the role word ends each group)."""
    groups = _role_groups(phrase.strip())
    if groups:
        out: list[Department] = []
        for names, word in groups:
            role = _GROUP_ROLE[word]
            if role == "responsible" and any(w == "牵头" for _, w in groups):
                role = "partner"  # "A牵头，B等按职责分工负责": B works under A's lead
            out += _parse_list(names, default_role=role)
        return tuple(out)
    body = _TAIL_RE.sub("", phrase.strip())
    out: list[Department] = []
    lead_marked = "牵头" in body
    for part in _SPLIT_RE.split(body):
        part = part.strip().removesuffix("等").strip()
        role = default_role
        rm = _ROLE_MARK_RE.match(part)
        if rm:
            part, role = rm.group(1).strip(), {"牵头": "lead", "配合": "partner", "参与": "partner"}[rm.group(2)]
        elif lead_marked and default_role == "responsible":
            role = "partner"
        if part and (is_department(part) or is_department(re.sub(r"[（(][^）)]*[）)]$", "", part))):
            out.append(Department(part, role))
    return tuple(out)


def _role_groups(phrase: str) -> list[tuple[str, str]]:
    """Split "A牵头，B、C配合" into [("A", "牵头"), ("B、C", "配合")] when more than one group has
    its own role word; [] otherwise (a single "…负责" tail is handled by ``_TAIL_RE``)."""
    groups: list[tuple[str, str]] = []
    pos = 0
    for m in _ROLE_GROUP_RE.finditer(phrase):
        if m.start() != pos or not is_department(_SPLIT_RE.split(m.group(1).strip())[-1].strip().removesuffix("等")):
            return []
        groups.append((m.group(1).strip(), m.group(2)))
        pos = m.end()
    return groups if len(groups) > 1 and pos == len(phrase) else []


def _running_text(text: str) -> tuple[tuple[Department, ...], str]:
    """"市大数据局负责…;市网信办负责…" → each department with the sentence naming its duty."""
    out: list[Department] = []
    phrases: list[str] = []
    for sentence in split_sentences(text):
        for m in _DUTY_RE.finditer(sentence):
            for name in _SPLIT_RE.split(m.group(1)):
                if is_department(name):
                    out.append(Department(name.strip(), "lead" if m.group(2) else "responsible", sentence))
            for name in _SPLIT_RE.split(m.group(2) or ""):
                if is_department(name):
                    out.append(Department(name.strip(), "partner", sentence))
            phrases.append(sentence)
    return tuple(_dedupe(out)), "\n".join(dict.fromkeys(phrases))


def _dedupe(depts: Iterable[Department]) -> list[Department]:
    seen: dict[str, Department] = {}
    for d in depts:
        seen.setdefault(d.name, d)
    return list(seen.values())


# ---- sentences ---------------------------------------------------------------------------

_SENT_END_RE = re.compile(r"[^。;；!！?？\n]+[。;；!！?？]?")


def split_sentences(text: str) -> list[str]:
    """Verbatim sentences (each a substring of ``text``), split at 。;!? and line breaks."""
    return [s.strip() for s in _SENT_END_RE.findall(text) if s.strip()]


# ---- targets ----------------------------------------------------------------------------

_UNITS = ("万亿元", "亿元", "万元", "元", "亿个", "万个", "万台", "万家", "万户", "个工作日", "个月", "工作日", "小时", "天",
          "个", "万家", "家", "项", "座", "台", "套", "公里",
          "千米", "万人", "人", "人次", "次", "户", "%", "％", "倍", "万千瓦", "千瓦", "吨", "条", "所", "款",
          "名", "场", "批", "亿", "万", "个百分点", "GB", "Gbps", "M", "兆")
_VALUE_RE = re.compile(
    r"(?<![A-Za-z0-9.\-])(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
    + r")?(以上|左右|以内|以下|及以上)?(?![A-Za-z0-9年月日号])")
_TARGET_VERBS = ("力争", "达到", "突破", "超过", "提高到", "提升到", "提高至", "增长", "增幅", "不少于", "不低于",
                 "新建", "新培育", "培育", "新认定", "新开通", "建设", "打造", "推广", "遴选", "完成", "建成",
                 "累计", "开展", "推动", "孵化", "创建", "新创建", "新上线", "部署", "控制在", "实现", "覆盖")
_DEADLINE_RE = re.compile(r"(?:到|至|截至)?\d{4}年(?:\d{1,2}月)?(?:底|末|年底|中|前|以前)?(?:前)?")
_SEGMENT_RE = re.compile(r"[^,，、;；。:：]+")
_FILLER_RE = re.compile(r"^(?:力争|确保|推动|其中|全省|全年|实现|新|累计|到|达到)+")


def extract_targets(text: str) -> tuple[Target, ...]:
    """Quantified targets in ``text``: one per number with a unit (or 左右/以上) in a target sentence."""
    out: list[Target] = []
    for sentence in split_sentences(text):
        if "|" in sentence:
            continue  # indicator tables: see table_facts
        deadline = _deadline(sentence)
        incentive_sentence = bool(re.search(r"给予|奖励|补助|补贴|奖补|资助", sentence))
        out += _chinese_count_targets(sentence, deadline)
        verb = ""
        for seg in _SEGMENT_RE.finditer(sentence):
            seg_text = seg.group(0)
            verb = next((v for v in _TARGET_VERBS if v in seg_text), verb)
            for vm in _VALUE_RE.finditer(seg_text):
                if not (vm.group(2) or vm.group(3)) or _is_not_a_target(seg_text, vm):
                    continue
                if incentive_sentence and (vm.group(2) or "").endswith(("元", "%", "％")):
                    continue  # a subsidy's amount or rate, kept with the incentive instead
                out.append(Target(sentence, _indicator(seg_text, vm, verb), vm.group(0).strip(), deadline, verb))
    return tuple(out)


_CN_COUNT_RE = re.compile(r"“?[百千万]”?余(?:家|个|项)")


def _chinese_count_targets(sentence: str, deadline: str) -> list[Target]:
    """"培育“百”余家省级数字经济园区": counts written in Chinese numerals."""
    out = []
    for seg in _SEGMENT_RE.finditer(sentence):
        m = _CN_COUNT_RE.search(seg.group(0))
        if m:
            after = seg.group(0)[m.end():].strip()
            out.append(Target(sentence, after or seg.group(0), m.group(0), deadline, ""))
    return out


def _deadline(sentence: str) -> str:
    m = _DEADLINE_RE.search(sentence)
    return m.group(0) if m and ("底" in m.group(0) or "前" in m.group(0) or "末" in m.group(0) or m.group(0).startswith(("到", "至"))) else ""


def _is_not_a_target(seg: str, vm: re.Match[str]) -> bool:
    after = seg[vm.end():vm.end() + 1]
    # "第8条", "3个工作日内" are references and procedural limits, not targets.
    return seg[max(0, vm.start() - 1):vm.start()] == "第" or after in ("条", "章", "款")


def _indicator(seg: str, vm: re.Match[str], verb: str) -> str:
    """"新开通5G基站6万个" → "5G基站"; "力争软件业务收入突破8500亿元" → "软件业务收入"."""
    after = seg[vm.end():].strip()
    if len(re.sub(r"[^\u4e00-\u9fff]", "", after)) >= 2 and vm.group(2) not in ("%", "％", "亿元", "万元", "万亿元"):
        return after.strip("“”\"")
    before = seg[:vm.start()]
    for v in _TARGET_VERBS + ("提高", "提升", "为", "是"):
        idx = before.rfind(v)
        if idx > 0:
            before = before[:idx]
            break
    before = _DEADLINE_RE.sub("", before)
    return _FILLER_RE.sub("", before.strip()).strip("“”\" ") or after or seg.strip()


# ---- incentives -------------------------------------------------------------------------

_BENEFIT_WORDS = ("补贴", "奖励", "补助", "奖补", "保险补偿", "贴息", "资助", "扶持", "服务券", "流量券", "创新券",
                  "券", "减免", "优先", "一次性奖励", "资金支持", "担保")
_DUI_RE = re.compile(r"对([^。;；]{2,80}?)(?:,|，)?(?:分别)?(?:按[^。;；,，]{0,30}?)?给予([^。;；,，]{1,40})")
_AMOUNT_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:万亿元|亿元|万元|元|%|％)")
_CAP_RE = re.compile(r"(?:最高|最多|单个[^,，。;；]{0,8}最高|累计最高)(?:不超过|可达|给予)?\s*\d+(?:\.\d+)?\s*(?:亿元|万元|元)")


def extract_incentives(text: str) -> tuple[Incentive, ...]:
    """Support measures: "对X给予Y" and other benefit sentences, with amounts and caps as written."""
    out: list[Incentive] = []
    for sentence in split_sentences(text):
        if not any(w in sentence for w in _BENEFIT_WORDS):
            continue
        condition, benefit = _condition_benefit(sentence)
        if not benefit or (len(condition) < 2 and "券" not in benefit):
            continue
        cap = _CAP_RE.search(sentence)
        # Amounts in the condition ("投资额在500万元以上的") are thresholds, not the benefit.
        marked = f"对{condition}"
        after = sentence[sentence.find(marked) + len(marked):] if condition and marked in sentence else sentence
        amounts = [a for a in _AMOUNT_RE.findall(after) if not cap or a not in cap.group(0)]
        out.append(Incentive(sentence, condition, benefit, amounts[0] if amounts else "", cap.group(0) if cap else ""))
    return tuple(out)


def _condition_benefit(sentence: str) -> tuple[str, str]:
    m = _DUI_RE.search(sentence)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    quoted = re.search(r"“([^”]*券)”", sentence)
    if quoted:
        return sentence[:quoted.start()].strip("“”,， "), quoted.group(1)
    for w in _BENEFIT_WORDS:
        idx = sentence.find(w)
        if idx >= 0:
            start = max(sentence.rfind(c, 0, idx) for c in ",，、") + 1
            before = sentence[:start].strip(",，、 ")
            # "按设备投资额的10%给予补助": the condition is the phrase before the benefit.
            return (before or sentence[start:idx].removesuffix("给予").strip()), sentence[start:idx + len(w)].strip()
    return "", ""


# ---- indicator tables ---------------------------------------------------------------------

# Markdown/.txt tables are written "| a | b |"; the .docx and .html loaders write a row as
# "a | b | c" (cells joined by " | ", no outer bars). Both are table rows.
_ROW_RE = re.compile(r"^\s*\|.*\|\s*$|^[^|\n]*\S\s+\|\s+\S")
_SEPARATOR_RE = re.compile(r"^[\s|:：\-—]+$")


def is_table_row(line: str) -> bool:
    """Whether ``line`` is a table row in any loader's spelling ("| a | b |" or "a | b")."""
    return bool(_ROW_RE.match(line))


def table_facts(text: str) -> tuple[list[Target], list[Department]]:
    """Rows of "| 指标 | 2022年基数 | 2023年目标 | 责任单位 |" tables: one target per row (value from
    the 目标 column) and the row's responsible units (duty = the row, so a lead answer can cite it).
    Task-assignment tables ("序号 | 重点任务 | 责任单位 | 完成时限") give one target per row whose
    value is the deadline."""
    targets: list[Target] = []
    depts: list[Department] = []
    header: list[str] | None = None
    for line in text.split("\n"):
        if not _ROW_RE.match(line):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if _SEPARATOR_RE.match(line):
            continue
        if header is None:
            header = cells
            continue
        t, d = _row_facts(header, cells, line.strip())
        targets += t
        depts += d
    return targets, depts


def _column(header: list[str], *words: str) -> int | None:
    return next((i for i, h in enumerate(header) if any(w in h for w in words)), None)


def _row_facts(header: list[str], cells: list[str], row: str) -> tuple[list[Target], list[Department]]:
    if len(cells) != len(header):
        return [], []
    ind = _column(header, "指标", "名称", "项目", "内容", "任务", "事项", "工作")
    goal = _column(header, "目标", "预期", "计划")
    duty = _column(header, "责任单位", "责任部门", "牵头单位", "牵头部门", "主管部门", "主管单位", "实施单位", "负责单位",
                   "负责部门", "责任")
    due = _column(header, "时限", "完成时间", "时间节点", "截止")
    ind = ind if ind is not None else next((i for i, c in enumerate(cells) if re.search(r"[\u4e00-\u9fff]", c)), 0)
    targets = []
    if goal is None and due is not None and cells[due] and due != ind:
        # The deadline is what such a row fixes; the task names what is due.
        targets.append(Target(row, cells[ind], cells[due], cells[due], "", f"{cells[ind]}:{header[due]}{cells[due]}"))
    if goal is not None and re.search(r"\d", cells[goal]):
        year = re.search(r"\d{4}年", header[goal])
        shown = ",".join(f"{h}{c}" for i, (h, c) in enumerate(zip(header, cells))
                         if c and i not in (ind, duty) and not re.fullmatch(r"序号|编号|\d+", h or c))
        targets.append(Target(row, cells[ind], cells[goal], year.group(0) if year else "", "",
                              f"{cells[ind]}:{shown}"))
    depts = []
    if duty is not None:
        # A cell may hold several paragraphs (joined by spaces by the loader): one name each.
        for part in re.split(rf"{_SPLIT_RE.pattern}|\s+", cells[duty]):
            if part.strip() and is_department(part.strip()):
                depts.append(Department(part.strip(), "responsible", row))
    return targets, depts


def extract_facts(own_text: str) -> ClauseFacts:
    """All facts of one clause's own text."""
    depts, phrase = extract_departments(own_text)
    table_targets, table_depts = table_facts(own_text)
    if table_depts:
        depts = tuple(depts) + tuple(table_depts)
        phrase = "\n".join(p for p in (phrase, *dict.fromkeys(d.duty for d in table_depts)) if p)
    return ClauseFacts(departments=tuple(depts), department_text=phrase,
                       targets=extract_targets(own_text) + tuple(table_targets),
                       incentives=extract_incentives(own_text))
