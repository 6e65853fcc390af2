"""`monitor diff`, `history`, `show`, `timeline`, `sources` on databases filled by `monitor import`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.output import validate_output
from tests.history_fixtures import GITHUB_TOS, cli, filled, ok, ok_json

GH = "github/terms-of-service"


@pytest.fixture(scope="module")
def gh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """GitHub ToS 2020-2026 and the Claude HTML pair, imported once into SQLite for this module."""
    tmp = tmp_path_factory.mktemp("gh")
    url = f"sqlite:///{tmp / 'monitor.db'}"
    return filled(tmp, url, ("github", "claude")), url


def test_diff_json_lists_change_sets_with_verdicts(db_url: str, tmp_path: Path) -> None:
    config = filled(tmp_path, db_url)
    data = ok_json(config, db_url, "diff", "--since", "2020-01-01", "--source", GH)
    validate_output("diff", data)
    sets = data["change_sets"]
    # 6 files: the first is version 1, the last differs only in whitespace (no version).
    assert [(c["old_version"], c["new_version"]) for c in sets] == [(1, 2), (2, 3), (3, 4), (4, 5)]
    first = sets[0]
    assert first["detected_at"].startswith("2020-11-16")
    assert "short_notice" in first["verdicts"]
    assert first["change_set"]["new_effective_date"] == "2020-11-16"
    assert first["change_set"]["old_effective_date"] == "2020-04-02"
    assert any("material changes" in (c["new_text"] or "") for c in first["change_set"]["changes"])
    assert all("silent_change" in c["verdicts"] for c in sets[1:])
    assert sets[0]["source"] == {"slug": GH, "platform": "GitHub", "document_type": "Terms of Service",
                                 "url": "https://docs.github.com/en/site-policy/github-terms/github-terms-of-service"}


def test_diff_window_and_filters(gh: tuple[Path, str]) -> None:
    config, url = gh
    window = ok_json(config, url, "diff", "--since", "2021-01-01", "--until", "2025-06-01")
    assert [c["new_version"] for c in window["change_sets"]] == [3, 4]
    assert window["since"] == "2021-01-01T00:00:00+00:00" and window["until"] == "2025-06-01T00:00:00+00:00"
    by_platform = ok_json(config, url, "diff", "--since", "2020-01-01", "--platform", "anthropic")
    assert {c["source"]["slug"] for c in by_platform["change_sets"]} == {"anthropic/consumer-terms"}
    by_type = ok_json(config, url, "diff", "--since", "2020-01-01", "--type", "terms of service")
    assert len(by_type["change_sets"]) == 5
    assert ok_json(config, url, "diff", "--since", "2020-01-01", "--type", "Privacy Policy")["change_sets"] == []


def test_diff_substantive_only_drops_cosmetic_changes(gh: tuple[Path, str]) -> None:
    config, url = gh
    every = ok_json(config, url, "diff", "--since", "2020-01-01", "--source", GH)
    only = ok_json(config, url, "diff", "--since", "2020-01-01", "--source", GH, "--substantive-only")
    validate_output("diff", only)
    v4_all = next(c for c in every["change_sets"] if c["new_version"] == 4)
    v4 = next(c for c in only["change_sets"] if c["new_version"] == 4)
    assert v4_all["cosmetic_count"] >= 1
    assert any(not ch["substantive"] for ch in v4_all["change_set"]["changes"])
    assert all(ch["substantive"] for ch in v4["change_set"]["changes"])
    assert len(v4["change_set"]["changes"]) == v4["substantive_count"]


def test_diff_text_and_markdown(gh: tuple[Path, str]) -> None:
    config, url = gh
    text = ok(config, url, "diff", "--since", "2020-11-01", "--until", "2020-12-01")
    assert "== github/terms-of-service (GitHub, Terms of Service) v1 -> v2" in text
    assert "! short_notice (possible)" in text
    assert "Effective date: [-April 2-]{+November 16+}, 2020" in text
    markdown = ok(config, url, "diff", "--since", "2020-11-01", "--until", "2020-12-01", "--format", "markdown")
    assert markdown.startswith("## github/terms-of-service: Terms of Service (v1 -> v2)")
    assert "~~April 2~~" in markdown and "**November 16**" in markdown
    assert "- **short\\_notice** (possible)" in markdown
    empty = ok(config, url, "diff", "--since", "2019-01-01", "--until", "2019-02-01")
    assert empty.strip() == "No change sets in this window."


def test_diff_relative_since_and_bad_dates(gh: tuple[Path, str]) -> None:
    config, url = gh
    # The fixtures are years old: nothing in the last week, the Claude change within ten years.
    assert ok_json(config, url, "diff", "--since", "7d")["change_sets"] == []
    assert len(ok_json(config, url, "diff", "--since", "520w")["change_sets"]) == 5
    bad = cli(config, url, "diff", "--since", "last tuesday")
    assert bad.exit_code == 2 and "'last tuesday' is not a date" in bad.output
    backwards = cli(config, url, "diff", "--since", "2025-01-01", "--until", "2024-01-01")
    assert backwards.exit_code == 2 and "--until must be after --since" in backwards.output
    unknown = cli(config, url, "diff", "--since", "7d", "--source", "github/terms-of-servce")
    assert unknown.exit_code == 2 and "did you mean github/terms-of-service?" in unknown.output


def test_history_lists_versions_with_effective_dates(db_url: str, tmp_path: Path) -> None:
    config = filled(tmp_path, db_url)
    data = ok_json(config, db_url, "history", GH)
    validate_output("history", data)
    versions = data["versions"]
    assert [v["seq"] for v in versions] == [1, 2, 3, 4, 5]
    assert [v["detected_at"][:10] for v in versions] == [p.name[:10] for p in GITHUB_TOS[:5]]
    assert [v["effective_date"] for v in versions] == ["2020-04-02"] + ["2020-11-16"] * 4
    assert versions[0]["change_set_id"] is None and versions[0]["verdicts"] == []
    assert versions[1]["substantive_count"] > 0 and "short_notice" in versions[1]["verdicts"]
    text = ok(config, db_url, "history", GH)
    lines = text.splitlines()
    assert lines[0] == "github/terms-of-service: GitHub, Terms of Service"
    assert lines[2].split()[:4] == ["1", "2020-10-01", "00:00", "UTC"] and "first version" in lines[2]
    assert "2020-11-16" in lines[3] and "short_notice" in lines[3]


def test_show_at_a_date_returns_the_text_as_it_was(db_url: str, tmp_path: Path) -> None:
    config = filled(tmp_path, db_url)
    old = ok(config, db_url, "show", GH, "--at", "2020-11-01")
    new = ok(config, db_url, "show", GH, "--at", "2020-11-16T00:00:00Z")
    assert old.startswith(f"{GH} version 1, detected 2020-10-01")
    assert "Effective date: April 2, 2020" in old and "November 16, 2020" not in old
    assert "Effective date: November 16, 2020" in new
    latest = ok_json(config, db_url, "show", GH)
    validate_output("show", latest)
    assert latest["version"]["seq"] == 5 and latest["at"] is None
    one = ok_json(config, db_url, "show", GH, "--at", "2020-10-02", "--provision", "the-github-terms-of-service/1")
    validate_output("show", one)
    assert [p["text"] for p in one["provisions"]] == ["Effective date: April 2, 2020"]


def test_show_errors(gh: tuple[Path, str]) -> None:
    config, url = gh
    before = cli(config, url, "show", GH, "--at", "2019-01-01")
    assert before.exit_code == 2
    assert "had no version at 2019-01-01T00:00:00+00:00; the first was detected 2020-10-01" in before.output
    typo = cli(config, url, "show", GH, "--provision", "the-github-terms-of-service/l")
    assert typo.exit_code == 2 and "close ids: the-github-terms-of-service/1" in typo.output
    provision = ok(config, url, "show", GH, "--provision", "the-github-terms-of-service/1", "--format", "markdown")
    assert "> Effective date: November 16, 2020" in provision


def test_timeline_orders_by_date(db_url: str, tmp_path: Path) -> None:
    config = filled(tmp_path, db_url)
    data = ok_json(config, db_url, "timeline", "--today", "2020-12-01", "--days", "30")
    validate_output("timeline", data)
    entries = data["entries"]
    assert [e["takes_effect_on"] for e in entries] == sorted(e["takes_effect_on"] for e in entries)
    assert [(e["new_version"], e["status"]) for e in entries] == [(2, "in_effect"), (3, "upcoming")]
    assert entries[0]["days_from_today"] == (date(2020, 11, 16) - date(2020, 12, 1)).days
    text = ok(config, db_url, "timeline", "--today", "2020-12-01", "--days", "30")
    assert text.index("15 d ago") < text.index("in 15 d")
    assert "Nothing takes effect" in ok(config, db_url, "timeline", "--today", "2030-01-01", "--days", "5")


def test_timeline_shows_the_claude_change_ahead(gh: tuple[Path, str]) -> None:
    config, url = gh
    data = ok_json(config, url, "timeline", "--today", "2025-09-01", "--days", "60")
    claude = [e for e in data["entries"] if e["source"]["slug"] == "anthropic/consumer-terms"]
    assert len(claude) == 1 and claude[0]["status"] == "upcoming"
    assert claude[0]["takes_effect_on"] >= "2025-09-28" and "upcoming" in claude[0]["verdicts"]


def test_sources_status(tmp_path: Path, sqlite_url: str) -> None:
    config = filled(tmp_path, sqlite_url)
    data = ok_json(config, sqlite_url, "sources")
    validate_output("sources", data)
    by_slug = {s["slug"]: s for s in data["sources"]}
    assert by_slug[GH]["status"] == "ok" and by_slug[GH]["consecutive_failures"] == 0
    assert by_slug[GH]["last_checked_at"].startswith("2026-01-27")  # the whitespace-only last file
    assert by_slug[GH]["last_change_at"].startswith("2025-09-29")
    assert by_slug["hugging-face/terms-of-service"]["status"] == "never checked"
    text = ok(config, sqlite_url, "sources")
    assert text.splitlines()[0].split() == ["source", "status", "last", "check", "last", "change", "failures",
                                            "next", "due"]
    markdown = ok(config, sqlite_url, "sources", "--format", "markdown")
    assert "| github/terms-of-service | ok |" in markdown


def test_history_of_unknown_or_unimported_source(gh: tuple[Path, str]) -> None:
    config, url = gh
    # Configured and synced by the import, but never checked: an empty history, said in words.
    never = ok(config, url, "history", "hugging-face/terms-of-service")
    assert "No versions yet: run `monitor check` or `monitor import`." in never
    unknown = cli(config, url, "history", "nope/nope")
    assert unknown.exit_code == 2 and "unknown source nope/nope" in unknown.output


def test_untrusted_text_is_neutralized_in_text_output() -> None:
    from monitor.output import md, neutralize

    assert neutralize("a\x1b[31mred\x07\u202eb") == "a[31mredb"
    assert neutralize("x" * 2000).endswith("[500 more characters; --format json has them all]")
    assert md("[click](javascript:x) <script>") == "\\[click\\](javascript:x) \\<script\\>"
