"""Bad input gives a Document or a typed ExtractionError with a reason, never anything else."""

from __future__ import annotations

import time

import pytest

from monitor.challenge import detect_blocked_page
from monitor.errors import ExtractionError
from monitor.normalize import Rules, normalize

CLOUDFLARE = """<!DOCTYPE html><html><head><title>Just a moment...</title>
<script>window._cf_chl_opt={cvId: '3'};</script></head><body><div class="main-wrapper">
<h1>example.com</h1><p>Checking if the site connection is secure</p>
<p>example.com needs to review the security of your connection before proceeding.</p></div></body></html>"""
ATTENTION = """<html><head><title>Attention Required! | Cloudflare</title></head><body>
<h1>Sorry, you have been blocked</h1><p>You are unable to access example.com</p></body></html>"""
CHECKING = """<html><head><title>example.com</title></head><body><div id="cf-browser-verification">
<h1>Checking your browser before accessing example.com.</h1>
<p>This process is automatic. Your browser will redirect to your requested content shortly.</p>
</div></body></html>"""
CAPTCHA = """<html><head><title>example.com</title></head><body><main><h1>One more step</h1>
<p>Please verify you are a human to continue.</p><div class="g-recaptcha" data-sitekey="x"></div>
</main></body></html>"""
LOGIN = """<html><head><title>Example</title></head><body><main><h1>Sign in to continue</h1>
<form action="/login" method="post"><label>Email</label><input type="email" name="email">
<label>Password</label><input type="password" name="password"><button>Sign in</button></form>
<p>Forgot your password?</p></main></body></html>"""

BLOCKED = [("cloudflare", CLOUDFLARE, "challenge"), ("attention", ATTENTION, "challenge"),
           ("checking", CHECKING, "challenge"), ("captcha", CAPTCHA, "challenge"),
           ("login", LOGIN, "login wall")]


@pytest.mark.parametrize(("name", "html", "reason"), BLOCKED)
def test_blocked_pages_raise(name, html, reason):  # type: ignore[no-untyped-def]
    with pytest.raises(ExtractionError, match=reason):
        normalize(html, "text/html")
    found = detect_blocked_page(html)
    assert found is not None and reason in found


def test_real_policy_mentioning_captcha_and_login_is_not_blocked():
    paragraphs = "".join(
        f"<p>Clause {i}: we use reCAPTCHA (g-recaptcha) to protect the sign in form from abuse, "
        f"and you may log in with a password to manage your data.</p>" for i in range(40))
    html = (f"<html><head><title>Privacy Policy</title></head><body><main><h1>Privacy Policy</h1>"
            f"{paragraphs}<form><input type='password'></form></main></body></html>")
    assert detect_blocked_page(html) is None
    assert len(normalize(html, "text/html").provisions) == 41


@pytest.mark.parametrize("body", ["", "   \n\t ", b"", b"\xef\xbb\xbf  "])
def test_empty_body(body):  # type: ignore[no-untyped-def]
    with pytest.raises(ExtractionError, match="empty"):
        normalize(body, "text/html")


@pytest.mark.parametrize("html", [
    "<html><head><title>x</title></head><body></body></html>",
    "<html><body><script>var a = 'lots of text here';</script><style>p{}</style></body></html>",
    "<html><body><nav><a href='/'>Home</a></nav><footer>© 2025</footer></body></html>",
    "<div><img src='a.png'><svg><text>icon</text></svg></div>",
])
def test_page_without_text_is_an_error_not_an_empty_document(html):  # type: ignore[no-untyped-def]
    with pytest.raises(ExtractionError, match="no text"):
        normalize(html, "text/html")


def test_select_rule_matching_nothing_is_an_error():
    with pytest.raises(ExtractionError, match="matched nothing"):
        normalize("<html><body><p>Text</p></body></html>", "text/html", Rules(select=("#missing",)))


def test_invalid_selector_is_an_error():
    with pytest.raises(ExtractionError, match="invalid"):
        normalize("<html><body><p>Text</p></body></html>", "text/html", Rules(select=("p[[",)))


