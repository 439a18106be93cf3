"""Question understanding: intent, clause references, departments, years. Rules as data."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.meta import OTHER_VALIDITY_RE, VALIDITY_WORDS
from ingest.departments import find_in_text
from ingest.numerals import CHINESE_NUMERAL_CHARS, to_int

# Checked in this order; the first family with a hit wins.
_INTENT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("list", ("哪些措施", "措施有哪些", "任务有哪些", "规定了哪些", "哪些奖补", "哪些补贴", "哪些奖励", "哪些支持", "哪些政策", "哪几大", "包括哪些",
              "列一下", "罗列", "时间节点", "哪些以", "哪几章", "哪几类", "哪些行为", "哪些情形", "哪些时间节点", "不参与的", "没有参与", "没参与", "哪些券", "哪些“券”", "分别是什么", "哪几个行动", "哪些行动", "哪些任务", "哪几条", "哪几项", "哪些条", "哪些方面", "哪些工作", "参与了哪些", "参与哪些",
              "负责哪些", "牵头哪些", "涉及哪些", "列出", "列举", "所有措施", "全部措施", "哪些条款", "哪些事项")),
    ("meta", ("文号", "发文字号", "字号", "发布时间", "发布日期", "印发时间", "印发日期", "成文日期", "什么时候印发",
              "什么时候发布", "哪天发布", "哪天印发", "发文单位", "发文机关", "印发单位", "联合印发", "哪些部门联合", "全称", "几大", "发给谁", "主送", "下发给", "依据哪些", "上位", "牵头发文", "哪个单位印发", "哪个部门印发", "谁印发", "谁发布", "哪个单位发布", "由谁印发",
              "哪些单位联合", "标题", "文件名", "叫什么", "几个部分", "多少个部分", "几部分", "多少条", "几条", "多少项措施",
              "几项措施", "多少措施", "几个方面", "施行日期", "什么时候施行", "何时施行", "开始施行", "开始执行", "起施行", "哪天施行", "开始实施", "起实施", "生效", "哪一年发布",
              "发的文", "谁发的", "单位发的", "部门发的", "机关发的")),
    ("eligibility", ("算不算", "属不属于", "够不够", "能不能", "能否", "可不可以", "可以申请", "能申请", "申请", "申报", "符合条件", "有没有补贴",
                     "享受", "资格", "能补", "可以补", "也能补", "能享受", "补多少", "最多补", "多少奖励", "奖励多少", "奖励给谁", "我们公司", "我们企业", "我公司", "我司", "我们", "企业可以", "能拿", "能获得",
                     "可以获得", "能得到", "补贴吗", "奖励吗", "支持吗")),
    ("lead", ("谁负责", "谁牵头", "负责吗", "参与吗", "管吗", "牵头吗", "负责的吗", "哪个厅", "哪个局", "哪个委", "哪个办",
              "in charge", "responsible", "哪个部门", "哪些部门", "哪家单位", "哪个单位", "哪些单位", "责任单位", "牵头单位",
              "牵头部门", "责任部门", "归谁", "谁管", "谁来", "由谁", "主管部门", "负责部门", "找谁", "联系哪个",
              "谁主抓", "谁抓", "负责单位", "who")),
    ("target", ("目标", "多少", "达到", "突破", "增幅", "增长", "比重", "指标", "几个", "几家", "数量", "规模", "覆盖率",
                "多大", "要求是", "计划建设", "要建", "新建", "新增", "截止", "期限", "什么时候完成", "何时完成",
                "时间节点", "以内", "几日", "几天", "多长时间", "多久", "期限", "几个工作日", "多少小时", "几小时", "保存多久", "how many", "target")),
    ("content", ("内容", "做什么", "干什么", "怎么做", "如何", "怎样", "包括", "包含", "主要", "举措", "措施是", "讲了",
                 "说了", "要求", "规定", "是什么", "什么是", "哪些", "介绍", "概括", "总结")),
)

_INCENTIVE_WORDS = ("补贴", "奖励", "补助", "奖补", "补偿", "券", "贴息", "资助", "扶持", "优惠", "资金")
_REF_PATTERNS = (
    ("article", re.compile(rf"第\s*([0-9]+|[{CHINESE_NUMERAL_CHARS}]+)\s*条")),
    ("article", re.compile(r"(?:措施|任务|条目)\s*([0-9]+)")),
    ("article", re.compile(r"(?<![0-9.])([0-9]{1,2})\s*[.．、]?\s*号?(?:措施|任务)")),
    ("chapter", re.compile(rf"第\s*([0-9]+|[{CHINESE_NUMERAL_CHARS}]+)\s*(?:部分|章|大项|方面)")),
    ("item", re.compile(rf"[（(]\s*([{CHINESE_NUMERAL_CHARS}]+)\s*[)）]")),
)
_YEAR_RE = re.compile(r"(20\d{2})\s*年")
_FOLLOW_UP_RE = re.compile(r"^(?:那|那么|还有|另外|此外|它|这|该|其|这个|这条|该条|上述|以上|刚才|同样)|"
                           r"(?:它的|其的|这条|该措施|这项|该项|它们|这个措施|那条|呢[?？]?$)")


@dataclass(frozen=True, slots=True)
class ClauseRef:
    kind: str  # article | chapter | item
    number: int


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the answerers see it."""

    text: str  # normalised question
    intent: str
    refs: tuple[ClauseRef, ...]
    departments: tuple[str, ...]  # names as the user typed them
    years: tuple[int, ...]
    about_incentive: bool
    follow_up: bool
    scope: tuple[str, ...] = ()  # document ids the user limited the question to


