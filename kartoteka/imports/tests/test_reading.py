"""The file-reading core of the import wizard, fed the messy files people really upload."""

import io
import time
import tracemalloc
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from kartoteka.imports.reading import (
    MAX_PROBLEMS,
    Dialect,
    ImportFileError,
    Money,
    detect_date_order,
    detect_decimal_separator,
    detect_dialect,
    detect_encoding,
    guess_mapping,
    open_table,
    parse_bool,
    parse_date,
    parse_money,
    parse_number,
)

RUSSIAN = "Иванов;Сергей;ООО «Ромашка»;Москва, ул. Лесная, д. 5;продажи оборудования\n"


def write(tmp_path, name, data: bytes | str, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read_all(table):
    return list(table.rows())


def lines_of(problems):
    return [p.line for p in problems]


# --- encodings ------------------------------------------------------------------------------


def test_russian_excel_export_in_cp1251_with_semicolons_reads_as_cyrillic(tmp_path):
    text = "Фамилия;Имя;Компания;Адрес;Примечание\n" + RUSSIAN * 3
    table = open_table(write(tmp_path, "clients.csv", text, "cp1251"), filename="clients.csv")
    assert table.encoding == "cp1251"
    assert table.dialect == Dialect(";", '"')
    assert table.headers == ["Фамилия", "Имя", "Компания", "Адрес", "Примечание"]
    rows = read_all(table)
    assert [line for line, _ in rows] == [2, 3, 4]
    assert rows[0][1][2] == "ООО «Ромашка»"
    assert table.problems == []


def test_koi8r_file_is_not_mistaken_for_cp1251(tmp_path):
    text = "Фамилия;Имя;Компания;Адрес;Примечание\n" + RUSSIAN.replace("«", "").replace("»", "")
    table = open_table(write(tmp_path, "old.csv", text, "koi8-r"), filename="old.csv")
    assert table.encoding == "koi8-r"
    assert read_all(table)[0][1][0] == "Иванов"


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffName,E-mail\nAnna,anna@example.com\n", "utf-8")
    table = open_table(path, filename="bom.csv")
    assert table.encoding == "utf-8-sig"
    assert table.headers == ["Name", "E-mail"]


def test_excel_unicode_text_export_is_utf16_with_tabs(tmp_path):
    text = "Nazwisko\tImię\nŻółkiewski\tŁucja\n"
    path = write(tmp_path, "unicode.txt", text, "utf-16")  # Python writes the BOM, like Excel
    table = open_table(path, filename="unicode.txt")
    assert table.encoding == "utf-16"
    assert table.dialect.delimiter == "\t"
    assert read_all(table) == [(2, ["Żółkiewski", "Łucja"])]


def test_detect_encoding_tells_polish_and_western_single_byte_files():
    assert detect_encoding("Zażółć gęślą jaźń, Łódź".encode("cp1250")) == "cp1250"
    assert detect_encoding("Café crème, Müller, Größe".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"plain ascii") == "utf-8"
    assert detect_encoding("Привет".encode()[:-1]) == "utf-8"  # cut inside a character
    assert detect_encoding("Tab\tseparated".encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding(b"") == "utf-8"


def test_a_stray_cp1251_byte_in_a_utf8_file_is_reported_on_its_line(tmp_path):
    data = ("Name,City\n" + "Анна,Краков\n" * 5).encode() + "Борис,Омск\n".encode("cp1251")
    table = open_table(write(tmp_path, "mixed.csv", data), filename="mixed.csv")
    assert table.encoding == "utf-8"
    rows = read_all(table)
    assert rows[0] == (2, ["Анна", "Краков"])
    assert len(rows) == 6 and rows[5][1][0].startswith("\ufffd")
    assert lines_of(table.problems) == [7]


# --- dialects -------------------------------------------------------------------------------


def test_detect_dialect_prefers_the_consistent_delimiter_over_decimal_commas():
    sample = "Name;Amount;Note\nA;1,5;x\nB;2,25;y, z\nC;3;\n"
    assert detect_dialect(sample).delimiter == ";"
    assert detect_dialect("a|b|c\n1|2|3\n").delimiter == "|"
    assert detect_dialect('name,note\n"Smith; John","a;b"\n').delimiter == ","


# --- messy files from the issue -------------------------------------------------------------


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path):
    path = write(tmp_path, "blank.csv", "\n\nName,Phone\n\nAnna,1\n  \n,\nBoris,2\n\n")
    table = open_table(path, filename="blank.csv")
    assert table.header_line == 3
    assert read_all(table) == [(5, ["Anna", "1"]), (8, ["Boris", "2"])]
    assert table.problems == []


def test_duplicated_and_blank_headers_are_made_unique(tmp_path):
    path = write(tmp_path, "dup.csv", "Name,Phone,name,,Phone,\na,b,c,d,e,\n")
    table = open_table(path, filename="dup.csv")
    assert table.headers == ["Name", "Phone", "name (2)", "Column 4", "Phone (2)"]
    assert read_all(table) == [(2, ["a", "b", "c", "d", "e"])]


def test_ragged_rows_are_padded_or_cut_and_reported(tmp_path):
    path = write(tmp_path, "ragged.csv", "a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n")
    table = open_table(path, filename="ragged.csv")
    assert read_all(table) == [(2, ["1", "2", ""]), (3, ["1", "2", "3"]), (4, ["1", "2", "3"])]
    assert lines_of(table.problems) == [2, 3]  # trailing empty cells are not a problem
    assert "2 values instead of 3" in table.problems[0].message


def test_unclosed_quote_is_reported_where_it_opened_and_the_rest_is_read(tmp_path):
    body = ["Name,Note\n", "Anna,ok\n", 'Boris,"starts a quote\n']
    body += [f"Person {n},fine\n" for n in range(4, 9)]
    table = open_table(write(tmp_path, "quote.csv", "".join(body)), filename="quote.csv")
    rows = read_all(table)
    assert [line for line, _ in rows] == [2, 4, 5, 6, 7, 8]
    assert rows[-1] == (8, ["Person 8", "fine"])
    assert lines_of(table.problems) == [3]
    assert "quote" in table.problems[0].message


def test_closed_multiline_cell_is_one_row_starting_on_its_first_line(tmp_path):
    path = write(tmp_path, "ml.csv", 'Name,Address\nAnna,"Line 1\nLine 2"\nBoris,x\n')
    table = open_table(path, filename="ml.csv")
    assert read_all(table) == [(2, ["Anna", "Line 1\nLine 2"]), (4, ["Boris", "x"])]


def test_text_after_a_closing_quote_skips_that_row_only(tmp_path):
    path = write(tmp_path, "bad.csv", 'a,b\n1,"x"y\n2,z\n')
    table = open_table(path, filename="bad.csv")
    assert read_all(table) == [(3, ["2", "z"])]
    assert lines_of(table.problems) == [2]


def test_a_10000_character_cell_is_read_whole(tmp_path):
    long = "ж" * 10_000
    path = write(tmp_path, "long.csv", f"Name,Note\nAnna,{long}\nBoris,short\n")
    rows = read_all(open_table(path, filename="long.csv"))
    assert rows[0][1][1] == long and len(rows) == 2


def test_a_cell_over_the_limit_skips_its_row_with_a_problem(tmp_path):
    path = write(tmp_path, "huge.csv", f"Name,Note\nAnna,{'x' * 40_000}\nBoris,short\n")
    table = open_table(path, filename="huge.csv")
    assert read_all(table) == [(3, ["Boris", "short"])]
    assert lines_of(table.problems) == [2]
    assert "Note" in table.problems[0].message


def test_nul_bytes_are_removed_and_reported(tmp_path):
    path = write(tmp_path, "nul.csv", b"Name,Phone\nAn\x00na,1\nBoris,2\n")
    table = open_table(path, filename="nul.csv")
    assert read_all(table) == [(2, ["Anna", "1"]), (3, ["Boris", "2"])]
    assert lines_of(table.problems) == [2]


def test_unknown_columns_are_read_and_mapped_to_nothing(tmp_path):
    path = write(tmp_path, "unk.csv", "Name,Shoe size\nAnna,38\n")
    table = open_table(path, filename="unk.csv")
    assert guess_mapping(table.headers, [("name", ["Name"])]) == {
        "Name": "name",
        "Shoe size": None,
    }
    assert read_all(table) == [(2, ["Anna", "38"])]


def test_formula_looking_cell_is_returned_untouched(tmp_path):
    hostile = "=cmd|' /C calc'!A0"
    path = write(tmp_path, "evil.csv", f'Name,Note\n"{hostile}",@SUM(1)\n')
    assert read_all(open_table(path, filename="evil.csv")) == [(2, [hostile, "@SUM(1)"])]


def test_mac_classic_line_ends_are_split(tmp_path):
    path = write(tmp_path, "mac.csv", "a;b\r1;2\r3;4\r")
    assert read_all(open_table(path, filename="mac.csv")) == [(2, ["1", "2"]), (3, ["3", "4"])]


def test_problems_are_capped_so_a_broken_file_cannot_fill_memory(tmp_path):
    path = write(tmp_path, "many.csv", "a,b,c\n" + "1\n" * (MAX_PROBLEMS + 50))
    table = open_table(path, filename="many.csv")
    assert len(read_all(table)) == MAX_PROBLEMS + 50
    assert len(table.problems) == MAX_PROBLEMS + 1
    assert "50" in table.problems[-1].message and table.problems[-1].line is None


def test_rows_can_be_read_twice_from_a_file_object_without_closing_it():
    upload = io.BytesIO("Name;Amount\nAnna;1 234,56\n".encode("cp1251"))
    table = open_table(upload, filename="upload.csv")
    assert read_all(table) == read_all(table) == [(2, ["Anna", "1 234,56"])]
    assert not upload.closed


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n \n", "empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "XLSX or CSV"),
        ("notes.pdf", b"%PDF", "CSV"),
        ("fake.xlsx", b"Name,Phone\n", "XLSX"),
    ],
)
def test_unreadable_files_give_one_clear_error(tmp_path, name, data, message):
    with pytest.raises(ImportFileError, match=message):
        open_table(write(tmp_path, name, data), filename=name)


