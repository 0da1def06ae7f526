"""The HTML pages as a person uses them: create and edit forms with their errors, duplicate
warnings and edit conflicts, deleting, timeline notes (plain and htmx), saved views, CSV
export and merging."""

from __future__ import annotations

import csv
import io

import pytest

from kartoteka.contacts.models import Company, Contact
from kartoteka.customization.models import SavedView
from kartoteka.platform import services
from kartoteka.platform.listing import encode_cursor
from kartoteka.platform.registry import registry
from kartoteka.timeline.models import Activity

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def company_form(**values) -> dict:
    """What the company form posts when a person fills in only some fields."""
    form = {
        "name": "",
        "phones": "",
        "emails": "",
        "website": "",
        "address": "",
        "industry": "",
        "source": "",
        "tags": "",
        "owner": "",
    }
    form.update({key: str(value) for key, value in values.items()})
    return form


# -- create -----------------------------------------------------------------------------------


def test_company_created_through_the_form_opens_on_its_card(client, manager):
    client.force_login(manager)

    response = client.post(
        "/e/company/new/",
        company_form(
            name="Acme Trading",
            phones="+48 22 123 45 67, +48 22 765 43 21",
            emails="Info@Acme.example",
            website="acme.example",
            industry="it",
            tags="vip, new",
            owner=manager.pk,
        ),
        follow=True,
    )

    company = Company.objects.get()
    assert response.redirect_chain == [(f"/e/company/{company.pk}/", 302)]
    assert company.phones == ["+48221234567", "+48227654321"]
    assert company.emails == ["info@acme.example"]
    assert company.website == "https://acme.example"
    assert company.owner == manager
    page = response.content.decode()
    assert "Acme Trading" in page
    assert "Company “Acme Trading” created." in page
    assert 'href="mailto:info@acme.example"' in page


def test_create_and_add_another_returns_to_an_empty_form(client, manager):
    client.force_login(manager)

    response = client.post(
        "/e/company/new/", {**company_form(name="Acme", owner=manager.pk), "another": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/e/company/new/"
    assert Company.objects.count() == 1


def test_new_contact_form_is_prefilled_with_the_company_it_was_opened_from(client, manager, make):
    company = make("company", manager, name="Acme")
    client.force_login(manager)

    page = client.get(f"/e/contact/new/?company={company.pk}").content.decode()

    assert f'name="company" id="id_company-value" value="{company.pk}"' in page
    assert 'value="Acme"' in page


@pytest.mark.parametrize(
    "values,message",
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 300}, "Enter at most 255 characters (it has 300)."),
        ({"name": "Acme", "website": "javascript:alert(1)"}, "Enter a valid web address"),
        ({"name": "Acme", "emails": "not-an-email"}, "Enter a valid email address."),
        ({"name": "Acme", "phones": "12"}, "Enter a valid phone number."),
        ({"name": "Acme", "industry": "nope"}, "is not one of the choices."),
        ({"name": "Acme", "owner": "999999"}, "Choose an active user."),
    ],
)
def test_form_shows_field_errors_with_422_and_writes_nothing(client, manager, values, message):
    client.force_login(manager)
    before = snapshot()

    response = client.post("/e/company/new/", company_form(**{"owner": manager.pk, **values}))

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert "is-invalid" in page
    assert snapshot() == before


def test_form_keeps_what_was_typed_when_it_is_refused(client, manager):
    client.force_login(manager)

    response = client.post(
        "/e/company/new/",
        company_form(name="Acme Trading", website="javascript:alert(1)", owner=manager.pk),
    )

    page = response.content.decode()
    assert 'value="Acme Trading"' in page
    assert 'value="javascript:alert(1)"' in page  # shown back as text, escaped attribute


def test_manager_cannot_create_a_company_for_a_colleague_through_the_form(
    client, manager, colleague
):
    client.force_login(manager)

    response = client.post("/e/company/new/", company_form(name="Acme", owner=colleague.pk))

    assert response.status_code == 422
    assert "You may only assign records to yourself." in response.content.decode()
    assert not Company.objects.exists()


