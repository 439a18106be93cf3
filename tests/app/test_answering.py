"""The evidence-first answerer: question understanding and evidence scoring as pure functions
(milliseconds), then end to end over real documents of ../shared/corpus-real through the real
index (real Chroma, real embeddings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.answering import abstain
from app.answering.evidence import Scorer, select, sentences_of, _present
from app.answering.query import LEXICON_FILE, normalise, understand
from ingest.document import parse_document
from ingest.types import LoadedText

LEXICON = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
REAL_DOCS = Path(__file__).resolve().parents[3] / "shared" / "corpus-real" / "docs"


# ---- understanding ---------------------------------------------------------------------------

@pytest.mark.parametrize("question, facets", [
    ("补贴标准是多少?最长补几个月?", [{"money"}, {"duration"}]),
    ("今年目标多少?去年基数多少?", [{"number"}, {"number"}]),
    ("什么时候印发的,发文机关是谁?", [{"date", "department"}]),
    ("养老机构买楼走的银行按揭，市财政能贴息吗？最多贴多少、几年？", [{"condition"}, {"money", "duration"}]),
    ("新建床位每张补多少？改扩建的呢？", [{"money"}, {"money"}]),
    ("这份方案的文号是多少?", [{"docno"}]),
    ("规划的基本原则有哪几条？", [{"list"}]),
    ("陆源污染物入海这块归哪个部门管？", [{"department"}]),
])
def test_parts_and_what_each_asks(question: str, facets: list[set[str]]) -> None:
    q = understand(question)
    assert len(q.parts) == len(facets)
    for part, wanted in zip(q.parts, facets):
        assert wanted <= set(part.facets), (part.text, part.facets)


def test_a_part_without_a_question_of_its_own_is_context_for_the_next() -> None:
    q = understand("我失业前交了3年失业保险，能领几个月？")
    assert len(q.parts) == 1 and "失业保险" in q.parts[0].text


def test_clause_numbers_years_and_units() -> None:
    q = understand("第99条由谁负责?2025年要培育多少户?")
    assert [(r.kind, r.number) for r in q.references] == [("条", 99)]
    assert q.years == (2025,)
    assert q.parts[-1].unit == "户"


def test_an_asked_unit_needs_a_number_in_that_unit() -> None:
    part = understand("专精特新企业要培育多少户？").parts[0]
    assert not part.shows("number", "核心产业增加值占GDP比重达到10%")
    assert part.shows("number", "培育认定“专精特新”中小企业400户以上")
    assert understand("每万人要配几个家庭医生？").parts[0].shows("number", "家庭医生数不低于4名")  # 个: any measure word


@pytest.mark.parametrize("colloquial, plain", sorted(LEXICON["colloquial"].items()))
def test_each_colloquial_form_is_rewritten(colloquial: str, plain: str) -> None:
    assert plain in normalise(f"请问{colloquial}？")


@pytest.mark.parametrize("word, spelled", sorted((k, v) for k, vs in LEXICON["synonyms"].items() for v in vs))
def test_each_synonym_counts_as_the_word(word: str, spelled: str) -> None:
    assert _present(word, f"文件写的是{spelled}。") == 1.0


def test_orphan_follow_up_asks_what_is_meant() -> None:
    r = abstain.before_retrieval(understand("那它的目标呢?"), [], has_history=False)
    assert r is not None and "指的是" in r.message


# ---- evidence scoring -------------------------------------------------------------------------

_TEXT = """关于支持企业发展的若干措施
一、就业补贴
对招用本市户籍失业人员的企业，给予一次性吸纳就业补贴。补贴标准为每人每月500元，最长补贴6个月。
二、申报材料
企业申请补贴应当提交下列材料：
（一）营业执照复印件；
（二）劳动合同；
（三）社保缴费证明。
三、组织实施
本措施由市人力资源社会保障局负责解释，自2024年1月1日起施行，有效期至2026年12月31日。
"""


@pytest.fixture(scope="module")
def doc():
    return parse_document(LoadedText(source="t.txt", text=_TEXT, format="txt"))


def _evidence(doc, question: str):
    import jieba

    q = understand(question)
    tk = jieba.Tokenizer()
    scorer = Scorer(q, lambda t: [w for w in tk.lcut_for_search(t.lower()) if w.strip()], [doc])
    cands = [(s, 0) for c in doc.clauses if c.parent_id is None for s in sentences_of(doc, c)]
    return q, scorer, select(q, cands, scorer, lambda c: sentences_of(doc, c))


def test_the_sentence_that_holds_the_amount_wins(doc) -> None:
    _, _, ev = _evidence(doc, "就业补贴每人每月补多少钱？")
    assert "500元" in ev.best[0].sentence.text


def test_two_parts_get_their_sentences(doc) -> None:
    _, _, ev = _evidence(doc, "这个措施从哪天开始施行？有效期到什么时候？")
    text = "".join(s.text for s in ev.sentences)
    assert "2024年1月1日" in text and "2026年12月31日" in text


def test_a_lead_in_brings_its_items(doc) -> None:
    _, _, ev = _evidence(doc, "申请补贴要交哪些材料？")
    text = "".join(s.text for s in ev.sentences)
    assert "营业执照复印件" in text and "社保缴费证明" in text


def test_a_value_no_sentence_shows_is_missing(doc) -> None:
    _, _, ev = _evidence(doc, "申报截止日期是哪天？咨询电话多少？")
    assert ev.missing  # no 电话 number anywhere


# ---- end to end over real documents ------------------------------------------------------------

pytestmark_real = pytest.mark.skipif(not REAL_DOCS.is_dir(), reason="../shared/corpus-real is not beside the project")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    if not REAL_DOCS.is_dir():
        pytest.skip("../shared/corpus-real is not beside the project")
    from app.assistant import Assistant
    from app.config import get_settings
    from app.indexing import ingest_paths

    settings = get_settings().model_copy(update={"index_dir": tmp_path_factory.mktemp("real") / "index",
                                                 "chroma_url": None})
    ingest_paths([REAL_DOCS / "ganjingzi-economic-awards.docx", REAL_DOCS / "dalian-elderly-care-opinions.docx",
                  REAL_DOCS / "tianhe-rental-registration-guide.html"], settings, rebuild=True)
    return Assistant.from_settings(settings)


def _ask(assistant, question: str, doc: str):
    answer = assistant.ask(question, doc=doc)
    for c in answer.citations:  # every quote verbatim in its document
        d = next(d for d in assistant.kb.documents if d.source == c.doc)
        assert c.quote in d.text
    return answer


def test_real_two_part_amount_question(real) -> None:
    a = _ask(real, "养老机构买楼走的银行按揭，市财政能贴息吗？最多贴多少、几年？", "dalian-elderly-care-opinions.docx")
    assert not a.refused
    assert "200万元" in a.answer and "2年" in a.answer


def test_real_colloquial_first_time(real) -> None:
    a = _ask(real, "我们公司今年头一回被认定为国家高新技术企业，能奖多少钱？", "ganjingzi-economic-awards.docx")
    assert "10万元" in a.answer and not a.refused


def test_real_clause_number_the_document_does_not_have(real) -> None:
    a = _ask(real, "第九十九条由谁负责？", "ganjingzi-economic-awards.docx")
    assert a.refused and "没有" in a.answer


def test_real_orphan_follow_up(real) -> None:
    a = _ask(real, "那它的目标呢?", "dalian-elderly-care-opinions.docx")
    assert a.refused and "指的是" in a.answer


def test_real_unstated_fee_is_refused(real) -> None:
    a = _ask(real, "办理租赁备案要交多少钱手续费？", "tianhe-rental-registration-guide.html")
    assert a.refused


def test_real_courtesy_filler_does_not_change_the_answer(real) -> None:
    """"…请尽快回复,谢谢" is no part of what is asked (issue 19: it moved the answer to another clause)."""
    plain = _ask(real, "民办非营利养老院买团体责任险，政府补多少？", "dalian-elderly-care-opinions.docx")
    polite = _ask(real, "您好，民办非营利养老院买团体责任险，政府补多少？请尽快回复，谢谢", "dalian-elderly-care-opinions.docx")
    assert polite.answer == plain.answer and not plain.refused
