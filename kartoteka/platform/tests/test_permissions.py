"""Who sees and touches which records: a manager sees only their own, the head of sales sees
everything, a team lead sees their team's — through every door (list, card, search,
type-ahead, API, export, bulk actions)."""

from __future__ import annotations

import pytest

from kartoteka.contacts.models import Company, Contact
from tests.helpers import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_lead(django_user_model, teams):
    from kartoteka.accounts.models import Role

    role = Role.objects.create(
        key="team_lead",
        name="Team lead",
        grants={
            "*": {
                "view": "team",
                "create": "all",
                "change": "team",
                "delete": "team",
                "export": "team",
            }
        },
    )
    return django_user_model.objects.create_user(
        username="tanya", first_name="Tanya", role=role, team=teams["north"]
    )


@pytest.fixture
def people(make, manager, colleague, outsider):
    """A contact of each manager; the names say whose it is."""
    return {
        "manager": make("contact", manager, first_name="Mine", last_name="Anfisa"),
        "colleague": make(
            "contact", colleague, first_name="Teammate", last_name="Anfisova", owner=colleague
        ),
        "outsider": make(
            "contact", outsider, first_name="Southern", last_name="Anfiskina", owner=outsider
        ),
    }


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def doors(colleague) -> dict[str, str]:
    """Every place a contact's name could show up, each searched for "anfis"."""
    return {
        "list": "/e/contact/",
        "list-quick-search": "/e/contact/?q=anfis",
        "list-filtered-by-owner": f"/e/contact/?f.owner={colleague.pk}",
        "search-page": "/search/?q=anfis",
        "suggest": "/search/suggest/?q=anfis",
        "lookup": "/e/contact/lookup/?q=anfis",
        "export": "/e/contact/export.csv",
        "api-list": "/api/v1/entities/contact/records",
        "api-search": "/api/v1/search?q=anfis",
    }


DOORS = [
    "list",
    "list-quick-search",
    "list-filtered-by-owner",
    "search-page",
    "suggest",
    "lookup",
    "export",
    "api-list",
    "api-search",
]


@pytest.mark.parametrize("door", DOORS)
def test_manager_cannot_see_colleagues_contact(client, manager, colleague, people, door):
    client.force_login(manager)

    response = client.get(doors(colleague)[door])

    assert response.status_code == 200
    page = text_of(response)
    assert "Teammate" not in page
    assert "Southern" not in page
    if door != "list-filtered-by-owner":
        assert "Mine" in page


@pytest.mark.parametrize("door", DOORS)
def test_head_of_sales_sees_every_contact(client, head, colleague, people, door):
    client.force_login(head)

    page = text_of(client.get(doors(colleague)[door]))

    assert "Teammate" in page
    if door != "list-filtered-by-owner":
        assert "Mine" in page and "Southern" in page


@pytest.mark.parametrize("door", DOORS)
def test_team_lead_sees_teammates_contacts_but_not_other_teams(
    client, team_lead, colleague, people, door
):
    client.force_login(team_lead)

    page = text_of(client.get(doors(colleague)[door]))

    assert "Teammate" in page
    assert "Southern" not in page
    if door != "list-filtered-by-owner":
        assert "Mine" in page


@pytest.mark.parametrize(
    "path",
    ["/e/contact/{pk}/", "/e/contact/{pk}/edit/", "/e/contact/{pk}/delete/"],
)
def test_manager_gets_404_for_a_colleagues_contact_page(client, manager, people, path):
    client.force_login(manager)

    response = client.get(path.format(pk=people["colleague"].pk))

    assert response.status_code == 404
    own = client.get(path.format(pk=people["manager"].pk))
    assert own.status_code == 200


