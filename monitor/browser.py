"""Optional browser fetcher (`fetcher = "browser"`): Playwright driving the system Chromium.

For pages that only show their text after JavaScript runs. Needs the `browser` extra
(`pip install policy-monitor[browser]`) and the Debian package `chromium`; Playwright's own
browser download is never used. Same politeness as the HTTP fetcher: robots.txt, one request
at a time per host, the host delay; the rendered DOM is capped at fetch.max_body_bytes.
"""

from __future__ import annotations

import os
import shutil
import time

import httpx

from monitor.config import FetchSettings
from monitor.model import FetchResult
from monitor.politeness import Politeness

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    """The system Chromium executable, or None."""
    for candidate in (os.environ.get("MONITOR_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def browser_unavailable() -> str | None:
    """Why the browser fetcher cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the browser fetcher needs Playwright: pip install 'policy-monitor[browser]'"
    if chromium_path() is None:
        return "the browser fetcher needs the system Chromium (Debian: apt install chromium), not found"
    return None


def fetch_rendered(client: httpx.Client, url: str, settings: FetchSettings, *, politeness: Politeness,
                   ignore_robots: bool = False) -> FetchResult:
    """Load URL in headless Chromium and return the rendered HTML; failures become data."""
    started = time.perf_counter()
    reason = browser_unavailable()
    if reason:
        return _failed(url, reason, started)
    if settings.respect_robots and not ignore_robots:
        verdict = politeness.robots(client, url, settings.user_agent)
        if not verdict.allowed:
            return _failed(url, verdict.reason, started)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # root cannot sandbox
    try:
        with politeness.slot(url), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=args)
            try:
                context = browser.new_context(user_agent=settings.user_agent)
                page = context.new_page()
                response = page.goto(url, timeout=settings.total_timeout * 1000, wait_until="networkidle")
                if response is None:
                    return _failed(url, "the browser loaded no document", started)
                hops, request = 0, response.request
                while request.redirected_from is not None:
                    hops, request = hops + 1, request.redirected_from
                if hops > settings.max_redirects:
                    return _failed(url, f"more than {settings.max_redirects} redirects", started, response.status)
                if response.status >= 400:
                    return _failed(url, f"HTTP {response.status} {response.status_text}".strip(), started,
                                   response.status)
                body = page.content().encode("utf-8")
                final_url = page.url
            finally:
                browser.close()
    except PlaywrightError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _failed(url, f"browser: {message[:300]}", started)
    if len(body) > settings.max_body_bytes:
        return _failed(url, f"rendered page larger than max_body_bytes ({settings.max_body_bytes} bytes)",
                       started, response.status)
    return FetchResult(url=url, status="ok", http_status=response.status, body=body, content_type="text/html",
                       encoding="utf-8", final_url=final_url, elapsed_ms=(time.perf_counter() - started) * 1000)


def _failed(url: str, error: str, started: float, http_status: int | None = None) -> FetchResult:
    return FetchResult(url=url, status="failed", http_status=http_status, error=error,
                       elapsed_ms=(time.perf_counter() - started) * 1000)
