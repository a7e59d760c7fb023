"""The scheme's rule versions: staff add a version in force from a date; versions are never edited.

The version in force on the day a deposit is billed decides that deposit for its whole life (its
amount, the collector's share, the forfeiture period, which intakes refund it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from portal.core import audit, clock, money
from portal.core.actors import actor_label, require_staff
from portal.core.dates import parse_date
from portal.errors import DomainError
from portal.ledger import amounts
from portal.ledger.models import DepositRate, DepositRule
from portal.registry.lifecycle import CHEMISTRIES


@dataclass(frozen=True)
class RuleInput:
    """A new rule version as typed: dates and amounts as text (yuan, percent), rates by chemistry."""

    effective_from: str
    collector_share_percent: str
    forfeit_after_days: str
    flat_yuan_per_pack: str = ""
    yuan_per_kwh: dict[str, str] = field(default_factory=dict)
    refund_via_outlets: bool = True
    refund_via_whitelist: bool = True
    note: str = ""


def rules(session: Session) -> list[DepositRule]:
    """Every version, newest first."""
    return list(session.scalars(select(DepositRule).order_by(DepositRule.effective_from.desc())))


def latest_id(day):
    """The id of the version in force on day (a date or a bind parameter), as a scalar subquery."""
    return (
        select(DepositRule.id)
        .where(DepositRule.effective_from <= day)
        .order_by(DepositRule.effective_from.desc())
        .limit(1)
        .scalar_subquery()
    )


def _in_force_query():
    # The version and its rates in one round trip (a selectin load of the rates would be a second).
    return (
        select(DepositRule).where(DepositRule.id == latest_id(bindparam("day"))).options(joinedload(DepositRule.rates))
    )


IN_FORCE = _in_force_query()  # built once: every posting asks


def in_force(session: Session, day: dt.date) -> DepositRule | None:
    """The version in force on day (the latest that took effect on or before it)."""
    return session.scalars(IN_FORCE, {"day": day}).unique().first()


def _fen(raw: str, name: str, errors: dict[str, str]) -> int | None:
    if not (raw or "").strip():
        return None
    try:
        value = money.parse_yuan(raw)
    except ValueError:
        errors[name] = _("应为金额（元），最多两位小数。")
        return None
    if value <= 0:
        errors[name] = _("应大于0。")
        return None
    return value


def add_rule(
    session: Session, actor, data: RuleInput, *, demo: bool = False, today: dt.date | None = None
) -> DepositRule:
    """Add a rule version in force from a date not before today and after every existing version."""
    require_staff(actor)
    errors: dict[str, str] = {}
    today = today or clock.today()
    try:
        effective = parse_date(data.effective_from, field="effective_from", required=True)
    except DomainError as err:
        errors.update(err.fields or {"effective_from": err.message})
        effective = None
    latest = session.scalar(select(DepositRule.effective_from).order_by(DepositRule.effective_from.desc()).limit(1))
    if effective is not None and effective < today:
        errors["effective_from"] = _("生效日期不能早于今天：已计收的押金按当时的规则办理，规则不能追溯。")
    elif effective is not None and latest is not None and effective <= latest:
        errors["effective_from"] = _("生效日期须晚于现行最新版本（%(day)s）。", day=latest.isoformat())
    try:
        share = amounts.parse_percent(data.collector_share_percent)
    except (ValueError, ArithmeticError):
        errors["collector_share_percent"] = _("应为0到100之间的百分比，最多两位小数。")
        share = 0
    days = (data.forfeit_after_days or "").strip()
    if not days.isdigit() or not 30 <= int(days) <= 3650:
        errors["forfeit_after_days"] = _("应为30到3650之间的天数。")
    flat = _fen(data.flat_yuan_per_pack, "flat_yuan_per_pack", errors)
    rates: dict[str, int] = {}
    for chemistry, raw in data.yuan_per_kwh.items():
        if chemistry not in CHEMISTRIES:
            errors[f"rate_{chemistry}"] = _("未知的化学体系。")
            continue
        value = _fen(raw, f"rate_{chemistry}", errors)
        if value is not None:
            rates[chemistry] = value
    if flat is None and not rates and not errors:
        errors["flat_yuan_per_pack"] = _("请填写每包定额，或至少一种化学体系的每千瓦时费率。")
    if not (data.refund_via_outlets or data.refund_via_whitelist):
        errors["refund_via_outlets"] = _("至少要有一种可退还押金的交投渠道。")
    if errors:
        raise DomainError(_("规则未保存：请更正标出的错误。"), errors)
    rule = DepositRule(
        effective_from=effective,
        flat_fen_per_pack=flat,
        collector_share_bp=share,
        forfeit_after_days=int(days),
        refund_via_outlets=data.refund_via_outlets,
        refund_via_whitelist=data.refund_via_whitelist,
        note=(data.note or "").strip()[:2000],
        created_by=actor_label(actor),
        is_demo=demo,
        rates=[DepositRate(chemistry=c, fen_per_kwh=v) for c, v in sorted(rates.items())],
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor,
        "ledger.rule_added",
        "deposit_rule",
        rule.id,
        after={"effective_from": effective, "flat": flat, "rates": rates, "share_bp": share, "days": int(days)},
    )
    return rule
