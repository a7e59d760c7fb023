"""Warm render workers: reused, recycled, killed on the time limit, a failed start reported at once."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from portal.pdf import PdfError, PdfTimeout, pool, render_pdf
from tests.core.test_pdf import CERTIFICATE

CERT = "pdf/membership_certificate.html"
WORKER = str(pool.WORKER_SCRIPT)
# The real worker, with WeasyPrint made unimportable before it starts.
BROKEN_IMPORT = [
    sys.executable,
    "-c",
    f"import sys, runpy; sys.modules['weasyprint'] = None; runpy.run_path({WORKER!r}, run_name='__main__')",
]
DIES_AT_ONCE = [sys.executable, "-c", "import os; os._exit(3)"]


@pytest.fixture
def fresh_pool(app):
    """Start from no workers and leave none behind (the pool is per process, shared by tests)."""
    pool.shutdown()
    app.config["PDF_CACHE"] = False  # every call renders
    yield
    pool.shutdown()


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def worker_pid() -> int:
    (pid,) = pool.current_pool().worker_pids()
    return pid


def test_many_renders_reuse_one_warm_worker_until_its_limit(app, fresh_pool):
    app.config["PDF_WORKER_MAX_RENDERS"] = 3
    seen = []
    for n in range(5):
        pdf = render_pdf(CERT, {**CERTIFICATE, "number": f"SDBRA-2026-{n:04d}"})
        assert pdf.startswith(b"%PDF-")
        seen.append(worker_pid())

    first, second = seen[0], seen[3]
    # Renders 1 and 2 leave the first worker in place; the third is its last: a fresh one takes over.
    assert seen == [first, first, second, second, second]
    assert first != second
    assert first != os.getpid() and second != os.getpid()
    deadline = time.monotonic() + 10
    while not gone(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(first)


def test_workers_are_fresh_interpreters_without_the_web_process_secrets(app, fresh_pool, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:secret@db/portal")
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    render_pdf(CERT, CERTIFICATE)

    pid = worker_pid()
    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert not any(entry.startswith((b"DATABASE_URL=", b"SECRET_KEY=")) for entry in environment)
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert command[-2] == WORKER.encode()  # started by exec, not forked from this process


def test_a_render_past_the_time_limit_kills_its_worker_and_a_new_one_takes_over(app, fresh_pool):
    render_pdf(CERT, CERTIFICATE)
    slow = worker_pid()

    with pytest.raises(PdfTimeout) as caught:
        render_pdf(CERT, {**CERTIFICATE, "number": "SLOW"}, timeout=0.01)

    assert str(caught.value) == "生成 PDF 超时，请稍后再试。"
    assert gone(slow)
    assert pool.current_pool().worker_pids() == []
    assert render_pdf(CERT, {**CERTIFICATE, "number": "NEXT"}).startswith(b"%PDF-")
    assert worker_pid() != slow


@pytest.mark.parametrize("command", [BROKEN_IMPORT, DIES_AT_ONCE], ids=["weasyprint-import-fails", "exits-at-once"])
def test_a_worker_that_fails_at_start_is_reported_at_once(app, fresh_pool, monkeypatch, caplog, command):
    monkeypatch.setattr(pool, "worker_command", lambda: command)
    app.config["PDF_TIMEOUT_SECONDS"] = 60

    started = time.monotonic()
    with caplog.at_level(logging.ERROR), pytest.raises(PdfError) as caught:
        render_pdf(CERT, CERTIFICATE)

    assert time.monotonic() - started < 30  # well before the 60 s limit (in practice a fraction of a second)
    assert not isinstance(caught.value, PdfTimeout)
    assert str(caught.value) == "生成 PDF 失败，请稍后再试或联系协会。"
    logged = caplog.text
    assert "PDF rendering failed" in logged
    assert "failed to start" in logged or "died at start" in logged
    if command is BROKEN_IMPORT:
        assert "ModuleNotFoundError" in logged
    else:
        assert "code 3" in logged
    assert pool.current_pool().worker_pids() == []


def test_a_document_the_worker_cannot_render_fails_alone_and_the_worker_carries_on(app, fresh_pool):
    workers = pool.get_pool(1)
    good = {"html": "<p>好</p>", "static_dir": app.static_folder, "uploads_dir": app.config["PORTAL_DATA_DIR"]}
    workers.render(good, timeout=20, max_renders=100)
    pid = worker_pid()

    with pytest.raises(pool.DocumentFailed, match="KeyError"):
        workers.render({"html": "<p>no folders given</p>"}, timeout=20, max_renders=100)

    assert workers.render(good, timeout=20, max_renders=100).worker_pid == pid


def test_a_worker_killed_between_documents_is_replaced_without_an_error(app, fresh_pool):
    render_pdf(CERT, CERTIFICATE)
    killed = worker_pid()
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not gone(killed) and time.monotonic() < deadline:
        time.sleep(0.02)

    assert render_pdf(CERT, {**CERTIFICATE, "number": "AFTER-KILL"}).startswith(b"%PDF-")
    assert worker_pid() != killed


def test_two_threads_rendering_at_once_share_the_one_worker_in_turn(app, fresh_pool):
    results, errors = {}, []

    def render(n: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                results[n] = render_pdf(CERT, {**CERTIFICATE, "number": f"T-{n}"})
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(results) == [0, 1, 2]
    assert all(pdf.startswith(b"%PDF-") for pdf in results.values())
    assert len(pool.current_pool().worker_pids()) == 1


def test_a_forked_child_gets_its_own_pool_and_leaves_the_parents_worker_alone(app, fresh_pool):
    render_pdf(CERT, CERTIFICATE)
    parent_pool, parent_worker = pool.current_pool(), worker_pid()

    child = os.fork()
    if child == 0:  # the child: never return into pytest
        code = 1
        try:
            mine = pool.get_pool(1)
            ok = pool.current_pool() is mine and mine is not parent_pool and mine.worker_pids() == []
            pool.shutdown()  # what the child's atexit does: must not stop the parent's worker
            code = 0 if ok else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.current_pool() is parent_pool
    assert not gone(parent_worker)
    assert render_pdf(CERT, {**CERTIFICATE, "number": "AFTER-FORK"}).startswith(b"%PDF-")
    assert worker_pid() == parent_worker
