"""Self-service password reset by email, and changing the password on the profile page."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kartoteka.accounts.models import User

from .conftest import PASSWORD

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "Brand-new-pa55phrase"
pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def set_password_through(client, link: str, password: str):
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert b"new_password1" in form_page.content
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    return client.post(set_url, {"new_password1": password, "new_password2": password})


def can_log_in(username, password) -> bool:
    response = Client().post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    return response.status_code == 302


def test_reset_mails_a_link_that_sets_a_new_password(client, manager):
    response = client.post(RESET, {"email": "MAX@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["max@example.com"]
    assert "max" in message.body

    done = set_password_through(client, link_in(message), NEW_PASSWORD)

    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert can_log_in("max", NEW_PASSWORD)
    assert not can_log_in("max", PASSWORD)


def test_a_reset_link_works_only_once(client, manager):
    client.post(RESET, {"email": "max@example.com"})
    link = link_in(mail.outbox[0])
    set_password_through(client, link, NEW_PASSWORD)

    again = Client().get(link, follow=True)
    assert b"This link no longer works" in again.content
    assert b"new_password1" not in again.content


def test_unknown_address_gets_the_same_answer_and_no_mail(client, manager):
    response = client.post(RESET, {"email": "stranger@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_deactivated_user_gets_no_reset_mail(client, manager):
    manager.is_active = False
    manager.save()
    client.post(RESET, {"email": "max@example.com"})
    assert mail.outbox == []


def test_user_without_a_password_yet_can_get_a_link(client, manager):
    manager.set_unusable_password()
    manager.save()
    client.post(RESET, {"email": "max@example.com"})
    assert len(mail.outbox) == 1


def test_mismatched_new_passwords_are_refused(client, manager):
    client.post(RESET, {"email": "max@example.com"})
    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": "other"})
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert can_log_in("max", PASSWORD)


def test_reset_requests_are_rate_limited_per_address(client, manager, settings):
    settings.PASSWORD_RESET_LIMIT = 2
    for _ in range(2):
        client.post(RESET, {"email": "max@example.com"})
    assert len(mail.outbox) == 2

    refused = client.post(RESET, {"email": "max@example.com"})

    assert refused.status_code == 429
    assert len(mail.outbox) == 2


def test_a_password_reset_lifts_the_username_throttle(client, manager, settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post(
            reverse("accounts:login"),
            {"username": "max", "password": "wrong"},
            REMOTE_ADDR=f"10.0.0.{number}",
        )
    client.post(RESET, {"email": "max@example.com"})
    set_password_through(client, link_in(mail.outbox[0]), NEW_PASSWORD)
    assert can_log_in("max", NEW_PASSWORD)


def test_password_change_on_the_profile_keeps_the_session(as_manager):
    response = as_manager.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert as_manager.get(reverse("accounts:profile")).status_code == 200
    assert User.objects.get(username="max").check_password(NEW_PASSWORD)


def test_password_change_with_a_wrong_old_password_is_refused(as_manager):
    response = as_manager.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert User.objects.get(username="max").check_password(PASSWORD)
