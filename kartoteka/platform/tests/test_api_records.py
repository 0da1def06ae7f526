"""The records API (/api/v1/entities/…, /links, /search) as a client sees it: every endpoint,
by session and by token, and the malformed, hostile and conflicting input it must refuse
with one error format and nothing written."""

from __future__ import annotations

import json

import pytest

from kartoteka.contacts.models import Company, Contact
from kartoteka.platform.listing import encode_cursor
from kartoteka.records.models import Link
from kartoteka.timeline.models import Activity
from tests.helpers import error_of

from .conftest import snapshot

pytestmark = pytest.mark.django_db

AUTH_MODES = [pytest.param(False, id="session"), pytest.param(True, id="token")]


def kinds(response) -> list[str]:
    return [entry["kind"] for entry in response.json()["items"]]


def all_pages(api, path: str, params: dict) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        response = api.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["name"] for item in body["items"]])
        cursor = body["next_cursor"]
        if not cursor:
            return pages


# -- create, read, update, delete -------------------------------------------------------------


@pytest.mark.parametrize("token", AUTH_MODES)
def test_manager_creates_reads_changes_and_deletes_a_company(api_as, manager, token):
    api = api_as(manager, token=token)

    created = api.post(
        "/entities/company/records",
        {
            "name": "  Acme Trading ",
            "phones": ["+48 22 123 45 67"],
            "emails": ["Info@ACME.example"],
            "website": "acme.example",
            "industry": "it",
            "tags": "vip, wholesale",
        },
    )

    assert created.status_code == 201, created.content
    record = created.json()
    assert record["name"] == "Acme Trading"
    assert record["phones"] == ["+48221234567"]
    assert record["emails"] == ["info@acme.example"]
    assert record["website"] == "https://acme.example"
    assert record["tags"] == ["vip", "wholesale"]
    assert record["owner"] == manager.pk
    assert record["version"] == 1
    path = f"/entities/company/records/{record['id']}"

    read = api.get(path)
    assert read.status_code == 200
    assert read.json() == record

    changed = api.patch(path, {"industry": "retail", "version": 1})
    assert changed.status_code == 200, changed.content
    assert changed.json()["industry"] == "retail"
    assert changed.json()["version"] == 2
    assert changed.json()["name"] == "Acme Trading"  # untouched fields stay

    deleted = api.delete(path)
    assert deleted.status_code == 204
    assert not Company.objects.filter(pk=record["id"]).exists()
    assert api.get(path).status_code == 404


@pytest.mark.parametrize("token", AUTH_MODES)
def test_contact_is_created_at_a_company_and_listed_with_it(api_as, manager, make, token):
    company = make("company", manager, name="Acme")
    api = api_as(manager, token=token)

    created = api.post(
        "/entities/contact/records",
        {"first_name": "Jan", "last_name": "Kowalski", "company": company.pk, "position": "CEO"},
    )

    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["title"] == "Jan Kowalski"
    assert contact["company"] == company.pk
    assert Contact.objects.get(pk=contact["id"]).company == company
    listed = api.get("/entities/contact/records", {"f.company": company.pk}).json()["items"]
    assert [item["id"] for item in listed] == [contact["id"]]

    patched = api.patch(
        f"/entities/contact/records/{contact['id']}", {"company": None, "version": 1}
    )
    assert patched.status_code == 200
    assert Contact.objects.get(pk=contact["id"]).company is None
    assert api.delete(f"/entities/contact/records/{contact['id']}").status_code == 204
    assert not Contact.objects.filter(pk=contact["id"]).exists()


