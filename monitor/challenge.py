"""Recognize pages that are not the document: bot challenges and login walls."""

from __future__ import annotations

import re

# Titles that only interstitials use; decisive on their own.
_CHALLENGE_TITLES = re.compile(
    r"<title[^>]*>\s*(just a moment\.*|attention required!?(?: \| cloudflare)?|"
    r"checking your browser[^<]*|access denied|ddos-guard|please wait\.*|"
    r"security check|are you a robot\??|human verification)\s*</title>",
    re.I,
)
# Markers of a challenge script or widget; decisive only on a page with little text,
# because real pages load reCAPTCHA or Cloudflare scripts and privacy policies mention them.
_CHALLENGE_MARKERS = re.compile(
    r"_cf_chl_opt|cf-browser-verification|cf-challenge|challenge-form|"
    r"checking your browser before accessing|verify you are (?:a )?human|"
    r"g-recaptcha|h-captcha|hcaptcha\.com/1/api|captcha-delivery|px-captcha|"
    r"enable javascript and cookies to continue",
    re.I,
)
_LOGIN_TEXT = re.compile(
    r"\b(sign in|log ?in|sign up|create an account)\b(?: to (?:continue|view|access))?", re.I
)
_PASSWORD_INPUT = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password", re.I)
_INVISIBLE = re.compile(r"<(script|style|noscript|template|svg)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SMALL_PAGE = 1_000_000  # interstitials are small; skip the costly checks on big pages
_LITTLE_TEXT = 2_000  # visible characters below which a widget decides the verdict


def visible_text_length(html_text: str) -> int:
    """Rough count of visible characters: markup, scripts and styles removed."""
    text = _TAG.sub(" ", _INVISIBLE.sub(" ", html_text))
    return len(re.sub(r"\s+", " ", text).strip())


def detect_blocked_page(html_text: str) -> str | None:
    """A reason when the HTML is a bot challenge or login wall instead of content, else None."""
    title = _CHALLENGE_TITLES.search(html_text[:200_000])
    if title:
        return f"bot challenge page (title {title.group(1).strip()!r})"
    if len(html_text) > _SMALL_PAGE:
        return None
    marker = _CHALLENGE_MARKERS.search(html_text)
    password = _PASSWORD_INPUT.search(html_text)
    if not marker and not password:
        return None
    length = visible_text_length(html_text)
    if length >= _LITTLE_TEXT:
        return None
    if marker:
        return f"bot challenge page ({marker.group(0)!r} on a page with {length} characters of text)"
    if _LOGIN_TEXT.search(_TAG.sub(" ", _INVISIBLE.sub(" ", html_text))):
        return f"login wall (a password form on a page with {length} characters of text)"
    return None
