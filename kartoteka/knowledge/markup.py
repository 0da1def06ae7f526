"""Markdown-lite for article bodies: a small renderer of our own, escaped by construction.

What it understands (one construct per line start, inline marks anywhere):

    # Heading, ## Subheading, ### Minor heading
    - item  /  * item          a bulleted list
    1. item  /  1) item        a numbered list
    > quoted text              a quotation
    a blank line               ends a paragraph; single line breaks are kept
    **bold**  *italic*  `code`
    [text](https://…)  [write to us](mailto:help@example.com)  and bare https://… addresses

Everything else is text. The renderer never passes input through: every piece of text is
HTML-escaped before a tag is put around it, and a link is made only when its address starts
with http://, https:// or mailto: (anything else, such as `javascript:`, stays visible as
typed). There is no raw HTML, no images and no attributes other than `href` and `rel`.

`plain_text` gives the words a reader sees, for the search index and excerpts.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,6}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
# Inline pieces that must not be escaped before they are recognised: code spans, links and
# bare addresses. They are replaced by numbered markers, the rest is escaped and given bold and
# italics, then the markers are replaced by their HTML.
_CODE = re.compile(r"`([^`\n]{1,1000})`")
_LINK = re.compile(r"\[([^\[\]\n]{1,500})\]\(\s*([^()\s]{1,2000})\s*\)")
_BARE_URL = re.compile(r"(?<![\w/])(?:https?://|mailto:)[^\s<>\"'`\x00]{1,2000}", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_MARKER = re.compile(r"\x00(\d+)\x00")
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""
_SAFE_SCHEMES = ("http", "https", "mailto")
MAX_LIST_ITEMS = 1000


def safe_url(url: str) -> str | None:
    """The address if a link to it is harmless (http, https or mailto), else None."""
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'`\\" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _SAFE_SCHEMES:
        return None
    if scheme in ("http", "https") and not parts.netloc:
        return None
    if scheme == "mailto" and not parts.path:
        return None
    return url


def _link(url: str, text_html: str) -> str:
    return f'<a href="{escape(url)}" rel="nofollow noopener noreferrer">{text_html}</a>'


def _emphasis(escaped: str) -> str:
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)


def render_inline(text: str, *, links: bool = True) -> str:
    pieces: list[str] = []

    def keep(html: str) -> str:
        pieces.append(html)
        return f"\x00{len(pieces) - 1}\x00"

    def code(match: re.Match) -> str:
        return keep(f"<code>{escape(match.group(1))}</code>")

    def link(match: re.Match) -> str:
        url = safe_url(match.group(2))
        if url is None:  # shown as typed, escaped
            return keep(escape(match.group(0)))
        return keep(_link(url, render_inline(match.group(1), links=False)))

    def bare(match: re.Match) -> str:
        raw = match.group(0)
        stripped = raw.rstrip(_TRAILING_PUNCTUATION)
        tail = raw[len(stripped) :]
        url = safe_url(stripped)
        if url is None or url.lower() in ("mailto:", "http://", "https://"):
            return keep(escape(raw))
        return keep(_link(url, escape(url))) + tail

    text = text.replace("\x00", "")
    text = _CODE.sub(code, text)
    if links:
        text = _LINK.sub(link, text)
        text = _BARE_URL.sub(bare, text)
    html = _emphasis(escape(text))
    # a marker may hold markers of its own only through render_inline's recursion, which
    # returns finished HTML: one pass replaces them all
    return _MARKER.sub(lambda m: pieces[int(m.group(1))], html)


def _blocks(text: str):
    """(kind, payload) pairs: ("h", (level, text)), ("ul"/"ol", [items]), ("quote", [lines]),
    ("p", [lines])."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    current_kind: str | None = None
    current: list = []

    def flush():
        nonlocal current_kind, current
        if current_kind is not None and current:
            yield current_kind, current
        current_kind, current = None, []

    for line in lines:
        if not line.strip():
            yield from flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            yield from flush()
            yield "h", (len(heading.group(1)), heading.group(2))
            continue
        for kind, pattern in (("ul", _BULLET), ("ol", _NUMBERED), ("quote", _QUOTE)):
            match = pattern.match(line)
            if match:
                if current_kind != kind or len(current) >= MAX_LIST_ITEMS:
                    yield from flush()
                    current_kind = kind
                current.append(match.group(1))
                break
        else:
            if current_kind in ("ul", "ol") and line.startswith((" ", "\t")):
                current[-1] += "\n" + line.strip()  # a continued list item
                continue
            if current_kind != "p":
                yield from flush()
                current_kind = "p"
            current.append(line.strip())
    yield from flush()


def _lines_html(lines: list[str]) -> str:
    return "<br>\n".join(render_inline(line) for line in lines)


def render(text: str) -> SafeString:
    """The body as HTML that is safe to put in a page as it is."""
    out: list[str] = []
    for kind, payload in _blocks(text or ""):
        if kind == "h":
            level, content = payload
            tag = f"h{level + 1}"  # the page's own title is the h1
            out.append(f"<{tag}>{render_inline(content)}</{tag}>")
        elif kind in ("ul", "ol"):
            items = "".join(f"<li>{_lines_html(item.split(chr(10)))}</li>" for item in payload)
            out.append(f"<{kind}>{items}</{kind}>")
        elif kind == "quote":
            out.append(f"<blockquote><p>{_lines_html(payload)}</p></blockquote>")
        else:
            out.append(f"<p>{_lines_html(payload)}</p>")
    return mark_safe("\n".join(out))  # noqa: S308  every piece above was escaped


def _plain_inline(text: str) -> str:
    text = _CODE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    return _ITALIC.sub(r"\1", text)


def plain_text(text: str) -> str:
    """The words a reader sees, one block a line, without the marks."""
    out: list[str] = []
    for kind, payload in _blocks(text or ""):
        if kind == "h":
            out.append(_plain_inline(payload[1]))
        else:
            out.append(" ".join(_plain_inline(item) for item in payload).replace("\n", " "))
    return "\n".join(out)


def excerpt(text: str, length: int = 220) -> str:
    """The first words of the body's text, cut at a word boundary."""
    plain = " ".join(plain_text(text).split())
    if len(plain) <= length:
        return plain
    cut = plain[:length].rsplit(" ", 1)[0]
    return (cut or plain[:length]).rstrip(",.;:") + "…"
