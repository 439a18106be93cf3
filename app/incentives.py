"""Incentive catalogue and enterprise eligibility check.

The catalogue lists every support measure of a document (补贴, 奖励, 补助, 保险补偿, 券, 贴息,
优先…) with its condition and benefit *as written*, the amount and cap only when the text states
them, the departments to contact and a verbatim quote. The check reads what an enterprise says
about itself (free text or a short form) and gives, per matching measure, 可能符合 / 不符合 /
无法判断 with the reason tied to the condition's words. It never computes money the text does not
promise: without a stated amount the answer says the document does not state one.

    >>> report = check_eligibility(docs, "我们去年首次通过DCMM三级,能申请补贴吗?")
    >>> report.results[0].label, report.results[0].entry.benefit
    ('可能符合', '财政补贴')

Pure functions over parsed Documents; the facts come from ``ingest.facts`` and are refined here
(segment-level conditions, amounts paired with 分别, vouchers, 优先纳入…).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from app.compose import clause_ref
from app.ledger import measure_of, responsible_for
from app.refusal import PLACES
from ingest.document import own_text
from ingest.facts import split_sentences
from ingest.numerals import to_int
from ingest.types import Clause, ClauseKind, Department, Document, Incentive

# ---- domain data --------------------------------------------------------------------------

# Benefit kind by the first word found in the benefit phrase (order matters: 奖补 before 奖励).
BENEFIT_KINDS: tuple[tuple[str, str], ...] = (
    ("保险补偿", "保险补偿"), ("贴息", "贴息"), ("券", "券"), ("优先", "优先"), ("免费", "免费服务"),
    ("奖补", "奖补"), ("补贴", "补贴"), ("补助", "补助"), ("奖励", "奖励"), ("资助", "资助"), ("减免", "减免"),
    ("担保", "担保"), ("享受", "政策待遇"), ("政策", "政策待遇"), ("资金支持", "资金支持"), ("扶持", "扶持"))
# Words that mean the same topic to an enterprise and to a document.
TOPIC_ALIASES: tuple[tuple[str, ...], ...] = (
    ("DCMM", "数据管理能力成熟度"), ("首版次", "高端软件"), ("芯片", "流片", "集成电路"), ("封装测试", "封测"),
    ("上云", "云服务", "用云"), ("流量券", "云采销", "网行天下"), ("创新服务券", "科技型企业"),
    ("智能制造示范工厂", "示范工厂"), ("智能工厂",), ("数字化车间",), ("技术改造", "技改"),
    ("跨行业跨领域", "双跨"), ("工业互联网平台",), ("工业互联网园区", "园区运营"), ("服务商",),
    ("样板项目", "链式"), ("首席数字官", "CDO", "领军人才"), ("重点项目", "项目库"), ("诊断",),
    ("工业软件",), ("首台套",), ("贷款", "贴息"), ("软件",))
# Generic words that say nothing about which measure is meant.
_GENERIC_RE = re.compile(
    r"首次通过|第一次|通过了|通过|新认定的|新认定|认定|企业|公司|我们|我司|给予|一次性|奖励|补贴|补助|奖补|申请|申报|"
    r"能否|能不能|可以|可不可以|能拿|能够|多少|有没有|是否|什么|政策|支持|及以上|以上|评估|的|了|吗|呢|今年|去年|"
    r"中小企业|工业企业|规模以上|规下|规上|小企业|大型|本市|本省|符合条件|条件|享受|获得|能|也|还|就|都|过")
_LEVEL_RE = re.compile(r"([一二三四五12345])\s*级")
_MIN_LEVEL_RE = re.compile(r"([一二三四五12345])级(?:及以上|以上)")
_CERT_RE = re.compile(r"DCMM|数据管理能力成熟度|CMMI|ITSS|DSMM|两化融合", re.I)
_FIRST_RE = re.compile(r"首次|第一次|初次|刚刚?(?:通过|获得|被|入选|认定)|新(?:通过|获得|获评|认定|入选|引进)|今年(?:被|刚)?(?:认定|入选)")
_NOT_FIRST_RE = re.compile(r"复评|复审|复核|再次|重新|换证|续期|之前就|以前就|早就|年前就|去年就|已经通过|第二次|再评|又通过")
_UPGRADE_RE = re.compile(r"升到|升级|提升到|提升为|晋级|升为")
_SEG_RE = re.compile(r"[^,，;；]+")
_AMOUNT_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:万亿元|亿元|万元|元|%|％)")
_CAP_RE = re.compile(r"(?:最高|最多|上限)(?:不超过|可达|为)?\s*\d+(?:\.\d+)?\s*(?:亿元|万元|元)")
_PRIORITY_RE = re.compile(r"(?:将|对)?(?P<cond>[^,，;；。]{0,24}?)(?P<benefit>优先(?:纳入|支持|推荐|安排|保障|列入|给予|"
                          r"使用|采购|考虑|申报|入库)[^,，;；。]*)")
_LEAD_VERB_RE = re.compile(r"^(?:重点培育一批|重点培育|培育一批|引导|鼓励|支持|加快|推动|促进|加大|完善|落实|实施|开展|"
                           r"提供|给予|对)+")
_FREE_RE = re.compile(r"面向(?P<cond>[^,，;；。]{2,30}?)(?:开展|提供)(?P<benefit>免费[^,，;；。]{1,20})")
_ENJOY_RE = re.compile(r"对?(?P<cond>[^。;；]{4,80}?)[,，]?按(?:照)?规定享受(?P<benefit>[^。;；,，]{2,40})")
_REQUIREMENT_RE = re.compile(r"(?:申报|申请|揭榜|参评)[^。;；]{0,30}?(?:主体|企业|单位|项目)[^。;；]{0,6}?(?:须|应当|必须|需)|"
                             r"(?:主体|对象)(?:应当|须|必须)(?:同时)?(?:符合|满足|具备)|独立法人")
_LIST_LEAD_RE = re.compile(r"(?:下列|以下|如下)(?:条件|要求)|[:：]$")
_RULE_RE = re.compile(r"就高|不重复|不得重复|不予重复|不叠加")
_PROCEDURE_RE = re.compile(r"另行(?:发布|通知|制定|印发)|申报指南|申报通知|申报程序|申报流程")
_REGION_RE = re.compile(r"^([\u4e00-\u9fff]{2,3}?)(?:省|市|自治区)")
MIN_RELEVANCE = 2.0  # one shared topic word, or two shared 4-character phrases
VERDICT_LABELS = {"eligible": "可能符合", "not_eligible": "不符合", "unknown": "无法判断"}


# ---- catalogue ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Passage:
    """A verbatim sentence of a document with the clause it is in."""

    clause_id: str
    text: str
    ref: str = ""


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One support measure: condition → benefit, everything as written in the document."""

    doc_id: str
    doc_title: str
    doc_source: str
    clause_id: str  # the clause holding the sentence
    measure_id: str  # the ledger row (measure) it belongs to
    ref: str  # 第8条「完善数据要素供给体系」
    measure: str  # the measure's title
    sentence: str  # the full verbatim sentence
    quote: str  # the verbatim part of the sentence stating condition, benefit, amount and cap
    condition: str  # as written; "" when the text states none
    benefit: str  # as written, e.g. 财政补贴, 一次性奖励30万元, 优先纳入省级重点项目
    kind: str  # 补贴 | 奖励 | 补助 | 保险补偿 | 券 | 贴息 | 优先 | 免费服务 | 政策待遇 | …
    subject: str = ""  # the part of the condition this entry is about ("数字化车间" of "…智能工厂、数字化车间")
    amount: str = ""  # only when stated: 500万元, 10%
    amounts: tuple[str, ...] = ()
    cap: str = ""  # e.g. 单个项目最高不超过1000万元
    scope: str = ""  # text that frames the condition, e.g. 建立2022年度全省数字经济重点项目库
    departments: tuple[Department, ...] = ()
    department_text: str = ""
    department_clause_id: str = ""
    requirements: tuple[Passage, ...] = ()  # document-wide application requirements
    rules: tuple[Passage, ...] = ()  # 就高 / 不重复 rules that apply
    procedure: Passage | None = None  # e.g. 具体申报通知另行发布
    region: str = ""  # what 本市 / 本省 means in this document

    @property
    def who(self) -> str:
        """The condition as the reader should see it: the subject, or the whole condition."""
        return self.subject or self.condition

    @property
    def summary(self) -> str:
        text = f"{self.who or '未写明条件'}→{self.benefit}"
        if self.amount and self.amount not in self.benefit:
            text += f"({self.amount})"
        return text + (f",{self.cap}" if self.cap else "")

    @property
    def contacts(self) -> str:
        """Lead departments first: "省工业和信息化厅、省大数据局", "市大数据局(牵头),市工业和信息化局、市财政局(配合)"."""
        lead = [d.name for d in self.departments if d.role == "lead"]
        partners = [d.name for d in self.departments if d.role == "partner"]
        if lead:
            return "、".join(lead) + "(牵头)" + (f",{'、'.join(partners)}(配合)" if partners else "")
        others = [d.name for d in self.departments if d.role != "partner"]
        if partners:  # the lead is not named (or not recognised): say who only assists
            return "、".join(others + [f"{'、'.join(partners)}(配合)"])
        return "、".join(others)

    @property
    def unstated(self) -> tuple[str, ...]:
        """What the document does not say about this measure, in plain words."""
        out = []
        if not self.amount:
            out.append(f"{self.kind}金额或标准" if self.kind not in ("优先", "政策待遇", "免费服务") else "具体标准")
        if "符合条件" in self.condition or not self.condition:
            out.append("具体申请条件")
        if self.procedure is None:
            out.append("申报时间和程序")
        elif "另行" in self.procedure.text:
            out.append("申报时间和程序(文件称另行发布)")
        if not self.departments:
            out.append("负责部门")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "doc_title": self.doc_title, "doc": self.doc_source, "clause_id": self.clause_id,
                "ref": self.ref, "measure": self.measure, "condition": self.condition, "subject": self.subject,
                "benefit": self.benefit, "kind": self.kind, "amount": self.amount, "cap": self.cap,
                "scope": self.scope, "quote": self.quote, "sentence": self.sentence,
                "departments": [{"name": d.name, "role": d.role} for d in self.departments],
                "contacts": self.contacts, "department_text": self.department_text,
                "requirements": [p.text for p in self.requirements], "rules": [p.text for p in self.rules],
                "procedure": self.procedure.text if self.procedure else "", "unstated": list(self.unstated)}