def test_patch_accepts_the_version_in_an_if_match_header(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)

    response = api.patch(
        f"/entities/company/records/{company.pk}", {"name": "Acme Ltd"}, HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 200
    assert Company.objects.get(pk=company.pk).name == "Acme Ltd"


def test_every_change_is_on_the_timeline_with_old_and_new_values(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)

    api.patch(f"/entities/company/records/{company.pk}", {"name": "Acme Ltd", "version": 1})

    entries = api.get(f"/entities/company/records/{company.pk}/timeline").json()["items"]
    assert [entry["kind"] for entry in entries] == ["changed", "created"]
    assert entries[0]["payload"]["changes"] == [{"field": "name", "old": "Acme", "new": "Acme Ltd"}]
    assert entries[0]["actor_name"] == str(admin_user)


def test_entities_endpoint_describes_fields_of_company_and_contact(api_as, reader):
    entities = {e["key"]: e for e in api_as(reader).get("/entities").json()}

    assert {"company", "contact"} <= set(entities)
    company_fields = {f["key"]: f for f in entities["company"]["fields"]}
    assert company_fields["name"]["required"] is True
    assert "it" in company_fields["industry"]["choices"]
    contact_fields = {f["key"]: f for f in entities["contact"]["fields"]}
    assert contact_fields["company"]["related_entity"] == "company"


# -- lists: filters, sort, keyset pages -------------------------------------------------------


def test_list_filters_by_name_owner_industry_tags_and_phone(api_as, manager, colleague, head, make):
    make("company", manager, name="Acme Trading", industry="it", tags="vip")
    make(
        "company",
        manager,
        name="Globex",
        industry="retail",
        phones="+48 22 123 45 67",
        website="globex.example",
    )
    make("company", colleague, name="Acme Rival", industry="it", owner=colleague)
    api = api_as(head)

    def names(**params) -> set[str]:
        response = api.get("/entities/company/records", params)
        assert response.status_code == 200, response.content
        return {item["name"] for item in response.json()["items"]}

    assert names(**{"f.name": "acme"}) == {"Acme Trading", "Acme Rival"}
    assert names(**{"f.industry": "it"}) == {"Acme Trading", "Acme Rival"}
    assert names(**{"f.owner": str(colleague.pk)}) == {"Acme Rival"}
    assert names(**{"f.owner": "me"}) == set()
    assert names(**{"f.tags": "VIP"}) == {"Acme Trading"}
    assert names(**{"f.phones": "+48 22 123"}) == {"Globex"}
    assert names(**{"f.industry": "it", "f.owner": str(manager.pk)}) == {"Acme Trading"}
    assert names(q="glob") == {"Globex"}
    assert names(**{"f.website.empty": "1"}) == {"Acme Trading", "Acme Rival"}
    assert names(**{"f.website": "GLOBEX"}) == {"Globex"}


def test_owner_me_filter_shows_the_callers_own_records(api_as, head, manager, make):
    make("company", head, name="Mine")
    make("company", manager, name="Theirs")

    items = api_as(head).get("/entities/company/records", {"f.owner": "me"}).json()["items"]

    assert [item["name"] for item in items] == ["Mine"]


def test_list_filters_and_sorts_by_a_custom_number_field(api_as, admin_user, make, registry):
    from kartoteka.customization.models import FieldDefinition

    FieldDefinition.objects.create(
        entity="company", key="employees", label="Employees", type="number"
    )
    registry.bump()
    for name, employees in [("Small", 5), ("Medium", 50), ("Large", 500), ("Unknown", None)]:
        make("company", name=name, employees=employees)
    api = api_as(admin_user)

    ranged = api.get("/entities/company/records", {"f.employees.min": "10", "sort": "employees"})
    assert [item["name"] for item in ranged.json()["items"]] == ["Medium", "Large"]
    capped = api.get("/entities/company/records", {"f.employees.max": "50", "sort": "-employees"})
    assert [item["name"] for item in capped.json()["items"]] == ["Medium", "Small"]
    everything = api.get("/entities/company/records", {"sort": "employees"}).json()["items"]
    assert [item["name"] for item in everything] == ["Small", "Medium", "Large", "Unknown"]


def test_list_sorts_by_name_both_ways_and_by_owner(api_as, head, manager, colleague, make):
    make("company", manager, name="Beta")
    make("company", colleague, name="Alpha", owner=colleague)
    make("company", manager, name="Gamma")
    api = api_as(head)

    def order(sort: str) -> list[str]:
        items = api.get("/entities/company/records", {"sort": sort}).json()["items"]
        return [item["name"] for item in items]

    assert order("name") == ["Alpha", "Beta", "Gamma"]
    assert order("-name") == ["Gamma", "Beta", "Alpha"]
    assert order("owner") == ["Beta", "Gamma", "Alpha"]  # anna's, newest first, then boris's


def test_keyset_pages_of_seven_records_are_disjoint_complete_and_stable(api_as, admin_user, make):
    names = [f"Company {i}" for i in range(7)]
    for name in names:
        make("company", name=name)
    api = api_as(admin_user)

    first = api.get("/entities/company/records", {"limit": 3}).json()
    assert len(first["items"]) == 3
    # a record created while someone pages through must not shift the later pages
    make("company", name="Newcomer")
    rest = all_pages(api, "/entities/company/records", {"limit": 3, "cursor": first["next_cursor"]})
    pages = [[item["name"] for item in first["items"]], *rest]

    assert [len(page) for page in pages] == [3, 3, 1]
    flat = [name for page in pages for name in page]
    assert flat == list(reversed(names))  # newest first, each exactly once


def test_keyset_pages_break_ties_of_equal_sort_values_by_id(api_as, admin_user, make):
    for name in ["Same", "Same", "Alpha", "Same", "Zeta", "Same", "Beta"]:
        make("company", name=name)
    api = api_as(admin_user)

    ascending = all_pages(api, "/entities/company/records", {"limit": 3, "sort": "name"})
    descending = all_pages(api, "/entities/company/records", {"limit": 3, "sort": "-name"})

    expected = ["Alpha", "Beta", "Same", "Same", "Same", "Same", "Zeta"]
    assert [name for page in ascending for name in page] == expected
    assert [name for page in descending for name in page] == list(reversed(expected))
    assert [len(page) for page in ascending] == [3, 3, 1]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor([1], 1)}, "cursor"),
        ({"sort": "address"}, "sort"),
        ({"sort": "nonsense"}, "sort"),
        ({"f.nonsense": "x"}, "f.nonsense"),
        ({"f.name.like": "x"}, "f.name.like"),
        ({"f.owner": "somebody"}, "f.owner"),
        ({"f.owner": str(10**30)}, "f.owner"),
        ({"page": "2"}, "page"),
    ],
)
def test_list_refuses_bad_parameters_with_422(api_as, admin_user, make, params, field):
    make("company", name="Acme")

    response = api_as(admin_user).get("/entities/company/records", params)

    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_a_cursor_from_another_sort_is_refused_not_a_server_error(api_as, admin_user, make):
    for name in ["A", "B", "C"]:
        make("company", name=name)
    api = api_as(admin_user)
    by_name = api.get("/entities/company/records", {"sort": "name", "limit": 1}).json()

    response = api.get("/entities/company/records", {"cursor": by_name["next_cursor"]})

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"cursor": ["The page cursor is not valid."]}


