"""Standards test helpers: make standards through the service and bring the index up to date."""

from __future__ import annotations

import itertools

from portal import search
from portal.library import services

_seq = itertools.count(100)


def standard_input(**overrides) -> services.StandardInput:
    n = next(_seq)
    values = {
        "number": f"GB/T 9{n:04d}-2020",
        "title_zh": f"车用动力电池回收利用 测试标准{n}",
        "level": "国家标准",
        "topic": "梯次利用",
        "published_on": "2020-03-31",
        "effective_on": "2020-10-01",
    }
    values.update(overrides)
    return services.StandardInput(**values)


def make_standard(session, actor, *, publish=True, **overrides):
    return services.create_standard(session, actor, standard_input(**overrides), publish=publish)


def commit_and_index(session) -> None:
    session.commit()
    search.catch_up()


def pdf_bytes(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f'<p lang="zh-CN">{text}</p>').write_pdf()