def test_manager_cannot_read_a_colleagues_contact_through_the_api(client, manager, people):
    from kartoteka.accounts.models import ApiToken

    _token, raw = ApiToken.issue(manager, "t")
    api = ApiClient(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"})

    assert api.get(f"/entities/contact/records/{people['colleague'].pk}").status_code == 404
    assert api.get(f"/entities/contact/records/{people['manager'].pk}").status_code == 200


def test_manager_cannot_post_to_a_colleagues_contact_page(client, manager, people):
    hidden = people["colleague"]
    client.force_login(manager)

    responses = [
        client.post(f"/e/contact/{hidden.pk}/edit/", {"last_name": "Taken", "version": "1"}),
        client.post(f"/e/contact/{hidden.pk}/delete/"),
        client.post(f"/e/contact/{hidden.pk}/activities/", {"kind": "note", "body": "hi"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    hidden.refresh_from_db()
    assert (hidden.last_name, hidden.version) == ("Anfisova", 1)


def test_team_lead_may_change_a_teammates_record_but_not_another_teams(client, team_lead, people):
    client.force_login(team_lead)
    api = ApiClient(client)

    teammate = api.patch(
        f"/entities/contact/records/{people['colleague'].pk}", {"position": "CTO", "version": 1}
    )
    southern = api.patch(
        f"/entities/contact/records/{people['outsider'].pk}", {"position": "CTO", "version": 1}
    )

    assert teammate.status_code == 200
    assert southern.status_code == 404
    assert Contact.objects.get(pk=people["outsider"].pk).position == ""


def test_read_only_user_sees_all_but_may_not_export_or_delete(client, reader, people):
    client.force_login(reader)

    assert "Teammate" in client.get("/e/contact/").content.decode()
    assert client.get("/e/contact/export.csv").status_code == 403
    response = client.post(
        "/e/contact/bulk/",
        {"action": "delete", "confirmed": "1", "ids": [p.pk for p in people.values()]},
    )
    assert response.status_code == 302
    assert Contact.objects.count() == 3


# -- bulk actions -----------------------------------------------------------------------------


def test_bulk_delete_touches_only_the_managers_own_records(client, manager, people):
    client.force_login(manager)
    ids = [p.pk for p in people.values()]

    confirm = client.post("/e/contact/bulk/", {"action": "delete", "ids": ids})
    assert confirm.status_code == 200
    assert "Mine" in confirm.content.decode()
    assert "Teammate" not in confirm.content.decode()
    assert Contact.objects.count() == 3  # asking is not deleting

    done = client.post("/e/contact/bulk/", {"action": "delete", "confirmed": "1", "ids": ids})

    assert done.status_code == 302
    assert set(Contact.objects.values_list("first_name", flat=True)) == {"Teammate", "Southern"}


def test_bulk_set_field_changes_only_permitted_records(client, manager, people):
    client.force_login(manager)

    client.post(
        "/e/contact/bulk/",
        {
            "action": "set",
            "field": "position",
            "value": "Buyer",
            "ids": [p.pk for p in people.values()],
        },
    )

    positions = dict(Contact.objects.values_list("first_name", "position"))
    assert positions == {"Mine": "Buyer", "Teammate": "", "Southern": ""}


def test_manager_cannot_assign_records_to_someone_else(client, manager, colleague, make):
    mine = [make("company", manager, name=f"Mine {i}") for i in range(2)]
    client.force_login(manager)

    response = client.post(
        "/e/company/bulk/",
        {"action": "assign", "owner": colleague.pk, "ids": [c.pk for c in mine]},
        follow=True,
    )

    assert "You may only assign records to yourself." in response.content.decode()
    assert set(Company.objects.values_list("owner_id", flat=True)) == {manager.pk}


def test_head_of_sales_assigns_records_to_a_manager_who_then_sees_them(
    client, head, manager, colleague, make
):
    companies = [make("company", manager, name=f"Acme {i}") for i in range(2)]
    client.force_login(head)

    response = client.post(
        "/e/company/bulk/",
        {"action": "assign", "owner": colleague.pk, "ids": [c.pk for c in companies]},
    )

    assert response.status_code == 302
    assert set(Company.objects.values_list("owner_id", flat=True)) == {colleague.pk}
    client.force_login(manager)
    assert client.get(f"/e/company/{companies[0].pk}/").status_code == 404
    assert "Acme 0" not in client.get("/search/?q=acme").content.decode()
    client.force_login(colleague)
    assert "Acme 0" in client.get("/search/?q=acme").content.decode()


def test_bulk_actions_refuse_garbage_ids_and_unknown_actions(client, admin_user, make):
    company = make("company", name="Acme")
    client.force_login(admin_user)

    garbage = client.post(
        "/e/company/bulk/",
        {"action": "delete", "confirmed": "1", "ids": ["abc", str(10**30), "-1"]},
    )
    huge = client.post(
        "/e/company/bulk/", {"action": "delete", "confirmed": "1", "ids": [str(10**30)]}
    )
    unknown = client.post("/e/company/bulk/", {"action": "explode", "ids": [company.pk]})

    assert garbage.status_code == 302
    assert huge.status_code == 302
    assert unknown.status_code == 400
    assert Company.objects.filter(pk=company.pk).exists()


@pytest.mark.django_db
def test_read_only_user_sees_the_timeline_but_cannot_add_to_it(client, reader, make):
    from kartoteka.timeline.models import Activity

    company = make("company", name="Acme")
    client.force_login(reader)
    card = client.get(f"/e/company/{company.pk}/")
    assert card.status_code == 200
    assert b"activity-form" not in card.content
    before = Activity.objects.count()
    response = client.post(f"/e/company/{company.pk}/activities/", {"body": "Hi", "kind": "note"})
    assert response.status_code == 403
    assert Activity.objects.count() == before