# -- timeline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", AUTH_MODES)
def test_notes_added_through_the_api_are_paged_newest_first(api_as, manager, make, token):
    company = make("company", manager, name="Acme")
    api = api_as(manager, token=token)
    path = f"/entities/company/records/{company.pk}/timeline"

    for i in range(4):
        response = api.post(path, {"kind": "call", "body": f"Call {i}\nDetails"})
        assert response.status_code == 201, response.content
    created = response.json()
    assert created["summary"] == "Call 3" and created["actor"] == manager.pk

    first = api.get(path, {"limit": 2}).json()
    second = api.get(path, {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get(path, {"limit": 2, "cursor": second["next_cursor"]}).json()
    bodies = [e["summary"] for page in (first, second, third) for e in page["items"]]
    assert bodies[:4] == ["Call 3", "Call 2", "Call 1", "Call 0"]
    assert [e["kind"] for e in third["items"]] == ["created"]
    assert third["next_cursor"] is None


def test_a_note_can_be_dated_in_the_past(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)
    path = f"/entities/company/records/{company.pk}/timeline"

    api.post(path, {"kind": "meeting", "body": "Kick-off", "at": "2020-05-01T10:00:00+00:00"})

    assert kinds(api.get(path)) == ["created", "meeting"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"kind": "note", "body": ""}, "body"),
        ({"kind": "note", "body": "   "}, "body"),
        ({"kind": "note"}, "body"),
        ({"kind": "note", "body": 5}, "body"),
        ({"kind": "note", "body": "x" * 20001}, "body"),
        ({"kind": "created", "body": "forged system entry"}, "kind"),
        ({"kind": "note", "body": "x", "at": "yesterday"}, "at"),
        ({"kind": "note", "body": "x", "actor": 1}, "actor"),
        ([{"body": "x"}], "__all__"),
    ],
)
def test_bad_timeline_entries_are_refused_and_not_written(api_as, admin_user, make, body, field):
    company = make("company", name="Acme")
    before = snapshot()

    response = api_as(admin_user).post(f"/entities/company/records/{company.pk}/timeline", body)

    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert snapshot() == before


