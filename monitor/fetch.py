"""Fetch one page over HTTP, politely: a FetchResult for every outcome, never an exception.

One fetch = robots.txt check, then up to `retries + 1` attempts (tenacity: exponential backoff
with jitter, Retry-After honoured) for timeouts, connection errors, 429 and 5xx. Each attempt
follows redirects itself (only to http(s), at most `max_redirects`, loops refused), holds the
host's politeness slot for the whole request, and streams the body under a size cap and a
total deadline. Anything that is not HTML, XHTML, Markdown or plain text is a failure.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import (RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential,
                      wait_random)

from monitor.challenge import detect_blocked_page
from monitor.config import FetchSettings
from monitor.model import FetchResult
from monitor.politeness import Politeness

TEXT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/markdown", "text/x-markdown", "text/plain"})
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/markdown;q=0.9,text/plain;q=0.8"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ERROR_BODY_BYTES = 64 * 1024  # read this much of an error page to tell a bot challenge apart
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class _Retryable(Exception):
    """A transient failure: the attempt's result, and the server's Retry-After if any."""

    def __init__(self, result: FetchResult, retry_after: float | None = None) -> None:
        super().__init__(result.error)
        self.result = result
        self.retry_after = retry_after


@dataclass
class _Deadline:
    """The moment an attempt must be done by (fetch.total_timeout)."""

    at: float

    def left(self) -> float:
        return self.at - time.monotonic()


def make_client(settings: FetchSettings) -> httpx.Client:
    """An httpx client with the project's identity and timeouts; redirects are followed by fetch."""
    timeout = httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                            write=settings.read_timeout, pool=settings.connect_timeout)
    return httpx.Client(headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
                        timeout=timeout, follow_redirects=False)


def fetch(
    client: httpx.Client,
    url: str,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    politeness: Politeness | None = None,
    ignore_robots: bool = False,
) -> FetchResult:
    """GET the URL (conditionally when validators are known), retrying transient failures."""
    started = time.perf_counter()
    gate = politeness or Politeness(settings.min_host_delay, settings.robots_ttl)
    if settings.respect_robots and not ignore_robots:
        verdict = gate.robots(client, url, settings.user_agent)
        if not verdict.allowed:
            return _failed(url, verdict.reason, started)
    attempts = 0

    def attempt() -> FetchResult:
        nonlocal attempts
        attempts += 1
        return _attempt(client, url, settings, gate, etag, last_modified, started, ignore_robots)

    retrying = Retrying(
        stop=stop_after_attempt(settings.retries + 1),
        wait=_wait(settings),
        retry=retry_if_exception_type(_Retryable),
        retry_error_callback=_last_result,
        sleep=time.sleep,
        reraise=False,
    )
    result: FetchResult = retrying(attempt)
    if result.status == "failed" and attempts > 1:
        return _with_error(result, f"{result.error} (after {attempts} attempts)")
    return result


def _wait(settings: FetchSettings):  # type: ignore[no-untyped-def]
    # exponential from backoff_initial, capped, plus up to backoff_initial of jitter so that
    # replicas retrying the same host do not arrive together
    backoff = (wait_exponential(multiplier=settings.backoff_initial, max=settings.backoff_max)
               + wait_random(0, settings.backoff_initial))

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after  # already checked against backoff_max
        return float(backoff(state))

    return wait


def _last_result(state: RetryCallState) -> FetchResult:
    exc = state.outcome.exception() if state.outcome else None
    assert isinstance(exc, _Retryable)
    return exc.result


