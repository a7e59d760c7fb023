"""Where the automatic criteria's numbers come from: one function per source, each reading another feature
only through that feature's queries (never its tables).

A source takes (session, enterprise_id) and returns a Reading: the raw value in words, a score 0-100,
and where the number came from (text and a link). Register a source with ``@source(code, name)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Reading:
    value: str
    score: int  # 0-100
    origin: str
    link: str = ""


@dataclass(frozen=True)
class Source:
    code: str
    name: object  # a lazy_gettext string
    read: Callable[[Session, int], Reading]


SOURCES: dict[str, Source] = {}
# Criteria staff score by hand: code -> name.
MANUAL: dict[str, object] = {"safety": _l("安全环保记录"), "innovation": _l("技术创新")}


def source(code: str, name) -> Callable:
    """Register fn as the source of the automatic criterion ``code``."""

    def mark(fn: Callable[[Session, int], Reading]) -> Callable[[Session, int], Reading]:
        SOURCES[code] = Source(code, name, fn)
        return fn

    return mark


def criterion_names() -> dict[str, object]:
    """Every criterion code a selection may use, with its name."""
    return {**{code: s.name for code, s in SOURCES.items()}, **MANUAL}


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


@source("whitelist", _l("工信部规范条件企业名单"))
def whitelist(session: Session, enterprise_id: int) -> Reading:
    from portal.core.enums import WHITELIST_ACTIVITIES
    from portal.members.queries import whitelist_entry

    batch, activity = whitelist_entry(session, enterprise_id)
    if activity is None:
        return Reading("未列入", 0, "会员档案：未登记工信部白名单", f"/members/{enterprise_id}")
    label = WHITELIST_ACTIVITIES.label(activity)
    batch_text = f"第{batch}批" if batch else "批次未登记"
    return Reading(
        f"已列入（{batch_text}，{label}）", 100, "会员档案：协会核实的白名单登记", f"/members/{enterprise_id}"
    )


@source("outlets", _l("回收网点核查合规率"))
def outlets(session: Session, enterprise_id: int) -> Reading:
    from portal.campaigns.queries import member_findings
    from portal.outlets.queries import operated_by

    running = [o for o in operated_by(session, enterprise_id) if o.status != "closed"]
    compliant = sum(1 for o in running if o.status == "compliant")
    inspections = len(member_findings(session, enterprise_id))
    if not running:
        return Reading("无在运营网点", 0, "回收网点名录：无本单位运营的网点", "/outlets")
    share = compliant / len(running)
    return Reading(
        f"{compliant}/{len(running)} 个网点核查合规（{share:.0%}）",
        _clamp(share * 100),
        f"回收网点名录：网点状态；专项核查记录 {inspections} 次",
        "/outlets",
    )


@source("standards", _l("参与起草标准"))
def standards(session: Session, enterprise_id: int) -> Reading:
    from portal.library.queries import drafted_by

    drafted = drafted_by(session, enterprise_id)
    if not drafted:
        return Reading("0 项", 0, "标准库：起草单位中无本单位", "/standards")
    numbers = "、".join(s.number for s in drafted[:5])
    return Reading(
        f"{len(drafted)} 项", _clamp(25 * len(drafted)), f"标准库起草单位：{numbers}", f"/standards/{drafted[0].id}"
    )


@source("projects", _l("项目验收与成果"))
def projects(session: Session, enterprise_id: int) -> Reading:
    from portal.projects.queries import of_enterprise

    mine = of_enterprise(session, enterprise_id)
    accepted = [p for p in mine if p.state == "accepted"]
    operating = [p for p in mine if p.state == "operating"]
    if not (accepted or operating):
        return Reading("无已验收或运行中的项目", 0, f"项目库：本单位参与项目 {len(mine)} 个", "/projects")
    first = (accepted or operating)[0]
    return Reading(
        f"已验收 {len(accepted)} 个，运行中 {len(operating)} 个",
        _clamp(40 * len(accepted) + 20 * len(operating)),
        f"项目库：本单位牵头或参与的 {len(mine)} 个项目的状态",
        f"/projects/{first.id}",
    )


@source("registry", _l("回收量与利用率"))
def registry(session: Session, enterprise_id: int) -> Reading:
    from portal.registry.queries import flows_of

    flows = flows_of(session, enterprise_id)
    collected = flows.get("outlet_intake", 0) + flows.get("cascade_intake", 0) + flows.get("recycler_intake", 0)
    cascade = flows.get("cascade_intake", 0)
    recycled = flows.get("final_processing", 0)
    if not collected:
        return Reading("无入库记录", 0, "溯源登记：本单位未报告电池包入库", "")
    rate = (cascade + recycled) / collected
    return Reading(
        f"入库 {collected} 包，梯次利用 {cascade} 包，再生处置 {recycled} 包，利用率 {rate:.0%}",
        _clamp(rate * 100),
        "溯源登记：本单位报告的电池包事件（入库、梯次利用入库、最终处置）",
        "",
    )


@source("ledger", _l("押金制度参与"))
def ledger(session: Session, enterprise_id: int) -> Reading:
    from portal.ledger.queries import deposit_counts

    counts = deposit_counts(session, enterprise_id)
    packs = sum(n for n, _fen in counts.values())
    if not packs:
        return Reading("未参与", 0, "押金台账：本单位无缴存记录", "")
    refunded = counts.get("refunded", (0, 0))[0]
    return Reading(
        f"缴存押金 {packs} 包，已退还 {refunded} 包",
        100,
        "押金台账：本单位作为缴存方的押金记录",
        "",
    )
