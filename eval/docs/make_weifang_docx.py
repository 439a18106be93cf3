"""Build ``weifang-digital-economy-measures.docx``, a fictional policy document for the evaluation.

《潍坊市促进数字经济高质量发展若干政策措施》 sent out with a 印发通知 (潍政办发〔2024〕4号).
It imitates how such documents are delivered as Word files: real Word paragraphs (the measure
title as a bold run at the start of its paragraph, not a separate heading), measures numbered
（一）…（十九） continuously across the 一、…六、 sections, department duties in three forms
("（市工业和信息化局牵头，市财政局配合）" at the end of a measure, a "责任单位：…" paragraph,
running text "市大数据局负责…"), and an annex 任务分工表 as a real Word table
(序号/重点任务/责任单位/完成时限) with one cell that holds two paragraphs.

The document is fictional: nobody issued it. Run from the repository root::

    .venv/bin/python eval/docs/make_weifang_docx.py

The text comes only from this file, so the document is reproducible (the zip's timestamps
differ between runs; the text the loaders read does not).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent / "weifang-digital-economy-measures.docx"

NOTICE_ISSUER = "潍坊市人民政府办公室"
NOTICE_TITLE = "关于印发潍坊市促进数字经济高质量发展若干政策措施的通知"
DOC_NUMBER = "潍政办发〔2024〕4号"
ADDRESSEES = "各县市区人民政府，市属各开发区管委会，市政府各部门、各直属机构："
NOTICE_BODY = (
    "《潍坊市促进数字经济高质量发展若干政策措施》已经市政府同意，现印发给你们，"
    "请结合实际认真贯彻执行。"
)
NOTICE_DATE = "2024年3月15日"
PUBLIC = "（此件公开发布）"

TITLE = "潍坊市促进数字经济高质量发展若干政策措施"
PREAMBLE = (
    "为深入贯彻落实数字中国建设整体布局规划和省委、省政府关于数字强省建设的部署要求，"
    "加快推进数字产业化、产业数字化，做强做优做大数字经济，结合我市实际，制定以下政策措施。"
)

# (section heading, [(measure label, bold title, body paragraphs...)])
# A body entry that starts with "责任单位：" becomes its own paragraph, as do "1."-items.
Measure = tuple[str, str, list[str]]
SECTIONS: list[tuple[str, list[Measure]]] = [
    (
        "一、做大做强数字产业",
        [
            (
                "（一）",
                "支持软件和信息技术服务业发展。",
                [
                    "对年度软件业务收入首次突破1亿元、5亿元、10亿元的软件企业，分别给予一次性奖励50万元、"
                    "100万元、200万元。对新获评省级工业软件优秀产品的，每个产品给予20万元奖励，"
                    "同一企业每年最高不超过100万元。（市工业和信息化局牵头，市财政局配合）",
                ],
            ),
            (
                "（二）",
                "培育数字经济领军企业。",
                [
                    "每年遴选数字经济“领航”企业10家、“瞪羚”企业30家。对入选“领航”企业的，按其上年度研发投入的10%"
                    "给予补助，最高不超过300万元；首次入选国家级专精特新“小巨人”的数字经济企业，"
                    "给予一次性奖励50万元。（市工业和信息化局、市科技局按职责分工负责）",
                ],
            ),
            (
                "（三）",
                "推动集成电路和智能硬件产业集聚。",
                [
                    "对新落户我市、实际到位投资额5亿元以上的集成电路、智能终端制造项目，按设备投资额的8%给予补助，"
                    "单个项目最高不超过2000万元。对企业开展流片验证的，按流片费用的30%给予补助，"
                    "每家企业每年最高不超过500万元。（市发展改革委、市工业和信息化局、市投资促进局按职责分工负责）",
                ],
            ),
            (
                "（四）",
                "建设数字经济特色产业园区。",
                [
                    "每年认定市级数字经济特色产业园区不超过5个，对认定园区的运营主体给予一次性奖励100万元；"
                    "对园区内新建公共技术服务平台的，按平台建设投资的20%给予补助，最高不超过200万元。"
                    "2024年6月底前出台市级数字经济特色产业园区认定办法。",
                    "责任单位：市工业和信息化局，各县市区人民政府、市属各开发区管委会",
                ],
            ),
        ],
    ),
    (
        "二、加快产业数字化转型",
        [
            (
                "（五）",
                "推进制造业“智改数转”。",
                [
                    "对企业实施的数字化改造项目，设备和软件投资额在300万元以上的，按照投资额的12%给予补助，"
                    "单个项目最高不超过500万元。2024年，全市完成“智改数转”项目600个以上，"
                    "规模以上工业企业数字化改造覆盖率达到70%。（市工业和信息化局牵头，市财政局配合）",
                ],
            ),
            (
                "（六）",
                "支持中小企业“上云用数赋智”。",
                [
                    "市工业和信息化局负责建立数字化服务商资源池，组织服务商为中小企业免费提供数字化诊断；"
                    "市财政局负责落实诊断服务补助资金。对中小企业购买云服务、数字化解决方案的，按照实际支付费用的40%"
                    "给予补助，每家企业每年最高不超过20万元。到2024年底，全市累计上云企业达到1.8万家。",
                ],
            ),
            (
                "（七）",
                "发展智慧农业。",
                [
                    "1.建设寿光蔬菜产业互联网平台，推动种苗、种植、流通、销售全链条数据贯通，"
                    "2024年底前接入蔬菜大棚不少于5万个。",
                    "2.对新认定的省级智慧农业应用基地，给予一次性奖励30万元；对新认定的国家级数字农业创新应用基地，"
                    "给予一次性奖励100万元。",
                    "（市农业农村局牵头，市大数据局、寿光市人民政府配合）",
                ],
            ),
            (
                "（八）",
                "推动服务业数字化。",
                [
                    "对年网络零售额首次突破1亿元的电子商务企业，给予一次性奖励30万元。对新认定的国家级、"
                    "省级数字商务企业，分别给予一次性奖励50万元、20万元。培育直播电商基地10个以上。（市商务局负责）",
                ],
            ),
        ],
    ),
    (
        "三、夯实数字基础设施",
        [
            (
                "（九）",
                "加快5G和千兆光网建设。",
                [
                    "2024年底前，新建5G基站3000个，累计达到2.2万个，实现县级以上城区和重点乡镇5G网络全覆盖；"
                    "千兆光网覆盖家庭达到300万户。党政机关、事业单位所属公共建筑向5G基站建设免费开放。",
                    "责任单位：市工业和信息化局（牵头），市住房城乡建设局、市机关事务服务中心，各基础电信企业",
                ],
            ),
            (
                "（十）",
                "建设算力基础设施。",
                [
                    "加快建设潍坊市人工智能计算中心。对新建数据中心电能利用效率（PUE）低于1.3、机架规模达到1000个以上的，"
                    "按照设备投资额的10%给予补助，最高不超过1000万元。面向企业发放“算力券”，对租用本市智能算力的，"
                    "按照租用费用的20%给予补贴，每家企业每年最高不超过50万元。"
                    "（市大数据局牵头，市发展改革委、市财政局配合）",
                ],
            ),
        ],
    ),
    (
        "四、激活数据要素价值",
        [
            (
                "（十一）",
                "推进公共数据开放利用。",
                [
                    "市大数据局负责统筹全市公共数据资源开放，编制公共数据开放目录，2024年9月底前累计开放数据集"
                    "不少于2000个；各有关部门负责本行业领域公共数据的汇聚治理和质量管控。"
                    "对利用公共数据开发应用场景并取得显著成效的企业，择优给予最高不超过50万元的奖励。",
                ],
            ),
            (
                "（十二）",
                "培育数据流通交易市场。",
                [
                    "支持企业在依法设立的数据交易场所开展数据交易，对年度场内数据交易额达到100万元以上的数据商，"
                    "按交易额的3%给予奖励，每家企业每年最高不超过100万元。开展数据知识产权登记试点，"
                    "对获得数据知识产权登记证书的企业，每件给予1万元奖励，每家企业每年最高不超过10万元。"
                    "（市大数据局、市市场监管局按职责分工负责）",
                ],
            ),
        ],
    ),
    (
        "五、强化要素保障",
        [
            (
                "（十三）",
                "加大金融支持力度。",
                [
                    "鼓励银行机构开发“数据贷”“算力贷”等专属金融产品。在市级政府引导基金下设立数字经济产业子基金，"
                    "规模不低于10亿元。对数字经济企业在境内外证券交易所首发上市的，按照我市有关规定分阶段给予"
                    "最高不超过600万元的奖励。（市地方金融监管局、市财政局、人民银行潍坊市分行按职责分工负责）",
                ],
            ),
            (
                "（十四）",
                "强化数字人才支撑。",
                [
                    "对数字经济企业新引进的全职博士研究生，给予每人每月3000元生活补贴，最长不超过3年；"
                    "对新认定的市级数字经济技能大师工作室，给予一次性补助10万元。"
                    "（市人力资源社会保障局、市委组织部按职责分工负责）",
                ],
            ),
            (
                "（十五）",
                "加强统筹协调。",
                [
                    "建立由市政府分管负责同志牵头的数字经济发展工作专班，专班办公室设在市工业和信息化局，负责日常工作。"
                    "市统计局负责建立数字经济统计监测制度，每半年发布一次全市数字经济发展监测报告。",
                ],
            ),
        ],
    ),
    (
        "六、申报与管理",
        [
            (
                "（十六）",
                "申报条件。",
                [
                    "申报本政策措施支持的主体须同时符合下列条件：",
                    "1.在潍坊市行政区域内依法登记注册、具有独立法人资格，且税收征管关系在潍坊市；",
                    "2.财务管理制度健全，上一年度无欠缴税款；",
                    "3.近三年未发生重大安全生产、环境污染和产品质量事故，未被列入严重失信主体名单。",
                ],
            ),
            (
                "（十七）",
                "资金管理。",
                [
                    "本政策措施所需资金由市、县两级财政按现行财政体制分担。同一项目同时符合本政策措施和我市其他同类政策的，"
                    "按照“就高不重复”原则予以支持。对弄虚作假骗取财政资金的，依法依规收回资金，3年内取消其申报资格。"
                    "市财政局会同市工业和信息化局负责资金的绩效管理。",
                ],
            ),
            (
                "（十八）",
                "申报安排。",
                [
                    "市工业和信息化局会同市财政局每年3月底前发布年度申报指南，明确申报时间和具体要求。",
                ],
            ),
            (
                "（十九）",
                "施行日期。",
                [
                    "本政策措施自2024年4月15日起施行，有效期至2026年12月31日。由市工业和信息化局会同有关部门负责解释。"
                    "此前我市出台的相关政策与本政策措施不一致的，以本政策措施为准。",
                ],
            ),
        ],
    ),
]

ANNEX_LABEL = "附件"
ANNEX_TITLE = "潍坊市促进数字经济高质量发展重点任务分工表"
TABLE_HEADER = ("序号", "重点任务", "责任单位", "完成时限")
# A责任单位 cell with "\n" is written as two paragraphs inside the cell, as Word users do.
TABLE_ROWS: list[tuple[str, str, str, str]] = [
    ("1", "出台市级数字经济特色产业园区认定办法", "市工业和信息化局", "2024年6月底前"),
    ("2", "建立数字化服务商资源池", "市工业和信息化局", "2024年5月底前"),
    ("3", "编制公共数据开放目录", "市大数据局", "2024年6月底前"),
    ("4", "累计开放公共数据集不少于2000个", "市大数据局，各有关部门", "2024年9月底前"),
    ("5", "建成潍坊市人工智能计算中心一期", "市大数据局\n潍坊高新区管委会", "2024年12月底前"),
    ("6", "设立数字经济产业子基金", "市财政局、市地方金融监管局", "2024年10月底前"),
    ("7", "建立数字经济统计监测制度", "市统计局", "2024年8月底前"),
    ("8", "新建5G基站3000个", "市工业和信息化局，各基础电信企业", "2024年12月底前"),
    ("9", "寿光蔬菜产业互联网平台接入蔬菜大棚不少于5万个", "市农业农村局、寿光市人民政府", "2024年12月底前"),
    ("10", "发布年度政策申报指南", "市工业和信息化局、市财政局", "每年3月底前"),
]

TRAILER = "潍坊市人民政府办公室　　　　　　　　2024年3月15日印发"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    """Chinese documents set the East Asian font separately; Word ignores ``run.font.name`` for CJK."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, *, font: str = "仿宋_GB2312", size: float = 16, bold: bool = False,
          align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)
    _font(p.add_run(text), font, size, bold)
    return p


