"""Logging in and out, and log-in throttling per username and per client address."""

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

LOGIN = reverse("accounts:login")
pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_links_to_password_reset_and_access_request(client):
    page = client.get(LOGIN)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("accounts:password_reset") in html
    assert reverse("accounts:request_access") in html
    assert 'name="username"' in html and "autofocus" in html


def test_right_password_signs_in_and_goes_home(client, manager):
    response = attempt(client, "max", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert signed_in(client)


def test_wrong_password_shows_an_error_and_does_not_sign_in(client, manager):
    response = attempt(client, "max", "wrong")
    assert response.status_code == 200
    assert b"alert-danger" in response.content
    assert not signed_in(client)


def test_deactivated_user_cannot_sign_in(client, manager):
    manager.is_active = False
    manager.save()
    assert attempt(client, "max", PASSWORD).status_code == 200
    assert not signed_in(client)


def test_throttled_username_is_refused_even_with_the_right_password(client, manager, settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        # A different address each time: the username's own counter does the blocking.
        assert attempt(client, "max", "wrong", ip=f"10.0.1.{number}").status_code == 200

    response = attempt(client, "max", PASSWORD, ip="10.0.2.1")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed log-in attempts for this username" in html
    assert "reset your password" in html
    assert not signed_in(client)


def test_throttling_ignores_the_case_of_the_username(client, manager, settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, "MAX" if number % 2 else "max", "wrong", ip=f"10.0.1.{number}")
    assert attempt(client, "max", PASSWORD, ip="10.0.2.1").status_code == 429


def test_throttled_address_is_refused_for_every_username(client, manager, outsider, settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, f"nobody{number}", "wrong", ip="192.0.2.7")

    refused = attempt(client, "olga", PASSWORD, ip="192.0.2.7")
    assert refused.status_code == 429
    assert "Too many failed log-in attempts from your address" in refused.content.decode()
    assert not signed_in(client)

    elsewhere = Client()
    assert attempt(elsewhere, "olga", PASSWORD, ip="192.0.2.8").status_code == 302


def test_successful_login_resets_the_username_counter(manager, settings):
    limit = settings.LOGIN_FAILURE_LIMIT
    for number in range(limit - 1):
        attempt(Client(), "max", "wrong", ip=f"10.0.1.{number}")
    assert attempt(Client(), "max", PASSWORD, ip="10.0.2.1").status_code == 302

    for number in range(limit - 1):
        attempt(Client(), "max", "wrong", ip=f"10.0.3.{number}")
    # Without the reset the username would now have 2 × (limit − 1) ≥ limit failures.
    assert attempt(Client(), "max", PASSWORD, ip="10.0.4.1").status_code == 302


def test_signed_in_user_visiting_login_goes_home(as_manager):
    response = as_manager.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_logout_signs_out(as_manager):
    response = as_manager.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not signed_in(as_manager)
    assert as_manager.get(reverse("accounts:profile")).status_code == 302


def test_oversized_username_is_a_form_error(client, manager):
    response = attempt(client, "x" * 5000, "wrong")
    assert response.status_code == 200
    assert not signed_in(client)


@pytest.mark.django_db
def test_log_in_never_redirects_to_another_site(client, django_user_model):
    django_user_model.objects.create_user(username="wanda", password="pw-wanda-123")
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "wanda", "password": "pw-wanda-123", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
