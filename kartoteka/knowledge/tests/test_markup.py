"""The Markdown-lite renderer: what it understands, and that nothing typed becomes markup it
did not make itself."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kartoteka.knowledge.markup import excerpt, plain_text, render, safe_url

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "a",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
}


def tags_of(html: str) -> set[str]:
    return set(re.findall(r"</?([a-zA-Z0-9]+)", html))


def attributes_of(html: str) -> set[str]:
    """Names of the attributes inside tags (values are escaped, so ">" ends a tag)."""
    names: set[str] = set()
    for inside in re.findall(r"<[a-zA-Z0-9]+([^>]*)>", html):
        names.update(re.findall(r"\s([^\s=]+)=", inside))
    return names


def test_paragraphs_and_line_breaks():
    assert render("One\ntwo\n\nThree") == "<p>One<br>\ntwo</p>\n<p>Three</p>"


def test_headings_start_below_the_page_title():
    assert render("# Title\n## Sub\n### Minor") == "<h2>Title</h2>\n<h3>Sub</h3>\n<h4>Minor</h4>"


def test_lists():
    assert render("- one\n- two") == "<ul><li>one</li><li>two</li></ul>"
    assert render("1. first\n2) second") == "<ol><li>first</li><li>second</li></ol>"


def test_bold_italic_code_and_quotes():
    html = render("**bold** and *italic* and `x < y`\n\n> quoted")
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<code>x &lt; y</code>" in html
    assert "<blockquote><p>quoted</p></blockquote>" in html


def test_links_to_web_and_mail_addresses():
    html = render("[Help](https://example.com/a?b=1&c=2) or [mail](mailto:help@example.com)")
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">Help</a>'
        in html
    )
    assert 'href="mailto:help@example.com"' in html


def test_bare_addresses_become_links_without_trailing_punctuation():
    html = render("See https://example.com/docs.")
    assert '<a href="https://example.com/docs" rel="nofollow noopener noreferrer">' in html
    assert html.endswith("</a>.</p>")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        '[x](https://example.com" onmouseover="alert(1))',
        "[x](//evil.example.com)",
        "**<b>bold</b>**",
        "`<script>`",
        "javascript:alert(1)",
        "https://example.com/<script>",
        '"><svg onload=alert(1)>',
        "&lt;script&gt; already escaped",
        "[<img src=x>](https://example.com)",
    ],
)
def test_nothing_typed_becomes_markup(text):
    html = render(text)
    assert tags_of(html) <= ALLOWED_TAGS
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("https://", "http://", "mailto:")), href
    assert attributes_of(html) <= {"href", "rel"}, html


def test_unsafe_link_is_shown_as_typed():
    html = render("[click](javascript:alert(1))")
    assert "<a" not in html and "[click](javascript:alert(1" in html


@pytest.mark.parametrize(
    "url,safe",
    [
        ("https://example.com", True),
        ("http://example.com/x", True),
        ("mailto:a@example.com", True),
        ("javascript:alert(1)", False),
        ("https:///nohost", False),
        ("ftp://example.com", False),
        ("https://exa mple.com", False),
        ("mailto:", False),
        ('https://example.com/"', False),
    ],
)
def test_safe_url(url, safe):
    assert (safe_url(url) is not None) is safe


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'&*`[]()#-:/ \nabjscriptvhtp=1.>")), max_size=80))
def test_random_text_yields_only_our_tags_and_safe_links(text):
    html = render(text)
    assert tags_of(html) <= ALLOWED_TAGS
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("https://", "http://", "mailto:")), (text, html)
    assert attributes_of(html) <= {"href", "rel"}, (text, html)
    # every "<" is one of our tags: none was typed
    assert all(tag in ALLOWED_TAGS for tag in re.findall(r"<\/?([^\s>/]+)", html)), (text, html)


def test_plain_text_and_excerpt_drop_the_marks():
    body = "# Title\n\n**Bold** text with [a link](https://example.com) and `code`.\n\n- item"
    assert plain_text(body) == "Title\nBold text with a link and code.\nitem"
    assert excerpt("word " * 100, 30).endswith("…") and len(excerpt("word " * 100, 30)) <= 31
