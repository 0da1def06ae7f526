"""What a list export writes in each cell: for every field type (built-in contact, company
and deal fields, custom fields of every type, lists, empty values, Cyrillic and Polish text,
formula-like text) the cell is exactly what the presenters' `as_text` makes of the record's
value, in the reader's language, with formula-like CSV cells neutralised; the header, the
order and the XLSX workbook follow the same rows. The recorded files in `export_files/`
pin the whole CSV, byte for byte, in English, Russian and Polish."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import translation

from kartoteka.platform import export, services
from kartoteka.platform.listing import ListQuery
from kartoteka.platform.presenters import References, as_text

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "export_files"
LANGUAGES = ["en", "ru", "pl"]
CUSTOM_FIELDS = [
    {"key": "nickname", "type": "text", "labels": {"ru": "Прозвище", "pl": "Przydomek"}},
    {"key": "notes", "type": "longtext"},
    {"key": "score", "type": "number", "labels": {"ru": "Рейтинг"}},
    {"key": "budget", "type": "money"},
    {"key": "birthday", "type": "date"},
    {"key": "met_at", "type": "datetime"},
    {"key": "vip", "type": "boolean"},
    {"key": "tier", "type": "choice", "choices": ["Gold", "Silver", "Złoto", "=Formula"]},
    {"key": "langs", "type": "multichoice", "choices": ["ru", "pl", "en"]},
    {"key": "alt_email", "type": "email"},
    {"key": "fax", "type": "phone"},
    {"key": "site", "type": "url"},
    {"key": "curator", "type": "user"},
    {"key": "employer", "type": "relation", "related_entity": "company"},
    {"key": "main_deal", "type": "relation", "related_entity": "deal"},
]
CONTACT_COLUMNS = (
    "last_name,first_name,company,position,phones,emails,address,source,tags,owner,"
    + ",".join(field["key"] for field in CUSTOM_FIELDS)
)
COMPANY_COLUMNS = "name,phones,emails,website,address,industry,source,tags,owner"
DEAL_COLUMNS = (
    "name,amount,currency,stage,pipeline,company,contact,expected_close,source,lost_reason,"
    "closed_at,lead,owner"
)


@pytest.fixture
def card_index(admin_user, manager, make, registry):
    """Companies, contacts with every custom field filled (or not), deals; a few records
    carry stored values no form would let through (imported, or older data)."""
    from kartoteka.contacts.models import Contact
    from kartoteka.customization import services as customization
    from kartoteka.sales.models import Deal

    for order, field in enumerate(CUSTOM_FIELDS):
        customization.create_field(
            admin_user,
            {"entity": "contact", "label": field["key"].replace("_", " ").title(), **field}
            | {"order": order},
        )
    registry.refresh()
    manager.first_name, manager.last_name = "Анна", "Żółć"
    manager.save()

    acme = make("company", name="Acme", industry="it", tags="b2b, =cmd", phones="+48221234567")
    romashka = make(
        "company",
        owner=manager,
        name="ООО «Ромашка»",
        emails="info@romashka.example",
        website="https://romashka.example/",
        address="Москва,\nул. Ленина, 1",
        source="referral",
    )
    evil = make("company", name='=HYPERLINK("http://evil.example","x")', industry="retail")
    make("company", name="-42")
    deal = make(
        "deal",
        owner=manager,
        name="Licences 2027",
        amount="1234567.5",
        company=acme.pk,
        expected_close="2027-03-04",
        source="partner",
    )
    make("deal", name="@SUM(A1)", amount="0")
    Deal.objects.filter(pk=deal.pk).update(
        closed_at=dt.datetime(2026, 12, 31, 23, 45, tzinfo=dt.UTC)
    )

    full = make(
        "contact",
        owner=manager,
        first_name="Łucja",
        last_name="Żak",
        company=acme.pk,
        position="CFO, board",
        phones="+48601234567, +48221234567",
        emails="lucja@acme.example",
        source="website",
        tags="vip, łódź",
        nickname="Lu",
        notes='line one\nline two; "quoted"',
        score="1234567.891",
        budget={"amount": "2500.5", "currency": "PLN"},
        birthday="1990-07-15",
        met_at="2026-05-01T09:30:00+02:00",
        vip="yes",
        tier="Złoto",
        langs=["pl", "en"],
        alt_email="lucja@home.example",
        fax="+48221234567",
        site="https://lucja.example/cv",
        curator=admin_user.pk,
        employer=romashka.pk,
        main_deal=deal.pk,
    )
    make(
        "contact",
        first_name="Иван",
        last_name="Петров",
        company=romashka.pk,
        score="-3",
        budget={"amount": "0", "currency": "RUB"},
        vip="no",
        tier="Gold",
        langs=["ru"],
        birthday="2001-01-02",
        employer=evil.pk,
        curator=manager.pk,
    )
    make("contact", last_name="Empty")
    make("contact", last_name="-12.5", first_name="+48 601", position="@mention", tier="=Formula")
    hostile = make("contact", last_name="Hostile")
    # Values stored by older code or raw imports: wrong types, unknown choices, dangling ids.
    Contact.objects.filter(pk=hostile.pk).update(
        first_name="\tTabbed",
        position="\rCarriage",
        custom={
            "nickname": 42,
            "notes": ["a", "b"],
            "score": 7.25,
            "budget": {"amount": "abc"},
            "birthday": "not a date",
            "met_at": "yesterday",
            "vip": 0,
            "tier": "Bronze",
            "langs": ["xx", "", None, "pl"],
            "alt_email": "",
            "fax": None,
            "site": "ftp://old.example",
            "curator": 999_999_999,
            "employer": "Acme",
            "main_deal": [deal.pk],
        },
    )
    Contact.objects.filter(pk=full.pk).update(phones=["+48601234567", "=2+2", "-7"])
    return {"acme": acme, "romashka": romashka, "deal": deal}


def reference_rows(spec, query: ListQuery, user, cell=export.safe_cell) -> list[list[str]]:
    """The rows as the presenters write each value of each loaded record: what an export
    has to match."""
    columns = query.visible_columns
    rows = [["id", *[str(c.label) for c in columns]]]
    qs = query.filtered(user, "export")
    expr, descending, _spec = query.ordering()
    ordered = qs.annotate(_sort=expr).order_by(
        getattr(expr, "desc" if descending else "asc")(nulls_last=True),
        "-id" if descending else "id",
    )
    records = list(ordered)
    for start in range(0, len(records), export.EXPORT_PAGE):
        page = records[start : start + export.EXPORT_PAGE]
        refs = References().want_values(columns, page, services.get_value).resolve()
        for obj in page:
            rows.append(
                [
                    str(obj.pk),
                    *[cell(as_text(c, services.get_value(obj, c), refs)) for c in columns],
                ]
            )
    return rows


def exported(entity: str, params: dict, user, cell=export.safe_cell) -> list[list[str]]:
    from kartoteka.platform.registry import registry

    spec = registry.get(entity)
    query = ListQuery.from_params(spec, params)
    return list(export.rows_of(spec, query, user, cell=cell))


def csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


CASES = [
    ("contact", {"columns": CONTACT_COLUMNS}),
    ("contact", {"columns": CONTACT_COLUMNS, "sort": "-score"}),
    ("contact", {"columns": CONTACT_COLUMNS, "sort": "company"}),
    ("contact", {}),
    ("company", {"columns": COMPANY_COLUMNS, "sort": "name"}),
    ("deal", {"columns": DEAL_COLUMNS, "sort": "amount"}),
    ("deal", {}),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("entity,params", CASES)
def test_every_cell_is_what_the_presenters_write(
    card_index, admin_user, monkeypatch, language, entity, params
):
    from kartoteka.platform.registry import registry

    monkeypatch.setattr(export, "EXPORT_PAGE", 2)  # page boundaries between the rows
    spec = registry.get(entity)
    with translation.override(language):
        expected = reference_rows(spec, ListQuery.from_params(spec, params), admin_user)
        rows = exported(entity, params, admin_user)
        assert rows == expected
        plain = exported(entity, params, admin_user, cell=export._text)
        unescaped = reference_rows(
            spec, ListQuery.from_params(spec, params), admin_user, cell=export._text
        )
        assert plain == unescaped
    assert len(rows) == 1 + spec.model.objects.count()


def normalised_ids(text: str, card_index) -> str:
    """The recorded files hold names, not database ids (which differ between runs)."""
    rows = list(csv.reader(io.StringIO(text)))
    for number, row in enumerate(rows[1:], start=1):
        row[0] = f"row{number}"
    return csv_text(rows).replace(f"#{card_index['deal'].pk}", "#DEAL")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contacts_file_is_the_recorded_one(client, card_index, admin_user, language):
    admin_user.language = language
    admin_user.save()
    client.force_login(admin_user)

    response = client.get(f"/e/contact/export.csv?columns={CONTACT_COLUMNS}&sort=-score")

    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    text = normalised_ids(raw.decode("utf-8")[1:], card_index)
    assert text.encode() == (RECORDED / f"contacts-{language}.csv").read_bytes()


def test_recorded_cells_in_russian_and_polish(card_index, admin_user):
    """A few cells a reader checks by eye: numbers, money and dates as the language writes
    them, labels of choices, names of users and records, neutralised formulas."""
    by_name = {}
    for language in ("ru", "pl"):
        with translation.override(language):
            rows = exported("contact", {"columns": CONTACT_COLUMNS}, admin_user)
        assert rows[0][1:3] == {"ru": ["Фамилия", "Имя"], "pl": ["Nazwisko", "Imię"]}[language]
        keys = ["id", *CONTACT_COLUMNS.split(",")]
        by_name[language] = {row[1]: dict(zip(keys, row, strict=True)) for row in rows[1:]}
    lucja_ru, lucja_pl = by_name["ru"]["Żak"], by_name["pl"]["Żak"]
    assert lucja_ru["score"] == "1\xa0234\xa0567,891"
    assert lucja_pl["nickname"] == "Lu"
    assert lucja_ru["budget"] == "2\xa0500,50\xa0PLN"
    assert lucja_pl["budget"] == "2\xa0500,50\xa0zł"
    assert lucja_ru["birthday"] == "15.07.1990" and lucja_pl["birthday"] == "15-07-1990"
    assert lucja_ru["met_at"] == "01.05.2026 07:30"
    assert lucja_ru["vip"] == "Да" and by_name["pl"]["Петров"]["vip"] == "Nie"
    assert lucja_ru["langs"] == "pl, en" and lucja_ru["tags"] == "vip, łódź"
    assert lucja_ru["employer"] == "ООО «Ромашка»" and lucja_ru["main_deal"] == "Licences 2027"
    assert lucja_ru["curator"] == "Boss" and lucja_ru["owner"] == "Анна Żółć"
    assert lucja_ru["phones"] == "'+48601234567, =2+2, -7"
    assert lucja_ru["source"] == "Сайт" and lucja_pl["source"] == "Strona WWW"
    assert by_name["ru"]["-12.5"]["tier"] == "'=Formula"
    assert by_name["ru"]["-12.5"]["first_name"] == "'+48 601"
    assert by_name["ru"]["Петров"]["employer"] == '\'=HYPERLINK("http://evil.example","x")'
    assert by_name["ru"]["Hostile"]["curator"] == "#999999999"
    assert by_name["ru"]["Hostile"]["first_name"] == "'\tTabbed"
    assert by_name["ru"]["Empty"]["score"] == ""


def test_the_xlsx_file_holds_the_same_cells_as_text(api_as, card_index, admin_user):
    from openpyxl import load_workbook

    admin_user.language = "pl"
    admin_user.save()
    response = api_as(admin_user).get(f"/exports/contact.xlsx?columns={CONTACT_COLUMNS}")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    cells = [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]
    with translation.override("pl"):
        expected = exported("contact", {"columns": CONTACT_COLUMNS}, admin_user, export._text)
    # a lone CR reads back from the XML as a line feed, as in any XLSX
    assert [[value or "" for value, _kind in row] for row in cells] == [
        [export._printable(value).replace("\r", "\n") for value in row] for row in expected
    ]
    assert {kind for row in cells for value, kind in row if value is not None} == {"s"}


def test_a_referenced_record_is_named_from_its_title_columns_alone(
    admin_user, registry, django_assert_num_queries
):
    """`References` loads only an entity's `title_columns`: its `title` must need nothing
    else, or naming fifty companies on an export page would cost a query each."""
    from kartoteka.customization import services as customization

    customization.create_entity_type(
        admin_user, {"key": "supplier", "label": "Supplier", "label_plural": "Suppliers"}
    )
    values = {
        "company": {"name": "Żółw Logistics"},
        "contact": {"first_name": "Семён", "last_name": "Ёлкин"},
        "lead": {"first_name": "", "last_name": "", "company_name": "", "emails": "l@x.example"},
        "deal": {"name": "Fleet renewal"},
        "product": {"name": "Pallet", "sku": "P-1"},
        "ticket": {"subject": "Printer offline"},
        "supplier": {"name": "Baltic Timber"},
    }
    made = {}
    for spec in sorted(registry.all(), key=lambda spec: spec.key != "contact"):
        assert spec.title_columns, f"{spec.key} names its title columns"
        if spec.key == "ticket":
            values["ticket"]["contact"] = made["contact"].pk
        record = made[spec.key] = services.create_record(spec, admin_user, values[spec.key])
        refs = References()
        refs.wanted[spec.key] = {record.pk}
        with django_assert_num_queries(1):  # the one read of the title columns, nothing more
            refs.resolve()
        expected = spec.title(spec.queryset().get(pk=record.pk))
        assert refs.titles[spec.key][record.pk] == expected != ""
    refs = References()
    refs.wanted["user"] = {admin_user.pk}
    with django_assert_num_queries(1):
        refs.resolve()
    assert refs.titles["user"][admin_user.pk] == str(admin_user)
