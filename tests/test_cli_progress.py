"""Progress reporting of long operations: `check_many` calls back per source; quiet off a TTY."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from monitor.check import check_many
from monitor.cli import main
from monitor.config import load_config
from storage.db import open_database
from tests.conftest import write_config
from tests.server import PageServer


def test_check_many_reports_progress_per_source(tmp_path: Path, page_server: PageServer, sqlite_url: str) -> None:
    sources = [{"slug": f"acme/doc-{i}", "platform": "Acme", "document_type": "Terms of Service",
                "url": page_server.set(f"/doc-{i}", f"<h1>Terms {i}</h1><p>Clause {i} applies.</p>")}
               for i in range(3)]
    config = load_config(write_config(tmp_path, sources))
    engine = open_database(sqlite_url)
    calls: list[tuple[int, int, str]] = []
    results = check_many(engine, config, progress=lambda done, total, label: calls.append((done, total, label)))
    engine.dispose()
    assert [r.result for r in results] == ["new"] * 3
    assert calls == [(1, 3, "acme/doc-0"), (2, 3, "acme/doc-1"), (3, 3, "acme/doc-2")]


def test_check_output_has_no_bar_when_not_a_tty(tmp_path: Path, page_server: PageServer, sqlite_url: str) -> None:
    url = page_server.set("/t", "<h1>Terms</h1><p>Clause applies.</p>")
    config = write_config(tmp_path, [{"slug": "acme/t", "platform": "Acme", "document_type": "Terms of Service",
                                      "url": url}])
    result = CliRunner().invoke(main, ["--config", str(config), "--database-url", sqlite_url, "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "acme/t: new (version 1, 2 provisions)\n"
    assert result.stderr == "1 checked, 0 failed\n"
