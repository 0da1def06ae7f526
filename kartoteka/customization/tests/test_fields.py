"""Custom-field definitions: stored values follow a renamed key and go with a deleted field,
expression indexes come and go with the definition, and bad definitions are refused with a
clear message and nothing written."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from kartoteka.customization import indexes, services, values
from kartoteka.customization.models import FieldDefinition, RequiredFieldsTemplate
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.services import create_record, update_record

pytestmark = pytest.mark.django_db


def field(admin_user, **data):
    return services.create_field(admin_user, {"label": data.get("key", "F").title(), **data})


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


# -- stored values ---------------------------------------------------------------------------


def test_renaming_a_field_moves_its_stored_values(admin_user, registry, supplier, monkeypatch):
    monkeypatch.setattr(values, "BATCH", 2)  # several batches, as on a big table
    definition = field(admin_user, entity="supplier", key="city", type="text")
    spec = registry.get("supplier")
    records = [
        create_record(spec, admin_user, {"name": f"S{n}", "city": f"City {n}"}) for n in range(5)
    ]
    empty = create_record(spec, admin_user, {"name": "No city"})
    company = create_record(registry.get("company"), admin_user, {"name": "Other entity"})
    company.custom = {"city": "untouched"}
    company.save()

    services.update_field(admin_user, definition, {"key": "town"})

    for n, record in enumerate(records):
        record.refresh_from_db()
        assert record.custom == {"town": f"City {n}"}
    empty.refresh_from_db()
    assert empty.custom == {}
    company.refresh_from_db()
    assert company.custom == {"city": "untouched"}
    spec = registry.get("supplier")
    assert spec.field("town") is not None and spec.field("city") is None
    updated = update_record(spec, admin_user, records[0], {"town": "Poznań"})
    assert updated.custom == {"town": "Poznań"}


def test_renaming_a_field_renames_it_in_required_templates(admin_user, registry, supplier):
    definition = field(admin_user, entity="supplier", key="city", type="text")
    template = services.create_required_template(
        admin_user, {"entity": "supplier", "name": "Address", "fields": ["name", "city"]}
    )
    services.update_field(admin_user, definition, {"key": "town"})
    template.refresh_from_db()
    assert template.fields == ["name", "town"]
    assert registry.get("supplier").field("town").required


def test_deleting_a_field_removes_its_values(admin_user, registry, supplier, monkeypatch):
    monkeypatch.setattr(values, "BATCH", 2)
    definition = field(admin_user, entity="supplier", key="city", type="text")
    field(admin_user, entity="supplier", key="phone", type="phone")
    spec = registry.get("supplier")
    records = [
        create_record(spec, admin_user, {"name": f"S{n}", "city": "X", "phone": "+48221234567"})
        for n in range(5)
    ]
    template = services.create_required_template(
        admin_user, {"entity": "supplier", "name": "Address", "fields": ["city", "phone"]}
    )
    assert services.field_value_count(definition) == 5

    services.delete_field(admin_user, definition)

    for record in records:
        record.refresh_from_db()
        assert record.custom == {"phone": "+48221234567"}
    assert not FieldDefinition.objects.filter(pk=definition.pk).exists()
    assert registry.get("supplier").field("city") is None
    template.refresh_from_db()
    assert template.fields == ["phone"]


def test_type_change_is_refused_while_values_exist(admin_user, registry, supplier):
    definition = field(admin_user, entity="supplier", key="code", type="text")
    record = create_record(registry.get("supplier"), admin_user, {"name": "S", "code": "A1"})
    with pytest.raises(InputErrors) as refused:
        services.update_field(admin_user, definition, {"type": "number"})
    assert refused.value.errors["type"] == [
        "1 record already holds a value in this field, so its type cannot change. "
        "Clear the value or add a new field instead."
    ]
    definition.refresh_from_db()
    assert definition.type == "text"
    update_record(registry.get("supplier"), admin_user, record, {"code": ""})
    services.update_field(admin_user, definition, {"type": "number", "min_value": 0})
    assert registry.get("supplier").field("code").type == "number"


def test_a_choice_still_in_use_cannot_be_removed(admin_user, registry, supplier):
    definition = field(
        admin_user, entity="supplier", key="tier", type="choice", choices=["Gold", "Silver"]
    )
    create_record(registry.get("supplier"), admin_user, {"name": "S", "tier": "Gold"})
    with pytest.raises(InputErrors) as refused:
        services.update_field(admin_user, definition, {"choices": ["Silver", "Bronze"]})
    assert refused.value.errors["choices"] == ["“Gold” is still chosen in 1 record."]
    services.update_field(admin_user, definition, {"choices": ["Gold", "Bronze"]})
    assert registry.get("supplier").field("tier").choices == (
        ("Gold", "Gold"),
        ("Bronze", "Bronze"),
    )


def test_unique_is_refused_while_values_repeat(admin_user, registry, supplier):
    definition = field(admin_user, entity="supplier", key="vat", type="text")
    spec = registry.get("supplier")
    create_record(spec, admin_user, {"name": "A", "vat": "PL1"})
    create_record(spec, admin_user, {"name": "B", "vat": "PL1"})
    with pytest.raises(InputErrors) as refused:
        services.update_field(admin_user, definition, {"unique": True})
    assert "make the values unique first" in refused.value.errors["unique"][0]


# -- expression indexes ----------------------------------------------------------------------


def test_filterable_field_gets_an_expression_index_until_deleted(admin_user, registry, supplier):
    definition = field(admin_user, entity="supplier", key="city", type="text")
    names = indexes.index_names("supplier", "city")
    assert all(len(name) <= 30 for name in names) and len(set(names)) == 2
    assert set(names) <= index_names("records_record")

    services.delete_field(admin_user, definition)
    assert not set(names) & index_names("records_record")


def test_index_follows_rename_and_the_filterable_flag(admin_user, registry):
    definition = field(admin_user, entity="company", key="size", type="number")
    old = indexes.index_name("company", "size")
    assert old in index_names("contacts_company")

    services.update_field(admin_user, definition, {"key": "headcount"})
    new = set(indexes.index_names("company", "headcount"))
    assert not set(indexes.index_names("company", "size")) & index_names("contacts_company")
    assert new <= index_names("contacts_company")

    services.update_field(admin_user, definition, {"filterable": False})
    assert not new & index_names("contacts_company")
    services.update_field(admin_user, definition, {"filterable": True})
    assert new <= index_names("contacts_company")


def test_relation_fields_are_indexed_even_when_not_filterable(admin_user, supplier):
    field(
        admin_user,
        entity="company",
        key="supplier",
        type="relation",
        related_entity="supplier",
        filterable=False,
    )
    field(admin_user, entity="company", key="notes", type="longtext")
    assert indexes.index_name("company", "supplier") in index_names("contacts_company")
    assert indexes.index_name("company", "notes") not in index_names("contacts_company")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_queries_on_a_custom_value_use_its_index(admin_user, registry, supplier):
    field(admin_user, entity="supplier", key="city", type="text")
    field(admin_user, entity="company", key="revenue", type="money")
    records = registry.get("supplier").queryset().select_related(None)
    plan = (
        records.annotate(_city=indexes.custom_value("text", "city"))
        .filter(_city="Gdańsk")
        .explain()
    )
    assert indexes.index_name("supplier", "city") in plan
    companies = registry.get("company").queryset().select_related(None)
    plan = (
        companies.annotate(_revenue=indexes.custom_value("money", "revenue"))
        .filter(_revenue__gte=1000)
        .explain()
    )
    assert indexes.index_name("company", "revenue") in plan


@pytest.mark.parametrize("entity", ["company", "supplier"])
def test_a_list_scoped_by_owner_reads_the_owners_matching_rows_only(
    admin_user, manager, registry, supplier, entity
):
    """Filter on a custom value plus owner, sorted by another custom value (a manager's own
    list, or anyone's filtered by owner): the plan starts from the companion index on the
    owner and a value, not from the value's index over every owner's rows (finding 11)."""
    from kartoteka.platform.listing import ListQuery
    from kartoteka.platform.maintenance import refresh_statistics

    field(admin_user, entity=entity, key="segment", type="choice", choices=["smb", "ent"])
    field(admin_user, entity=entity, key="revenue", type="number")
    spec = registry.get(entity)
    for n in range(300):
        owner = manager if n % 15 == 0 else admin_user
        create_record(
            spec,
            admin_user,
            {"name": f"Firm {n}", "owner": owner.pk, "segment": ["smb", "ent"][n % 2],
             "revenue": n},
        )  # fmt: skip
    refresh_statistics()
    query = ListQuery.from_params(
        spec, QueryDict(f"f.segment=ent&f.owner={manager.pk}&sort=-revenue")
    )
    with CaptureQueriesContext(connection) as captured:
        page = query.page(admin_user)
    revenues = [obj.custom["revenue"] for obj in page.rows]
    assert revenues == [285 - 30 * k for k in range(10)]
    (sql,) = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # 300 rows fit a few pages: it would read them all
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(explain + sql)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    owner_indexes = {indexes.owner_index_name(entity, key) for key in ("segment", "revenue")}
    assert any(name in plan for name in owner_indexes), plan


def test_missing_indexes_are_recreated_after_a_restore(admin_user, supplier):
    field(admin_user, entity="supplier", key="city", type="text")
    field(admin_user, entity="supplier", key="memo", type="text", filterable=False)
    names = indexes.index_names("supplier", "city")
    indexes.drop_index("supplier", "city")
    assert not set(names) & index_names("records_record")
    assert indexes.ensure_indexes() == names
    assert set(names) <= index_names("records_record")
    assert indexes.ensure_indexes() == []


def test_index_names_are_short_distinct_and_stable():
    long_one = indexes.index_name("logistics_company", "delivery_window_start")
    other = indexes.index_name("logistics_company", "delivery_window_end")
    assert len(long_one) <= 30 and len(other) <= 30
    assert long_one != other
    assert long_one == indexes.index_name("logistics_company", "delivery_window_start")
    assert long_one.startswith("cf_logistics_company_")


# -- bad input -------------------------------------------------------------------------------


BAD_DEFINITIONS = [
    (
        {"entity": "supplier", "key": "city", "label": "City again", "type": "text"},
        "key",
        "This entity already has a field with this key.",
    ),
    (
        {"entity": "company", "key": "website", "label": "Web", "type": "url"},
        "key",
        "A built-in field of this entity already uses this key.",
    ),
    (
        {"entity": "supplier", "key": "name", "label": "Name", "type": "text"},
        "key",
        "A built-in field of this entity already uses this key.",
    ),
    (
        {"entity": "supplier", "key": "contains", "label": "Contains", "type": "text"},
        "key",
        "This key is reserved; choose another one.",
    ),
    (
        {"entity": "supplier", "key": "Город", "label": "Город", "type": "text"},
        "key",
        "Use lowercase Latin letters, digits and underscores, starting with a letter.",
    ),
    (
        {"entity": "supplier", "key": "code", "label": "Code", "type": "text", "regex": "([A-Z"},
        "regex",
        "The pattern is not a valid regular expression: unterminated character set at position 1",
    ),
    (
        {"entity": "supplier", "key": "code", "label": "Code", "type": "text", "regex": "a" * 201},
        "regex",
        "Enter at most 200 characters (it has 201).",
    ),
    (
        {
            "entity": "supplier",
            "key": "size",
            "label": "Size",
            "type": "number",
            "min_value": 10,
            "max_value": 1,
        },
        "min_value",
        "The minimum cannot be greater than the maximum.",
    ),
    (
        {
            "entity": "supplier",
            "key": "parent",
            "label": "Parent",
            "type": "relation",
            "related_entity": "planet",
        },
        "related_entity",
        "Unknown entity.",
    ),
    (
        {"entity": "supplier", "key": "parent", "label": "Parent", "type": "relation"},
        "related_entity",
        "This field is required.",
    ),
    (
        {"entity": "supplier", "key": "tier", "label": "Tier", "type": "choice"},
        "choices",
        "Enter at least one choice.",
    ),
    (
        {"entity": "supplier", "key": "tier", "label": "Tier", "type": "choice", "choices": []},
        "choices",
        "Enter at least one choice.",
    ),
    (
        {
            "entity": "supplier",
            "key": "tier",
            "label": "Tier",
            "type": "multichoice",
            "choices": ["A", "B", "A"],
        },
        "choices",
        "“A” is listed twice.",
    ),
    (
        {
            "entity": "supplier",
            "key": "tier",
            "label": "Tier",
            "type": "choice",
            "choices": [f"c{n}" for n in range(201)],
        },
        "choices",
        "Enter at most 200 choices.",
    ),
    (
        {
            "entity": "supplier",
            "key": "tier",
            "label": "Tier",
            "type": "choice",
            "choices": ["x" * 101],
        },
        "choices",
        "A choice may have at most 100 characters (“xxxxxxxxxxxxxxxxxxxx…” has 101).",
    ),
    (
        {"entity": "supplier", "key": "city", "label": "C" * 101, "type": "text"},
        "label",
        "Enter at most 100 characters (it has 101).",
    ),
    (
        {"entity": "supplier", "key": "notes", "label": "Notes", "type": "text", "choices": ["a"]},
        "choices",
        "Choices apply only to choice and multiple-choice fields.",
    ),
    (
        {"entity": "supplier", "key": "city2", "label": "City", "type": "spreadsheet"},
        "type",
        "Choose one of the available options.",
    ),
    (
        {"entity": "planet", "key": "size", "label": "Size", "type": "number"},
        "entity",
        "Unknown entity.",
    ),
    (
        {"entity": "supplier", "key": "size", "label": "Size", "type": "number", "default": "x"},
        "default",
        "Enter a number.",
    ),
    (
        {
            "entity": "supplier",
            "key": "size",
            "label": "Size",
            "type": "number",
            "max_value": 5,
            "default": 6,
        },
        "default",
        "Enter a number of at most 5.",
    ),
    (
        {
            "entity": "supplier",
            "key": "vat",
            "label": "VAT",
            "type": "text",
            "unique": True,
            "default": "PL",
        },
        "default",
        "A unique field cannot have a default value.",
    ),
    (
        {"entity": "supplier", "key": "ok", "label": "OK", "type": "boolean", "unique": True},
        "unique",
        "Fields of this type cannot be unique.",
    ),
    (
        {"entity": "supplier", "key": "ok", "label": "OK", "type": "boolean", "required": "yes"},
        "required",
        "Enter true or false.",
    ),
    (
        {"entity": "supplier", "key": "ok", "label": "OK", "type": "boolean", "colour": "red"},
        "colour",
        "Unknown field.",
    ),
    (
        {"entity": "supplier", "key": "ok", "label": "OK", "type": "text", "labels": {"ru": 5}},
        "labels.ru",
        "Enter text.",
    ),
]


@pytest.mark.parametrize("data, key, message", BAD_DEFINITIONS)
def test_bad_definitions_are_refused_with_nothing_written(
    admin_user, registry, supplier, snapshot, data, key, message
):
    field(admin_user, entity="supplier", key="city", type="text")
    before = snapshot()
    indexes_before = index_names("records_record") | index_names("contacts_company")
    with pytest.raises(InputErrors) as refused:
        services.create_field(admin_user, data)
    assert refused.value.errors[key] == [message]
    assert snapshot() == before
    assert index_names("records_record") | index_names("contacts_company") == indexes_before


def test_a_field_cannot_move_to_another_entity(admin_user, supplier):
    definition = field(admin_user, entity="supplier", key="city", type="text")
    with pytest.raises(InputErrors) as refused:
        services.update_field(admin_user, definition, {"entity": "company"})
    assert refused.value.errors["entity"] == ["A field cannot be moved to another entity."]


def test_rename_to_a_taken_key_is_refused(admin_user, registry, supplier):
    city = field(admin_user, entity="supplier", key="city", type="text")
    field(admin_user, entity="supplier", key="town", type="text")
    record = create_record(registry.get("supplier"), admin_user, {"name": "S", "city": "A"})
    with pytest.raises(InputErrors) as refused:
        services.update_field(admin_user, city, {"key": "town"})
    assert refused.value.errors["key"] == ["This entity already has a field with this key."]
    record.refresh_from_db()
    assert record.custom == {"city": "A"}


def test_good_defaults_are_stored_clean(admin_user, registry, supplier):
    size = field(admin_user, entity="supplier", key="size", type="number", default="1 000,5")
    assert size.default == 1000.5
    budget = field(
        admin_user,
        entity="supplier",
        key="budget",
        type="money",
        default={"amount": "10", "currency": "pln"},
    )
    assert budget.default == {"amount": 10, "currency": "PLN"}
    record = create_record(registry.get("supplier"), admin_user, {"name": "S"})
    assert record.custom == {"size": 1000.5, "budget": {"amount": 10, "currency": "PLN"}}


def test_type_specific_values_left_from_another_type_are_dropped(admin_user, supplier):
    definition = field(
        admin_user, entity="supplier", key="tier", type="choice", choices=["Gold", "Silver"]
    )
    services.update_field(admin_user, definition, {"type": "text", "max_length": 20})
    definition.refresh_from_db()
    assert definition.choices == []
    assert definition.max_length == 20


def test_manager_cannot_change_fields(manager, admin_user, supplier, snapshot):
    definition = field(admin_user, entity="supplier", key="city", type="text")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.create_field(
            manager, {"entity": "supplier", "key": "x", "label": "X", "type": "text"}
        )
    with pytest.raises(PermissionDenied):
        services.update_field(manager, definition, {"label": "Town"})
    with pytest.raises(PermissionDenied):
        services.delete_field(manager, definition)
    assert snapshot() == before
    assert RequiredFieldsTemplate.objects.count() == 0
