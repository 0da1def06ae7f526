"""The list page's repeated markup, built in Python: fifty rows of cells and the user options
of the filter panel and the bulk bar are most of the page, and the template engine spent
about half of the page's time on them (finding 6 of docs/performance.md). The output is the
markup the templates wrote, escaped the same way (`conditional_escape`, as autoescaping does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .registry import EntitySpec

_MARKER = 987654321


def pk_url_maker(url_of: Callable[[int], str]) -> Callable[[int], str]:
    """`url_of(pk)` without a `reverse()` per row: the URL is reversed once with a marker id
    and the row's id put in its place."""
    head, tail = url_of(_MARKER).split(str(_MARKER), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def card_url_maker(spec: EntitySpec) -> Callable[[int], str]:
    return pk_url_maker(spec.card_url)


def rows(spec: EntitySpec, table: Iterable[tuple[object, list]]) -> list[SafeString]:
    """One `<tr>` per record: a selection box, then the cells, the first linking the card."""
    card_url = card_url_maker(spec)
    select = conditional_escape(_("Select"))
    out = []
    for obj, cells in table:
        tds = "".join(
            format_html('<td><a href="{}" class="fw-semibold">{}</a></td>', card_url(obj.pk), cell)
            if index == 0
            else f"<td>{conditional_escape(cell)}</td>"
            for index, cell in enumerate(cells)
        )
        out.append(
            mark_safe(  # noqa: S308 (every part above is escaped)
                '\n<tr>\n  <td><input class="form-check-input" type="checkbox" name="ids" '
                f'value="{int(obj.pk)}" aria-label="{select}"></td>\n  {tds}\n</tr>\n'
            )
        )
    return out


def options(choices: Iterable[tuple[str, str]], current: str | None = None) -> SafeString:
    """`<option>`s for (value, label) pairs, the one equal to `current` selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value == current else "", label)
            for value, label in choices
        ),
    )
