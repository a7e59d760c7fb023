"""Benchmarks (not part of the test suite): `make bench`.

Measures, on a fresh SQLite database in a temporary folder:
* password hashing (argon2id at OWASP's minimum), one check;
* import of 10,000 outlets from CSV (validation, upsert, status history, search outbox);
* applying those changes to the search index, and a full reindex;
* creating 2,000 standards and indexing them;
* the outlet search API in-process (Flask test client): median and p95 over 300 varied queries;
* the site search API over outlets and standards, 200+ queries;
* beside each search, the same queries as a plain SQL LIKE '%…%' scan (SQLite, no Flask): the p95
  ratio, and the substring rule checked (the index must find every record the scan finds);
* the members API and the home page.

BENCH_KEEP=<folder> keeps the built database and index there and reuses them on the next run (same
BENCH_OUTLETS and BENCH_DOCUMENTS); ``--search-only`` measures only the searches.

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


def outlet_text_sql() -> str:
    """What a naive implementation searches in an outlet: the indexed fields, labels in Chinese."""
    from portal.core.enums import CITIES, OUTLET_TYPES

    city = " ".join(f"WHEN '{c}' THEN '{CITIES.label(c, 'zh')}'" for c in CITIES.codes)
    kind = " ".join(f"WHEN '{c}' THEN '{OUTLET_TYPES.label(c, 'zh')}'" for c in OUTLET_TYPES.codes)
    return (
        "name || ' ' || operator_name || ' ' || address || ' ' || "
        f"(CASE city {city} ELSE '' END) || ' ' || district || ' ' || (CASE type {kind} ELSE '' END) || ' ' || code"
    )


def standard_text_sql() -> str:
    """The same for a standard: number, titles, keywords, scope, bodies and labels."""
    from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS

    def case(column, enum):
        whens = " ".join(f"WHEN '{c}' THEN '{enum.label(c, 'zh')}'" for c in enum.codes)
        return f"(CASE {column} {whens} ELSE '' END)"

    return (
        "number || ' ' || title_zh || ' ' || title_en || ' ' || keywords || ' ' || scope || ' ' || "
        f"issuing_body || ' ' || drafting_bodies || ' ' || {case('level', STANDARD_LEVELS)} || ' ' || "
        f"{case('topic', STANDARD_TOPICS)} || ' ' || {case('status', STANDARD_STATES)}"
    )


def like_chunks(q: str) -> list[str]:
    """The query's chunks as the index takes them (quoted phrases kept), for LIKE patterns."""
    from portal.core.sql import contains_pattern
    from portal.search.query import _split_chunks

    return [contains_pattern(c) for c in _split_chunks(q or "") if c.strip()]


def like_outlets(db, params: dict) -> int:
    """The outlet query as a LIKE '%…%' scan (SQLite, no Flask): matching ids, their number."""
    from portal.core.enums import CITIES, OUTLET_TYPES

    where, args = ["status != 'closed'"], []
    for name, enum in (("city", CITIES), ("type", OUTLET_TYPES)):
        if params.get(name):
            where.append(f"{name} = ?")
            args.append(enum.parse(params[name]))
    text = outlet_text_sql()
    for pattern in like_chunks(params.get("q")):
        where.append(f"({text}) LIKE ? ESCAPE '\\'")
        args.append(pattern)
    return len(db.execute(f"SELECT id, name FROM outlets WHERE {' AND '.join(where)}", args).fetchall())


def like_site(db, params: dict) -> int:
    """The site query as a LIKE scan over outlets and published standards."""
    from portal.search import sources

    q = params.get("q") or ""
    for rewrite in sources.REWRITERS:
        q = rewrite(q)
    patterns = like_chunks(q)
    parts, args = [], []
    tables = [("standards", standard_text_sql(), "is_published")]
    if params.get("kind") != "standard":
        tables.append(("outlets", outlet_text_sql(), "1"))
    for table, text, visible in tables:
        where = " AND ".join([visible, *(f"({text}) LIKE ? ESCAPE '\\'" for _ in patterns)])
        parts.append(f"SELECT id FROM {table} WHERE {where}")
        args.extend(patterns)
    return len(db.execute(" UNION ALL ".join(parts), args).fetchall())