@dataclass(frozen=True, slots=True)
class DocumentSupport:
    """What a document says about support measures as a whole."""

    doc_id: str
    region: str  # 青岛, 山东: what 本市 / 本省 means
    requirements: tuple[Passage, ...] = ()
    rules: tuple[Passage, ...] = ()
    procedure: Passage | None = None


def build_catalogue(docs: Iterable[Document]) -> list[CatalogueEntry]:
    """Every support measure of every document, in document order."""
    return [e for d in docs for e in document_catalogue(d)]


@lru_cache(maxsize=64)
def document_catalogue(doc: Document) -> tuple[CatalogueEntry, ...]:
    """The support measures of one document (cached per document)."""
    support = document_support(doc)
    entries: list[CatalogueEntry] = []
    for clause in doc.clauses:
        if clause.kind in (ClauseKind.NOTICE, ClauseKind.SIGNATURE, ClauseKind.TRAILER):
            continue
        for draft in _clause_drafts(doc, clause):
            entries.append(_entry(doc, clause, draft, support))
    return tuple(_with_rules(doc, entries, support))


@lru_cache(maxsize=64)
def document_support(doc: Document) -> DocumentSupport:
    """Application requirements, 就高/不重复 rules and procedure notes, wherever they are written."""
    reqs, rules, procedure = [], [], None
    listed: set[str] = set()  # clauses whose sentences are the items of a "须同时符合下列条件：" list
    for clause in doc.clauses:
        if clause.kind in (ClauseKind.NOTICE, ClauseKind.SIGNATURE, ClauseKind.TRAILER):
            continue
        for s in split_sentences(own_text(doc.text, clause, doc.clauses)):
            p = Passage(clause.id, s, clause_ref(clause))
            if _REQUIREMENT_RE.search(s) or clause.id in listed:
                reqs.append(p)
            if _REQUIREMENT_RE.search(s) and _LIST_LEAD_RE.search(s):
                # The conditions follow as 1. 2. 3. items: each is a requirement too.
                listed.update(c.id for c in doc.clauses if clause.start < c.start and c.end <= clause.end)
            if _RULE_RE.search(s):
                rules.append(p)
            if procedure is None and _PROCEDURE_RE.search(s):
                procedure = p
    m = _REGION_RE.match(doc.meta.title or doc.title)
    return DocumentSupport(doc.id, m.group(1) if m else "", tuple(reqs), tuple(rules), procedure)


@dataclass(frozen=True, slots=True)
class _Draft:
    sentence: str
    condition: str
    benefit: str
    subject: str = ""
    amounts: tuple[str, ...] = ()
    cap: str = ""
    scope: str = ""


def _clause_drafts(doc: Document, clause: Clause) -> list[_Draft]:
    drafts = [d for inc in clause.facts.incentives for d in _refine(inc)]
    covered = {inc.sentence for inc in clause.facts.incentives}
    for s in split_sentences(own_text(doc.text, clause, doc.clauses)):
        if s not in covered:
            drafts += _extra(s)
    return drafts


