

def test_bidi_overrides_and_c1_controls_are_stripped_in_every_format() -> None:
    from notifiers.escape import escape_html, escape_markdown, escape_slack, escape_text

    hostile = "pay \u202eevil\u202c fee\x85 now"
    for escape in (escape_text, escape_markdown, escape_slack, escape_html):
        out = escape(hostile)
        assert "\u202e" not in out and "\u202c" not in out and "\x85" not in out
        assert "evil" in out