def test_timeline_refuses_a_bad_cursor(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)
    path = f"/entities/company/records/{company.pk}/timeline"

    for cursor in ["garbage", encode_cursor("Acme", company.pk), encode_cursor(5, 1)]:
        response = api.get(path, {"cursor": cursor})
        assert response.status_code == 422, cursor
        assert "cursor" in error_of(response)["fields"]
    assert api.get(path, {"limit": 0}).status_code == 422


# -- links ------------------------------------------------------------------------------------


def test_linking_a_contact_shows_on_both_records_and_unlinking_removes_it(
    api_as, manager, make, works_at
):
    company = make("company", manager, name="Acme")
    contact = make("contact", manager, first_name="Jan", last_name="Nowak")
    api = api_as(manager)

    linked = api.post(
        "/links", {"relation_type": works_at.pk, "from_id": company.pk, "to_id": contact.pk}
    )

    assert linked.status_code == 201, linked.content
    from_company = api.get(f"/entities/company/records/{company.pk}/links").json()
    assert from_company[0]["label"] == "People"
    assert [item["title"] for item in from_company[0]["items"]] == ["Jan Nowak"]
    from_contact = api.get(f"/entities/contact/records/{contact.pk}/links").json()
    assert from_contact[0]["direction"] == "to"
    assert [item["title"] for item in from_contact[0]["items"]] == ["Acme"]
    assert "linked" in kinds(api.get(f"/entities/contact/records/{contact.pk}/timeline"))

    again = api.post(
        "/links", {"relation_type": works_at.pk, "from_id": company.pk, "to_id": contact.pk}
    )
    assert again.status_code == 422
    assert Link.objects.count() == 1

    assert api.delete(f"/links/{linked.json()['id']}").status_code == 204
    assert not Link.objects.exists()
    assert api.get(f"/entities/company/records/{company.pk}/links").json()[0]["items"] == []
    assert kinds(api.get(f"/entities/company/records/{company.pk}/timeline"))[0] == "unlinked"


def test_linking_to_a_record_the_manager_cannot_see_is_404(
    api_as, manager, colleague, make, works_at
):
    company = make("company", manager, name="Acme")
    hidden = make("contact", colleague, last_name="Hidden", owner=colleague)
    before = snapshot()

    response = api_as(manager).post(
        "/links", {"relation_type": works_at.pk, "from_id": company.pk, "to_id": hidden.pk}
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"relation_type": 999, "from_id": 1, "to_id": 2},
        {"relation_type": "works", "from_id": 1, "to_id": 2},
        {"from_id": 1, "to_id": 2},
        {"relation_type": 1, "from_id": 1, "to_id": 2, "note": "x"},
    ],
)
def test_bad_link_requests_are_refused(api_as, admin_user, works_at, body):
    response = api_as(admin_user).post("/links", body)

    assert response.status_code == 422
    assert not Link.objects.exists()


# -- search, duplicates, merge ----------------------------------------------------------------


def test_search_finds_records_by_folded_prefixes(api_as, reader, make):
    make("company", name="Łódź Logistics")
    make("contact", first_name="Семён", last_name="Петров")
    api = api_as(reader, token=True)

    found = api.get("/search", {"q": "lodz log"}).json()
    assert [hit["title"] for hit in found] == ["Łódź Logistics"]
    assert [hit["title"] for hit in api.get("/search", {"q": "семен"}).json()] == ["Семён Петров"]
    assert api.get("/search", {"q": "lodz", "entity": "contact"}).json() == []
    assert api.get("/search", {"q": "x", "entity": "nope"}).status_code == 422
    assert api.get("/search", {"q": "x" * 201}).status_code == 422
    assert api.get("/search").status_code == 422


