"""Public pages in-process (not part of the test suite): `make bench-pages`, also run by `make bench`.

A scratch copy of the portal with the demo content (`db upgrade`, `seed-demo`, `search reindex` into a
temporary PORTAL_DATA_DIR; not timed). Each public page is requested through Flask's test client (routing,
the database, templates, everything but the network) as an anonymous visitor: first as deployed, where
the answer kept in memory is given again until the data changes, then with every answer computed
(PAGE_CACHE off: what the first visit after a change costs). The yardstick, in the same run: a bare Flask
app answering a tiny HTML page through its test client. With --profile, where a computed page's time goes
(database, templates, search) from cProfile.

    .venv/bin/python bench/pages.py [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import machine, percentile  # noqa: E402

BARE_PAGE = "<!doctype html><html lang=zh-CN><title>bare</title><p>你好，山东</p></html>"
TARGETS = {"home": 5, "detail": 5, "list": 8}


def pages(conn) -> list[tuple[str, str, str]]:
    """(label, URL, target kind) of each public page, with real ids from the demo content."""
    from sqlalchemy import text

    outlet = conn.execute(text("select code from outlets order by code limit 1 offset 40")).scalar()
    standard = conn.execute(text("select id from standards where status != 'draft' order by id limit 1")).scalar()
    member = conn.execute(text("select id from enterprises where status = 'member' order by id limit 1")).scalar()
    project = conn.execute(text("select id from projects where state = 'operating' order by id limit 1")).scalar()
    return [
        ("home page `/`", "/", "home"),
        ("outlet list with a search `/outlets?q=长江路`", "/outlets?q=长江路", "list"),
        ("outlet list, a city `/outlets?city=烟台市`", "/outlets?city=烟台市", "list"),
        (f"outlet detail `/outlets/{outlet}`", f"/outlets/{outlet}", "detail"),
        ("standards with a search `/standards?q=回收`", "/standards?q=回收", "list"),
        (f"standard detail `/standards/{standard}`", f"/standards/{standard}", "detail"),
        ("site search `/search?q=回收`", "/search?q=回收", "list"),
        ("members directory `/members`", "/members", "list"),
        (f"member profile `/members/{member}`", f"/members/{member}", "detail"),
        ("projects `/projects`", "/projects", "list"),
        (f"project page `/projects/{project}`", f"/projects/{project}", "detail"),
        ("outlets API `/api/v1/outlets?q=长江路`", "/api/v1/outlets?q=长江路", "list"),
    ]


def timings(client, url: str, n: int) -> list[float]:
    first = client.get(url)
    assert first.status_code == 200, (url, first.status_code)
    out = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(url)
        out.append((time.perf_counter() - start) * 1000)
    return out


def bare_app():
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule(
        "/", "index", lambda: "<!doctype html><html lang=zh-CN><title>bare</title><p>你好，山东</p></html>"
    )
    return bare


def profile(app, url: str, n: int) -> str:
    """Shares of a computed page's time: database round trips and rows, templates, the search index."""
    client = app.test_client()
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = max(v[3] for v in stats.values())

    def share(fragment: str, name: str) -> float:
        return max((v[3] for k, v in stats.items() if fragment in k[0] and k[2] == name), default=0.0) / total

    return (
        f"database {share('sqlalchemy/orm/session.py', '_execute_internal'):.0%}, "
        f"templates {share('jinja2/environment.py', 'render'):.0%}, "
        f"search {share('portal/search/', 'search'):.0%}"  # the index's search, wherever the engine puts it
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 requests a page instead of 200")
    parser.add_argument("--profile", action="store_true", help="where a computed page's time goes")
    args = parser.parse_args()
    n = 30 if args.quick else 200
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-pages-"))
    env = {"PORTAL_DATA_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"}
    os.environ.update(env)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["seed-demo"], ["search", "reindex"]):
        subprocess.run([*flask, *step], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)

    from portal import create_app
    from portal.db import get_db
    from portal.search.analysis import jieba_instance

    kept_app, computed_app = create_app({"PAGE_CACHE": True}), create_app({"PAGE_CACHE": False})
    jieba_instance()  # loaded once per process, before any page is timed
    with kept_app.app_context(), get_db().engine.connect() as conn:
        found = pages(conn)
    bare = timings(bare_app().test_client(), "/", n)
    rows = []
    for label, url, kind in found:
        with kept_app.app_context():
            kept = timings(kept_app.test_client(), url, n)
        with computed_app.app_context():
            computed = timings(computed_app.test_client(), url, n)
            where = profile(computed_app, url, max(10, n // 10)) if args.profile else ""
        rows.append((label, kept, computed, TARGETS[kind], where))
    print(f"\nPublic pages in-process (Flask test client), demo content, {machine()}\n")
    print(
        "| page | kept answer: median / p95 | computed: median / p95 | target | " + ("where |" if args.profile else "")
    )
    print("|---|---|---|---|" + ("---|" if args.profile else ""))
    print(
        "| yardstick: bare Flask app, tiny HTML page | "
        f"{statistics.median(bare):.2f} / {percentile(bare, 95):.2f} ms | | |"
    )
    for label, kept, computed, target, where in rows:
        print(
            f"| {label} | {statistics.median(kept):.2f} / {percentile(kept, 95):.2f} ms | "
            f"{statistics.median(computed):.1f} / {percentile(computed, 95):.1f} ms | ≤ {target} ms |"
            + (f" {where} |" if args.profile else "")
        )


if __name__ == "__main__":
    main()
