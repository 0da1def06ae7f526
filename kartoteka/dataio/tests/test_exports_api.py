"""The exports API (/api/v1/exports) as a script sees it: the list of what may be exported,
CSV, XLSX and vCard files following the list's filters, columns, sort and saved views,
formula cells neutralised, rows narrowed by the caller's export scope, and the bad
parameters, formats and credentials it refuses — before any byte of a file is sent."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from kartoteka.contacts.models import Company
from kartoteka.customization.models import SavedView
from kartoteka.platform import export
from tests.helpers import API, error_of

pytestmark = pytest.mark.django_db

AUTH_MODES = [pytest.param(False, id="session"), pytest.param(True, id="token")]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def xlsx_rows(response) -> list[list]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def refusal(response, status: int = 422) -> dict:
    """The error of a refused export: the one error format, and no file begun."""
    assert response.status_code == status, response.content
    assert not response.streaming
    assert "Content-Disposition" not in response
    return error_of(response)


@pytest.fixture
def supplier(admin_user, registry):
    """A custom entity "supplier" with a text field "city", made through the services."""
    from kartoteka.customization import services

    services.create_entity_type(
        admin_user, {"key": "supplier", "label": "Supplier", "label_plural": "Suppliers"}
    )
    services.create_field(
        admin_user, {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )
    registry.refresh()
    return registry.get("supplier")


# -- what may be exported ---------------------------------------------------------------------


def test_the_index_lists_formats_and_the_entities_the_caller_may_export(
    api_as, admin_user, supplier
):
    body = api_as(admin_user).get("/exports").json()

    assert [f["key"] for f in body["formats"]] == ["csv", "xlsx", "vcf"]
    by_key = {entity["key"]: entity for entity in body["entities"]}
    assert by_key["company"]["formats"] == ["csv", "xlsx"]
    assert by_key["company"]["label_plural"] == "Companies"
    assert by_key["contact"]["formats"] == ["csv", "xlsx", "vcf"]
    assert by_key["contact"]["urls"]["vcf"] == "/api/v1/exports/contact.vcf"
    assert by_key["supplier"]["custom"] is True
    assert by_key["supplier"]["urls"] == {
        "csv": "/api/v1/exports/supplier.csv",
        "xlsx": "/api/v1/exports/supplier.xlsx",
    }


def test_a_reader_may_export_nothing_and_the_index_says_so(api_as, reader):
    assert api_as(reader).get("/exports").json()["entities"] == []


def test_a_support_agent_is_offered_only_tickets(api_as, agent):
    keys = [entity["key"] for entity in api_as(agent).get("/exports").json()["entities"]]

    assert keys == ["ticket"]


# -- CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", AUTH_MODES)
def test_csv_follows_filters_columns_and_sort(api_as, admin_user, make, token):
    make("company", name="Beta Soft", industry="it", tags="vip")
    make("company", name="Alpha Code", industry="it")
    make("company", name="Corner Shop", industry="retail", tags="vip")

    response = api_as(admin_user, token=token).get(
        "/exports/company.csv", {"f.industry": "it", "columns": "name,industry", "sort": "name"}
    )

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="company-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(response)
    assert rows[0] == ["id", "Name", "Industry"]
    assert [row[1:] for row in rows[1:]] == [
        ["Alpha Code", "IT and software"],
        ["Beta Soft", "IT and software"],
    ]


def test_csv_search_tags_and_descending_sort(api_as, admin_user, make):
    make("company", name="Acme North", tags="vip")
    make("company", name="Acme South", tags="vip")
    make("company", name="Acme West")
    make("company", name="Other", tags="vip")

    rows = csv_rows(
        api_as(admin_user).get(
            "/exports/company.csv",
            {"q": "acme", "f.tags": "vip", "sort": "-name", "columns": "name"},
        )
    )

    assert rows[0] == ["id", "Name"]
    assert [name for _pk, name in rows[1:]] == ["Acme South", "Acme North"]


def test_csv_neutralises_formulas_but_keeps_phone_numbers(api_as, admin_user, make):
    hyperlink = '=HYPERLINK("http://evil.example","Click")'
    make("company", name=hyperlink, phones="+48 22 123 45 67")
    make("company", name="+cmd|' /C calc'!A0", tags="@SUM(A1)")
    make("company", name="Plain", phones="+48 601 234 567, +48 602 000 111")

    rows = csv_rows(
        api_as(admin_user).get(
            "/exports/company.csv", {"columns": "name,phones,tags", "sort": "name"}
        )
    )

    assert [row[1:] for row in rows[1:]] == [
        ["'+cmd|' /C calc'!A0", "", "'@SUM(A1)"],
        ["'" + hyperlink, "+48221234567", ""],
        ["Plain", "+48601234567, +48602000111", ""],
    ]


def test_without_columns_the_lists_default_columns_are_exported(api_as, admin_user, make):
    make("company", name="Acme", owner=admin_user)

    rows = csv_rows(api_as(admin_user).get("/exports/company.csv"))

    assert rows[0] == ["id", "Name", "Phones", "Emails", "Industry", "Owner"]
    assert rows[1][1] == "Acme"


# -- saved views ------------------------------------------------------------------------------


@pytest.fixture
def three_companies(make, manager):
    for name, industry in (("Alpha", "it"), ("Beta", "it"), ("Gamma", "retail")):
        make("company", manager, name=name, industry=industry, owner=manager)


def view_of(owner, shared: bool = False, entity: str = "company", **params) -> SavedView:
    return SavedView.objects.create(
        entity=entity, name="IT firms", owner=owner, shared=shared, params=params
    )


def test_a_saved_view_brings_its_filters_columns_and_sort(api_as, manager, three_companies):
    view = view_of(manager, **{"f.industry": ["it"], "columns": "name,industry", "sort": "-name"})

    rows = csv_rows(api_as(manager).get("/exports/company.csv", {"view": view.pk}))

    assert rows[0] == ["id", "Name", "Industry"]
    assert [row[1] for row in rows[1:]] == ["Beta", "Alpha"]


def test_explicit_parameters_override_the_saved_view(api_as, manager, three_companies):
    view = view_of(manager, **{"f.industry": ["it"], "columns": "name,industry", "sort": "-name"})

    rows = csv_rows(
        api_as(manager).get(
            "/exports/company.csv", {"view": view.pk, "sort": "name", "columns": "name"}
        )
    )

    assert rows[0] == ["id", "Name"]
    assert [row[1] for row in rows[1:]] == ["Alpha", "Beta"]  # the view's filter still holds


def test_a_shared_view_of_someone_else_applies(api_as, admin_user, manager, three_companies):
    view = view_of(admin_user, shared=True, **{"f.industry": ["retail"], "columns": "name"})

    rows = csv_rows(api_as(manager).get("/exports/company.csv", {"view": view.pk}))

    assert rows == [["id", "Name"], [rows[1][0], "Gamma"]]


def test_a_view_whose_field_was_deleted_still_exports_without_it(
    api_as, admin_user, manager, three_companies
):
    view = view_of(manager, **{"f.gone": ["x"], "columns": "name,gone", "sort": "name"})

    rows = csv_rows(api_as(manager).get("/exports/company.csv", {"view": view.pk}))

    assert [row[1:] for row in rows] == [["Name"], ["Alpha"], ["Beta"], ["Gamma"]]


@pytest.mark.parametrize("which", ["private of another", "other entity", "missing", "abc", ""])
def test_a_view_the_caller_cannot_use_is_refused(
    api_as, manager, colleague, three_companies, which
):
    views = {
        "private of another": lambda: view_of(colleague, **{"f.industry": ["it"]}).pk,
        "other entity": lambda: view_of(manager, entity="contact").pk,
        "missing": lambda: 999999,
        "abc": lambda: "abc",
        "": lambda: "",
    }

    response = api_as(manager).get("/exports/company.csv", {"view": views[which]()})

    assert refusal(response)["fields"] == {"view": ["Unknown saved view."]}


# -- XLSX and vCard ---------------------------------------------------------------------------


def test_xlsx_has_the_rows_as_text(api_as, admin_user, make):
    make("company", name='=HYPERLINK("http://evil.example","x")', industry="it", tags="@SUM(A1)")
    make("company", name="Zakład Łódź", industry="it", phones="+48 22 123 45 67")
    make("company", name="Corner Shop", industry="retail")

    response = api_as(admin_user).get(
        "/exports/company.xlsx", {"f.industry": "it", "columns": "name,tags,phones", "sort": "name"}
    )

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="company-')
    rows = xlsx_rows(response)
    assert [value for value, _kind in rows[0]] == ["id", "Name", "Tags", "Phones"]
    assert [[value for value, _kind in row[1:]] for row in rows[1:]] == [
        ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)", None],
        ["Zakład Łódź", None, "+48221234567"],
    ]
    assert {kind for row in rows for value, kind in row if value is not None} == {"s"}


def test_contacts_export_as_vcards(api_as, admin_user, make):
    from kartoteka.contacts import vcard

    acme = make("company", name="Acme")
    make("contact", first_name="Łucja", last_name="Żak", company=acme.pk, phones="+48601234567")
    make("contact", first_name="Иван", last_name="Петров", source="website")

    response = api_as(admin_user).get("/exports/contact.vcf", {"f.source": "website"})

    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"].endswith('.vcf"')
    cards, problems = vcard.parse(b"".join(response.streaming_content).decode("utf-8"))
    assert problems == []
    assert [(c.first_name, c.last_name) for c in cards] == [("Иван", "Петров")]


def test_companies_have_no_vcard_export(api_as, admin_user, make):
    make("company", name="Acme")

    response = api_as(admin_user).get("/exports/company.vcf")

    assert refusal(response)["fields"] == {
        "format": ["This entity cannot be exported in this format."]
    }


def test_an_unknown_format_is_refused_with_the_ones_there_are(api_as, admin_user):
    response = api_as(admin_user).get("/exports/company.pdf")

    assert refusal(response)["message"] == "format: Choose one of: csv, xlsx."


# -- custom entities --------------------------------------------------------------------------


def test_a_custom_entity_exports_with_its_custom_fields(api_as, admin_user, make, supplier):
    make("supplier", name="Drewno", city="Łódź")
    make("supplier", name="Stal", city="=cmd")
    make("supplier", name="Szkło", city="Kraków")

    response = api_as(admin_user).get(
        "/exports/supplier.csv", {"columns": "name,city", "sort": "-city", "f.city": "d"}
    )

    assert response["Content-Disposition"].startswith('attachment; filename="supplier-')
    rows = csv_rows(response)
    assert rows[0] == ["id", "Name", "City"]
    assert [row[1:] for row in rows[1:]] == [["Drewno", "Łódź"], ["Stal", "'=cmd"]]

    workbook = xlsx_rows(api_as(admin_user).get("/exports/supplier.xlsx", {"sort": "name"}))
    assert [row[1][0] for row in workbook[1:]] == ["Drewno", "Stal", "Szkło"]


# -- strict parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params,field,message",
    [
        ({"f.nope": "x"}, "f.nope", "Unknown or unfilterable field."),
        ({"f.name.between": "x"}, "f.name.between", "Unknown filter operator."),
        ({"colums": "name"}, "colums", "Unknown parameter."),
        ({"columns": "name,nope"}, "columns", "Unknown column: nope."),
        ({"sort": "nope"}, "sort", "Cannot sort by this field."),
        ({"sort": "phones"}, "sort", "Cannot sort by this field."),
        ({"flag": "nope"}, "flag", "Unknown filter."),
        ({"cursor": "abc"}, "cursor", "An export has every row; leave out the paging parameters."),
        ({"limit": "10"}, "limit", "An export has every row; leave out the paging parameters."),
        ({"f.owner": "nobody"}, "f.owner", "Choose a valid record."),
        ({"f.owner": str(10**30)}, "f.owner", "Choose a valid record."),
        ({"f.name.min": "yesterday"}, "f.name.min", "Enter a valid bound."),
    ],
)
def test_bad_parameters_are_refused_before_the_file_starts(
    api_as, admin_user, make, params, field, message
):
    make("company", name="Acme")

    response = api_as(admin_user).get("/exports/company.csv", params)

    error = refusal(response)
    assert error["code"] == "validation_error"
    assert error["fields"] == {field: [message]}
    assert error["message"] == f"{field}: {message}"


def test_an_unknown_entity_is_not_found(api_as, admin_user):
    assert refusal(api_as(admin_user).get("/exports/spaceship.csv"), 404)["code"] == "not_found"


def test_a_hostile_search_is_only_text(api_as, admin_user, make):
    make("company", name="Acme")

    response = api_as(admin_user).get(
        "/exports/company.csv", {"q": "'; DROP TABLE contacts_company; --" * 20}
    )

    assert csv_rows(response) == [["id", "Name", "Phones", "Emails", "Industry", "Owner"]]
    assert Company.objects.filter(name="Acme").exists()


# -- permissions ------------------------------------------------------------------------------


def test_a_manager_exports_only_own_records(api_as, manager, colleague, make):
    make("company", manager, name="Mine", owner=manager)
    make("company", colleague, name="Boris's", owner=colleague)

    api = api_as(manager)
    rows = csv_rows(api.get("/exports/company.csv", {"columns": "name,owner"}))
    assert [row[1:] for row in rows[1:]] == [["Mine", "Anna"]]
    # asking for the colleague's records by filter gets none of them
    only_header = csv_rows(api.get("/exports/company.csv", {"f.owner": colleague.pk}))
    assert len(only_header) == 1

    xlsx = xlsx_rows(api.get("/exports/company.xlsx", {"columns": "name"}))
    assert [row[1][0] for row in xlsx[1:]] == ["Mine"]


def test_a_head_of_sales_exports_everyones(api_as, head, manager, colleague, make):
    make("company", manager, name="Anna's", owner=manager)
    make("company", colleague, name="Boris's", owner=colleague)

    rows = csv_rows(api_as(head).get("/exports/company.csv", {"columns": "name", "sort": "name"}))

    assert [row[1] for row in rows[1:]] == ["Anna's", "Boris's"]


@pytest.mark.parametrize("path", ["/exports", "/exports/company.csv", "/exports/contact.vcf"])
def test_without_credentials_the_answer_is_401(client, make, path):
    make("company", name="Acme")

    response = client.get(API + path)

    assert refusal(response, 401)["code"] == "unauthenticated"


def test_a_wrong_token_is_401(client, make):
    make("company", name="Acme")

    response = client.get(API + "/exports/company.csv", HTTP_AUTHORIZATION="Bearer nope")

    assert refusal(response, 401)["code"] == "unauthenticated"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "vcf"])
def test_a_reader_may_not_export(api_as, reader, make, fmt):
    make("contact", last_name="Nowak")

    response = api_as(reader).get(f"/exports/contact.{fmt}")

    assert refusal(response, 403)["code"] == "permission_denied"


def test_a_role_without_export_on_one_entity_is_refused_there_only(api_as, manager, make):
    from kartoteka.accounts.models import Role

    make("company", manager, name="Acme", owner=manager)
    role = Role.objects.get(key="manager")
    role.grants = {**role.grants, "company": {**role.grants["*"], "export": "none"}}
    role.save()
    api = api_as(manager)

    assert refusal(api.get("/exports/company.csv"), 403)["code"] == "permission_denied"
    assert api.get("/exports/contact.csv").status_code == 200
    assert "company" not in [e["key"] for e in api.get("/exports").json()["entities"]]


# -- streaming --------------------------------------------------------------------------------


def add_companies(owner, count: int) -> None:
    start = Company.objects.count()
    Company.objects.bulk_create(
        Company(name=f"Firm {start + i:05}", owner=owner, phones=[f"+4822{start + i:07}"])
        for i in range(count)
    )


def export_in_queries(api) -> tuple[int, int]:
    """(queries run, rows received) for the whole export, read to its end."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/exports/company.csv", {"columns": "name,phones,owner,industry"})
        assert isinstance(response, StreamingHttpResponse)
        rows = csv_rows(response)
    return len(queries), len(rows) - 1


