"""Answers about the document itself: 文号, dates, issuers, title, how many parts/measures."""

from __future__ import annotations

import re

from app.compose import Draft, Quote, clause_ref
from ingest.structure import ANNEX_LABEL_PREFIX
from ingest.types import Clause, ClauseKind, Document


class _SentenceRe:
    """``[^。\\n]*<anchor>[^。\\n]*。?`` — the first sentence holding ``anchor`` — found in linear time.

    Searched as one pattern, the leading ``[^。\\n]*`` is tried from every position of a sentence
    without the anchor: quadratic on a long line without "。" (a 50,000-character line took
    14 s). The anchor is searched instead, and the whole pattern is matched once, from the
    start of the sentence the anchor is in: the same match, since sentences never overlap.
    """

    def __init__(self, anchor: str) -> None:
        self._anchor = re.compile(anchor)
        self._sentence = re.compile(rf"[^。\n]*{anchor}[^。\n]*。?")

    def search(self, text: str) -> re.Match[str] | None:
        found = self._anchor.search(text)
        if found is None:
            return None
        start = max(text.rfind("。", 0, found.start()), text.rfind("\n", 0, found.start())) + 1
        return self._sentence.match(text, start)


_EFFECTIVE_RE = _SentenceRe(r"自[^。\n]{2,20}起(?:施行|实施|执行)")
_VALIDITY_RE = _SentenceRe(r"(?:有效期|执行期限?|实施期限?|试行期)(?:至|到|为|截至|截止)")
# "到期后还能申报吗?": the text says until when; what happens after is for the issuer to decide.
_AFTER_EXPIRY_RE = re.compile(r"(?:到期|过期|失效|届满)(?:以?后|了)")


VALIDITY_WORDS = ("有效期", "到期", "过期", "失效", "有效至", "还有效", "有效到", "执行期限", "实施期限", "管到", "执行到")
# "批复还有效吗?" asks about a decision's validity, not the document's.
OTHER_VALIDITY_RE = re.compile(r"批复|证书|资格|认定|证照|许可|合同|协议|备案|授权|名单")


def clause_at(doc: Document, offset: int) -> Clause | None:
    """The deepest clause whose span holds ``offset``."""
    inside = [c for c in doc.clauses if c.start <= offset < c.end]
    return max(inside, key=lambda c: (c.level, c.start), default=None)


def _quote_of(doc: Document, value: str) -> tuple[Quote, ...]:
    pos = doc.text.find(value) if value else -1
    clause = clause_at(doc, pos) if pos >= 0 else None
    return (Quote(clause, value),) if clause else ()


def meta_answer(doc: Document, question: str) -> Draft | None:
    """A metadata answer, or None when the question asks for nothing we can answer this way."""
    m = doc.meta
    for words, handler in _HANDLERS:
        if any(w in question for w in words):
            return handler(doc, m, question)
    return None


def _number(doc, m, q):
    if not m.doc_number:
        return None
    return Draft(f"《{doc.title}》的发文字号为{m.doc_number}。", _quote_of(doc, m.doc_number))


def _dates(doc, m, q):
    parts, quotes = [], []
    if m.publish_date and any(w in q for w in ("发布", "公布", "上网", "公开")):
        parts.append(f"发布时间为{m.publish_date}")
        quotes += _quote_of(doc, m.publish_date)
    if m.issue_date and (not parts or any(w in q for w in ("印发", "成文", "落款", "签发"))):
        parts.append(f"印发(成文)日期为{m.issue_date}")
        quotes += _quote_of(doc, m.issue_date)
    if not parts and m.publish_date:
        parts.append(f"发布时间为{m.publish_date}")
        quotes += _quote_of(doc, m.publish_date)
    return Draft(f"《{doc.title}》" + ",".join(parts) + "。", tuple(quotes)) if parts else None


def _issuers(doc, m, q):
    if not m.issuers:
        return None
    sig = next((c for c in doc.clauses if c.kind == ClauseKind.SIGNATURE), None)
    quotes = (Quote(sig, sig.text),) if sig else _quote_of(doc, m.issuers[0])
    return Draft(f"由{'、'.join(m.issuers)}联合印发。" if len(m.issuers) > 1 else f"由{m.issuers[0]}印发。", quotes)


def _title(doc, m, q):
    return Draft(f"文件标题为《{doc.title}》。", _quote_of(doc, doc.title))


def _sentence(doc: Document, pattern: _SentenceRe) -> tuple[Clause | None, str] | None:
    """The first sentence ``pattern`` finds in the document, stripped, and the clause holding it."""
    found = pattern.search(doc.text)
    if not found:
        return None
    sentence = found.group(0).strip()
    return clause_at(doc, found.start() + len(found.group(0)) - len(found.group(0).lstrip())), sentence


def _sentence_draft(clause: Clause | None, sentence: str, after: str = "") -> Draft:
    text = f"根据{clause_ref(clause)}:{_unlabelled(sentence)}" if clause else sentence
    if after:
        text = text.rstrip("。") + "。" + after
    return Draft(text, (Quote(clause, sentence),) if clause else ())


def _effective(doc, m, q):
    found = _sentence(doc, _EFFECTIVE_RE)
    return _sentence_draft(*found) if found else None


def _unlabelled(sentence: str) -> str:
    """The sentence without its article label: the reference before it already names the article."""
    return re.sub(r"^第[一二三四五六七八九十百零〇\d]+条\s*", "", sentence)


def validity(doc: Document) -> tuple[Clause, str, int] | None:
    """The 有效期 sentence, its clause and the last year it runs to."""
    found = _sentence(doc, _VALIDITY_RE)
    years = re.findall(r"(20\d{2})年", found[1]) if found else []
    if not found or not years or found[0] is None:
        return None
    return found[0], found[1], int(years[-1])


