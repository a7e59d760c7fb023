"""Public pages under load (not part of the test suite): `make bench-load`.

A scratch copy of the portal with the demo content (`flask db upgrade`, `seed-demo`, `search reindex` into
a temporary PORTAL_DATA_DIR, none of it timed) is served by gunicorn exactly as `make serve` and
deploy/portal-web.service serve it (`gunicorn --workers 4 wsgi:app`), and a bare Flask app answering a
tiny HTML page is served the same way, in the same run. wrk (2 threads, 16 connections, loopback only,
8 s a page after a 2 s warm-up) drives each page in turn; pages with a query rotate through several
queries (a wrk Lua script), so no one answer is served from a warm row alone.

    .venv/bin/python bench/load.py            # 8 s a page
    .venv/bin/python bench/load.py --quick    # 2 s a page (a smoke test)

Prints the machine and a Markdown table: requests/s, the ratio to the bare app, p50/p90/p99 and the error
count (non-2xx answers and socket errors), beside the targets (ratio at least 0.25, p90 under 100 ms,
no errors).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from registry import Gunicorn  # noqa: E402
from run import machine  # noqa: E402

WORKERS = 4
THREADS, CONNECTIONS = 2, 16
PAGES = [
    ("home page `/`", ["/"]),
    (
        "outlet search `/outlets?q=…`",
        [f"/outlets?q={q}" for q in ("长江路", "济南", "4S店", "开发区", "梯次", "yantai")],
    ),
    (
        "outlet detail `/outlets/<code>`",
        ["/outlets/SD00001", "/outlets/SD00120", "/outlets/SD00277", "/outlets/SD00460"],
    ),
    ("standards `/standards?q=…`", [f"/standards?q={q}" for q in ("34015", "回收", "梯次利用", "GB/T 34014")]),
    ("site search `/search?q=…`", [f"/search?q={q}" for q in ("回收", "标准", "烟台", "储能")]),
    ("members directory `/members`", ["/members", "/members?benchmark=1"]),
    ("API `/api/v1/outlets?q=…`", [f"/api/v1/outlets?q={q}" for q in ("长江路", "济南", "开发区", "4S店")]),
]
# As deployed (anonymous answers kept until the data changes), then with every answer computed.
RUNS = [
    ("As deployed: anonymous answers kept in memory until the data changes (PAGE_CACHE on)", {}),
    ("Every answer computed (PAGE_CACHE=0): what a first visit after a change costs", {"PAGE_CACHE": "0"}),
]
BARE = """
from flask import Flask

app = Flask("bare")


@app.get("/")
def index():
    return "<!doctype html><html lang=zh-CN><title>bare</title><p>你好，山东</p></html>"
"""


def lua(paths: list[str]) -> str:
    """A wrk script that sends the paths in turn (each thread from its own offset)."""
    quoted = ", ".join(f'"{quote(p, safe="/?=&")}"' for p in paths)
    return (
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, paths: list[str], seconds: int, folder: Path) -> dict:
    script = folder / "paths.lua"
    script.write_text(lua(paths), encoding="utf-8")
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(latency["50"]),
        "p90": _ms(latency["90"]),
        "p99": _ms(latency["99"]),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
    }


def prepare(folder: Path) -> dict:
    """The scratch portal's environment, its database migrated and filled with the demo content."""
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(folder / "data"),
        "DATABASE_URL": f"sqlite:///{folder / 'data' / 'portal.db'}",
        "SECRET_KEY": "bench-load",
        "PORTAL_BASE_URL": "http://127.0.0.1",
    }
    (folder / "data").mkdir()
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["seed-demo"], ["search", "reindex"]):
        subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def row(label: str, found: dict, bare_rps: float) -> str:
    ratio = found["rps"] / bare_rps
    ok = "✓" if ratio >= 0.25 and found["p90"] < 100 and found["errors"] == 0 else "✗"
    return (
        f"| {label} | {found['rps']:,.0f} | {ratio:.3f} | {found['p50']:.1f} / {found['p90']:.1f} / "
        f"{found['p99']:.1f} ms | {found['errors']} | {ok} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s a page instead of 8")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: scripts/system-deps.sh --bench (Debian's wrk package)")
    seconds = 2 if args.quick else 8
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-load-"))
    try:
        env = prepare(folder)
        (folder / "bare_app.py").write_text(BARE, encoding="utf-8")
        bare = Gunicorn("bare_app:app", WORKERS, {}, folder / "bare.log", chdir=folder)
        settings = {k: env[k] for k in ("PORTAL_DATA_DIR", "DATABASE_URL", "SECRET_KEY", "PORTAL_BASE_URL")}
        try:
            bare.wait("/", WORKERS)
            wrk(bare.port, ["/"], 2, folder)  # warm-up
            bare_found = wrk(bare.port, ["/"], seconds, folder)
        finally:
            bare.stop()
        tables = [(title, measure(folder, {**settings, **extra}, seconds, bare_found)) for title, extra in RUNS]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nPublic pages under load, {machine()}")
    print(f"gunicorn --workers {WORKERS}; wrk -t{THREADS} -c{CONNECTIONS}, {seconds} s a page, loopback")
    for title, rows in tables:
        print(f"\n{title}\n")
        print("| page | requests/s | ÷ bare app | p50 / p90 / p99 | errors | targets met |")
        print("|---|---|---|---|---|---|")
        print(
            f"| yardstick: bare Flask app, tiny HTML page | {bare_found['rps']:,.0f} | 1 | "
            f"{bare_found['p50']:.1f} / {bare_found['p90']:.1f} / {bare_found['p99']:.1f} ms | "
            f"{bare_found['errors']} | |"
        )
        print("\n".join(rows))
    print("\nTargets: at least 0.25 of the bare app, p90 under 100 ms at 16 connections, no errors.")


def measure(folder: Path, settings: dict, seconds: int, bare_found: dict) -> list[str]:
    """Each page against one portal server started with these settings."""
    portal = Gunicorn("wsgi:app", WORKERS, settings, folder / "portal.log")
    try:
        portal.wait("/", WORKERS)
        time.sleep(8)  # each worker loads jieba's dictionary in a background thread at start: not the pages' cost
        rows = []
        for label, paths in PAGES:
            wrk(portal.port, paths, 2, folder)  # warm-up: every worker has answered each page
            rows.append(row(label, wrk(portal.port, paths, seconds, folder), bare_found["rps"]))
        return rows
    finally:
        portal.stop()


if __name__ == "__main__":
    main()