def test_100_mb_file_streams_in_constant_memory(tmp_path):
    path = tmp_path / "big.csv"
    row = ",".join(f"value {n:02d} " + "x" * 30 for n in range(10)) + "\n"
    rows_wanted = 100 * 1024 * 1024 // len(row) + 1
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(f"Column {n}" for n in range(10)) + "\n")
        chunk = row * 1000
        for _ in range(rows_wanted // 1000):
            out.write(chunk)
        out.write(row * (rows_wanted % 1000))
        out.write("last,row,is,short\n")
    assert path.stat().st_size > 100 * 1024 * 1024

    tracemalloc.start()
    try:
        table = open_table(path, filename="big.csv")
        count, last = 0, None
        for _line, cells in table.rows():
            count, last = count + 1, cells
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows_wanted + 1
    print(f"\npeak traced memory while reading 100 MB: {peak / 1e6:.1f} MB")
    assert last == ["last", "row", "is", "short", "", "", "", "", "", ""]
    assert lines_of(table.problems) == [rows_wanted + 2]
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_reading_rate_of_a_ten_column_csv(tmp_path):
    rows_wanted = 200_000
    path = tmp_path / "rate.csv"
    line = "Anna,Smith,anna@example.com,+48 600 100 200,Acme,Warsaw,2024-12-31,1 234.56,yes,note\n"
    path.write_text("h0,h1,h2,h3,h4,h5,h6,h7,h8,h9\n" + line * rows_wanted, encoding="utf-8")
    started = time.perf_counter()
    count = sum(1 for _ in open_table(path, filename="rate.csv").rows())
    elapsed = time.perf_counter() - started
    print(f"\nread {count} rows in {elapsed:.2f} s: {count / elapsed:,.0f} rows/s")
    assert count == rows_wanted


# --- XLSX -----------------------------------------------------------------------------------


def make_workbook(tmp_path, name="book.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Deals"
    sheet.append(["Name", "Amount", "Close date", "Total", "Name"])
    sheet.append(["Big deal", 1234.5, datetime(2024, 12, 31), "=B2*2", "dup"])
    sheet.append([])
    sheet.append(["Small", 7, None, "=B4*2"])
    book.create_sheet("Other").append(["Only", "here"])
    path = tmp_path / name
    book.save(path)
    # openpyxl saves formulas without results; give them the values Excel would have cached.
    with zipfile.ZipFile(path) as zin:
        parts = {item: zin.read(item) for item in zin.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("<f>B2*2</f><v />", "<f>B2*2</f><v>2469</v>")
    xml = xml.replace("<f>B4*2</f><v />", "<f>B4*2</f><v>14</v>")
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zout:
        for item, data in parts.items():
            zout.writestr(item, data)
    return path


def test_xlsx_gives_dates_numbers_and_cached_formula_values(tmp_path):
    table = open_table(make_workbook(tmp_path), filename="book.xlsx")
    assert table.sheet_names == ["Deals", "Other"]
    assert table.headers == ["Name", "Amount", "Close date", "Total", "Name (2)"]
    assert read_all(table) == [
        (2, ["Big deal", 1234.5, datetime(2024, 12, 31), 2469, "dup"]),
        (4, ["Small", 7, "", 14, ""]),
    ]
    assert parse_date(read_all(table)[0][1][2]) == (datetime(2024, 12, 31), None)


def test_xlsx_named_sheet_and_unknown_sheet(tmp_path):
    path = make_workbook(tmp_path)
    assert open_table(path, filename="book.xlsx", sheet="Other").headers == ["Only", "here"]
    with pytest.raises(ImportFileError, match="Missing"):
        open_table(path, filename="book.xlsx", sheet="Missing")


# --- column mapping -------------------------------------------------------------------------

CONTACT_FIELDS = [
    ("first_name", ["First name"]),
    ("last_name", ["Last name"]),
    ("emails", ["Emails"]),
    ("phones", ["Phones"]),
    ("company", ["Company"]),
    ("owner", ["Owner"]),
    ("position", ["Position"]),
]


@pytest.mark.parametrize(
    "headers",
    [
        ["First Name", "LAST_NAME", "E-mail", "Tel.", "Organization", "Owner", "Job title"],
        ["Имя", "Фамилия", "Эл. почта", "Телефон", "Организация", "Ответственный", "Должность"],
        ["Imię", "Nazwisko", "Adres e-mail", "Telefon", "Firma", "Właściciel", "Stanowisko"],
    ],
    ids=["en", "ru", "pl"],
)
def test_guess_mapping_in_three_languages(headers):
    expected = [key for key, _labels in CONTACT_FIELDS]
    assert list(guess_mapping(headers, CONTACT_FIELDS).values()) == expected


def test_guess_mapping_uses_each_field_once_and_folds_spelling():
    headers = ["Telefon", "Telefon (2)", "ИМЯ ", "Imie", "Ещё что-то", "Mobile phone"]
    mapping = guess_mapping(headers, CONTACT_FIELDS)
    assert mapping == {
        "Telefon": "phones",
        "Telefon (2)": None,
        "ИМЯ ": "first_name",
        "Imie": None,  # first_name is taken by the exact match before it
        "Ещё что-то": None,
        "Mobile phone": None,
    }
    deal = [("amount", ["Сумма"]), ("expected_close", []), ("currency", [])]
    assert guess_mapping(["Data zamknięcia", "Kwota", "Waluta"], deal) == {
        "Data zamknięcia": "expected_close",
        "Kwota": "amount",
        "Waluta": "currency",
    }


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("1 234,56", None, "1234.56"),
        ("1,234.56", None, "1234.56"),
        ("1.234,56", None, "1234.56"),
        ("1\u00a0234\u202f567,5", None, "1234567.5"),
        ("\u221212", None, "-12"),
        ("12%", None, "12"),
        ("(5,5)", None, "-5.5"),
        ("1,234", ".", "1234"),
        ("1,234", ",", "1.234"),
        ("1.234", ",", "1234"),
        ("1,234,567", None, "1234567"),
        ("0,5", ".", "0.5"),
        ("1.5E+3", None, "1500"),
        (1234.5, None, "1234.5"),
        (7, None, "7"),
    ],
)
def test_parse_number(text, hint, expected):
    assert parse_number(text, hint) == (Decimal(expected), None)


@pytest.mark.parametrize("text", ["abc", "1,2,3.4.5", "12 apples", "--1", "1e", True])
def test_parse_number_rejects_with_a_message(text):
    value, error = parse_number(text)
    assert value is None and error


def test_blank_values_are_none_without_error():
    for parser in (parse_number, parse_date, parse_bool, parse_money):
        assert parser("  ") == (None, None)


def test_detect_decimal_separator_reads_the_whole_column():
    assert detect_decimal_separator(["1,234", "5,5", "7"]) == ","
    assert detect_decimal_separator(["1,234", "2,345.10"]) == "."
    assert detect_decimal_separator(["1,234", "2,345"]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56 zł", Money(Decimal("1234.56"), "PLN")),
        ("$1,234.56", Money(Decimal("1234.56"), "USD")),
        ("1234.56 EUR", Money(Decimal("1234.56"), "EUR")),
        ("₽ 500", Money(Decimal("500"), "RUB")),
        ("500 руб.", Money(Decimal("500"), "RUB")),
        ("42", Money(Decimal("42"), None)),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == (expected, None)


def test_parse_money_rejects_two_currencies_and_garbage():
    assert parse_money("5 USD EUR")[1]
    assert parse_money("lots")[1]


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2024-12-31", True, date(2024, 12, 31)),
        ("2024-12-31T10:00:00", True, date(2024, 12, 31)),
        ("31.12.2024", False, date(2024, 12, 31)),
        ("31/12/2024", False, date(2024, 12, 31)),
        ("12/31/2024", True, date(2024, 12, 31)),
        ("01/02/2024", True, date(2024, 2, 1)),
        ("01/02/2024", False, date(2024, 1, 2)),
        ("31.12.24", True, date(2024, 12, 31)),
        ("1.1.70", True, date(1970, 1, 1)),
        ("20241231", True, date(2024, 12, 31)),
        ("45657", True, date(2024, 12, 31)),
        (45657.75, True, date(2024, 12, 31)),
        ("31 декабря 2024 г.", True, date(2024, 12, 31)),
        ("31 grudnia 2024", True, date(2024, 12, 31)),
        ("31 Dec 2024", True, date(2024, 12, 31)),
    ],
)
def test_parse_date(text, day_first, expected):
    assert parse_date(text, day_first) == (expected, None)


