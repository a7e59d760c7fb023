"""End-to-end harness: the portal served on a free local port, driven by the system Chromium.

* ``live_server`` serves the test's ``app`` (built from ``app_config`` with CSRF *enabled*) in a
  background thread and points PORTAL_BASE_URL at itself, so links in queued e-mails open directly.
* ``browser`` is the system Chromium (/usr/bin/chromium) launched once per session through
  Playwright's sync API. ``playwright install`` is never used: it cannot download browsers here.
* ``page`` (and ``new_page`` for other viewports or a second user) fails the test when the page logs a
  console error, throws an uncaught exception or violates the Content-Security-Policy. A test that
  expects an error answer (a form re-rendered with 422) says so with ``browser_log.expect(...)``.
* When a test fails, a full-page screenshot of every open page goes to test-artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEFAULT_TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 900}

# Reported by the page itself when a resource is refused by the Content-Security-Policy.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile || e.documentURI}:${e.lineNumber}`;
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${where}`);
});
"""

_reports = pytest.StashKey[dict]()
_watcher = pytest.StashKey["BrowserLog"]()


# --------------------------------------------------------------------------- the server


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """The suite's configuration with CSRF protection on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The test's app served at http://127.0.0.1:<free port> until the test ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = url  # links in e-mails and PDFs point here
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, headless; fails (never skips) when it is not installed."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"End-to-end tests need the system Chromium at {CHROMIUM} (Debian package 'chromium'). "
            "It is missing; install it with apt. Do not run 'playwright install'.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - a broken environment
        pytest.fail(f"Playwright for Python is not installed in this environment: {exc}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class BrowserLog:
    """What the pages of one test reported; anything not expected fails the test."""

    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        """Accept console errors matching pattern (e.g. the 422 of a form shown again with errors)."""
        self.allowed.append(re.compile(pattern))

    def record(self, kind: str, text: str, where: str) -> None:
        line = f"[{kind}] {text} ({where})"
        self.lines.append(line)
        if kind == "console.warning":
            return
        if kind == "console.error" and any(p.search(text) for p in self.allowed):
            return
        self.problems.append(line)

    def check(self) -> None:
        if self.problems:
            listing = "\n  ".join(self.problems)
            raise AssertionError(f"the browser reported errors (console error, page error or CSP):\n  {listing}")


@pytest.fixture
def browser_log(request) -> BrowserLog:
    log = BrowserLog()
    request.node.stash[_watcher] = log
    return log


@pytest.fixture
def new_page(browser, live_server, browser_log, request) -> Iterator[Callable[..., object]]:
    """Open a page in a fresh browser context (its own cookies): new_page(viewport=..., **context options)."""
    contexts = []

    def open_page(*, viewport: dict | None = None, **options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                msg.type in ("error", "warning")
                and browser_log.record(f"console.{msg.type}", msg.text, msg.location.get("url") or page.url)
            ),
        )
        page.on(
            "pageerror", lambda exc: browser_log.record("pageerror", f"{exc.name or 'Error'}: {exc.message}", page.url)
        )
        contexts.append(context)
        return page

    yield open_page

    report = request.node.stash.get(_reports, {}).get("call")
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{stem}-{i}-{j}.png"), full_page=True)
                except Exception as exc:  # the page may be gone; the failure itself matters more
                    print(f"could not save a screenshot: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280x900) on the live server; page.goto("/join") works."""
    return new_page()


# --------------------------------------------------------------------------- hooks


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when its pages reported errors."""
    log = item.stash.get(_watcher, None)
    try:
        result = yield
    finally:
        if log is not None and log.lines:
            item.add_report_section("call", "browser console", "\n".join(log.lines))
    if log is not None:
        log.check()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report
