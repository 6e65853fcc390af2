"""Time normalize() on a ~500 KB real page; prints median and spread of several runs.

Usage: /work/venv/bin/python benchmarks/bench_normalize.py [runs]
The page is a real Claude consumer-terms snapshot (from /work/shared/corpus when present,
else the trimmed test fixture) whose <main> content is repeated until the page is ~500 KB,
keeping its scripts, nonces and chrome.
"""

from __future__ import annotations

import gzip
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

from monitor.extract import parse_html  # noqa: E402
from monitor.normalize import normalize  # noqa: E402

CORPUS_PAGE = Path("/work/shared/corpus/ota-genai-contrib_claude-consumer-terms/snapshots_html/"
                   "2025-08-29T003201Z_a5e40b6579_VERSION-SOURCE.html")
FIXTURE = ROOT / "tests/fixtures/normalize/claude_2025-08-29_source.html.gz"
TARGET = 500 * 1024


def real_page() -> tuple[str, str]:
    """The full snapshot when the corpus is here, else the trimmed fixture; with its origin."""
    if CORPUS_PAGE.exists():
        return CORPUS_PAGE.read_text(), "corpus snapshot"
    return gzip.decompress(FIXTURE.read_bytes()).decode(), "trimmed fixture"


def big_page(html: str) -> str:
    """The page with its <main> content repeated until it reaches ~500 KB."""
    match = re.search(r"(<main\b[^>]*>)(.*?)(</main>)", html, re.S)
    assert match, "no <main> in the page"
    inner = match.group(2)
    copies = max(1, (TARGET - len(html)) // len(inner) + 2)
    return html[: match.start(2)] + inner * copies + html[match.end(2):]


def measure(label: str, func, runs: int) -> float:  # type: ignore[no-untyped-def]
    func()  # warm-up: imports, regex compilation
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    print(f"{label:<42} median {median:7.1f} ms  min {min(times):7.1f}  max {max(times):7.1f}  ({runs} runs)")
    return median


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    html, origin = real_page()
    page = big_page(html)
    data = page.encode()
    print(f"page: {origin}, {len(html.encode()) / 1024:.0f} KiB real -> {len(data) / 1024:.0f} KiB benchmark page")
    provisions = len(normalize(data, "text/html").provisions)
    print(f"provisions: {provisions}")
    measure("lxml parse only", lambda: parse_html(page), runs)
    measure(f"normalize(), real page ({len(html.encode()) // 1024} KiB)", lambda: normalize(html.encode(), "text/html"), runs)
    median = measure(f"normalize(), {len(data) // 1024} KiB page", lambda: normalize(data, "text/html"), runs)
    print(f"goal < 150 ms: {'met' if median < 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
