"""`monitor import`: saved files, an Open Terms Archive git repository, OTA declarations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from monitor.config import load_config
from monitor.importer import content_type_for, time_from_name
from storage.db import open_database
from storage.models import ChangeSetRow, FetchAttempt, Snapshot, Version
from tests.conftest import write_config
from tests.history_fixtures import CLAUDE_HTML, GITHUB_TOS, HF_TOS, SOURCES, cli, ok, ok_json

GH = "github/terms-of-service"
HF = "hugging-face/terms-of-service"
CLAUDE = "anthropic/consumer-terms"


def _counts(db_url: str) -> dict[str, int]:
    engine = open_database(db_url)
    with Session(engine) as session:
        counts = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Version, ChangeSetRow, FetchAttempt, Snapshot)}
    engine.dispose()
    return counts


@pytest.mark.parametrize(("name", "expected"), [
    ("2025-08-29T003201Z_d8d25b3cb0.md", datetime(2025, 8, 29, 0, 32, 1, tzinfo=UTC)),
    ("2025-08-29T003201Z_a5e40b6579_VERSION-SOURCE.html", datetime(2025, 8, 29, 0, 32, 1, tzinfo=UTC)),
    ("2020-11-16_91056f40.md", datetime(2020, 11, 16, tzinfo=UTC)),
    ("2020-11-16.html", datetime(2020, 11, 16, tzinfo=UTC)),
    ("terms.html", None),
    ("2020-13-45_x.md", None),
    ("20201116_x.md", None),
])
def test_time_from_name(name: str, expected: datetime | None) -> None:
    assert time_from_name(name) == expected


def test_content_type_from_extension() -> None:
    assert content_type_for("a/b.HTML") == "text/html"
    assert content_type_for("x.md") == "text/markdown"
    assert content_type_for("x.txt") == "text/plain"


def test_import_twice_changes_nothing(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    # Given out of order: the import sorts by the time in the names.
    first = cli(config, db_url, "import", GH, *map(str, reversed(GITHUB_TOS)))
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0].startswith("2020-10-01T00:00:00+00:00 github/terms-of-service: new")
    assert "6 snapshot(s) imported: 1 new, 4 changed, 1 unchanged, 0 failed, 0 skipped" in first.stderr
    after_first = _counts(db_url)
    assert after_first["Version"] == 5 and after_first["ChangeSetRow"] == 4 and after_first["FetchAttempt"] == 6
    second = cli(config, db_url, "import", GH, *map(str, GITHUB_TOS))
    assert second.exit_code == 0, second.output
    assert "0 new, 0 changed, 0 unchanged, 0 failed, 6 skipped" in second.stderr
    assert _counts(db_url) == after_first
    verbose = cli(config, db_url, "import", GH, "--verbose", str(GITHUB_TOS[0]))
    assert "skipped (already imported)" in verbose.stdout


def test_import_computes_verdicts_as_if_observed_then(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    result = cli(config, sqlite_url, "import", CLAUDE, *map(str, CLAUDE_HTML))
    assert result.exit_code == 0, result.output
    engine = open_database(sqlite_url)
    with Session(engine) as session:
        v2 = session.exec(select(Version).where(Version.seq == 2)).one()
        change_set = session.exec(select(ChangeSetRow)).one()
        attempts = session.exec(select(FetchAttempt).order_by(FetchAttempt.id)).all()
    engine.dispose()
    # detected at the second file's fetch time; the posting window opens at the first one's
    assert v2.detected_at.replace(tzinfo=UTC) == datetime(2025, 8, 29, 0, 32, 1, tzinfo=UTC)
    assert v2.prev_checked_at.replace(tzinfo=UTC) == datetime(2025, 8, 28, 12, 32, tzinfo=UTC)
    assert change_set.payload["prev_checked_at"] == "2025-08-28T12:32:00+00:00"
    assert change_set.payload["new_effective_date"] == "2025-09-28"
    assert "upcoming" in change_set.verdicts  # judged as of the detection, not today
    assert {a.worker for a in attempts} == {"import"}


def test_older_snapshot_than_last_check_is_skipped(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    ok(config, sqlite_url, "import", GH, str(GITHUB_TOS[1]))
    late = cli(config, sqlite_url, "import", GH, str(GITHUB_TOS[0]))
    assert late.exit_code == 0
    assert "skipped (older than the source's last check (2020-11-16T00:00:00+00:00)" in late.stdout
    assert _counts(sqlite_url)["Version"] == 1


def test_fetched_at_and_mtime(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    plain = tmp_path / "terms.md"
    shutil.copy(GITHUB_TOS[0], plain)
    os.utime(plain, (1_600_000_000, 1_600_000_000))  # 2020-09-13T12:26:40Z
    ok(config, sqlite_url, "import", GH, str(plain))
    other = tmp_path / "later.md"
    shutil.copy(GITHUB_TOS[1], other)
    ok(config, sqlite_url, "import", GH, str(other), "--fetched-at", "2020-12-01T10:00Z")
    versions = ok_json(config, sqlite_url, "history", GH)["versions"]
    assert [v["detected_at"] for v in versions] == ["2020-09-13T12:26:40+00:00", "2020-12-01T10:00:00+00:00"]
    many = cli(config, sqlite_url, "import", GH, str(plain), str(other), "--fetched-at", "2021-01-01")
    assert many.exit_code == 2 and "--fetched-at applies to a single file" in many.output


def test_import_errors_are_clear_and_store_nothing(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    unknown = cli(config, sqlite_url, "import", "acme/terms", str(GITHUB_TOS[0]))
    assert unknown.exit_code == 2
    assert "unknown source acme/terms; add a [[source]] with this slug" in unknown.output
    missing = cli(config, sqlite_url, "import", GH, str(tmp_path / "nope.md"))
    assert missing.exit_code == 2 and "nope.md: no such file" in missing.output
    folder = cli(config, sqlite_url, "import", GH, str(tmp_path))
    assert folder.exit_code == 2 and "is a directory" in folder.output
    neither = cli(config, sqlite_url, "import")
    assert neither.exit_code == 2 and "give SLUG PATH..." in neither.output
    assert _counts(sqlite_url)["Version"] == 0


def test_unextractable_page_is_a_failed_check_not_a_version(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    empty = tmp_path / "2025-01-01_empty.html"
    empty.write_text("<html><body></body></html>")
    result = cli(config, sqlite_url, "import", GH, str(empty))
    assert "github/terms-of-service: failed (extraction failed" in result.stdout
    assert _counts(sqlite_url)["Version"] == 0
    assert ok_json(config, sqlite_url, "sources")["sources"][1]["consecutive_failures"] == 1


# --- Open Terms Archive git repository ---------------------------------------------------------

def _git(repo: Path, *args: str, when: datetime | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "OTA", "GIT_AUTHOR_EMAIL": "bot@example.invalid",
           "GIT_COMMITTER_NAME": "OTA", "GIT_COMMITTER_EMAIL": "bot@example.invalid"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def ota_repo(tmp_path: Path) -> Path:
    """A snapshots/versions-style repo: one commit per fixture file, commit time = its fetch time."""
    repo = tmp_path / "ota"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    commits = [(time_from_name(p.name), "Hugging Face/Terms of Service.md", p) for p in HF_TOS]
    commits += [(time_from_name(p.name), "Anthropic/Consumer Terms.html", p) for p in CLAUDE_HTML]
    (repo / "README.md").write_text("snapshots\n")
    (repo / "Other/Privacy Policy.html").parent.mkdir()
    (repo / "Other/Privacy Policy.html").write_text("<p>not watched</p>")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "start", when=datetime(2025, 1, 1, tzinfo=UTC))
    for when, path, source in sorted(commits, key=lambda c: c[0]):
        (repo / path).parent.mkdir(exist_ok=True)
        shutil.copy(source, repo / path)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"Record new changes of {path}", when=when)
    return repo


def test_ota_repository_import(tmp_path: Path, db_url: str, ota_repo: Path) -> None:
    config = write_config(tmp_path, SOURCES)
    args = ("import", "--ota-snapshots", str(ota_repo), "--source", f"{CLAUDE}=Anthropic/Consumer Terms.html")
    first = cli(config, db_url, *args)
    assert first.exit_code == 0, first.output
    assert "6 snapshot(s) imported" in first.stderr
    assert "1 file(s) map to no configured source (use --source SLUG=PATH): Other/Privacy Policy.html" in first.stderr
    hf = ok_json(config, db_url, "history", HF)["versions"]
    # HF: anchors-only and list-marker-only commits make no version; commit times are the detection times.
    assert [v["detected_at"] for v in hf] == ["2025-03-18T18:08:10+00:00", "2025-06-24T18:07:11+00:00"]
    assert "silent_change" in hf[1]["verdicts"]
    assert hf[1]["prev_checked_at"] == "2025-03-21T18:08:09+00:00"
    claude = ok_json(config, db_url, "history", CLAUDE)["versions"]
    assert [v["effective_date"] for v in claude][-1] == "2025-09-28"
    before = _counts(db_url)
    second = cli(config, db_url, *args)
    assert second.exit_code == 0 and "0 new, 0 changed, 0 unchanged, 0 failed, 6 skipped" in second.stderr
    assert _counts(db_url) == before


def test_ota_repository_errors(tmp_path: Path, sqlite_url: str, ota_repo: Path) -> None:
    config = write_config(tmp_path, SOURCES[:1])
    nothing = cli(config, sqlite_url, "import", "--ota-snapshots", str(ota_repo))
    assert nothing.exit_code == 2 and "no file maps to a configured source" in nothing.output
    wrong = cli(config, sqlite_url, "import", "--ota-snapshots", str(ota_repo), "--source", f"{GH}=Nope/Terms.md")
    assert wrong.exit_code == 2 and "does not hold: Nope/Terms.md" in wrong.output
    plain = tmp_path / "plain"
    plain.mkdir()
    not_git = cli(config, sqlite_url, "import", "--ota-snapshots", str(plain))
    assert not_git.exit_code == 2 and "is not a git repository" in not_git.output
    bad_pair = cli(config, sqlite_url, "import", "--ota-snapshots", str(ota_repo), "--source", "github")
    assert bad_pair.exit_code == 2 and "is not SLUG=PATH" in bad_pair.output


# --- Open Terms Archive declarations -----------------------------------------------------------

DECLARATION = {
    "name": "Hugging Face",
    "documents": {
        "Terms of Service": {"fetch": "https://huggingface.co/terms-of-service",
                             "select": [".prose", "main"], "remove": "nav"},
        "Privacy Policy": {"fetch": "https://huggingface.co/privacy",
                           "select": [{"startBefore": "#a", "endBefore": "#b"}, "article"],
                           "executeClientScripts": True},
        "Content Policy": {"fetch": "ftp://huggingface.co/content"},
    },
}


def test_declaration_prints_source_tables(tmp_path: Path) -> None:
    path = tmp_path / "Hugging Face.json"
    path.write_text(json.dumps(DECLARATION))
    result = cli(tmp_path / "absent.toml", "sqlite://", "import", "--ota-declaration", str(path))
    assert result.exit_code == 0, result.output
    assert '[[source]]\nslug = "hugging-face/terms-of-service"\nplatform = "Hugging Face"\n' in result.stdout
    assert 'select = [".prose", "main"]\nremove = ["nav"]' in result.stdout
    assert "# note: 1 range select selector(s) dropped" in result.stdout
    assert 'fetcher = "browser"' in result.stdout
    assert "skipped hugging-face/content-policy: 'ftp://huggingface.co/content' is not an http(s) URL" in result.stderr
    # What was printed is a valid config.
    config = tmp_path / "printed.toml"
    config.write_text(result.stdout)
    assert [s.slug for s in load_config(config).source] == ["hugging-face/terms-of-service",
                                                           "hugging-face/privacy-policy"]


def test_declaration_write_appends_new_sources_only(tmp_path: Path) -> None:
    config = write_config(tmp_path, SOURCES)
    before = config.read_text()
    path = tmp_path / "hf.json"
    path.write_text(json.dumps(DECLARATION))
    result = cli(config, "sqlite://", "import", "--ota-declaration", str(path), "--write", str(config))
    assert result.exit_code == 0, result.output
    assert "skipped hugging-face/terms-of-service: already in" in result.stderr
    assert "added 1 source(s)" in result.stderr
    text = config.read_text()
    assert text.startswith(before.rstrip("\n")) and text.count("[[source]]") == 4
    assert "hugging-face/privacy-policy" in load_config(config).sources_by_slug
    again = cli(config, "sqlite://", "import", "--ota-declaration", str(path), "--write", str(config))
    assert "nothing to add" in again.stderr and config.read_text() == text


def test_declaration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = cli(tmp_path / "c.toml", "sqlite://", "import", "--ota-declaration", str(bad))
    assert result.exit_code == 2 and "not a readable JSON declaration" in result.output
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"name": "X", "documents": []}))
    result = cli(tmp_path / "c.toml", "sqlite://", "import", "--ota-declaration", str(other))
    assert result.exit_code == 2 and "not an Open Terms Archive declaration" in result.output


# --- progress ----------------------------------------------------------------------------------

def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli.progress import progress_bar

    with progress_bar("importing") as quiet:
        quiet(1, 2, "a.html")
    assert capsys.readouterr().err == ""
    with progress_bar("importing", force=True) as shown:
        shown(1, 2, "[bold]a.html")
    # rich writes to the (captured) stderr; a transient bar leaves little, but never raises on markup
    capsys.readouterr()


def test_import_is_quiet_when_not_a_tty(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    result = cli(config, sqlite_url, "import", GH, str(GITHUB_TOS[0]))
    assert "━" not in result.stderr and "\x1b" not in result.stderr


CORPUS = Path("/work/shared/corpus/ota-genai-contrib_claude-consumer-terms/snapshots_html")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the development corpus (/work/shared/corpus) is absent")
def test_full_claude_snapshot_history_from_the_corpus(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, SOURCES)
    ok(config, sqlite_url, "import", CLAUDE, *map(str, sorted(CORPUS.glob("*.html"))))
    versions = ok_json(config, sqlite_url, "history", CLAUDE)["versions"]
    assert [v["effective_date"] for v in versions][-2:] == ["2025-09-28", "2025-10-08"]
    assert "postponed" in versions[-1]["verdicts"]
