"""Fetch one page over HTTP: a FetchResult for every outcome, never an exception."""

from __future__ import annotations

import time

import httpx

from monitor.config import FetchSettings
from monitor.model import FetchResult

_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/markdown", "text/x-markdown", "text/plain")


def make_client(settings: FetchSettings) -> httpx.Client:
    """An httpx client with the project's identity, timeouts and redirect limit."""
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    return httpx.Client(
        headers={"User-Agent": settings.user_agent, "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8"},
        timeout=timeout,
        follow_redirects=True,
        max_redirects=settings.max_redirects,
    )


def fetch(
    client: httpx.Client,
    url: str,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET the URL once, conditionally when validators are known; failures become data."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.perf_counter()
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return FetchResult(url=url, status="not_modified", http_status=304, etag=etag,
                                   last_modified=last_modified, final_url=str(response.url),
                                   elapsed_ms=_ms(started))
            if response.status_code >= 400:
                return _failed(url, f"HTTP {response.status_code} {response.reason_phrase}", started,
                               response.status_code)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type and not content_type.startswith(_TEXT_TYPES):
                return _failed(url, f"unsupported content type '{content_type}'", started, response.status_code)
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > settings.max_body_bytes:
                    return _failed(url, f"body larger than {settings.max_body_bytes} bytes", started,
                                   response.status_code)
            return FetchResult(
                url=url, status="ok", http_status=response.status_code, body=bytes(body),
                content_type=content_type, encoding=response.charset_encoding,
                etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
                final_url=str(response.url), elapsed_ms=_ms(started),
            )
    except httpx.TimeoutException as exc:
        return _failed(url, f"timed out ({type(exc).__name__})", started)
    except httpx.TooManyRedirects:
        return _failed(url, f"more than {settings.max_redirects} redirects", started)
    except httpx.HTTPError as exc:
        return _failed(url, f"{type(exc).__name__}: {exc}", started)


def _failed(url: str, error: str, started: float, http_status: int | None = None) -> FetchResult:
    return FetchResult(url=url, status="failed", http_status=http_status, error=error, elapsed_ms=_ms(started))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def decode_body(body: bytes, encoding: str | None) -> str:
    """Text of a body: the declared charset, else UTF-8 (with a BOM check), else cp1252."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    for candidate in (encoding, "utf-8"):
        if not candidate:
            continue
        try:
            return body.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")
