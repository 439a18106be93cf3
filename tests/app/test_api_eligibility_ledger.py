"""``POST /v1/eligibility`` and ``GET /v1/ledger`` through a real uvicorn server over the bundled
index (issues 6 and 9). Expected departments and targets come from the shared table of the
bundled plan (``app.testing``) and from the document's own text, never from the code under test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import openpyxl
import pytest

from app.api.main import create_app
from app.config import Settings
from app.testing import SEED_DEPARTMENTS, SEED_TARGET_VALUES, copy_index, free_port, serve_in_thread
from ingest.loaders import load_file

pytestmark = pytest.mark.server

KEY = "test-key"
SEED_NAME = "shandong-2022-digital-economy-action-plan.txt"
SEED_TITLE = "山东省2022年数字经济“重点突破”行动方案"
DCMM_CONDITION = "首次通过DCMM二级及以上企业"
DCMM_QUOTE = "对首次通过DCMM二级及以上企业给予财政补贴"
MIIT = "省工业和信息化厅"
# Measures of the bundled plan with no quantified target, read off the document (22 has targets
# written with 百/千/万, so it is not in SEED_TARGET_VALUES but is a measure with targets).
NO_TARGETS = {7, 9, 10, 17, 18, 20}


@pytest.fixture(scope="module")
def api(bundled_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = copy_index(bundled_index, tmp_path_factory.mktemp("api-ledger"), api_key=KEY)
    with serve_in_thread(create_app(settings), free_port()) as url:
        yield url


@pytest.fixture
def client(api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def seed_text(bundled_index: Settings) -> str:
    return load_file(bundled_index.corpus_dir / SEED_NAME).text


def _dcmm(body: dict) -> dict:
    """The result for the plan's DCMM subsidy (measure 8)."""
    return next(r for r in body["results"] if r["entry"]["condition"] == DCMM_CONDITION)


# ---- eligibility -----------------------------------------------------------------------------

@pytest.mark.parametrize("description, verdict, label, reason", [
    ("我们去年首次通过DCMM三级,能申请补贴吗?", "eligible", "可能符合", "三级属于“二级及以上”"),
    ("我们公司今年第一次通过DCMM二级评估", "eligible", "可能符合", "二级属于“二级及以上”"),
    ("我们只通过了DCMM一级,可以享受财政补贴吗?", "not_eligible", "不符合", "条件为“DCMM二级及以上”,您所述为一级"),
    ("我们三年前就过了DCMM二级,今年复评", "not_eligible", "不符合", "条件限于“首次”"),
    ("我们通过了DCMM评估,能申请补贴吗?", "unknown", "无法判断", "您未说明DCMM等级"),
])
def test_eligibility_from_free_text(client, seed_text, description, verdict, label, reason):
    r = client.post("/v1/eligibility", json={"description": description})
    assert r.status_code == 200, r.text
    result = _dcmm(r.json())
    assert (result["verdict"], result["label"]) == (verdict, label)
    assert any(reason in x for x in result["reasons"]), result["reasons"]
    assert result["quote"] == DCMM_QUOTE and result["quote"] in seed_text, "the quote is verbatim"
    cite = result["citation"]
    assert {k: cite[k] for k in ("doc", "title", "unit", "quote")} == {
        "doc": SEED_NAME, "title": SEED_TITLE, "unit": "8", "quote": DCMM_QUOTE}
    assert cite["path"][-1] == "8.完善数据要素供给体系" and cite["path"][0].startswith("三、")
    assert all(heading.rstrip("…") in seed_text for heading in cite["path"])  # long headings are cut with …
    # whom to contact: the measure's own responsibility line, as written
    assert result["contacts"] == "、".join(SEED_DEPARTMENTS[8])
    assert result["entry"]["department_text"] in seed_text
    assert "补贴金额或标准" in result["unstated"], "the plan states no amount"
    assert result["amount"] == "" and "万元" not in str(result)


