"""Escaping and rendering of alerts, health notices and digests, in every format."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model import Change, ChangeSet, Verdict, WordDiff
from notifiers import escape
from notifiers.redact import redact_text, redact_url
from notifiers.render import FORMATS, render_change_set, render_digest, render_health
from notifiers.summary import DigestSummary, summarize_change_set, summarize_health, trim_ops

HOSTILE = "<!channel> <!here|here> <@U024BE7LH> <#C024BE7LH> <http://evil.example|bank login> @here @everyone " \
          "*bold* _it_ ~st~ `code` [click](http://evil.example) <script>alert(1)</script> & # title"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)


def _change_set(n_changes: int = 1, text: str = HOSTILE) -> ChangeSet:
    changes = tuple(
        Change(kind="modified", old_id=f"a/{i}", new_id=f"a/{i}", heading_path=("Use", f"Rule {i}"),
               old_text=f"You may use it for lawful purposes {i}.", new_text=f"You may use it for {text} {i}.",
               substantive=True, diff=WordDiff(ops=((0, "You may use it for "), (-1, "lawful purposes"),
                                                    (1, text), (0, f" {i}.")))) for i in range(n_changes))
    cosmetic = Change(kind="modified", old_id="b", new_id="b", heading_path=(), old_text="a  b", new_text="a b",
                      substantive=False)
    verdict = Verdict(name="short_notice", certainty="certain",
                      message="posted with 5 days' notice; the policy promises 10")
    return ChangeSet(changes=changes + (cosmetic,), detected_at=NOW, new_effective_date=date(2026, 11, 28),
                     takes_effect_on=date(2026, 12, 3), notice_days=10, verdicts=(verdict,))


def _summary(n_changes: int = 1, text: str = HOSTILE, dashboard: str | None = None):  # type: ignore[no-untyped-def]
    return summarize_change_set(_change_set(n_changes, text), slug="acme/terms", platform="Acme",
                                document_type="Terms of Service", url="https://acme.example/terms",
                                change_set_id=7, dashboard_url=dashboard)


def _slack_sequences(mrkdwn: str) -> list[str]:
    """Every <...> control sequence a Slack client would interpret."""
    return re.findall(r"<[^<>]*>", mrkdwn)


def test_slack_escaping_neutralizes_control_sequences() -> None:
    out = escape.escape_slack(HOSTILE)
    assert _slack_sequences(out) == []
    assert "&lt;!channel&gt;" in out
    assert "@here" not in out and "@everyone" not in out  # a word joiner follows the @
    assert "@\u2060here" in out
    assert not re.search(r"[*_~`]", out)  # no formatting survives


def test_markdown_and_html_escaping() -> None:
    md = escape.escape_markdown(HOSTILE)
    assert "[click](http" not in md and r"\[click\]\(http" in md
    assert "<script>" not in md
    assert escape.escape_markdown("# Title") == "\\# Title" and escape.escape_markdown("1. a-b") == "1\\. a-b"
    html = escape.escape_html(HOSTILE)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<!channel>" not in html


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>!@#|&*_~`[]()hereachnlU01 :/.")), max_size=60))
def test_slack_escape_never_leaves_a_sequence(text: str) -> None:
    out = escape.escape_slack(text)
    assert "<" not in out and ">" not in out
    assert not re.search(r"@(here|channel|everyone)", out, re.I)


def test_cap_limits_size() -> None:
    assert len(escape.escape_text("x" * 10_000, 500)) == 500
    assert escape.cap("abc", 10) == "abc"


def test_every_format_renders_facts_verdicts_and_marked_diff() -> None:
    summary = _summary()
    text = render_change_set(summary, "text").body
    assert "[-lawful purposes-]" in text and "{+<!channel>" in text  # plain text keeps the raw words, marked
    assert "posted with 5 days' notice; the policy promises 10" in text
    assert "Takes effect on: 2026-12-03" in text and "Effective date stated: 2026-11-28" in text
    assert "Detected at: 2026-11-23 09:30 UTC" in text
    assert "1 substantive change, 1 cosmetic change" in text
    assert "Use › Rule 0" in text

    slack = render_change_set(summary, "slack").body
    assert "~lawful purposes~" in slack and "*&lt;!channel&gt;" in slack
    assert _slack_sequences(slack) == ["<https://acme.example/terms|Page>"]  # our own link only

    md = render_change_set(summary, "markdown").body
    assert "~~lawful purposes~~" in md and "**\\<\\!channel\\>" in md and "Detected at: 2026-11-23" in md
    assert "[Page](<https://acme.example/terms>)" in md

    html = render_change_set(summary, "html").body
    assert "<del" in html and "<ins" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert '<a href="https://acme.example/terms">Page</a>' in html
    assert "[-</span>lawful purposes" in html  # hidden markers keep the plain-text alternative readable


def test_title_names_document_and_flags() -> None:
    message = render_change_set(_summary(), "html")
    assert message.title == "Acme Terms of Service changed: 1 substantive change (Short notice)"


def test_long_change_sets_are_cut_with_a_link_to_the_full_diff() -> None:
    summary = _summary(n_changes=25, text="word " * 400, dashboard="https://dash.example/")
    assert summary.omitted_count == 15
    for fmt in FORMATS:
        body = render_change_set(summary, fmt).body
        assert "15 more substantive changes not shown" in body
        assert "https://dash.example/change-sets/7" in body
        assert len(body) < 20_000


def test_trim_ops_elides_long_context_and_caps() -> None:
    ops = ((0, "a" * 1000), (1, "new"), (0, "b" * 1000))
    trimmed, cut = trim_ops(ops)
    assert not cut
    assert sum(len(t) for _, t in trimmed) < 300 and (1, "new") in trimmed
    _, cut = trim_ops(((1, "x" * 5000),))
    assert cut


def test_health_notices() -> None:
    down = summarize_health({"slug": "acme/terms", "platform": "Acme", "document_type": "Terms of Service",
                             "url": "https://acme.example/terms", "state": "unhealthy", "failures": 3,
                             "error": "HTTP 503 <!channel>", "since": "2026-11-23T08:00:00+00:00"})
    message = render_health(down, "slack")
    assert message.title == "Acme Terms of Service cannot be checked"
    assert "3 checks of acme/terms failed in a row" in message.body
    assert "&lt;!channel&gt;" in message.body
    up = summarize_health({**down.__dict__, "state": "recovered", "error": None})
    assert "succeed again" in render_health(up, "text").body


def test_digest_groups_by_platform_and_document() -> None:
    a = _summary()
    b = summarize_change_set(_change_set(), slug="beta/privacy", platform="Beta", document_type="Privacy Policy",
                             url="https://beta.example/privacy")
    digest = DigestSummary(channel="legal", period="2026-11-23", since=NOW, until=NOW, items=(b, a))
    body = render_digest(digest, "text").body
    assert body.index("Acme\n") < body.index("Beta\n")
    assert "Policy digest 2026-11-23: 2 change sets" in body
    empty = render_digest(DigestSummary(channel="legal", period="2026-11-23", since=NOW, until=NOW), "html")
    assert "No changes in this period." in empty.body


def test_redaction() -> None:
    assert redact_url("slack://T000/B000/XXXXSECRET") == "slack://****"
    assert redact_url("not a url") == "****"
    assert "SECRET" not in redact_text("failed json://host/SECRET here", ["json://host/SECRET"])


def test_format_chosen_by_scheme_unless_configured() -> None:
    from notifiers.send import format_for

    assert format_for("mailtos://u:p@smtp.example.com", "auto") == "html"
    assert format_for("slack://T/B/C", "auto") == "markdown"
    assert format_for("https://hooks.slack.com/services/T/B/C", "auto") == "markdown"
    assert format_for("slackhook://relay.example/x", "auto") == "slack"
    assert format_for("json://127.0.0.1/x", "auto") == "text"
    assert format_for("json://127.0.0.1/x", "slack") == "slack"


def test_slack_payload_is_block_kit_within_limits() -> None:
    from notifiers.send import slack_payload

    body = "\n\n".join(f"paragraph {i} " + "x" * 900 for i in range(40)) + "\n\n" + "y" * 5000
    payload = slack_payload("T" * 300, body)
    blocks = payload["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "T" * 150}}
    assert 2 < len(blocks) <= 50
    assert all(b["type"] == "section" and b["text"]["type"] == "mrkdwn" and 0 < len(b["text"]["text"]) <= 3000
               for b in blocks[1:])
    assert len(payload["text"]) <= 39_000


def test_trimmed_context_keeps_both_sides_of_an_edit() -> None:
    ops = ((0, "start " + "a" * 300 + " before"), (-1, "old"), (1, "new"), (0, "after " + "b" * 300 + " end"))
    trimmed, cut = trim_ops(ops)
    texts = [t for _, t in trimmed]
    assert not cut and texts[0].startswith("… ") and texts[0].endswith(" before")
    assert texts[-1].startswith("after ") and texts[-1].endswith(" …")
    assert (-1, "old") in trimmed and (1, "new") in trimmed
