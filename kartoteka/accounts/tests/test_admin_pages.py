"""Administrators' pages for users and teams: who may open them, what they write, and what
they refuse."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kartoteka.accounts.models import Role, Team, User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    ("accounts:users", []),
    ("accounts:user_create", []),
    ("accounts:teams", []),
    ("accounts:team_create", []),
    ("accounts:roles", []),
    ("accounts:role_create", []),
    ("accounts:access_requests", []),
]


def user_data(**overrides):
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Kowalska",
        "email": "nina@example.com",
        "team": "",
        "role": Role.objects.get(key="manager").pk,
        "language": "pl",
        "is_active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_manager_gets_403_on_admin_pages(as_manager, name, args):
    assert as_manager.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_user_without_a_role_gets_403_on_admin_pages(as_outsider, name, args):
    assert as_outsider.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_administrator_opens_admin_pages(as_administrator, name, args):
    assert as_administrator.get(reverse(name, args=args)).status_code == 200


def test_manager_cannot_create_or_deactivate_users(as_manager, administrator):
    assert as_manager.post(reverse("accounts:user_create"), user_data()).status_code == 403
    deactivate = reverse("accounts:user_deactivate", args=[administrator.pk])
    assert as_manager.post(deactivate).status_code == 403
    assert not User.objects.filter(username="nina").exists()
    administrator.refresh_from_db()
    assert administrator.is_active


def test_users_list_shows_users_with_team_and_role(as_administrator, manager):
    page = as_administrator.get(reverse("accounts:users"))
    html = page.content.decode()
    assert "max@example.com" in html and "North" in html and "Manager" in html


def test_users_list_filters_by_text(as_administrator, manager, outsider):
    page = as_administrator.get(reverse("accounts:users"), {"q": "olga"})
    assert b"olga@example.com" in page.content
    assert b"max@example.com" not in page.content


def test_creating_a_user_mails_a_set_password_link(as_administrator, team):
    response = as_administrator.post(reverse("accounts:user_create"), user_data(team=team.pk))
    assert response.status_code == 302
    user = User.objects.get(username="nina")
    assert user.is_active and not user.has_usable_password()
    assert (user.team, user.role.key, user.language) == (team, "manager", "pl")
    assert [message.to for message in mail.outbox] == [["nina@example.com"]]
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.parametrize(
    "bad",
    [
        {"username": "MAX"},  # duplicate, whatever the case
        {"username": "bad name!"},
        {"username": "n" * 151},
        {"first_name": "F" * 151},
        {"email": "not-an-email"},
        {"email": ""},  # a new user needs an address for the set-password link
        {"email": "MAX@example.com"},  # another user's address
        {"role": ""},
        {"language": "xx"},
        {"team": "999999"},
    ],
)
def test_bad_user_input_is_a_form_error_and_writes_nothing(as_administrator, manager, bad):
    before = User.objects.count()
    response = as_administrator.post(reverse("accounts:user_create"), user_data(**bad))
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert User.objects.count() == before
    assert mail.outbox == []


def test_editing_a_user_saves_the_fields(as_administrator, manager):
    url = reverse("accounts:user_edit", args=[manager.pk])
    response = as_administrator.post(
        url, user_data(username="max", email="max@example.com", first_name="Maks")
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert (manager.first_name, manager.team, manager.language) == ("Maks", None, "pl")


def test_deactivated_user_can_no_longer_log_in(as_administrator, manager):
    response = as_administrator.post(reverse("accounts:user_deactivate", args=[manager.pk]))
    assert response.status_code == 302
    manager.refresh_from_db()
    assert not manager.is_active
    assert User.objects.filter(pk=manager.pk).exists()  # never deleted
    login = Client().post(reverse("accounts:login"), {"username": "max", "password": PASSWORD})
    assert login.status_code == 200

    as_administrator.post(reverse("accounts:user_activate", args=[manager.pk]))
    manager.refresh_from_db()
    assert manager.is_active


def test_deactivation_ends_the_users_session(as_administrator, as_manager, manager):
    as_administrator.post(reverse("accounts:user_deactivate", args=[manager.pk]))
    assert as_manager.get(reverse("accounts:profile")).status_code == 302


def test_administrator_cannot_deactivate_themselves(as_administrator, administrator):
    response = as_administrator.post(
        reverse("accounts:user_deactivate", args=[administrator.pk]), follow=True
    )
    assert b"You cannot deactivate yourself" in response.content
    administrator.refresh_from_db()
    assert administrator.is_active

    url = reverse("accounts:user_edit", args=[administrator.pk])
    data = user_data(
        username="ada",
        email="ada@example.com",
        role=administrator.role_id,
        is_active=None,  # unticked
    )
    response = as_administrator.post(url, data)
    assert response.status_code == 200
    assert b"You cannot deactivate yourself" in response.content
    administrator.refresh_from_db()
    assert administrator.is_active


def test_administrator_cannot_take_their_own_admin_role_away(as_administrator, administrator):
    url = reverse("accounts:user_edit", args=[administrator.pk])
    response = as_administrator.post(url, user_data(username="ada", email="ada@example.com"))
    assert response.status_code == 200
    administrator.refresh_from_db()
    assert administrator.role.key == "administrator"


# -- teams ------------------------------------------------------------------------------------


def test_creating_and_renaming_a_team(as_administrator):
    as_administrator.post(reverse("accounts:team_create"), {"name": "  South  "})
    team = Team.objects.get()
    assert team.name == "South"
    as_administrator.post(reverse("accounts:team_edit", args=[team.pk]), {"name": "East"})
    team.refresh_from_db()
    assert team.name == "East"


@pytest.mark.parametrize("name", ["north", "", "   ", "T" * 101])
def test_bad_team_names_are_refused(as_administrator, team, name):
    response = as_administrator.post(reverse("accounts:team_create"), {"name": name})
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert list(Team.objects.values_list("name", flat=True)) == ["North"]


def test_an_empty_team_can_be_deleted(as_administrator):
    team = Team.objects.create(name="Empty")
    page = as_administrator.get(reverse("accounts:teams"))
    assert b"data-confirm" in page.content
    as_administrator.post(reverse("accounts:team_delete", args=[team.pk]))
    assert not Team.objects.filter(pk=team.pk).exists()


def test_a_team_with_members_is_not_deleted(as_administrator, manager, team):
    response = as_administrator.post(reverse("accounts:team_delete", args=[team.pk]), follow=True)
    assert b"still has members" in response.content
    assert Team.objects.filter(pk=team.pk).exists()
    manager.refresh_from_db()
    assert manager.team == team


def test_manager_cannot_delete_teams(as_manager):
    team = Team.objects.create(name="Empty")
    assert as_manager.post(reverse("accounts:team_delete", args=[team.pk])).status_code == 403
    assert Team.objects.filter(pk=team.pk).exists()
