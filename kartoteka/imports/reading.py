"""Reading import files: CSV/TSV/TXT and XLSX into rows of cells, with a list of problems.

Pure Python: no models, no database. The import wizard builds on four parts.

Files
    `open_table(path_or_file, filename=...)` returns a `Table`. It raises `ImportFileError` only
    when no table can be read at all (empty file, unsupported format, a broken workbook, an
    unknown sheet). Everything that concerns single lines goes to `Table.problems` as
    `Problem(line, message)`; reading never stops because of one bad line.

    * Line numbers are the physical line of the text file (1-based) where the record starts,
      or the row number of the worksheet: what the user sees in a text editor or in Excel.
    * The header is the first non-blank row. A blank header becomes "Column N"; a repeated one
      becomes "Name (2)", "Name (3)". Trailing blank header cells are dropped.
    * `Table.rows()` yields `(line, cells)` with exactly `len(headers)` cells. Blank lines are
      skipped silently. A short CSV row is padded with "" and reported; extra non-empty values
      are reported and ignored (extra empty ones, as Excel writes them, are not a problem).
    * CSV cells are `str`, untouched: no stripping, and a formula-looking `=cmd|...` stays text
      (neutralising formulas is the export's job). XLSX cells keep openpyxl's types (`str`,
      `int`, `float`, `bool`, `datetime`), empty ones are "". Formulas give their cached value
      (`data_only=True`); a workbook that was never recalculated gives "" for them.
    * Streaming: memory does not grow with the file. Problems are kept up to `MAX_PROBLEMS`,
      then counted in one closing line. (An XLSX's shared-strings table is loaded by openpyxl.)
    * A cell longer than `MAX_CELL_CHARS` (Excel's own limit, 32,767) skips its row with a
      problem. NUL characters are removed and reported. Undecodable bytes become U+FFFD and
      their line is reported.
    * An unclosed quote would make the csv module swallow the rest of the file into one cell.
      A record that spans several lines and then fails (end of data inside quotes, csv's own
      field limit, text after a closing quote) is reported at the line where it started, that
      line is skipped, and reading restarts on the next line. A quote that is closed, however
      far away, is valid CSV and is read as one (possibly too long) cell.
    * `rows()` may be called again (a second pass after detecting column formats); each call
      re-reads the file and rebuilds `problems`. File objects must be binary and seekable.

Encodings (`detect_encoding`)
    BOM first (UTF-8, UTF-16, UTF-32), then UTF-16 without BOM by its NUL pattern, then UTF-8
    (also when only a few bytes are invalid: those lines are reported), then cp1251 against
    KOI8-R by how Russian the letters look, then cp1250 (Polish Excel) against cp1252. Excel's
    "Unicode text" export is UTF-16 with a BOM and tabs: it reads. Never raises.

Columns (`guess_mapping`)
    Headers and labels are normalised (case, ё→е, Latin diacritics folded, punctuation as
    spaces) and matched to field keys, to the field's own labels and to `SYNONYMS` in English,
    Russian and Polish. Each field is used at most once; exact matches beat partial ones and
    the leftmost header wins a tie.

Values (`parse_*`)
    Each parser returns `(value, None)` or `(None, message)`. A blank cell is `(None, None)`:
    whether a value is required is the importer's decision. Column-wide hints come from
    `detect_decimal_separator(values)` and `detect_date_order(values)`.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any, NamedTuple

from django.utils.translation import gettext as _

MAX_CELL_CHARS = 32_767
MAX_PROBLEMS = 1_000
ENCODING_SAMPLE_BYTES = 1 << 20
DIALECT_SAMPLE_CHARS = 64 * 1024
MAX_RESTARTS = 100
TEXT_EXTENSIONS = {".csv", ".txt", ".tsv"}
DELIMITERS = (",", ";", "\t", "|")

Cell = str | int | float | bool | datetime | date


class ImportFileError(ValueError):
    """The file cannot be read as a table at all; the message is for the user."""


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quotechar: str = '"'


# --- encodings ------------------------------------------------------------------------------

# Relative frequency of Russian letters (per mille, rounded); enough to tell cp1251 text from
# the same bytes read as KOI8-R, where lower case turns into rare upper-case letters.
_RUSSIAN_FREQ = {
    "о": 110, "е": 85, "а": 80, "и": 74, "н": 67, "т": 63, "с": 55, "р": 47, "в": 45, "л": 44,
    "к": 35, "м": 32, "д": 30, "п": 28, "у": 26, "я": 20, "ы": 19, "ь": 17, "г": 17, "з": 16,
    "б": 16, "ч": 14, "й": 12, "х": 10, "ж": 9, "ш": 7, "ю": 6, "ц": 5, "щ": 4, "э": 3,
    "ф": 3, "ъ": 1, "ё": 1, "і": 10, "ї": 3, "є": 3,
}  # fmt: skip
_POLISH_LETTERS = set("ąćęłńśźżĄĆĘŁŃŚŹŻ")
_WESTERN_LETTERS = set("àâäçéèêëîïôöùûüÿßñáíóúãõåæøÀÂÄÇÉÈÊËÎÏÔÖÙÛÜÑÁÍÓÚÃÕÅÆØ")


def _russian_score(text: str) -> float:
    score = 0.0
    for ch in text:
        freq = _RUSSIAN_FREQ.get(ch.lower())
        if freq:
            # Russian text is mostly lower case; cp1251 read as KOI8-R is mostly upper case.
            score += freq if ch.islower() else freq * 0.3
    return score


def _looks_latin(text: str) -> bool:
    """True when Cyrillic letters sit inside Latin words: Western bytes misread as cp1251."""
    mixed = cyrillic = 0
    for word in re.findall(r"[^\W\d_]+", text):
        has_cyr = any("\u0400" <= ch <= "\u04ff" for ch in word)
        if not has_cyr:
            continue
        if any(ch.isascii() for ch in word):
            mixed += 1
        else:
            cyrillic += 1
    return mixed > cyrillic


def detect_encoding(sample: bytes) -> str:
    """Name of the codec that most likely wrote `sample` (the first bytes of a file)."""
    try:
        if sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return "utf-32"
        if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        head = sample[:4096]
        if len(head) >= 4 and head.count(0) * 3 > len(head):
            odd_nuls = head[1::2].count(0)
            even_nuls = head[0::2].count(0)
            return "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
        try:
            # Incremental: the sample may end in the middle of a multi-byte character.
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            return "utf-8"
        except UnicodeDecodeError:
            # A few stray bytes in a UTF-8 file (one line pasted from elsewhere) must not turn
            # all its Cyrillic into mojibake; real cp1251 text is almost never valid UTF-8.
            as_utf8 = sample.decode("utf-8", "replace")
            bad = as_utf8.count("\ufffd")
            good = sum(1 for ch in as_utf8 if ch > "\x7f") - bad
            if good > 4 * bad:
                return "utf-8"
        as_1251 = sample.decode("cp1251", "replace")
        if not _looks_latin(as_1251):
            as_koi8 = sample.decode("koi8-r", "replace")
            score_1251, score_koi8 = _russian_score(as_1251), _russian_score(as_koi8)
            if score_1251 or score_koi8:
                return "cp1251" if score_1251 >= score_koi8 else "koi8-r"
        polish = sum(ch in _POLISH_LETTERS for ch in sample.decode("cp1250", "replace"))
        western = sum(ch in _WESTERN_LETTERS for ch in sample.decode("cp1252", "replace"))
        return "cp1250" if polish > western else "cp1252"
    except Exception:  # detection is advice: it must never break an upload
        return "latin-1"


# --- dialect --------------------------------------------------------------------------------


def detect_dialect(text_sample: str) -> Dialect:
    """The delimiter whose field count is the same on most records (and above one)."""
    lines = text_sample.splitlines(keepends=True)
    if len(lines) > 1 and not text_sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    lines = [line for line in lines if line.strip()][:500]
    quotechar = '"'
    if "'" in text_sample and '"' not in text_sample:
        if re.search(r"(^|[,;\t|])'[^']*'([,;\t|]|$)", text_sample, re.M):
            quotechar = "'"
    best: tuple[float, int, int] | None = None
    best_delim = ","
    for preference, delim in enumerate(DELIMITERS):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim, quotechar=quotechar)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        key = (hits / len(counts), mode, -preference)
        if best is None or key > best:
            best, best_delim = key, delim
    return Dialect(delimiter=best_delim, quotechar=quotechar)


# --- tables ---------------------------------------------------------------------------------


class _ProblemLog:
    """Problems of one reading pass, capped so a broken 100 MB file cannot fill memory."""

    def __init__(self, target: list[Problem]):
        self.target = target
        self.dropped = 0

    def add(self, line: int | None, message: str) -> None:
        if len(self.target) < MAX_PROBLEMS:
            self.target.append(Problem(line, message))
        else:
            self.dropped += 1

    def close(self) -> None:
        if self.dropped:
            self.target.append(
                Problem(
                    None, _("%(count)s more problems were not listed.") % {"count": self.dropped}
                )
            )
            self.dropped = 0


def unique_headers(raw: Sequence[Any]) -> list[str]:
    """Header names as the user will see them: blank → "Column N", repeats → "Name (2)"."""
    cells = ["" if value is None else str(value).replace("\ufeff", "").strip() for value in raw]
    while cells and not cells[-1]:
        cells.pop()
    seen: set[str] = set()
    headers = []
    for index, name in enumerate(cells, start=1):
        name = name or _("Column %(number)s") % {"number": index}
        candidate, copy = name, 1
        while candidate.casefold() in seen:
            copy += 1
            candidate = f"{name} ({copy})"
        seen.add(candidate.casefold())
        headers.append(candidate)
    return headers


def _too_long_message(header: str) -> str:
    return _(
        "The value in column “%(column)s” is longer than %(limit)s characters; the row was skipped."
    ) % {"column": header, "limit": MAX_CELL_CHARS}


class Table:
    """A readable table: `headers`, `rows()` and the `problems` of the last pass."""

    format = ""

    def __init__(self, source: str | os.PathLike | IO[bytes], filename: str):
        self.source = source
        self.filename = filename
        self.headers: list[str] = []
        self.header_line = 0
        self.problems: list[Problem] = []

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        raise NotImplementedError

    def _open_binary(self) -> IO[bytes]:
        if isinstance(self.source, str | os.PathLike):
            return open(self.source, "rb")
        self.source.seek(self._start)
        return io.BufferedReader(_BorrowedRaw(self.source), 1 << 16)

    def _remember_start(self) -> None:
        if not isinstance(self.source, str | os.PathLike):
            if isinstance(self.source, io.TextIOBase):
                raise TypeError("open_table needs a binary file, not a text one")
            if not self.source.seekable():
                raise TypeError("open_table needs a seekable file")
            self._start = self.source.tell()


class _BorrowedRaw(io.RawIOBase):
    """A caller's file seen as a raw stream; closing the wrappers leaves the file open."""

    def __init__(self, file: IO[bytes]):
        super().__init__()
        self._file = file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class CsvTable(Table):
    format = "csv"

    def __init__(self, source, filename: str):
        super().__init__(source, filename)
        self._remember_start()
        with self._open_binary() as raw:
            sample = raw.read(ENCODING_SAMPLE_BYTES)
        if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
            raise ImportFileError(_("The file is empty."))
        self.encoding = detect_encoding(sample)
        text = sample[: DIALECT_SAMPLE_CHARS * 4].decode(self.encoding, "replace")
        text = text.lstrip("\ufeff")[:DIALECT_SAMPLE_CHARS]
        # Classic Mac line ends, and UTF-16 (where b"\n" is not a line end), need a text reader.
        self._text_mode = self.encoding.startswith("utf-16") or self.encoding == "utf-32"
        self._text_mode = self._text_mode or ("\r" in text and "\n" not in text)
        if filename.lower().endswith(".tsv"):
            self.dialect = Dialect(delimiter="\t")
        else:
            self.dialect = detect_dialect(text)
        self._read_header()

    def _read_header(self) -> None:
        for line, cells in self._records(header=True):
            self.headers = unique_headers(cells)
            self.header_line = line
            break
        if not self.headers:
            raise ImportFileError(_("The file has no header row."))
        self._header_problems = list(self.problems)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        self.problems = list(self._header_problems)
        return self._records(header=False)

    def _lines(self, raw: IO[bytes], skip: int, log: _ProblemLog) -> Iterator[str]:
        """Decoded physical lines after the first `skip` ones, NULs removed and reported."""
        encoding = self.encoding
        lineno = 0
        if self._text_mode:
            lines: Iterable = io.TextIOWrapper(raw, encoding, errors="replace", newline="")
        else:
            lines = raw
        for line in lines:
            lineno += 1
            if lineno <= skip:
                continue
            if not self._text_mode:
                try:
                    line = line.decode(encoding)
                except UnicodeDecodeError:
                    line = line.decode(encoding, "replace")
                    log.add(lineno, _("Some characters could not be read as %(encoding)s.")
                            % {"encoding": encoding})  # fmt: skip
            elif "\ufffd" in line:
                log.add(lineno, _("Some characters could not be read as %(encoding)s.")
                        % {"encoding": encoding})  # fmt: skip
            if "\x00" in line:
                line = line.replace("\x00", "")
                log.add(lineno, _("The line contains NUL characters; they were removed."))
            yield line

    def _records(self, header: bool) -> Iterator[tuple[int, list[Cell]]]:
        log = _ProblemLog(self.problems)
        skip = 0 if header else self._header_end
        restarts = 0
        width = len(self.headers)
        delimiter, quotechar = self.dialect.delimiter, self.dialect.quotechar
        while True:
            restart_after = None
            with self._open_binary() as raw:
                reader = csv.reader(
                    self._lines(raw, skip, log),
                    delimiter=delimiter,
                    quotechar=quotechar,
                    strict=True,
                )
                end = skip
                while True:
                    start = end + 1
                    try:
                        row = next(reader)
                        failure = None
                    except StopIteration:
                        break
                    except csv.Error as exc:
                        row, failure = None, str(exc)
                    end = skip + reader.line_num
                    multiline = end > start
                    if failure is not None:
                        if multiline:
                            log.add(
                                start,
                                _(
                                    "A quote opened on this line is never closed properly; "
                                    "the line was skipped and reading went on from the next."
                                ),
                            )
                            restart_after = start
                            break
                        if "field larger" in failure:
                            log.add(
                                start,
                                _("A value on this line is far too long; the row was skipped."),
                            )
                        else:
                            log.add(
                                start,
                                _("The quotes on this line are malformed; the row was skipped."),
                            )
                        continue
                    if not row:
                        continue
                    joined = "".join(row)
                    if not joined or joined.isspace():
                        continue
                    if header:
                        self._header_end = end
                        yield start, row
                        return
                    if len(joined) > MAX_CELL_CHARS:
                        # A properly closed quoted cell, however many lines it spans, is valid
                        # CSV: it is reported as too long, not as a broken quote.
                        long_at = next(
                            (i for i, cell in enumerate(row) if len(cell) > MAX_CELL_CHARS), None
                        )
                        if long_at is not None:
                            name = self.headers[long_at] if long_at < width else str(long_at + 1)
                            log.add(start, _too_long_message(name))
                            continue
                    count = len(row)
                    if count != width:
                        row = self._fit(row, start, width, log)
                    yield start, row
            if restart_after is None or restarts >= MAX_RESTARTS:
                if restart_after is not None:
                    log.add(None, _("Too many broken quotes; the rest of the file was not read."))
                break
            restarts += 1
            skip = restart_after
        log.close()

    @staticmethod
    def _fit(row: list[str], line: int, width: int, log: _ProblemLog) -> list[str]:
        count = len(row)
        if count < width:
            log.add(
                line,
                _("The row has %(count)s values instead of %(width)s; the rest are empty.")
                % {"count": count, "width": width},
            )
            return row + [""] * (width - count)
        extra = row[width:]
        if any(cell.strip() for cell in extra):
            log.add(
                line,
                _("The row has %(count)s values instead of %(width)s; the extra ones are ignored.")
                % {"count": count, "width": width},
            )
        return row[:width]


