"""When the documents do not hold the answer: checks that run before an answer is composed.

Each check names what the question asks for and looks for it in the text. A refusal says what
is missing ("文件未明确…") and may still point to the closest clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from app.intent import Query
from ingest.numerals import to_int
from ingest.types import Clause, Document

# (what the user asks for, words that ask for it, a regex the clause must match to answer it)
_SPECIFICS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (what, re.compile(asks, re.I), re.compile(present)) for what, asks, present in (
        ("具体金额或补贴标准",
         r"多少钱|金额|多少万|(?:补贴|补助|奖励|奖补|资助)(?:标准|多少|金额)|多少\S{0,4}(?:补贴|补助|奖励|奖金|资金)|额度|上限|"
         r"最高多少|面额|比例|how much|拿多少|拿到多少|补多少|给多少|具体数额",
         r"\d+(?:\.\d+)?\s*(?:万元|亿元|元)|\d+(?:\.\d+)?\s*[%％]"),
        ("份数", r"几份|多少份", r"\d+\s*份|[一二两三四五六七八九十]份"),
        ("联系方式", r"电话|联系方式|邮箱|地址|联系人|热线(?:电话|号码|是多少|多少)|网址", r"电话|\d{3,4}-\d{7,8}|@|地址[:：]|网址|http"),
        ("申报截止时间", r"截止时间|截止日期|申报时间|申请时间|什么时候申报|何时申报|什么时候申请|何时申请|申报期限",
         r"截止|\d{1,2}月\d{1,2}日前|申报时间|申请时间|申报期限"),
        ("申报流程或材料", r"申报流程|申请流程|怎么申请|如何申请|怎么申报|如何申报|申报材料|申请材料|申报入口|去哪申请|"
                     r"在哪申请|提交什么|报名|领取|怎么领|申领|哪个平台|流程|手续|怎么走|"
                     # "材料" asked for, not "收到材料后多少天": what materials, how many copies
                     r"(?:哪些|什么|啥|几份|多少份|要交|交|提交|准备|带)\S{0,4}材料|材料(?:有哪些|是什么|清单|要求|要几份)",
         r"申报流程|申请流程|申报材料|申请材料|提交|受理|领取|申领|通过\S{0,10}平台\S{0,4}申"),
        ("预算或资金总额", r"预算|资金总额|总投资|投入多少|安排资金|专项资金规模|总规模|资金规模|总额",
         r"预算|总规模\S{0,4}\d|资金总额|总投资\S{0,4}\d"),
        ("能否叠加享受", r"叠加|同时享受|重复享受|兼得", r"叠加|同时享受|重复享受|不得重复|不重复|兼得|就高"),
        ("具体人员", r"召集人|局长|厅长|主任是谁|负责人是谁|领导是谁|谁是负责人", r"召集人|局长|厅长|主任|负责人"),
        ("认定标准或资格条件", r"认定标准|认定条件|评选标准|评定标准|遴选标准|准入条件|资格条件|具备什么资格|需要具备|什么资格|门槛",
         r"认定标准|认定条件|评定标准|评选标准|遴选标准|应当具备|须具备|资格条件|门槛|具备下列|符合下列条件|符合以下条件|"
         r"(?:主体|企业|单位|对象)(?:须|必须|应当|应)(?:为|是|具有|同时符合|符合|满足)"),
        ("举办时间和地点", r"什么时候举办|在哪里?举办|举办时间|举办地点|什么时候、在哪里", r"\d{1,2}月|\d{4}年\d|在\S{2,6}举办"),
        ("处罚规定", r"处罚|罚款|法律责任|追究|违反", r"处罚|罚款|追究|法律责任|责令|处分|通报批评"),
        ("分值或权重", r"多少分|几分|分值|权重", r"\d+(?:\.\d+)?\s*分|权重"),
        ("收费标准", r"怎么收费|收费标准|收多少|价格|如何收费|多少费用", r"收费标准|\d+\s*元|价格"),
        # "分阶段给予…奖励" without the stages: the stages and their amounts are in another rule.
        ("各阶段的具体标准", r"每个阶段|各阶段|几个阶段|哪几个阶段|每一阶段|每档|各档|几档",
         r"第[一二三四五]阶段|[一二三四五两]个阶段|[一二三四五]档|分别给予"),
    ))
PLACES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
           "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古",
           "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "西安",
           "济南", "青岛", "烟台", "潍坊", "淄博", "临沂", "威海", "日照", "济宁", "泰安", "德州", "聊城", "滨州", "菏泽",
           "枣庄", "东营", "山东", "全国")


def missing_year(q: Query, docs: Sequence[Document]) -> str | None:
    """A year the question names that no document mentions (2023年 in a 2022 plan)."""
    for y in q.years:
        if not any(f"{y}年" in d.text or f"{y}-" in d.text for d in docs):
            return f"{y}年"
    return None


def missing_target_year(q: Query, docs: Sequence[Document]) -> str | None:
    """A year's target the documents do not set: "2023年的网办率目标" in a 2024 plan that names
    2023 only as a baseline ("2023年基数", "在2023年已上线…的基础上"). A year in the title (a
    2023 work plan) or in a target's deadline or table column is a target year."""
    if "目标" not in q.text or not q.years:
        return None
    stated = " ".join(f"{d.title} " + " ".join(f"{t.deadline} {' '.join(_TARGET_YEAR_RE.findall(t.display))}"
                                               for c in d.clauses for t in c.facts.targets) for d in docs)
    if not re.search(r"20\d{2}年", stated):
        return None  # targets "年底前" without a year: nothing to tell one year from another
    for y in q.years:
        if f"{y}年" not in stated:
            return f"{y}年目标"
    return None