def test_duplicates_endpoint_names_the_owner_of_a_matching_email_or_phone(
    api_as, manager, colleague, make
):
    make(
        "company",
        colleague,
        name="Acme",
        emails="info@acme.example",
        phones="+48 22 123 45 67",
        owner=colleague,
    )
    api = api_as(manager)

    by_email = api.post("/entities/company/duplicates", {"emails": ["INFO@acme.example"]}).json()
    by_phone = api.post("/entities/company/duplicates", {"phones": "+48-22-123-45-67"}).json()
    by_name = api.post("/entities/company/duplicates", {"name": "ACME"}).json()
    nothing = api.post("/entities/company/duplicates", {"name": "Globex"}).json()

    assert by_email == [
        {
            "entity": "company",
            "id": by_email[0]["id"],
            "title": "Acme",
            "owner": "Boris",
            "reason": "same email info@acme.example",
        }
    ]
    assert by_phone[0]["reason"] == "same phone +48221234567"
    assert by_name[0]["reason"] == "very similar name"
    assert nothing == []
    bad = api.post("/entities/company/duplicates", {"emails": ["nope"], "bogus": 1})
    assert bad.status_code == 422
    assert set(error_of(bad)["fields"]) == {"emails", "bogus"}


def test_merge_moves_timeline_entries_and_contacts_to_the_kept_company(api_as, manager, make):
    keep = make("company", manager, name="Acme", phones="+48 22 111 11 11")
    other = make("company", manager, name="ACME Ltd", emails="info@acme.example")
    staff = make("contact", manager, last_name="Nowak", company=other.pk)
    api = api_as(manager)
    api.post(f"/entities/company/records/{other.pk}/timeline", {"body": "Met at the fair"})

    response = api.post(f"/entities/company/records/{keep.pk}/merge", {"other_id": other.pk})

    assert response.status_code == 200, response.content
    merged = response.json()
    assert merged["name"] == "Acme"
    assert merged["emails"] == ["info@acme.example"]  # the kept one had none
    assert merged["phones"] == ["+48221111111"]
    assert not Company.objects.filter(pk=other.pk).exists()
    assert Contact.objects.get(pk=staff.pk).company_id == keep.pk
    timeline = api.get(f"/entities/company/records/{keep.pk}/timeline").json()["items"]
    assert timeline[0]["kind"] == "merged" and timeline[0]["summary"] == "ACME Ltd"
    assert "Met at the fair" in [entry["body"] for entry in timeline]
    assert not Activity.objects.filter(entity="company", object_id=other.pk).exists()
    assert api.get(f"/entities/company/records/{other.pk}").status_code == 404


def test_merge_takes_the_other_value_where_the_client_chooses_it(api_as, admin_user, make):
    keep = make("company", name="Acme", industry="it")
    other = make("company", name="Acme Sp. z o.o.", industry="retail")

    response = api_as(admin_user).post(
        f"/entities/company/records/{keep.pk}/merge",
        {"other_id": other.pk, "choices": {"name": "other"}},
    )

    assert response.json()["name"] == "Acme Sp. z o.o."
    assert response.json()["industry"] == "it"


@pytest.mark.parametrize(
    "body_of",
    [
        lambda keep, other: {"other_id": keep.pk},
        lambda keep, other: {"other_id": other.pk, "choices": {"name": "theirs"}},
        lambda keep, other: {"other_id": other.pk, "choices": ["name"]},
        lambda keep, other: {"other_id": "two"},
        lambda keep, other: {"other_id": other.pk, "delete": True},
    ],
)
def test_bad_merge_requests_are_refused_and_both_records_stay(api_as, admin_user, make, body_of):
    keep = make("company", name="Acme")
    other = make("company", name="Acme 2")
    before = snapshot()

    response = api_as(admin_user).post(
        f"/entities/company/records/{keep.pk}/merge", body_of(keep, other)
    )

    assert response.status_code == 422
    error_of(response)
    assert snapshot() == before


def test_manager_cannot_merge_a_colleagues_company_into_their_own(api_as, manager, colleague, make):
    mine = make("company", manager, name="Acme")
    theirs = make("company", colleague, name="Acme", owner=colleague)
    before = snapshot()

    response = api_as(manager).post(
        f"/entities/company/records/{mine.pk}/merge", {"other_id": theirs.pk}
    )

    assert response.status_code == 404
    assert snapshot() == before


