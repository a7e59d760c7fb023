"""A 2026 selection for the flow and view tests."""

from __future__ import annotations

from portal.benchmarks import services

CRITERIA = (
    ("whitelist", "20"),
    ("outlets", "20"),
    ("standards", "10"),
    ("projects", "10"),
    ("registry", "10"),
    ("ledger", "10"),
    ("safety", "10"),
    ("innovation", "10"),
)


def selection_input(**overrides) -> services.SelectionInput:
    values = {
        "year": "2026",
        "title": "2026年度山东省动力电池回收利用标杆企业评选",
        "opens_on": "2026-05-01",
        "closes_on": "2026-06-30",
        "criteria": CRITERIA,
    }
    return services.SelectionInput(**(values | overrides))


STATEMENT = "本单位建成规范回收网点12个，参与起草国家标准2项，梯次利用项目已通过验收，申报本年度标杆企业。"
