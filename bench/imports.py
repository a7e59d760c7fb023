"""Imports as the user waits: `flask outlets import` of 10,000 rows (index catch-up included) and
`flask search reindex`, each beside a yardstick measured in the same run.

python bench/imports.py  (BENCH_OUTLETS=10000; prints a Markdown table)

Everything runs on a fresh SQLite scratch folder, as subprocesses of the real commands, so the
figures include the command's start-up, reading the file, validating, writing and indexing.
Yardsticks: the CLI's start-up alone (`flask --app wsgi --help`), and a plain sqlite3 executemany
insert of the same rows (what the database costs at the least). The last column is each command's
peak resident memory (the index writer keeps a large posting pool in memory: portal.search.writer).
"""

from __future__ import annotations

import csv
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import outlet_data  # noqa: E402

N_OUTLETS = int(os.environ.get("BENCH_OUTLETS", "10000"))
FLASK = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]


def _env(folder: Path) -> dict[str, str]:
    return {**os.environ, "PORTAL_DATA_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"}


PEAK_MB: dict[str, float] = {}  # command -> the peak resident memory of its process, in MiB


def run(folder: Path, *args: str) -> tuple[float, str]:
    """Seconds the command took as its user waits, and what it printed; fails loudly on an error.
    Its peak memory is kept in PEAK_MB (os.wait4 gives the rusage of that one process)."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen([*FLASK, *args], cwd=ROOT, env=_env(folder), stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        printed = out.read()
    PEAK_MB[" ".join(args)] = usage.ru_maxrss / 1024  # kilobytes on Linux
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}):\n{printed}")
    return seconds, printed


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(outlet_data.HEADER)
        writer.writerows(rows)


def plain_insert(folder: Path, rows: list[list[str]]) -> float:
    """The yardstick: the same rows inserted by one executemany into a plain SQLite table."""
    db = sqlite3.connect(folder / "plain.db")
    columns = ", ".join(f"c{i} TEXT" for i in range(len(outlet_data.HEADER)))
    db.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" * len(outlet_data.HEADER))
    started = time.perf_counter()
    with db:
        db.executemany(f"INSERT INTO t VALUES (NULL, {marks})", rows)
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def indexed(folder: Path) -> str:
    _seconds, out = run(folder, "search", "status")
    return out.strip().splitlines()[-1]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-imports-"))
    try:
        rows = list(outlet_data.rows(N_OUTLETS, seed=11))
        data = folder / "outlets.csv"
        write_csv(data, rows)
        run(folder, "db", "upgrade")
        startup, _ = run(folder, "--help")
        insert = plain_insert(folder, rows)
        imported, out = run(folder, "outlets", "import", str(data))
        if f"created {N_OUTLETS}" not in out:
            raise SystemExit(f"unexpected import output:\n{out}")
        peaks = {"--help": PEAK_MB["--help"], "first import": PEAK_MB[f"outlets import {data}"]}
        after_import = indexed(folder)
        again, _ = run(folder, "outlets", "import", str(data))
        reindexed, out = run(folder, "search", "reindex")
        if f"indexed {N_OUTLETS} documents" not in out:
            raise SystemExit(f"unexpected reindex output:\n{out}")
        peaks |= {"outlets import": PEAK_MB[f"outlets import {data}"], "search reindex": PEAK_MB["search reindex"]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"Index after the import: {after_import}")
    print()
    print("| measurement | seconds | × start-up | × plain insert | peak MiB |")
    print("| --- | --- | --- | --- | --- |")
    for label, seconds, command in [
        ("yardstick: `flask --app wsgi --help` (start-up)", startup, "--help"),
        (f"yardstick: sqlite3 executemany of the {N_OUTLETS:,} rows", insert, None),
        (f"`flask outlets import` {N_OUTLETS:,} new rows, index caught up", imported, "first import"),
        (f"`flask outlets import` the same {N_OUTLETS:,} rows again (unchanged)", again, "outlets import"),
        (f"`flask search reindex` ({N_OUTLETS:,} outlets)", reindexed, "search reindex"),
    ]:
        peak = f"{peaks[command]:.0f}" if command else ""
        print(f"| {label} | {seconds:.2f} | {seconds / startup:.1f} | {seconds / insert:.0f} | {peak} |")


if __name__ == "__main__":
    main()
