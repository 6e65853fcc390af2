"""`monitor diff --since` over a large synthetic history, and import throughput of a real corpus.

Run: /work/venv/bin/python benchmarks/bench_queries.py [--keep DB_PATH]
Prints medians of several runs. The synthetic history (benchmarks/synthetic_history.py) is
500 sources x 3 years of daily checks, ~5,000 versions; the import corpus is /work/shared/corpus
(skipped when absent).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner  # noqa: E402
from sqlmodel import Session  # noqa: E402

from benchmarks.synthetic_history import generate  # noqa: E402
from monitor import output  # noqa: E402
from monitor.when import parse_when  # noqa: E402
from storage import queries  # noqa: E402
from storage.db import open_database  # noqa: E402

CORPUS = Path("/work/shared/corpus")
RUNS = 7


def _median_ms(func, runs: int = RUNS) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def bench_diff(url: str, config: Path) -> None:
    engine = open_database(url)
    now = datetime.now(UTC)
    for window in ("7d", "30d", "1y", "3y"):
        since = parse_when(window, now)

        def query_and_render(fmt: str) -> int:
            with Session(engine) as session:
                records = queries.change_sets(session, since=since)
            if fmt == "json":
                text = output.dump_json(output.diff_json(records, since=since, until=None, filters={},
                                                         substantive_only=False))
            else:
                text = output.render_diff_text(records)
            return len(records) + 0 * len(text)

        for fmt in ("text", "json"):
            ms, n = _median_ms(lambda: query_and_render(fmt))
            print(f"diff --since {window:>3} --format {fmt:<4}: {n:>5} change sets, query+render median {ms:7.1f} ms")
    runner = CliRunner()
    for window in ("7d", "30d"):
        ms, result = _median_ms(lambda: runner.invoke(
            __import__("monitor.cli", fromlist=["main"]).main,
            ["--config", str(config), "--database-url", url, "diff", "--since", window]), runs=5)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        print(f"whole CLI `monitor diff --since {window}` in-process (config, open DB + migration check): "
              f"median {ms:.1f} ms")
    engine.dispose()


def bench_import(tmp: Path) -> None:
    sets = [
        ("anthropic/consumer-terms", "Terms of Service",
         sorted((CORPUS / "ota-genai-contrib_claude-consumer-terms" / "snapshots_html").glob("*.html"))),
        ("hugging-face/terms-of-service", "Terms of Service",
         sorted((CORPUS / "ota-contrib-versions_hugging-face" / "terms-of-service").glob("*.md"))),
        ("hugging-face/privacy-policy", "Privacy Policy",
         sorted((CORPUS / "ota-contrib-versions_hugging-face" / "privacy-policy").glob("*.md"))),
    ]
    if not all(files for _, _, files in sets):
        print(f"import throughput: skipped ({CORPUS} is absent)")
        return
    from tests.conftest import write_config

    from monitor.config import load_config
    from monitor.importer import import_files

    config_path = write_config(tmp, [{"slug": slug, "platform": slug.split("/")[0], "document_type": doc_type,
                                      "url": f"https://example.invalid/{slug}"} for slug, doc_type, _ in sets])
    config = load_config(config_path)
    for slug, _, files in sets:
        rates = []
        for run in range(3):
            name = slug.replace("/", "_")
            engine = open_database(f"sqlite:///{tmp / f'import-{name}-{run}.db'}")
            began = time.perf_counter()
            report = import_files(engine, config, slug, files)
            rates.append(len(files) / (time.perf_counter() - began))
            engine.dispose()
        counts = report.counts()
        size = sum(f.stat().st_size for f in files) / len(files) / 1024
        print(f"import {slug}: {len(files)} snapshots (avg {size:.0f} KiB; {counts}), "
              f"median {statistics.median(rates):.1f} snapshots/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the synthetic database at this path.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        db = args.keep or tmp / "history.db"
        url = f"sqlite:///{db}"
        if not db.exists():
            began = time.perf_counter()
            counts = generate(open_database(url))
            print(f"synthetic history {counts} written in {time.perf_counter() - began:.1f} s")
        config = tmp / "config.toml"
        config.write_text('[monitor]\ndata_dir = "data"\n')
        bench_diff(url, config)
        bench_import(tmp)


if __name__ == "__main__":
    main()