def test_openapi_schema_is_served_and_describes_the_records_endpoints(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/entities/{key}/records" in paths
    assert {"get", "post"} <= set(paths["/api/v1/entities/{key}/records/{pk}/timeline"])
    assert "/api/v1/links" in paths


# -- bad input: nothing written, one error format ---------------------------------------------


def test_a_number_as_a_name_is_stored_as_text(api_as, admin_user):
    response = api_as(admin_user).post("/entities/company/records", {"name": 5})

    assert response.status_code == 201
    assert Company.objects.get().name == "5"


BAD_COMPANIES = [
    pytest.param({}, "name", id="name-missing"),
    pytest.param({"name": "   "}, "name", id="name-blank"),
    pytest.param({"name": None}, "name", id="name-null"),
    pytest.param({"name": True}, "name", id="name-bool"),
    pytest.param({"name": ["Acme"]}, "name", id="name-list"),
    pytest.param({"name": {"x": 1}}, "name", id="name-object"),
    pytest.param({"name": "x" * 300}, "name", id="name-300-chars"),
    pytest.param({"name": "Acme\x00"}, "name", id="name-nul"),
    pytest.param({"name": "Acme", "phones": {"x": 1}}, "phones", id="phones-object"),
    pytest.param({"name": "Acme", "phones": ["12"]}, "phones", id="phones-too-short"),
    pytest.param({"name": "Acme", "phones": ["call me"]}, "phones", id="phones-words"),
    pytest.param({"name": "Acme", "website": "javascript:alert(1)"}, "website", id="js-url"),
    pytest.param({"name": "Acme", "website": "ftp://acme.example"}, "website", id="ftp-url"),
    pytest.param({"name": "Acme", "website": "http://"}, "website", id="url-no-host"),
    pytest.param({"name": "Acme", "emails": ["not-an-email"]}, "emails", id="bad-email"),
    pytest.param({"name": "Acme", "emails": [{"a": 1}]}, "emails", id="email-object"),
    pytest.param({"name": "Acme", "industry": "nope"}, "industry", id="unknown-choice"),
    pytest.param({"name": "Acme", "industry": ["it"]}, "industry", id="choice-list"),
    pytest.param({"name": "Acme", "tags": [f"t{i}" for i in range(51)]}, "tags", id="51-tags"),
    pytest.param({"name": "Acme", "tags": ["x" * 51]}, "tags", id="long-tag"),
    pytest.param({"name": "Acme", "address": "x" * 20001}, "address", id="long-address"),
    pytest.param({"name": "Acme", "owner": 10**6}, "owner", id="owner-missing-user"),
    pytest.param({"name": "Acme", "owner": "boss"}, "owner", id="owner-not-id"),
    pytest.param({"name": "Acme", "bogus": 1}, "bogus", id="unknown-field"),
    pytest.param({"name": "Acme", "id": 7}, "id", id="id"),
    pytest.param({"name": "Acme", "created_at": "2020-01-01"}, "created_at", id="created-at"),
    pytest.param({"name": "Acme", "custom": {"x": 1}}, "custom", id="custom-column"),
]


@pytest.mark.parametrize("body,field", BAD_COMPANIES)
def test_invalid_company_is_refused_with_422_and_nothing_written(api_as, admin_user, body, field):
    before = snapshot()

    response = api_as(admin_user).post("/entities/company/records", body)

    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert error["message"].startswith(f"{field}: ")
    assert snapshot() == before


def test_invalid_contact_cannot_point_at_a_company_the_manager_cannot_see(
    api_as, manager, colleague, make
):
    hidden = make("company", colleague, name="Hidden", owner=colleague)
    before = snapshot()

    response = api_as(manager).post(
        "/entities/contact/records", {"last_name": "Nowak", "company": hidden.pk}
    )

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"company": ["Choose an existing record you can see."]}
    assert snapshot() == before


def test_owner_must_be_an_active_user(api_as, admin_user, colleague):
    colleague.is_active = False
    colleague.save()
    before = snapshot()

    response = api_as(admin_user).post(
        "/entities/company/records", {"name": "Acme", "owner": colleague.pk}
    )

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"owner": ["Choose an active user."]}
    assert snapshot() == before