def build(folder: Path, results: list, data: bytes) -> None:
    """Import the outlets, index them, re-import, reindex, add the standards and index them (timed)."""
    from flask_migrate import upgrade

    from portal import search
    from portal.auth.services import create_user
    from portal.core.actors import system
    from portal.core.uow import run_in_transaction
    from portal.library.services import StandardInput, create_standard
    from portal.outlets.importer import import_outlets

    upgrade()
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
    results.append((f"reindex {N_OUTLETS:,} outlets from the database", f"{seconds:.1f} s"))

    def add_standards(session):
        staff = create_user(session, email="bench@example.cn", password="bench-password-1", role="staff")
        for row in library_data.standards(N_DOCUMENTS):
            create_standard(session, staff, StandardInput(**row), publish=True)

    _n, seconds = timed(lambda: run_in_transaction(add_standards))
    results.append((f"create {N_DOCUMENTS:,} standards through the service", f"{seconds:.1f} s"))
    _n, seconds = timed(search.catch_up)
    results.append((f"index {N_DOCUMENTS:,} standards", f"{seconds:.1f} s"))
    (folder / "built").write_text(f"{N_OUTLETS} {N_DOCUMENTS}\n")


def site_queries() -> list[dict]:
    mixed = [
        *({"q": q} for q in library_data.QUERIES_ZH),
        *({"q": q} for q in library_data.QUERIES_EN),
        *({"q": q} for q in library_data.QUERIES_NUMBERS),
        *({"q": q, "kind": "standard"} for q in library_data.QUERIES_ZH[:8]),
        *({"q": q, "sort": "date"} for q in library_data.QUERIES_EN[:5]),
    ]
    return [mixed[i % len(mixed)] for i in range(max(N_QUERIES, 200))]


def run_queries(client, url: str, all_params: list[dict], cpu: list[float]) -> list[tuple[float, dict, int]]:
    """(ms, params, total) of each query through the Flask test client; its CPU ms appended to cpu."""
    out = []
    for params in all_params:
        start = time.process_time()
        response, seconds = timed(lambda params=params: client.get(url, query_string=params))
        cpu.append((time.process_time() - start) * 1000)
        assert response.status_code == 200, (params, response.get_json())
        out.append((seconds * 1000, params, response.get_json()["total"]))
    return out


def cpu_line(label: str, cpu: list[float]) -> tuple[str, str]:
    """This process's CPU time (on a shared machine, without the time other processes took the cores)."""
    return (
        f"  {label}: this process's CPU time: median / p95",
        f"{statistics.median(cpu):.1f} / {percentile(cpu, 95):.1f} ms",
    )


def like_yardstick(db, fn, runs: list[tuple[float, dict, int]], label: str, results: list, api_cpu: list) -> None:
    """The same queries as a LIKE scan: p95 ratio, and the substring rule checked against its counts."""
    scan, scan_cpu, missed = [], [], []
    for _ms, params, total in runs:
        start = time.process_time()
        count, seconds = timed(lambda params=params: fn(db, params))
        scan_cpu.append((time.process_time() - start) * 1000)
        scan.append(seconds * 1000)
        if params.get("q") and total < count:
            missed.append((params, total, count))
    api = [ms for ms, _p, _n in runs]
    results.append(
        (
            f"  LIKE '%…%' scan of the same {label} queries (SQLite, no Flask): median / p95",
            f"{statistics.median(scan):.1f} / {percentile(scan, 95):.1f} ms",
        )
    )
    ratio = percentile(scan, 95) / percentile(api, 95)
    results.append((f"  {label}: LIKE p95 / API p95 (target ≥ 3)", f"{ratio:.1f}×"))
    cpu_ratio = percentile(scan_cpu, 95) / percentile(api_cpu, 95)
    results.append((f"  {label}: the same in CPU time of this process", f"{cpu_ratio:.1f}×"))
    results.append((f"  {label}: queries where the index found fewer than LIKE", f"{len(missed)}"))
    for params, total, count in missed[:5]:
        print(f"recall: {params} index {total} < LIKE {count}", file=sys.stderr)


