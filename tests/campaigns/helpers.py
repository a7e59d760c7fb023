"""Campaign test helpers: files typed by content, a campaign over some outlets, a full set of marks."""

from __future__ import annotations

import io

from portal.campaigns import services
from portal.campaigns.checklist import CHECKLIST_V1, applies
from portal.core.files import CheckedUpload, sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64


def checked(data: bytes, name: str) -> CheckedUpload:
    return CheckedUpload(data=data, kind=sniff(data[:16]), original_name=name)


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    """A file for the test client's multipart form."""
    return (io.BytesIO(data), name)


def open_campaign(session, staff, **overrides):
    values = {"name": "2026年全面核查", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "cities": ("烟台",)}
    values.update(overrides)
    return services.open_campaign(session, staff, services.CampaignInput(**values))


def marks(outlet_type: str = "collection", **outcomes) -> tuple[services.ItemMark, ...]:
    """Every item marked met (or as given by code), skipping those that do not apply."""
    return tuple(
        services.ItemMark(code=item["code"], outcome=outcomes.get(item["code"], "met"))
        for item in CHECKLIST_V1
        if applies(item, outlet_type) or item["code"] in outcomes
    )


def inspection_input(outlet_type: str = "collection", *, result="compliant", on="2026-06-01", deadline="", **outcomes):
    return services.InspectionInput(
        inspected_on=on, result=result, deadline=deadline, summary="现场核查", items=marks(outlet_type, **outcomes)
    )


def form_fields(outlet_type: str = "collection", *, result="compliant", on="2026-06-01", deadline="", **outcomes):
    """The same inspection as the browser posts it."""
    data = {"inspected_on": on, "result": result, "deadline": deadline, "summary": "现场核查"}
    for mark in marks(outlet_type, **outcomes):
        data[f"item-{mark.code}"] = mark.outcome
    return data
