"""PDF benchmarks (not part of the test suite): `make bench-pdf` (also run by `make bench`).

In one warm process (the app created once, the render worker started by a first, untimed document),
through ``render_pdf`` as the views call it (template, cache key, worker, cache write):

1. The membership certificate on a cache miss: every document has different data (member name,
   numbers, dates), so each one is rendered by the warm worker.
2. The same certificates again: cache hits (the template is rendered and hashed, the bytes read).
3. A fresh worker: shut the pool down and time the first document (interpreter, WeasyPrint, fonts).
4. Every other document type on a miss and a hit, with realistic data of the largest expected size:
   the training certificate, the benchmark-enterprise brochure (a 5,000-character description, six
   projects), the printed outlet list (520 outlets in 16 cities) and a deposit statement of 200 lines.

Yardsticks measured in the same run: WeasyPrint rendering a one-line HTML page (no CJK text) in this
process; WeasyPrint rendering the certificate's HTML in this process (no worker, no cache); a plain
read of a cached certificate's bytes from disk.

    .venv/bin/python bench/pdf.py            # 40 misses, 400 hits
    .venv/bin/python bench/pdf.py --quick    # 8 misses, 50 hits

Prints the machine and a Markdown table (measurement, result, target) that can be pasted into the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import machine, percentile  # noqa: E402

TEMPLATE = "pdf/membership_certificate.html"
NAMES = [
    "烟台绿源动力电池再生利用有限公司",
    "山东省济南市长江新能源材料回收有限公司",
    "青岛海岸电池科技股份有限公司",
    "潍坊循环利用",
]
TIERS = [("会员单位", "Member"), ("理事单位", "Council member"), ("副会长单位", "Vice-president member")]


def certificate(n: int) -> dict:
    """A membership certificate's context with data of its own."""
    tier, tier_en = TIERS[n % len(TIERS)]
    issued = dt.date(2026, 1, 1) + dt.timedelta(days=n % 300)
    return {
        "name": f"{NAMES[n % len(NAMES)]}（第{n}分公司）",
        "credit_code": f"91370600MA3C{n:05d}X"[:18],
        "number": f"SDBRA-2026-{n:04d}",
        "tier": tier,
        "tier_en": tier_en,
        "term_start": "2026年01月01日",
        "term_end": "2026年12月31日",
        "certificate_number": f"SDBRA-2026-{n:04d}-Z2026",
        "verification_code": f"{n * 7919:016X}",
        "issued_on": issued.strftime("%Y年%m月%d日"),
    } | verified({}, f"HY-2026-{n:05d}-ABCDE-X")


CITIES = [
    "济南市",
    "青岛市",
    "淄博市",
    "枣庄市",
    "东营市",
    "烟台市",
    "潍坊市",
    "济宁市",
    "泰安市",
    "威海市",
    "日照市",
    "临沂市",
    "德州市",
    "聊城市",
    "滨州市",
    "菏泽市",
]


def verified(context: dict, number: str) -> dict:
    """The context with what every numbered document prints: its number, verify URL and QR code."""
    from portal.documents.qr import qr_data_uri

    url = f"https://portal.example.cn/verify/{number}"
    return {
        **context,
        "certificate_number": number,
        "document_number": number,
        "number": number,
        "verify_url": url,
        "qr": qr_data_uri(url),
        "verify_qr": qr_data_uri(url),
        "seal": "img/seal.svg",
    }


def training(n: int) -> dict:
    return verified(
        {
            "name": f"欧阳晓明{n}",
            "enterprise": f"{NAMES[n % len(NAMES)]}（第{n}分公司）",
            "title": "新能源汽车废旧动力蓄电池回收服务网点建设运营与安全贮存专题培训班",
            "dates": "2026年11月10日",
            "hours": "7学时",
            "issued_on": "2026年11月12日",
        },
        f"PX-2026-{n:05d}-ABCDE-X",
    )