def search_bench(app, rows: list, folder: Path, results: list) -> None:
    """The outlet API and the site search API, each beside the LIKE yardstick."""
    import sqlite3

    client = app.test_client()
    client.get("/api/v1/outlets", query_string={"q": "长江路"})  # warm: jieba and the searcher
    client.get("/api/v1/search", query_string={"q": "长江路"})
    outlet_cpu: list[float] = []
    site_cpu: list[float] = []
    runs = run_queries(client, "/api/v1/outlets", queries(rows, random.Random(7)), outlet_cpu)
    times = [ms for ms, _p, _n in runs]
    results.append(
        (
            f"outlet search API, {len(runs)} varied queries: median / p95",
            f"{statistics.median(times):.1f} / {percentile(times, 95):.1f} ms",
        )
    )
    results.append(cpu_line("outlet", outlet_cpu))
    results.append(("  of which returned nothing", f"{sum(n == 0 for _t, _p, n in runs)}"))
    for ms, params, _n in sorted(runs, key=lambda x: -x[0])[:5]:
        print(f"slow query {ms:.0f} ms: {params}", file=sys.stderr)
    site = run_queries(client, "/api/v1/search", site_queries(), site_cpu)
    times = [ms for ms, _p, _n in site]
    results.append(
        (
            f"site search API over {N_OUTLETS + N_DOCUMENTS:,} documents, {len(site)} queries "
            "(Chinese, English, standard numbers): median / p95",
            f"{statistics.median(times):.1f} / {percentile(times, 95):.1f} ms",
        )
    )
    results.append(cpu_line("site", site_cpu))
    for ms, params, total in sorted(site, key=lambda x: -x[0])[:5]:
        print(f"slow site query {ms:.0f} ms ({total} hits): {params}", file=sys.stderr)
    db = sqlite3.connect(folder / "bench.db")
    try:
        like_yardstick(db, like_outlets, runs, "outlet", results, outlet_cpu)
        like_yardstick(db, like_site, site, "site", results, site_cpu)
    finally:
        db.close()


def other_bench(app, results: list) -> None:
    """Password hashing, the members API, the home page and the outlet list page."""
    from portal.auth.services import check_password_hash, hash_password

    client = app.test_client()
    stored = hash_password("benchmark-password")
    checks = [timed(lambda: check_password_hash(stored, "benchmark-password"))[1] for _ in range(10)]
    results.append(("password check (argon2id, m=19 MiB, t=2)", f"{statistics.median(checks) * 1000:.0f} ms"))
    member_times = [timed(lambda: client.get("/api/v1/members"))[1] * 1000 for _ in range(50)]
    results.append(("members API: median", f"{statistics.median(member_times):.1f} ms"))
    home = [timed(lambda: client.get("/"))[1] * 1000 for _ in range(50)]
    results.append(("home page: median", f"{statistics.median(home):.1f} ms"))
    page = [timed(lambda: client.get("/outlets", query_string={"q": "长江路"}))[1] * 1000 for _ in range(30)]
    results.append(("outlet list page with a search: median", f"{statistics.median(page):.1f} ms"))


def main() -> None:
    """Build (or reuse, with BENCH_KEEP=<folder>) the data, then measure; --search-only skips the rest."""
    search_only = "--search-only" in sys.argv[1:]
    keep = os.environ.get("BENCH_KEEP")
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="portal-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "built"
    reuse = marker.exists() and marker.read_text().split() == [str(N_OUTLETS), str(N_DOCUMENTS)]
    if keep and not reuse:
        for name in ("bench.db", "index"):
            path = folder / name
            if path.is_dir():
                import shutil

                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    os.environ["PORTAL_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    from portal import create_app

    # No page cache: the same query twice would measure the cache, not the search (core/pagecache).
    app = create_app({"TESTING": True, "PAGE_CACHE": False})
    rows = list(outlet_data.rows(N_OUTLETS, seed=11))
    results: list[tuple[str, str]] = []
    with app.app_context():
        if reuse:  # a kept database gets the migrations written since it was built (e.g. new indexes)
            from flask_migrate import upgrade

            upgrade()
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(outlet_data.HEADER)
            writer.writerows(rows)
            build(folder, results, buffer.getvalue().encode("utf-8"))
        if not search_only:
            other_bench(app, results)
        search_bench(app, rows, folder, results)

    print(f"Machine: {machine()}")
    print()
    print("| measurement | result |")
    print("| --- | --- |")
    for label, value in results:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
