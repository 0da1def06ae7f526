"""Asking for access, and administrators approving or rejecting the request."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kartoteka.accounts.models import AccessRequest, Role, User

ASK = reverse("accounts:request_access")
pytestmark = pytest.mark.django_db


def ask(client, **overrides):
    data = {"full_name": "Zofia Nowak", "email": "zofia@example.com", "message": "Sales, Kraków"}
    return client.post(ASK, {**data, **overrides})


@pytest.fixture
def pending(db):
    return AccessRequest.objects.create(full_name="Zofia Nowak", email="zofia@example.com")


def approve(client, access_request, **overrides):
    data = {
        "username": "zofia",
        "role": Role.objects.get(key="manager").pk,
        "team": "",
        "language": "pl",
    }
    url = reverse("accounts:access_request_approve", args=[access_request.pk])
    return client.post(url, {**data, **overrides})


def test_asking_for_access_records_a_pending_request(client):
    response = ask(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:request_access_done")
    saved = AccessRequest.objects.get()
    assert (saved.full_name, saved.email, saved.status) == (
        "Zofia Nowak",
        "zofia@example.com",
        "pending",
    )


def test_administrators_are_emailed_about_a_new_request(
    client, administrator, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client)
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert "Zofia Nowak" in mail.outbox[0].subject
    assert reverse("accounts:access_requests") in mail.outbox[0].body


def test_a_second_pending_request_for_the_same_email_is_refused(client, pending):
    response = ask(client, email="ZOFIA@example.com")
    assert response.status_code == 200
    assert b"already waiting" in response.content
    assert AccessRequest.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "not-an-email"},
        {"email": ""},
        {"full_name": "   "},
        {"full_name": "N" * 151},
        {"message": "m" * 2001},
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(client, bad):
    response = ask(client, **bad)
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert not AccessRequest.objects.exists()


def test_requests_are_rate_limited_per_address(client, settings):
    settings.ACCESS_REQUEST_LIMIT = 2
    ask(client, email="one@example.com")
    ask(client, email="two@example.com")

    refused = ask(client, email="three@example.com")

    assert refused.status_code == 429
    assert AccessRequest.objects.count() == 2
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert ask(elsewhere, email="three@example.com").status_code == 302


def test_administrator_sees_pending_requests(as_administrator, pending):
    page = as_administrator.get(reverse("accounts:access_requests"))
    assert page.status_code == 200
    assert b"zofia@example.com" in page.content
    assert reverse("accounts:access_request_approve", args=[pending.pk]).encode() in page.content


def test_approval_creates_the_user_and_mails_a_set_password_link(
    as_administrator, administrator, pending, team
):
    response = approve(as_administrator, pending, team=team.pk)

    assert response.status_code == 302
    user = User.objects.get(username="zofia")
    assert user.is_active and not user.has_usable_password()
    assert (user.first_name, user.last_name, user.email) == ("Zofia", "Nowak", "zofia@example.com")
    assert (user.role.key, user.team, user.language) == ("manager", team, "pl")
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert pending.decided_by == administrator and pending.decided_at is not None
    assert pending.user == user

    assert [message.to for message in mail.outbox] == [["zofia@example.com"]]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Zofia-pa55word!", "new_password2": "Zofia-pa55word!"},
    )
    login = Client().post(
        reverse("accounts:login"), {"username": "zofia", "password": "Zofia-pa55word!"}
    )
    assert login.status_code == 302


def test_rejection_is_recorded(as_administrator, administrator, pending):
    response = as_administrator.post(reverse("accounts:access_request_reject", args=[pending.pk]))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert pending.decided_by == administrator and pending.decided_at is not None
    assert not User.objects.filter(email="zofia@example.com").exists()


def test_a_decided_request_cannot_be_decided_again(as_administrator, pending):
    as_administrator.post(reverse("accounts:access_request_reject", args=[pending.pk]))
    response = approve(as_administrator, pending)
    assert response.status_code == 302
    assert not User.objects.filter(username="zofia").exists()
    pending.refresh_from_db()
    assert pending.status == "rejected"


@pytest.mark.parametrize(
    "bad",
    [
        {"username": "MAX"},  # taken, whatever the case
        {"username": "has spaces"},
        {"username": "u" * 151},
        {"username": ""},
        {"role": "999999"},
    ],
)
def test_bad_approval_input_is_a_form_error_and_writes_nothing(
    as_administrator, manager, pending, bad
):
    users_before = User.objects.count()
    response = approve(as_administrator, pending, **bad)
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert User.objects.count() == users_before
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert mail.outbox == []


def test_approval_is_refused_when_the_email_already_has_a_user(as_administrator, manager):
    request = AccessRequest.objects.create(full_name="Max Again", email="max@example.com")
    response = approve(as_administrator, request, username="max2")
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert not User.objects.filter(username="max2").exists()


def test_manager_cannot_see_or_decide_requests(as_manager, pending):
    assert as_manager.get(reverse("accounts:access_requests")).status_code == 403
    assert approve(as_manager, pending).status_code == 403
    reject = reverse("accounts:access_request_reject", args=[pending.pk])
    assert as_manager.post(reject).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"