@pytest.mark.parametrize("certification, verdict, reason", [
    ({"name": "DCMM", "level": 2, "first_time": True}, "eligible", "二级属于“二级及以上”"),
    ({"name": "dcmm", "level": "三级", "first_time": True}, "eligible", "三级属于“二级及以上”"),
    ({"name": "DCMM", "level": "1", "first_time": True}, "not_eligible", "您所述为一级,未达到"),
    ({"name": "DCMM", "level": 3, "first_time": False}, "not_eligible", "条件限于“首次”"),
    ({"name": "DCMM", "first_time": True}, "unknown", "您未说明DCMM等级"),
    ({"name": "DCMM", "level": 2}, "unknown", "您未说明是否为首次"),
], ids=["level-2-first", "level-three-first", "level-1", "not-first", "no-level", "first-not-said"])
def test_eligibility_from_the_form(client, certification, verdict, reason):
    form = {"industry": "软件", "certifications": [certification]}
    r = client.post("/v1/eligibility", json={"form": form})
    assert r.status_code == 200, r.text
    result = _dcmm(r.json())
    assert result["verdict"] == verdict
    assert any(reason in x for x in result["reasons"]), result["reasons"]


def test_form_products_and_plans_find_their_measures(client, seed_text):
    form = {"certifications": [{"name": "DCMM", "level": 3, "first_time": True}],
            "products": ["首版次高端软件"], "plans": ["上云"]}
    body = client.post("/v1/eligibility", json={"form": form, "doc": SEED_NAME}).json()
    conditions = {r["entry"]["condition"] for r in body["results"]}
    assert {DCMM_CONDITION, "首版次高端软件产品认定"} <= conditions
    assert any("上云" in c for c in conditions)
    assert body["profile"]["products"] == ["首版次高端软件"] and body["profile"]["plans"] == ["上云"]
    for r in body["results"]:
        assert r["quote"] in seed_text and r["citation"]["quote"] == r["quote"]
        assert r["citation"]["doc"] == SEED_NAME and r["citation"]["path"]


def test_description_and_form_together(client):
    """The form's explicit level wins over the words of the description."""
    body = {"description": "我们去年首次通过DCMM评估", "form": {"certifications": [{"name": "DCMM", "level": 1}]}}
    result = _dcmm(client.post("/v1/eligibility", json=body).json())
    assert result["verdict"] == "not_eligible"


def test_unrelated_description_matches_nothing(client):
    body = client.post("/v1/eligibility", json={"description": "我们是一家餐馆"}).json()
    assert body["results"] == [] and "未找到与所述情况对应的支持政策" in body["summary"]
    assert body["catalogue_size"] > 0


@pytest.mark.parametrize("body, status, message", [
    ({"description": ""}, 400, "请描述企业情况"),
    ({"description": "   "}, 400, "请描述企业情况"),
    ({}, 400, "请描述企业情况"),
    ({"form": {}}, 400, "请描述企业情况"),
    ({"description": "DCMM" * 600}, 422, "description:过长(最多2000个字符)"),
    ({"description": "DCMM", "top_k": 3}, 422, "top_k:不支持的字段"),
    ({"form": {"certifications": [{"name": "DCMM", "level": "九级"}]}}, 422, "等级应为 1–5 或 一级至五级"),
    ({"form": {"size": "特大企业"}}, 422, "form.size:取值不在允许范围内"),
    ({"description": ["DCMM"]}, 422, "description:应为字符串"),
    ({"description": "DCMM二级", "doc": "nope.txt"}, 404, "未找到文档:nope.txt"),
])
def test_eligibility_bad_input_gets_a_chinese_message(client, body, status, message):
    r = client.post("/v1/eligibility", json=body)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]["message"]


# ---- ledger ----------------------------------------------------------------------------------

def test_ledger_json_has_every_measure_of_the_plan(client, seed_text):
    r = client.get("/v1/ledger", params={"doc": SEED_NAME})
    assert r.status_code == 200, r.text
    body = r.json()
    measures = body["measures"]
    assert [m["number"] for m in measures] == [str(n) for n in range(1, 23)]
    assert {int(m["number"]): m["responsible"] for m in measures} == SEED_DEPARTMENTS
    for m in measures:
        assert m["title"] in seed_text and m["department_text"] in seed_text
        assert all(name in m["department_text"] for name in m["responsible"])
    values = {}
    for t in body["targets"]:
        assert t["value"] in t["sentence"] and t["sentence"] in seed_text
        values.setdefault(int(t["number"]), []).append(t["value"])
    for n, expected in SEED_TARGET_VALUES.items():
        assert values[n][:len(expected)] == expected, n
    summary = {d["name"]: d for d in body["departments"]}
    assert summary["省大数据局"]["responsible"] == [str(n) for n, ds in SEED_DEPARTMENTS.items() if "省大数据局" in ds]
    assert "department" not in body and "message" not in body


