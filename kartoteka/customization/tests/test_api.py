"""The customization API at /api/v1/: everyone signed in reads, administrators write, input is
parsed strictly and every refusal comes back in the one error format."""

import json

import pytest

from kartoteka.customization.models import (
    EntityType,
    FieldDefinition,
    RelationType,
    RequiredFieldsTemplate,
)
from kartoteka.platform.services import create_record
from kartoteka.records.models import Record

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client, user):
        client.force_login(user)
        self.client = client

    def _send(self, method, path, body=None):
        response = getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
        )
        return response.status_code, (response.json() if response.content else None)

    def get(self, path):
        return self._send("get", path)

    def post(self, path, body):
        return self._send("post", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture
def admin_api(client, admin_user):
    return Api(client, admin_user)


@pytest.fixture
def manager_api(client, manager):
    return Api(client, manager)


SUPPLIER = {"key": "supplier", "label": "Supplier", "label_plural": "Suppliers", "icon": "truck"}


def test_administrator_builds_an_entity_with_fields_over_the_api(admin_api, registry):
    status, body = admin_api.post(
        "/entity-types", {**SUPPLIER, "labels": {"pl": {"label": "Dostawca", "plural": "Dostawcy"}}}
    )
    assert status == 201
    assert body["key"] == "supplier" and body["builtin"] is False
    assert body["labels"] == {"pl": {"label": "Dostawca", "plural": "Dostawcy"}}

    status, field = admin_api.post(
        "/fields",
        {
            "entity": "supplier",
            "key": "rating",
            "label": "Rating",
            "type": "number",
            "min_value": 1,
            "max_value": 5.5,
            "labels": {"ru": "Рейтинг"},
        },
    )
    assert status == 201
    assert field["min_value"] == 1 and field["max_value"] == 5.5
    assert field["labels"] == {"ru": "Рейтинг"}

    status, listed = admin_api.get("/fields?entity=supplier")
    assert status == 200 and [f["key"] for f in listed] == ["rating"]
    status, entities = admin_api.get("/entity-types")
    by_key = {entity["key"]: entity for entity in entities}
    assert by_key["company"]["builtin"] is True
    assert by_key["supplier"]["custom_fields"] == 1
    assert registry.get("supplier").field("rating").max_value == 5.5


def test_renaming_a_field_over_the_api_moves_values(admin_api, admin_user, registry):
    admin_api.post("/entity-types", SUPPLIER)
    _status, field = admin_api.post(
        "/fields", {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )
    record = create_record(registry.get("supplier"), admin_user, {"name": "S", "city": "Lublin"})
    status, body = admin_api.patch(f"/fields/{field['id']}", {"key": "town", "required": True})
    assert status == 200
    assert body["key"] == "town" and body["required"] is True
    record.refresh_from_db()
    assert record.custom == {"town": "Lublin"}

    status, _body = admin_api.delete(f"/fields/{field['id']}")
    assert status == 204
    record.refresh_from_db()
    assert record.custom == {}
    assert admin_api.get(f"/fields/{field['id']}")[0] == 404


def test_unknown_input_fields_give_422(admin_api, snapshot):
    before = snapshot()
    status, body = admin_api.post("/entity-types", {**SUPPLIER, "colour": "red"})
    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert "colour" in body["error"]["fields"]
    status, body = admin_api.post(
        "/fields",
        {"entity": "company", "key": "x", "label": "X", "type": "text", "formula": "1+1"},
    )
    assert status == 422 and "formula" in body["error"]["fields"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "body, key, message",
    [
        ({"entity": "company", "key": "website", "label": "W", "type": "url"}, "key",
         "A built-in field of this entity already uses this key."),
        ({"entity": "company", "key": "code", "label": "C", "type": "text", "regex": "(("},
         "regex", "The pattern is not a valid regular expression: missing ), unterminated "
         "subpattern at position 1"),
        ({"entity": "company", "key": "size", "label": "S", "type": "number", "min_value": 3,
          "max_value": 2}, "min_value", "The minimum cannot be greater than the maximum."),
        ({"entity": "company", "key": "boss", "label": "B", "type": "relation",
          "related_entity": "planet"}, "related_entity", "Unknown entity."),
        ({"entity": "company", "key": "tier", "label": "T", "type": "choice"}, "choices",
         "Enter at least one choice."),
    ],
)  # fmt: skip
def test_refused_fields_come_back_in_the_error_format(admin_api, snapshot, body, key, message):
    before = snapshot()
    status, answer = admin_api.post("/fields", body)
    assert status == 422
    assert answer["error"]["fields"][key] == [message]
    assert answer["error"]["message"] == f"{key}: {message}"
    assert snapshot() == before


def test_oversized_and_mistyped_input_is_refused_by_the_schema(admin_api, snapshot):
    before = snapshot()
    status, body = admin_api.post("/entity-types", {**SUPPLIER, "label": "x" * 101})
    assert status == 422 and "label" in body["error"]["fields"]
    status, body = admin_api.post(
        "/fields", {"entity": "company", "key": "k", "label": "K", "type": "spreadsheet"}
    )
    assert status == 422 and "type" in body["error"]["fields"]
    status, body = admin_api.post(
        "/fields",
        {"entity": "company", "key": "k", "label": "K", "type": "choice", "choices": "a,b"},
    )
    assert status == 422 and "choices" in body["error"]["fields"]
    assert snapshot() == before


def test_manager_reads_but_cannot_write(manager_api, admin_user, supplier, snapshot):
    definition = FieldDefinition.objects.create(
        entity="company", key="size", label="Size", type="number"
    )
    template = RequiredFieldsTemplate.objects.create(entity="company", name="T", fields=["name"])
    relation = RelationType.objects.create(
        key="r", from_entity="company", to_entity="supplier", label="S", reverse_label="C"
    )
    assert manager_api.get("/entity-types")[0] == 200
    assert manager_api.get("/entity-types/supplier")[0] == 200
    assert manager_api.get("/fields?entity=company")[0] == 200
    assert manager_api.get("/relation-types")[0] == 200
    assert manager_api.get("/required-field-templates")[0] == 200

    before = snapshot()
    writes = [
        ("post", "/entity-types", {**SUPPLIER, "key": "contract"}),
        ("patch", "/entity-types/supplier", {"label": "Vendor"}),
        ("delete", "/entity-types/supplier", None),
        ("post", "/fields", {"entity": "company", "key": "x", "label": "X", "type": "text"}),
        ("patch", f"/fields/{definition.pk}", {"label": "Headcount"}),
        ("delete", f"/fields/{definition.pk}", None),
        ("post", "/relation-types", {"from_entity": "company", "to_entity": "company",
                                     "label": "Parent", "reverse_label": "Children"}),
        ("patch", f"/relation-types/{relation.pk}", {"label": "Vendors",
                                                     "labels": {"ru": {"label": "П"}}}),
        ("delete", f"/relation-types/{relation.pk}", None),
        ("post", "/required-field-templates", {"entity": "company", "name": "X",
                                               "fields": ["name"]}),
        ("patch", f"/required-field-templates/{template.pk}", {"active": False}),
        ("delete", f"/required-field-templates/{template.pk}", None),
    ]  # fmt: skip
    for method, path, body in writes:
        status, answer = (
            manager_api.delete(path) if body is None else getattr(manager_api, method)(path, body)
        )
        assert status == 403, (method, path)
        assert answer["error"]["code"] == "permission_denied"
    assert snapshot() == before


def test_visitors_get_401(client):
    response = client.get("/api/v1/entity-types")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_entity_deletion_over_the_api_needs_confirm(admin_api, admin_user, registry, supplier):
    record = create_record(registry.get("supplier"), admin_user, {"name": "Acme"})
    status, body = admin_api.delete("/entity-types/supplier")
    assert status == 422 and "confirm" in body["error"]["fields"]
    assert Record.objects.filter(pk=record.pk).exists()
    assert admin_api.delete("/entity-types/supplier?confirm=true")[0] == 204
    assert not EntityType.objects.exists()
    assert admin_api.get("/entity-types/supplier")[0] == 404


def test_builtin_entities_cannot_be_changed_over_the_api(admin_api):
    status, body = admin_api.patch("/entity-types/company", {"label": "Firm"})
    assert status == 422
    assert body["error"]["fields"]["key"] == [
        "Built-in entities cannot be changed or deleted; add fields to them."
    ]
    assert admin_api.delete("/entity-types/company?confirm=true")[0] == 422
    assert admin_api.patch("/entity-types/planet", {"label": "X"})[0] == 404


def test_patching_an_entity_key_is_refused(admin_api, supplier):
    status, body = admin_api.patch("/entity-types/supplier", {"key": "vendor"})
    assert status == 422 and "key" in body["error"]["fields"]


def test_relation_types_and_templates_over_the_api(admin_api, supplier):
    status, relation = admin_api.post(
        "/relation-types",
        {
            "from_entity": "company",
            "to_entity": "supplier",
            "label": "Suppliers",
            "reverse_label": "Clients",
            "cardinality": "one_to_many",
        },
    )
    assert status == 201 and relation["key"] == "company_supplier"
    assert [r["id"] for r in admin_api.get("/relation-types")[1]] == [relation["id"]]
    assert admin_api.delete(f"/relation-types/{relation['id']}")[0] == 204
    assert admin_api.delete(f"/relation-types/{relation['id']}")[0] == 404

    status, template = admin_api.post(
        "/required-field-templates",
        {"entity": "company", "name": "Sales", "fields": ["website", "industry"]},
    )
    assert status == 201 and template["active"] is True
    status, template = admin_api.patch(
        f"/required-field-templates/{template['id']}", {"fields": ["website"], "active": False}
    )
    assert status == 200 and template["fields"] == ["website"] and template["active"] is False
    status, body = admin_api.patch(
        f"/required-field-templates/{template['id']}", {"fields": ["nothing"]}
    )
    assert status == 422
    assert body["error"]["fields"]["fields"] == ["“nothing” is not a field of this entity."]
    assert admin_api.delete(f"/required-field-templates/{template['id']}")[0] == 204


def test_unknown_entity_filter_gives_404(admin_api):
    assert admin_api.get("/fields?entity=planet")[0] == 404


def test_relation_type_translations_over_the_api(admin_api, supplier, snapshot):
    status, relation = admin_api.post(
        "/relation-types",
        {
            "from_entity": "company",
            "to_entity": "supplier",
            "label": "Suppliers",
            "reverse_label": "Clients",
            "labels": {"ru": {"label": "Поставщики компании", "reverse": "Покупатели"}},
        },
    )
    assert status == 201
    assert relation["labels"] == {"ru": {"label": "Поставщики компании", "reverse": "Покупатели"}}
    path = f"/relation-types/{relation['id']}"

    status, body = admin_api.patch(
        path, {"reverse_label": "Buyers", "labels": {"pl": {"label": "Dostawcy"}}}
    )
    assert status == 200
    assert (body["label"], body["reverse_label"]) == ("Suppliers", "Buyers")
    assert body["labels"] == {"pl": {"label": "Dostawcy"}}
    assert admin_api.get("/relation-types")[1][0]["labels"] == {"pl": {"label": "Dostawcy"}}

    before = snapshot()
    refusals = [
        ({"labels": {"de": {"label": "Lieferanten"}}}, "labels"),
        ({"labels": {"ru": {"label": "Я" * 101}}}, "labels.ru.label"),
        ({"labels": {"ru": {"plural": "Ы"}}}, "labels.ru.plural"),
        ({"from_entity": "contact"}, "from_entity"),
        ({"cardinality": "one_to_many"}, "cardinality"),
        ({"label": ""}, "label"),
    ]
    for change, field in refusals:
        status, body = admin_api.patch(path, change)
        assert status == 422, change
        assert field in body["error"]["fields"], (change, body)
    assert admin_api.patch("/relation-types/999", {"label": "X"})[0] == 404
    assert snapshot() == before