_TARGET_YEAR_RE = re.compile(r"20\d{2}年(?=目标)")


def missing_quoted(q: Query, docs: Sequence[Document]) -> str | None:
    """A term the question puts in quotes ("专精特新“小巨人”") that no document uses: a named
    programme or title the text does not have."""
    from app.incentives import TOPIC_ALIASES

    for term in re.findall(r"[“\"「『]([^”\"」』]{2,20})[”\"」』]", q.text):
        # "“双跨”" is how users say 跨行业跨领域: any spelling of the same topic counts.
        spellings = next((g for g in TOPIC_ALIASES if term in g), (term,))
        if not any(s in d.text for d in docs for s in spellings):
            return f"“{term}”"
    return None


def missing_department(q: Query, docs: Sequence[Document]) -> str | None:
    """A department the question names that no document names in any spelling ("工信局" in a
    document whose departments are 市大数据局, 市财政局 …): what it does there is not stated."""
    from ingest.departments import ALIASES, matches

    # Names the user typed: aliases (工信局) and clean organisation names; a loose match across
    # words ("千兆城市创建是通管局") is no name.
    typed = [a for a in ALIASES if a in q.text] + [
        d for d in q.departments if re.match(r"(?:省委|省|市委|市|区|县)[\u4e00-\u9fff]{1,8}(?:局|厅|委员会|委|办公室)$", d)
        and not re.search(r"[这那哪由是找谁的些条归和与及、]|(?:布|格|开|全|结|大|新|变)局$", d)]
    if not typed:
        return None
    named = {n for doc in docs for n in _departments_named(doc.text)}
    named |= {d.name for doc in docs for c in doc.clauses for d in c.facts.departments}
    for asked in typed:
        if not any(matches(asked, n) or asked in n for n in named):
            return asked
    return None


@lru_cache(maxsize=64)
def _departments_named(text: str) -> frozenset[str]:
    """Every organisation name in a document's text, once per text (a str caches its hash)."""
    from ingest.departments import DEPARTMENT_RE

    return frozenset(m.group(0) for m in DEPARTMENT_RE.finditer(text))


def missing_place(q: Query, docs: Sequence[Document]) -> str | None:
    """A province or city the question names that no document mentions."""
    for place in PLACES:
        if place in q.text and not any(place in d.text for d in docs):
            return place
    return None


_LEVELS = ("国家级", "省级", "市级", "区级", "县级")
_LEVEL_NOUN_RE = re.compile(r"(国家级|省级|市级|区级|县级)([\u4e00-\u9fffA-Za-z0-9]{4,16})")