class XlsxTable(Table):
    format = "xlsx"

    def __init__(self, source, filename: str, sheet: str | None = None):
        super().__init__(source, filename)
        self._remember_start()
        self.sheet = sheet
        workbook = self._load()
        try:
            self.sheet_names = list(workbook.sheetnames)
            if sheet is not None and sheet not in self.sheet_names:
                raise ImportFileError(
                    _("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet}
                )
            self.sheet = sheet or self.sheet_names[0]
            for line, cells in self._iter(workbook):
                self.headers = unique_headers(cells)
                self.header_line = line
                break
        finally:
            workbook.close()
        if not self.headers:
            raise ImportFileError(_("The sheet “%(sheet)s” is empty.") % {"sheet": self.sheet})

    def _load(self):
        import zipfile

        import openpyxl

        try:
            if isinstance(self.source, str | os.PathLike):
                return openpyxl.load_workbook(self.source, read_only=True, data_only=True)
            self.source.seek(self._start)
            return openpyxl.load_workbook(self.source, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ImportFileError(
                _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc}
            )

    def _iter(self, workbook) -> Iterator[tuple[int, list[Cell]]]:
        sheet = workbook[self.sheet]
        sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        for line, values in enumerate(
            sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1
        ):
            cells = ["" if v is None else v for v in values]
            while cells and (cells[-1] == "" or (type(cells[-1]) is str and cells[-1].isspace())):
                cells.pop()
            if cells:
                yield line, cells

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        self.problems = []
        return self._rows()

    def _rows(self) -> Iterator[tuple[int, list[Cell]]]:
        log = _ProblemLog(self.problems)
        width = len(self.headers)
        workbook = self._load()
        try:
            for line, cells in self._iter(workbook):
                if line <= self.header_line:
                    continue
                too_long = next(
                    (
                        i
                        for i, cell in enumerate(cells)
                        if type(cell) is str and len(cell) > MAX_CELL_CHARS
                    ),
                    None,
                )
                if too_long is not None:
                    name = self.headers[too_long] if too_long < width else str(too_long + 1)
                    log.add(line, _too_long_message(name))
                    continue
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                elif len(cells) > width:
                    log.add(
                        line,
                        _("The row has values beyond the last named column; they are ignored."),
                    )
                    cells = cells[:width]
                yield line, cells
        finally:
            workbook.close()
            log.close()


def open_table(
    path_or_file: str | os.PathLike | IO[bytes], *, filename: str, sheet: str | None = None
) -> Table:
    """A `Table` for a CSV/TSV/TXT or XLSX file; the format comes from `filename`."""
    extension = os.path.splitext(filename.lower())[1]
    if extension in TEXT_EXTENSIONS:
        return CsvTable(path_or_file, filename)
    if extension in {".xlsx", ".xlsm"}:
        return XlsxTable(path_or_file, filename, sheet=sheet)
    if extension in {".xls", ".ods", ".numbers"}:
        raise ImportFileError(
            _("This spreadsheet format cannot be read; save the file as XLSX or CSV.")
        )
    raise ImportFileError(_("Only CSV, TSV, TXT and XLSX files can be imported."))


# --- column mapping -------------------------------------------------------------------------

SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("First name", "Given name", "Forename", "Имя", "Imię"),
    "last_name": ("Last name", "Surname", "Family name", "Фамилия", "Nazwisko"),
    "middle_name": ("Middle name", "Patronymic", "Отчество", "Drugie imię"),
    "name": ("Name", "Full name", "Title", "Название", "Наименование", "ФИО", "Nazwa"),
    "company_name": ("Company", "Company name", "Компания", "Организация", "Firma"),
    "company": (
        "Company", "Organization", "Organisation", "Account", "Компания", "Организация",
        "Контрагент", "Клиент", "Firma", "Organizacja", "Klient",
    ),
    "emails": (
        "Email", "E-mail", "Emails", "Email address", "Mail", "Эл. почта", "Электронная почта",
        "Почта", "Adres e-mail", "Poczta",
    ),
    "phones": (
        "Phone", "Phones", "Telephone", "Tel.", "Mobile", "Phone number", "Телефон",
        "Телефоны", "Тел.", "Мобильный", "Telefon", "Telefony", "Komórka", "Numer telefonu",
    ),
    "owner": (
        "Owner", "Responsible", "Manager", "Assigned to", "Ответственный", "Менеджер",
        "Владелец", "Właściciel", "Odpowiedzialny", "Opiekun",
    ),
    "position": ("Position", "Job title", "Role", "Должность", "Stanowisko"),
    "address": ("Address", "Адрес", "Adres"),
    "website": ("Website", "Web site", "Site", "URL", "WWW", "Сайт", "Веб-сайт", "Strona",
                "Strona www"),
    "industry": ("Industry", "Sector", "Отрасль", "Сфера деятельности", "Branża"),
    "source": ("Source", "Lead source", "Источник", "Źródło"),
    "tags": ("Tags", "Labels", "Теги", "Метки", "Tagi", "Etykiety"),
    "amount": ("Amount", "Value", "Deal value", "Сумма", "Бюджет", "Kwota", "Wartość"),
    "price": ("Price", "Цена", "Cena"),
    "currency": ("Currency", "Валюта", "Waluta"),
    "stage": ("Stage", "Status", "Стадия", "Этап", "Статус", "Etap"),
    "expected_close": (
        "Expected close", "Close date", "Expected close date", "Дата закрытия",
        "Ожидаемая дата закрытия", "Przewidywana data zamknięcia", "Data zamknięcia",
    ),
    "notes": ("Notes", "Comment", "Comments", "Description", "Примечание", "Комментарий",
              "Описание", "Notatki", "Uwagi", "Komentarz", "Opis"),
    "birthday": ("Birthday", "Date of birth", "День рождения", "Дата рождения", "Urodziny",
                 "Data urodzenia"),
    "city": ("City", "Город", "Miasto"),
    "country": ("Country", "Страна", "Kraj"),
    "subject": ("Subject", "Тема", "Temat"),
    "sku": ("SKU", "Article", "Артикул", "Kod", "Indeks"),
}  # fmt: skip

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ё": "е", "Ё": "е", "ß": "ss", "_": " "})


