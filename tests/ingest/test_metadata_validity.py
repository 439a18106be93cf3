"""Metadata from the text itself, on the layouts real documents come in (issue 16): a portal
page, a legal-database (北大法宝-style) export and a Word file; signing dates in every written
form, issuers from the 落款, the heading or the portal's label, 施行 date and 有效期, expiry.

The fixtures copy the shapes of the real pages in /work/shared/corpus-real (天河区教育局,
辽宁省人民政府令第195号, 甘井子区经济工作奖励办法, 广州市长期护理保险试行办法).
"""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from ingest.dates import add_years, to_iso
from ingest.loaders import load_bytes
from ingest.metadata import extract_metadata

PORTAL_PAGE = """<html><head><title>天河区教育局</title></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/gzjg">工作机构</a> &gt; <a href="/jyj">区教育局</a></div>
<h1>广州市天河区教育局关于印发《2026年广州市天河区幼儿园招生工作方案》的通知</h1>
<p>发表时间：2026-04-20 11:19:38 信息来源：广州市天河区教育局 浏览量： -</p>
<p>各幼儿园：</p>
<p>　　《2026年广州市天河区幼儿园招生工作方案》已经局长办公会议审议通过，现印发给你们，请遵照执行。</p>
<p>　　广州市天河区教育局</p>
<p>　　2026年 4月 20 日</p>
<p>2026年广州市天河区幼儿园招生工作方案</p>
<p>一、招生对象</p><p>2026年秋季小班入园的新生应为适龄幼儿。</p>
</body></html>"""

LEGAL_DB = """辽宁省海洋环境保护办法
发布部门 : 辽宁省政府
发文字号 : 辽宁省人民政府令第195号
发布日期 : 2006-07-04
实施日期 : 2006-08-01
时效性 : 已被修改
效力级别 : 地方政府规章
《辽宁省海洋环境保护办法》业经2006年6月14日辽宁省第十届人民政府第59次常务会议审议通过，现予公布，自2006年8月1日起施行。
省长　张文岳
二○○六年七月四日
第一条 为了保护和改善海洋环境，制定本办法。
"""


def _word(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_portal_page_issuer_and_signing_date_with_spaces() -> None:
    meta = extract_metadata(load_bytes(PORTAL_PAGE.encode("utf-8"), "tianhe.html").text)
    assert meta.issuers == ("广州市天河区教育局",)
    assert meta.issue_date_iso == "2026-04-20" and meta.publish_date == "2026-04-20"


def test_legal_database_export_dates_in_chinese_numerals() -> None:
    meta = extract_metadata(LEGAL_DB)
    assert meta.issue_date == "二○○六年七月四日" and meta.issue_date_iso == "2006-07-04"
    assert meta.effective_date == "2006年8月1日" and meta.effective_date_iso == "2006-08-01"
    assert meta.issuers == ("辽宁省政府",)
    assert "现予公布，自2006年8月1日起施行。" in meta.validity


def test_word_file_validity_range_over_two_articles_and_expiry() -> None:
    text = load_bytes(_word([
        "甘井子区经济工作奖励办法", "第一条 为建立奖励的激励机制，特制定本办法。",
        "第五条 本办法自2017年5月1日起施行，《甘井子区经济工作奖励办法（暂行）》同时废止。",
        "第六条 本办法有效期至2020年12月31日。"]), "awards.docx").text
    meta = extract_metadata(text)
    assert (meta.effective_date, meta.valid_until) == ("2017年5月1日", "2020年12月31日")
    assert meta.validity.split("\n") == ["第五条 本办法自2017年5月1日起施行，《甘井子区经济工作奖励办法（暂行）》同时废止。",
                                         "第六条 本办法有效期至2020年12月31日。"]
    assert meta.is_expired(date(2026, 12, 4)) and not meta.is_expired(date(2019, 1, 1))
    assert all(line in text for line in meta.validity.split("\n"))  # verbatim: answers may quote it


def test_a_duration_from_the_issue_date() -> None:
    text = ("广州市医疗保障局 广州市财政局关于印发广州市长期护理保险试行办法的通知\n各区：\n现印发给你们。\n"
            "广州市医疗保障局\n广州市财政局\n2024年1月3日\n第三十二条 本办法自印发之日起施行，有效期3年。")
    meta = extract_metadata(text)
    assert meta.issuers == ("广州市医疗保障局", "广州市财政局")
    assert (meta.effective_date, meta.effective_date_iso) == ("印发之日", "2024-01-03")
    assert meta.valid_until_iso == "2027-01-02" and meta.validity == "第三十二条 本办法自印发之日起施行，有效期3年。"


def test_issuers_in_the_heading_and_a_date_in_brackets() -> None:
    text = "中共中央 国务院关于做好2023年全面推进乡村振兴重点工作的意见\n（2023年1月2日）\n党的二十大擘画了宏伟蓝图。"
    meta = extract_metadata(text)
    assert meta.issuers == ("中共中央", "国务院") and meta.issue_date_iso == "2023-01-02"


def test_a_cited_documents_date_does_not_win_over_this_documents_own() -> None:
    text = ("依据自2022年1月1日起施行的《数据安全条例》，制定本办法。\n"
            "第二十条 本办法自2023年3月1日起施行，有效期至2028年2月29日。")
    meta = extract_metadata(text)
    assert meta.effective_date_iso == "2023-03-01" and meta.valid_until_iso == "2028-02-29"


def test_no_statement_means_not_expired() -> None:
    assert not extract_metadata("某某工作方案\n一、总体要求\n做好工作。").is_expired()


@pytest.mark.parametrize("written, iso", [
    ("2023年8月9日", "2023-08-09"), ("二○一九年三月五日", "2019-03-05"), ("二〇一九年三月五日", "2019-03-05"),
    ("二〇二三年十二月三十一日", "2023-12-31"), ("2023-08-09", "2023-08-09"), ("2023.8.9", "2023-08-09"),
    ("２０２２ 年 ４ 月 ２０ 日", "2022-04-20"), ("2026年 4月 20 日", "2026-04-20"), ("2023年2月30日", ""),
    ("印发之日", ""), ("", ""),
])
def test_dates_in_every_written_form(written: str, iso: str) -> None:
    assert to_iso(written) == iso


def test_a_validity_starting_on_29_february() -> None:
    assert add_years("2024-02-29", 1) == "2025-02-28"
