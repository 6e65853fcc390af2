"""What a check stores for each kind of bad response: attempt, snapshot or not, version or not."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from monitor.check import CheckResult, check_source, sync_sources
from monitor.config import ChannelConfig, Config, FetchSettings, SourceConfig
from monitor.politeness import Politeness
from storage.models import Delivery, FetchAttempt, Snapshot, Source, Version
from tests.server import PageServer

FAST = FetchSettings(retries=1, backoff_initial=0.01, backoff_max=1.0, min_host_delay=0, respect_robots=False,
                     read_timeout=1, total_timeout=2, failure_threshold=2)


def _page(items: int, title: str = "Acme Terms", extra: str = "") -> str:
    clauses = "".join(f"<li>Clause {i}: the user shall respect rule number {i}.</li>" for i in range(items))
    return (f"<html><head><title>{title}</title></head><body><main><h1>Terms of Service</h1>"
            f"<p>These terms govern your use of Acme.</p><ul>{clauses}</ul>{extra}</main></body></html>")


def _config(url: str, channels: list[ChannelConfig] | None = None, **source: object) -> Config:
    src = SourceConfig(slug="acme/terms", platform="Acme", document_type="Terms of Service", url=url, **source)
    return Config(fetch=FAST, source=[src], channel=channels or [])


def _check(engine: Engine, config: Config) -> CheckResult:
    sync_sources(engine, config)
    return check_source(engine, config, config.source[0], politeness=Politeness(0))


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        snapshots = session.exec(select(func.count()).select_from(Snapshot)).one()
        versions = session.exec(select(func.count()).select_from(Version)).one()
    return snapshots, versions


def _last_attempt(engine: Engine) -> FetchAttempt:
    with Session(engine) as session:
        return session.exec(select(FetchAttempt).order_by(col(FetchAttempt.id).desc())).first()  # type: ignore[return-value]


def _source(engine: Engine) -> Source:
    with Session(engine) as session:
        return session.exec(select(Source)).one()


def _assert_failed(engine: Engine, result: CheckResult, detail_start: str, outcome: str = "failed") -> None:
    assert result.result == outcome and result.detail.startswith(detail_start), result.detail
    attempt = _last_attempt(engine)
    assert attempt.outcome == outcome and attempt.result == outcome
    assert (attempt.error or "").startswith(detail_start)
    assert attempt.snapshot_id is None and attempt.version_id is None


def test_404_is_a_failed_attempt_without_snapshot_or_version(engine: Engine, page_server: PageServer) -> None:
    result = _check(engine, _config(page_server.url("/gone")))
    _assert_failed(engine, result, "HTTP 404 Not Found")
    assert _last_attempt(engine).http_status == 404
    assert _counts(engine) == (0, 0)
    assert _source(engine).consecutive_failures == 1


def test_challenge_page_served_with_200_is_not_a_version(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", "<html><head><title>Just a moment...</title></head><body>"
                                "<div id='challenge-form'>Checking your browser</div></body></html>")
    _assert_failed(engine, _check(engine, _config(url)), "not the document: bot challenge page")
    assert _counts(engine) == (0, 0)


def test_login_wall_is_not_a_version(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", "<html><head><title>Acme</title></head><body><h1>Sign in to continue</h1>"
                                "<form><input name=u><input type=password name=p></form></body></html>")
    _assert_failed(engine, _check(engine, _config(url)), "not the document: login wall")
    assert _counts(engine) == (0, 0)


def test_empty_page_is_not_a_version(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", "")
    _assert_failed(engine, _check(engine, _config(url)), "extraction failed: the page is empty")
    assert _counts(engine) == (0, 0)


def test_soft_404_is_not_a_version(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", "<html><head><title>Page not found | Acme</title></head>"
                                "<body><main><h1>Oops</h1><p>We looked everywhere.</p></main></body></html>")
    _assert_failed(engine, _check(engine, _config(url)), "soft 404: the page says 'Page not found | Acme'")
    assert _counts(engine) == (0, 0)


def test_redirect_to_the_home_page_is_a_soft_404(engine: Engine, page_server: PageServer) -> None:
    page_server.set("/", _page(3))
    url = page_server.set("/legal/terms", status=301, headers={"Location": "/"})
    _assert_failed(engine, _check(engine, _config(url)), "soft 404: ")
    assert "redirected to the home page" in _last_attempt(engine).error  # type: ignore[operator]


def test_binary_and_oversized_bodies_store_nothing(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", b"%PDF-1.7\n" + bytes(range(256)) * 10, headers={"Content-Type": "application/pdf"})
    _assert_failed(engine, _check(engine, _config(url)), "unsupported content type 'application/pdf'")
    assert _counts(engine) == (0, 0)


def test_shrink_by_90_percent_needs_a_second_fetch(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", _page(20))
    config = _config(url)
    assert _check(engine, config).result == "new"

    page_server.set("/t", _page(1))  # 22 -> 3 provisions
    result = _check(engine, config)
    assert result.result == "suspicious"
    assert "provisions shrank from 22 to 3 (-86%); not a version until the next check confirms it" in result.detail
    assert _last_attempt(engine).outcome == "suspicious" and _last_attempt(engine).version_id is None
    assert _counts(engine) == (1, 1)
    assert _source(engine).pending_shrink_hash is not None

    result = _check(engine, config)  # the same shrunk page again: confirmed
    assert result.result == "changed" and "confirmed by a second fetch" in result.detail
    assert _counts(engine) == (2, 2)
    assert _source(engine).pending_shrink_hash is None
    assert _source(engine).consecutive_failures == 0


def test_a_shrink_that_goes_away_leaves_no_version(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", _page(20))
    config = _config(url)
    _check(engine, config)
    page_server.set("/t", _page(1))
    assert _check(engine, config).result == "suspicious"
    page_server.set("/t", _page(20))
    assert _check(engine, config).detail == "same bytes"
    assert _source(engine).pending_shrink_hash is None
    page_server.set("/t", _page(2))  # a different shrink is suspicious again, not "confirmed"
    assert _check(engine, config).result == "suspicious"
    assert _counts(engine)[1] == 1


def test_small_shrink_is_an_ordinary_change(engine: Engine, page_server: PageServer) -> None:
    url = page_server.set("/t", _page(20))
    config = _config(url)
    _check(engine, config)
    page_server.set("/t", _page(14))  # 22 -> 16: -27%
    assert _check(engine, config).result == "changed"


def test_304_replays_the_servers_validators_and_parses_nothing(engine: Engine, page_server: PageServer) -> None:
    body = _page(5).encode()

    def handler(req) -> None:  # type: ignore[no-untyped-def]
        if req.headers.get("If-None-Match") == '"abc"':
            req.send_response(304)
            req.send_header("ETag", '"abc"')
            req.end_headers()
            return
        req.send_response(200)
        for name, value in {"Content-Type": "text/html", "ETag": '"abc"', "Content-Length": str(len(body)),
                            "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"}.items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)

    config = _config(page_server.set("/t", handler=handler))
    assert _check(engine, config).result == "new"
    result = _check(engine, config)
    assert (result.result, result.detail) == ("unchanged", "not modified")
    attempt = _last_attempt(engine)
    assert attempt.outcome == "not_modified" and attempt.http_status == 304 and attempt.snapshot_id is None
    sent = page_server.requests[-1].headers
    assert sent["If-None-Match"] == '"abc"' and sent["If-Modified-Since"] == "Mon, 02 Nov 2026 10:00:00 GMT"
    assert _counts(engine) == (1, 1)


def test_same_bytes_is_unchanged_and_stores_no_snapshot(engine: Engine, page_server: PageServer) -> None:
    config = _config(page_server.set("/t", _page(5)))
    _check(engine, config)
    result = _check(engine, config)
    assert (result.result, result.detail) == ("unchanged", "same bytes")
    assert _last_attempt(engine).snapshot_id is not None
    assert _counts(engine) == (1, 1)


def test_500_then_200_is_one_successful_attempt(engine: Engine, page_server: PageServer) -> None:
    calls = {"n": 0}
    body = _page(4).encode()

    def handler(req) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        ok = calls["n"] > 1
        req.send_response(200 if ok else 500)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(len(body) if ok else 0))
        req.end_headers()
        if ok:
            req.wfile.write(body)

    result = _check(engine, _config(page_server.set("/t", handler=handler)))
    assert result.result == "new" and calls["n"] == 2
    assert _counts(engine) == (1, 1)


def _trickle(req) -> None:  # type: ignore[no-untyped-def]
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Length", "100000")
    req.end_headers()
    try:
        for _ in range(50):
            req.wfile.write(b"<p>" + b"x" * 997)
            req.wfile.flush()
            import time

            time.sleep(0.1)
    except OSError:
        pass


def _stream_50_mb(req) -> None:  # type: ignore[no-untyped-def]
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Connection", "close")
    req.end_headers()
    chunk = b"<p>" + b"a" * 65533
    try:
        for _ in range(800):  # 50 MB, generated as it is sent
            req.wfile.write(chunk)
    except OSError:
        pass


# path -> (routes, expected error start); every row: a failed attempt, no snapshot, no version
FAILED_ROWS = {
    "redirect-loop": ({"/a": {"status": 301, "headers": {"Location": "/b"}},
                       "/b": {"status": 301, "headers": {"Location": "/a"}}}, "redirect loop: "),
    "non-http-redirect": ({"/a": {"status": 302, "headers": {"Location": "ftp://files.example/terms.txt"}}},
                          "redirect to a non-http(s) URL refused: ftp://files.example/terms.txt"),
    "429-too-long": ({"/a": {"status": 429, "headers": {"Retry-After": "600"}}},
                     "HTTP 429 Too Many Requests; the server asks to wait 600 s"),
    "500-forever": ({"/a": {"status": 500}}, "HTTP 500 Internal Server Error (after 2 attempts)"),
    "slow-body": ({"/a": {"handler": _trickle}}, "timed out (total_timeout 0.5 s)"),
    "50-mb": ({"/a": {"handler": _stream_50_mb}}, "body larger than max_body_bytes (1048576 bytes)"),
    "binary": ({"/a": {"body": b"\x00\x01\x02" * 1000, "headers": {"Content-Type": "text/html"}}},
               "binary body (text/html)"),
}


@pytest.mark.parametrize("row", sorted(FAILED_ROWS))
def test_failed_fetches_store_an_attempt_only(row: str, engine: Engine, page_server: PageServer) -> None:
    routes, expected = FAILED_ROWS[row]
    for path, route in routes.items():
        spec = dict(route)  # the table is shared by both databases' runs: do not consume it
        page_server.set(path, spec.pop("body", b""), **spec)
    settings = FAST.model_copy(update={"total_timeout": 0.5, "max_body_bytes": 1024 * 1024})
    config = _config(page_server.url("/a")).model_copy(update={"fetch": settings})
    result = _check(engine, config)
    _assert_failed(engine, result, expected)
    assert _counts(engine) == (0, 0)
    assert _source(engine).consecutive_failures == 1 and _source(engine).last_error == result.detail


def test_301_chain_stores_the_final_url(engine: Engine, page_server: PageServer) -> None:
    page_server.set("/old", status=301, headers={"Location": "/older"})
    page_server.set("/older", status=308, headers={"Location": "/legal/terms"})
    final = page_server.set("/legal/terms", _page(3))
    result = _check(engine, _config(page_server.url("/old")))
    assert result.result == "new"
    attempt = _last_attempt(engine)
    assert attempt.url == final and attempt.version_id is not None and attempt.http_status == 200
    assert _counts(engine) == (1, 1)


def test_429_then_200_becomes_a_version(engine: Engine, page_server: PageServer) -> None:
    calls = {"n": 0}
    body = _page(3).encode()

    def handler(req) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        first = calls["n"] == 1
        req.send_response(429 if first else 200)
        req.send_header("Content-Type", "text/html")
        if first:
            req.send_header("Retry-After", "0")
        req.send_header("Content-Length", "0" if first else str(len(body)))
        req.end_headers()
        if not first:
            req.wfile.write(body)

    assert _check(engine, _config(page_server.set("/t", handler=handler))).result == "new"
    assert calls["n"] == 2 and _counts(engine) == (1, 1)


def test_wrong_charset_is_stored_as_the_right_text(engine: Engine, page_server: PageServer) -> None:
    page = "<html><body><main><h1>Conditions générales</h1><p>Le café coûte 3 € — déjà payé.</p></main></body></html>"
    url = page_server.set("/t", page.encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"})
    assert _check(engine, _config(url)).result == "new"
    with Session(engine) as session:
        version = session.exec(select(Version)).one()
    assert "Le café coûte 3 € — déjà payé." in version.canonical and "\ufffd" not in version.canonical
