"""Politeness toward the sites we watch: robots.txt, one request at a time per host, a delay.

Thread-safe: the daemon may run checks in threads, and every thread of a process shares one
`Politeness` (see `shared`), so two sources on one host never hit it at the same time.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from monitor.config import FetchSettings

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
ROBOTS_ERROR_TTL = 600.0  # an unreachable robots.txt is asked again after 10 minutes
MAX_CRAWL_DELAY = 60.0  # a Crawl-delay above this is capped; the check interval already spaces us


def host_key(url: str) -> str:
    """scheme://host:port of a URL: the unit robots.txt and the per-host gate apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class RobotsVerdict:
    """Whether robots.txt lets us fetch a URL, and why not when it does not."""

    allowed: bool
    reason: str = ""
    crawl_delay: float | None = None


@dataclass
class _RobotsEntry:
    parser: RobotFileParser | None  # None: allow all (no robots.txt)
    error: str | None  # set when robots.txt was unreachable: disallow all (RFC 9309 2.3.1.4)
    expires: float


class Politeness:
    """Per-host gate (one request at a time, minimum delay) and a robots.txt cache."""

    def __init__(self, min_host_delay: float = 2.0, robots_ttl: float = 86400.0) -> None:
        self.min_host_delay = min_host_delay
        self.robots_ttl = robots_ttl
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_request: dict[str, float] = {}  # host -> monotonic time the last request ended
        self._crawl_delay: dict[str, float] = {}
        self._robots: dict[str, _RobotsEntry] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold the URL's host for one request, waiting out the delay since the previous one."""
        host = host_key(url)
        with self._lock:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            with self._lock:
                delay = max(self.min_host_delay, self._crawl_delay.get(host, 0.0))
                last = self._last_request.get(host)
            if last is not None:
                wait = last + delay - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                yield
            finally:
                with self._lock:
                    self._last_request[host] = time.monotonic()

    def robots(self, client: httpx.Client, url: str, user_agent: str) -> RobotsVerdict:
        """May USER_AGENT fetch URL? robots.txt is fetched once per host per TTL."""
        host = host_key(url)
        with self._lock:
            host_lock = self._robots_locks.setdefault(host, threading.Lock())
        with host_lock:  # one thread fetches a host's robots.txt; the others wait for it
            with self._lock:
                entry = self._robots.get(host)
            if entry is None or entry.expires <= time.monotonic():
                entry = self._load_robots(client, host, user_agent)
                with self._lock:
                    self._robots[host] = entry
        if entry.error is not None:
            return RobotsVerdict(False, f"robots.txt of {host} is unreachable ({entry.error}); "
                                        "not fetching until it answers (RFC 9309)")
        if entry.parser is None:
            return RobotsVerdict(True)
        delay = entry.parser.crawl_delay(user_agent)
        if delay is not None:
            with self._lock:
                self._crawl_delay[host] = min(float(delay), MAX_CRAWL_DELAY)
        if entry.parser.can_fetch(user_agent, url):
            return RobotsVerdict(True, crawl_delay=float(delay) if delay is not None else None)
        return RobotsVerdict(False, f"robots.txt of {host} disallows {urlsplit(url).path or '/'} for our "
                                    "user agent; set ignore_robots = \"<reason>\" on the source to override")

    def _load_robots(self, client: httpx.Client, host: str, user_agent: str) -> _RobotsEntry:
        """Fetch and parse HOST/robots.txt: 4xx allows all, 5xx or network errors disallow all."""
        now = time.monotonic()
        robots_url = f"{host}/robots.txt"
        try:
            with self.slot(robots_url):
                with client.stream("GET", robots_url, follow_redirects=True,
                                   headers={"User-Agent": user_agent}) as response:
                    status = response.status_code
                    body = bytearray()
                    if status < 300:
                        for chunk in response.iter_bytes():
                            body.extend(chunk)
                            if len(body) >= ROBOTS_MAX_BYTES:
                                break
        except httpx.HTTPError as exc:
            return _RobotsEntry(None, f"{type(exc).__name__}", now + min(self.robots_ttl, ROBOTS_ERROR_TTL))
        if status >= 500 or status == 429:
            return _RobotsEntry(None, f"HTTP {status}", now + min(self.robots_ttl, ROBOTS_ERROR_TTL))
        if status >= 400:
            return _RobotsEntry(None, None, now + self.robots_ttl)
        parser = RobotFileParser()
        parser.parse(bytes(body[:ROBOTS_MAX_BYTES]).decode("utf-8", errors="replace").splitlines())
        return _RobotsEntry(parser, None, now + self.robots_ttl)


_SHARED: dict[tuple[float, float], Politeness] = {}
_SHARED_LOCK = threading.Lock()


def shared(settings: FetchSettings) -> Politeness:
    """The process-wide Politeness for these settings, so every thread shares host gates."""
    key = (settings.min_host_delay, settings.robots_ttl)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Politeness(settings.min_host_delay, settings.robots_ttl)
        return _SHARED[key]