def _entry(doc: Document, clause: Clause, d: _Draft, support: DocumentSupport) -> CatalogueEntry:
    measure = measure_of(doc, clause)
    depts, phrase, holder = responsible_for(doc, clause)
    amounts = d.amounts
    return CatalogueEntry(
        doc_id=doc.id, doc_title=doc.title, doc_source=doc.source, clause_id=clause.id, measure_id=measure.id,
        ref=clause_ref(measure), measure=measure.title, sentence=d.sentence, quote=_quote(d),
        condition=d.condition, benefit=d.benefit, kind=_kind(d.benefit), subject=d.subject,
        amount=amounts[0] if amounts else "", amounts=amounts, cap=d.cap, scope=d.scope, departments=depts,
        department_text=phrase, department_clause_id=holder.id if holder else "",
        requirements=support.requirements, procedure=support.procedure, region=support.region)


def _with_rules(doc: Document, entries: list[CatalogueEntry], support: DocumentSupport) -> list[CatalogueEntry]:
    """A 就高/不重复 rule inside a measure applies to that measure's entries; one in a part with no
    support measures of its own (保障措施) applies to every entry of the document."""
    by_id = {c.id: c for c in doc.clauses}
    with_entries = {e.measure_id for e in entries}
    homes = {r: measure_of(doc, by_id[r.clause_id]).id for r in support.rules}
    return [replace(e, rules=tuple(r for r in support.rules if homes[r] == e.measure_id or homes[r] not in with_entries))
            for e in entries]


# ---- refining one incentive sentence ---------------------------------------------------------

def _refine(inc: Incentive) -> list[_Draft]:
    """facts' Incentive → zero or more catalogue drafts with verbatim condition and benefit."""
    s, cond, benefit = inc.sentence, inc.condition.strip(), inc.benefit.strip()
    if _is_rule_or_meta(s, cond, benefit):
        return []
    if "优先" in benefit and not any(w in benefit for w, _ in BENEFIT_KINDS if w not in ("优先", "政策")):
        return _priority(s)
    if benefit.endswith("券") and (len(cond) <= 4 or ("对" + cond) not in s):
        return _voucher(s, benefit)
    if not cond or (("对" + cond) not in s and re.search(r"[,，]", cond)):
        cond, benefit = _within_segment(s, benefit)
    cond = re.sub(r"[,，]?\s*分别$", "", cond).strip()
    return [replace(d, scope=_voucher_scope(s, cond)) for d in _split(s, cond, benefit, inc.cap)]


def _voucher_scope(s: str, cond: str) -> str:
    """"发放中小企业“云服务券”,对…给予补贴": the subsidy is that voucher, so the voucher segment frames it."""
    m = re.search(r"“[^”]*券”", s)
    if not m or not cond or m.start() > s.find(cond):
        return ""
    return next((x.group(0).strip() for x in _SEG_RE.finditer(s) if x.start() <= m.start() < x.end()), "")


def _is_rule_or_meta(s: str, cond: str, benefit: str) -> bool:
    """"按照就高原则给予奖励" is a rule; "本方案所列奖补资金从…列支" (funding) and "申报本方案奖补政策的
    主体须为…" (a requirement) are not support measures of their own."""
    if (benefit.startswith("按照") and "原则" in benefit) or (cond.startswith("同一") and _RULE_RE.search(s)):
        return True
    meta = ("本方案", "本办法", "本政策", "申报", "上述", "所列")
    if cond.startswith(meta) or benefit.startswith(meta) or re.search(r"列支|资金从|资金由", s):
        return True
    return bool(_REQUIREMENT_RE.search(s)) and "给予" not in s


def _priority(s: str) -> list[_Draft]:
    """"建立…重点项目库,将符合条件的优先纳入省级重点项目"; "优先开放" of data is no benefit."""
    m = _PRIORITY_RE.search(s)
    if not m:
        return []
    scope = s[:m.start()].strip(",，;； ")
    scope = scope.split(",")[-1].split("，")[-1] if scope else ""
    return [_Draft(s, m.group("cond").strip(), m.group("benefit").strip(), scope=scope)]


def _voucher(s: str, benefit: str) -> list[_Draft]:
    """"通过“流量券”补贴方式,引导企业参与…行动": the voucher, and whom the next segment names."""
    m = re.search(r"“([^”]*券)”", s)
    name = m.group(1) if m else benefit
    pos = m.start() if m else s.find(benefit)
    segs = [(x.start(), x.group(0)) for x in _SEG_RE.finditer(s)]
    after = [text for start, text in segs if start > pos]
    cond = _LEAD_VERB_RE.sub("", after[0].strip()).rstrip("。") if after else ""
    return [_Draft(s, cond, name)]


def _within_segment(s: str, benefit: str) -> tuple[str, str]:
    """"加大首版次高端软件产品认定和保险补偿力度" → ("首版次高端软件产品认定", "保险补偿")."""
    word = next((w for w, _ in BENEFIT_KINDS if w in benefit), benefit)
    idx = s.find(word)
    seg = next((x for x in _SEG_RE.finditer(s) if x.start() <= idx < x.end()), None)
    if seg is None:
        return "", benefit
    before = _LEAD_VERB_RE.sub("", s[seg.start():idx].strip())
    return before.rstrip("和及、的与 "), word


def _split(s: str, cond: str, benefit: str, cap: str) -> list[_Draft]:
    """Amounts after the condition; "对A、B,分别给予X、Y" pairs A→X, B→Y; "A和B" are alternatives."""
    start = s.find(cond) if cond else -1
    tail = s[start + len(cond):] if start >= 0 else s
    cap = _cap_text(s, cap)
    amounts = tuple(a for a in _AMOUNT_RE.findall(tail) if not cap or a not in cap)
    respectively = "分别" in tail[:max(tail.find(benefit), 0) + len(benefit)]
    parts = [p for p in cond.split("、") if p]
    if respectively and len(parts) == len(amounts) > 1:
        # "分别给予一次性奖励100万元、50万元": the benefit without the amounts, one amount per part
        shared = benefit.split(amounts[0])[0].strip() or benefit
        return [_Draft(s, cond, shared, p, (a,), cap) for p, a in zip(parts, amounts)]
    alternatives = [p for p in re.split(r"和|或者|以及", cond) if p]
    if len(alternatives) > 1 and all(len(p) >= 6 for p in alternatives):
        return [_Draft(s, p, benefit, "", amounts, cap) for p in alternatives]  # either one qualifies
    return [_Draft(s, cond, benefit, "", amounts, cap)]


