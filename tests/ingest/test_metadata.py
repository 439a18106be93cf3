"""Document metadata: title, 发文字号, issuers and dates, exactly as written in the text.

Full-width punctuation is written as escapes (\\uff1a ： \\uff08 （ \\uff09 ）) so no editor folds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import load_file
from ingest.metadata import extract_metadata
from ingest.types import DocumentMeta

COLON, LPAREN, RPAREN = "\uff1a", "\uff08", "\uff09"
CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"

SHANDONG_META = DocumentMeta(
    title="山东省2022年数字经济“重点突破”行动方案",
    doc_number="鲁工信数据〔2022〕52号",
    issuers=(
        "省工业和信息化厅", "省委网信办", "省发展改革委",
        "省科技厅", "省农业农村厅", "省商务厅",
        "省大数据局", "省通信管理局",
    ),
    issue_date="2022年3月22日",
    publish_date="2022-04-02",
    issue_date_iso="2022-03-22",
)


def test_bundled_shandong_plan() -> None:
    """The metadata a "meta" question about the bundled plan is answered from."""
    path = CORPUS / "shandong-2022-digital-economy-action-plan.txt"
    assert extract_metadata(load_file(path).text) == SHANDONG_META
    # The raw file (trailing no-break spaces, no normalisation) gives the same result.
    assert extract_metadata(path.read_text(encoding="utf-8")) == SHANDONG_META


@pytest.mark.parametrize(
    "text, title",
    [
        pytest.param(
            "关于印发《济南市数据要素市场培育实施方案》的通知\n正文。",
            "济南市数据要素市场培育实施方案",
            id="印发《X》的通知",
        ),
        pytest.param(
            "国务院关于印发全国农业现代化规划(2016—2020年)的通知\n国发〔2016〕58号",
            "全国农业现代化规划(2016—2020年)",
            id="印发X的通知 without 《》",
        ),
        pytest.param(
            "首页 > 政策文件\n济南市促进数字经济发展若干措施\n为加快发展,制定本措施。",
            "济南市促进数字经济发展若干措施",
            id="first title-like line after site navigation",
        ),
        pytest.param(
            f"山东省数据开放办法{LPAREN}试行{RPAREN}\n第一条 为了规范数据开放,制定本办法。",
            f"山东省数据开放办法{LPAREN}试行{RPAREN}",
            id="title with full-width (试行)",
        ),
        pytest.param(
            "一、总体要求\n二、重点任务\n2023年工作要点\n",
            "2023年工作要点",
            id="numbered headings are not titles",
        ),
        pytest.param("河川市人民政府办公室文件\n河政办发〔2024〕1号\n河川市人民政府办公室\n关于印发河川市数字经济专项资金\n"
                     "管理办法的通知\n各县区人民政府：\n", "河川市数字经济专项资金管理办法",
                     id="notice title broken over two lines"),
        pytest.param("各区县人民政府：\n《河川市数据条例实施细则》已经市政府同意，现印发给你们，请认真贯彻执行。\n",
                     "河川市数据条例实施细则", id="title named where the notice hands it out"),
        pytest.param("数字经济简报\n本期内容如下。", "数字经济简报", id="fallback: first short line"),
        pytest.param("", "", id="empty text"),
    ],
)
def test_title(text: str, title: str) -> None:
    assert extract_metadata(text).title == title


@pytest.mark.parametrize(
    "text, number",
    [
        ("济政办发〔2023〕5号\n各区县人民政府:", "济政办发〔2023〕5号"),
        ("国发[2022]5号", "国发[2022]5号"),
        ("国办发【2021】3号", "国办发【2021】3号"),
        ("鲁政字(2020)10号", "鲁政字(2020)10号"),
        (f"鲁政字{LPAREN}2020{RPAREN}10号", f"鲁政字{LPAREN}2020{RPAREN}10号"),
        (f"发文字号{COLON}鲁工信数据〔2022〕52号", "鲁工信数据〔2022〕52号"),
        ("鲁工信数据〔2022〕52号(8) (2)(1).pdf", "鲁工信数据〔2022〕52号"),
        ("鲁工信数据 〔2022〕 52号", "鲁工信数据〔2022〕52号"),  # layout spaces dropped
        ("没有文号的文件。", ""),
    ],
)
def test_doc_number(text: str, number: str) -> None:
    assert extract_metadata(text).doc_number == number


def test_own_doc_number_wins_over_a_cited_one() -> None:
    """A number cited inside a sentence names another document; one on its own line is ours."""
    text = "为落实《国务院关于加强数字政府建设的指导意见》(国发〔2022〕14号),制定本方案。\n济政发〔2023〕1号\n"
    assert extract_metadata(text).doc_number == "济政发〔2023〕1号"


@pytest.mark.parametrize(
    "text, issuers, issue_date",
    [
        pytest.param(
            "正文。\n\n济南市人民政府办公厅\n2023年2月10日\n", ("济南市人民政府办公厅",), "2023年2月10日", id="single issuer"
        ),
        pytest.param(
            "正文。\n省财政厅\u3000\u3000省科技厅\n\n省工业和信息化厅\n2023年5月6日",
            ("省财政厅", "省科技厅", "省工业和信息化厅"),
            "2023年5月6日",
            id="joint issuers over lines, ideographic spaces",
        ),
        pytest.param(
            "为支持企业发展,由省财政厅、省科技厅联合制定本办法。\n第一条 本办法适用于全省。",
            ("省财政厅", "省科技厅"),
            "",
            id="issuers named in 联合制定 sentence",
        ),
        pytest.param(
            "正文。\n山东省人民政府\n二〇二三年三月十日",
            ("山东省人民政府",),
            "二〇二三年三月十日",
            id="date in Chinese numerals",
        ),
        pytest.param("(此件主动公开)\n2023年2月10日\n", (), "2023年2月10日", id="date line without names"),
        pytest.param(
            "1.完善数据要素供给体系。(市大数据局负责)\n2023年2月10日",
            (),
            "2023年2月10日",
            id="a measure is not a signature",
        ),
    ],
)
def test_issuers_and_issue_date(text: str, issuers: tuple[str, ...], issue_date: str) -> None:
    meta = extract_metadata(text)
    assert (meta.issuers, meta.issue_date) == (issuers, issue_date)


@pytest.mark.parametrize(
    "text, issue_date, publish_date",
    [
        ("发布时间 : 2022-04-02  发布人 :", "", "2022-04-02"),
        (f"发布日期{COLON}2023年2月15日", "", "2023年2月15日"),
        (f"成文日期{COLON}2023-02-10\n发布日期:2023-02-15", "2023-02-10", "2023-02-15"),
        ("印发日期:2023年2月10日\n济南市人民政府\n2023年2月9日", "2023年2月10日", ""),
        ("没有日期的文本", "", ""),
    ],
)
def test_labelled_dates(text: str, issue_date: str, publish_date: str) -> None:
    meta = extract_metadata(text)
    assert (meta.issue_date, meta.publish_date) == (issue_date, publish_date)


def test_empty_text_gives_empty_metadata() -> None:
    assert extract_metadata("") == DocumentMeta()
