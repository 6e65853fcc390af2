"""Notice verdicts on synthetic documents and on real histories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.model import Document, Provision, replace
from monitor.verdicts import build_change_set
from tests.test_diff_fixtures import load


def doc(*texts: str, effective: date | None = None, updated: date | None = None,
        notice: int | None = None) -> Document:
    provisions = tuple(Provision(id=f"s/{k}", kind="paragraph", text=t) for k, t in enumerate(texts))
    return Document(title="T", provisions=provisions, effective_date=effective,
                    last_updated_date=updated, notice_days=notice)


def names(cs) -> dict[str, str]:
    return {v.name: v.certainty for v in cs.verdicts}


PREV = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SEEN = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def test_notice_days_source_prefers_document_then_config_then_default():
    old, new = doc("a"), doc("b")
    assert build_change_set(old, replace(new, notice_days=30), detected_at=SEEN, prev_checked_at=PREV,
                            config_notice_days=14).notice_days_source == "document"
    cs = build_change_set(old, new, detected_at=SEEN, prev_checked_at=PREV, config_notice_days=14)
    assert (cs.notice_days, cs.notice_days_source) == (14, "config")
    cs = build_change_set(old, new, detected_at=SEEN, prev_checked_at=PREV)
    assert (cs.notice_days, cs.notice_days_source) == (10, "default")


def test_identical_documents_give_no_changes_and_no_verdicts():
    d = doc("same", effective=date(2030, 1, 1))
    cs = build_change_set(d, d, detected_at=SEEN, prev_checked_at=PREV)
    assert cs.changes == () and cs.verdicts == ()


def test_short_notice_is_certain_when_earlier_than_previous_check_plus_window():
    stated = PREV.date() + timedelta(days=5)
    cs = build_change_set(doc("old", effective=date(2024, 1, 1)), doc("new", effective=stated),
                          detected_at=SEEN, prev_checked_at=PREV, now=SEEN)
    (short,) = [v for v in cs.verdicts if v.name == "short_notice"]
    assert short.certainty == "certain"
    assert short.facts["notice_days"] == 10 and short.facts["stated_effective_date"] == stated.isoformat()
    assert "the policy promises 10" in short.message
    # It cannot take effect before posting + window: the earliest possible posting day is used.
    assert cs.takes_effect_on == PREV.date() + timedelta(days=10)


def test_short_notice_is_possible_when_only_a_late_posting_would_make_it_short():
    stated = PREV.date() + timedelta(days=11)  # fine if posted on PREV's day, short if on SEEN's
    cs = build_change_set(doc("old", effective=date(2024, 1, 1)), doc("new", effective=stated),
                          detected_at=SEEN, prev_checked_at=PREV)
    assert names(cs)["short_notice"] == "possible"
    assert cs.takes_effect_on == stated


def test_enough_notice_gives_no_short_notice_and_upcoming():
    stated = SEEN.date() + timedelta(days=30)
    cs = build_change_set(doc("old", effective=date(2024, 1, 1)), doc("new", effective=stated),
                          detected_at=SEEN, prev_checked_at=PREV)
    assert "short_notice" not in names(cs) and "upcoming" in names(cs)
    upcoming = next(v for v in cs.verdicts if v.name == "upcoming")
    assert upcoming.facts["days_until"] == 30


def test_retroactive_when_effective_before_the_text_could_be_seen():
    stated = PREV.date() - timedelta(days=3)
    cs = build_change_set(doc("old", effective=date(2024, 1, 1)), doc("new", effective=stated),
                          detected_at=SEEN, prev_checked_at=PREV)
    assert "retroactive" in names(cs) and names(cs)["short_notice"] == "certain"


def test_silent_change_needs_substance_and_unchanged_dates():
    old = doc("You may cancel at any time.", effective=date(2022, 9, 15))
    changed = doc("You may not cancel.", effective=date(2022, 9, 15))
    cosmetic = doc("you may cancel at any time", effective=date(2022, 9, 15))
    redated = doc("You may not cancel.", effective=date(2022, 9, 15), updated=date(2025, 3, 2))
    kw = dict(detected_at=SEEN, prev_checked_at=PREV)
    assert "silent_change" in names(build_change_set(old, changed, **kw))
    cosmetic_cs = build_change_set(old, cosmetic, **kw)
    assert cosmetic_cs.changes and "silent_change" not in names(cosmetic_cs)
    assert "silent_change" not in names(build_change_set(old, redated, **kw))


def test_without_previous_check_detection_bounds_posting():
    cs = build_change_set(doc("a"), doc("b"), detected_at=SEEN, prev_checked_at=None)
    assert cs.takes_effect_on == SEEN.date() + timedelta(days=10)


# ---------------------------------------------------------------- real histories

CLAUDE_PREV = datetime(2025, 8, 28, 12, 32, 0, tzinfo=UTC)
CLAUDE_SEEN = datetime(2025, 8, 29, 0, 32, 1, tzinfo=UTC)


def test_claude_terms_posted_with_about_30_days_notice():
    old = load("claude-consumer-terms/2025-08-01T003205Z_8f977d4aa5.md")
    new = load("claude-consumer-terms/2025-08-29T003201Z_d8d25b3cb0.md")
    cs = build_change_set(replace(old, notice_days=None), replace(new, notice_days=None),
                          detected_at=CLAUDE_SEEN, prev_checked_at=CLAUDE_PREV, config_notice_days=30)
    assert cs.takes_effect_on == date(2025, 9, 28)
    assert "short_notice" not in names(cs) and "upcoming" in names(cs)
    short = build_change_set(replace(old, notice_days=None), replace(new, notice_days=None),
                             detected_at=CLAUDE_SEEN, prev_checked_at=CLAUDE_PREV, config_notice_days=45)
    (verdict,) = [v for v in short.verdicts if v.name == "short_notice"]
    assert verdict.certainty == "certain" and verdict.facts["notice_given_days_max"] in (30, 31)
    assert "promises 45" in verdict.message
    assert short.takes_effect_on > date(2025, 9, 28)


def test_claude_terms_postponed_to_october_8():
    old = load("claude-consumer-terms/2025-08-29T003201Z_d8d25b3cb0.md")
    new = load("claude-consumer-terms/2025-09-27T003203Z_e6ccdf52ec.md")
    cs = build_change_set(old, new, detected_at=datetime(2025, 9, 27, 0, 32, 3, tzinfo=UTC),
                          prev_checked_at=datetime(2025, 9, 26, 12, 32, 2, tzinfo=UTC))
    assert cs.takes_effect_on == date(2025, 10, 8)
    assert "postponed" in names(cs) and "upcoming" in names(cs)
    assert "short_notice" not in names(cs) and "silent_change" not in names(cs)


def test_github_2020_rewrite_has_new_date_and_no_silent_change():
    old, new = load("github-tos/2020-10-01_b059da29.md"), load("github-tos/2020-11-16_91056f40.md")
    # Commit dates: the previous version was the one served up to the rewrite's day.
    cs = build_change_set(old, new, detected_at=datetime(2020, 11, 16, 18, 0, tzinfo=UTC),
                          prev_checked_at=datetime(2020, 11, 16, 6, 0, tzinfo=UTC))
    assert cs.new_effective_date != cs.old_effective_date
    assert "silent_change" not in names(cs)
    assert "takes_effect" in names(cs)
    # Commit dates: effective the day it was posted, though the terms promise 30 days.
    assert cs.notice_days == 30 and names(cs)["short_notice"] == "certain"
    assert cs.takes_effect_on == date(2020, 12, 16)


def test_github_2025_new_section_is_a_silent_change():
    old, new = load("github-tos/2025-03-24_1f3daffd.md"), load("github-tos/2025-09-29_68e3dbe6.md")
    cs = build_change_set(old, new, detected_at=datetime(2025, 9, 29, 12, tzinfo=UTC),
                          prev_checked_at=datetime(2025, 9, 28, 12, tzinfo=UTC))
    assert names(cs)["silent_change"] == "certain"


def test_github_2026_whitespace_version_is_not_a_silent_change():
    old, new = load("github-tos/2025-09-29_68e3dbe6.md"), load("github-tos/2026-01-27_23771939.md")
    cs = build_change_set(old, new, detected_at=datetime(2026, 1, 27, 12, tzinfo=UTC),
                          prev_checked_at=datetime(2026, 1, 26, 12, tzinfo=UTC))
    assert not cs.substantive and "silent_change" not in names(cs)


def test_huggingface_inference_providers_is_a_silent_change():
    old = load("hf-tos/2025-03-21T180809Z_c68ad05c30.md")
    new = load("hf-tos/2025-06-24T180711Z_bfcd629d1c.md")
    cs = build_change_set(old, new, detected_at=datetime(2025, 6, 24, 18, 7, 11, tzinfo=UTC),
                          prev_checked_at=datetime(2025, 6, 24, 6, 7, tzinfo=UTC))
    (silent,) = [v for v in cs.verdicts if v.name == "silent_change"]
    assert silent.facts["substantive_changes"] == len(cs.substantive) > 0
    assert silent.facts["old_effective_date"] == silent.facts["new_effective_date"] == "2022-09-15"


def test_token_flapping_gives_no_verdicts():
    old = load("claude-privacy-token-flapping/2025-12-21T113132Z_b3e69e5.md")
    new = load("claude-privacy-token-flapping/2025-12-21T233153Z_b5ac01b.md")
    cs = build_change_set(old, new, detected_at=datetime(2025, 12, 21, 23, 31, tzinfo=UTC),
                          prev_checked_at=datetime(2025, 12, 21, 11, 31, tzinfo=UTC))
    assert not cs.substantive and not cs.verdicts


def test_claude_terms_notice_window_read_from_the_document():
    old = load("claude-consumer-terms/2025-08-01T003205Z_8f977d4aa5.md")
    new = load("claude-consumer-terms/2025-08-29T003201Z_d8d25b3cb0.md")
    cs = build_change_set(old, new, detected_at=CLAUDE_SEEN, prev_checked_at=CLAUDE_PREV,
                          config_notice_days=45)
    assert cs.notice_days_source == "document" and cs.notice_days == new.notice_days


def test_short_notice_message_in_plain_words():
    prev, seen = datetime(2025, 3, 3, 6, tzinfo=UTC), datetime(2025, 3, 3, 12, tzinfo=UTC)
    stated = seen.date() + timedelta(days=5)
    cs = build_change_set(doc("old", effective=date(2024, 1, 1)), doc("new", effective=stated),
                          detected_at=seen, prev_checked_at=prev)
    (short,) = [v for v in cs.verdicts if v.name == "short_notice"]
    assert short.message == "posted with 5 days' notice; the policy promises 10"
    assert short.facts["notice_given_days_min"] == short.facts["notice_given_days_max"] == 5


def test_upcoming_depends_on_now():
    stated = SEEN.date() + timedelta(days=30)
    old, new = doc("old", effective=date(2024, 1, 1)), doc("new", effective=stated)
    later = datetime.combine(stated, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    cs = build_change_set(old, new, detected_at=SEEN, prev_checked_at=PREV, now=later)
    assert "upcoming" not in names(cs) and cs.takes_effect_on == stated


def test_claude_terms_from_raw_html_snapshots():
    old = load("claude-consumer-terms-html/2025-08-28T123200Z_80dc1fd7a7.html")
    new = load("claude-consumer-terms-html/2025-08-29T003201Z_a5e40b6579_VERSION-SOURCE.html")
    cs = build_change_set(old, new, detected_at=CLAUDE_SEEN, prev_checked_at=CLAUDE_PREV)
    assert cs.new_effective_date == date(2025, 9, 28)
    assert cs.takes_effect_on >= date(2025, 9, 28)
    assert "upcoming" in names(cs) and "silent_change" not in names(cs)
    assert any("Materials" in (c.new_text or "") and c.substantive for c in cs.changes)