def _cap_text(s: str, cap: str) -> str:
    """The whole segment stating a cap ("每家企业年度补贴最高不超过10万元"), when it is short."""
    m = _CAP_RE.search(s) if not cap else None
    cap = cap or (m.group(0) if m else "")
    if not cap:
        return ""
    idx = s.find(cap)
    seg = next((x.group(0) for x in _SEG_RE.finditer(s) if x.start() <= idx < x.end()), cap)
    seg = seg.strip().rstrip("。")
    return seg if len(seg) <= 24 else cap


def _extra(s: str) -> list[_Draft]:
    """Support the facts do not list: 免费 services and "按规定享受…政策"."""
    m = _FREE_RE.search(s)
    if m:
        return [_Draft(s, m.group("cond").strip(), m.group("benefit").strip())]
    m = _ENJOY_RE.search(s)
    if m:
        return [_Draft(s, m.group("cond").strip(",， "), m.group("benefit").strip())]
    return []


def _quote(d: _Draft) -> str:
    """The verbatim segments of the sentence from the condition (or scope) to the last of benefit,
    amount and cap: "对首次通过DCMM二级及以上企业给予财政补贴"."""
    s = d.sentence
    pieces = [p for p in (d.scope, d.condition, d.benefit, *d.amounts, d.cap) if p]
    spans = [(s.find(p), s.find(p) + len(p)) for p in pieces if s.find(p) >= 0]
    if not spans:
        return s
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    segs = list(_SEG_RE.finditer(s))
    if d.condition and s.find(d.condition) == lo and s[lo - 1:lo] == "对":
        lo -= 1  # "（2）对新入选…": start at 对, not at the item label
    else:
        lo = next((x.start() for x in segs if x.start() <= lo < x.end()), lo)
    hi = next((x.end() for x in segs if x.start() < hi <= x.end()), hi)
    return s[lo:hi].strip(",，;；。 ") or s


def _kind(benefit: str) -> str:
    return next((kind for word, kind in BENEFIT_KINDS if word in benefit), "其他")


# ---- the enterprise -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Certification:
    name: str  # DCMM
    level: int | None = None
    first_time: bool | None = None
    previous_level: int | None = None  # "去年首次通过二级,今年升到三级" → 2

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "first_time": self.first_time,
                "previous_level": self.previous_level}


@dataclass(frozen=True, slots=True)
class EnterpriseProfile:
    """What an enterprise says about itself, read from free text or a short form."""

    text: str = ""
    industry: str = ""
    certifications: tuple[Certification, ...] = ()
    products: tuple[str, ...] = ()  # 首版次高端软件, 首台套装备…
    plans: tuple[str, ...] = ()  # 上云, 技术改造…
    sizes: tuple[str, ...] = ()  # 中小企业 | 大型企业 | 规模以上 | 规模以下
    independent_legal_person: bool | None = None
    registered_local: bool | None = None  # registered in the document's city or province
    region: str = ""  # where it says it is registered, e.g. 青岛
    first_time: bool | None = None  # for 新认定 / 新入选 conditions
    amounts: tuple[tuple[str, float], ...] = ()  # (words around the number, value in 万元)
    years: tuple[tuple[str, int], ...] = ()  # (words around the year, year)
    accident: bool | None = None  # 近三年发生重大事故
    dishonest: bool | None = None  # 列入严重失信主体名单
    tax_arrears: bool | None = None  # 欠缴税款 (a common 申报条件: "无欠缴税款")

    @classmethod
    def from_text(cls, text: str) -> EnterpriseProfile:
        """Read a free-text description ("我们三年前就过了DCMM二级,今年复评")."""
        t = unicodedata.normalize("NFKC", text or "").strip()
        return cls(
            text=t, certifications=_certifications(t), sizes=_sizes(t), region=_region(t), first_time=_first_time(t),
            amounts=_amounts(t), years=_years(t),
            independent_legal_person=_flag(t, r"独立法人|子公司", r"分公司|分支机构|办事处|非独立法人|(?:没有|无|不具[有备]?)独立法人"),
            registered_local=_flag(t, r"本地注册|本市注册|本省注册|注册在本[市省]", r"外地|外省|省外|市外|异地|外市"),
            accident=_flag(t, r"(?:发生|出)(?:过|了)?[^,。]{0,12}事故", r"(?:未|没有|没|无)(?:发生|出)(?:过)?[^,。]{0,12}事故"),
            dishonest=_flag(t, r"列入[^,。]{0,10}失信|失信(?:被执行人|主体)", r"(?:未|没有|没)(?:被)?列入[^,。]{0,10}失信"),
            tax_arrears=_flag(t, r"欠(?:过|了|缴)?(?:过)?税|拖欠(?:过)?税", r"(?:未|没有|没|无|不)(?:拖)?欠(?:过|缴)?税"))

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> EnterpriseProfile:
        """Read a short form: ``{"description", "industry", "certifications": [{"name", "level",
        "first_time"}] or ["DCMM三级(首次)"], "products", "plans", "size", "independent_legal_person",
        "registered_local", "region"}``. Explicit fields win over what the description says."""
        certs = [c for c in form.get("certifications") or () if c]
        words = [str(form.get("description") or ""), str(form.get("industry") or ""),
                 *(c if isinstance(c, str) else "" for c in certs),
                 *map(str, form.get("products") or ()), *map(str, form.get("plans") or ()), str(form.get("size") or "")]
        base = cls.from_text(" ".join(w for w in words if w))
        explicit = tuple(_cert_from_form(c) for c in certs if isinstance(c, Mapping))
        updates: dict[str, Any] = {"industry": str(form.get("industry") or ""),
                                   "products": tuple(map(str, form.get("products") or ())),
                                   "plans": tuple(map(str, form.get("plans") or ()))}
        if explicit:
            updates["certifications"] = explicit + tuple(c for c in base.certifications
                                                         if c.name not in {e.name for e in explicit})
        for key in ("independent_legal_person", "registered_local"):
            if form.get(key) is not None:
                updates[key] = bool(form[key])
        if form.get("region"):
            updates["region"] = str(form["region"])
        return replace(base, **updates)

    def cert(self, name: str) -> Certification | None:
        return next((c for c in self.certifications if c.name.upper() == name.upper()), None)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "industry": self.industry,
                "certifications": [c.to_dict() for c in self.certifications], "products": list(self.products),
                "plans": list(self.plans), "sizes": list(self.sizes),
                "independent_legal_person": self.independent_legal_person,
                "registered_local": self.registered_local, "region": self.region, "first_time": self.first_time}


def _flag(text: str, true_pattern: str, false_pattern: str) -> bool | None:
    """False when ``false_pattern`` matches (checked first: "没有独立法人" also contains "独立法人"),
    True when ``true_pattern`` matches, None when the text says neither."""
    if re.search(false_pattern, text):
        return False
    return True if re.search(true_pattern, text) else None


