"""The search source of member enterprises (kind "member"): admitted members only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, lazyload

from portal import search
from portal.core.enums import ACTIVITIES, CITIES, TIERS
from portal.members.checks import SEARCH_KIND
from portal.members.models import Enterprise, Membership


def _member_document(enterprise: Enterprise) -> search.SearchDocument | None:
    """The index entry of an admitted member; applicants and rejected enterprises stay out of the index."""
    membership = enterprise.membership
    if enterprise.status != "member" or membership is None:
        return None
    return search.SearchDocument(
        kind=SEARCH_KIND,
        id=enterprise.id,
        title=enterprise.name,
        texts=[
            enterprise.description or "",
            enterprise.address,
            enterprise.credit_code,
            " ".join(ACTIVITIES.label(a, "zh") for a in enterprise.activities),
            CITIES.label(enterprise.city, "zh"),
            TIERS.label(membership.tier, "zh"),
        ],
        facets={"city": enterprise.city, "tier": membership.tier},
    )


def _present_member(enterprise: Enterprise) -> search.Presented:
    """A member enterprise as a search result."""
    return search.Presented(
        title=enterprise.name,
        url=f"/members/{enterprise.id}",
        text=f"{enterprise.description or ''}　{enterprise.address}",
        label=TIERS.label(enterprise.membership.tier) if enterprise.membership else "",
    )


search.register_model_source(
    SEARCH_KIND,
    Enterprise,
    document=_member_document,
    present=_present_member,
    label=_l("会员单位"),
    facets={"city": "city", "tier": "tier"},
    visible=lambda: Enterprise.status == "member",
    # A hit shows the tier, not the activities or the fee payments.
    shown_with=(lazyload(Enterprise.activity_rows), joinedload(Enterprise.membership).lazyload(Membership.payments)),
)