@pytest.mark.parametrize(
    "raw,status,code",
    [
        ('{"name": "Acme"', 400, "malformed"),
        ("name=Acme", 400, "malformed"),
        ('[{"name": "Acme"}]', 422, "validation_error"),
        ('"Acme"', 422, "validation_error"),
        ("null", 422, "validation_error"),
    ],
)
def test_malformed_bodies_are_refused_in_the_one_error_format(
    api_as, admin_user, raw, status, code
):
    before = snapshot()

    response = api_as(admin_user).post("/entities/company/records", raw)

    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert snapshot() == before


def test_a_json_array_body_is_answered_with_send_a_json_object(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)
    before = snapshot()

    for path in [
        "/entities/company/records",
        f"/entities/company/records/{company.pk}/timeline",
        f"/entities/company/records/{company.pk}/merge",
        "/links",
    ]:
        response = api.post(path, '[{"name": "Acme"}]')
        assert response.status_code == 422, path
        assert error_of(response)["message"] == "__all__: Send a JSON object.", path
    assert snapshot() == before


def test_a_body_over_five_megabytes_is_refused_with_413(api_as, admin_user, settings):
    body = json.dumps({"name": "Acme", "address": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    before = snapshot()

    response = api_as(admin_user).post("/entities/company/records", body)

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert snapshot() == before


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)
    path = f"/entities/company/records/{company.pk}"
    api.patch(path, {"name": "Acme Ltd", "version": 1})

    response = api.patch(path, {"name": "Acme Inc", "version": 1})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["current_version"] == 2
    company.refresh_from_db()
    assert (company.name, company.version) == ("Acme Ltd", 2)


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "Acme Inc"}, "version"),
        ({"name": "Acme Inc", "version": "one"}, "version"),
        ({"name": "Acme Inc", "version": True}, "version"),
        ({"name": "", "version": 1}, "name"),
        ({"website": "javascript:alert(1)", "version": 1}, "website"),
        ({"title": "Acme Inc", "version": 1}, "title"),
    ],
)
def test_bad_patch_is_422_and_the_record_is_unchanged(api_as, admin_user, make, body, field):
    company = make("company", name="Acme")
    before = snapshot()

    response = api_as(admin_user).patch(f"/entities/company/records/{company.pk}", body)

    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    company.refresh_from_db()
    assert (company.name, company.version, company.website) == ("Acme", 1, "")
    assert snapshot() == before


def test_delete_with_a_stale_version_is_409_and_the_record_stays(api_as, admin_user, make):
    company = make("company", name="Acme")
    api = api_as(admin_user)

    response = api.delete(f"/entities/company/records/{company.pk}?version=7")

    assert response.status_code == 409
    assert error_of(response)["current_version"] == 1
    assert Company.objects.filter(pk=company.pk).exists()


@pytest.mark.parametrize("token", AUTH_MODES)
def test_manager_cannot_read_change_or_delete_a_colleagues_company_404_not_403(
    api_as, manager, colleague, make, token
):
    theirs = make("company", colleague, name="Theirs", owner=colleague)
    api = api_as(manager, token=token)
    path = f"/entities/company/records/{theirs.pk}"
    before = snapshot()

    responses = [
        api.get(path),
        api.patch(path, {"name": "Mine now", "version": 1}),
        api.delete(path),
        api.get(f"{path}/timeline"),
        api.post(f"{path}/timeline", {"body": "sneaky note"}),
        api.get(f"{path}/links"),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert all(error_of(r)["code"] == "not_found" for r in responses)
    assert snapshot() == before
    theirs.refresh_from_db()
    assert (theirs.name, theirs.version) == ("Theirs", 1)


def test_a_missing_record_and_an_invisible_one_look_the_same(api_as, manager, colleague, make):
    theirs = make("company", colleague, name="Theirs", owner=colleague)
    api = api_as(manager)

    invisible = api.get(f"/entities/company/records/{theirs.pk}")
    missing = api.get(f"/entities/company/records/{theirs.pk + 1000}")

    assert invisible.json() == missing.json()


def test_read_only_user_cannot_create_change_or_delete(api_as, reader, make):
    company = make("company", name="Acme")
    api = api_as(reader, token=True)
    path = f"/entities/company/records/{company.pk}"
    before = snapshot()

    assert api.get(path).status_code == 200  # they may read
    created = api.post("/entities/company/records", {"name": "Globex"})
    changed = api.patch(path, {"name": "Hacked", "version": 1})
    deleted = api.delete(path)

    for response in (created, changed, deleted):
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"
    assert snapshot() == before


def test_manager_cannot_create_a_record_owned_by_a_colleague(api_as, manager, colleague):
    before = snapshot()

    response = api_as(manager).post(
        "/entities/company/records", {"name": "Acme", "owner": colleague.pk}
    )

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"owner": ["You may only assign records to yourself."]}
    assert snapshot() == before