def normalise_header(text: str) -> str:
    """Lower case, ё→е, Latin diacritics folded, anything but letters and digits as one space."""
    text = str(text).translate(_FOLD).casefold()
    folded = []
    for ch in text:
        if ch < "\u0250":  # Latin only: NFKD would turn Cyrillic й into и
            ch = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
        folded.append(ch)
    text = "".join(folded).replace("ё", "е")
    return " ".join(re.findall(r"[^\W_]+", text))


def guess_mapping(
    headers: Sequence[str], fields: Sequence[tuple[str, Iterable[str]]]
) -> dict[str, str | None]:
    """Which field each header most likely holds; None for headers that match nothing."""
    candidates: list[tuple[int, int, int, str, str]] = []  # (rank, -tokens, index, header, key)
    for index, header in enumerate(headers):
        norm = normalise_header(header)
        if not norm:
            continue
        tokens = set(norm.split())
        compact = norm.replace(" ", "")
        for key, labels in fields:
            own = [normalise_header(key)] + [normalise_header(str(label)) for label in labels]
            names = [(0, name) for name in own] + [
                (1, normalise_header(s)) for s in SYNONYMS.get(key, ())
            ]
            best = None
            for rank, name in names:
                if not name:
                    continue
                if norm == name:
                    found = (rank, 0)
                elif compact == name.replace(" ", ""):
                    found = (rank + 2, 0)
                elif set(name.split()) <= tokens:
                    found = (4, -len(name.split()))
                else:
                    continue
                if best is None or found < best:
                    best = found
            if best is not None:
                candidates.append((best[0], best[1], index, header, key))
    mapping: dict[str, str | None] = {header: None for header in headers}
    used_headers: set[str] = set()
    used_fields: set[str] = set()
    for _rank, _tokens, _index, header, key in sorted(candidates):
        if header in used_headers or key in used_fields:
            continue
        mapping[header] = key
        used_headers.add(header)
        used_fields.add(key)
    return mapping


