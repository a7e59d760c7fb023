"""How the audit log names what it recorded: actions and objects in words, objects with a name and a link.

The log stores codes (``outlet.update``, ``outlet`` #7); this module turns them into what a person reads.
An action or object type missing here is shown by its code, so a new feature's entries are never lost,
only less readable until it adds a line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

ACTIONS: dict[str, Any] = {
    "api.call": _l("接口调用"),
    "api_token.create": _l("创建接口令牌"),
    "api_token.revoke": _l("吊销接口令牌"),
    "application.approve": _l("批准入会申请"),
    "application.assign": _l("分配审核人"),
    "application.reject": _l("驳回入会申请"),
    "application.request_info": _l("要求补充材料"),
    "benchmark.apply": _l("申报标杆企业"),
    "benchmark.confirm": _l("确认标杆企业名单"),
    "benchmark.nominate": _l("提名标杆企业"),
    "benchmark.open": _l("开启标杆企业评选"),
    "benchmark.score": _l("评分"),
    "calendar.clear_day": _l("清除日历设置"),
    "calendar.load_package": _l("载入节假日安排"),
    "calendar.set_day": _l("设置工作日历"),
    "campaign.open": _l("开启网点核查"),
    "consultation.answer": _l("答复意见"),
    "consultation.open": _l("开启征求意见"),
    "document.reissue": _l("补发文件"),
    "document.revoke": _l("撤销文件"),
    "enterprise.whitelist": _l("设置白名单信息"),
    "inspection.record": _l("记录核查结果"),
    "ledger.adjustment_approved": _l("批准调账"),
    "ledger.adjustment_proposed": _l("提出调账"),
    "ledger.adjustment_rejected": _l("驳回调账"),
    "ledger.deposits_billed": _l("计收押金"),
    "ledger.month_closed": _l("月度结账"),
    "ledger.payment": _l("登记收款"),
    "ledger.payout": _l("登记付款"),
    "ledger.reversal": _l("冲销凭证"),
    "ledger.rule_added": _l("新增押金规则"),
    "membership.payment": _l("登记会费"),
    "membership.reinstate": _l("恢复会员资格"),
    "membership.suspend": _l("暂停会员资格"),
    "membership_settings.set": _l("修改入会规则"),
    "notice.delete": _l("删除通知"),
    "notice.publish": _l("发布通知"),
    "notice.remove_attachment": _l("删除通知附件"),
    "notice.update": _l("修改通知"),
    "outlet.create": _l("新增网点"),
    "outlet.districts": _l("更正网点区县"),
    "outlet.import": _l("导入网点"),
    "outlet.makers": _l("设置合作车企"),
    "outlet.status": _l("变更网点状态"),
    "outlet.update": _l("修改网点"),
    "project.assign_reviewer": _l("分配评审专家"),
    "project.finance": _l("登记融资信息"),
    "project.finance_interest": _l("融资意向"),
    "project.milestone": _l("新增里程碑"),
    "project.milestone_delete": _l("删除里程碑"),
    "project.report": _l("提交进展报告"),
    "project.report_right": _l("授予报告权限"),
    "project.review": _l("项目评审"),
    "project.state": _l("变更项目状态"),
    "project.target_confidential": _l("设置指标保密"),
    "project.unassign_reviewer": _l("取消评审专家"),
    "project.update": _l("修改项目"),
    "project_call.create": _l("发布项目征集"),
    "rectification.accept": _l("通过整改"),
    "rectification.reject": _l("退回整改"),
    "standard.attachment.add": _l("上传标准附件"),
    "standard.attachment.delete": _l("删除标准附件"),
    "standard.confirm": _l("核实标准"),
    "standard.create": _l("新增标准"),
    "standard.delete": _l("删除标准"),
    "standard.publish": _l("发布标准"),
    "standard.status_by_date": _l("按日期更新标准状态"),
    "standard.unpublish": _l("撤下标准"),
    "standard.update": _l("修改标准"),
    "tier_fee.set": _l("设置会费标准"),
    "training.attendance": _l("登记培训出席"),
    "training.event.create": _l("新增培训活动"),
    "training.material.create": _l("上传培训资料"),
    "training.material.delete": _l("删除培训资料"),
    "user.create": _l("创建内部账户"),
    "user.role": _l("修改账户角色"),
    "whitelist_request.decide": _l("核实白名单申请"),
}

FIELDS: dict[str, Any] = {
    "name": _l("名称"),
    "title": _l("标题"),
    "code": _l("编号"),
    "status": _l("状态"),
    "state": _l("状态"),
    "reason": _l("原因"),
    "role": _l("角色"),
    "is_active": _l("启用"),
    "email": _l("电子邮箱"),
    "address": _l("地址"),
    "city": _l("城市"),
    "district": _l("区县"),
    "phone": _l("电话"),
    "contact": _l("联系人"),
    "lon": _l("经度"),
    "lat": _l("纬度"),
    "tier": _l("会员级别"),
    "fee_fen": _l("金额"),
    "annual_fee_fen": _l("年费"),
    "amount_fen": _l("金额"),
    "valid_from": _l("有效期起"),
    "valid_to": _l("有效期止"),
    "published": _l("已发布"),
    "confirmed": _l("已核实"),
    "makers": _l("合作车企"),
    "attended": _l("出席人员"),
    "scopes": _l("权限范围"),
    "by": _l("冲销凭证"),
    "txn": _l("凭证"),
    "attachment": _l("附件"),
    "created": _l("新增"),
    "updated": _l("更新"),
    "unchanged": _l("未变"),
    "rows": _l("行数"),
    "rejected": _l("拒绝"),
    "needs_check": _l("待核实"),
    "file": _l("文件"),
    "number": _l("编号"),
    "term_year": _l("会费年度"),
    "term_start": _l("会期起"),
    "term_end": _l("会期止"),
    "enterprise_ids": _l("企业"),
    "innovation": _l("创新能力"),
    "safety": _l("安全记录"),
    "score": _l("得分"),
    "note": _l("说明"),
    "type": _l("类型"),
    "packs": _l("电池包数"),
    "total_fen": _l("合计"),
    "fen": _l("金额"),
    "ref": _l("流水号"),
    "paid_on": _l("缴费日期"),
    "activity": _l("业务类型"),
    "decision": _l("决定"),
}


@dataclass(frozen=True)
class ObjectKind:
    """How one object type is named: its label, and (optionally) its rows' names and links."""

    label: Any
    model: str | None = None  # "module:Class", imported when a page needs it
    name: str = "name"
    link: Callable[[Any], str] | None = None  # row -> URL


