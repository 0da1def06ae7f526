"""Deliberately messy files through the whole import, each with its documented result: what is
imported, what is refused with which reason, and that a refused row leaves nothing behind.
(Reading alone — encodings, dialects, broken quoting — is tested in kartoteka.imports.)"""

import csv
import io
import tracemalloc

import pytest

from kartoteka.contacts.models import Company, Contact
from kartoteka.dataio import services
from kartoteka.platform.registry import registry
from kartoteka.sales.models import Deal

pytestmark = pytest.mark.django_db


def test_russian_excel_deals_in_cp1251_with_comma_decimals(admin_user, make, imported):
    make("company", name="ООО «Ромашка»")
    text = (
        "Название;Компания;Сумма;Дата закрытия\r\n"
        "Поставка;ООО «Ромашка»;1 234,56;31.12.2026\r\n"
        "Монтаж;ООО «Ромашка»;12 000;01.02.2027\r\n"
    )
    job = imported(admin_user, "deal", "сделки.csv", text, encoding="cp1251")
    assert job.info["encoding"] == "cp1251"
    amounts = dict(Deal.objects.values_list("name", "amount"))
    assert {k: str(v) for k, v in amounts.items()} == {"Поставка": "1234.56", "Монтаж": "12000.00"}
    assert Deal.objects.get(name="Монтаж").expected_close.isoformat() == "2027-02-01"


def test_point_decimals_with_comma_grouping(admin_user, imported):
    text = 'Name,Amount\nA,"1,234.56"\nB,"2,000,000.5"\nC,99.90\n'
    imported(admin_user, "deal", "d.csv", text)
    amounts = {n: str(a) for n, a in Deal.objects.values_list("name", "amount")}
    assert amounts == {"A": "1234.56", "B": "2000000.50", "C": "99.90"}


def test_mixed_date_formats_in_one_column(admin_user, imported):
    text = (
        "Name,Expected close\n"
        "A,2026-12-30\nB,31.12.2026\nC,29 декабря 2026\nD,28/12/2026\nE,20261227\nF,46000\n"
        "G,31.02.2026\n"
    )
    job = imported(admin_user, "deal", "d.csv", text)
    dates = {n: d.isoformat() for n, d in Deal.objects.values_list("name", "expected_close")}
    assert dates == {
        "A": "2026-12-30", "B": "2026-12-31", "C": "2026-12-29", "D": "2026-12-28",
        "E": "2026-12-27", "F": "2025-12-09",
    }  # fmt: skip
    (problem,) = job.problems.all()
    assert problem.line == 8 and "31.02.2026" in problem.messages[0]


def test_blank_lines_duplicated_headers_and_unknown_columns(admin_user, imported):
    text = (
        "Last name,Email,Email,Favourite colour\n\n"
        "Kowalski,jan@a.example,jan2@a.example,blue\n"
        ",,,\n\n"
        "Nowak,ewa@a.example,,green\n"
    )
    job = imported(admin_user, "contact", "c.csv", text)
    assert job.headers == ["Last name", "Email", "Email (2)", "Favourite colour"]
    assert job.mapping["Email (2)"] == "" and job.mapping["Favourite colour"] == ""
    assert (job.created_count, job.rejected_count) == (2, 0)
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Kowalski", "Nowak"]


def test_unclosed_quote_is_reported_and_the_rest_imported(admin_user, imported):
    text = 'Last name,Position\nKowalski,"Director\nNowak,Manager\nWiśniewski,Clerk\n'
    job = imported(admin_user, "contact", "q.csv", text)
    assert job.created_count >= 2
    assert set(Contact.objects.values_list("last_name", flat=True)) >= {"Nowak", "Wiśniewski"}
    reasons = [p for p in job.problems.all() if p.kind == "file"]
    assert reasons and reasons[0].line == 2
    report = io.StringIO()
    csv.writer(report).writerows(services.report_rows(job))
    assert "quote" in report.getvalue().lower()


def test_a_10000_character_cell_is_kept_whole(admin_user, imported):
    long_address = "ул. Ленина, д. 1 " + "ж" * 10_000
    text = f'Last name,Address\nPetrov,"{long_address}"\n'
    imported(admin_user, "contact", "long.csv", text)
    assert Contact.objects.get().address == long_address.strip()


def test_rows_naming_missing_companies_are_refused_whole(admin_user, make, imported):
    make("company", name="Acme")
    text = "Name,Company,Amount\nOne,Acme,10\nTwo,Ghost Ltd,20\nThree,Ghost Ltd,oops\n"
    job = imported(admin_user, "deal", "d.csv", text)
    assert list(Deal.objects.values_list("name", flat=True)) == ["One"]
    messages = {p.line: " ".join(p.messages) for p in job.problems.all()}
    assert "Ghost Ltd" in messages[3]
    assert "Ghost Ltd" in messages[4] and "oops" in messages[4]
    again = imported(admin_user, "deal", "d.csv", text, create_missing=True, key_field="")
    assert again.rejected_count == 1  # "oops" is still no amount
    assert Company.objects.filter(name="Ghost Ltd").count() == 1
    assert Deal.objects.filter(name="Two").get().company.name == "Ghost Ltd"