def _attempt(client: httpx.Client, url: str, settings: FetchSettings, gate: Politeness,
             etag: str | None, last_modified: str | None, started: float, ignore_robots: bool) -> FetchResult:
    """One try: follow redirects by hand, then read the final response; transient errors raise."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = _Deadline(time.monotonic() + settings.total_timeout)
    current = url
    seen = {url}
    for hop in range(settings.max_redirects + 1):
        if hop and settings.respect_robots and not ignore_robots:
            verdict = gate.robots(client, current, settings.user_agent)
            if not verdict.allowed:
                return _failed(url, f"redirected to {current}, but {verdict.reason}", started)
        try:
            with gate.slot(current), client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS and "location" in response.headers:
                    target = urljoin(current, response.headers["location"])
                    if urlsplit(target).scheme not in ("http", "https"):
                        return _failed(url, f"redirect to a non-http(s) URL refused: {target[:200]}",
                                       started, status)
                    if target in seen:
                        return _failed(url, f"redirect loop: {current} -> {target}", started, status)
                    seen.add(target)
                    current = target
                    continue
                return _read_response(response, url, current, settings, deadline, started, etag, last_modified)
        except httpx.TimeoutException as exc:
            raise _Retryable(_failed(url, f"timed out ({_timeout_kind(exc)}) fetching {current}", started)) from exc
        except _TotalTimeout:
            raise _Retryable(_failed(url, f"timed out (total_timeout {settings.total_timeout:g} s) "
                                          f"reading {current}", started)) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(_failed(url, f"{type(exc).__name__}: {exc} (connection error fetching {current})",
                                     started)) from exc
        except httpx.HTTPError as exc:
            return _failed(url, f"{type(exc).__name__}: {exc}", started)
    return _failed(url, f"more than {settings.max_redirects} redirects (last: {current})", started)


class _TotalTimeout(Exception):
    """The attempt ran past fetch.total_timeout (a body trickling in under the read timeout)."""


def _timeout_kind(exc: httpx.TimeoutException) -> str:
    return {"ConnectTimeout": "connect", "ReadTimeout": "read", "WriteTimeout": "write",
            "PoolTimeout": "pool"}.get(type(exc).__name__, type(exc).__name__)


def _read_response(response: httpx.Response, url: str, final_url: str, settings: FetchSettings,
                   deadline: _Deadline, started: float, etag: str | None, last_modified: str | None) -> FetchResult:
    status = response.status_code
    if status == 304:
        return FetchResult(url=url, status="not_modified", http_status=304,
                           etag=response.headers.get("etag", etag),
                           last_modified=response.headers.get("last-modified", last_modified),
                           final_url=final_url, elapsed_ms=_ms(started))
    if status >= 300:
        return _error_status(response, url, settings, deadline, started)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in TEXT_TYPES:
        return _failed(url, f"unsupported content type '{content_type[:100]}' (expected HTML, XHTML, "
                            "Markdown or plain text)", started, status)
    body = _read_capped(response, settings.max_body_bytes, deadline)
    if body is None:
        return _failed(url, f"body larger than max_body_bytes ({settings.max_body_bytes} bytes); "
                            "download stopped", started, status)
    if looks_binary(body):
        return _failed(url, f"binary body ({content_type or 'no content type'}), not a text document",
                       started, status)
    return FetchResult(
        url=url, status="ok", http_status=status, body=body, content_type=content_type or "text/html",
        encoding=response.charset_encoding,  # as declared; decode_body checks it (not needed when unchanged)
        etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
        final_url=final_url, elapsed_ms=_ms(started),
    )


def _error_status(response: httpx.Response, url: str, settings: FetchSettings, deadline: _Deadline,
                  started: float) -> FetchResult:
    """4xx/5xx: a bot challenge is final (retrying it is what gets us blocked); 429/5xx retry."""
    status = response.status_code
    message = f"HTTP {status} {response.reason_phrase}".strip()
    try:
        head = _read_capped(response, _ERROR_BODY_BYTES, deadline, truncate=True) or b""
    except (httpx.HTTPError, _TotalTimeout):
        head = b""
    blocked = detect_blocked_page(head.decode("utf-8", errors="replace")) if head else None
    if blocked:
        return _failed(url, f"{message}: {blocked}", started, status)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        failed = _failed(url, message, started, status)
        if retry_after is not None and retry_after > settings.backoff_max:
            return _with_error(failed, f"{message}; the server asks to wait {retry_after:.0f} s, more than "
                                       f"fetch.backoff_max ({settings.backoff_max:g} s): trying again at the next check")
        raise _Retryable(failed, retry_after)
    return _failed(url, message, started, status)


def _read_capped(response: httpx.Response, cap: int, deadline: _Deadline, *, truncate: bool = False) -> bytes | None:
    """The body, or None once it passes CAP bytes (the rest is never downloaded)."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > cap:
        return None
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > cap:
            return bytes(body[:cap]) if truncate else None
        if deadline.left() <= 0:
            raise _TotalTimeout()
    return bytes(body)


def looks_binary(body: bytes) -> bool:
    """True for bodies no text document has: NUL bytes or mostly control characters."""
    head = body[:4096]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 has NULs
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control / len(head) > 0.1


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    from datetime import datetime, timezone

    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def detect_encoding(body: bytes, declared: str | None) -> str:
    """The body's charset: BOM, then valid UTF-8, then the declared or <meta> charset, then a guess.

    Valid UTF-8 with non-ASCII bytes wins over a declared single-byte charset because servers
    often label UTF-8 pages ISO-8859-1, while text that is really Latin-1 almost never forms
    valid UTF-8 sequences.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(body[:4096])
    for candidate in (declared, meta.group(1).decode("ascii", "ignore") if meta else None):
        if candidate and _decodes(body, candidate) and _codec(candidate) != "utf-8":
            return _codec(candidate)
    from charset_normalizer import from_bytes

    matches = list(from_bytes(body[:200_000]))
    if not matches:
        return "cp1252"
    # On short Western texts several single-byte charsets tie; cp1252 is by far the web's most
    # common legacy charset (WHATWG's default), so it wins when it is about as plausible.
    best = min(matches, key=lambda m: m.chaos)
    western = next((m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos + 0.1), None)
    for match in (western, best):
        if match is not None and _decodes(body, match.encoding):
            return str(match.encoding)
    return "cp1252"


def _codec(name: str) -> str:
    import codecs

    return codecs.lookup(name).name


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
        return True
    except (LookupError, UnicodeDecodeError):
        return False


def _failed(url: str, error: str, started: float, http_status: int | None = None) -> FetchResult:
    return FetchResult(url=url, status="failed", http_status=http_status, error=error, elapsed_ms=_ms(started))


def _with_error(result: FetchResult, error: str) -> FetchResult:
    from monitor.model import replace

    return replace(result, error=error)  # type: ignore[no-any-return]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def decode_body(body: bytes, declared: str | None) -> str:
    """Text of a body in its detected encoding (see detect_encoding); never raises."""
    encoding = detect_encoding(body, declared)
    try:
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return body.decode("cp1252", errors="replace")
