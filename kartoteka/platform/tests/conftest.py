"""Helpers for the platform's tests: a snapshot of every table a write touches, and a relation
type between companies and contacts. The JSON API client is the shared one (`api_as`,
`tests.helpers`)."""

from __future__ import annotations

import pytest


def snapshot() -> dict[str, int]:
    """Row counts of everything a write could touch."""
    from kartoteka.contacts.models import Company, Contact
    from kartoteka.platform.models import ContactPoint, SearchEntry
    from kartoteka.records.models import Link
    from kartoteka.timeline.models import Activity

    return {
        model.__name__: model.objects.count()
        for model in (Company, Contact, Activity, Link, SearchEntry, ContactPoint)
    }


@pytest.fixture
def works_at(registry):
    """A many-to-many relation "works at" from company to contact."""
    from kartoteka.customization.models import RelationType

    relation = RelationType.objects.create(
        key="company_people",
        from_entity="company",
        to_entity="contact",
        label="People",
        reverse_label="Works at",
    )
    registry.bump()
    return relation