def _validity(doc, m, q):
    found = _sentence(doc, _VALIDITY_RE)
    if not found:
        return _effective(doc, m, q)
    return _sentence_draft(*found, "文件未写明到期后的安排,以届时发布的政策为准。" if _AFTER_EXPIRY_RE.search(q) else "")


def _counts(doc, m, q):
    chapters = [c for c in doc.clauses if c.kind == ClauseKind.CHAPTER and c.parent_id is None
                and not c.label.startswith(ANNEX_LABEL_PREFIX)]  # an annex is no part of the body
    articles = [c for c in doc.clauses if c.kind == ClauseKind.ARTICLE]
    if any(w in q for w in ("部分", "章", "方面")) and chapters:
        # Name each part with its title: "共6个部分(一、二、…)" tells the reader nothing.
        names = ";".join(f"{c.label}{c.title}" if c.title else c.label.rstrip("、.．") for c in chapters)
        return Draft(f"《{doc.title}》共{len(chapters)}个部分:{names}。",
                     tuple(Quote(c, _heading(c)) for c in chapters))
    numbers = [a.number for a in articles]
    if articles and numbers == list(range(1, len(articles) + 1)):
        return Draft(f"《{doc.title}》共{len(articles)}条({_span(articles)})。",
                     (Quote(articles[0], _heading(articles[0])), Quote(articles[-1], _heading(articles[-1]))))
    return None


def _heading(c: Clause) -> str:
    return c.text.split("\n", 1)[0][: len(c.label) + len(c.title)]


def _span(articles: list[Clause]) -> str:
    return f"{clause_ref(articles[0]).split('「')[0]}至{clause_ref(articles[-1]).split('「')[0]}"


def _addressees(doc, m, q):
    """主送机关: the notice line that ends with a colon."""
    notice = next((c for c in doc.clauses if c.kind == ClauseKind.NOTICE), None)
    if notice is not None:
        line = next((ln.strip() for ln in notice.text.split("\n") if ln.strip().endswith((":", "："))), "")
        if line:
            return Draft(f"该通知的主送单位为:{line.rstrip(':：')}。", (Quote(notice, line),))
    # A notice the parser did not set apart (a web page's header came first): the addressee line
    # near the top ("各区市人民政府（管委），市政府各部门…：").
    found = _ADDRESSEES_RE.search(doc.text[:4000])
    clause = clause_at(doc, found.start(1)) if found else None
    if clause is None:
        return None
    return Draft(f"该通知的主送单位为:{found.group(1).rstrip(':：')}。", (Quote(clause, found.group(1)),))


_ADDRESSEES_RE = re.compile(r"^((?:各|有关|[\u4e00-\u9fff]{2,4}(?:省|市|区|县)?人民政府)[^。\n]{2,150}[：:])\s*$", re.M)


def _basis(doc, m, q):
    """上位依据: the first sentence naming other documents in 《》."""
    for c in doc.clauses:
        if c.kind in (ClauseKind.PREAMBLE, ClauseKind.NOTICE):
            found = _basis_sentence(c.text)
            if found:
                sentence = found.strip()
                return Draft(f"{sentence}。" if not sentence.endswith("。") else sentence, (Quote(c, sentence),))
    return None


_BASIS_WORD_RE = re.compile(r"贯彻|落实|依据|根据|按照")


def _basis_sentence(text: str) -> str | None:
    """What ``[^。\\n]*(?:贯彻|落实|依据|根据|按照)[^。\\n]*《[^。\\n]*》[^。\\n]*`` finds first, in
    linear time: the first sentence with one of the words, then 《 and later 》 (as one pattern,
    its three stars made a long line without "。" quadratic or worse)."""
    for run in re.finditer(r"[^。\n]+", text):
        sentence = run.group(0)
        word = _BASIS_WORD_RE.search(sentence)
        opening = sentence.find("《", word.end()) if word else -1
        if opening >= 0 and sentence.find("》", opening + 1) >= 0:
            return sentence
    return None


def _first_issuer(doc, m, q):
    return Draft(f"牵头发文的是{m.issuers[0]}(落款首位)。", _issuers(doc, m, q).quotes) if m.issuers else None


_HANDLERS = (
    (("发给谁", "主送", "下发给", "发送给"), _addressees),
    (("依据", "上位", "根据哪些", "贯彻"), _basis),
    (("牵头发文", "主办单位", "牵头印发"), _first_issuer),
    (("文号", "发文字号", "字号"), _number),
    (VALIDITY_WORDS, _validity),
    (("施行", "生效", "实施日期", "起实施", "开始实施", "开始执行"), _effective),
    (("几大", "几个部分", "多少个部分", "几部分", "多少条", "几条", "多少项措施", "几项措施", "多少措施", "几个方面", "几章", "多少章"), _counts),
    (("发文单位", "发文机关", "印发单位", "联合印发", "哪些部门联合", "哪些单位联合", "谁印发", "谁发布", "谁制定", "哪些部门制定",
      "哪个部门印发", "哪个部门发布", "单位印发", "单位发布", "由谁印发", "联合制定",
      "发的文", "谁发的", "单位发的", "部门发的", "机关发的"), _issuers),
    (("发布时间", "发布日期", "印发时间", "印发日期", "成文日期", "什么时候印发", "什么时候发布", "哪天", "何时发布", "何时印发",
      "日期", "时间"), _dates),
    (("标题", "文件名", "叫什么", "名称", "全称"), _title),
)
