"""Relation types between any two entities, and required-fields templates."""

import pytest

from kartoteka.customization import services
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.services import create_record, link_records
from kartoteka.records.models import Link

pytestmark = pytest.mark.django_db

RELATION = {
    "from_entity": "company",
    "to_entity": "supplier",
    "label": "Suppliers",
    "reverse_label": "Clients",
}


def test_relation_type_joins_two_entities_and_reaches_the_registry(admin_user, registry, supplier):
    relation = services.create_relation_type(admin_user, RELATION)
    assert relation.key == "company_supplier"
    assert relation.cardinality == "many_to_many"
    assert registry.relation_types_for("supplier") == [relation]
    again = services.create_relation_type(admin_user, {**RELATION, "label": "Backup suppliers"})
    assert again.key == "company_supplier_2"


def test_deleting_a_relation_type_removes_its_links(admin_user, registry, supplier):
    relation = services.create_relation_type(admin_user, RELATION)
    company = create_record(registry.get("company"), admin_user, {"name": "Buyer"})
    acme = create_record(registry.get("supplier"), admin_user, {"name": "Acme"})
    link_records(admin_user, relation, company, acme)
    assert services.relation_type_link_count(relation) == 1

    services.delete_relation_type(admin_user, relation)

    assert not Link.objects.exists()
    assert registry.relation_types_for("supplier") == []


@pytest.mark.parametrize(
    "change, key, message",
    [
        ({"to_entity": "planet"}, "to_entity", "Unknown entity."),
        ({"from_entity": ""}, "from_entity", "This field is required."),
        ({"label": "L" * 101}, "label", "Enter at most 100 characters (it has 101)."),
        ({"reverse_label": ""}, "reverse_label", "This field is required."),
        ({"cardinality": "one_to_one"}, "cardinality", "Choose one of the available options."),
        ({"key": "Bad Key"}, "key", "Use lowercase Latin letters, digits and underscores, "
         "starting with a letter."),
        ({"weight": 3}, "weight", "Unknown field."),
    ],
)  # fmt: skip
def test_bad_relation_types_are_refused(admin_user, supplier, snapshot, change, key, message):
    before = snapshot()
    with pytest.raises(InputErrors) as refused:
        services.create_relation_type(admin_user, {**RELATION, **change})
    assert refused.value.errors[key] == [message]
    assert snapshot() == before


def test_the_same_relation_twice_is_refused(admin_user, supplier):
    services.create_relation_type(admin_user, RELATION)
    with pytest.raises(InputErrors) as refused:
        services.create_relation_type(admin_user, RELATION)
    assert refused.value.errors["label"] == [
        "These entities already have a relation with this label."
    ]


def test_manager_cannot_create_relation_types(manager, supplier, snapshot):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.create_relation_type(manager, RELATION)
    assert snapshot() == before


def test_active_template_makes_its_fields_required(admin_user, registry, supplier):
    services.create_field(
        admin_user, {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )
    template = services.create_required_template(
        admin_user, {"entity": "supplier", "name": "Address", "fields": ["city", "city"]}
    )
    assert template.fields == ["city"]
    with pytest.raises(InputErrors) as refused:
        create_record(registry.get("supplier"), admin_user, {"name": "Acme"})
    assert refused.value.errors["city"] == ["This field is required."]

    services.update_required_template(admin_user, template, {"active": False})
    assert create_record(registry.get("supplier"), admin_user, {"name": "Acme"}).pk

    services.delete_required_template(admin_user, template)
    assert not registry.get("supplier").field("city").required


@pytest.mark.parametrize(
    "data, key, message",
    [
        ({"entity": "planet", "name": "X", "fields": ["name"]}, "entity", "Unknown entity."),
        ({"entity": "company", "name": "", "fields": ["name"]}, "name", "This field is required."),
        ({"entity": "company", "name": "X", "fields": []}, "fields", "Choose at least one field."),
        (
            {"entity": "company", "name": "X", "fields": ["name", "shoe_size"]},
            "fields",
            "“shoe_size” is not a field of this entity.",
        ),
        ({"entity": "company", "name": "X", "fields": "name"}, "fields",
         "Choose at least one field."),
        ({"entity": "company", "name": "X", "fields": ["name"], "active": "yes"}, "active",
         "Enter true or false."),
    ],
)  # fmt: skip
def test_bad_templates_are_refused(admin_user, snapshot, data, key, message):
    before = snapshot()
    with pytest.raises(InputErrors) as refused:
        services.create_required_template(admin_user, data)
    assert refused.value.errors[key] == [message]
    assert snapshot() == before


def test_template_names_are_unique_per_entity(admin_user):
    services.create_required_template(
        admin_user, {"entity": "company", "name": "Sales", "fields": ["website"]}
    )
    with pytest.raises(InputErrors) as refused:
        services.create_required_template(
            admin_user, {"entity": "company", "name": "Sales", "fields": ["address"]}
        )
    assert refused.value.errors["name"] == ["This entity already has a template with this name."]
    services.create_required_template(
        admin_user, {"entity": "contact", "name": "Sales", "fields": ["first_name"]}
    )
