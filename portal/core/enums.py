"""Enumerations stored as stable ASCII codes with Chinese and English labels.

Every input (forms, imports, API filters) goes through ``Enumeration.parse``, which accepts the code
or the Chinese (or English) label, so "370600", "烟台", "烟台市" all mean the same city.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString

from portal.core.language import is_english


@dataclass(frozen=True)
class Item:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


REGISTRY: dict[str, Enumeration] = {}  # every enumeration by name, wherever it is defined


class Enumeration:
    """A closed list of codes with labels."""

    def __init__(self, name: str, items: list[Item]) -> None:
        REGISTRY[name] = self
        self.name = name
        self.items = items
        self._by_code = {item.code: item for item in items}
        self._lookup: dict[str, str] = {}
        for item in items:
            for key in (item.code, item.zh, item.en, *item.aliases):
                self._lookup[key.strip().lower()] = item.code

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.items)

    @property
    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def parse(self, value: str | None) -> str | None:
        """The code for a code or label, or None when nothing matches."""
        if value is None:
            return None
        return self._lookup.get(str(value).strip().lower())

    def label(self, code: str | None, lang: str | None = None) -> str:
        """The label in the current (or given) language; an unknown code is shown as it is."""
        item = self._by_code.get(code or "")
        if item is None:
            return code or ""
        return item.en if is_english(lang) else item.zh

    def lazy_label(self, code: str | None) -> LazyString:
        """The label, chosen when it is shown: for a message rendered later in its reader's language."""
        return LazyString(self.label, code)

    def choices(self, *, blank: str | None = None) -> list[tuple[str, str]]:
        """(code, label) pairs for a select field."""
        pairs = [(item.code, self.label(item.code)) for item in self.items]
        return ([("", blank)] if blank is not None else []) + pairs


CITIES = Enumeration(
    "city",
    [
        Item("370100", "济南市", "Jinan", ("济南",)),
        Item("370200", "青岛市", "Qingdao", ("青岛",)),
        Item("370300", "淄博市", "Zibo", ("淄博",)),
        Item("370400", "枣庄市", "Zaozhuang", ("枣庄",)),
        Item("370500", "东营市", "Dongying", ("东营",)),
        Item("370600", "烟台市", "Yantai", ("烟台",)),
        Item("370700", "潍坊市", "Weifang", ("潍坊",)),
        Item("370800", "济宁市", "Jining", ("济宁",)),
        Item("370900", "泰安市", "Tai'an", ("泰安", "Taian")),
        Item("371000", "威海市", "Weihai", ("威海",)),
        Item("371100", "日照市", "Rizhao", ("日照",)),
        Item("371300", "临沂市", "Linyi", ("临沂",)),
        Item("371400", "德州市", "Dezhou", ("德州",)),
        Item("371500", "聊城市", "Liaocheng", ("聊城",)),
        Item("371600", "滨州市", "Binzhou", ("滨州",)),
        Item("371700", "菏泽市", "Heze", ("菏泽",)),
    ],
)

ACTIVITIES = Enumeration(
    "activity",
    [
        Item("vehicle_maker", "整车企业", "Vehicle manufacturer"),
        Item("battery_maker", "动力电池生产", "Battery manufacturer"),
        Item("cascade_use", "梯次利用", "Cascade use"),
        Item("recycling", "再生利用", "Recycling"),
        Item("outlet_operator", "回收服务网点运营", "Collection outlet operator"),
        Item("scrap_dismantling", "报废机动车回收拆解", "End-of-life vehicle dismantling"),
        Item("testing", "检验检测认证", "Testing and certification"),
        Item("research", "科研院所/高校", "Research institute / university", ("科研院所", "高校")),
        Item("industry_body", "行业组织/中介", "Industry organisation / intermediary", ("行业组织",)),
        Item("other", "其他", "Other"),
    ],
)

TIERS = Enumeration(
    "tier",
    [
        Item("president", "会长单位", "President member"),
        Item("vice_president", "副会长单位", "Vice-president member"),
        Item("council", "理事单位", "Council member"),
        Item("member", "会员单位", "Member"),
    ],
)

