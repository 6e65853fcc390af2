"""Provision structure, id stability under real edits, main-content choice and noise immunity."""

from __future__ import annotations

import pytest

from monitor.normalize import Rules, detect_format, normalize, slugify, split_label

PAGE = """<!DOCTYPE html><html><head><title>Example Terms</title>
<script nonce="{nonce}">window.__BUILD_ID__ = "{build}";</script>
<link rel="stylesheet" href="/_next/static/css/{chunk}.css"></head>
<body><a class="skip-link" href="#main">Skip to content</a>
<header><nav><a href="/">Home</a><a href="/pricing?t={token}">Pricing</a></nav>
<button>Toggle theme</button></header>
<div id="cookie-banner"><p>We use cookies. Accept all?</p></div>
<main><h1>Terms of Service</h1><p>Effective Date: April 10, 2025</p>
<h2 id="intro"><a class="anchor" href="#intro">#</a>1. Introduction</h2>
<p>Welcome to <a href="/x?session={token}">Example</a>.</p>
<p>These terms bind you.</p>
<h2>2. Content</h2>
<ul><li>(a) Be nice.</li><li>(b) Be lawful.<ul><li>No spam.</li></ul></li></ul>
<h3>2.1 Restricted content</h3><p>No malware.</p>
<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Free</td><td>$0</td></tr></table>
<script src="/_next/static/chunks/{chunk}.js" nonce="{nonce}"></script>
</main><footer><p>© 2025 Example Inc.</p></footer></body></html>"""


def page(nonce: str = "abc", build: str = "b1", chunk: str = "c1", token: str = "t1") -> str:
    return PAGE.format(nonce=nonce, build=build, chunk=chunk, token=token)


def test_structure_of_a_typical_page():
    document = normalize(page(), "text/html")
    rows = [(p.id, p.kind, p.label, p.text, p.level, p.heading_path) for p in document.provisions]
    assert rows == [
        ("terms-of-service", "heading", "", "Terms of Service", 1, ()),
        ("_/1", "paragraph", "", "Effective Date: April 10, 2025", 0, ()),
        ("introduction", "heading", "1.", "Introduction", 2, ()),
        ("introduction/1", "paragraph", "", "Welcome to Example.", 0, ("Introduction",)),
        ("introduction/2", "paragraph", "", "These terms bind you.", 0, ("Introduction",)),
        ("content", "heading", "2.", "Content", 2, ()),
        ("content/1", "list_item", "(a)", "Be nice.", 1, ("Content",)),
        ("content/2", "list_item", "(b)", "Be lawful.", 1, ("Content",)),
        ("content/3", "list_item", "", "No spam.", 2, ("Content",)),
        ("content/restricted-content", "heading", "2.1", "Restricted content", 3, ("Content",)),
        ("content/restricted-content/1", "paragraph", "", "No malware.", 0, ("Content", "Restricted content")),
        ("content/restricted-content/2", "table_row", "", "Plan | Price", 0, ("Content", "Restricted content")),
        ("content/restricted-content/3", "table_row", "", "Free | $0", 0, ("Content", "Restricted content")),
    ]
    assert document.title == "Terms of Service"


def test_noise_never_changes_the_output():
    base = normalize(page(), "text/html").canonical_markdown()
    for variant in (page(nonce="zzz"), page(build="b2"), page(chunk="c9"), page(token="t2"),
                    page().replace("<script", "<!-- reordered --><script")):
        assert normalize(variant, "text/html").canonical_markdown() == base


def test_renumbering_sections_keeps_ids():
    before = normalize("<h2>5. Privacy</h2><p>We protect data.</p>", "text/html")
    after = normalize("<h2>6. Privacy</h2><p>We protect data.</p>", "text/html")
    assert [p.id for p in before.provisions] == [p.id for p in after.provisions] == ["privacy", "privacy/1"]
    assert after.provisions[0].label == "6."