def _certifications(text: str) -> tuple[Certification, ...]:
    out = []
    for m in _CERT_RE.finditer(text):
        name = _cert_name(m.group(0)) or m.group(0)
        if any(c.name == name for c in out):
            continue
        levels = [to_int(x) for x in _LEVEL_RE.findall(text)]
        levels = [lv for lv in levels if lv]
        upgrade = len(levels) > 1 and _UPGRADE_RE.search(text) is not None
        level = levels[-1] if upgrade else (levels[0] if levels else None)
        first = None if upgrade else (False if _NOT_FIRST_RE.search(text) else True if _FIRST_RE.search(text) else None)
        out.append(Certification(name, level, first, levels[0] if upgrade else None))
    return tuple(out)


def _cert_from_form(c: Mapping[str, Any]) -> Certification:
    level = c.get("level")
    level = to_int(str(level).rstrip("级")) if level not in (None, "") else None
    first = c.get("first_time")
    return Certification(str(c.get("name") or "").upper(), level, None if first is None else bool(first))


def _sizes(text: str) -> tuple[str, ...]:
    table = (("中小企业", r"中小企业|小微|小型企业|中型企业|小企业"), ("大型企业", r"大型企业|大企业"),
             ("规模以下", r"规下|规模以下"), ("规模以上", r"规上|规模以上"))
    return tuple(name for name, pattern in table if re.search(pattern, text))


def _region(text: str) -> str:
    m = re.search(r"注册(?:在|于|地为?)([\u4e00-\u9fff]{2,3}?)(?:市|省|区|县|[,,。 ]|$)|在([\u4e00-\u9fff]{2,3}?)(?:市|省)?注册", text)
    if m:
        return m.group(1) or m.group(2)
    # "烟台的企业可以申报吗?": a known place right before 企业/公司 says where the enterprise is.
    m = re.search(rf"({'|'.join(PLACES)})(?:市|省)?(?:的|这边的|本地的?)?(?:企业|公司|单位)", text)
    return m.group(1) if m else ""


def _first_time(text: str) -> bool | None:
    if _NOT_FIRST_RE.search(text):
        return False
    return True if _FIRST_RE.search(text) else None


def _amounts(text: str) -> tuple[tuple[str, float], ...]:
    out = []
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(亿|万)?元", text):
        value = float(m.group(1)) * {"亿": 10000.0, "万": 1.0, None: 0.0001}[m.group(2)]
        out.append((text[max(0, m.start() - 12):m.end() + 8], value))
    return tuple(out)


def _years(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((text[max(0, m.start() - 8):m.end() + 10], int(m.group(1)))
                 for m in re.finditer(r"(20\d{2})\s*年", text))


# ---- checking -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Finding:
    status: str  # ok | fail | unknown
    reason: str  # tied to the condition's words
    missing: str = ""  # what the enterprise should tell us, for unknown


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    entry: CatalogueEntry
    verdict: str  # eligible | not_eligible | unknown
    reasons: tuple[str, ...]
    missing: tuple[str, ...] = ()  # facts the enterprise did not give
    requirements: tuple[str, ...] = ()  # document-wide requirements still to meet (verbatim)
    estimate: str = ""  # stated rate × the enterprise's own figure, capped; never without a stated rate
    relevance: float = 0.0

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {"verdict": self.verdict, "label": self.label, "reasons": list(self.reasons),
                "missing": list(self.missing), "requirements": list(self.requirements), "estimate": self.estimate,
                "unstated": list(e.unstated), "contacts": e.contacts, "amount": e.amount, "cap": e.cap,
                "quote": e.quote, "ref": e.ref, "entry": e.to_dict()}

    def format_text(self) -> str:
        e = self.entry
        lines = [f"【{self.label}】《{e.doc_title}》{e.ref}:{e.who or '未写明条件'} → {e.benefit}"]
        if e.amount and e.amount not in e.benefit:
            lines.append(f"  金额:{e.amount}" + (f";{e.cap}" if e.cap else ""))
        elif e.cap:
            lines.append(f"  上限:{e.cap}")
        lines += [f"  理由:{r}" for r in self.reasons]
        if self.missing:
            lines.append("  需补充:" + "、".join(self.missing))
        if self.estimate:
            lines.append(f"  估算:{self.estimate}")
        lines += [f"  还须满足:{r}" for r in self.requirements]
        lines.append("  文件未写明:" + "、".join(e.unstated) if e.unstated else "  文件未写明:无")
        lines.append(f"  咨询部门:{e.contacts or '文件未写明'}")
        lines.append(f"  原文:「{e.quote}」")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class GeneralFinding:
    """A document-wide requirement the enterprise does not meet (e.g. 独立法人资格)."""

    doc_id: str
    doc_title: str
    requirement: Passage
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "doc_title": self.doc_title, "ref": self.requirement.ref,
                "requirement": self.requirement.text, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class EligibilityReport:
    profile: EnterpriseProfile
    results: tuple[EligibilityResult, ...]
    general: tuple[GeneralFinding, ...] = ()
    catalogue_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile.to_dict(), "results": [r.to_dict() for r in self.results],
                "general": [g.to_dict() for g in self.general], "catalogue_size": self.catalogue_size,
                "summary": self.summary}

    @property
    def summary(self) -> str:
        if not self.results and not self.general:
            return (f"未找到与所述情况对应的支持政策(已导入文件共{self.catalogue_size}项支持政策);"
                    "请补充资质、产品或项目情况")
        counts = {v: sum(r.verdict == v for r in self.results) for v in VERDICT_LABELS}
        parts = [f"{VERDICT_LABELS[v]}{n}项" for v, n in counts.items() if n]
        parts += [f"不满足申报主体要求:{g.reason}" for g in self.general]
        return ";".join(parts)

    def format_text(self) -> str:
        lines = [self.summary]
        for g in self.general:
            lines.append(f"【不符合申报主体要求】《{g.doc_title}》{g.requirement.ref}:{g.reason}\n  原文:「{g.requirement.text}」")
        lines += [r.format_text() for r in self.results]
        return "\n".join(lines)


def check_eligibility(docs: Sequence[Document], description: str | Mapping[str, Any] | EnterpriseProfile,
                      *, limit: int = 10) -> EligibilityReport:
    """Check an enterprise against every support measure its description is about.

    :param docs: the documents to search (e.g. the index's documents).
    :param description: free text, a form mapping (see ``EnterpriseProfile.from_form``) or a profile.
    :param limit: at most this many measures, most relevant first.
    :returns: per matching measure a verdict with reasons, what the document leaves unstated,
        whom to contact and the quote; document-wide requirement failures in ``general``.
    :raises ValueError: when the description is empty.
    """
    profile = _profile(description)
    if not (profile.text or profile.certifications or profile.products or profile.plans):
        raise ValueError("请描述企业情况,例如“我们去年首次通过DCMM三级,能申请补贴吗?”")
    entries = build_catalogue(docs)
    scored = sorted(((relevance(profile, e), i, e) for i, e in enumerate(entries)), key=lambda x: (-x[0], x[1]))
    results = tuple(assess(profile, e, score) for score, _, e in scored if score >= MIN_RELEVANCE)[:limit]
    general = tuple(g for d in docs for g in general_findings(profile, d))
    return EligibilityReport(profile, results, general, len(entries))


