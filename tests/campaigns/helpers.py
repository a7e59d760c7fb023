"""Campaign test helpers: image and program payloads, a full set of checklist marks, the inspection form."""

from __future__ import annotations

import io

from portal.campaigns import services
from portal.campaigns.checklist import CHECKLIST_V1, applies


def _image(kind: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (12, 8), (30, 110, 70)).save(out, format=kind)
    return out.getvalue()


PNG, JPG = _image("PNG"), _image("JPEG")  # real images: uploads are decoded and written again
EXE = b"MZ\x90\x00" + b"\x00" * 64


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    """A file for the test client's multipart form."""
    return (io.BytesIO(data), name)


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