APPLICATION_STATES = Enumeration(
    "application_state",
    [
        Item("submitted", "待审核", "Submitted"),
        Item("info_requested", "需补充材料", "More information requested"),
        Item("approved", "已通过", "Approved"),
        Item("rejected", "未通过", "Rejected"),
    ],
)

MEMBERSHIP_STATES = Enumeration(
    "membership_state",
    [
        Item("active", "有效", "Active"),
        Item("grace", "宽限期", "In grace period"),
        Item("lapsed", "已失效", "Lapsed"),
        Item("suspended", "已暂停", "Suspended"),
    ],
)

WHITELIST_ACTIVITIES = Enumeration(
    "whitelist_activity",
    [
        Item("cascade_use", "梯次利用", "Cascade use"),
        Item("recycling", "再生利用", "Recycling"),
        Item("both", "梯次利用和再生利用", "Cascade use and recycling"),
    ],
)

ROLES = Enumeration(
    "role",
    [
        Item("member_admin", "企业管理员", "Enterprise administrator"),
        Item("member_editor", "企业编辑", "Enterprise editor"),
        Item("staff", "协会工作人员", "Association staff"),
        Item("admin", "系统管理员", "Administrator"),
        Item("reviewer", "评审专家", "Reviewer"),
        Item("observer", "观察员（主管部门）", "Observer"),
        Item("financier", "金融机构", "Financial institution"),
    ],
)

REQUEST_STATES = Enumeration(
    "request_state",
    [
        Item("pending", "待处理", "Pending"),
        Item("approved", "已批准", "Approved"),
        Item("rejected", "已驳回", "Rejected"),
    ],
)

OUTLET_TYPES = Enumeration(
    "outlet_type",
    [
        Item("collection", "收集型", "Collection", ("收集",)),
        Item("centralized", "集中贮存型", "Centralized storage", ("集中贮存", "集中型")),
    ],
)

OUTLET_STATES = Enumeration(
    "outlet_state",
    [
        Item("pending", "待核查", "Not yet verified"),
        Item("compliant", "合规", "Verified compliant"),
        Item("rectifying", "整改中", "Under rectification"),
        Item("closed", "已关闭", "Closed"),
    ],
)

# Minimums and limits of the two outlet types (MIIT 2019 No. 46 operating guide); data, not code.
OUTLET_TYPE_RULES = {
    "collection": {"min_area_m2": 10, "max_stored_t": 5},
    "centralized": {"min_capacity_t": 30},
}

STANDARD_LEVELS = Enumeration(
    "standard_level",
    [
        Item("national", "国家标准", "National standard", ("国标",)),
        Item("industry", "行业标准", "Industry standard", ("行标",)),
        Item("local", "地方标准", "Local standard", ("地标",)),
        Item("association", "团体标准", "Association standard", ("团标",)),
        Item("enterprise", "企业标准", "Enterprise standard", ("企标",)),
    ],
)

STANDARD_TOPICS = Enumeration(
    "standard_topic",
    [
        Item("coding", "编码与溯源", "Coding and traceability"),
        Item("residual_capacity", "余能检测", "Residual capacity testing"),
        Item("cascade_use", "梯次利用", "Cascade use"),
        Item("dismantling", "拆卸与拆解", "Removal and dismantling"),
        Item("material_recovery", "再生利用", "Material recovery"),
        Item("packaging_transport", "包装运输", "Packaging and transport"),
        Item("storage_outlets", "贮存与回收服务网点", "Storage and collection outlets"),
        Item("safety", "安全", "Safety"),
        Item("management", "管理", "Management"),
    ],
)

STANDARD_STATES = Enumeration(
    "standard_state",
    [
        Item("draft_for_comment", "征求意见", "Draft for comment", ("征求意见稿",)),
        Item("upcoming", "即将实施", "Not yet in force"),
        Item("in_force", "现行", "In force", ("现行有效",)),
        Item("replaced", "被代替", "Replaced"),
        Item("withdrawn", "废止", "Withdrawn", ("已废止",)),
    ],
)
