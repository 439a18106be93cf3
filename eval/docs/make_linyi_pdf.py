"""Build ``linyi-digital-economy-fund-measures.pdf``, a fictional policy document for the evaluation.

《临沂市数字经济发展专项资金管理办法》, a 规范性文件 sent out with a 印发通知
(临政办发〔2024〕12号, 2024年5月20日). The document is fictional: nobody issued it, and the
departments, amounts and dates are invented for testing. Do not cite it as real policy.

It imitates how such documents are published as PDF files printed from the issuing office:

* A4 with the GB/T 9704 type area (margins 37/26/35/28 mm, 3号 body at 22 lines a page),
  a 仿宋-like body font with 2-character first-line indents, justified lines;
* a 红头 first page: "临沂市人民政府办公室文件" in red, the 文号 under it, a red rule, a
  title broken over three lines by hand, the 主送机关, the 印发 sentence, the signature and
  date set right, "（此件公开发布）";
* page numbers "— 3 —" in the footer of every page, right on odd and left on even pages
  (CSS @page margin boxes), so extracted page text starts or ends with a page number and
  a sentence may run on across a page break;
* the 办法 itself: 第一章…第七章 (two-character chapter names spaced out, "总　　则"),
  第一条…第三十九条 with the article number set in bold at the start of its paragraph and
  （一）（二） items as their own paragraphs;
* duties in running text ("市财政局负责…；市工业和信息化局负责…；…"), an annex
  支持标准一览表 (序号/支持事项/支持标准/上限/主管部门) long enough to run across a page
  break with its header row repeated, and a 版记 (抄送 line, 印发 line) at the end.

Run from the repository root::

    .venv/bin/python eval/docs/make_linyi_pdf.py [--html KEEP.html]

It writes the HTML source to a temporary directory (or to --html) and prints it with the
machine's headless Chromium. The text comes only from this file, so the document is
reproducible; the PDF's creation date and Chromium's object layout differ between runs.
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "linyi-digital-economy-fund-measures.pdf"
CHROMIUM = "/usr/bin/chromium"

ISSUER = "临沂市人民政府办公室"
RED_HEADER = "临沂市人民政府办公室文件"
DOC_NUMBER = "临政办发〔2024〕12号"
# the notice title as it is broken on the 红头 page
NOTICE_TITLE_LINES = ("临沂市人民政府办公室", "关于印发临沂市数字经济发展专项资金", "管理办法的通知")
ADDRESSEES = "各县区人民政府（管委会），市政府各部门（单位），各有关企业："
NOTICE_BODY = [
    "《临沂市数字经济发展专项资金管理办法》已经市政府同意，现印发给你们，请认真抓好贯彻落实。"
    "执行中遇到的问题，请及时向市工业和信息化局、市财政局反映。",
]
NOTICE_DATE = "2024年5月20日"
PUBLIC = "（此件公开发布）"

TITLE = "临沂市数字经济发展专项资金管理办法"

# (chapter heading, [(key, [article paragraphs, ...])]); the first paragraph of an article gets
# its number (第一条…) prepended, further paragraphs ("（一）…" items, second paragraphs) follow.
# A key names an article so that other articles can refer to it as "{key}" (filled in with
# "第九条" etc. once the articles are numbered).
Article = tuple[str | None, list[str]]
Chapter = tuple[str, list[Article]]
CHAPTERS: list[Chapter] = [
    (
        "第一章　总　　则",
        [
            (None, [
                "为规范和加强市级数字经济发展专项资金管理，提高财政资金使用效益，加快推进数字产业化和产业数字化，"
                "助力“数字临沂”建设，根据《中华人民共和国预算法》《中华人民共和国预算法实施条例》"
                "《山东省大数据发展促进条例》等规定，结合本市实际，制定本办法。",
            ]),
            (None, [
                "本办法所称市数字经济发展专项资金（以下简称专项资金），是指由市级财政预算安排，专项用于支持全市"
                "数字经济企业培育、制造业数字化转型、数字基础设施应用和数据要素开发利用等方面的资金。",
                "专项资金的预算编制、申报审核、资金拨付、绩效管理和监督检查，适用本办法。",
                "本办法所称数字经济企业，是指主营业务属于国家统计局《数字经济及其核心产业统计分类（2021）》中"
                "数字产品制造业、数字产品服务业、数字技术应用业、数字要素驱动业等领域的企业；所称制造业数字化转型"
                "项目，是指工业企业运用新一代信息技术，对研发设计、生产制造、经营管理、售后服务等环节进行改造提升的项目。",
            ]),
            (None, [
                "专项资金来源于市级一般公共预算，年度资金规模由市财政局根据全市财力状况和数字经济发展任务统筹确定，"
                "纳入年度预算管理。中央和省级下达的数字经济相关转移支付资金，按照上级规定执行，不纳入本办法管理范围。",
                "市工业和信息化局应当于每年9月底前，结合全市数字经济发展重点任务，提出下一年度专项资金预算建议和"
                "绩效目标，报市财政局审核后纳入年度预算。专项资金年度结余的，按照规定收回市级财政统筹使用。",
            ]),
            (None, [
                "专项资金的分配和使用遵循以下原则：",
                "（一）聚焦重点、择优扶持。围绕全市数字经济重点产业链和重点领域，集中资金支持带动性强、"
                "示范效应好的企业和项目。",
                "（二）公开透明、公平公正。申报条件、评审程序和支持结果向社会公开，接受社会监督。",
                "（三）事后奖补、注重实效。以事后奖励和补助为主，项目建成并通过验收后兑现资金。",
                "（四）绩效导向、动态调整。实行全过程预算绩效管理，根据绩效评价结果调整支持方向和资金规模。",
            ]),
            (None, [
                "专项资金采取奖励、补助、贷款贴息和“算力券”等方式安排使用。奖励类资金由企业统筹用于研发投入和"
                "生产经营；补助类、贴息类资金应当用于申报项目，不得用于偿还债务、发放福利或者支付罚款。",
                "同一项目同时符合本办法和本市其他财政支持政策的，按照“从高不重复”的原则予以支持，不得重复申报。"
                "同一企业同一年度获得本办法支持的资金总额最高不超过500万元。",
            ]),
        ],
    ),
    (
        "第二章　支持范围和支持标准",
        [
            (None, [
                "专项资金重点支持以下方向：",
                "（一）软件和信息技术服务业等数字产业做大做强；",
                "（二）制造业企业智能化改造和数字化转型；",
                "（三）中小企业上云用云和数字化服务；",
                "（四）数字经济总部企业和初创企业引育；",
                "（五）算力基础设施应用和数据要素市场培育；",
                "（六）工业互联网平台、数字经济园区和人才实训基地等载体建设；",
                "（七）市委、市政府确定的其他数字经济重点工作。",
            ]),
            ("software", [
                "支持软件和信息技术服务企业扩大规模。对在我市登记注册的软件和信息技术服务企业，年度软件业务收入"
                "首次突破5000万元、1亿元、5亿元的，分别给予一次性奖励30万元、80万元、150万元。企业已按较低档次"
                "获得奖励、此后晋升至较高档次的，按照两档奖励标准的差额予以补足。",
                "对首次入选省首版次高端软件产品名单的，每个产品给予一次性奖励30万元，"
                "同一企业每年最高不超过90万元。对首次通过数据管理能力成熟度评估（DCMM）三级、四级、五级的企业，"
                "分别给予一次性奖励10万元、20万元、30万元。",
            ]),
            ("smart", [
                "支持智能制造标杆培育。对首次获评国家级智能制造示范工厂、省级智能工厂、市级数字化车间的企业，"
                "分别给予一次性奖励200万元、80万元、20万元。同一企业同一年度获评多个层级的，按照最高层级给予奖励，"
                "不累计计算；已按原办法获得同一层级奖励的，不再重复奖励。对首次入选国家级5G工厂名录的企业，给予一次性奖励50万元。",
            ]),
            ("retrofit", [
                "支持制造业数字化改造。对工业企业实施的智能化改造、数字化转型项目，生产性设备、工业软件及信息化"
                "系统投资额（不含税）在500万元以上的，按照上述投资额的10%给予补助，单个项目最高不超过200万元。"
                "申报项目须同时满足以下要求：",
                "（一）项目已竣工并投入使用，开工时间不早于申报年度的上一年1月1日；",
                "（二）项目建成后，企业单位工业增加值能耗低于全市同行业平均水平；",
                "（三）项目不属于国家和省明确的限制类、淘汰类产业；",
                "（四）计入投资额的设备和软件应当为全新购置，二手设备、关联方之间交易的设备和软件不计入投资额。",
            ]),
            (None, [
                "支持中小企业上云用数。对中小企业购买列入市级数字化服务商资源池的云服务、工业软件订阅服务和"
                "数字化解决方案的，按照实际支付费用的30%给予补助，每家企业每年最高不超过10万元。每年组织数字化"
                "服务商为不少于200家中小企业提供免费的数字化转型诊断服务。中小企业的划分，按照国家中小企业划型标准执行。",
                "培育本地数字化转型服务商。对注册在我市的数字化转型服务商，上年度为本市企业提供数字化改造服务的"
                "合同金额首次突破3000万元的，给予一次性奖励50万元。",
            ]),
            (None, [
                "支持数字经济初创企业成长。对成立时间不超过3年、上年度营业收入首次达到1000万元的数字经济初创企业，"
                "给予一次性奖励20万元。初创企业的成立时间，自营业执照登记的成立日期起计算至当年申报截止之日。"
                "同一企业只能享受一次初创企业成长奖励。",
            ]),
            ("hq", [
                "支持引进数字经济总部企业。对新引进的数字经济企业总部或者区域总部，在临沂市依法登记注册、"
                "税收征管关系和统计关系均在临沂市，且实缴注册资本在5000万元以上的，按照实缴注册资本的2%给予"
                "落户奖励，最高不超过300万元。落户奖励分三年拨付，每年分别拨付40%、30%、30%；首笔资金在企业完成"
                "注册并实缴注册资本后拨付，以后年度资金在核实企业上年度纳税和统计情况后拨付。",
                "前款所称区域总部，是指境内外企业在本市设立的、对一定区域内的业务行使管理和服务职能，并具有独立法人"
                "资格的企业。",
            ]),
            (None, [
                "支持算力应用和数据要素开发利用。对企业租用本市算力中心智能算力开展人工智能模型训练、推理等应用的，按照算力服务"
                "合同实际结算金额的15%给予补贴，每家企业每年最高不超过30万元。算力补贴以“算力券”方式发放，"
                "当年未使用的算力券不结转至下一年度。本市算力中心名单由市大数据局确定并向社会发布。",
                "支持数据要素开发利用。对在依法设立的数据交易场所完成数据产品登记并实现场内交易的企业，按照年度"
                "场内交易额的5%给予奖励，每家企业每年最高不超过50万元；对首次入选省级以上公共数据开发利用"
                "典型场景的项目，给予项目承担单位一次性奖励20万元。场内交易额以数据交易场所出具的交易凭证为准。",
            ]),
            (None, [
                "支持工业互联网平台和数字经济载体建设。对新认定的国家级跨行业跨领域工业互联网平台、国家级特色"
                "专业型工业互联网平台，按照平台建设投入的20%给予补助，最高不超过200万元；对新认定的省级工业"
                "互联网平台，按照平台建设投入的20%给予补助，最高不超过100万元。对新认定的省级数字经济园区，"
                "给予园区运营主体一次性奖励100万元。",
                "对本市高等院校、职业院校与数字经济企业共建，并经认定为市级数字经济产教融合实训基地的，给予一次性"
                "奖励30万元，用于实训设备购置和课程开发。",
            ]),
            (None, [
                "支持商贸物流数字化发展。对临沂商城内市场主体建设的智慧物流、数字化供应链服务平台项目，平台软硬件"
                "投资额在300万元以上的，按照投资额的15%给予补助，最高不超过150万元；对年度网络零售额首次突破5亿元的"
                "直播电商基地，给予基地运营主体一次性奖励50万元。",
            ]),
            ("loan", [
                "支持数字化改造融资。对企业为实施数字化改造项目向银行业金融机构申请的贷款，按照贷款实际发生利息"
                "的50%给予贴息，贴息期限最长不超过2年，每家企业每年贴息最高不超过50万元。获得贴息的项目，"
                "不再同时享受本办法{retrofit}规定的投资补助。贷款贴息按年度申报，企业应当提供借款合同、付息凭证以及"
                "贷款资金用于数字化改造项目的证明材料。",
            ]),
        ],
    ),
    (
        "第三章　申报条件",
        [
            (None, [
                "申报专项资金的企业（单位）应当同时符合下列条件：",
                "（一）在临沂市行政区域内依法登记注册，具有独立法人资格；",
                "（二）税收征管关系和统计关系在临沂市，依法纳税并按规定报送统计数据；",
                "（三）财务管理制度健全，会计核算规范，能够按照要求提供经会计师事务所审计的上年度财务报表；",
                "（四）申报项目符合国家产业政策和本市数字经济发展规划，依法办理立项、备案等手续；",
                "（五）建立数据安全管理制度，近两年内未发生重大网络安全事件和数据安全事件。",
            ]),
            (None, [
                "申报主体有下列情形之一的，不予支持：",
                "（一）企业或者其法定代表人被列入失信被执行人名单，或者企业被列入严重失信主体名单且尚未移出的；",
                "（二）近三年内发生重大安全生产事故、较大以上突发环境事件或者重大产品质量事故的；",
                "（三）存在欠缴税款、社会保险费等情形的；",
                "（四）因违规使用财政资金被取消申报资格，仍在限制期限内的；",
                "（五）在申报过程中提供虚假材料或者隐瞒真实情况的；",
                "（六）法律法规和国家、省规定不予支持的其他情形。",
                "同一企业同一年度申报本办法支持事项原则上不超过2项。已获得本办法支持的项目，不得以同一内容"
                "变更名称后再次申报。",
            ]),
        ],
    ),
    (
        "第四章　申报审核和资金拨付",
        [
            (None, [
                "市工业和信息化局会同市财政局于每年3月31日前发布年度专项资金申报指南，明确当年支持重点、"
                "申报材料、时间安排和具体要求。申报受理时间一般不少于20个工作日。",
            ]),
            (None, [
                "申报主体按照申报指南要求，通过临沂市惠企政策服务平台向注册地所在县区工业和信息化主管部门"
                "提交申报材料。同一事项只能通过一个县区申报，不得多头申报、重复申报。申报材料主要包括：",
                "（一）专项资金申请表；",
                "（二）营业执照和上年度经审计的财务报表；",
                "（三）税务部门出具的纳税证明和统计部门认可的统计报表；",
                "（四）项目立项备案文件、投资明细、发票、合同及竣工验收报告等证明材料；",
                "（五）申报主体对申报材料真实性作出的信用承诺书；",
                "（六）申报指南要求的其他材料。",
                "能够通过政务信息共享获取的材料，不再要求申报主体重复提交。",
            ]),
            (None, [
                "县区工业和信息化主管部门会同同级财政部门，自申报截止之日起10个工作日内完成初审，重点审核申报主体"
                "资格、申报材料完整性和项目真实性，必要时进行实地核查，并将初审合格的项目行文推荐至市工业和信息化局。",
            ]),
            (None, [
                "市工业和信息化局自收到县区推荐材料之日起15个工作日内，组织专家评审或者委托第三方机构审核，"
                "并就申报主体的信用状况、纳税情况和统计数据征求有关部门意见，提出拟支持项目和资金安排建议。评审结果"
                "按照得分高低排序，在年度预算额度内择优确定支持项目；符合条件的申报资金总额超过年度预算的，按比例核减。",
                "专家评审组由不少于5名技术、财务和管理专家组成，专家从市级财政评审专家库中随机抽取。评审专家与"
                "申报主体存在利害关系的，应当主动回避。",
            ]),
            (None, [
                "拟支持项目和金额经市工业和信息化局会同市财政局审核后，在市工业和信息化局门户网站向社会公示，"
                "公示期为7天。公示期间收到异议的，市工业和信息化局应当在5个工作日内组织调查核实，并将核实结果"
                "告知异议人。",
            ]),
            (None, [
                "公示无异议或者异议经核实不成立的，由市工业和信息化局会同市财政局联合下达资金计划。市财政局在资金"
                "计划下达后10个工作日内将资金拨付至县区财政部门；县区财政部门收到资金后15个工作日内拨付至项目单位。",
                "本办法{software}、{smart}、{retrofit}规定的奖补资金，由市级财政和县区财政按照5∶5的比例分担；"
                "其他奖补资金由市级财政全额承担。县区分担资金未按时足额落实的，市财政局可以通过年终结算扣回。",
            ]),
            (None, [
                "项目实施过程中确需调整建设内容、实施期限的，项目单位应当在调整前向所在县区工业和信息化主管部门"
                "提出申请，逐级报市工业和信息化局审核同意；项目终止实施的，已拨付的专项资金予以收回。",
            ]),
        ],
    ),
    (
        "第五章　职责分工",
        [
            (None, [
                "专项资金由市财政局和市工业和信息化局按照职责分工共同管理，有关部门协同配合。市数字经济发展工作领导小组"
                "办公室（设在市工业和信息化局）负责统筹协调专项资金的年度支持方向和重点任务。",
                "市财政局负责专项资金的预算编制和资金拨付，会同市工业和信息化局制定资金管理制度、组织开展预算绩效"
                "管理和监督检查；市工业和信息化局负责发布年度申报指南，组织项目申报、评审、公示和跟踪管理，提出资金"
                "分配建议，对项目实施和绩效目标完成情况进行监督；市大数据局负责算力补贴、数据要素类项目的技术审核"
                "和“算力券”发放管理；市商务局负责商贸物流数字化、直播电商类项目的审核和跟踪服务；市发展改革委负责提供申报主体的信用信息核查结果；市统计局负责核实申报主体的"
                "营业收入、软件业务收入等统计数据；国家税务总局临沂市税务局负责核实申报主体的纳税情况和税收征管关系；"
                "市审计局依法对专项资金的管理和使用情况进行审计监督。",
            ]),
            (None, [
                "各县区人民政府（管委会）是本辖区专项资金项目管理的责任主体，负责组织项目申报、初审推荐和日常监管，"
                "按照规定落实县区分担资金，督促项目单位按期实施。县区工业和信息化主管部门应当建立项目台账，对获得支持"
                "的项目实行跟踪管理，每年12月底前将项目实施情况报市工业和信息化局。",
            ]),
            (None, [
                "项目单位是专项资金使用的责任主体，对申报材料的真实性、准确性和完整性负责，严格按照规定使用资金，"
                "对取得的专项资金按照国家统一的会计制度进行会计核算，自觉接受财政、审计、工业和信息化等部门的监督检查，"
                "并自资金拨付之日起连续3年，于每年3月底前通过临沂市惠企政策服务平台报送项目运行和效益情况。",
            ]),
        ],
    ),
    (
        "第六章　监督管理",
        [
            (None, [
                "市财政局会同市工业和信息化局建立专项资金绩效评价机制，每年对上一年度专项资金使用情况开展绩效评价，"
                "必要时委托第三方机构实施。绩效评价主要包括资金使用合规性、项目完成情况、企业营业收入和税收增长、"
                "带动就业等内容，评价结果作为调整支持政策和安排以后年度资金的重要依据。",
                "除涉及国家秘密、商业秘密的内容外，市工业和信息化局应当在资金计划下达后20个工作日内，在门户网站"
                "公开专项资金分配结果，包括支持企业名称、支持事项和支持金额。",
                "市财政局、市工业和信息化局每年按照不低于获得支持项目总数10%的比例，对项目实施和资金使用情况"
                "进行抽查，抽查结果向县区通报。",
            ]),
            (None, [
                "获得本办法{hq}规定落户奖励的企业，自首笔奖励资金拨付之日起5年内将注册地、税收征管关系或者统计"
                "关系迁离临沂市的，由所在县区负责追回已拨付的全部奖励资金。项目单位获得专项资金后被发现不符合申报条件的，"
                "由县区财政部门负责追回。",
            ]),
            (None, [
                "申报单位有下列行为之一的，由市财政局会同市工业和信息化局追回已拨付的专项资金，5年内取消其申报市级"
                "财政专项资金的资格，并纳入企业信用记录；涉嫌犯罪的，依法移送司法机关处理：",
                "（一）提供虚假材料、虚报冒领专项资金的；",
                "（二）截留、挤占、挪用专项资金的；",
                "（三）无正当理由未按期实施项目或者擅自改变项目内容的；",
                "（四）拒不配合监督检查和绩效评价的。",
            ]),
            (None, [
                "参与评审的专家和第三方机构存在弄虚作假、违规泄露评审信息等行为的，取消其评审资格，3年内不得参与"
                "本市财政专项资金评审工作；造成损失的，依法承担赔偿责任。",
            ]),
            (None, [
                "各级财政、工业和信息化等部门及其工作人员在专项资金分配、审核和管理过程中，存在滥用职权、玩忽职守、"
                "徇私舞弊等违法违纪行为的，依照《中华人民共和国预算法》《财政违法行为处罚处分条例》等规定追究相应"
                "责任；构成犯罪的，依法追究刑事责任。",
            ]),
            (None, [
                "鼓励社会公众对专项资金使用情况进行监督。任何单位和个人发现违规申报、使用专项资金的，可以向市财政局、"
                "市工业和信息化局举报，受理部门应当依法核查处理并为举报人保密。",
            ]),
        ],
    ),
    (
        "第七章　附　　则",
        [
            (None, [
                "本办法所称“以上”“不超过”均包含本数；所称“首次”，是指企业此前未获得同一层级的同类认定或者奖励。",
            ]),
            (None, [
                "各县区可以参照本办法，结合本地实际制定本级数字经济扶持资金管理办法，与本办法做好衔接。",
            ]),
            (None, [
                "本办法施行前已按照原办法受理但尚未兑现资金的项目，按照原办法规定的标准执行；本办法施行后受理的项目，"
                "按照本办法执行。",
            ]),
            (None, [
                "本办法由市财政局、市工业和信息化局负责解释。",
            ]),
            (None, [
                "本办法自2024年6月20日起施行，有效期至2026年12月31日。《临沂市软件和信息服务业发展专项资金管理"
                "暂行办法》（临政办发〔2021〕8号）同时废止。",
            ]),
        ],
    ),
]

ANNEX_LABEL = "附件"
ANNEX_TITLE = "临沂市数字经济发展专项资金支持标准一览表"
TABLE_HEADER = ("序号", "支持事项", "支持标准", "上限", "主管部门")
TABLE_ROWS: list[tuple[str, str, str, str, str]] = [
    ("1", "软件企业规模奖励", "年度软件业务收入首次突破5000万元、1亿元、5亿元的，分别奖励30万元、80万元、150万元；晋档的补足差额",
     "150万元", "市工业和信息化局"),
    ("2", "首版次高端软件产品", "首次入选省首版次高端软件产品名单的，每个产品奖励30万元", "每家每年90万元",
     "市工业和信息化局"),
    ("3", "数据管理能力成熟度评估", "首次通过DCMM三级、四级、五级的，分别奖励10万元、20万元、30万元", "30万元",
     "市大数据局"),
    ("4", "国家级智能制造示范工厂", "首次获评的，给予一次性奖励", "200万元", "市工业和信息化局"),
    ("5", "省级智能工厂", "首次获评的，给予一次性奖励", "80万元", "市工业和信息化局"),
    ("6", "市级数字化车间", "首次获评的，给予一次性奖励；同一年度获评多个层级的按最高层级奖励", "20万元", "市工业和信息化局"),
    ("7", "国家级5G工厂", "首次入选国家级5G工厂名录的，给予一次性奖励", "50万元", "市工业和信息化局"),
    ("8", "数字化改造项目补助", "设备、软件及信息化系统投资额500万元以上的，按投资额的10%补助", "每个项目200万元",
     "市工业和信息化局"),
    ("9", "中小企业上云用数", "购买资源池内云服务、工业软件订阅服务等的，按实际支付费用的30%补助", "每家每年10万元",
     "市工业和信息化局"),
    ("10", "数字化转型服务商奖励", "上年度为本市企业提供改造服务合同金额首次突破3000万元的，给予一次性奖励", "50万元",
     "市工业和信息化局"),
    ("11", "初创企业成长奖励", "成立不超过3年、上年度营业收入首次达到1000万元的，给予一次性奖励", "20万元",
     "市工业和信息化局"),
    ("12", "总部企业落户奖励", "实缴注册资本5000万元以上的，按实缴注册资本的2%奖励，分三年按40%、30%、30%拨付", "300万元",
     "市工业和信息化局、市投资促进局"),
    ("13", "算力券", "按算力服务合同实际结算金额的15%补贴，当年未使用的不结转", "每家每年30万元", "市大数据局"),
    ("14", "数据产品场内交易奖励", "按年度场内交易额的5%奖励", "每家每年50万元", "市大数据局"),
    ("15", "公共数据开发利用典型场景", "首次入选省级以上的，给予项目承担单位一次性奖励", "20万元", "市大数据局"),
    ("16", "国家级工业互联网平台", "新认定的国家级“双跨”平台、特色专业型平台，按平台建设投入的20%补助", "200万元",
     "市工业和信息化局"),
    ("17", "省级工业互联网平台", "新认定的，按平台建设投入的20%补助", "100万元", "市工业和信息化局"),
    ("18", "省级数字经济园区", "新认定的，给予园区运营主体一次性奖励", "100万元", "市工业和信息化局"),
    ("19", "产教融合实训基地", "认定为市级数字经济产教融合实训基地的，给予一次性奖励", "30万元",
     "市工业和信息化局、市教育局"),
    ("20", "商贸物流数字化平台", "临沂商城内市场主体建设的平台项目，软硬件投资额300万元以上的，按投资额的15%补助",
     "150万元", "市商务局"),
    ("21", "直播电商基地", "年度网络零售额首次突破5亿元的，给予基地运营主体一次性奖励", "50万元", "市商务局"),
    ("22", "数字化改造贷款贴息", "按贷款实际发生利息的50%贴息，贴息期限最长2年；与投资补助不同时享受", "每家每年50万元",
     "市财政局、市工业和信息化局"),
]
ANNEX_NOTE = "注：同一企业同一年度获得本办法各项支持资金合计不超过500万元。"

CC_LINE = "抄送：市委各部门，市人大常委会办公室，市政协办公室，市监委，市法院，市检察院，临沂军分区。"
PRINT_LINE = (ISSUER, "2024年5月20日印发")

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 as written in article numbers: 一, 十, 十一, 二十, 三十五."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    head = "十" if tens == 1 else DIGITS[tens] + "十"
    return head + (DIGITS[ones] if ones else "")


def article_numbers() -> dict[str, str]:
    """Map each article key to its number as cited in the text ("第九条")."""
    refs: dict[str, str] = {}
    number = 0
    for _heading, articles in CHAPTERS:
        for key, _paragraphs in articles:
            number += 1
            if key:
                refs[key] = f"第{chinese_number(number)}条"
    return refs


CSS = """
@page {
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
}
@page :right {
  @bottom-right {
    content: "— " counter(page) " —";
    font-family: "SimSun", "宋体", "WenQuanYi Zen Hei", sans-serif;
    font-size: 14pt;
    vertical-align: top;
    padding-top: 7mm;
    padding-right: 14pt;
  }
}
@page :left {
  @bottom-left {
    content: "— " counter(page) " —";
    font-family: "SimSun", "宋体", "WenQuanYi Zen Hei", sans-serif;
    font-size: 14pt;
    vertical-align: top;
    padding-top: 7mm;
    padding-left: 14pt;
  }
}
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0;
  font-family: "FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "STFangsong", "WenQuanYi Zen Hei", sans-serif;
  font-size: 16pt;
  line-height: 28.9pt;
  text-align: justify;
  color: #000;
}
p { margin: 0; text-indent: 2em; orphans: 1; widows: 1; }
p.flush { text-indent: 0; }
.red-header {
  margin-top: 12mm;
  text-align: center;
  color: #e60012;
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "WenQuanYi Zen Hei", sans-serif;
  font-size: 34pt;
  line-height: 1.2;
  letter-spacing: 1pt;
  text-indent: 0;
}
.doc-number { margin-top: 12mm; text-align: center; text-indent: 0; }
.red-rule { border: 0; border-top: 2pt solid #e60012; margin: 4mm 0 0 0; }
h1, .title {
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "WenQuanYi Zen Hei", sans-serif;
  font-weight: normal;
  font-size: 22pt;
  line-height: 32pt;
  text-align: center;
  text-indent: 0;
  margin: 0;
}
.notice-title { margin: 10mm 0 20pt 0; }
.signature { text-align: right; text-indent: 0; padding-right: 4em; margin-top: 43pt; }
.date { text-align: right; text-indent: 0; padding-right: 4em; }
.public { margin-top: 0; }
.measures { break-before: page; }
.measures h1 { margin-bottom: 28.9pt; }
h2 {
  font-family: "SimHei", "黑体", "WenQuanYi Zen Hei", sans-serif;
  font-weight: normal;
  font-size: 16pt;
  line-height: 28.9pt;
  text-align: center;
  margin: 14.45pt 0;
  break-after: avoid;
}
.art { font-family: "SimHei", "黑体", "WenQuanYi Zen Hei", sans-serif; font-weight: bold; }
.annex { break-before: page; }
.annex-label { font-family: "SimHei", "黑体", "WenQuanYi Zen Hei", sans-serif; text-indent: 0; }
.annex h1 { font-size: 18pt; margin: 14pt 0 14pt 0; }
table { width: 100%; border-collapse: collapse; font-size: 12pt; line-height: 18pt; }
thead { display: table-header-group; }
th, td { border: 0.75pt solid #000; padding: 4pt 5pt; vertical-align: middle; }
th { font-family: "SimHei", "黑体", "WenQuanYi Zen Hei", sans-serif; font-weight: normal; text-align: center; }
td { text-align: left; }
td.c { text-align: center; }
tr { break-inside: auto; }
.note { font-size: 12pt; line-height: 20pt; text-indent: 0; margin-top: 6pt; }
.colophon { break-before: page; margin-top: 160mm; }
.colophon .rule { border-top: 1pt solid #000; }
.colophon .rule-thin { border-top: 0.75pt solid #000; }
.colophon p { font-size: 14pt; line-height: 24pt; text-indent: 0; padding: 2pt 1em; }
.colophon .print-line { display: flex; justify-content: space-between; }
"""


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def build_html() -> str:
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{esc(TITLE)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    # 红头 page: the 印发通知
    out.append(f'<div class="red-header">{esc(RED_HEADER)}</div>')
    out.append(f'<p class="doc-number">{esc(DOC_NUMBER)}</p>')
    out.append('<hr class="red-rule">')
    out.append('<div class="title notice-title">' + "<br>".join(esc(s) for s in NOTICE_TITLE_LINES) + "</div>")
    out.append(f'<p class="flush">{esc(ADDRESSEES)}</p>')
    for para in NOTICE_BODY:
        out.append(f"<p>{esc(para)}</p>")
    out.append(f'<p class="signature">{esc(ISSUER)}</p>')
    out.append(f'<p class="date">{esc(NOTICE_DATE)}</p>')
    out.append(f'<p class="public">{esc(PUBLIC)}</p>')

    # the 办法
    out.append('<section class="measures">')
    out.append(f"<h1>{esc(TITLE)}</h1>")
    refs = article_numbers()
    number = 0
    for heading, articles in CHAPTERS:
        out.append(f"<h2>{esc(heading)}</h2>")
        for _key, paragraphs in articles:
            number += 1
            label = f"第{chinese_number(number)}条"
            texts = [p.format_map(refs) for p in paragraphs]
            out.append(f'<p><span class="art">{label}</span>　{esc(texts[0])}</p>')
            for para in texts[1:]:
                out.append(f"<p>{esc(para)}</p>")
    out.append("</section>")

    # 附件: 支持标准一览表
    out.append('<section class="annex">')
    out.append(f'<p class="annex-label">{esc(ANNEX_LABEL)}</p>')
    out.append(f"<h1>{esc(ANNEX_TITLE)}</h1>")
    widths = ("6%", "18%", "37%", "14%", "25%")
    out.append("<table><colgroup>" + "".join(f'<col style="width:{w}">' for w in widths) + "</colgroup>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in TABLE_HEADER) + "</tr></thead><tbody>")
    for row in TABLE_ROWS:
        cells = [f'<td class="c">{esc(row[0])}</td>', f"<td>{esc(row[1])}</td>", f"<td>{esc(row[2])}</td>",
                 f'<td class="c">{esc(row[3])}</td>', f'<td class="c">{esc(row[4])}</td>']
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    out.append(f'<p class="note">{esc(ANNEX_NOTE)}</p>')
    out.append("</section>")

    # 版记
    out.append('<section class="colophon">')
    out.append('<div class="rule"></div>')
    out.append(f"<p>{esc(CC_LINE)}</p>")
    out.append('<div class="rule-thin"></div>')
    out.append(f'<p class="print-line"><span>{esc(PRINT_LINE[0])}</span><span>{esc(PRINT_LINE[1])}</span></p>')
    out.append('<div class="rule"></div>')
    out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def print_pdf(html_path: Path, out: Path) -> None:
    chromium = shutil.which("chromium") or CHROMIUM
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={out}",
                html_path.resolve().as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def build(out: Path = OUT, keep_html: Path | None = None) -> Path:
    source = build_html()
    if keep_html is not None:
        keep_html.write_text(source, encoding="utf-8")
        print_pdf(keep_html, out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            html_path = Path(tmp) / "linyi-digital-economy-fund-measures.html"
            html_path.write_text(source, encoding="utf-8")
            print_pdf(html_path, out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="also keep the HTML source at this path")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the PDF")
    args = parser.parse_args()
    print(build(args.out, args.html))