def _model(path: str):
    module, _, cls = path.partition(":")
    return getattr(__import__(module, fromlist=[cls]), cls)


OBJECTS: dict[str, ObjectKind] = {
    "outlet": ObjectKind(
        _l("服务网点"), "portal.outlets.models:Outlet", link=lambda r: url_for("outlets.detail", code=r.code)
    ),
    "enterprise": ObjectKind(
        _l("企业"), "portal.members.models:Enterprise", link=lambda r: url_for("members.profile", enterprise_id=r.id)
    ),
    "application": ObjectKind(
        _l("入会申请"),
        "portal.members.models:MembershipApplication",
        name="id",
        link=lambda r: url_for("staff.application", application_id=r.id),
    ),
    "membership": ObjectKind(
        _l("会员资格"),
        "portal.members.models:Membership",
        name="id",
        link=lambda r: url_for("staff.membership", membership_id=r.id),
    ),
    "standard": ObjectKind(
        _l("标准"),
        "portal.library.models:Standard",
        name="number",
        link=lambda r: url_for("library.staff_detail", standard_id=r.id),
    ),
    "notice": ObjectKind(
        _l("通知公告"),
        "portal.notices.models:Notice",
        name="title",
        link=lambda r: url_for("notices.detail", notice_id=r.id),
    ),
    "project": ObjectKind(
        _l("示范项目"),
        "portal.projects.models:Project",
        name="title",
        link=lambda r: url_for("projects.staff_detail", project_id=r.id),
    ),
    "project_call": ObjectKind(
        _l("项目征集"),
        "portal.projects.models:ProjectCall",
        name="title",
        link=lambda r: url_for("projects.staff_calls"),
    ),
    "training_event": ObjectKind(
        _l("培训活动"),
        "portal.training.models:TrainingEvent",
        name="title",
        link=lambda r: url_for("training.staff_event", event_id=r.id),
    ),
    "training_material": ObjectKind(
        _l("培训资料"),
        "portal.training.models:TrainingMaterial",
        name="title",
        link=lambda r: url_for("training.material", material_id=r.id),
    ),
    "campaign": ObjectKind(
        _l("网点核查"), "portal.campaigns.models:Campaign", link=lambda r: url_for("campaigns.detail", campaign_id=r.id)
    ),
    "inspection": ObjectKind(
        _l("核查记录"),
        "portal.campaigns.models:Inspection",
        name="id",
        link=lambda r: url_for("campaigns.inspection", inspection_id=r.id),
    ),
    "consultation": ObjectKind(
        _l("征求意见"),
        "portal.consultations.models:Consultation",
        name="title",
        link=lambda r: url_for("consultations.detail", consultation_id=r.id),
    ),
    "consultation_comment": ObjectKind(_l("意见")),
    "benchmark_selection": ObjectKind(
        _l("标杆企业评选"),
        "portal.benchmarks.models:BenchmarkSelection",
        name="year",
        link=lambda r: url_for("benchmarks.staff_detail", selection_id=r.id),
    ),
    "benchmark_candidate": ObjectKind(
        _l("标杆企业候选"),
        "portal.benchmarks.models:BenchmarkCandidate",
        name="id",
        link=lambda r: url_for("benchmarks.staff_detail", selection_id=r.selection_id),
    ),
    "issued_document": ObjectKind(
        _l("登记文件"),
        "portal.documents.models:IssuedDocument",
        name="number",
        link=lambda r: url_for("documents.verify", number=r.number),
    ),
    "ledger_transaction": ObjectKind(
        _l("押金凭证"),
        "portal.ledger.models:LedgerTransaction",
        name="id",
        link=lambda r: url_for("ledger.transaction", txn_id=r.id),
    ),
    "ledger_adjustment": ObjectKind(_l("调账")),
    "ledger_month": ObjectKind(_l("会计月份")),
    "deposit_rule": ObjectKind(_l("押金规则")),
    "user": ObjectKind(_l("账户"), "portal.auth.models:User", name="email"),
    "api_token": ObjectKind(_l("接口令牌"), "portal.api.models:ApiToken"),
    "whitelist_request": ObjectKind(_l("白名单申请")),
    "membership_settings": ObjectKind(_l("入会规则")),
    "tier_fee": ObjectKind(_l("会费标准")),
    "calendar_day": ObjectKind(_l("日历日期")),
    "calendar": ObjectKind(_l("工作日历")),
}