def brochure(n: int) -> dict:
    paragraph = (
        "公司成立于2016年，专注于新能源汽车动力蓄电池的回收、梯次利用和再生利用，建有规范化回收服务网点和集中贮存中心。"
    )
    project = {
        "title": "枣庄电网侧梯次利用储能电站示范项目",
        "state": "运行中",
        "targets": [{"name": "储能装机容量", "target": "20", "unit": "MWh", "actual": "18.5"}],
    }
    return verified(
        {
            "name": f"{NAMES[n % len(NAMES)]}（第{n}分公司）",
            "year": 2026,
            "credit_code": "91370100MA00000238",
            "city": "烟台市",
            "address": "烟台市开发区长江路188号",
            "activities": "再生利用、梯次利用",
            "website": "",
            "logo": "",
            "paragraphs": [paragraph * 3] * 14,
            "projects": [project] * 6,
            "accepted": 2,
            "outlets": {"total": 12, "compliant": 11, "cities": "烟台市、威海市"},
            "recovery": "利用率 96.5%",
            "qualifications": ["工信部规范条件企业名单（第3批）", "山东省动力电池回收利用协会 理事单位"],
            "printed_on": "2026-12-02",
        },
        f"BG-2026-{n:05d}-ABCDE-X",
    )


def outlet_list(n: int) -> dict:
    cities = [
        {
            "name": city,
            "outlets": [
                {
                    "code": f"SD-{c:02d}-{i:04d}",
                    "name": f"{city[:-1]}新能源汽车4S店回收服务网点{i}",
                    "type": "收集型",
                    "status": "合规",
                    "address": f"{city}某某区经十路{i + 1}号",
                    "operator": f"{city[:-1]}汽车销售服务有限公司",
                    "phone": "0531-88886666",
                }
                for i in range(33 if c < 8 else 32)
            ],
        }
        for c, city in enumerate(CITIES)
    ]
    total = sum(len(c["outlets"]) for c in cities)
    context = {
        "title": "山东省新能源汽车动力蓄电池回收服务网点名录",
        "cities": cities,
        "total": total,
        "printed_on": f"2026年12月{1 + n % 28:02d}日",
    }
    return verified(context, f"WD-2026-{n:05d}-ABCDE-X")


def statement(n: int) -> dict:
    lines = [
        {
            "id": 10_000 + i,
            "posted_on": "2026-11-01",
            "kind": "押金缴纳",
            "account": "应收押金",
            "side": "借",
            "change": "1,200.00",
            "code": f"0A1PE8F7{i:016d}"[:24],
            "reference": f"REF-{n}-{i}",
        }
        for i in range(200)
    ]
    return verified(
        {
            "name": f"{NAMES[n % len(NAMES)]}（第{n}分公司）",
            "printed_at": "2026-12-02 10:00",
            "date_from": "",
            "date_to": "",
            "code": "",
            "kind": "",
            "total_lines": len(lines),
            "lines": lines,
            "balances": [{"label": "应收押金", "yuan": "240,000.00"}, {"label": "押金", "yuan": "240,000.00"}],
        },
        f"ZD-2026-{n:05d}-ABCDE-X",
    )


DOCUMENTS = [
    ("training certificate", "pdf/training_certificate.html", training, "< 300 ms"),
    ("benchmark brochure (4 pages)", "pdf/benchmark_brochure.html", brochure, ""),
    ("printed outlet list (520 outlets)", "pdf/outlet_list.html", outlet_list, ""),
    ("deposit statement (200 lines)", "pdf/ledger_statement.html", statement, ""),
]


def times(fn, count: int) -> list[float]:
    out = []
    for n in range(count):
        start = time.perf_counter()
        fn(n)
        out.append(time.perf_counter() - start)
    return out