def _profile(description: str | Mapping[str, Any] | EnterpriseProfile) -> EnterpriseProfile:
    if isinstance(description, EnterpriseProfile):
        return description
    if isinstance(description, Mapping):
        return EnterpriseProfile.from_form(description)
    return EnterpriseProfile.from_text(str(description or ""))


def relevance(profile: EnterpriseProfile, entry: CatalogueEntry) -> float:
    """How clearly the enterprise's words name this measure's subject (see ``topic_score``)."""
    said = " ".join((profile.text, profile.industry, *profile.products, *profile.plans,
                     *(c.name for c in profile.certifications)))
    size = 1.0 if any(w in entry.condition for w in profile.sizes) else 0.0
    return topic_score(said, " ".join((entry.who, entry.benefit, entry.scope))) + size


def topic_score(said: str, topic: str) -> float:
    """Shared topic words (aliases count: 技改 ~ 技术改造) score 3 each; shared 4-character phrases
    (generic words such as 企业, 补贴, 首次通过 removed first) 1 each, at most 6."""
    low_said, low_topic = said.lower(), topic.lower()
    score = 3.0 * sum(1 for group in TOPIC_ALIASES
                      if any(a.lower() in low_said for a in group) and any(a.lower() in low_topic for a in group))
    # A shared acronym (PUE, ERP, MES) names a measure as clearly as a topic word; too short for 4-grams.
    acronyms = {w for w in re.findall(r"[a-z]{3,}", low_said) if w not in _ALIAS_WORDS}
    score += 3.0 * len(acronyms & set(re.findall(r"[a-z]{3,}", low_topic)))
    return score + min(len(_grams(said) & _grams(topic)), 6)


_ALIAS_WORDS = frozenset(a.lower() for group in TOPIC_ALIASES for a in group)


# "花了100万" names the enterprise's own figure, not a topic: without this, "100万" would tie the
# question to any measure that pays 100万元.
_MONEY_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:万亿元|亿元|万元|元|万亿|亿|万|%|％)")


def _grams(text: str, n: int = 4) -> set[str]:
    norm = _MONEY_RE.sub(" ", unicodedata.normalize("NFKC", text))
    out: set[str] = set()
    for piece in re.split(r"[^\u4e00-\u9fffA-Za-z0-9]+", _GENERIC_RE.sub(" ", norm)):
        out.update(piece[i:i + n] for i in range(len(piece) - n + 1))
    return out


def assess(profile: EnterpriseProfile, entry: CatalogueEntry, score: float = 0.0) -> EligibilityResult:
    """The verdict for one measure: not eligible when a condition fails, cannot tell when the
    enterprise left a condition open, likely eligible otherwise."""
    findings = _entry_findings(profile, entry)
    local = _with_region(profile, entry.region)
    general = [f for p in entry.requirements for f in _requirement_findings(local, p.text) + _bound_fails(local, p.text)]
    fails = [f for f in findings + general if f.status == "fail"]
    unknown = [f for f in findings if f.status == "unknown"]
    verdict = "not_eligible" if fails else "unknown" if unknown else "eligible"
    reasons = [f.reason for f in (fails or unknown or findings)]
    if not findings and not fails:
        reasons = [f"文件只写明“{entry.who}”,未写明更具体的申请条件" if entry.who else "文件未写明申请条件"]
        verdict = "unknown"
    still = () if fails else tuple(p.text for p in entry.requirements)
    missing = tuple(dict.fromkeys(f.missing for f in unknown if f.missing)) if not fails else ()
    return EligibilityResult(entry, verdict, tuple(dict.fromkeys(reasons)), missing, still,
                             "" if fails else _estimate(profile, entry), score)


def _entry_findings(profile: EnterpriseProfile, entry: CatalogueEntry) -> list[Finding]:
    cond = entry.condition
    checks = (_level_finding, _first_finding, _round_finding, _bound_finding, _year_finding, _size_finding,
              _qualifier_finding)
    return [f for check in checks for f in check(profile, cond, entry)]


def _level_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry) -> list[Finding]:
    name = _cert_name(cond)
    need = _MIN_LEVEL_RE.search(cond)
    if name is None:
        return []
    cert = p.cert(name)
    if cert is None:
        return [Finding("unknown", f"条件为“{cond}”,您未说明是否通过{name}评估", f"是否通过{name}及等级")]
    if need is None:
        return [Finding("ok", f"您已通过{name}")]
    if cert.level is None:
        return [Finding("unknown", f"条件为“{need.group(0)}”,您未说明{name}等级", f"{name}等级")]
    want = to_int(need.group(1)) or 0
    if cert.level < want:
        return [Finding("fail", f"条件为“{name}{need.group(0)}”,您所述为{_cn(cert.level)}级,未达到")]
    return [Finding("ok", f"您所述{_cn(cert.level)}级属于“{need.group(0)}”")]


def _cert_name(text: str) -> str | None:
    m = _CERT_RE.search(text)
    return None if m is None else "DCMM" if m.group(0) == "数据管理能力成熟度" else m.group(0).upper()


def _first_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry) -> list[Finding]:
    m = re.search(r"首次|新认定|新入选|新引进|新获批|新获得", cond)
    if not m:
        return []
    word = m.group(0)
    name = _cert_name(cond)
    cert = p.cert(name) if name else None
    first = p.first_time
    if cert is not None:
        need = _MIN_LEVEL_RE.search(cond)
        want = to_int(need.group(1)) if need else None
        if cert.previous_level is not None:
            first = not (want is None or cert.previous_level >= want)
        else:
            first = cert.first_time
    if first is None:
        return [Finding("unknown", f"条件为“{word}”,您未说明是否为{word}", f"是否为{word}")]
    if not first:
        return [Finding("fail", f"条件限于“{word}”,您所述此前已通过(或为复评、升级),不属于{word}")]
    return [Finding("ok", f"您所述为{word}")]


def _round_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry) -> list[Finding]:
    if "首轮" not in cond:
        return []
    if re.search(r"第[二三四五六七八九十]轮|[二三四]轮|再次流片", p.text):
        return [Finding("fail", "条件限于“量产前首轮流片”,其他轮次不在此列" if "流片" in cond else "条件限于“首轮”")]
    if re.search(r"首轮|第一轮", p.text):
        return [Finding("ok", "您所述为首轮")]
    return [Finding("unknown", "条件限于“首轮”,您未说明是否为首轮", "是否为首轮")]


