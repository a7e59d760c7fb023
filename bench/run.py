"""Benchmarks (not part of the test suite): `make bench`.

Measures, on a fresh SQLite database in a temporary folder:
* password hashing (argon2id at OWASP's minimum), one check;
* import of 10,000 outlets from CSV (validation, upsert, status history, search outbox);
* applying those changes to the search index, and a full reindex;
* the outlet search API in-process (Flask test client): median and p95 over 300 varied queries;
* the members API and the home page.

Prints a Markdown table that can be pasted into the README.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import library_data  # noqa: E402
import outlet_data  # noqa: E402

N_OUTLETS = int(os.environ.get("BENCH_OUTLETS", "10000"))
N_QUERIES = int(os.environ.get("BENCH_QUERIES", "300"))
N_DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "2000"))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, {platform.system()}"


def queries(rows: list[list[str]], rng: random.Random) -> list[dict]:
    """Varied searches people make: street, district, operator, site kind, number, mixed, filters, near."""
    out: list[dict] = []
    while len(out) < N_QUERIES:
        row = rng.choice(rows)
        address, name = row[6], row[1]
        street = next((s for s in outlet_data.STREETS if s in address), "长江路")
        number = address[address.index(street) + len(street) :].removesuffix("号")
        choice = rng.randrange(9)
        if choice == 0:
            out.append({"q": street})
        elif choice == 1:
            out.append({"q": f"{street}{number}号"})
        elif choice == 2:
            out.append({"q": row[5]})
        elif choice == 3:
            out.append({"q": rng.choice(outlet_data.OPERATORS)[2]})
        elif choice == 4:
            out.append({"q": rng.choice(["4S店", "换电站", "拆解厂", "维修服务中心"]), "city": row[4]})
        elif choice == 5:
            out.append({"q": name[2:7]})
        elif choice == 6:
            out.append({"q": f"{row[4][:-1]} {street}"})
        elif choice == 7:
            out.append({"city": row[4], "type": "收集型"})
        else:
            out.append({"q": street, "near": f"{float(row[11]):.4f},{float(row[10]):.4f}"})
    return out


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.environ["PORTAL_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    from flask_migrate import upgrade

    from portal import create_app, search
    from portal.auth.services import check_password_hash, hash_password
    from portal.core.actors import system
    from portal.core.uow import run_in_transaction
    from portal.outlets.importer import import_outlets

    app = create_app({"TESTING": True})
    results: list[tuple[str, str]] = []
    with app.app_context():
        upgrade()
        stored = hash_password("benchmark-password")
        _ok, seconds = timed(lambda: check_password_hash(stored, "benchmark-password"))
        checks = [timed(lambda: check_password_hash(stored, "benchmark-password"))[1] for _ in range(10)]
        results.append(("password check (argon2id, m=19 MiB, t=2)", f"{statistics.median(checks) * 1000:.0f} ms"))

        rng = random.Random(7)
        rows = list(outlet_data.rows(N_OUTLETS, seed=11))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(outlet_data.HEADER)
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        report, seconds = timed(
            lambda: run_in_transaction(lambda s: import_outlets(s, data, "bench.csv", actor=system("bench")))
        )
        assert report.written and report.created == N_OUTLETS, report.errors[:3]
        results.append((f"import {N_OUTLETS:,} outlets (CSV, SQLite)", f"{seconds:.1f} s"))
        _n, seconds = timed(search.catch_up)
        results.append((f"apply {N_OUTLETS:,} changes to the search index", f"{seconds:.1f} s"))
        again, seconds = timed(
            lambda: run_in_transaction(lambda s: import_outlets(s, data, "bench.csv", actor=system("bench")))
        )
        assert again.unchanged == N_OUTLETS
        results.append((f"re-import the same {N_OUTLETS:,} rows (all unchanged)", f"{seconds:.1f} s"))
        _n, seconds = timed(search.reindex)
        if os.environ.get("BENCH_SKIP_REINDEX_TIMING"):
            pass
        results.append((f"reindex {N_OUTLETS:,} outlets from the database", f"{seconds:.1f} s"))

        client = app.test_client()
        client.get("/api/v1/outlets", query_string={"q": "长江路"})  # warm: jieba and the searcher
        latencies = []
        slowest: list = []
        empty = 0
        for params in queries(rows, rng):
            response, seconds = timed(lambda params=params: client.get("/api/v1/outlets", query_string=params))
            assert response.status_code == 200, (params, response.get_json())
            empty += response.get_json()["total"] == 0
            latencies.append(seconds * 1000)
            slowest.append((seconds * 1000, params))
        results.append(
            (
                f"outlet search API, {len(latencies)} varied queries: median / p95",
                f"{statistics.median(latencies):.1f} / {percentile(latencies, 95):.1f} ms",
            )
        )
        results.append(("  of which returned nothing", f"{empty}"))
        for ms, params in sorted(slowest, key=lambda x: -x[0])[:5]:
            print(f"slow query {ms:.0f} ms: {params}", file=sys.stderr)
        member_times = [timed(lambda: client.get("/api/v1/members"))[1] * 1000 for _ in range(50)]
        results.append(("members API: median", f"{statistics.median(member_times):.1f} ms"))
        home = [timed(lambda: client.get("/"))[1] * 1000 for _ in range(50)]
        results.append(("home page: median", f"{statistics.median(home):.1f} ms"))
        outlets_page = [
            timed(lambda: client.get("/outlets", query_string={"q": "长江路"}))[1] * 1000 for _ in range(30)
        ]
        results.append(("outlet list page with a search: median", f"{statistics.median(outlets_page):.1f} ms"))

        # The library: 2,000 standards beside the 10,000 outlets, searched through /api/v1/search.
        from portal.auth.services import create_user
        from portal.library.services import StandardInput, create_standard

        def add_standards(session):
            staff = create_user(session, email="bench@example.cn", password="bench-password-1", role="staff")
            for row in library_data.standards(N_DOCUMENTS):
                create_standard(session, staff, StandardInput(**row), publish=True)

        _n, seconds = timed(lambda: run_in_transaction(add_standards))
        results.append((f"create {N_DOCUMENTS:,} standards through the service", f"{seconds:.1f} s"))
        _n, seconds = timed(search.catch_up)
        results.append((f"index {N_DOCUMENTS:,} standards", f"{seconds:.1f} s"))
        mixed = [
            *({"q": q} for q in library_data.QUERIES_ZH),
            *({"q": q} for q in library_data.QUERIES_EN),
            *({"q": q} for q in library_data.QUERIES_NUMBERS),
            *({"q": q, "kind": "standard"} for q in library_data.QUERIES_ZH[:8]),
            *({"q": q, "sort": "date"} for q in library_data.QUERIES_EN[:5]),
        ]
        site = []
        for i in range(max(N_QUERIES, 200)):
            params = mixed[i % len(mixed)]
            response, seconds = timed(lambda params=params: client.get("/api/v1/search", query_string=params))
            assert response.status_code == 200, (params, response.get_json())
            site.append((seconds * 1000, params, response.get_json()["total"]))
        times = [t for t, _p, _n in site]
        results.append(
            (
                f"site search API over {N_OUTLETS + N_DOCUMENTS:,} documents, {len(site)} queries "
                "(Chinese, English, standard numbers): median / p95",
                f"{statistics.median(times):.1f} / {percentile(times, 95):.1f} ms",
            )
        )
        for ms, params, total in sorted(site, key=lambda x: -x[0])[:5]:
            print(f"slow site query {ms:.0f} ms ({total} hits): {params}", file=sys.stderr)

    print(f"Machine: {machine()}")
    print()
    print("| measurement | result |")
    print("| --- | --- |")
    for label, value in results:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
