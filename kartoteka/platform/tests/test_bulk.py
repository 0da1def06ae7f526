"""The bulk path validates every row like a form does, and writes what search, duplicates
and the timeline need, in batches."""

import pytest

from kartoteka.platform import bulk, search, services
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.models import ContactPoint, SearchEntry
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


@pytest.mark.django_db
@pytest.mark.parametrize("empty", [False, True])
def test_a_bulk_record_is_stored_as_one_created_alone(admin_user, registry, manager, empty):
    """`write_rows` places values itself (not through `services._set_value`); a record made
    in bulk and one made alone from the same input are stored alike, empty values included."""
    from django.forms.models import model_to_dict

    from kartoteka.customization import services as customization

    for key, kind, extra in [
        ("tier", "choice", {"choices": ["Gold", "Silver"]}),
        ("areas", "multichoice", {"choices": ["North", "South"]}),
        ("score", "number", {}),
        ("since", "date", {}),
        ("vip", "boolean", {}),
        ("note", "text", {}),
    ]:
        customization.create_field(
            admin_user, {"entity": "contact", "key": key, "label": key, "type": kind, **extra}
        )
    spec = registry.get("contact")
    company = registry.get("company").queryset().create(name="Acme", owner=admin_user)
    data = {"first_name": "Ewa", "last_name": "Nowak", "owner": manager.pk}
    if not empty:
        data |= {
            "company": company.pk, "position": "CEO", "phones": "+48 600 100 200",
            "emails": "ewa@acme.example", "tags": "a, b", "tier": "Gold",
            "areas": ["North", "South"], "score": "12.5", "since": "2024-02-29", "vip": True,
            "note": "<b>hi</b>",
        }  # fmt: skip
    alone = services.create_record(spec, admin_user, dict(data))
    result = bulk.bulk_create_records(spec, admin_user, [dict(data)])
    assert result.errors == []
    bulk_made = spec.queryset().get(pk=result.ids[0])
    alone.refresh_from_db()

    def stored(obj):
        values = model_to_dict(obj, exclude=["id", "created_at", "updated_at"])
        return values, obj.custom, search.document_of(spec, obj)

    assert stored(bulk_made) == stored(alone)
    points = ContactPoint.objects.filter(entity="contact")
    assert sorted(points.filter(object_id=bulk_made.pk).values_list("kind", "value")) == sorted(
        points.filter(object_id=alone.pk).values_list("kind", "value")
    )
    if not empty:
        assert bulk_made.company_id == company.pk and bulk_made.custom["tier"] == "Gold"
        assert search.document_of(spec, bulk_made)[1]  # the subtitle names the company


@pytest.mark.django_db
def test_titles_read_related_records_once_per_batch(admin_user, registry, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spec = registry.get("contact")
    companies = [
        registry.get("company").queryset().create(name=f"Firm {i}", owner=admin_user)
        for i in range(3)
    ]

    def rows(count):
        return [
            {
                "last_name": f"Row {i}",
                "company": companies[i % 3].pk if i % 2 else None,
                "owner": manager.pk if i % 3 == 0 else admin_user.pk,
            }
            for i in range(count)
        ]

    with CaptureQueriesContext(connection) as few:
        bulk.bulk_create_records(spec, admin_user, rows(6))
    with CaptureQueriesContext(connection) as many:
        result = bulk.bulk_create_records(spec, admin_user, rows(60))
    assert len(many) == len(few)
    entries = SearchEntry.objects.filter(entity="contact", object_id__in=result.ids)
    titles = dict(entries.values_list("object_id", "subtitle"))
    assert titles[result.ids[1]] == "Firm 1" and titles[result.ids[0]] == ""
