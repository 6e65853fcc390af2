"""Wall time and CPU of one check of a ~500 KB page: unchanged (304, same bytes) and changed.

Usage: /work/venv/bin/python benchmarks/bench_check.py [runs]
The page server runs in a child process, so the CPU figures (time.process_time of this
process) are the monitor's own: fetch, hashing, normalize, diff and the SQLite writes.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

from monitor.check import check_source, sync_sources  # noqa: E402
from monitor.config import Config, FetchSettings, SourceConfig  # noqa: E402
from monitor.fetch import make_client  # noqa: E402
from monitor.politeness import Politeness  # noqa: E402
from storage.db import open_database  # noqa: E402
from tests.server import PageServer  # noqa: E402

TARGET = 500 * 1024


def legal_page(variant: int) -> bytes:
    """A ~500 KB terms page: sections of numbered clauses; VARIANT changes one clause."""
    parts = ["<html><head><title>Acme Terms of Service</title></head><body><nav>Home</nav><main>",
             "<h1>Terms of Service</h1><p>Effective Date: April 10, 2025</p>"]
    section = 0
    while sum(map(len, parts)) < TARGET:
        section += 1
        parts.append(f"<h2>{section}. Section about topic {section}</h2><ol>")
        for clause in range(12):
            extra = f" (revision {variant})" if section == 7 and clause == 3 else ""
            parts.append(f"<li>The user agrees that clause {section}.{clause} applies to every use of the "
                         f"service, including uploads, comments and messages sent to other users{extra}.</li>")
        parts.append("</ol>")
    parts.append("</main><footer>(c) Acme</footer></body></html>")
    return "".join(parts).encode()


def serve(conn) -> None:  # type: ignore[no-untyped-def]
    """Child process: the page server; sends its port, runs until killed."""
    pages = [legal_page(0), legal_page(1)]
    state = {"changed": 0}

    def answer(req: BaseHTTPRequestHandler, body: bytes, etag: str | None) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        if etag:
            req.send_header("ETag", etag)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def with_etag(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"v0"':
            req.send_response(304)
            req.send_header("ETag", '"v0"')
            req.end_headers()
            return
        answer(req, pages[0], '"v0"')

    def changing(req: BaseHTTPRequestHandler) -> None:
        state["changed"] += 1
        answer(req, pages[state["changed"] % 2], None)

    server = PageServer().start()
    server.set("/etag", handler=with_etag)
    server.set("/same", pages[0])
    server.set("/changing", handler=changing)
    conn.send(server.port)
    while True:
        time.sleep(3600)


def measure(engine, config: Config, slug: str, runs: int) -> tuple[list[float], list[float], set[str]]:  # type: ignore[no-untyped-def]
    source = config.sources_by_slug[slug]
    gate = Politeness(0)
    walls, cpus, results = [], [], set()
    with make_client(config.fetch) as client:
        check_source(engine, config, source, client=client, politeness=gate)  # first version
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            result = check_source(engine, config, source, client=client, politeness=gate)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            results.add(result.detail.split(":")[0] if result.result == "changed" else result.detail)
    return walls, cpus, results


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=serve, args=(child,), daemon=True)
    proc.start()
    port = parent.recv()
    base = f"http://127.0.0.1:{port}"
    fetch = FetchSettings(retries=0, min_host_delay=0, respect_robots=False)
    sources = [SourceConfig(slug=s, platform="Acme", document_type="Terms of Service", url=f"{base}/{s}")
               for s in ("etag", "same", "changing")]
    config = Config(fetch=fetch, source=sources)
    print(f"page: {len(legal_page(0)) / 1024:.0f} KB, {runs} checks per case, SQLite, server in a child process")
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/bench.db")
        sync_sources(engine, config)
        for slug, label, n in (("etag", "unchanged (304)", runs), ("same", "unchanged (same bytes)", runs),
                               ("changing", "changed (one clause)", max(5, runs // 3))):
            walls, cpus, results = measure(engine, config, slug, n)
            print(f"{label:<24} wall median {statistics.median(walls):7.2f} ms  "
                  f"CPU median {statistics.median(cpus):7.2f} ms  (CPU min {min(cpus):.2f}, max {max(cpus):.2f}; "
                  f"results: {', '.join(sorted(results))})")
        engine.dispose()
    proc.kill()


if __name__ == "__main__":
    main()