_MEASURES = ("投资", "合同", "营收", "收入", "费用", "产值", "销售", "支付")


# Numeric bounds in a condition. Chinese legal usage (民法典第1259条): 以上/以下/以内/达到/不低于/
# 不高于 include the number; 超过/低于/高于/不满/不足 do not.
_BOUND_RE = re.compile(
    r"(?P<what>[\u4e00-\u9fffA-Za-z（）()]{1,16}?)"
    r"(?P<op>不高于|不超过|不大于|低于|小于|少于|不满|不足|未满|不到|不低于|不少于|不小于|达到|超过|高于|大于|在)?"
    r"(?P<num>\d+(?:\.\d+)?)(?P<unit>万亿元|亿元|万元|元|万人|万户|万个|亿|万|%|％|个月|[个家人年项台套件户岁天])?"
    r"(?P<tail>及以上|以上|及以下|以下|以内)?")
_BOUND_OPS = {"不高于": "<=", "不超过": "<=", "不大于": "<=", "以下": "<=", "及以下": "<=", "以内": "<=",
              "低于": "<", "小于": "<", "少于": "<", "不满": "<", "不足": "<", "未满": "<", "不到": "<",
              "不低于": ">=", "不少于": ">=", "不小于": ">=", "达到": ">=", "以上": ">=", "及以上": ">=",
              "超过": ">", "高于": ">", "大于": ">"}
# An enterprise's own figures: "PUE是1.4" / "成立两年" / "营收3000万".
_SAID_NUMBER_RE = re.compile(r"(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十]+(?=个月|[个家人年项台套件户岁天]))"
                             r"(?P<unit>万亿元|亿元|万元|元|万人|万户|万个|(?:亿|万)(?![千瓦时度吨人台套个户平米条项件次])|%|％|个月|"
                             r"[个家人年项台套件户岁天])?")
_MONEY_UNITS = {"万亿元": 1e8, "亿元": 1e4, "万元": 1.0, "元": 1e-4, "亿": 1e4, "万": 1.0}
# Bigrams that name no particular quantity.
_PLAIN_BIGRAMS = frozenset(("企业", "规模", "达到", "年度", "以上", "新建", "项目", "我们", "公司", "本市", "其中", "一年", "上一",
                            "每年", "全年", "当年", "去年", "今年"))


def _quantity(num: str, unit: str | None) -> tuple[str, float]:
    """(unit family, value): money in 万元, % as a number, counts by their unit word."""
    value = float(num) if num[0].isdigit() else float(to_int(num) or 0)
    unit = unit or ""
    if unit in _MONEY_UNITS:
        return "money", value * _MONEY_UNITS[unit]
    return ("%" if unit in ("%", "％") else unit), value


def _names_same(what: str, said: str) -> bool:
    """The enterprise's words before its number name the condition's quantity: a shared Latin
    acronym (PUE) or a shared Chinese word pair (营收 ~ 营业收入 via _MEASURES keys)."""
    latin = {w.upper() for w in re.findall(r"[A-Za-z]{2,}", what)}
    if latin & {w.upper() for w in re.findall(r"[A-Za-z]{2,}", said)}:
        return True
    if any(k in what and k[:2] in said for k in _MEASURES):
        return True
    pairs = {what[i:i + 2] for i in range(len(what) - 1)} - _PLAIN_BIGRAMS
    return any(p in said for p in pairs if re.fullmatch(r"[\u4e00-\u9fff]{2}", p))


_FOUNDED_RE = re.compile(r"(20\d{2}|19\d{2})\s*年(?:\d{1,2}\s*月)?(?:份)?(?:\d{1,2}\s*日)?(?:注册|成立|设立|创办)|"
                         r"(?:注册|成立|设立|创办)(?:于|在|时间是?|时间为)?\s*(20\d{2}|19\d{2})\s*年")


def _said_quantities(text: str) -> list[tuple[str, str, float, str]]:
    """(words around the number, unit family, value, as said) for each figure the enterprise gives; a
    founding year ("2017年注册的") becomes an age in 年, counted to the year the question names
    ("2024年能申请吗") or else to this year."""
    out = []
    founded = _FOUNDED_RE.search(text)
    if founded:
        year = int(founded.group(1) or founded.group(2))
        later = [int(y) for y in re.findall(r"(20\d{2})\s*年", text) if int(y) > year]
        age = float((max(later) if later else date.today().year) - year)
        out.append(("成立 注册 设立 年限", "年", age, founded.group(0)))
    for m in _SAID_NUMBER_RE.finditer(text):
        if m.group("num")[0].isdigit() and re.match(r"\s*年", text[m.end("num"):]) and len(m.group("num")) == 4:
            continue  # a year ("2023年"), not a quantity
        before = re.split(r"[,，。;；!！?？]", text[max(0, m.start() - 12):m.start()])[-1]
        after = re.split(r"[,，。;；!！?？、]", text[m.end():m.end() + 6])[0]  # "1200个机架"
        family, value = _quantity(m.group("num"), m.group("unit"))
        out.append((before + " " + after, family, value, m.group(0)))
    return out


def _bound_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry | None) -> list[Finding]:
    """Each numeric bound of the condition ("电能利用效率（PUE）低于1.3", "年营业收入在2000万元以下",
    "投资超过5000万元") against the figure the enterprise gives for the same quantity."""
    out = []
    said = _said_quantities(p.text)
    for m in _BOUND_RE.finditer(cond):
        op = _BOUND_OPS.get(m.group("op") or "") or _BOUND_OPS.get(m.group("tail") or "")
        if op is None:
            continue
        family, need = _quantity(m.group("num"), m.group("unit"))
        what = m.group("what")
        words = _fragment(cond, m.end() - 1, "，,、")
        have, as_said = next(((v, s) for before, fam, v, s in said if fam == family and _names_same(what, before)),
                             (None, ""))
        if have is None:
            label = "金额" if family == "money" else ""
            key = next((k for k in _MEASURES if k in what), "") if family == "money" else what.strip("（）()")
            out.append(Finding("unknown", f"条件为“{words}”,您未说明{'该金额' if label else key}",
                               f"{key or '相关'}{label}"))
            continue
        ok = {"<=": have <= need, "<": have < need, ">=": have >= need, ">": have > need}[op]
        # 以上、以下、以内、不超过 include the number itself; 超过、低于、不满 do not.
        edge = "" if have != need else ("(“以上”“以下”“不超过”等包含本数)" if ok else "(“超过”“低于”“不满”等不包含本数)")
        # The enterprise's words, not a computed figure: an answer never shows a number that neither
        # the document nor the question holds ("2017年注册", not "9年").
        shown = as_said
        out.append(Finding("ok" if ok else "fail",
                           f"{'您所述' + shown + '满足' if ok else '条件为'}“{words}”"
                           + ("" if ok else f",您所述为{shown},{'未达到' if op in ('>=', '>') else '不符合'}") + edge))
    return out