def test_hostile_cells_are_stored_as_text_and_neutralised_in_the_report(admin_user, imported):
    text = (
        "Last name,Position,Email\n"
        '"<script>alert(1)</script>","=HYPERLINK(""http://evil.example"")",ok@a.example\n'
        "'; DROP TABLE contacts_contact; --,@SUM(A1),not-an-email\n"
    )
    job = imported(admin_user, "contact", "h.csv", text)
    assert Contact.objects.get().last_name == "<script>alert(1)</script>"
    report = io.StringIO()
    csv.writer(report).writerows(services.report_rows(job))
    rows = list(csv.reader(io.StringIO(report.getvalue())))
    assert rows[1][0] == "3" and rows[1][3] == "'@SUM(A1)"


def test_vcard_file_imports_contacts(admin_user, imported):
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Петров;Иван;;;\r\nFN:Иван Петров\r\n"
        "ORG:Ромашка\r\nEMAIL;TYPE=work:ivan@romashka.example\r\nTEL;TYPE=cell:+7 495 123 45 67\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jan Kowalski\r\nN:Kowalski;Jan;;;\r\n"
        "EMAIL:jan@a.example\r\nEND:VCARD\r\n"
    )
    job = imported(admin_user, "contact", "book.vcf", text, create_missing=True)
    assert job.created_count == 2
    ivan = Contact.objects.get(last_name="Петров")
    assert (ivan.first_name, ivan.company.name, ivan.phones) == (
        "Иван",
        "Ромашка",
        ["+74951234567"],
    )


def test_a_100_mb_file_imports_with_memory_that_does_not_grow(admin_user, upload, worker):
    """10,000 contacts, each with a 10 kB note column that is not imported: 100 MB."""
    padding = "x" * 10_480
    buffer = io.StringIO()
    buffer.write("Last name,Email,Notes\n")
    for i in range(10_000):
        buffer.write(f"Person {i},p{i}@big.example,{padding}\n")
    data = buffer.getvalue().encode()
    del buffer
    assert len(data) > 100 * 1024 * 1024
    job = services.start(admin_user, "contact", upload("big.csv", data))
    del data
    tracemalloc.start()
    worker(services.run, admin_user, job)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 10_000)
    assert peak < 60 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while importing 100 MB"
    assert registry.get("contact").model.objects.count() == 10_000


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_list_gives_the_same_data(
    fmt, admin_user, manager, make, client, upload, worker, registry
):
    from kartoteka.customization import services as custom
    from kartoteka.platform import bulk

    for key, kind, extra in (
        ("tier", "choice", {"choices": ["Gold", "Silver"]}),
        ("since", "date", {}),
        ("score", "number", {}),
        ("vip", "boolean", {}),
    ):
        custom.create_field(
            admin_user,
            {"entity": "contact", "key": key, "label": key.title(), "type": kind, **extra},
        )
    acme = make("company", name="Acme; «Ромашка», Sp. z o.o.")
    for i, (first, last) in enumerate([("Jan", "Kowalski"), ("Анна", "Петрова"), ("", "=1+1")]):
        make(
            "contact",
            first_name=first,
            last_name=last,
            company=acme.pk if i != 2 else None,
            emails=[f"p{i}@a.example", f"q{i}@a.example"],
            phones=["+48600100200"] if i == 0 else [],
            position='Head of "Sales"\nand more' if i == 1 else "",
            tags=["vip", "north"] if i == 0 else [],
            owner=manager if i else admin_user,
            tier="Gold" if i == 0 else None,
            since="2024-02-29" if i == 1 else None,
            score=1234.5 if i == 0 else None,
            vip=True if i == 0 else None,
        )
    spec = registry.get("contact")
    columns = [f.key for f in spec.fields]

    def snapshot():
        rows = []
        for obj in spec.model.objects.order_by("last_name"):
            values = [getattr(obj, c, None) or obj.custom.get(c) or "" for c in columns]
            rows.append(tuple(str(value) for value in values))
        return rows

    before = snapshot()
    client.force_login(admin_user)
    response = client.get(f"/e/contact/export.{fmt}", {"columns": ",".join(columns)})
    assert response.status_code == 200
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    bulk.bulk_remove(spec, admin_user, list(spec.model.objects.values_list("pk", flat=True)))
    assert spec.model.objects.count() == 0
    job = services.start(admin_user, "contact", upload(f"contacts.{fmt}", content))
    assert job.key_field == "id"
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert (job.created_count, job.rejected_count) == (3, 0), list(job.problems.values())
    assert snapshot() == before


def test_vcard_export_then_import_gives_the_same_contacts(
    admin_user, make, client, upload, worker, registry
):
    from kartoteka.platform import bulk

    acme = make("company", name="Acme; Sp. z o.o.")
    make("contact", first_name="Jan", last_name="Kowalski", company=acme.pk,
         emails=["jan@a.example", "jan.k@b.example"], phones=["+48600100200"],
         position="Head, \\sales", tags=["vip"])  # fmt: skip
    make("contact", first_name="Анна", last_name="Петрова", emails=["anna@a.example"])
    spec = registry.get("contact")
    fields = ("first_name", "last_name", "company_id", "emails", "phones", "position", "tags")

    def snapshot():
        return sorted(tuple(str(v) for v in row) for row in spec.model.objects.values_list(*fields))

    before = snapshot()
    client.force_login(admin_user)
    response = client.get("/e/contact/export.vcf")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    bulk.bulk_remove(spec, admin_user, list(spec.model.objects.values_list("pk", flat=True)))
    job = services.start(admin_user, "contact", upload("contacts.vcf", content))
    worker(services.run, admin_user, job)
    job.refresh_from_db()
    assert (job.created_count, job.rejected_count) == (2, 0), list(job.problems.values())
    assert snapshot() == before