# --- values ---------------------------------------------------------------------------------

_SPACES = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, "\u2009": None, "'": None,
                         "’": None, "\u2212": "-", "\u2013": "-"})  # fmt: skip
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _split_separators(text: str) -> tuple[str | None, str | None]:
    """(decimal separator, grouping separator) that a number string shows unambiguously."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        return ("," if text.rfind(",") > text.rfind(".") else ".", None)
    for sep, count in ((",", commas), (".", dots)):
        if count > 1:
            return ("." if sep == "," else ",", sep)
        if count == 1:
            digits_after = len(text) - text.find(sep) - 1
            if digits_after != 3 or text.startswith(("0" + sep, sep, "-0" + sep, "-" + sep)):
                return sep, None
    return None, None


def detect_decimal_separator(values: Iterable[Any]) -> str | None:
    """ "," or "." — the decimal separator a column's values show; None when none tells."""
    votes: Counter[str] = Counter()
    for value in values:
        if not isinstance(value, str):
            continue
        text = value.translate(_SPACES)
        decimal_sep, _group = _split_separators(text)
        if decimal_sep:
            votes[decimal_sep] += 1
    if not votes:
        return None
    (winner, count), *rest = votes.most_common()
    return None if rest and rest[0][1] == count else winner


def parse_number(value: Any, decimal_sep: str | None = None) -> tuple[Decimal | None, str | None]:
    """A Decimal from "1 234,56", "1,234.56", "1.234,56", "−12", "12%" (→ 12), "(5)" (→ −5).

    A lone separator before exactly three digits ("1,234") is ambiguous: `decimal_sep` decides;
    without it the separator is taken as decimal.
    """
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        return None, _("“%(value)s” is not a number.") % {"value": value}
    if isinstance(value, int | Decimal):
        return Decimal(value), None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, _("“%(value)s” is not a number.") % {"value": value}
        return Decimal(repr(value)), None
    original = str(value)
    text = original.strip().translate(_SPACES)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("%"):
        text = text[:-1]
    sure_decimal, group = _split_separators(text)
    decimal = sure_decimal or decimal_sep or ("," if "," in text else ".")
    if group:
        text = text.replace(group, "")
    other = "," if decimal == "." else "."
    text = text.replace(other, "").replace(decimal, ".")
    if not _NUMBER_RE.fullmatch(text):
        return None, _("“%(value)s” is not a number.") % {"value": original.strip()[:50]}
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, _("“%(value)s” is not a number.") % {"value": original.strip()[:50]}
    return (-number if negative else number), None