def _fragment(text: str, pos: int, separators: str) -> str:
    """The piece of ``text`` between separators that holds position ``pos``."""
    lo = max([text.rfind(c, 0, pos) for c in separators] + [-1]) + 1
    his = [i for i in (text.find(c, pos) for c in separators) if i >= 0]
    return text[lo:min(his) if his else len(text)].strip()


def _year_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry) -> list[Finding]:
    m = re.search(r"(\d{4})年(?:内|底前|前)(?:完成)?([\u4e00-\u9fff]{2,6})", cond)
    if not m:
        return []
    action = m.group(2)[:2]
    have = next((y for ctx, y in p.years if action in ctx), None)
    if have is None:
        return [Finding("unknown", f"条件为“{m.group(0)}”,您未说明时间", f"{m.group(2)}时间")]
    if have != int(m.group(1)):
        return [Finding("fail", f"条件为“{m.group(0)}”,您所述时间不在此范围内")]
    return [Finding("ok", f"您所述时间符合“{m.group(0)}”")]


_SIZE_WORDS = {"中小企业": "中小企业", "大型企业": "大型企业", "规模以上": "规模以上企业", "规模以下": "规模以下企业"}


def _size_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry) -> list[Finding]:
    for word, ok, bad in (("中小企业", "中小企业", "大型企业"), ("规模以上", "规模以上", "规模以下")):
        if word in cond:
            if bad in p.sizes:
                return [Finding("fail", f"对象为“{_phrase(cond, word)}”,您所述为{_SIZE_WORDS[bad]}")]
            if ok in p.sizes:
                return [Finding("ok", f"您所述为{_SIZE_WORDS[ok]}")]
            return [Finding("unknown", f"对象为“{_phrase(cond, word)}”,您未说明企业规模", "企业规模")]
    return []


def _qualifier_finding(p: EnterpriseProfile, cond: str, entry: CatalogueEntry) -> list[Finding]:
    m = re.search(r"符合[^,，。]{0,16}?条件的?", entry.who or cond)
    if m:
        return [Finding("unknown", f"须为“{m.group(0)}”,文件未写明具体条件" if m.group(0).startswith("符合条件")
                        else f"须“{m.group(0)}”,请对照该条件确认", "是否符合该条件")]
    return []


def _phrase(cond: str, word: str) -> str:
    """The segment of the condition around ``word`` (for quoting in a reason)."""
    seg = next((x.group(0) for x in _SEG_RE.finditer(cond) if word in x.group(0)), cond)
    return seg[:30]


_REQUIREMENT_PARTS: tuple[tuple[str, str, str], ...] = (
    # (attribute, words of the requirement, what the enterprise said)
    ("independent_legal_person", r"具有独立法人资格|独立法人", "不具有独立法人资格"),
    ("registered_local", r"在本[市省](?:注册|登记)|本[市省]注册|在[\u4e00-\u9fff]{2,4}[市省](?:行政区域|辖区|区域)?内?(?:依法)?(?:登记)?注册",
     "注册地不符"),
    ("accident", r"近[一二三两四五\d]年[^，,；;。]*?事故|未发生[^，,；;。]*?事故", "发生过事故"),
    ("dishonest", r"未被列入[^，,；;。]*?名单|失信[^，,；;。]*?名单", "被列入失信名单"),
    ("tax_arrears", r"[无未没](?:有)?欠缴[^，,；;。]{0,6}税款?|依法纳税|无欠税", "有欠缴税款"))


def _requirement_findings(p: EnterpriseProfile, req: str) -> list[Finding]:
    """Document-wide requirements ("申报主体须为在本市注册、具有独立法人资格的企业,且近三年未发生…")
    the enterprise says it does not meet."""
    out = []
    for attr, pattern, said in _REQUIREMENT_PARTS:
        m = re.search(pattern, req)
        value = getattr(p, attr)
        failed = value is False if attr in ("independent_legal_person", "registered_local") else value is True
        if m and failed:
            out.append(Finding("fail", f"申报主体须“{m.group(0)}”,您所述{said}"))
    return out


def _bound_fails(p: EnterpriseProfile, req: str) -> list[Finding]:
    """Numeric bounds of a requirement ("注册成立不满5年") the enterprise's own figures fail; a
    figure it did not give is no finding here (requirements are many; the verdict says which
    ones remain to meet)."""
    return [f for f in _bound_finding(p, req, None) if f.status == "fail"]


def general_findings(profile: EnterpriseProfile, doc: Document) -> list[GeneralFinding]:
    """Document-wide requirements the enterprise says it does not meet."""
    support = document_support(doc)
    out = []
    for p in support.requirements:
        local = _with_region(profile, support.region)
        for f in _requirement_findings(local, p.text) + _bound_fails(local, p.text):
            out.append(GeneralFinding(doc.id, doc.title, p, f.reason))
    return out


def _with_region(p: EnterpriseProfile, region: str) -> EnterpriseProfile:
    if p.region and region and p.registered_local is None:
        return replace(p, registered_local=p.region.startswith(region) or region.startswith(p.region))
    return p


def _estimate(p: EnterpriseProfile, entry: CatalogueEntry) -> str:
    """"按设备投资额的10%" and the enterprise's own 设备投资8000万元 → 800万元, capped by the stated cap.
    Only for a stated rate; a document without an amount gets no estimate."""
    rate = next((a for a in entry.amounts if a.endswith(("%", "％"))), "")
    if not rate:
        return ""
    base = re.search(r"按([^,，。按]{1,12}?)的" + re.escape(rate), entry.sentence)
    key = next((k for k in _MEASURES if base and k in base.group(1)), "")
    have = next((v for ctx, v in p.amounts if key and (key[:2] in ctx or key == "费用" and re.search(r"花|支付|费", ctx))),
                None)
    if have is None:
        return ""
    value = have * float(rate.rstrip("%％")) / 100
    cap_m = re.search(r"(\d+(?:\.\d+)?)\s*(亿|万)?元", entry.cap)
    cap = float(cap_m.group(1)) * (10000.0 if cap_m.group(2) == "亿" else 1.0) if cap_m else None
    text = f"按文件所列“{base.group(0) if base else rate}”计算约{_money(value)}"
    if cap is not None and value > cap:
        return text + f",超过“{entry.cap}”,以上限为准,最多{_money(cap)};实际以审核为准"
    return text + (f",未超过“{entry.cap}”" if entry.cap else "") + ";实际以审核为准"


def _money(wan: float) -> str:
    return f"{wan / 10000:g}亿元" if wan >= 10000 else f"{wan:g}万元"


def _cn(n: int) -> str:
    return "零一二三四五六七八九"[n] if 0 <= n < 10 else str(n)
