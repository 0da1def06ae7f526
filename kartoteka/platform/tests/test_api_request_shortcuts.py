"""The cheap path of a token-authenticated API read: the schema version checked at most once
per SCHEMA_CHECK_INTERVAL, the browser middleware passed through by calls with a token and no
cookies. Each test names what a client or an administrator would notice if a shortcut went
too far."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from kartoteka.accounts.models import ApiToken
from kartoteka.contacts.models import Contact
from kartoteka.customization.models import FieldDefinition
from kartoteka.platform.models import SchemaVersion
from kartoteka.platform.registry import SCHEMA_CHECK_INTERVAL


def record_path(pk: int) -> str:
    return f"/api/v1/entities/contact/records/{pk}"


def token_get(raw: str, path: str, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)


def field_added_by_another_process(key: str) -> None:
    """What another web process does when an administrator adds a field: the definition and
    a new schema version, committed, without this process's registry hearing of it."""
    FieldDefinition.objects.create(entity="contact", key=key, label=key.title(), type="text")
    number = SchemaVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 1
    SchemaVersion.objects.update_or_create(pk=1, defaults={"number": number + 1})


def a_second_passes(registry) -> None:
    registry._checked_at -= SCHEMA_CHECK_INTERVAL


@pytest.fixture
def contact(make, manager):
    return make("contact", first_name="Anna", last_name="Berg", owner=manager)


@pytest.fixture
def manager_token(manager):
    return ApiToken.issue(manager, "script")


# -- the schema version ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_field_added_elsewhere_reaches_api_reads_within_the_interval(
    migrated_defaults, contact, admin_user, registry
):
    _token, raw = ApiToken.issue(admin_user, "script")
    assert "loyalty" not in token_get(raw, record_path(contact.pk)).json()
    field_added_by_another_process("loyalty")

    a_second_passes(registry)
    body = token_get(raw, record_path(contact.pk)).json()

    assert "loyalty" in body
    assert body["loyalty"] is None


@pytest.mark.django_db(transaction=True)
def test_a_field_added_elsewhere_is_accepted_by_the_next_write_at_once(
    migrated_defaults, contact, admin_user, registry
):
    _token, raw = ApiToken.issue(admin_user, "script")
    token_get(raw, record_path(contact.pk))  # this process has just checked the version
    field_added_by_another_process("loyalty")

    response = Client().patch(
        record_path(contact.pk),
        json.dumps({"loyalty": "gold", "version": contact.version}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200, response.content
    assert response.json()["loyalty"] == "gold"


@pytest.mark.django_db(transaction=True)
def test_a_schema_change_rolled_back_is_not_served(
    migrated_defaults, contact, admin_user, registry
):
    _token, raw = ApiToken.issue(admin_user, "script")
    token_get(raw, record_path(contact.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        FieldDefinition.objects.create(entity="contact", key="ghost", label="Ghost", type="text")
        registry.bump()
        assert registry.get("contact").field("ghost") is not None
        raise RuntimeError("the administrator's change failed")

    assert "ghost" not in token_get(raw, record_path(contact.pk)).json()


@pytest.mark.django_db
def test_a_field_added_through_the_services_is_served_at_once(contact, admin_user, registry):
    _token, raw = ApiToken.issue(admin_user, "script")
    token_get(raw, record_path(contact.pk))
    FieldDefinition.objects.create(entity="contact", key="loyalty", label="Loyalty", type="text")
    registry.bump()

    assert "loyalty" in token_get(raw, record_path(contact.pk)).json()


# -- the token and the user behind it ----------------------------------------------------------


@pytest.mark.django_db
def test_a_revoked_token_is_refused_on_the_next_call(contact, manager_token):
    token, raw = manager_token
    assert token_get(raw, record_path(contact.pk)).status_code == 200
    token.delete()

    response = token_get(raw, record_path(contact.pk))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.django_db
def test_a_deactivated_users_token_is_refused_on_the_next_call(contact, manager, manager_token):
    _token, raw = manager_token
    assert token_get(raw, record_path(contact.pk)).status_code == 200
    manager.is_active = False
    manager.save()

    assert token_get(raw, record_path(contact.pk)).status_code == 401


@pytest.mark.django_db
def test_a_user_who_lost_their_role_no_longer_reads_the_record(contact, manager, manager_token):
    _token, raw = manager_token
    assert token_get(raw, record_path(contact.pk)).status_code == 200
    manager.role = None
    manager.save()

    assert token_get(raw, record_path(contact.pk)).status_code == 404


@pytest.mark.django_db
def test_a_role_losing_its_grant_takes_effect_on_the_next_call(contact, manager, manager_token):
    _token, raw = manager_token
    assert token_get(raw, record_path(contact.pk)).status_code == 200
    role = manager.role
    role.grants = {**role.grants, "contact": {"view": "none"}}
    role.save()

    assert token_get(raw, record_path(contact.pk)).status_code == 404


@pytest.mark.django_db
def test_a_record_read_by_token_is_the_full_record(contact, manager, manager_token):
    _token, raw = manager_token
    body = token_get(raw, record_path(contact.pk)).json()

    assert body["id"] == contact.pk
    assert body["title"] == "Anna Berg"
    assert body["owner"] == manager.pk
    assert body["version"] == contact.version


@pytest.mark.django_db
def test_an_unknown_record_is_404_and_a_bad_token_401(contact, manager_token):
    _token, raw = manager_token
    assert token_get(raw, record_path(contact.pk + 1000)).status_code == 404
    assert token_get("kt_not-a-token", record_path(contact.pk)).status_code == 401


# -- headers and the browser route -------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_call_keeps_the_security_headers_and_sets_no_cookie(contact, manager_token):
    _token, raw = manager_token
    response = token_get(raw, record_path(contact.pk))

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Vary"] == "Accept-Language, Cookie"
    assert not response.cookies


@pytest.mark.django_db
def test_a_token_call_still_answers_in_the_language_asked_for(manager_token):
    _token, raw = manager_token
    response = token_get(raw, "/api/v1/entities/nothing/records/1", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 404
    assert response["Content-Language"] == "ru"
    assert response.json()["error"]["message"] != "Unknown entity."


@pytest.mark.django_db
def test_a_session_write_without_the_csrf_token_is_refused(manager):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)

    response = browser.post(
        "/api/v1/entities/contact/records",
        json.dumps({"last_name": "Forged"}),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not Contact.objects.filter(last_name="Forged").exists()


@pytest.mark.django_db
def test_a_session_write_with_a_bogus_token_header_still_needs_the_csrf_token(manager):
    """The browser route is chosen by the cookie: a header cannot switch CSRF off."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)

    response = browser.post(
        "/api/v1/entities/contact/records",
        json.dumps({"last_name": "Forged"}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer kt_not-a-token",
    )

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_session_write_with_the_csrf_token_is_accepted(manager):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    browser.get("/")  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value

    response = browser.post(
        "/api/v1/entities/contact/records",
        json.dumps({"last_name": "Signed"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )

    assert response.status_code == 201, response.content


@pytest.mark.django_db(transaction=True)
def test_pages_see_a_field_added_elsewhere_at_once(migrated_defaults, contact, admin_user):
    """Only a script's token reads may be a second late: a browser (session) request checks
    the schema version every time, so an administrator finds the new field on the next page."""
    browser = Client()
    browser.force_login(admin_user)
    assert "loyalty" not in browser.get(record_path(contact.pk)).json()
    field_added_by_another_process("loyalty")

    assert "loyalty" in browser.get(record_path(contact.pk)).json()