_CURRENCY_SYMBOLS = (
    ("US$", "USD"), ("zł", "PLN"), ("zl", "PLN"), ("руб.", "RUB"), ("руб", "RUB"),
    ("р.", "RUB"), ("₽", "RUB"), ("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("₴", "UAH"),
    ("грн", "UAH"), ("₸", "KZT"), ("¥", "JPY"), ("Kč", "CZK"), ("₺", "TRY"),
)  # fmt: skip
_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Za-z]{3})(?![A-Za-z])")


class Money(NamedTuple):
    amount: Decimal
    currency: str | None


def parse_money(value: Any, decimal_sep: str | None = None) -> tuple[Money | None, str | None]:
    """Money from "1 234,56 zł", "$1,234.56", "1234.56 EUR", "₽ 500"; currency None if unsaid."""
    if _blank(value):
        return None, None
    if not isinstance(value, str):
        amount, error = parse_number(value)
        return (Money(amount, None), None) if error is None else (None, error)
    text = value.strip()
    currencies = set()
    for symbol, code in _CURRENCY_SYMBOLS:
        if symbol in text:
            currencies.add(code)
            text = text.replace(symbol, " ")
    for match in _CODE_RE.finditer(text):
        currencies.add(match.group(1).upper())
    text = _CODE_RE.sub(" ", text)
    if len(currencies) > 1:
        return None, _("“%(value)s” names more than one currency.") % {"value": value.strip()}
    amount, error = parse_number(text, decimal_sep)
    if error or amount is None:
        return None, _("“%(value)s” is not an amount of money.") % {"value": value.strip()[:50]}
    return Money(amount, currencies.pop() if currencies else None), None


