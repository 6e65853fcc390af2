"""Property tests: normalization is deterministic and only ever fails with ExtractionError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import ExtractionError
from monitor.normalize import normalize

TAGS = ["p", "div", "span", "h1", "h2", "h3", "ul", "ol", "li", "table", "tr", "td", "a", "b",
        "script", "style", "nav", "main", "article", "header", "footer", "br", "form", "input"]
WORDS = st.sampled_from(["Effective", "Date:", "May", "1,", "2025", "terms", "5.", "(a)", "&amp;",
                         "<!-- x -->", "\u00a0", "days", "notice", "30", "captcha", "Sign in", "<", ">"])


@st.composite
def html_fragments(draw) -> str:  # type: ignore[no-untyped-def]
    """Random, often malformed, HTML built from tags and policy-ish words."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        choice = draw(st.integers(0, 3))
        tag = draw(st.sampled_from(TAGS))
        if choice == 0:
            parts.append(f"<{tag}>")
        elif choice == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(" ".join(draw(st.lists(WORDS, max_size=6))))
    return "".join(parts)


def _outcome(body: str | bytes, content_type: str) -> str:
    try:
        return normalize(body, content_type).canonical_markdown()
    except ExtractionError as exc:
        return f"error: {exc}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_fragments())
def test_structured_html_is_deterministic(html: str) -> None:
    first = _outcome(html, "text/html")
    assert first == _outcome(html, "text/html")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["text/html", "text/markdown", "text/plain", ""]))
def test_arbitrary_text_only_raises_extraction_error(text: str, content_type: str) -> None:
    assert _outcome(text, content_type) == _outcome(text, content_type)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_extraction_error(data: bytes) -> None:
    assert _outcome(data, "text/html") == _outcome(data, "text/html")