@pytest.mark.parametrize("query", ["工信厅", MIIT])
def test_ledger_department_filter_uses_the_alias_table(client, seed_text, query):
    body = client.get("/v1/ledger", params={"doc": SEED_NAME, "department": query}).json()
    expected = [str(n) for n, ds in SEED_DEPARTMENTS.items() if MIIT in ds]
    assert [m["number"] for m in body["measures"]] == expected
    assert all(MIIT in m["department_text"] for m in body["measures"])
    assert {m["role"] for m in body["measures"]} == {"responsible"}  # "…按分工负责": no lead/partner split
    assert body["department"] == {"query": query, "names": [MIIT]}
    targets = {t["number"] for t in body["targets"]}
    assert targets <= set(expected)


def test_ledger_targets_only(client):
    body = client.get("/v1/ledger", params={"doc": SEED_NAME, "targets_only": "true"}).json()
    numbers = {int(m["number"]) for m in body["measures"]}
    assert all(m["targets"] for m in body["measures"])
    assert numbers >= set(SEED_TARGET_VALUES)
    assert numbers == set(SEED_DEPARTMENTS) - NO_TARGETS


def test_ledger_unknown_department_is_empty_with_a_message(client):
    """As ``policyqa ledger -d`` prints an empty list, the API answers 200 with no rows and says why."""
    r = client.get("/v1/ledger", params={"doc": SEED_NAME, "department": "市大数据局"})
    assert r.status_code == 200
    body = r.json()
    assert body["measures"] == [] and body["targets"] == []
    assert "没有“市大数据局”牵头或参与的措施" in body["message"] and "省大数据局" in body["message"]


def test_ledger_csv_is_utf8_with_bom_and_round_trips(client):
    r = client.get("/v1/ledger", params={"doc": SEED_NAME, "department": "工信厅", "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="ledger-' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).endswith("-工信厅.csv")
    assert r.content[:3] == b"\xef\xbb\xbf"
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["编号"] for row in rows] == [str(n) for n, ds in SEED_DEPARTMENTS.items() if MIIT in ds]
    assert all(MIIT in row["责任部门"] for row in rows)
    assert next(row for row in rows if row["编号"] == "8")["条款"] == "第8条「完善数据要素供给体系」"


def test_ledger_xlsx_is_a_workbook(client):
    r = client.get("/v1/ledger", params={"doc": SEED_NAME, "format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"].startswith("attachment;") and ".xlsx" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["措施", "目标", "部门汇总", "矩阵"]
    rows = list(wb["措施"].iter_rows(values_only=True))
    header = list(rows[0])
    assert [row[header.index("编号")] for row in rows[1:]] == [str(n) for n in range(1, 23)]
    targets = [row for row in wb["目标"].iter_rows(min_row=2, values_only=True)]
    assert len(targets) == len(client.get("/v1/ledger", params={"doc": SEED_NAME}).json()["targets"])
    assert wb["矩阵"]._images, "the department × measure chart is embedded"


@pytest.mark.parametrize("params, status, message", [
    ({"doc": "nope.txt"}, 404, "未找到文档:nope.txt"),
    ({"doc": "nope.txt", "format": "xlsx"}, 404, "未找到文档:nope.txt"),
    ({"format": "pdf"}, 422, "format:取值不在允许范围内"),
    ({"targets_only": "maybe"}, 422, "targets_only:应为 true 或 false"),
    ({"department": "局" * 60}, 422, "department:过长(最多50个字符)"),
])
def test_ledger_bad_requests_get_chinese_messages(client, params, status, message):
    r = client.get("/v1/ledger", params=params)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]["message"]


@pytest.mark.parametrize("method, path", [("POST", "/v1/eligibility"), ("GET", "/v1/ledger")])
def test_new_endpoints_need_the_key(api, method, path):
    r = httpx.request(method, f"{api}{path}", json={"description": "DCMM二级"})
    assert r.status_code == 401 and "API 密钥" in r.json()["error"]["message"]


def test_new_endpoints_are_documented(api):
    paths = httpx.get(f"{api}/openapi.json", headers={"Authorization": f"Bearer {KEY}"}).json()["paths"]
    assert {"/v1/eligibility", "/v1/ledger"} <= set(paths)