_TRUE = {"1", "yes", "y", "true", "t", "on", "x", "+", "✓", "✔", "☑", "да", "д", "истина",
         "tak", "prawda"}  # fmt: skip
_FALSE = {"0", "no", "n", "false", "f", "off", "✗", "✘", "☐", "нет", "н", "ложь", "nie",
          "fałsz", "falsz"}  # fmt: skip


def parse_bool(value: Any) -> tuple[bool | None, str | None]:
    """True/False from yes/no, true/false, 1/0, да/нет, tak/nie, x, ✓ (any case)."""
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    if _blank(value):
        return None, None
    text = str(value).strip().casefold().rstrip(".")
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, _("“%(value)s” is neither yes nor no.") % {"value": str(value).strip()[:50]}


_EXCEL_EPOCH = date(1899, 12, 30)  # the 1900 date system, including Excel's leap-year bug
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "sty": 1, "lut": 2, "kwi": 4, "maj": 5, "cze": 6, "lip": 7, "sie": 8, "wrz": 9, "paz": 10,
    "paź": 10, "lis": 11, "gru": 12,
}  # fmt: skip
_ISO_RE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[T ].*)?")
_DMY_RE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})(?:[T ,]+\d{1,2}:\d{2}.*)?")
_NAMED_RE = re.compile(r"(\d{1,2})\s*([^\W\d_]+)\.?,?\s*(\d{2}|\d{4})(?:\s*(?:г|r)\.?)?")
_SERIAL_RE = re.compile(r"\d{5}(\.\d+)?")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # POSIX %y: 69–99 → 1900s, 00–68 → 2000s
        year += 1900 if year >= 69 else 2000
    return year