def test_edits_in_one_section_do_not_shift_ids_in_another():
    old = "<h2>A</h2><p>a1</p><p>a2</p><h2>B</h2><p>b1</p><p>b2</p>"
    new = "<h2>A</h2><p>a0</p><p>a1</p><p>a2</p><h2>B</h2><p>b1</p><p>b2</p>"
    ids = lambda html: {p.text: p.id for p in normalize(html, "text/html").provisions}  # noqa: E731
    assert ids(old)["b1"] == ids(new)["b1"] == "b/1"
    assert ids(old)["b2"] == ids(new)["b2"] == "b/2"


def test_retitling_the_page_keeps_section_ids():
    old = normalize("<h1>Terms</h1><h2>Privacy</h2><p>x</p>", "text/html")
    new = normalize("<h1>Consumer Terms</h1><h2>Privacy</h2><p>x</p>", "text/html")
    assert [p.id for p in old.provisions][1:] == [p.id for p in new.provisions][1:] == ["privacy", "privacy/1"]


def test_duplicate_headings_get_distinct_ids():
    document = normalize("<h2>Notes</h2><p>a</p><h2>Notes</h2><p>b</p>", "text/html")
    assert [p.id for p in document.provisions] == ["notes", "notes/1", "notes-2", "notes-2/1"]


def test_select_and_remove_rules():
    html = ("<body><div id='x'><p>Outside</p></div><section class='legal'><h2>Terms</h2>"
            "<p>Inside</p><p class='ad'>Buy now</p></section></body>")
    document = normalize(html, "text/html", Rules(select=("section.legal",), remove=(".ad",)))
    assert [p.text for p in document.provisions] == ["Terms", "Inside"]


def test_heuristic_without_main_finds_the_dense_block():
    links = "".join(f"<a href='/{i}'>Link {i}</a> " for i in range(10))
    clauses = "".join(f"<p>Clause number {i} of the agreement between you and us.</p>" for i in range(20))
    html = f"<body><div class='menu'>{links}</div><div class='content'><h1>Policy</h1>{clauses}</div></body>"
    document = normalize(html, "text/html")
    assert document.provisions[0].text == "Policy"
    assert not any("Link" in p.text for p in document.provisions)


def test_inline_markup_and_comments_do_not_split_words():
    document = normalize("<p>Effective <!-- -->May 1, 2025. <b>Con</b>tent&nbsp;is\u200b here.</p>", "text/html")
    assert document.provisions[0].text == "Effective May 1, 2025. Content is here."


@pytest.mark.parametrize(("text", "expected"), [
    ("5. Privacy", ("5.", "Privacy")), ("(a) Be nice", ("(a)", "Be nice")),
    ("2.1 Restricted", ("2.1", "Restricted")), ("A. Definitions", ("A.", "Definitions")),
    ("Section 12 - Law", ("Section 12", "Law")), ("iv. Fourth", ("iv.", "Fourth")),
    ("e.g. not a label", ("", "e.g. not a label")), ("2025 was a year", ("", "2025 was a year")), ("§ 3 Scope", ("§ 3", "Scope")),
    ("Privacy", ("", "Privacy")),
])
def test_split_label(text, expected):  # type: ignore[no-untyped-def]
    assert split_label(text) == expected


def test_slugify():
    assert slugify("📚 A few definitions") == "a-few-definitions"
    assert slugify("Données personnelles") == "donnees-personnelles"
    assert slugify("!!!") == "section"


@pytest.mark.parametrize(("body", "ctype", "expected"), [
    ("<p>x</p>", "text/html", "html"), ("# Title\n\ntext", "", "markdown"),
    ("<!doctype html><p>x", "", "html"), ("Just words.\n\nMore words.", "text/plain", "text"),
    ("# Title", "text/markdown; charset=utf-8", "markdown"),
    ("# Title\n\nSee [terms](https://x/terms).", "text/plain; charset=utf-8", "markdown"),  # raw GitHub file
])
def test_detect_format(body, ctype, expected):  # type: ignore[no-untyped-def]
    assert detect_format(body, ctype) == expected


