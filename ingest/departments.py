"""Department names: recognising them in text, and the alias table users type.

Domain knowledge as data: users write 工信厅 or 大数据局 where the document says
省工业和信息化厅 or 省大数据局. Answers always show the document's own spelling; the
canonical form is only used to match.
"""

from __future__ import annotations

import re

# alias → canonical name. Canonical names are the provincial (省) forms used in Shandong
# documents; a document that says 市大数据局 keeps its own name (see ``canonical``).
ALIASES: dict[str, str] = {
    "工信厅": "省工业和信息化厅",
    "省工信厅": "省工业和信息化厅",
    "工业和信息化厅": "省工业和信息化厅",
    "山东省工业和信息化厅": "省工业和信息化厅",
    "大数据局": "省大数据局",
    "山东省大数据局": "省大数据局",
    "网信办": "省委网信办",
    "省网信办": "省委网信办",
    "委网信办": "省委网信办",
    "发改委": "省发展改革委",
    "省发改委": "省发展改革委",
    "发展改革委": "省发展改革委",
    "发展和改革委员会": "省发展改革委",
    "通管局": "省通信管理局",
    "通信管理局": "省通信管理局",
    "省通管局": "省通信管理局",
    "科技厅": "省科技厅",
    "农业农村厅": "省农业农村厅",
    "农业厅": "省农业农村厅",
    "商务厅": "省商务厅",
    "财政厅": "省财政厅",
    "工信局": "市工业和信息化局",
    "市工信局": "市工业和信息化局",
    "数据局": "大数据局",
}

# 分行/支行: the central bank's local branches (人民银行潍坊市分行) share duties in many plans.
_ORG_SUFFIXES = ("办公厅", "委员会", "办公室", "管理局", "领导小组", "人民政府", "政府", "中心",
                 "厅", "局", "委", "办", "院", "会", "部", "署", "集团", "公司", "银行", "分行", "支行")
_PREFIX = r"(?:省委|省|市委|市|区|县|自治区|州|[\u4e00-\u9fff]{2,4}(?:省|市|区|县))"
_NAME = rf"{_PREFIX}[\u4e00-\u9fff]{{1,14}}?(?:{'|'.join(_ORG_SUFFIXES)})"
DEPARTMENT_RE = re.compile(_NAME)
# Groups the text treats as a responsible party without an organisation suffix.
_GROUP_WORDS = ("有关市", "各市", "各区县", "各区(市)", "有关部门", "各有关部门", "各县(市、区)")
# "各基础电信企业", "有关金融机构", "各县市区": parties named as a group, without an organisation suffix.
_GROUP_RE = re.compile(r"(?:各|有关|相关)[\u4e00-\u9fff（）()]{0,8}?"
                       r"(?:企业|单位|部门|机构|高校|院校|园区|开发区|管委会|县市区|区市|区县|市|县|区)")


def canonical(name: str) -> str:
    """Canonical key for matching: alias table first, then the name as written."""
    name = name.strip()
    return ALIASES.get(name, name)


def is_department(name: str) -> bool:
    """Whether ``name`` looks like an organisation or a group such as 有关市."""
    name = name.strip()
    if name in _GROUP_WORDS or name in ALIASES or _GROUP_RE.fullmatch(name):
        return True
    return bool(DEPARTMENT_RE.fullmatch(name)) or name.endswith(_ORG_SUFFIXES) and 2 <= len(name) <= 20


def matches(query_name: str, doc_name: str) -> bool:
    """Does a name the user typed refer to a department named in a document?

    工信厅 ~ 省工业和信息化厅; 大数据局 ~ 省大数据局 and 市大数据局; 省大数据局 !~ 市大数据局.
    """
    q, d = canonical(query_name), canonical(doc_name)
    if q == d:
        return True
    bare_q, bare_d = _strip_level(q), _strip_level(d)
    if bare_q != bare_d:
        return False
    # A user who names no level (大数据局) means any level; one who names a level means that one.
    # The alias table resolves bare names to the provincial form (大数据局 → 省大数据局), so the
    # level test looks at what the user typed: in a city's document 大数据局 is 市大数据局.
    typed = query_name.strip()
    return q == bare_q or d == bare_d or typed == _strip_level(typed)


def document_spelling(text: str) -> str:
    """``text`` with each alias written as documents write it, without the level: "材料报到市工信局"
    → "材料报到工业和信息化局" (one pass, longest alias first, so 数据局 inside 大数据局 stays)."""
    return _ALIAS_RE.sub(lambda m: _strip_level(ALIASES[m.group(0)]), text)


_ALIAS_RE = re.compile("|".join(sorted(map(re.escape, ALIASES), key=len, reverse=True)))


def _strip_level(name: str) -> str:
    return re.sub(r"^(?:省委|省|市委|市)", "", name)


def find_in_text(text: str) -> list[str]:
    """Every alias or department-looking name in ``text`` (e.g. a question), longest first."""
    found = [a for a in ALIASES if a in text]
    found += [m.group(0) for m in DEPARTMENT_RE.finditer(text)]
    out: list[str] = []
    for name in sorted(set(found), key=len, reverse=True):
        if not any(name in longer for longer in out):
            out.append(name)
    return out
