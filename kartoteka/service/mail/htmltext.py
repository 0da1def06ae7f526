"""Readable plain text from the HTML of a mail, with the standard library's html.parser.

Paragraphs, line breaks, list items and table rows become lines; quoted blocks
(<blockquote>) become "> " lines so that quoted-reply stripping works on HTML-only mail too;
scripts, styles and comments are dropped. html.parser is quadratic (and can even raise) on some
malformed markup, so the markup first goes through a linear clean-up that keeps only
well-formed tags.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MAX_HTML_CHARS = 2_000_000

_TAG_START = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]{0,40}(?=[\s/>])")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_ANY_TAG = re.compile(r"<[^<>]*>")

_SKIP = frozenset({"script", "style", "title", "template"})
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hr",
        "main",
        "nav",
        "ol",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    }
)
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"})
_CELL = frozenset({"td", "th"})


def html_to_text(markup: str) -> str:
    """Plain text a person can read from an HTML mail body. Never raises."""
    markup = clean_markup(markup[:MAX_HTML_CHARS])
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        return parser.text()
    except Exception:  # noqa: BLE001 - html.parser has raised on hostile markup before
        text = html.unescape(_ANY_TAG.sub(" ", markup))
        return _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines()))


def clean_markup(markup: str) -> str:
    """Markup without comments, declarations and stray "<", in one linear pass.

    A "<" is kept only when it starts a tag name and its ">" comes before the next "<";
    any other "<" becomes "&lt;". An unterminated comment swallows the rest, as in HTML5.
    """
    out: list[str] = []
    position, length = 0, len(markup)
    while position < length:
        start = markup.find("<", position)
        if start < 0:
            out.append(markup[position:])
            break
        out.append(markup[position:start])
        if markup.startswith("<!--", start):
            end = markup.find("-->", start + 4)
            if end < 0:
                break
            position = end + 3
            continue
        following = markup.find("<", start + 1)
        limit = following if following >= 0 else length
        end = markup.find(">", start + 1, limit)
        if end < 0:
            out.append("&lt;")
            position = start + 1
            continue
        tag = markup[start : end + 1]
        if _TAG_START.match(tag):
            out.append(tag)
        # else: <!DOCTYPE>, <?xml?>, <![CDATA[]]> and junk carry no visible text
        position = end + 1
    return "".join(out)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (quote depth, text)
        self.current: list[str] = []
        self.current_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0
        self.skipping: list[str] = []
        self.links: list[str | None] = []
        self.link_text: list[list[str]] = []
        self.list_counters: list[int | None] = []

    # -- structure --------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping.clear()  # an unclosed <title> must not swallow the body
        if tag in _SKIP:
            self.skipping.append(tag)
            return
        if self.skipping:
            return
        if tag == "br":
            self._break(keep_empty=True)
        elif tag in _PARAGRAPH:
            self._paragraph()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "pre":
                self.pre_depth += 1
        elif tag in _BLOCK:
            self._break()
            if tag in ("ul", "ol"):
                self.list_counters.append(0 if tag == "ol" else None)
            elif tag == "hr":
                self._add("---")
                self._break()
        elif tag == "li":
            self._break()
            counter = self.list_counters[-1] if self.list_counters else None
            if counter is None:
                self._add("- ")
            else:
                self.list_counters[-1] = counter + 1
                self._add(f"{counter + 1}. ")
        elif tag in _CELL:
            if self.current:
                self._add(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(
                href.strip() if href.strip().startswith(("http", "mailto:")) else None
            )
            self.link_text.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag in self.skipping:
                while self.skipping and self.skipping.pop() != tag:
                    pass
            return
        if self.skipping:
            return
        if tag in _PARAGRAPH:
            self._paragraph()
            if tag == "blockquote" and self.quote_depth:
                self.quote_depth -= 1
            elif tag == "pre" and self.pre_depth:
                self.pre_depth -= 1
        elif tag in _BLOCK or tag == "li":
            self._break()
            if tag in ("ul", "ol") and self.list_counters:
                self.list_counters.pop()
        elif tag == "a" and self.links:
            href = self.links.pop()
            text = "".join(self.link_text.pop()).strip()
            if href and text:
                target = href.removeprefix("mailto:")
                if target != text and href != text:
                    self._add(f" ({target})")

    def handle_data(self, data: str) -> None:
        if self.skipping or not data:
            return
        if self.pre_depth:
            for index, piece in enumerate(data.split("\n")):
                if index:
                    self._break()
                self._add(piece)
            return
        text = _SPACES.sub(" ", data)
        if not self.current:
            text = text.lstrip()
        if text:
            self._add(text)

    # -- output ----------------------------------------------------------------------------
    def _add(self, text: str) -> None:
        if not self.current:
            self.current_depth = self.quote_depth
        self.current.append(text)
        for collected in self.link_text:
            collected.append(text)

    def _break(self, keep_empty: bool = False) -> None:
        """End the current line; an empty one counts only for <br> (<br><br> is a gap)."""
        line = "".join(self.current).rstrip()
        self.current = []
        if line.strip():
            self.lines.append((self.current_depth, line))
        elif keep_empty and self.lines and self.lines[-1][1]:
            self.lines.append((self.quote_depth, ""))

    def _paragraph(self) -> None:
        self._break()
        if self.lines and self.lines[-1][1]:
            self.lines.append((self.quote_depth, ""))

    def text(self) -> str:
        self._break()
        rendered = []
        for depth, line in self.lines:
            prefix = "> " * depth
            rendered.append((prefix + line).rstrip() if line else prefix.rstrip())
        while rendered and rendered[-1].strip("> ") == "":
            rendered.pop()
        text = "\n".join(rendered).replace("\xa0", " ")
        return _BLANK_LINES.sub("\n\n", text).strip("\n")