def test_deeply_nested_divs_keep_their_text():
    html = ("<html><body><h1>Terms</h1>" + "<div>" * 5000 + "<p>Deep clause.</p>" + "</div>" * 5000
            + "<p>After clause.</p></body></html>")
    document = normalize(html, "text/html")
    texts = [p.text for p in document.provisions]
    assert "Deep clause." in texts and "After clause." in texts


def test_deeply_nested_lists_are_refused_not_truncated():
    html = "<html><body>" + "<ul><li>item" * 3000 + "</li></ul>" * 3000 + "</body></html>"
    with pytest.raises(ExtractionError, match="levels deep"):
        normalize(html, "text/html")


def test_moderately_nested_lists_are_read_whole():
    html = "<html><body>" + "<ul><li>item" * 100 + "</li></ul>" * 100 + "</body></html>"
    provisions = normalize(html, "text/html").provisions
    assert [p.level for p in provisions] == list(range(1, 101))


@pytest.mark.parametrize("html", [
    "<p>Unclosed <b>bold <i>italic</p><p>Next",
    "<html><body><table><tr><td>cell<p>para</td></tr><li>stray item</body>",
    "</div></div><p>Closing tags first</p>",
    "<p>Nul\x00 byte and \ufffd replacement</p>",
    "<?xml version='1.0' encoding='iso-8859-1'?><html><body><p>Declared encoding</p></body></html>",
])
def test_broken_html_gives_a_document(html):  # type: ignore[no-untyped-def]
    assert normalize(html, "text/html").provisions


def test_twenty_megabyte_page():
    clause = "<p>" + "Clause text with many words to read. " * 20 + "</p>"
    html = "<html><body><main><h1>Big Terms</h1>" + clause * (20_000_000 // len(clause)) + "</main></body></html>"
    assert len(html) > 19_000_000
    started = time.perf_counter()
    document = normalize(html.encode(), "text/html")
    assert time.perf_counter() - started < 30
    assert document.title == "Big Terms" and len(document.provisions) > 20_000


@pytest.mark.parametrize(("body", "ctype"), [
    ("<p>Données à caractère personnel</p>".encode("latin-1"), "text/html; charset=ISO-8859-1"),
    (b'<meta charset="windows-1252"><p>Donn\xe9es \xe0 caract\xe8re personnel</p>', "text/html"),
    ("<p>Données à caractère personnel</p>".encode("cp1252"), "text/html"),
    ("\ufeff<p>Données à caractère personnel</p>".encode("utf-8"), "text/html"),
    ("<p>Données à caractère personnel</p>".encode("utf-8"), "text/html; charset=bogus-charset"),
])
def test_encodings_are_decoded(body, ctype):  # type: ignore[no-untyped-def]
    assert normalize(body, ctype).provisions[0].text == "Données à caractère personnel"


def test_page_wrapped_in_one_form_is_read():
    clauses = "".join(f"<p>Clause {i} of these terms applies to every user of the service.</p>" for i in range(20))
    html = f"<html><body><form id='aspnetForm' method='post'><h1>Terms</h1>{clauses}</form></body></html>"
    document = normalize(html, "text/html")
    assert document.title == "Terms" and len(document.provisions) == 21


def test_accordion_headings_in_buttons_are_kept_but_small_buttons_dropped():
    html = ("<main><h1>Policy</h1><button>Menu</button><button><h2>For EU residents</h2></button>"
            "<p>Extra rights apply.</p></main>")
    assert [p.text for p in normalize(html, "text/html").provisions] == ["Policy", "For EU residents", "Extra rights apply."]


@pytest.mark.parametrize("markdown", [
    ">" * 5000 + " quoted",
    "".join("  " * i + "- item\n" for i in range(3000)),
    "[" * 5000 + "x" + "]" * 5000,
    "*" * 20000 + "x",
    "<div>" * 5000 + "deep",
])
def test_pathological_markdown_gives_a_document_or_an_extraction_error(markdown):  # type: ignore[no-untyped-def]
    try:
        document = normalize(markdown, "text/markdown")
    except ExtractionError as exc:
        assert str(exc)
    else:
        assert document.provisions