def test_csv_is_streamed_with_the_same_queries_for_every_page(api_as, head, manager, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_PAGE", 250)
    api = api_as(head)

    add_companies(manager, 250)
    one_page, rows = export_in_queries(api)
    assert rows == 250
    add_companies(manager, 250)
    two_pages, rows = export_in_queries(api)
    assert rows == 500
    add_companies(manager, 2000)
    ten_pages, rows = export_in_queries(api)
    assert rows == 2500

    per_page = two_pages - one_page
    assert 1 <= per_page <= 2  # the page, and the owners named on it
    assert ten_pages == one_page + 9 * per_page


def test_the_first_rows_are_sent_before_the_last_page_is_read(api_as, head, manager, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_PAGE", 100)
    monkeypatch.setattr(export, "STREAM_ROWS", 50)
    add_companies(manager, 1000)
    response = api_as(head).get("/exports/company.csv", {"columns": "name"})

    with CaptureQueriesContext(connection) as queries:
        chunks = iter(response.streaming_content)
        first = next(chunks)  # the BOM, the header and the first 48 rows, sent together
    assert first.startswith("\ufeffid,Name\r\n".encode())
    assert first.count(b"\r\n") == 50 - 1
    assert len(queries) <= 2  # one page so far, not ten

    rest = b"".join(chunks)
    assert first.count(b"\r\n") + rest.count(b"\r\n") == 1000 + 1
