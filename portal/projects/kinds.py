"""The projects' enumerations: project types, funding sources, finance forms, attachment kinds, metrics."""

from __future__ import annotations

from portal.core.enums import Enumeration, Item

PROJECT_TYPES = Enumeration(
    "project_type",
    [
        Item("cascade_telecom", "梯次利用·通信基站备电", "Cascade use: telecom base-station backup", ("通信基站备电",)),
        Item("cascade_storage", "梯次利用·储能电站", "Cascade use: storage station", ("储能电站",)),
        Item("cascade_peak", "梯次利用·削峰填谷", "Cascade use: peak shaving", ("削峰填谷",)),
        Item("cascade_other", "梯次利用·低速车/其他", "Cascade use: low-speed vehicles / other", ("低速车",)),
        Item("recycling_hydro", "再生利用·湿法冶金", "Recycling: hydrometallurgy", ("湿法冶金",)),
        Item("recycling_pyro", "再生利用·火法冶金", "Recycling: pyrometallurgy", ("火法冶金",)),
        Item(
            "recycling_physical",
            "再生利用·物理分选/自动化拆解",
            "Recycling: physical separation / automated dismantling",
            ("物理分选", "自动化拆解"),
        ),
        Item("recycling_other", "再生利用·其他", "Recycling: other"),
        Item("network", "回收网络建设", "Collection network"),
        Item("business_model", "商业模式创新", "Business-model innovation"),
    ],
)
TYPE_GROUPS = {
    "cascade_use": ("cascade_telecom", "cascade_storage", "cascade_peak", "cascade_other"),
    "recycling": ("recycling_hydro", "recycling_pyro", "recycling_physical", "recycling_other"),
}

FUNDING_SOURCES = Enumeration(
    "project_funding",
    [
        Item("enterprise", "企业自筹", "Enterprise's own funds"),
        Item("subsidy", "政府补助", "Government subsidy"),
        Item("bank_loan", "银行贷款", "Bank loan"),
        Item("other", "其他", "Other"),
    ],
)

FINANCE_FORMS = Enumeration(
    "finance_form",
    [
        Item("loan", "贷款", "Loan"),
        Item("equity", "股权投资", "Equity", ("股权",)),
        Item("lease", "融资租赁", "Lease", ("租赁",)),
    ],
)

ATTACHMENT_KINDS = Enumeration(
    "project_attachment",
    [
        Item("feasibility", "可行性研究报告", "Feasibility study"),
        Item("licence", "资质证照", "Licence"),
        Item("other", "其他材料", "Other document"),
        Item("evidence", "进展佐证材料", "Progress evidence"),
    ],
)

# Suggested target metrics with their units (a target may also be free text with any unit).
METRICS = (
    ("储能装机容量", "MWh"),
    ("年处理电池包", "个/年"),
    ("年处理量", "吨/年"),
    ("锂回收率", "%"),
    ("镍回收率", "%"),
    ("钴回收率", "%"),
    ("锰回收率", "%"),
    ("新增就业", "人"),
)
