"""The outlet list as print (服务网点名录): the public list grouped by city, numbered in the documents register."""

from __future__ import annotations

import hashlib
import json
from itertools import groupby

from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.actors import system
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES
from portal.documents import register
from portal.documents.kinds import register_kind
from portal.documents.qr import qr_data_uri
from portal.outlets import queries

KIND = "outlet_list"
TITLE = "山东省新能源汽车动力蓄电池回收服务网点名录"
PRINTER = system("outlets print")
register_kind(KIND, "服务网点名录", "Outlet list", "WD")


def _rows(session: Session) -> list[dict]:
    outlets = queries.all_matching(session, queries.parse_filters({}))  # what /outlets lists: every open outlet
    return [
        {
            "city": CITIES.label(o.city, "zh"),
            "code": o.code,
            "name": o.name,
            "type": OUTLET_TYPES.label(o.type, "zh"),
            "status": OUTLET_STATES.label(o.status, "zh"),
            "address": queries.full_address(o, "zh"),
            "operator": o.operator_name,
            "phone": o.phone,
        }
        for o in outlets
    ]


def list_context(session: Session) -> dict:
    """Plain values for templates/pdf/outlet_list.html; the same list on the same day keeps its number."""
    rows = _rows(session)
    printed_on = clock.today()
    cities = [{"name": city, "outlets": list(group)} for city, group in groupby(rows, key=lambda r: r["city"])]
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    shown = {"名录": TITLE, "网点数": str(len(rows)), "打印日期": printed_on.strftime("%Y年%m月%d日")}
    document = register.issue(
        session,
        PRINTER,
        kind=KIND,
        subject_type="outlet_list",
        subject_id=int(printed_on.strftime("%Y%m%d")),
        holder_name=TITLE,
        shown=shown,
        valid_from=printed_on,
        fingerprint=digest,
    )
    url = register.verify_url(document.number)
    return {
        "title": TITLE,
        "cities": cities,
        "total": len(rows),
        "printed_on": shown["打印日期"],
        "document_number": document.number,
        "verify_url": url,
        "qr": qr_data_uri(url),
    }
