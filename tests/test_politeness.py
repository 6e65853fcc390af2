"""robots.txt is honoured and cached; one request at a time per host, with a delay between."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

from monitor.config import FetchSettings
from monitor.fetch import fetch, make_client
from monitor.politeness import Politeness, host_key
from tests.server import PageServer

PAGE = "<html><body><h1>Terms</h1><p>Be nice.</p></body></html>"
ROBOTS = "User-agent: *\nDisallow: /private\n\nUser-agent: policy-monitor\nDisallow: /nomonitor\n"
SETTINGS = FetchSettings(retries=0, min_host_delay=0, respect_robots=True, backoff_initial=0.01)


def _robots(server: PageServer, text: str = ROBOTS, status: int = 200) -> None:
    server.set("/robots.txt", text, status=status, headers={"Content-Type": "text/plain"})


def test_robots_disallow_stops_the_fetch_before_the_page(page_server: PageServer) -> None:
    _robots(page_server)
    url = page_server.set("/nomonitor/terms", PAGE)
    with make_client(SETTINGS) as client:
        result = fetch(client, url, SETTINGS, politeness=Politeness(0))
    assert result.status == "failed"
    assert "disallows /nomonitor/terms for our user agent; set ignore_robots" in (result.error or "")
    assert page_server.count("/nomonitor/terms") == 0


def test_ignore_robots_overrides(page_server: PageServer) -> None:
    _robots(page_server)
    url = page_server.set("/private/terms", PAGE)
    with make_client(SETTINGS) as client:
        result = fetch(client, url, SETTINGS, politeness=Politeness(0), ignore_robots=True)
    assert result.status == "ok" and page_server.count("/robots.txt") == 0


def test_robots_is_cached_per_host(page_server: PageServer) -> None:
    _robots(page_server)
    url = page_server.set("/terms", PAGE)
    gate = Politeness(0, robots_ttl=3600)
    with make_client(SETTINGS) as client:
        assert all(fetch(client, url, SETTINGS, politeness=gate).status == "ok" for _ in range(3))
    assert page_server.count("/robots.txt") == 1 and page_server.count("/terms") == 3


def test_robots_cache_expires(page_server: PageServer) -> None:
    _robots(page_server)
    url = page_server.set("/terms", PAGE)
    gate = Politeness(0, robots_ttl=0.05)
    with make_client(SETTINGS) as client:
        fetch(client, url, SETTINGS, politeness=gate)
        time.sleep(0.1)
        fetch(client, url, SETTINGS, politeness=gate)
    assert page_server.count("/robots.txt") == 2


def test_missing_robots_allows_and_unreachable_robots_disallows(page_server: PageServer) -> None:
    url = page_server.set("/terms", PAGE)
    with make_client(SETTINGS) as client:
        assert fetch(client, url, SETTINGS, politeness=Politeness(0)).status == "ok"  # robots.txt is a 404
        _robots(page_server, "", status=503)
        result = fetch(client, url, SETTINGS, politeness=Politeness(0))
    assert result.status == "failed" and "robots.txt of" in (result.error or "")
    assert "unreachable (HTTP 503)" in (result.error or "")


def test_redirect_into_a_disallowed_path_is_refused(page_server: PageServer) -> None:
    _robots(page_server)
    page_server.set("/moved", status=301, headers={"Location": "/nomonitor/terms"})
    page_server.set("/nomonitor/terms", PAGE)
    with make_client(SETTINGS) as client:
        result = fetch(client, page_server.url("/moved"), SETTINGS, politeness=Politeness(0))
    assert result.status == "failed" and "redirected to" in (result.error or "")
    assert page_server.count("/nomonitor/terms") == 0


def test_the_group_naming_our_agent_replaces_the_star_group(page_server: PageServer) -> None:
    _robots(page_server)  # /private is barred for *, but our own group does not bar it (RFC 9309)
    url = page_server.set("/private/terms", PAGE)
    with make_client(SETTINGS) as client:
        assert fetch(client, url, SETTINGS, politeness=Politeness(0)).status == "ok"


def test_crawl_delay_is_honoured(page_server: PageServer) -> None:
    _robots(page_server, "User-agent: *\nCrawl-delay: 1\n")  # urllib.robotparser reads whole seconds
    url = page_server.set("/terms", PAGE)
    gate = Politeness(0)
    with make_client(SETTINGS) as client:
        started = time.monotonic()
        assert fetch(client, url, SETTINGS, politeness=gate).status == "ok"
    assert time.monotonic() - started >= 0.95  # robots.txt, then the page 1 s later


def test_one_request_at_a_time_per_host_with_a_delay(page_server: PageServer) -> None:
    state = {"inflight": 0, "max": 0}
    starts: list[float] = []
    lock = threading.Lock()
    body = PAGE.encode()

    def handler(req: BaseHTTPRequestHandler) -> None:
        with lock:
            state["inflight"] += 1
            state["max"] = max(state["max"], state["inflight"])
            starts.append(time.monotonic())
        time.sleep(0.05)
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
        with lock:
            state["inflight"] -= 1

    url = page_server.set("/t", handler=handler)
    settings = SETTINGS.model_copy(update={"respect_robots": False})
    gate = Politeness(min_host_delay=0.1)
    results: list[str] = []

    def worker() -> None:
        with make_client(settings) as client:
            results.append(fetch(client, url, settings, politeness=gate).status)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == ["ok"] * 4
    assert state["max"] == 1
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:])]
    assert min(gaps) >= 0.14  # 0.05 s answering + 0.1 s delay


def test_hosts_are_keyed_by_scheme_host_and_port() -> None:
    assert host_key("https://Example.com/a?b") == "https://example.com"
    assert host_key("http://127.0.0.1:8080/x") != host_key("http://127.0.0.1:8081/x")
