"""Outlet test helpers: make outlets through the service and bring the index up to date."""

from __future__ import annotations

import itertools

from portal import search
from portal.outlets import services

_seq = itertools.count(1)


def outlet_input(**overrides) -> services.OutletInput:
    n = next(_seq)
    values = {
        "code": f"T{n:05d}",
        "name": f"测试网点{n}",
        "operator": "齐鲁新能源客车股份有限公司",
        "city": "370600",
        "district": "开发区",
        "address": "烟台市开发区长江路188号",
        "type": "收集型",
        "phone": "0535-6666666",
        "lat": "37.55",
        "lon": "121.25",
    }
    values.update(overrides)
    return services.OutletInput(**values)


def make_outlet(session, actor, **overrides):
    return services.create_outlet(session, actor, outlet_input(**overrides))


def commit_and_index(session) -> None:
    session.commit()
    search.catch_up()