def missing_level(q: Query, docs: Sequence[Document]) -> str | None:
    """An administrative level the documents do not give for what the question names: "市级智慧
    农业应用基地" when the text only rewards 省级 and 国家级 ones. Only when the same thing is
    written with another level, so a thing the text never names is left to the other checks."""
    asked = list(_LEVEL_NOUN_RE.finditer(q.text))
    text = " ".join(d.text for d in docs) if asked else ""
    for m in asked:
        level, noun = m.group(1), m.group(2)
        for k in range(len(noun), 3, -1):
            thing = noun[:k]
            if any(other + thing in text for other in _LEVELS if other != level):
                return None if level + thing in text else level + thing
    return None


# "住房补贴" / "租房补助": a kind of benefit named by the word before 补贴. Words that only ask
# (什么补贴, 哪些奖励) or name money in general (财政补贴, 专项资金) are no kind.
_BENEFIT_KIND_RE = re.compile(r"([\u4e00-\u9fff]{2})(补贴|补助|津贴|奖金)")
_NOT_A_KIND = frozenset(("什么", "哪些", "多少", "没有", "有没", "相关", "具体", "有关", "财政", "资金", "专项", "政策", "一次",
                         "次性", "能拿", "获得", "给予", "享受", "申请", "申报", "领取", "这个", "这项", "那个", "可以",
                         "能否", "是否", "有何", "哪种", "何种", "哪类", "拿到", "给的", "发放", "哪项", "各项", "奖励",
                         "有的", "的的", "还有", "能有", "能领", "可领", "可拿", "能享", "有无", "这些", "那些", "各种", "各类",
                         "所有", "任何", "这类", "某些", "哪个", "全部"))


# A kind is a noun (住房, 租房, 交通); "再拿补贴", "费用能补贴" put a verb or modal before 补贴.
_VERBISH_RE = re.compile(r"[的能拿再可要给有申领获享得到还也都就请想会该把被让用发]")


def missing_benefit_kind(q: Query, docs: Sequence[Document]) -> str | None:
    """A kind of benefit ("住房补贴") whose qualifier no document uses anywhere."""
    from app.incentives import TOPIC_ALIASES

    asked = list(_BENEFIT_KIND_RE.finditer(q.text))
    # Department names are no benefit words (住房 in 市住房城乡建设局 says nothing of 住房补贴).
    text = _without_departments(docs) if asked else ""
    for m in asked:
        kind = m.group(1)
        if kind in _NOT_A_KIND or _VERBISH_RE.search(kind) or kind in text:
            continue
        aliases = [a for group in TOPIC_ALIASES if any(kind in a or a in kind for a in group) for a in group]
        if any(a in text for a in aliases):
            continue
        return m.group(0)
    return None


# "由哪家基金管理公司管理?": the kind of organisation the question asks which one is.
_BODY_KINDS = ("公司", "银行", "机构", "协会", "学会", "服务商", "运营商", "平台", "基金", "学校", "医院", "律所", "事务所")
_WHICH_BODY_RE = re.compile(rf"(?:哪家|哪个|哪一家|哪一个|哪些)([\u4e00-\u9fff]{{0,8}}({'|'.join(_BODY_KINDS)}))")


def missing_body(q: Query, docs: Sequence[Document]) -> str | None:
    """A kind of organisation (公司, 银行, 平台…) the question asks which one is, when the documents
    never name one of that kind: a fund's manager the text leaves open is not to be guessed."""
    asked = list(_WHICH_BODY_RE.finditer(q.text))
    text = _without_departments(docs) if asked else ""
    for m in asked:
        if m.group(2) not in text:
            return f"具体的{m.group(1)}"
    return None


def _without_departments(docs: Sequence[Document]) -> str:
    """The documents' text with department names blanked out (their words are not the question's)."""
    return " ".join(_text_without_departments(d.text) for d in docs)


@lru_cache(maxsize=256)
def _text_without_departments(text: str) -> str:
    # Cached per document text: the substitution runs over whole documents, once each, not on every
    # question (a str caches its own hash, so the lookup is cheap).
    from ingest.departments import DEPARTMENT_RE

    return DEPARTMENT_RE.sub(" ", text)


