"""The public API /api/v1 and its OpenAPI 3.1 document, plus /healthz."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from portal.core import uow
from portal.core.enums import CITIES, TIERS
from portal.core.paging import paginate, parse_paging
from portal.errors import DomainError

bp = Blueprint("api", __name__)
health_bp = Blueprint("health", __name__)


def init_app(app) -> None:
    """/healthz, and the API under /api/v1 (token or session callers; no CSRF form tokens)."""
    from portal.api import idempotency, params
    from portal.api.views import tokens_bp
    from portal.extensions import csrf

    app.register_blueprint(health_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(bp, url_prefix="/api/v1")
    csrf.exempt(bp)
    idempotency.apply(app, bp.name)
    params.apply(app, bp, "/api/v1")


def member_item(enterprise) -> dict:
    membership = enterprise.membership
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "membership_number": membership.number if membership else None,
        "tier": membership.tier if membership else None,
        "tier_label": TIERS.label(membership.tier, "zh") if membership else None,
        "membership_state": membership.state if membership else None,
        "city": enterprise.city,
        "city_label": CITIES.label(enterprise.city, "zh"),
        "activities": enterprise.activities,
        "website": enterprise.website or None,
        "whitelist_batch": enterprise.whitelist_batch,
        "whitelist_activity": enterprise.whitelist_activity,
        "profile_url": f"/members/{enterprise.id}",
    }


@bp.get("/members")
def members():
    from portal.members import queries

    filters, errors = queries.parse_directory_filters(request.args)
    if errors:
        raise DomainError(_("查询参数无效。"), errors)
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.directory(**filters), page, per_page)
    return jsonify(
        items=[member_item(e) for e in result.items], total=result.total, page=result.page, per_page=result.per_page
    )


@bp.get("/openapi.json")
def openapi_document():
    from portal.api.params import document

    return jsonify(document())


@health_bp.get("/healthz")
def healthz():
    from portal.members.models import Enterprise

    try:
        db = uow.session()
        db.execute(text("SELECT 1"))
        members = db.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.status == "member"))
        database = {"ok": True, "dialect": db.get_bind().dialect.name, "members": members}
    except Exception as exc:  # the health check reports, it does not fail
        database = {"ok": False, "error": type(exc).__name__}
    index = {"ok": False}
    if database["ok"]:
        try:
            from portal import search

            index = {"ok": True, **search.status(db)}  # per-kind counts and the kinds whose records differ
            index["ok"] = not index["differing_kinds"] and all(
                k["indexed"] == k["database"] for k in index["kinds"].values()
            )
        except Exception as exc:  # a missing or broken index is reported, not raised
            index = {"ok": False, "error": type(exc).__name__}
    status = 200 if database["ok"] else 503
    return jsonify(status="ok" if database["ok"] else "degraded", database=database, search_index=index), status