def test_read_only_user_cannot_open_or_post_the_create_form(client, reader):
    client.force_login(reader)

    assert client.get("/e/company/new/").status_code == 403
    assert client.post("/e/company/new/", company_form(name="Acme")).status_code == 403
    assert not Company.objects.exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.post("/e/company/new/", company_form(name="Acme"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Company.objects.exists()


# -- duplicate warnings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values,reason",
    [
        ({"emails": "INFO@acme.example"}, "same email info@acme.example"),
        ({"phones": "+48 (22) 123-45-67"}, "same phone +48221234567"),
    ],
)
def test_a_colleagues_client_is_not_created_again_the_enquiry_lands_on_their_card(
    client, manager, colleague, make, values, reason
):
    acme = make(
        "company",
        colleague,
        name="Acme Trading",
        emails="info@acme.example",
        phones="+48 22 123 45 67",
        owner=colleague,
    )
    client.force_login(manager)
    form = company_form(name="ACME Poland", owner=manager.pk, **values)

    response = client.post("/e/company/new/", form, follow=True)

    page = response.content.decode()
    assert "Boris" in page and "already works with this client" in page
    assert reason in page
    assert Company.objects.count() == 1
    assert Company.objects.get().owner == colleague
    enquiry = Activity.objects.get(entity="company", object_id=acme.pk, kind="enquiry")
    assert "ACME Poland" in enquiry.body and enquiry.actor == manager


def test_ones_own_duplicate_warns_and_confirming_creates(client, manager, make):
    make("company", manager, name="Acme Trading", emails="info@acme.example", owner=manager)
    client.force_login(manager)
    form = company_form(name="ACME Poland", owner=manager.pk, emails="info@acme.example")

    warned = client.post("/e/company/new/", form)

    page = warned.content.decode()
    assert 'id="duplicates"' in page and "Acme Trading" in page
    assert 'name="confirm_duplicates" value="1"' in page
    assert Company.objects.count() == 1
    confirmed = client.post("/e/company/new/", {**form, "confirm_duplicates": "1"})
    assert confirmed.status_code == 302
    assert Company.objects.filter(name="ACME Poland", owner=manager).exists()


def test_a_very_similar_name_warns_too(client, manager, make):
    make("company", manager, name="Acme Trading")
    client.force_login(manager)

    response = client.post("/e/company/new/", company_form(name="ACME  trading", owner=manager.pk))

    assert "very similar name" in response.content.decode()
    assert Company.objects.count() == 1


# -- edit -------------------------------------------------------------------------------------


def test_edit_saves_and_bumps_the_version(client, manager, make):
    company = make("company", manager, name="Acme")
    client.force_login(manager)

    page = client.get(f"/e/company/{company.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in page

    response = client.post(
        f"/e/company/{company.pk}/edit/",
        {**company_form(name="Acme Ltd", industry="retail", owner=manager.pk), "version": "1"},
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.industry, company.version) == ("Acme Ltd", "retail", 2)


def test_edit_with_a_stale_version_shows_the_conflict_and_does_not_overwrite(
    client, manager, head, make
):
    company = make("company", manager, name="Acme")
    services.update_record(registry.get("company"), head, company, {"name": "Acme by Head"})
    client.force_login(manager)
    mine = company_form(name="Acme by Anna", owner=manager.pk)

    response = client.post(f"/e/company/{company.pk}/edit/", {**mine, "version": "1"})

    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="conflict"' in page
    assert "Acme by Head" in page  # their value
    assert 'value="Acme by Anna"' in page  # mine, kept in the form
    assert 'name="version" value="2"' in page
    company.refresh_from_db()
    assert (company.name, company.version) == ("Acme by Head", 2)

    again = client.post(f"/e/company/{company.pk}/edit/", {**mine, "version": "2"})

    assert again.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.version) == ("Acme by Anna", 3)


@pytest.mark.parametrize(
    "version,values,status",
    [
        ("", {"name": "Changed"}, 400),
        ("one", {"name": "Changed"}, 400),
        ("1", {"name": ""}, 422),
        ("1", {"name": "Changed", "website": "javascript:alert(1)"}, 422),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(client, manager, make, version, values, status):
    company = make("company", manager, name="Acme")
    client.force_login(manager)
    before = snapshot()

    response = client.post(
        f"/e/company/{company.pk}/edit/",
        {**company_form(owner=manager.pk, **values), "version": version},
    )

    assert response.status_code == status
    company.refresh_from_db()
    assert (company.name, company.version) == ("Acme", 1)
    assert snapshot() == before


# -- delete -----------------------------------------------------------------------------------


def test_delete_asks_first_and_deletes_on_confirmation(client, manager, make):
    company = make("company", manager, name="Acme")
    client.force_login(manager)

    asked = client.get(f"/e/company/{company.pk}/delete/")

    assert asked.status_code == 200
    assert "Delete “Acme”?" in asked.content.decode()
    assert Company.objects.filter(pk=company.pk).exists()

    done = client.post(f"/e/company/{company.pk}/delete/", follow=True)

    assert done.redirect_chain == [("/e/company/", 302)]
    assert "“Acme” deleted." in done.content.decode()
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Activity.objects.filter(
        entity="company", object_id=company.pk, kind="deleted", summary="Acme"
    ).exists()
    assert client.get(f"/e/company/{company.pk}/").status_code == 404


def test_deleting_a_company_keeps_its_contacts(client, manager, make):
    company = make("company", manager, name="Acme")
    contact = make("contact", manager, last_name="Nowak", company=company.pk)
    client.force_login(manager)

    client.post(f"/e/company/{company.pk}/delete/")

    contact.refresh_from_db()
    assert contact.company is None


# -- timeline notes ---------------------------------------------------------------------------


def test_a_note_posted_without_htmx_redirects_to_the_card_that_shows_it(client, manager, make):
    company = make("company", manager, name="Acme")
    client.force_login(manager)

    response = client.post(
        f"/e/company/{company.pk}/activities/",
        {"kind": "call", "body": "Called about the invoice", "at": ""},
        follow=True,
    )

    assert response.redirect_chain == [(f"/e/company/{company.pk}/", 302)]
    assert "Called about the invoice" in response.content.decode()
    note = Activity.objects.get(entity="company", object_id=company.pk, kind="call")
    assert note.actor == manager


def test_a_note_posted_with_htmx_returns_the_refreshed_timeline(client, manager, make):
    company = make("company", manager, name="Acme")
    client.force_login(manager)

    response = client.post(
        f"/e/company/{company.pk}/activities/",
        {"kind": "note", "body": "Prefers <b>email</b>"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'id="activity-form"' in fragment
    assert "Prefers &lt;b&gt;email&lt;/b&gt;" in fragment
    assert fragment.index("Prefers") < fragment.index('data-kind="created"')  # newest first


@pytest.mark.parametrize(
    "data,message",
    [
        ({"kind": "note", "body": ""}, "Write something."),
        ({"kind": "note", "body": "x" * 20001}, "Enter at most 20000 characters"),
        ({"kind": "deleted", "body": "forged"}, "Choose note, call, email or meeting."),
        ({"kind": "note", "body": "x", "at": "yesterday"}, "Enter a valid date and time."),
    ],
)
def test_a_bad_note_shows_the_form_again_and_writes_nothing(client, manager, make, data, message):
    company = make("company", manager, name="Acme")
    client.force_login(manager)
    before = snapshot()

    response = client.post(f"/e/company/{company.pk}/activities/", data, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#activity-form"
    assert message in response.content.decode()
    assert snapshot() == before


def test_older_timeline_entries_load_with_the_cursor(client, manager, make):
    company = make("company", manager, name="Acme")
    spec = registry.get("company")
    for i in range(35):
        services.add_activity(spec, manager, company, {"body": f"Note #{i}."})
    client.force_login(manager)

    card = client.get(f"/e/company/{company.pk}/").content.decode()
    assert "Note #34." in card and "Note #5." in card  # the 30 newest
    assert "Note #4." not in card
    assert 'id="timeline-more"' in card
    cursor = card.split("timeline/?cursor=")[1].split('"')[0]

    older = client.get(f"/e/company/{company.pk}/timeline/?cursor={cursor}").content.decode()

    assert "Note #4." in older and "Note #0." in older
    assert "Note #5." not in older
    assert 'data-kind="created"' in older
    bad = client.get(f"/e/company/{company.pk}/timeline/?cursor={encode_cursor('x', 1)}")
    assert bad.status_code == 400


# -- saved views ------------------------------------------------------------------------------


@pytest.fixture
def firms(make, manager):
    make("company", manager, name="Software House", industry="it")
    make("company", manager, name="Corner Shop", industry="retail")


def test_a_saved_view_is_saved_applied_and_deleted(client, manager, firms):
    client.force_login(manager)

    saved = client.post("/e/company/views/", {"name": "IT firms", "params": "f.industry=it"})

    view = SavedView.objects.get()
    assert (view.name, view.owner, view.shared) == ("IT firms", manager, False)
    assert saved["Location"] == f"/e/company/?view={view.pk}"
    applied = client.get(saved["Location"]).content.decode()
    assert "Software House" in applied
    assert "Corner Shop" not in applied
    assert "Delete view “IT firms”" in applied

    deleted = client.post(f"/e/company/views/{view.pk}/delete/")

    assert deleted.status_code == 302
    assert not SavedView.objects.exists()


def test_someone_elses_private_view_is_neither_listed_applied_nor_deletable(
    client, manager, colleague, firms
):
    view = SavedView.objects.create(
        entity="company", name="Anna's IT", owner=manager, params={"f.industry": ["it"]}
    )
    client.force_login(colleague)

    page = client.get(f"/e/company/?view={view.pk}").content.decode()
    refused = client.post(f"/e/company/views/{view.pk}/delete/")

    assert "Anna&#x27;s IT" not in page and "Anna's IT" not in page
    assert refused.status_code == 403
    assert SavedView.objects.filter(pk=view.pk).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_view_needs_a_name_of_up_to_100_characters(client, manager, name):
    client.force_login(manager)

    response = client.post("/e/company/views/", {"name": name, "params": "f.industry=it"})

    assert response.status_code == 302
    assert not SavedView.objects.exists()


def test_only_administrators_share_views(client, manager, admin_user):
    client.force_login(manager)
    client.post("/e/company/views/", {"name": "Mine", "params": "", "shared": "on"})
    client.force_login(admin_user)
    client.post("/e/company/views/", {"name": "Everyone's", "params": "", "shared": "on"})

    assert dict(SavedView.objects.values_list("name", "shared")) == {
        "Mine": False,
        "Everyone's": True,
    }


# -- export -----------------------------------------------------------------------------------


def export_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def test_export_neutralises_formulas_and_starts_with_a_bom(client, admin_user, make):
    formula = '=HYPERLINK("http://evil.example","Click")'
    make("company", name=formula, tags="@SUM(A1)")
    make("company", name="-2+3", industry="it")
    make("company", name="Plain Name")
    client.force_login(admin_user)

    response = client.get("/e/company/export.csv?columns=name,tags,industry")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="company-')
    rows = export_rows(response)
    assert rows[0] == ["id", "Name", "Tags", "Industry"]
    assert sorted(row[1:] for row in rows[1:]) == [
        ["'-2+3", "", "IT and software"],
        ["'" + formula, "'@SUM(A1)", ""],
        ["Plain Name", "", ""],
    ]


def test_export_follows_the_lists_filters(client, admin_user, make):
    make("company", name="Software House", industry="it")
    make("company", name="Corner Shop", industry="retail")
    client.force_login(admin_user)

    rows = export_rows(client.get("/e/company/export.csv?f.industry=it&columns=name"))

    assert [row[1] for row in rows[1:]] == ["Software House"]


def xlsx_rows(response) -> list[list]:
    import io

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def test_xlsx_export_keeps_formulas_as_text_and_follows_the_filters(client, admin_user, make):
    make("company", name='=HYPERLINK("http://evil.example","x")', industry="it", tags="@SUM(A1)")
    make("company", name="Zakład Łódź\x07", industry="it")
    make("company", name="Corner Shop", industry="retail")
    client.force_login(admin_user)

    response = client.get("/e/company/export.xlsx?f.industry=it&columns=name,tags&sort=name")

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="company-')
    rows = xlsx_rows(response)
    assert [value for value, _type in rows[0]] == ["id", "Name", "Tags"]
    assert [[value for value, _type in row[1:]] for row in rows[1:]] == [
        ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)"],
        ["Zakład Łódź", None],  # the control character XML cannot hold is dropped
    ]
    assert all(kind != "f" for row in rows for _value, kind in row)  # no cell is a formula


def test_contacts_export_as_vcards_that_read_back(client, admin_user, make):
    from kartoteka.contacts import vcard

    acme = make("company", name="Acme; Sp. z o.o.")
    make(
        "contact",
        first_name="Łucja",
        last_name="Żak",
        company=acme.pk,
        emails="lucja@acme.example",
        phones="+48601234567",
        position="CFO, board",
    )
    make("contact", first_name="Иван", last_name="Петров", source="website")
    client.force_login(admin_user)

    response = client.get("/e/contact/export.vcf?f.source=website")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    cards, problems = vcard.parse(b"".join(response.streaming_content).decode("utf-8"))
    assert problems == [] and [c.last_name for c in cards] == ["Петров"]

    everyone, problems = vcard.parse(
        b"".join(client.get("/e/contact/export.vcf").streaming_content).decode("utf-8")
    )
    lucja = next(c for c in everyone if c.last_name == "Żak")
    assert (lucja.company, lucja.position, lucja.emails, lucja.phones) == (
        "Acme; Sp. z o.o.",
        "CFO, board",
        ["lucja@acme.example"],
        ["+48601234567"],
    )
    assert client.get("/e/company/export.vcf").status_code == 404


def test_a_reader_without_export_rights_gets_no_xlsx(client, manager, make):
    make("company", manager, name="Acme")
    from kartoteka.accounts.models import Role

    role = Role.objects.get(key="manager")
    role.grants = {"*": {**role.grants["*"], "export": "none"}}
    role.save()
    client.force_login(manager)
    assert client.get("/e/company/export.xlsx").status_code == 403


@pytest.mark.parametrize(
    "query,message",
    [
        ("f.owner=nobody", "f.owner: Choose a valid record."),
        (f"f.owner={10**30}", "f.owner: Choose a valid record."),
    ],
)
def test_export_with_a_bad_filter_is_refused_before_the_download_starts(
    client, admin_user, make, query, message
):
    make("company", name="Acme")
    client.force_login(admin_user)

    response = client.get(f"/e/company/export.csv?{query}")

    assert response.status_code == 400
    assert not response.streaming
    assert response.content.decode() == message


# -- merge ------------------------------------------------------------------------------------


def test_merge_page_merges_two_companies_with_the_picked_values(client, manager, make):
    keep = make("company", manager, name="Acme", industry="it")
    other = make("company", manager, name="Acme Sp. z o.o.", emails="biuro@acme.example")
    staff = make("contact", manager, last_name="Nowak", company=other.pk)
    services.add_activity(registry.get("company"), manager, other, {"body": "Met at the fair"})
    client.force_login(manager)

    picked = client.post("/e/company/bulk/", {"action": "merge", "ids": [keep.pk, other.pk]})
    assert picked["Location"] == f"/e/company/merge/?a={keep.pk}&b={other.pk}"
    page = client.get(picked["Location"]).content.decode()
    assert "Keep: Acme" in page and "Keep: Acme Sp. z o.o." in page

    response = client.post(
        "/e/company/merge/",
        {"a": keep.pk, "b": other.pk, "keep": keep.pk, "pick.name": other.pk},
        follow=True,
    )

    assert response.redirect_chain == [(f"/e/company/{keep.pk}/", 302)]
    keep.refresh_from_db()
    assert (keep.name, keep.industry, keep.emails) == (
        "Acme Sp. z o.o.",
        "it",
        ["biuro@acme.example"],
    )
    assert not Company.objects.filter(pk=other.pk).exists()
    assert Contact.objects.get(pk=staff.pk).company_id == keep.pk
    card = response.content.decode()
    assert "Met at the fair" in card
    assert "Nowak" in card


def test_merge_can_keep_the_second_record(client, admin_user, make):
    first = make("company", name="Old Acme")
    second = make("company", name="New Acme")
    client.force_login(admin_user)

    client.post("/e/company/merge/", {"a": first.pk, "b": second.pk, "keep": second.pk})

    assert list(Company.objects.values_list("pk", "name")) == [(second.pk, "New Acme")]


def test_merge_refuses_bad_requests_and_keeps_both_records(client, manager, colleague, make):
    mine = make("company", manager, name="Acme")
    theirs = make("company", colleague, name="Acme", owner=colleague)
    client.force_login(manager)
    before = snapshot()

    same = client.post("/e/company/merge/", {"a": mine.pk, "b": mine.pk}, follow=True)
    hidden = client.post("/e/company/merge/", {"a": mine.pk, "b": theirs.pk})
    garbage = client.post("/e/company/merge/", {"a": "x", "b": mine.pk})
    one = client.post("/e/company/bulk/", {"action": "merge", "ids": [mine.pk]}, follow=True)

    assert "Choose two different records." in same.content.decode()
    assert hidden.status_code == 404
    assert garbage.status_code == 400
    assert "Select exactly two records to merge." in one.content.decode()
    assert snapshot() == before
