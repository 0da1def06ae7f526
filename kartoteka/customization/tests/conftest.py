"""Fixtures for the customization tests: a custom entity made through the services, and
snapshots of everything the services write, to prove refused input wrote nothing."""

import pytest


@pytest.fixture
def supplier(admin_user, registry):
    from kartoteka.customization import services

    return services.create_entity_type(
        admin_user,
        {
            "key": "supplier",
            "label": "Supplier",
            "label_plural": "Suppliers",
            "icon": "truck",
            "labels": {"ru": {"label": "Поставщик", "plural": "Поставщики"}},
        },
    )


@pytest.fixture
def snapshot(db):
    """A function returning the state of every table the services write."""
    from kartoteka.customization.models import (
        EntityType,
        FieldDefinition,
        RelationType,
        RequiredFieldsTemplate,
    )
    from kartoteka.platform.models import SchemaVersion

    def take():
        return (
            list(EntityType.objects.values()),
            list(FieldDefinition.objects.values()),
            list(RelationType.objects.values()),
            list(RequiredFieldsTemplate.objects.values()),
            list(SchemaVersion.objects.values()),
        )

    return take
