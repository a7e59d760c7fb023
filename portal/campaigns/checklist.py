"""The inspection checklist's first version and the campaign's closed lists (results, item outcomes).

Checklist versions live in the ``checklist_versions`` table; version 1 below is written there on first
use (``services.current_checklist``), not by the migration: the test suite empties every table
between PostgreSQL tests, and a later version is added as data the same way without touching code.
"""

from __future__ import annotations

from portal.core.enums import Enumeration, Item
from portal.core.language import is_english

CHECKLIST_V1_TITLE = "回收服务网点核查清单（第1版）"
CHECKLIST_V1_TITLE_EN = "Collection outlet inspection checklist (version 1)"
CHECKLIST_V1_SOURCE = "新能源汽车动力蓄电池回收服务网点建设和运营指南（工信部2019年第46号公告）；GB/T 38698.2-2023"
# text_en: the item in English, shown when the page is in English (text, in Chinese, otherwise).
# applies_to: "all" or "centralized" (集中贮存型 only; on a collection outlet the item is not applicable).
CHECKLIST_V1 = [
    {
        "code": "sign",
        "text": "设有“废旧动力蓄电池回收服务网点”标识",
        "text_en": "The “Waste power battery collection outlet” sign is displayed",
        "applies_to": "all",
    },
    {
        "code": "procedures",
        "text": "张贴作业流程和操作规程",
        "text_en": "The work flow and operating procedures are posted",
        "applies_to": "all",
    },
    {
        "code": "storage_area",
        "text": "贮存场地达到该类型的最低要求（收集型面积不小于10平方米；集中贮存型贮存能力不小于30吨）",
        "text_en": (
            "The storage site meets the minimum for its type (collection outlets at least 10 m²; "
            "centralized storage at least 30 t of capacity)"
        ),
        "applies_to": "all",
    },
    {
        "code": "stored_quantity",
        "text": "贮存量不超过该类型的上限（收集型不超过5吨；集中贮存型不超过其贮存能力）",
        "text_en": (
            "The quantity stored does not exceed the limit for its type (collection outlets at most 5 t; "
            "centralized storage at most its capacity)"
        ),
        "applies_to": "all",
    },
    {
        "code": "fire_equipment",
        "text": "消防设施齐全：消防沙、灭火器、消火栓、自动喷淋、烟雾报警器",
        "text_en": (
            "Fire equipment is complete: fire sand, extinguishers, hydrants, automatic sprinklers, smoke detectors"
        ),
        "applies_to": "all",
    },
    {
        "code": "discharge",
        "text": "配备电池包放电设施（盐水池或放电柜）和安全箱",
        "text_en": (
            "Battery pack discharge equipment (a brine tank or a discharge cabinet) and safety boxes are provided"
        ),
        "applies_to": "all",
    },
    {
        "code": "ventilation",
        "text": "贮存场所通风良好",
        "text_en": "The storage area is well ventilated",
        "applies_to": "all",
    },
    {
        "code": "thermal_monitoring",
        "text": "24小时监控，配备红外热成像",
        "text_en": "24-hour monitoring with infrared thermal imaging",
        "applies_to": "centralized",
    },
    {
        "code": "records",
        "text": "记录每个电池包的来源、编码、类型、数量、去向及车辆识别代号（VIN），保存3年",
        "text_en": (
            "The source, code, type, quantity and destination of every battery pack and the vehicle "
            "identification number (VIN) are recorded and kept for 3 years"
        ),
        "applies_to": "all",
    },
    {
        "code": "licensed_handover",
        "text": "废旧电池包只移交给有资质的梯次利用或再生利用企业",
        "text_en": "Waste battery packs are handed over only to qualified cascade use or recycling enterprises",
        "applies_to": "all",
    },
    {
        "code": "no_dismantling",
        "text": "除安全需要外不对电池包进行拆解",
        "text_en": "Battery packs are not dismantled except for safety",
        "applies_to": "all",
    },
    {"code": "staff_trained", "text": "作业人员经过培训", "text_en": "Operators are trained", "applies_to": "all"},
]

RESULTS = Enumeration(
    "inspection_result",
    [
        Item("compliant", "合规", "Compliant"),
        Item("rectification", "需整改", "Needs rectification", ("整改", "整改中")),
        Item("closed", "关闭", "Closed", ("已关闭",)),
    ],
)
# What each result makes of the outlet's public status.
RESULT_STATUS = {"compliant": "compliant", "rectification": "rectifying", "closed": "closed"}

OUTCOMES = Enumeration(
    "item_outcome",
    [
        Item("met", "符合", "Met"),
        Item("not_met", "不符合", "Not met"),
        Item("na", "不适用", "Not applicable"),
    ],
)

RECTIFICATION_STATES = Enumeration(
    "rectification_state",
    [
        Item("open", "待整改", "Awaiting the member's answer"),
        Item("answered", "整改待审核", "Answer awaiting review"),
        Item("accepted", "整改已通过", "Rectification accepted"),
    ],
)

# The state of an outlet within a campaign, for the campaign's list and filter.
OUTLET_PROGRESS = Enumeration(
    "campaign_progress",
    [
        Item("todo", "未核查", "Not yet inspected"),
        Item("compliant", "合规", "Compliant"),
        Item("rectification", "需整改", "Needs rectification"),
        Item("closed", "关闭", "Closed"),
    ],
)


def applies(item: dict, outlet_type: str) -> bool:
    """Whether a checklist item applies to an outlet of the given type."""
    return item.get("applies_to", "all") == "all" or item.get("applies_to") == outlet_type


# English of versions written before their items carried text_en (version 1 as first stored), by Chinese text.
_ENGLISH_TITLES = {CHECKLIST_V1_TITLE: CHECKLIST_V1_TITLE_EN}
_ENGLISH_TEXTS = {item["text"]: item["text_en"] for item in CHECKLIST_V1}


def item_text(item: dict, lang: str | None = None) -> str:
    """A checklist item's text in the current (or given) language: text_en in English when there is one."""
    if is_english(lang):
        return item.get("text_en") or _ENGLISH_TEXTS.get(item.get("text", ""), item.get("text", ""))
    return item.get("text", "")


def checklist_title(version, lang: str | None = None) -> str:
    """A checklist version's title in the current (or given) language (English where one is known)."""
    return _ENGLISH_TITLES.get(version.title, version.title) if is_english(lang) else version.title
