"""Custom entity types: creating one makes a working entity; deleting one takes its records,
fields, relation types and links with it, and only when the administrator confirms."""

import pytest
from django.utils import translation

from kartoteka.customization import services
from kartoteka.customization.models import EntityType, FieldDefinition, RelationType
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.models import SearchEntry
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.services import create_record, link_records
from kartoteka.records.models import Link, Record
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db


def test_new_entity_type_is_served_by_the_registry_with_its_fields(admin_user, registry, supplier):
    services.create_field(
        admin_user, {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )
    spec = registry.get("supplier")
    assert spec.is_custom_entity
    assert [field.key for field in spec.fields] == ["name", "owner", "city"]
    assert spec.icon == "truck"
    with translation.override("ru"):
        assert str(spec.label_plural) == "Поставщики"
    record = create_record(spec, admin_user, {"name": "Acme Logistics", "city": " Gdańsk "})
    assert record.custom == {"city": "Gdańsk"}
    assert Record.objects.get(pk=record.pk).entity_type == supplier


def test_entity_key_may_not_take_a_builtin_or_existing_key(admin_user, supplier, snapshot):
    before = snapshot()
    for key, message in [
        ("company", "A built-in entity already uses this key."),
        ("supplier", "An entity with this key already exists."),
        ("Big Supplier", "Use lowercase Latin letters, digits and underscores"),
        ("", "This field is required."),
    ]:
        with pytest.raises(InputErrors) as refused:
            services.create_entity_type(
                admin_user, {"key": key, "label": "X", "label_plural": "Xs"}
            )
        assert refused.value.errors["key"][0].startswith(message)
    assert snapshot() == before


def test_entity_input_is_checked_as_a_whole(admin_user, snapshot):
    before = snapshot()
    with pytest.raises(InputErrors) as refused:
        services.create_entity_type(
            admin_user,
            {
                "key": "contract",
                "label": "C" * 101,
                "label_plural": "",
                "icon": "javascript:alert(1)",
                "labels": {"de": {"label": "Vertrag"}, "ru": {"label": 5}},
                "colour": "red",
            },
        )
    errors = refused.value.errors
    assert errors["label"] == ["Enter at most 100 characters (it has 101)."]
    assert errors["label_plural"] == ["This field is required."]
    assert errors["icon"] == ["Choose one of the available options."]
    assert errors["labels"] == ["Unknown language “de”."]
    assert errors["labels.ru.label"] == ["Enter text."]
    assert errors["colour"] == ["Unknown field."]
    assert snapshot() == before


def test_entity_key_cannot_change_but_labels_can(admin_user, registry, supplier):
    with pytest.raises(InputErrors) as refused:
        services.update_entity_type(admin_user, supplier, {"key": "vendor"})
    assert refused.value.errors["key"] == ["The key of an entity cannot be changed."]
    services.update_entity_type(admin_user, supplier, {"label_plural": "Vendors", "icon": "shop"})
    spec = registry.get("supplier")
    assert str(spec.label_plural) == "Vendors"
    assert spec.icon == "shop"


def test_manager_cannot_create_entity_types(manager, snapshot):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.create_entity_type(
            manager, {"key": "contract", "label": "Contract", "label_plural": "Contracts"}
        )
    assert snapshot() == before


def _supplier_world(admin_user, registry, supplier):
    """A supplier with a value, a link to a company, and a company field pointing at suppliers."""
    services.create_field(
        admin_user, {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )
    pointer = services.create_field(
        admin_user,
        {
            "entity": "company",
            "key": "main_supplier",
            "label": "Main supplier",
            "type": "relation",
            "related_entity": "supplier",
        },
    )
    relation = services.create_relation_type(
        admin_user,
        {
            "from_entity": "company",
            "to_entity": "supplier",
            "label": "Suppliers",
            "reverse_label": "Clients",
        },
    )
    services.create_required_template(
        admin_user, {"entity": "supplier", "name": "Strict", "fields": ["city"]}
    )
    acme = create_record(registry.get("supplier"), admin_user, {"name": "Acme", "city": "Łódź"})
    company = create_record(
        registry.get("company"), admin_user, {"name": "Buyer", "main_supplier": acme.pk}
    )
    link_records(admin_user, relation, company, acme)
    return acme, company, pointer, relation


def test_deleting_an_entity_with_records_needs_confirmation(admin_user, registry, supplier):
    acme, _company, _pointer, _relation = _supplier_world(admin_user, registry, supplier)
    with pytest.raises(InputErrors) as refused:
        services.delete_entity_type(admin_user, supplier)
    assert refused.value.errors["confirm"] == [
        "This entity has 1 record. Confirm that it is to be deleted together with the entity."
    ]
    assert Record.objects.filter(pk=acme.pk).exists()
    assert registry.find("supplier") is not None


def test_deleting_an_entity_takes_everything_of_it(admin_user, registry, supplier):
    acme, company, pointer, relation = _supplier_world(admin_user, registry, supplier)
    impact = services.entity_type_impact(supplier)
    assert impact["records"] == 1
    assert impact["fields"] == 1
    assert impact["relation_types"] == 1
    assert impact["links"] == 1
    assert impact["templates"] == 1
    assert impact["pointing_fields"] == [pointer]

    services.delete_entity_type(admin_user, supplier, confirm=True)

    assert registry.find("supplier") is None
    assert not EntityType.objects.filter(key="supplier").exists()
    assert not Record.objects.filter(pk=acme.pk).exists()
    assert not FieldDefinition.objects.filter(entity="supplier").exists()
    assert not FieldDefinition.objects.filter(pk=pointer.pk).exists()
    assert not RelationType.objects.filter(pk=relation.pk).exists()
    assert not Link.objects.exists()
    assert not Activity.objects.filter(entity="supplier").exists()
    assert not SearchEntry.objects.filter(entity="supplier").exists()
    company.refresh_from_db()
    assert "main_supplier" not in company.custom
    assert registry.get("company").field("main_supplier") is None


def test_deleting_an_empty_entity_needs_no_confirmation(admin_user, registry, supplier):
    services.delete_entity_type(admin_user, supplier)
    assert registry.find("supplier") is None
