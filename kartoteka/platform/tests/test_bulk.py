"""The bulk path validates every row like a form does, and writes what search, duplicates
and the timeline need, in batches."""

import pytest

from kartoteka.platform import bulk, search
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.models import ContactPoint
from kartoteka.timeline.models import Activity


@pytest.mark.django_db
def test_bulk_creates_valid_rows_and_reports_invalid_ones(admin_user, registry, manager):
    spec = registry.get("company")
    rows = [
        {"name": "Alpha", "phones": "+48 22 111 22 33", "owner": manager.pk},
        {"name": "", "website": "javascript:alert(1)"},
        {"name": "Beta", "emails": "not-an-email"},
        {"name": "Gamma", "unknown": 1},
        {"name": "Delta", "owner": 999999},
        {"name": "Epsilon"},
    ]
    result = bulk.bulk_create_records(spec, admin_user, rows, batch_size=4)
    assert result.created == 2
    assert [index for index, _errors in result.errors] == [1, 2, 3, 4]
    assert result.errors[0][1]["name"] == ["This field is required."]
    assert "website" in result.errors[0][1]
    assert result.errors[3][1]["owner"] == ["Choose an active user."]
    names = set(spec.queryset().values_list("name", flat=True))
    assert names == {"Alpha", "Epsilon"}
    assert [h.title for h in search.search(admin_user, "alph")] == ["Alpha"]
    assert ContactPoint.objects.filter(value="+48221112233").count() == 1
    assert Activity.objects.filter(entity="company", kind="created").count() == 2


@pytest.mark.django_db
def test_bulk_all_or_nothing_writes_nothing_on_a_bad_row(admin_user, registry):
    spec = registry.get("company")
    with pytest.raises(InputErrors) as refused:
        bulk.bulk_create_records(
            spec, admin_user, [{"name": "Fine"}, {"name": "x" * 300}], all_or_nothing=True
        )
    assert "row 2" in refused.value.errors
    assert spec.queryset().count() == 0


@pytest.mark.django_db
def test_bulk_refuses_a_managers_rows_assigned_to_someone_else(registry, manager, colleague):
    spec = registry.get("contact")
    result = bulk.bulk_create_records(
        spec, manager, [{"last_name": "Mine"}, {"last_name": "Theirs", "owner": colleague.pk}]
    )
    assert result.created == 1
    assert result.errors == [(1, {"owner": ["You may only assign records to yourself."]})]


@pytest.mark.django_db
def test_bulk_checks_unique_custom_fields_within_and_across_batches(admin_user, registry):
    from kartoteka.customization import services as customization

    customization.create_field(
        admin_user,
        {"entity": "company", "key": "tax_id", "label": "Tax id", "type": "text", "unique": True},
    )
    spec = registry.get("company")
    bulk.bulk_create_records(spec, admin_user, [{"name": "A", "tax_id": "PL1"}])
    result = bulk.bulk_create_records(
        spec,
        admin_user,
        [
            {"name": "B", "tax_id": "PL1"},
            {"name": "C", "tax_id": "PL2"},
            {"name": "D", "tax_id": "PL2"},
        ],
    )
    assert result.created == 1
    assert [index for index, _errors in result.errors] == [0, 2]


@pytest.mark.django_db
def test_read_only_user_cannot_bulk_create(registry, reader):
    from kartoteka.platform.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        bulk.bulk_create_records(registry.get("company"), reader, [{"name": "X"}])