@dataclass(frozen=True)
class Described:
    action: str
    object_kind: str
    object_name: str
    link: str | None


def _value_enums() -> dict[tuple[str, str], Any]:
    """(object type or "*", field) -> the enumeration that names the field's codes."""
    from portal.core import enums
    from portal.projects.states import STATES as PROJECT_STATES

    return {
        ("membership", "state"): enums.MEMBERSHIP_STATES,
        ("application", "state"): enums.APPLICATION_STATES,
        ("whitelist_request", "state"): enums.REQUEST_STATES,
        ("outlet", "status"): enums.OUTLET_STATES,
        ("outlet", "type"): enums.OUTLET_TYPES,
        ("standard", "status"): enums.STANDARD_STATES,
        ("standard", "level"): enums.STANDARD_LEVELS,
        ("standard", "topic"): enums.STANDARD_TOPICS,
        ("project", "state"): PROJECT_STATES,
        ("user", "role"): enums.ROLES,
        ("*", "tier"): enums.TIERS,
        ("*", "city"): enums.CITIES,
        ("*", "activity"): enums.ACTIVITIES,
    }


def value_label(object_type: str, field: str, value: Any) -> Any:
    """A stored code in words where its field has an enumeration (active -> 正常, member -> 会员单位)."""
    enum = _value_enums().get((object_type, field)) or _value_enums().get(("*", field))
    return enum.label(value) if enum is not None and isinstance(value, str) else value


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def field_label(code: str) -> str:
    return str(FIELDS.get(code, code))


def _rows(session: Session, kind: ObjectKind, ids: set[str]) -> dict[str, Any]:
    numeric = {int(i) for i in ids if i.isdigit()}
    if kind.model is None or not numeric:
        return {}
    model = _model(kind.model)
    return {str(row.id): row for row in session.scalars(select(model).where(model.id.in_(numeric)))}


def _object_id(object_type: str, object_id: str) -> str:
    """A row number as #12; a code as its label where it has one (a tier); a whole import as words."""
    if object_id.isdigit():
        return f"#{object_id}"
    if object_id == "import":
        return str(_l("批量导入"))
    return str(value_label(object_type, "tier", object_id)) if object_type == "tier_fee" else object_id


def describe(session: Session, entries: Iterable[Any]) -> dict[int, Described]:
    """Each entry's action and object in words, by entry id; one query per object type on the page."""
    entries = list(entries)
    wanted: dict[str, set[str]] = {}
    for e in entries:
        wanted.setdefault(e.object_type, set()).add(e.object_id)
    found = {t: _rows(session, OBJECTS[t], ids) for t, ids in wanted.items() if t in OBJECTS}
    result = {}
    for e in entries:
        kind = OBJECTS.get(e.object_type)
        row = found.get(e.object_type, {}).get(e.object_id)
        name = getattr(row, kind.name, None) if kind and row is not None else None
        shown = f"{name}" if name is not None and kind.name != "id" else _object_id(e.object_type, e.object_id)
        link = kind.link(row) if kind and kind.link and row is not None else None
        result[e.id] = Described(action_label(e.action), str(kind.label) if kind else e.object_type, shown, link)
    return result
