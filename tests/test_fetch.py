"""fetch() against a misbehaving loopback server: every row ends in a FetchResult with a reason."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from monitor.config import FetchSettings
from monitor.fetch import decode_body, detect_encoding, fetch, make_client, parse_retry_after
from monitor.politeness import Politeness
from tests.server import PageServer

PAGE = "<html><head><title>Terms</title></head><body><h1>Terms</h1><p>Be nice.</p></body></html>"
FAST = FetchSettings(retries=2, backoff_initial=0.01, backoff_max=2.0, min_host_delay=0, respect_robots=False,
                     connect_timeout=2, read_timeout=0.5, total_timeout=1.5, max_redirects=3)


def _get(server_url: str, settings: FetchSettings = FAST, **kwargs):  # type: ignore[no-untyped-def]
    with make_client(settings) as client:
        return fetch(client, server_url, settings, politeness=Politeness(0), **kwargs)


def test_200_sends_our_user_agent_and_returns_the_body(page_server: PageServer) -> None:
    url = page_server.set("/t", PAGE, headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"',
                                               "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"})
    result = _get(url)
    assert result.status == "ok" and result.http_status == 200
    assert result.body == PAGE.encode() and result.encoding == "utf-8"  # the declared charset
    assert result.etag == '"v1"' and result.last_modified == "Mon, 02 Nov 2026 10:00:00 GMT"
    assert page_server.requests[0].headers["User-Agent"].startswith("policy-monitor/")


def test_304_when_the_servers_validators_are_replayed(page_server: PageServer) -> None:
    def handler(req: BaseHTTPRequestHandler) -> None:
        fresh = req.headers.get("If-None-Match") == '"v1"'
        req.send_response(304 if fresh else 200)
        req.send_header("Content-Length", "0" if fresh else str(len(PAGE)))
        req.end_headers()
        if not fresh:
            req.wfile.write(PAGE.encode())

    url = page_server.set("/t", handler=handler)
    result = _get(url, etag='"v1"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT")
    assert result.status == "not_modified" and result.http_status == 304 and result.body == b""
    sent = page_server.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Mon, 02 Nov 2026 10:00:00 GMT"
    assert _get(url, etag='"v0"').status == "ok"


def _redirect(to: str, status: int = 301) -> dict[str, object]:
    return {"status": status, "headers": {"Location": to}}


def test_301_chain_is_followed_to_the_end(page_server: PageServer) -> None:
    page_server.set("/a", **_redirect("/b"))
    page_server.set("/b", **_redirect(page_server.url("/c"), 302))
    page_server.set("/c", PAGE)
    result = _get(page_server.url("/a"))
    assert result.status == "ok" and result.final_url == page_server.url("/c")
    assert result.url == page_server.url("/a")


def test_redirect_loop_is_refused(page_server: PageServer) -> None:
    page_server.set("/x", **_redirect("/y"))
    page_server.set("/y", **_redirect("/x"))
    result = _get(page_server.url("/x"))
    assert result.status == "failed" and "redirect loop" in (result.error or "")
    assert page_server.count("/x") == 1  # no retry of a loop


def test_too_many_redirects(page_server: PageServer) -> None:
    for i in range(6):
        page_server.set(f"/r{i}", **_redirect(f"/r{i + 1}"))
    result = _get(page_server.url("/r0"))
    assert result.status == "failed" and "more than 3 redirects" in (result.error or "")


def test_redirect_to_a_non_http_scheme_is_refused(page_server: PageServer) -> None:
    page_server.set("/t", **_redirect("file:///etc/passwd"))
    result = _get(page_server.url("/t"))
    assert result.status == "failed"
    assert "non-http(s) URL refused: file:///etc/passwd" in (result.error or "")


def test_404_fails_at_once(page_server: PageServer) -> None:
    result = _get(page_server.url("/missing"))
    assert result.status == "failed" and result.http_status == 404
    assert result.error == "HTTP 404 Not Found"
    assert page_server.count("/missing") == 1


def _sequence(*responses: tuple[int, dict[str, str], bytes]):  # type: ignore[no-untyped-def]
    """A handler answering with each response in turn, then repeating the last."""
    calls = {"n": 0}

    def handler(req: BaseHTTPRequestHandler) -> None:
        status, headers, body = responses[min(calls["n"], len(responses) - 1)]
        calls["n"] += 1
        req.send_response(status)
        for name, value in {"Content-Type": "text/html", **headers}.items():
            req.send_header(name, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handler


def test_429_honours_retry_after(page_server: PageServer) -> None:
    url = page_server.set("/t", handler=_sequence((429, {"Retry-After": "1"}, b"slow down"), (200, {}, PAGE.encode())))
    started = time.monotonic()
    result = _get(url)
    assert result.status == "ok"
    assert time.monotonic() - started >= 0.95  # waited as asked, not the 0.01 s backoff
    assert page_server.count("/t") == 2


def test_429_asking_for_more_than_backoff_max_gives_up_until_the_next_check(page_server: PageServer) -> None:
    url = page_server.set("/t", handler=_sequence((429, {"Retry-After": "3600"}, b"")))
    result = _get(url)
    assert result.status == "failed" and result.http_status == 429
    assert "asks to wait 3600 s, more than fetch.backoff_max (2 s)" in (result.error or "")
    assert page_server.count("/t") == 1


def test_500_then_200_is_retried(page_server: PageServer) -> None:
    url = page_server.set("/t", handler=_sequence((500, {}, b"oops"), (200, {}, PAGE.encode())))
    result = _get(url)
    assert result.status == "ok" and result.body == PAGE.encode()
    assert page_server.count("/t") == 2


def test_500_forever_is_bounded(page_server: PageServer) -> None:
    url = page_server.set("/t", handler=_sequence((503, {}, b"down")))
    result = _get(url)
    assert result.status == "failed" and result.http_status == 503
    assert result.error == "HTTP 503 Service Unavailable (after 3 attempts)"
    assert page_server.count("/t") == 3


def test_slow_body_past_the_total_timeout(page_server: PageServer) -> None:
    def trickle(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", "100000")
        req.end_headers()
        try:
            for _ in range(100):  # 10 s in all, each piece within the read timeout
                req.wfile.write(b"x" * 1000)
                req.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    url = page_server.set("/t", handler=trickle)
    settings = FAST.model_copy(update={"retries": 0, "total_timeout": 0.5})
    started = time.monotonic()
    result = _get(url, settings)
    assert result.status == "failed" and "total_timeout 0.5 s" in (result.error or "")
    assert time.monotonic() - started < 2


def test_stalled_response_hits_the_read_timeout(page_server: PageServer) -> None:
    url = page_server.set("/t", PAGE, delay=1.5)
    result = _get(url, FAST.model_copy(update={"retries": 1, "read_timeout": 0.2}))
    assert result.status == "failed" and (result.error or "").startswith("timed out (read)")
    assert "(after 2 attempts)" in (result.error or "")


def _huge(sent: list[int], done: threading.Event, with_length: bool):  # type: ignore[no-untyped-def]
    """Streams 50 MB without holding it; records how much was actually written."""
    chunk = b"<p>" + b"a" * 65530 + b"</p>"

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        if with_length:
            req.send_header("Content-Length", str(50 * 1024 * 1024))
        else:
            req.send_header("Connection", "close")
        req.end_headers()
        try:
            for _ in range(50 * 1024 * 1024 // len(chunk)):
                req.wfile.write(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass
        finally:
            req.close_connection = True
            done.set()

    return handler


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "streamed"])
def test_50_mb_body_is_cut_off_at_the_cap(page_server: PageServer, with_length: bool) -> None:
    sent, done = [0], threading.Event()
    url = page_server.set("/t", handler=_huge(sent, done, with_length))
    settings = FAST.model_copy(update={"max_body_bytes": 1024 * 1024, "total_timeout": 10})
    result = _get(url, settings)
    assert result.status == "failed" and result.body == b""
    assert "body larger than max_body_bytes (1048576 bytes); download stopped" in (result.error or "")
    assert done.wait(5)
    assert sent[0] < 10 * 1024 * 1024  # the server could not send the 50 MB: we hung up early


def test_binary_bodies_are_refused(page_server: PageServer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    octet = _get(page_server.set("/b", png, headers={"Content-Type": "application/octet-stream"}))
    assert octet.status == "failed" and octet.error == (
        "unsupported content type 'application/octet-stream' (expected HTML, XHTML, Markdown or plain text)")
    mislabelled = _get(page_server.set("/h", png, headers={"Content-Type": "text/html"}))
    assert mislabelled.status == "failed" and mislabelled.error == "binary body (text/html), not a text document"


def test_wrong_charset_is_corrected(page_server: PageServer) -> None:
    text = "<html><body><h1>Conditions générales</h1><p>Café © 2026 — déjà vu.</p></body></html>"
    # Labelled Latin-1 but really UTF-8 (a common misconfiguration)
    utf8 = _get(page_server.set("/u", text.encode("utf-8"), headers={"Content-Type": "text/html; charset=iso-8859-1"}))
    assert utf8.encoding == "iso-8859-1" and detect_encoding(utf8.body, utf8.encoding) == "utf-8"
    assert "Café ©" in decode_body(utf8.body, utf8.encoding)
    # Labelled UTF-8 but really cp1252
    cp = _get(page_server.set("/c", text.encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"}))
    decoded = decode_body(cp.body, cp.encoding)
    assert "générales" in decoded and "—" in decoded and "\ufffd" not in decoded


def test_meta_charset_is_used_when_the_header_has_none() -> None:
    body = '<html><head><meta charset="windows-1251"></head><body><p>Условия использования сервиса</p></body></html>'
    data = body.encode("cp1251")
    assert detect_encoding(data, None) == "cp1251"
    assert "Условия" in decode_body(data, detect_encoding(data, None))


def test_challenge_page_on_an_error_status_is_not_retried(page_server: PageServer) -> None:
    challenge = b"<html><head><title>Just a moment...</title></head><body><div id='cf-challenge'></div></body></html>"
    url = page_server.set("/t", challenge, status=503, headers={"Content-Type": "text/html"})
    result = _get(url)
    assert result.status == "failed" and result.http_status == 503
    assert (result.error or "").startswith("HTTP 503 Service Unavailable: bot challenge page")
    assert page_server.count("/t") == 1  # retrying a challenge is what gets a monitor blocked


def test_connection_refused_is_retried_then_fails() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _get(f"http://127.0.0.1:{port}/t", FAST.model_copy(update={"retries": 1}))
    assert result.status == "failed" and (result.error or "").startswith("ConnectError")
    assert "(after 2 attempts)" in (result.error or "")


@pytest.mark.parametrize("value,expected", [("120", 120.0), ("", None), ("soon", None), (None, None)])
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    assert 80 <= (parse_retry_after(when) or 0) <= 91


def test_client_does_not_follow_redirects_itself() -> None:
    with make_client(FAST) as client:
        assert client.follow_redirects is False
        assert isinstance(client.timeout, httpx.Timeout) and client.timeout.read == 0.5