def test_plain_text_input():
    text = "Terms of Use\n\nEffective as of 1 May 2025\n\n- First rule.\n- Second rule.\n\nThe end."
    document = normalize(text, "text/plain")
    assert [(p.kind, p.text) for p in document.provisions] == [
        ("paragraph", "Terms of Use"), ("paragraph", "Effective as of 1 May 2025"),
        ("list_item", "First rule."), ("list_item", "Second rule."), ("paragraph", "The end.")]
    assert str(document.effective_date) == "2025-05-01"


def test_markdown_heading_anchors_and_front_matter():
    md = "---\ntitle: My Policy\n---\n[](#intro)Intro\n-----\n\n*Effective June 30, 2023*\n{: datetime=\"x\" }\n"
    document = normalize(md, "text/markdown")
    assert document.title == "My Policy"
    assert [p.text for p in document.provisions] == ["Intro", "Effective June 30, 2023"]


def test_canonical_markdown_shape():
    markdown = normalize(page(), "text/html").canonical_markdown()
    assert markdown.startswith("<!-- title: Terms of Service -->\n<!-- effective: 2025-04-10 -->\n")
    assert "\n## 1. Introduction\n" in markdown
    assert "\n- (a) Be nice.\n" in markdown and "\n  - No spam.\n" in markdown
    assert "\n| Free | $0 |\n" in markdown
    assert markdown.endswith("\n") and not markdown.endswith("\n\n")


def test_heading_link_icons_and_theme_toggles_are_dropped():
    md = "## 🔗 Contact us\n\nWrite to us.\n\nSystem theme\n\n## Scope ¶\n\nAll users.\n"
    document = normalize(md, "text/markdown")
    assert [(p.id, p.text) for p in document.provisions] == [
        ("contact-us", "Contact us"), ("contact-us/1", "Write to us."), ("scope", "Scope"), ("scope/1", "All users.")]


def test_paragraphs_that_look_like_markdown_blocks_are_escaped():
    document = normalize("<p># not a heading</p><p>- not a list</p>", "text/html")
    assert document.canonical_markdown() == "\\# not a heading\n\n\\- not a list\n"


def test_cookie_policy_sections_are_not_taken_for_cookie_banners():
    html = ("<body><div class='cookie-banner'><p>We use cookies. OK?</p></div><main><h1>Cookie Policy</h1>"
            "<section id='cookies' class='consent'><h2>Cookies we use</h2><p>Strictly necessary cookies.</p>"
            "</section></main></body>")
    texts = [p.text for p in normalize(html, "text/html").provisions]
    assert texts == ["Cookie Policy", "Cookies we use", "Strictly necessary cookies."]


def test_adjacent_links_and_spans_are_read_apart_but_words_are_not_split():
    html = ("<p><span>Effective May 1, 2025</span><a href='/old'>Previous Version</a></p>"
            "<p><b>Con</b>tent and <span>one</span> <a href='#'>two</a></p>")
    assert [p.text for p in normalize(html, "text/html").provisions] == [
        "Effective May 1, 2025 Previous Version", "Content and one two"]


def test_screen_reader_labels_are_kept():
    html = "<main><h1>Terms</h1><p><span class='sr-only'>Effective date:</span> <time>May 1, 2025</time></p></main>"
    assert str(normalize(html, "text/html").effective_date) == "2025-05-01"


def test_layout_tables_are_read_as_containers_and_data_tables_as_rows():
    layout = ("<body><table><tr><td class='side'>x</td><td><h1>Terms</h1><p>First clause.</p>"
              "<h2>Privacy</h2><p>Second clause.</p></td></tr></table></body>")
    rows = [(p.id, p.kind, p.text) for p in normalize(layout, "text/html").provisions]
    assert rows == [("_/1", "paragraph", "x"), ("terms", "heading", "Terms"), ("_/2", "paragraph", "First clause."),
                    ("privacy", "heading", "Privacy"), ("privacy/1", "paragraph", "Second clause.")]
    data = "<table><tr><td><p>Contact data</p></td><td><ul><li>Email</li></ul></td></tr></table>"
    assert [(p.kind, p.text) for p in normalize(data, "text/html").provisions][0] == ("table_row", "Contact data | Email")