def test_parse_date_errors_are_clear():
    assert "existing" in parse_date("31.02.2024")[1]
    assert "day/month" in parse_date("01/02/2024", day_first=None)[1]
    assert parse_date("tomorrow")[0] is None and parse_date("tomorrow")[1]


def test_detect_date_order_from_mixed_column():
    assert detect_date_order(["01/02/2024", "25/12/2024", "2024-01-01"]) is True
    assert detect_date_order(["01/02/2024", "12/25/2024"]) is False
    assert detect_date_order(["01/02/2024", "31.12.2024"]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Yes", True), ("нет", False), ("TAK", True), ("nie", False), ("x", True), ("✓", True),
     ("0", False), ("ИСТИНА", True), ("FAŁSZ", False), (1, True), (False, False)],
)  # fmt: skip
def test_parse_bool(text, expected):
    assert parse_bool(text) == (expected, None)


def test_parse_bool_rejects_maybe():
    assert parse_bool("maybe")[1]


def test_unclosed_quote_before_a_long_tail_costs_only_its_own_line(tmp_path):
    tail = "".join(f"Person {n},fine\n" for n in range(4, 30_004))  # past the csv field limit
    upload = io.BytesIO(('Name,Note\nAnna,ok\nBoris,"oops\n' + tail).encode())
    table = open_table(upload, filename="upload.csv")
    rows = read_all(table)
    assert len(rows) == 30_001 and rows[-1] == (30_003, ["Person 30003", "fine"])
    assert lines_of(table.problems) == [3]


def test_a_closed_multiline_cell_over_the_limit_is_too_long_not_a_broken_quote(tmp_path):
    note = "line\n" * 8_000  # 40,000 characters over 8,000 lines, properly quoted
    path = write(tmp_path, "long-ml.csv", f'Name,Note\nAnna,"{note}"\nBoris,short\n')
    table = open_table(path, filename="long-ml.csv")
    assert read_all(table) == [(8_003, ["Boris", "short"])]
    assert lines_of(table.problems) == [2]
    assert "Note" in table.problems[0].message