def ms(values: list[float]) -> str:
    median, p95 = statistics.median(values) * 1000, percentile(values, 95) * 1000
    digits = 2 if p95 < 1 else 1
    return f"median {median:.{digits}f} ms, p95 {p95:.{digits}f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer documents (a smoke test)")
    args = parser.parse_args()
    misses, hits = (8, 50) if args.quick else (40, 400)

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-pdf-"))
    os.environ["PORTAL_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    from flask import render_template
    from weasyprint import HTML

    from portal import create_app
    from portal.pdf import PORTAL_ASSET_HOST, make_url_fetcher, pool, render_pdf

    app = create_app({"TESTING": True, "PDF_WORKER_MAX_RENDERS": 10_000})
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # the in-process yardsticks' progress lines
    rows: list[tuple[str, str, str]] = []
    with app.app_context(), app.test_request_context():
        start = time.perf_counter()
        render_pdf(TEMPLATE, certificate(10_000))  # starts the worker: not part of the warm figures
        first = time.perf_counter() - start
        fetcher = make_url_fetcher(app.static_folder, str(folder / "uploads"))
        base = f"https://{PORTAL_ASSET_HOST}/"
        html = [render_template(TEMPLATE, **certificate(100_000 + n), asset_base=base[:-1]) for n in range(misses)]
        HTML(string=html[0], base_url=base, url_fetcher=fetcher).write_pdf()  # this process warmed up too
        HTML(string="<p>Hello</p>").write_pdf()

        # Misses and the yardsticks alternate, so that both see the same load on a shared machine.
        miss, in_process, one_line = [], [], []
        for n in range(misses):
            start = time.perf_counter()
            render_pdf(TEMPLATE, certificate(n))
            miss.append(time.perf_counter() - start)
            start = time.perf_counter()
            HTML(string=html[n], base_url=base, url_fetcher=fetcher).write_pdf()
            in_process.append(time.perf_counter() - start)
            start = time.perf_counter()
            HTML(string=f"<p>Hello, world {n}</p>").write_pdf()
            one_line.append(time.perf_counter() - start)
        (pid,) = pool.current_pool().worker_pids()
        hit = times(lambda n: render_pdf(TEMPLATE, certificate(n % misses)), hits)
        assert pool.current_pool().worker_pids() == [pid], "a hit must not reach the worker"
        cached = sorted((folder / "pdf-cache").glob("*.pdf"))
        assert len(cached) == misses + 1, f"{len(cached)} cache entries for {misses + 1} documents"

        cold = []
        for round_ in range(3):
            pool.shutdown()
            start = time.perf_counter()
            render_pdf(TEMPLATE, certificate(20_000 + round_))
            cold.append(time.perf_counter() - start)

        read = times(lambda n: cached[n % len(cached)].read_bytes(), hits)
        others = []
        for label, template, make, target in DOCUMENTS:
            count = max(3, misses // 4)
            render_pdf(template, make(50_000), timeout=180)  # the template's first document: not part of the figures
            miss_times = times(lambda n, t=template, m=make: render_pdf(t, m(n), timeout=180), count)
            hit_times = times(lambda n, t=template, m=make, c=count: render_pdf(t, m(n % c)), hits // 4)
            others.append((label, count, miss_times, hit_times, target))
        size = statistics.median(path.stat().st_size for path in cached)
        pool.shutdown()

    rows.append((f"certificate, cache miss (warm worker, {misses} documents, each different)", ms(miss), "< 300 ms"))
    rows.append((f"certificate, cache hit ({hits} calls)", ms(hit), "< 10 ms"))
    rows.append(("certificate, first document of a fresh worker (start, WeasyPrint, fonts; 3 times)", ms(cold), ""))
    rows.append(("first document of the process (worker start included)", f"{first * 1000:.0f} ms", ""))
    rows.append(("yardstick: WeasyPrint, one-line HTML page, no CJK, in this process", ms(one_line), ""))
    rows.append(
        ("yardstick: WeasyPrint, the certificate's HTML, in this process (no worker, no cache)", ms(in_process), "")
    )
    for label, count, miss_times, hit_times, target in others:
        rows.append((f"{label}, cache miss (warm worker, {count} documents)", ms(miss_times), target))
        rows.append((f"{label}, cache hit ({len(hit_times)} calls)", ms(hit_times), "< 10 ms" if target else ""))
    ratio = statistics.median(miss) / statistics.median(in_process)
    rows.append(("miss ÷ in-process WeasyPrint (medians): the worker's own cost", f"{ratio:.2f}×", "about 1"))
    rows.append((f"yardstick: read a cached certificate's bytes ({size / 1024:.0f} KiB)", ms(read), ""))

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nPDF documents, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}, load average {load}\n")
    print("| measurement | result | target |")
    print("|---|---|---|")
    for name, result, target in rows:
        print(f"| {name} | {result} | {target} |")


if __name__ == "__main__":
    main()
