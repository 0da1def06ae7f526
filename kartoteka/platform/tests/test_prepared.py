"""The record read by key through SQL compiled once (`platform.prepared`) gives what the ORM
gives — every value converted the same way, on either database — keeps a custom entity's
records to their own type, and is used only for users who may see every record; the token
lookup of every API call builds the same user and role as the ORM would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.accounts.models import ApiToken, Role, User, _token_and_user, hash_token
from kartoteka.customization import services as customization
from kartoteka.platform import services
from kartoteka.platform.api_records import serialize

pytestmark = pytest.mark.django_db


def _entity(admin_user, key: str):
    customization.create_entity_type(
        admin_user, {"key": key, "label": key.title(), "label_plural": key.title() + "s"}
    )


@pytest.fixture
def records(admin_user, manager, registry, make):
    customization.create_field(
        admin_user,
        {"entity": "contact", "key": "score", "label": "Score", "type": "number"},
    )
    customization.create_field(
        admin_user, {"entity": "contact", "key": "met_on", "label": "Met on", "type": "date"}
    )
    company = make("company", name="Ünïcödé <b>Ltd</b>", owner=manager)
    contact = make(
        "contact",
        first_name="Пётр",
        last_name="O'Brien\ttab",
        company=company.pk,
        phones=["+48 600 000 001"],
        emails=["p@example.com"],
        score="12.50",
        met_on="2026-03-29",
        owner=manager,
    )
    _entity(admin_user, "supplier")
    _entity(admin_user, "carrier")
    supplier = services.create_record(registry.get("supplier"), admin_user, {"name": "Acme"})
    carrier = services.create_record(registry.get("carrier"), admin_user, {"name": "Fast"})
    return {"company": company, "contact": contact, "supplier": supplier, "carrier": carrier}


@pytest.mark.parametrize("key", ["company", "contact", "supplier", "carrier"])
def test_the_prepared_row_is_the_orm_row(records, registry, key):
    spec = registry.get(key)
    pk = records[key].pk
    prepared = spec.row_by_key.get(pk)
    orm = spec.queryset().select_related(None).get(pk=pk)
    for field in spec.model._meta.concrete_fields:
        assert getattr(prepared, field.attname) == getattr(orm, field.attname), field.name
    assert serialize(spec, prepared) == serialize(spec, orm)
    assert prepared._state.adding is False and prepared._state.db == orm._state.db


def test_converted_values_have_the_orms_types(records, registry):
    contact = registry.get("contact").row_by_key.get(records["contact"].pk)
    assert isinstance(contact.created_at, dt.datetime) and contact.created_at.tzinfo is not None
    assert contact.phones == ["+48600000001"] and isinstance(contact.custom, dict)
    assert Decimal(str(contact.custom["score"])) == Decimal("12.50")


def test_a_custom_entity_does_not_read_another_types_record(records, registry):
    assert registry.get("supplier").row_by_key.get(records["carrier"].pk) is None
    assert registry.get("carrier").row_by_key.get(records["supplier"].pk) is None
    assert registry.get("contact").row_by_key.get(10**9) is None


def test_a_read_by_someone_who_sees_everything_compiles_nothing_new(records, api_as, admin_user):
    client = api_as(admin_user, token=True)
    path = f"/entities/contact/records/{records['contact'].pk}"
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        body = client.get(path).json()
    assert body["first_name"] == "Пётр" and body["company"] == records["company"].pk
    assert len(captured.captured_queries) <= 3  # schema version (at most), token, record


def test_a_manager_with_own_scope_still_gets_404_for_others_records(
    records, api_as, colleague, registry
):
    spec = registry.get("contact")
    assert spec.row_by_key.get(records["contact"].pk) is not None  # the row exists
    response = api_as(colleague, token=True).get(
        f"/entities/contact/records/{records['contact'].pk}"
    )
    assert response.status_code == 404


def test_the_token_lookup_builds_the_user_and_role_the_orm_builds(manager):
    token, raw = ApiToken.issue(manager, "script")
    token_id, last_used_at, user = _token_and_user(hash_token(raw))
    orm = User.objects.select_related("role").get(pk=manager.pk)
    assert token_id == token.pk and last_used_at is None
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm, field.attname), field.name
    assert isinstance(user.role, Role) and user.role.grants == orm.role.grants
    with CaptureQueriesContext(connection) as captured:
        assert user.role.key == "manager"  # already loaded: no query
    assert not captured.captured_queries
    assert _token_and_user(hash_token(raw + "x")) is None


def test_a_user_without_a_role_has_none(manager):
    User.objects.filter(pk=manager.pk).update(role=None)
    _token, raw = ApiToken.issue(manager, "script")
    _id, _used, user = _token_and_user(hash_token(raw))
    with CaptureQueriesContext(connection) as captured:
        assert user.role is None
    assert not captured.captured_queries
