"""The profile page: name, email and language; the chosen language is used from then on."""

import re

import pytest
from django.urls import reverse

from kartoteka.accounts.models import User

PROFILE = reverse("accounts:profile")
pytestmark = pytest.mark.django_db


def profile_data(**overrides):
    data = {"first_name": "Maks", "last_name": "Nowak", "email": "max@example.com"}
    return {**data, "language": "en", **overrides}


def test_profile_page_shows_both_forms_and_focuses_the_first_field(as_manager):
    html = as_manager.get(PROFILE).content.decode()
    assert 'name="first_name"' in html and 'name="old_password"' in html
    assert html.count("autofocus") == 1
    assert html.index("autofocus") > html.index('name="first_name"') - 200


def test_saving_the_profile_updates_the_user(as_manager, manager):
    response = as_manager.post(PROFILE, profile_data())
    assert response.status_code == 302
    manager.refresh_from_db()
    assert (manager.first_name, manager.last_name) == ("Maks", "Nowak")


def test_choosing_a_language_switches_the_interface(as_manager, manager):
    as_manager.post(PROFILE, profile_data(language="ru"))
    manager.refresh_from_db()
    assert manager.language == "ru"
    page = as_manager.get(PROFILE)
    assert page["Content-Language"] == "ru"
    assert '<html lang="ru">' in page.content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "not-an-email"},
        {"email": "ada@example.com"},  # someone else's
        {"language": "de"},
        {"first_name": "F" * 151},
    ],
)
def test_bad_profile_input_is_a_form_error_and_writes_nothing(
    as_manager, manager, administrator, bad
):
    response = as_manager.post(PROFILE, profile_data(**bad))
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    # The page header still shows the saved name, not the rejected one.
    menu = re.search(r'id="user-menu"[^>]*>(.*?)</a>', response.content.decode()).group(1)
    assert "Max" in menu and "Maks" not in menu
    stored = User.objects.get(pk=manager.pk)
    assert (stored.first_name, stored.email, stored.language) == ("Max", "max@example.com", "en")


def test_profile_needs_a_signed_in_user(client):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
