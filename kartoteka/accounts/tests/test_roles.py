"""Roles and their grants matrix: what the form shows, what it stores, what it refuses, and
that the stored grants are what permission checks read."""

import re

import pytest
from django.urls import reverse

from kartoteka.accounts.models import ACTIONS, Role
from kartoteka.platform import permissions
from kartoteka.platform.registry import registry

pytestmark = pytest.mark.django_db


def matrix_data(role=None, **cells):
    """Every cell as the form would post it (current scopes), with `cells` changed:
    cells are named `<entity>__<action>`, `*` for the default row written as `default`."""
    rows = ["*"] + [spec.key for spec in registry.all()]
    data = {}
    for row in rows:
        for action in ACTIONS:
            data[f"grant__{row}__{action}"] = role.scope(row, action) if role else "none"
    for name, scope in cells.items():
        row, action = name.split("__")
        data[f"grant__{'*' if row == 'default' else row}__{action}"] = scope
    return data


def test_role_form_shows_a_row_per_entity_and_a_default_row(as_administrator):
    page = as_administrator.get(reverse("accounts:role_edit", args=[_role("manager").pk]))
    html = page.content.decode()
    assert "* (default)" in html
    for spec in registry.all():
        assert str(spec.label_plural) in html
        for action in ACTIONS:
            assert f'name="grant__{spec.key}__{action}"' in html
    assert 'name="grant__*__view"' in html
    # Each cell offers the four scopes.
    assert html.count('<option value="team"') == (len(registry.all()) + 1) * len(ACTIONS)


def _role(key):
    return Role.objects.get(key=key)


def test_creating_a_role_stores_the_matrix(as_administrator, manager):
    entity = registry.all()[0].key
    data = {
        "name": "Auditor",
        "key": "auditor",
        **matrix_data(default__view="all", **{f"{entity}__export": "team"}),
    }
    response = as_administrator.post(reverse("accounts:role_create"), data)
    assert response.status_code == 302
    role = Role.objects.get(key="auditor")
    assert role.grants["*"] == {
        "view": "all",
        "create": "none",
        "change": "none",
        "delete": "none",
        "export": "none",
    }
    assert role.grants[entity]["export"] == "team"
    assert not role.is_admin

    manager.role = role
    manager.save()
    assert permissions.scope_for(manager, entity, "export") == "team"
    assert permissions.scope_for(manager, "some_future_entity", "view") == "all"


def test_editing_a_builtin_role_changes_grants_but_not_its_key(as_administrator):
    role = _role("manager")
    entity = registry.all()[0].key
    data = {
        "name": "Renamed",
        "key": "renamed",
        **matrix_data(role, **{f"{entity}__delete": "none"}),
    }
    response = as_administrator.post(reverse("accounts:role_edit", args=[role.pk]), data)
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.key == "manager"
    assert role.grants[entity]["delete"] == "none"
    assert role.scope(entity, "view") == "own"


def test_builtin_key_field_is_disabled(as_administrator):
    page = as_administrator.get(reverse("accounts:role_edit", args=[_role("manager").pk]))
    key_input = re.search(r'<input[^>]*name="key"[^>]*>', page.content.decode()).group(0)
    assert "disabled" in key_input
    new_role_page = as_administrator.get(reverse("accounts:role_create")).content.decode()
    assert "disabled" not in re.search(r'<input[^>]*name="key"[^>]*>', new_role_page).group(0)


def test_grants_of_entities_not_in_the_registry_are_kept(as_administrator):
    role = _role("read_only")
    role.grants["retired_entity"] = {"view": "own"}
    role.save()
    as_administrator.post(
        reverse("accounts:role_edit", args=[role.pk]), {"is_admin": "", **matrix_data(role)}
    )
    role.refresh_from_db()
    assert role.grants["retired_entity"] == {"view": "own"}


@pytest.mark.parametrize(
    "bad",
    [
        {"grant__*__view": "everything"},
        {"grant__*__view": ""},
        {"key": "Not A Slug"},
        {"key": "manager"},  # another role's key
        {"key": "head_of_sales"},
        {"name": ""},
        {"name": "N" * 101},
    ],
)
def test_bad_role_input_is_a_form_error_and_writes_nothing(as_administrator, bad):
    before = list(Role.objects.order_by("pk").values_list("key", "grants"))
    data = {"name": "Auditor", "key": "auditor", **matrix_data(), **bad}
    response = as_administrator.post(reverse("accounts:role_create"), data)
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert list(Role.objects.order_by("pk").values_list("key", "grants")) == before


def test_administrator_cannot_strip_admin_rights_from_their_own_role(as_administrator):
    role = _role("administrator")
    data = {"name": "x", "key": "administrator", **matrix_data(role)}  # is_admin unticked
    response = as_administrator.post(reverse("accounts:role_edit", args=[role.pk]), data)
    assert response.status_code == 200
    role.refresh_from_db()
    assert role.is_admin


def test_manager_cannot_change_roles(as_manager):
    role = _role("manager")
    data = {"name": "x", "key": "manager", **matrix_data(role, default__view="all")}
    assert as_manager.post(reverse("accounts:role_edit", args=[role.pk]), data).status_code == 403
    role.refresh_from_db()
    assert role.grants["*"]["view"] == "own"