def test_requests_without_credentials_get_401_and_write_nothing(client, make):
    company = make("company", name="Acme")
    before = snapshot()

    responses = [
        client.get("/api/v1/entities/company/records"),
        client.get(f"/api/v1/entities/company/records/{company.pk}"),
        client.post(
            "/api/v1/entities/company/records", {"name": "x"}, content_type="application/json"
        ),
        client.delete(f"/api/v1/entities/company/records/{company.pk}"),
        client.get("/api/v1/search?q=acme"),
    ]

    assert [r.status_code for r in responses] == [401] * 5
    assert all(error_of(r)["code"] == "unauthenticated" for r in responses)
    assert snapshot() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Bearer kt_not-a-real-token"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Basic Ym9zczpwdw=="},
        {"HTTP_AUTHORIZATION": "Bearer kt_" + "x" * 5000},
        {"HTTP_X_API_TOKEN": "kt_not-a-real-token"},
    ],
)
def test_invalid_tokens_are_refused_with_401(client, admin_user, headers):
    response = client.post(
        "/api/v1/entities/company/records",
        {"name": "Acme"},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert not Company.objects.exists()


def test_a_token_works_in_either_header_until_it_is_revoked(client, manager):
    from kartoteka.accounts.models import ApiToken

    token, raw = ApiToken.issue(manager, "laptop")
    path = "/api/v1/entities/company/records"

    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get(path, HTTP_X_API_TOKEN=raw).status_code == 200
    token.delete()

    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert client.get(path, HTTP_X_API_TOKEN=raw).status_code == 401


def test_a_deactivated_users_token_stops_working(client, manager):
    from kartoteka.accounts.models import ApiToken

    _token, raw = ApiToken.issue(manager, "laptop")
    manager.is_active = False
    manager.save()

    response = client.get("/api/v1/entities/company/records", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 401


def test_token_acts_as_its_owner_not_as_the_signed_in_session(client, admin_user, manager, make):
    from kartoteka.accounts.models import ApiToken

    make("company", name="Admin's")
    _token, raw = ApiToken.issue(manager, "script")
    client.force_login(admin_user)

    response = client.get("/api/v1/entities/company/records", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.json()["items"] == []


def test_unknown_entity_is_404(api_as, admin_user):
    api = api_as(admin_user)

    responses = [
        api.get("/entities/spaceship/records"),
        api.post("/entities/spaceship/records", {"name": "x"}),
        api.get("/entities/spaceship/records/1"),
        api.post("/entities/spaceship/duplicates", {"name": "x"}),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    assert all(error_of(r)["code"] == "not_found" for r in responses)


# -- hostile text -----------------------------------------------------------------------------


def test_html_in_a_name_is_stored_as_text_and_escaped_on_pages(api_as, client, admin_user):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    created = api_as(admin_user).post(
        "/entities/company/records", {"name": hostile, "address": hostile}
    )
    pk = created.json()["id"]
    assert Company.objects.get(pk=pk).name == hostile
    assert api_as(admin_user).get(f"/entities/company/records/{pk}").json()["name"] == hostile

    for url in [f"/e/company/{pk}/", "/e/company/", "/search/?q=script", f"/e/company/{pk}/edit/"]:
        page = client.get(url).content.decode()
        assert "&lt;script&gt;alert(" in page, url
        assert "<script>alert(" not in page, url
        assert "<img src=x" not in page, url