_UNIT = r"(?:万亿元|亿元|万元|元|万台|万个|万家|万户|个|家|台|户|人)"
# "首次突破1亿元、5亿元、10亿元的…分别给予…": tiers written as a list after one verb.
_TIERS_RE = re.compile(rf"(突破|达到|超过)((?:\d+(?:\.\d+)?{_UNIT}?[、和及])+\d+(?:\.\d+)?{_UNIT})")
_ASKED_TIER_RE = re.compile(rf"(突破|达到|超过)(\d+(?:\.\d+)?)\s*({_UNIT})")


# "DCMM三级、四级、五级的…分别给予": levels written as a list.
_LEVEL_TIERS_RE = re.compile(r"((?:[一二三四五12345]级[、和及或])+[一二三四五12345]级)")
_ASKED_LEVEL_RE = re.compile(r"(?<![一二三四五12345、])([一二三四五12345])级(?!及以上|以上)")


def missing_tier(q: Query, text: str) -> str | None:
    """A figure or level the question names ("首次突破20亿元", "DCMM二级") that the tiered measure
    it is about does not list ("首次突破1亿元、5亿元、10亿元的…", "三级、四级、五级的…分别给予…"):
    the text gives no award for that tier."""
    level = _ASKED_LEVEL_RE.search(q.text)
    if level:
        for m in _LEVEL_TIERS_RE.finditer(text):
            listed = {to_int(x) for x in re.findall(r"([一二三四五12345])级", m.group(1))}
            if to_int(level.group(1)) not in listed:
                before = q.text[max(0, level.start() - 6):level.start()]
                name = re.search(r"[A-Za-z]{2,}$|[\u4e00-\u9fff]{2,6}$", before)
                return f"{name.group(0) if name else ''}{level.group(0)}这一档的标准(文件所列为{m.group(1)})"
    asked = _ASKED_TIER_RE.search(q.text)
    if not asked:
        return None
    for m in _TIERS_RE.finditer(text):
        if m.group(1) != asked.group(1):
            continue
        tiers = re.findall(rf"(\d+(?:\.\d+)?)({_UNIT})?", m.group(2))
        unit = next((u for _, u in reversed(tiers) if u), "")
        values = {(v, u or unit) for v, u in tiers}
        if unit == asked.group(3) and (asked.group(2), asked.group(3)) not in values:
            return f"{asked.group(1)}{asked.group(2)}{asked.group(3)}这一档的标准"
    return None


def missing_specific(q: Query, clause: Clause | None) -> str | None:
    """What the question asks for (an amount, a phone number, a procedure) that the clause lacks."""
    return missing_in(q, clause.text if clause is not None else "")


def missing_in(q: Query, text: str, skip: frozenset[str] = frozenset()) -> str | None:
    """What the question asks for that ``text`` (the quotes an answer would show) does not hold."""
    for what, asks, present in _SPECIFICS:
        if what not in skip and asks.search(q.text) and not present.search(text):
            return what
    return None


# Checked by the evidence answerer itself (an amount, a rate: the asked facet must show in its
# evidence), or written too many ways for one pattern (资金规模由…亿元提升到…, 怎么申请 … 由…另行制定).
EVIDENCE_CHECKED = frozenset({"具体金额或补贴标准", "预算或资金总额", "申报流程或材料"})


def unmatched_place(q: Query, doc_title: str, text: str) -> str | None:
    """A place the question names that neither the document title nor ``text`` mentions
    (济南市的目标 from a provincial target)."""
    for place in PLACES:
        if place in q.text and place not in doc_title and place not in text:
            return place
    return None


def refusal_text(missing: str, clause: Clause | None = None) -> str:
    """"文件未明确…" with a pointer to the closest clause when there is one."""
    base = f"文件未明确{missing}。"
    if clause is not None and clause.title:
        return base + f"相关内容见{_ref(clause)}。"
    return base


def _ref(clause: Clause) -> str:
    from app.compose import clause_ref

    return clause_ref(clause)
