"""Understand a question once: its parts (sub-questions), what each part asks for (facets) and
the references it names. Pure: no index, no model; unit-tested question → understanding.

    >>> q = understand("补贴标准是多少?最长补几个月?")
    >>> [sorted(p.facets) for p in q.parts]
    [['money', 'number'], ['duration', 'number']]
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_FILE = Path(__file__).with_name("lexicon.json")

# What a part asks for: facet → (cue in the question, what a sentence holding the answer shows).
# Facets marked strict in STRICT are answered only by a sentence that shows them: asked for an
# amount, a sentence without one is not the answer, however many words it shares.
_MONEY = r"\d[\d,，.]*\s*(?:万|亿|千)?元|[一二三四五六七八九十百千两]+(?:万|亿)?元|\d+(?:\.\d+)?\s*(?:万|亿)(?!人|户|家|个)"
_RATE = r"\d+(?:\.\d+)?\s*[%％‰]|百分之|[一二三四五六七八九]成|\d+(?:\.\d+)?倍|[一二三四五六七八九十]倍"
_DATE = (r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年"
         r"|[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|月底|年底|日前|之日起|次月")
_DURATION = (r"\d+\s*(?:个)?(?:工作日|自然日|日|天|周|个月|月|年|小时|周岁)|[一二三四五六七八九十两半]+(?:个)?(?:工作日|日|天|周|个月|年|小时)"
             r"|有效期|期限|日内|以内|之内|次月|当月")
DEPARTMENT_NAME = (r"[\u4e00-\u9fff]{1,14}(?:局|厅|委员会|委|办公室|办|部|中心|政府|银行|机构|部门|单位|小组|协会|街道|法院|"
                   r"检察院|分局|处|科|站|所|院|会)(?![\u4e00-\u9fff]{0,1}(?:级|长))")
# A quantity: digits or Chinese numerals with a measure word ("400户", "3000万人", "五年"), a
# year alone is no quantity (2025年 answers 何时, not 多少).
_NUMBER = (r"(?<![\d.])(?!(?:19|20)\d{2}\s*年)\d+(?:\.\d+)?\s*(?:万|亿|千|百)?\s*(?:个|家|项|户|人|名|张|所|条|类|次|批|座|"
           r"套|亩|斤|吨|公里|千米|米|平方米|%|％|‰|元|倍|件|台|部|本|份|床|位|分|小时|天|日|月|年|周岁|岁|号|以上|以下|左右)"
           r"|[一二三四五六七八九十百千万两]+(?:个|家|项|类|条|批|所|名|人|户|次|倍|成|万|亿|份|年)")
_DOCNO = r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号|令第\s*\S{1,6}号|第\s*\d+\s*号"
_CONTACT = r"\d{3,4}[-－—]\d{7,8}|\d{7,}|\d{5}|[\u4e00-\u9fff]{2,}(?:路|街|大道)\d+号|@"
_CHANNEL = r"平台|APP|App|app|小程序|网站|网址|窗口|线上|网上|政务服务|公众号|http|www"
_MATERIALS = r"材料|证明|身份证|户口|复印件|申请表|合同|证书|凭证|资料"
_CONDITION = r"应当|须|需|不得|不予|不能|符合|具备|满足|以上|以下|以内|不低于|不超过|不少于|未|属于|不属于|可以|可|凡|对于|对"
_LIST = r"、|；|;|\n|（[一二三四五六七八九十]+）|\d+[.．、]|[①②③④⑤⑥⑦⑧⑨]"

FACETS: tuple[tuple[str, str, str], ...] = (
    ("docno", r"文号|字号|发文号|政府令|令第|第几号|编号", _DOCNO),
    ("money", r"多少金额|金额|奖励多少|补贴多少|补助多少|资助多少|贴息多少|给予多少|获得多少|领取多少|奖多少|补多少|"
              r"补贴标准|奖励标准|资助标准|补助标准|多少万|几万|资金规模|规模多大|规模多少|基金规模|多少资金|贴多少|"
              r"一个月.{0,3}多少|每月.{0,3}多少|发多少|领多少|交多少|付多少|费用|多少费|额度|面额|罚款|罚多少|奖金|"
              r"多少补贴|多少奖励|多少补助", f"{_MONEY}|{_RATE}"),
    ("rate", r"比例|百分之|费率|利率|占比|比重|几成|百分比|多少%|多少个百分点|几个点|多少个点|覆盖率|达到多少%|满意度", _RATE),
    ("date", r"什么时候|何时|哪一天|几号|日期|几月|哪年|哪一年|起施行|施行|生效|印发|发布|落款|截止|到期|之前要|时间节点|"
             r"什么时间|成文|签发", _DATE),
    ("duration", r"多久|多长时间|多长|几天|几个月|几年|期限|最长|最短|时限|多少天|多少个工作日|有效期|年限|多少年|几个工作日|"
                 r"多少个月|年龄|几岁|周岁", _DURATION),
    ("department", r"谁|哪个部门|哪些部门|哪个单位|哪些单位|哪家|牵头|负责|主管|归口|设在|发文机关|发文单位|机关|部门|单位|"
                   r"哪个处|哪个局|哪个厅|哪个委|找哪", DEPARTMENT_NAME),
    ("number", r"多少|几个|几家|几项|几类|几条|几名|几人|几户|数量|总量|几次|几批|几所|几倍", _NUMBER),
    ("contact", r"电话|联系方式|热线|地址|联系人|邮箱", _CONTACT),
    ("channel", r"网上|线上|渠道|平台|APP|小程序|网办|入口|网址|网站", _CHANNEL),
    ("where", r"在哪里|在哪儿|在哪|哪里办|怎么申|如何申|怎么办理|如何办理|去哪", _CHANNEL + r"|窗口|中心|大厅|地址|办理"),
    ("materials", r"材料|资料|证明|提交什么|带什么|准备什么|需要什么|要什么", _MATERIALS),
    ("condition", r"条件|资格|能不能|能否|可不可以|可以|是否|吗|算不算|符合|够不够|满足|要求|限制|会不会|怎么办|怎么处理", _CONDITION),
    ("list", r"哪些|哪几|有什么|包括|分别|几类|几项|几个方面|都有|什么内容|主要内容", _LIST),
)
FACET_EVIDENCE: dict[str, re.Pattern[str]] = {name: re.compile(ev) for name, _, ev in FACETS}
_FACET_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(cue, re.I)) for n, cue, _ in FACETS)
STRICT = frozenset({"money", "rate", "date", "duration", "contact", "number", "docno", "channel", "materials"})
# Questions about the document itself (its number, issuer, dates): its first and last lines —
# title, 文号, index block, 落款 — are candidates whatever retrieval finds.
META_RE = re.compile(r"文号|字号|发文|印发|发布|落款|成文|签发|施行|生效|有效期|废止|哪个部门发|哪个单位发|谁发|"
                     r"哪些部门联合|联合发|标题|名称|全称|效力|政府令|审议通过|信息来源")

# Parts end at a question or sentence mark, or at a comma that starts a new question ("…，还有…").
_PART_END_RE = re.compile(r"[?？;；。!！\n]+|[,，、]\s*(?=(?:还有|另外|以及|那么|那|同时|并且|而且|此外|再问|顺便)(?!些))")
_FOLLOW_UP_RE = re.compile(r"^(?:那|那么|它|其|这个|这条|该条|该项|上述|刚才|同样)|它的|它们|这项|该措施|这条|那条|上面")
_REF_RE = re.compile(r"第\s*([0-9]+|[一二三四五六七八九十百零〇]+)\s*(条|章|部分|项|款)")
_YEAR_RE = re.compile(r"(20\d{2}|19\d{2})\s*年")


@dataclass(frozen=True, slots=True)
class Part:
    """One sub-question: its own words and what it asks for."""

    text: str
    facets: frozenset[str]
    unit: str = ""  # the measure word asked for ("多少户" → 户): a number in another unit is no answer

    def shows(self, facet: str, text: str) -> bool:
        """Does ``text`` show what this part asks for under ``facet``?"""
        if facet == "number" and self.unit and self.unit != "个":  # 个 is any measure word (几个医生 → 4名)
            return re.search(rf"(?:\d|[一二三四五六七八九十百千万两])\s*(?:万|亿|千|百)?\s*{re.escape(self.unit)}", text) is not None
        return FACET_EVIDENCE[facet].search(text) is not None


@dataclass(frozen=True, slots=True)
class Reference:
    """A clause the question names: 第99条 → ("条", 99)."""

    kind: str  # 条 | 章 | 部分 | 项 | 款
    number: int
    written: str  # as the user wrote it


@dataclass(frozen=True, slots=True)
class Question:
    """A question as the answering stages see it (built once, read by every stage)."""

    raw: str
    text: str  # normalised: NFKC, colloquial forms rewritten
    parts: tuple[Part, ...]
    references: tuple[Reference, ...]
    years: tuple[int, ...]
    follow_up: bool  # leans on an earlier turn ("那它的目标呢?")
    tokens: tuple[str, ...] = ()  # jieba words of the text (places are read from these)

    @property
    def about_document(self) -> bool:
        return bool(META_RE.search(self.text))

    @property
    def facets(self) -> frozenset[str]:
        return frozenset().union(*(p.facets for p in self.parts)) if self.parts else frozenset()


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict]:
    return json.loads(LEXICON_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _colloquial_re() -> tuple[re.Pattern[str], dict[str, str]]:
    table = lexicon()["colloquial"]
    return re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True)))), table


def normalise(question: str) -> str:
    """NFKC (full-width digits and letters), whitespace collapsed, colloquial forms rewritten."""
    text = unicodedata.normalize("NFKC", question or "")
    text = re.sub(r"\s+", " ", text).strip()
    pattern, table = _colloquial_re()
    return pattern.sub(lambda m: table[m.group(0)], text)


def facets_of(text: str) -> frozenset[str]:
    found = {name for name, cue in _FACET_CUES if cue.search(text)}
    if found & {"money", "rate", "duration", "date", "list", "docno", "contact"} and "number" in found:
        found.discard("number")  # "多少钱" asks an amount, "电话多少" a phone number, not any number
    return frozenset(found)


def split_parts(text: str) -> tuple[Part, ...]:
    """Sub-questions: "补贴标准是多少?最长补几个月?" → two parts. A piece with no question of
    its own ("我们是民办养老院,") joins the next one; a part with no facet keeps its words only."""
    pieces = [p.strip(" ,，、") for p in _PART_END_RE.split(text)]
    pieces = [p for p in pieces if p]
    parts: list[Part] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry}，{piece}" if carry else piece
        facets = facets_of(piece)
        if not facets and parts and piece.endswith("呢"):
            facets = parts[-1].facets  # "…每张补多少?改扩建的呢?": the same question of another thing
        if not facets and len(piece) < 40 and piece is not pieces[-1]:
            carry = piece  # context for the next part ("我失业前交了3年失业保险，能领几个月")
            continue
        carry = ""
        parts.append(Part(piece, facets, _unit(piece)))
    if carry and not _courtesy(carry):
        parts.append(Part(carry, facets_of(carry), _unit(carry)))
    parts = [p for p in parts if p.facets or not _courtesy(p.text)] or parts
    return tuple(parts) or (Part(text, facets_of(text), _unit(text)),)


def _courtesy(text: str) -> bool:
    """"请尽快回复,谢谢", "您好": nothing but question and courtesy words."""
    words = set(lexicon()["question_words"])
    return all(t in words or len(t) < 2 for t in _tokenizer().lcut(text))


_UNIT_RE = re.compile(r"(?:多少|几)(个(?!点|百分点)|家|项|户|名|张|所|座|套|亩|斤|吨|公里|平方米|份|台|件|床)")


def _unit(text: str) -> str:
    m = _UNIT_RE.search(text)
    return m.group(1) if m else ""


def _references(text: str) -> tuple[Reference, ...]:
    from ingest.numerals import to_int

    out = []
    for m in _REF_RE.finditer(text):
        try:
            number = int(m.group(1)) if m.group(1).isdigit() else to_int(m.group(1))
        except (ValueError, KeyError):
            continue
        if number is not None:
            out.append(Reference(m.group(2), number, m.group(0)))
    return tuple(out)


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    return jieba.Tokenizer()


def understand(question: str) -> Question:
    text = normalise(question)
    return Question(raw=question or "", text=text, parts=split_parts(text), references=_references(text),
                    years=tuple(int(y) for y in _YEAR_RE.findall(text)),
                    follow_up=bool(_FOLLOW_UP_RE.search(text)), tokens=tuple(_tokenizer().lcut(text)))