def _order_hint(first: int, second: int, separator: str) -> bool | None:
    if separator == ".":
        return True  # dotted dates are day-first everywhere they are used
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


def detect_date_order(values: Iterable[Any]) -> bool | None:
    """True if a column's dates are day-first (31/12), False if month-first (12/31), None if
    nothing in the column tells."""
    votes: Counter[bool] = Counter()
    for value in values:
        if isinstance(value, str):
            match = _DMY_RE.fullmatch(value.strip())
            if match and match.group(2) != ".":
                hint = _order_hint(int(match.group(1)), int(match.group(3)), match.group(2))
                if hint is not None:
                    votes[hint] += 1
    if not votes:
        return None
    (winner, count), *rest = votes.most_common()
    return None if rest and rest[0][1] == count else winner


def parse_date(value: Any, day_first: bool | None = True) -> tuple[date | None, str | None]:
    """A date from ISO, 31.12.2024, 31/12/24, 12/31/2024, 20241231, "31 декабря 2024", an
    Excel serial number (int/float or a five-digit string); a date or datetime passes through.

    `day_first` settles 01/02/2024 (use `detect_date_order` over the column); with None such a
    value is an error.
    """
    if isinstance(value, date):
        return value, None
    if _blank(value):
        return None, None
    invalid = _("“%(value)s” is not a date.") % {"value": str(value).strip()[:50]}
    if isinstance(value, bool):
        return None, invalid
    if isinstance(value, int | float) or (
        isinstance(value, str) and _SERIAL_RE.fullmatch(value.strip())
    ):
        serial = float(value)
        if not 1 <= serial < 2_958_466:
            return None, invalid
        return _EXCEL_EPOCH + timedelta(days=int(serial)), None
    text = str(value).strip()
    try:
        if match := _ISO_RE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3])), None
        if re.fullmatch(r"\d{8}", text):
            return date(int(text[:4]), int(text[4:6]), int(text[6:])), None
        if match := _DMY_RE.fullmatch(text):
            first, second = int(match[1]), int(match[3])
            hint = _order_hint(first, second, match[2])
            order = hint if hint is not None else day_first
            if order is None:
                return None, _(
                    "“%(value)s” could be day/month or month/day; the column does not tell."
                ) % {"value": text}
            day, month = (first, second) if order else (second, first)
            return date(_year(match[4]), month, day), None
        if match := _NAMED_RE.fullmatch(text.casefold()):
            month = _MONTHS.get(match[2][:3])
            if month:
                return date(_year(match[3]), month, int(match[1])), None
    except ValueError:
        return None, _("“%(value)s” is not an existing date.") % {"value": text}
    return None, invalid