# Words a question uses for what the text says differently (收费? → 免费/费用).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "收费": ("免费", "费用", "收取"),
    "多久": ("日内", "工作日", "小时", "每年", "每季度"),
    "钱": ("资金", "补贴", "奖励"),
    "网站": ("平台", "渠道"),
    "个人": ("自然人",),
    "科研": ("科学研究",),
    "造假": ("虚假", "弄虚作假", "虚报"),
    "不给": ("不予",),
    "还贷": ("偿还债务",),
    "还贷款": ("偿还债务",),
    "从哪出": ("来源于",),
}


def normalise(question: str) -> str:
    """NFKC folds full-width letters/digits (ＤＣＭＭ → DCMM); whitespace collapsed."""
    q = unicodedata.normalize("NFKC", question)
    q = "".join(ch for ch in q if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", q).strip()


_TIME_ASKED_RE = re.compile(r"多久|多长时间|几个工作日|多少个工作日|几天|期限")


# "都有哪些一次性奖励?" / "有哪些财政补贴?": a few words may stand between 哪些 and what is listed.
_LIST_RE = re.compile(r"哪些[\u4e00-\u9fff“”]{0,6}?(?:奖励|补贴|补助|奖补|支持政策|政策措施|扶持政策)")
# "还能申报吗?" / "可以申请吗?": asking whether one may apply is an eligibility question even
# when the question names no benefit (the conditions to apply answer it).
_MAY_APPLY_RE = re.compile(r"(?:能|可以|可否|能不能|可不可以|还能|还可以)(?:以[\u4e00-\u9fff]{1,8}?(?:名义|身份))?(?:再)?(?:申报|申请|报(?![销告送备道表])|揭榜|参加|参与申报)"
                           r"[\u4e00-\u9fff“”]{0,8}?(?:吗|么|嘛|[?？]|$)")


# "2024年8月底前要完成什么?": what is due by a date is a list of tasks.
_DUE_WHAT_RE = re.compile(r"(?:\d{1,2}月|年)(?:底|末)前?.{0,6}(?:完成|做|干|落实)(?:什么|哪些|啥)")


# "市政务服务中心牵头的活有哪些?" / "网信办管哪些事?": what a named department does is a list.
_DEPT_LIST_RE = re.compile(r"(?:牵头|负责|参与|配合|管)(?:的)?[^?？。,，]{0,6}?(?:有哪些|哪些|哪几|什么事|啥事)")


# "支持哪几个方向?" / "哪些情况不给支持?": which items of a list, not how many.
_WHICH_KINDS_RE = re.compile(r"哪(?:几|些)(?:个|项|类|种)?(?:方向|领域|情形|情况|条件|要求|行为)")


def classify(text: str) -> str:
    lowered = text.lower()
    if _DUE_WHAT_RE.search(lowered):
        return "list"
    if _DEPT_LIST_RE.search(lowered) and find_in_text(text):
        return "list"
    if _WHICH_KINDS_RE.search(lowered):
        return "list"
    if _LIST_RE.search(lowered) and not re.search(r"多少|几", lowered.split("哪些")[0]):
        return "list"
    if any(w in lowered for w in VALIDITY_WORDS) and not OTHER_VALIDITY_RE.search(lowered):
        return "meta"  # "政策到期后还能申报吗?" is answered by the document's 有效期
    if _MAY_APPLY_RE.search(lowered) and not _TIME_ASKED_RE.search(lowered):
        return "eligibility"
    for intent, words in _INTENT_WORDS:
        if any(w in lowered for w in words):
            if intent == "eligibility" and (not _looks_eligibility(lowered) or _TIME_ASKED_RE.search(lowered)):
                continue  # "企业申请…多久能得到答复" asks for a time limit, not for eligibility
            return intent
    return "other"


def _looks_eligibility(q: str) -> bool:
    """"申请" alone is not enough: the question must be about a benefit or a condition."""
    return any(w in q for w in _INCENTIVE_WORDS + ("补吗", "能补", "可以补", "也能补", "补多少", "最多补")) or \
        any(w in q for w in ("资格", "我们", "我司", "公司", "企业"))


def parse_refs(text: str) -> tuple[ClauseRef, ...]:
    refs = []
    for kind, pattern in _REF_PATTERNS:
        for m in pattern.finditer(text):
            n = to_int(m.group(1))
            if n is not None and 0 < n < 1000:
                refs.append(ClauseRef(kind, n))
    return tuple(dict.fromkeys(refs))


def understand(question: str) -> Query:
    text = normalise(question)
    return Query(text=text, intent=classify(text), refs=parse_refs(text), departments=tuple(find_in_text(text)),
                 years=tuple(int(y) for y in _YEAR_RE.findall(text)),
                 about_incentive=any(w in text for w in _INCENTIVE_WORDS),
                 follow_up=bool(_FOLLOW_UP_RE.search(text)) and len(text) <= 30)
