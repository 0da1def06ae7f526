"""CSV and XLSX export of any list view — its filters, columns and sort — read page by page
so a million rows never sit in memory. In CSV, cells that a spreadsheet would read as a
formula are neutralised with a leading apostrophe; in XLSX every cell is written as text,
which no spreadsheet evaluates."""

from __future__ import annotations

import csv
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .fields import FieldType
from .listing import ListQuery
from .presenters import References, text_formatter
from .registry import EntitySpec

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain number (a phone in E.164, a negative amount) is no formula: it stays as it is.
# Phone numbers in E.164 (and lists of them) and plain negative numbers are no formulas and
# are read back as they were; anything else starting with a formula character is escaped.
PLAIN_NUMBER = re.compile(r"^(\+\d{4,15}(, \+\d{4,15})*|-\d+([.,]\d+)?)$")
EXPORT_PAGE = 1000
STREAM_ROWS = 200
# vCards only for contacts: their fields are what a card holds.
VCARD_ENTITIES = ("contact",)


def formats_for(spec: EntitySpec) -> list[str]:
    """The files a list of this entity exports to."""
    return ["csv", "xlsx", *(["vcf"] if spec.key in VCARD_ENTITIES else [])]


_FORMULA_FIRST = frozenset(FORMULA_START)


def safe_cell(value: str) -> str:
    if value and value[0] in _FORMULA_FIRST and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def rows_of(
    spec: EntitySpec, query: ListQuery, user, cell: Callable[[str], str] = safe_cell
) -> Iterator[list[str]]:
    """The header and the rows of the list, as text. Rows are read as tuples of the written
    columns (the custom JSON once per row), a page at a time; each column's formatter is
    chosen once, in the language the export runs in; users and records a page points to are
    named with one query per target and page."""
    columns = query.visible_columns
    yield ["id", *[str(c.label) for c in columns]]
    query.limit = EXPORT_PAGE
    query.cursor = ""
    stored = sorted({c.attname for c in columns if not c.is_custom})
    if any(c.is_custom for c in columns):
        stored.append("custom")
    places = [(None, c.key) if c.is_custom else (stored.index(c.attname), "") for c in columns]
    custom_at = stored.index("custom") if "custom" in stored else None
    refs = References()
    formatters = [text_formatter(c, refs) for c in columns]
    references = [
        (index, c)
        for index, c in enumerate(columns)
        if c.type in (FieldType.USER, FieldType.RELATION)
    ]
    while True:
        page = query.page(user, action="export", values=stored)
        records = []
        for row in page.rows:
            custom = (row[custom_at] or {}) if custom_at is not None else {}
            records.append([custom.get(key) if at is None else row[at] for at, key in places])
        for known in refs.titles.values():  # a page names what it points to, as it did
            known.clear()
        for index, column in references:
            for values in records:
                refs.want(column, values[index])
        refs.resolve()
        for row, values in zip(page.rows, records, strict=True):
            yield [
                str(row[-1]),
                *[cell(text(value)) for text, value in zip(formatters, values, strict=True)],
            ]
        if not page.next_cursor:
            return
        query.cursor = page.next_cursor


def stream_csv(spec: EntitySpec, query: ListQuery, user) -> StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(rows_of(spec, query, user), f"{spec.key}-{stamp}.csv")


def csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    """Rows as a CSV download, streamed a chunk at a time, with a BOM so that spreadsheet
    programs read UTF-8 (Cyrillic, Polish letters). Cells are written as given: neutralise
    formulas (`safe_cell`) before."""
    writer = csv.writer(_Echo())
    lines = itertools.chain(["\ufeff"], (writer.writerow(row) for row in rows))
    response = StreamingHttpResponse(_in_chunks(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _in_chunks(parts, size: int | None = None):
    """Join a stream of small strings into larger pieces (`STREAM_ROWS` each): a WSGI server
    writes each piece it is given to the socket on its own."""
    size = size or STREAM_ROWS
    chunk = []
    for part in parts:
        chunk.append(part)
        if len(chunk) >= size:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _text(value: str) -> str:
    return value


def xlsx_file(spec: EntitySpec, query: ListQuery, user):
    """The workbook in a temporary file (gone when closed). openpyxl's write-only mode
    keeps rows on disk, so memory stays flat however many rows there are."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(spec.label_plural)[:31] or spec.key)
    for row in rows_of(spec, query, user, cell=_text):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_printable(value))
            cell.data_type = "s"  # text, never a formula ("=1+1" stays "=1+1")
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


# XML 1.0 has no place for most control characters; openpyxl refuses them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _printable(value: str) -> str:
    return _CONTROL.sub("", value)


def xlsx_response(spec: EntitySpec, query: ListQuery, user) -> FileResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        xlsx_file(spec, query, user),
        as_attachment=True,
        filename=f"{spec.key}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def vcard_response(spec: EntitySpec, query: ListQuery, user) -> StreamingHttpResponse:
    """Contacts of the list (its filters and sort) as vCard 4.0, streamed page by page."""
    import uuid

    from django.conf import settings

    from kartoteka.contacts import vcard

    # UIDs stable for this installation, different from another's
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL)

    def cards():
        query.limit = EXPORT_PAGE
        query.cursor = ""
        while True:
            page = query.page(user, action="export")
            for contact in page.rows:
                company = contact.company if contact.company_id else None
                yield vcard.VCardData(
                    first_name=contact.first_name,
                    last_name=contact.last_name,
                    full_name=str(contact),
                    company=company.name if company else "",
                    position=contact.position,
                    emails=list(contact.emails or []),
                    phones=list(contact.phones or []),
                    address=contact.address,
                    tags=list(contact.tags or []),
                    uid=vcard.uid_for(contact.pk, namespace),
                    rev=contact.updated_at,
                )
            if not page.next_cursor:
                return
            query.cursor = page.next_cursor

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        _in_chunks(vcard.serialize(cards())), content_type="text/vcard; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{spec.key}-{stamp}.vcf"'
    return response
