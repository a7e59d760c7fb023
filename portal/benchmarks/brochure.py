"""The benchmark-enterprise brochure (标杆企业简介): plain values gathered through the features' queries,
rendered by the one PDF module."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.benchmarks import queries, sources
from portal.core import clock
from portal.core.actors import system
from portal.documents import register
from portal.documents.kinds import register_kind
from portal.documents.qr import qr_data_uri
from portal.errors import NotFound

LOGO_KINDS = (".png", ".jpg")
KIND = "benchmark_profile"
BROCHURE = system("benchmarks brochure")

register_kind(KIND, "标杆企业简介", "Benchmark enterprise profile", "BG")


def brochure_context(session: Session, year: int, enterprise_id: int) -> dict:
    """What the brochure of a benchmark enterprise of ``year`` shows, as plain values; NotFound otherwise."""
    from portal.core.enums import ACTIVITIES, CITIES, TIERS, WHITELIST_ACTIVITIES
    from portal.members.queries import public_member
    from portal.outlets.queries import public_of_operator
    from portal.projects.queries import of_enterprise, public_views
    from portal.projects.states import PUBLIC

    if year not in queries.benchmark_years(session, [enterprise_id]).get(enterprise_id, []):
        raise NotFound(_("该企业不是 %(year)d 年度标杆企业。", year=year))
    enterprise = public_member(session, enterprise_id)
    if enterprise is None:
        raise NotFound(_("该企业不是 %(year)d 年度标杆企业。", year=year))
    outlets = public_of_operator(session, enterprise.id)
    projects = public_views(session, [p for p in of_enterprise(session, enterprise.id) if p.state in PUBLIC])
    flows = sources.SOURCES["registry"].read(session, enterprise.id)
    membership = enterprise.membership
    qualifications = [
        _(
            "山东省动力电池回收利用协会 %(tier)s（会员编号 %(n)s）",
            tier=TIERS.label(membership.tier, "zh"),
            n=membership.number,
        )
    ]
    if enterprise.whitelist_activity:
        qualifications.append(
            _(
                "工信部《新能源汽车废旧动力蓄电池综合利用行业规范条件》企业名单（%(a)s）",
                a=WHITELIST_ACTIVITIES.label(enterprise.whitelist_activity, "zh"),
            )
        )
    logo = enterprise.logo_file if enterprise.logo_file and enterprise.logo_file.lower().endswith(LOGO_KINDS) else None
    return {
        "year": year,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "city": CITIES.label(enterprise.city, "zh"),
        "address": enterprise.address,
        "website": enterprise.website,
        "activities": "、".join(ACTIVITIES.label(a, "zh") for a in enterprise.activities),
        "paragraphs": [p.strip() for p in (enterprise.description or "").split("\n") if p.strip()],
        "logo": logo,
        "outlets": {
            "total": len(outlets),
            "compliant": sum(1 for o in outlets if o.status == "compliant"),
            "cities": "、".join(sorted({CITIES.label(o.city, "zh") for o in outlets})),
        },
        "projects": [
            {"title": p["title"], "state": p["state_label"], "targets": p["targets"][:4]} for p in projects[:6]
        ],
        "accepted": sum(1 for p in projects if p["state"] == "accepted"),
        "recovery": flows.value,
        "qualifications": qualifications,
        "printed_on": clock.format_date(clock.today()),
        "number": "",
        "verify_qr": "",
    }


def _numbered(session: Session, context: dict, enterprise_id: int) -> dict:
    """The context with the brochure's register number and the QR code of its verification address."""
    document = register.issue(
        session,
        BROCHURE,
        kind=KIND,
        subject_type="enterprise",
        subject_id=enterprise_id,
        holder_name=context["name"],
        shown={"企业名称": context["name"], "称号": f"{context['year']}年度动力电池回收利用标杆企业"},
        fingerprint=str(context["year"]),
    )
    url = register.verify_url(document.number)
    return {**context, "number": document.number, "verify_url": url, "verify_qr": qr_data_uri(url)}


def render(session: Session, year: int, enterprise_id: int) -> bytes:
    """The brochure's PDF bytes (cached by the PDF module when made before)."""
    from portal.pdf import render_pdf

    context = _numbered(session, brochure_context(session, year, enterprise_id), enterprise_id)
    return render_pdf("pdf/benchmark_brochure.html", context)