def build(out: Path = OUT) -> Path:
    doc = Document()
    doc.core_properties.author = NOTICE_ISSUER
    doc.core_properties.title = TITLE
    fixed = dt.datetime(2024, 3, 15, 9, 0, 0)
    doc.core_properties.created = fixed
    doc.core_properties.modified = fixed

    # 印发通知
    _para(doc, NOTICE_ISSUER, font="方正小标宋简体", size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, DOC_NUMBER, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, NOTICE_TITLE, font="方正小标宋简体", size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, ADDRESSEES, indent=False)
    _para(doc, NOTICE_BODY)
    _para(doc, NOTICE_ISSUER, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, NOTICE_DATE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, PUBLIC)
    doc.paragraphs[-1].runs[-1].add_break(WD_BREAK.PAGE)

    # 正文
    _para(doc, TITLE, font="方正小标宋简体", size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, PREAMBLE)
    for heading, measures in SECTIONS:
        _para(doc, heading, font="黑体")
        for label, title, body in measures:
            first, rest = body[0], body[1:]
            if first.startswith("1.") or first.endswith("："):
                # the title stands alone when items follow, as in the source layouts
                p = doc.add_paragraph()
                p.paragraph_format.first_line_indent = Pt(32)
                _font(p.add_run(label + title), "楷体_GB2312", 16, bold=True)
                if first.endswith("："):
                    _font(p.add_run(first), "仿宋_GB2312", 16)
                else:
                    rest = body
            else:
                p = doc.add_paragraph()
                p.paragraph_format.first_line_indent = Pt(32)
                _font(p.add_run(label + title), "楷体_GB2312", 16, bold=True)
                _font(p.add_run(first), "仿宋_GB2312", 16)
            for line in rest:
                _para(doc, line)

    # 附件：任务分工表
    doc.paragraphs[-1].runs[-1].add_break(WD_BREAK.PAGE)
    _para(doc, ANNEX_LABEL, font="黑体", indent=False)
    _para(doc, ANNEX_TITLE, font="方正小标宋简体", size=18, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    table = doc.add_table(rows=1, cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, TABLE_HEADER):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), "黑体", 12, bold=True)
    for row in TABLE_ROWS:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            parts = text.split("\n")
            _font(cell.paragraphs[0].add_run(parts[0]), "仿宋_GB2312", 12)
            for extra in parts[1:]:
                _font(cell.add_paragraph().add_run(extra), "仿宋_GB2312", 12)

    _para(doc, "", indent=False)
    _para(doc, TRAILER, size=14, indent=False)
    doc.save(out)
    return out


if __name__ == "__main__":
    print(build())
