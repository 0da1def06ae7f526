"""The bulk path's own inserts (`platform.fastinsert`: many-row statements on SQLite, COPY on
PostgreSQL) store exactly what the ORM would, hand out keys the database will not give again,
and keep hostile text intact."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from django.db import connection, transaction
from django.db.models import signals

from kartoteka.contacts.models import Company
from kartoteka.platform import fastinsert
from kartoteka.platform.bulk import ACTIVITY_COLUMNS, SEARCH_COLUMNS
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db

HOSTILE = [
    "tab\there, newline\nthere, carriage\rreturn",
    "back\\slash \\N \\. and a lone \\",
    "quotes ' \" ; DROP TABLE contacts_contact; --",
    "Ünïcödé — Пётр Сидорова — 𝔘𝔫𝔦",
    '=HYPERLINK("http://x")',
    "",
]
AT = dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.UTC)


def test_new_records_get_the_keys_the_database_gave_and_the_values_they_were_given(admin_user):
    objs = [
        Company(
            name=text or "empty",
            website="https://example.com/" + str(n),
            phones=["+48600000000", text],
            custom={"note": text, "n": n, "nested": {"list": [1, None, True]}},
            tags=[],
            owner=admin_user,
            created_by=admin_user,
        )
        for n, text in enumerate(HOSTILE)
    ]
    with transaction.atomic():
        fastinsert.insert(Company, objs)
    keys = [obj.pk for obj in objs]
    assert all(isinstance(key, int) for key in keys) and len(set(keys)) == len(keys)
    assert all(not obj._state.adding and obj._state.db == "default" for obj in objs)
    for obj in objs:
        stored = Company.objects.get(pk=obj.pk)
        assert (stored.name, stored.phones, stored.custom, stored.owner_id) == (
            obj.name,
            obj.phones,
            obj.custom,
            admin_user.pk,
        )
        assert stored.created_at == obj.created_at and stored.created_at.tzinfo is not None
    later = Company.objects.create(name="Made by the ORM afterwards")
    assert later.pk > max(keys)  # the sequence (or rowid) moved past the keys handed out


def test_plain_rows_keep_hostile_text_nulls_and_json(admin_user):
    rows = [
        ("contact", 100 + n, "note", admin_user.pk if n % 2 else None, AT, text[:255], text,
         {"text": text, "n": n})
        for n, text in enumerate(HOSTILE)
    ]  # fmt: skip
    with transaction.atomic():
        fastinsert.insert_rows(Activity, ACTIVITY_COLUMNS, rows)
    stored = list(
        Activity.objects.filter(entity="contact", object_id__gte=100)
        .order_by("object_id")
        .values_list(*ACTIVITY_COLUMNS)
    )
    assert stored == rows


def test_a_failing_row_inserts_nothing(admin_user):
    rows = [
        ("contact", 1, "note", None, AT, "fine", "", {}),
        ("contact", 2, None, None, AT, "no kind", "", {}),  # NOT NULL
    ]
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (each database its own)
        fastinsert.insert_rows(Activity, ACTIVITY_COLUMNS, rows)
    assert not Activity.objects.filter(entity="contact", object_id__in=[1, 2]).exists()


def test_none_in_a_json_column_that_is_not_null_is_stored_as_json_null(admin_user):
    with transaction.atomic():
        fastinsert.insert_rows(
            Activity, ACTIVITY_COLUMNS, [("contact", 7, "note", None, AT, "", "", None)]
        )
    assert Activity.objects.get(entity="contact", object_id=7).payload is None


def test_json_text_is_written_as_it_is_and_empty_lists_and_dicts_as_json(admin_user):
    shared = fastinsert.JsonText('{"import": 7, "text": "\\t \\"quoted\\""}')
    rows = [
        ("contact", 200, "note", None, AT, "", "", shared),
        ("contact", 201, "note", None, AT, "", "", shared),
        ("contact", 202, "note", None, AT, "", "", []),
        ("contact", 203, "note", None, AT, "", "", {}),
        ("contact", 204, "note", None, AT, "", "", '{"not": "json text, a string"}'),
    ]
    with transaction.atomic():
        fastinsert.insert_rows(Activity, ACTIVITY_COLUMNS, rows)
    stored = dict(Activity.objects.filter(object_id__gte=200).values_list("object_id", "payload"))
    assert stored[200] == stored[201] == {"import": 7, "text": '\t "quoted"'}
    assert stored[202] == [] and stored[203] == {}
    assert stored[204] == '{"not": "json text, a string"}'  # a plain str stays a JSON string


def test_a_remembered_date_time_never_stands_for_another(admin_user):
    zone = dt.timezone(dt.timedelta(hours=3))
    moments = [AT, AT, AT.astimezone(zone), AT + dt.timedelta(microseconds=1), AT]
    rows = [("contact", 300 + n, "note", None, at, "", "", {}) for n, at in enumerate(moments)]
    with transaction.atomic():
        fastinsert.insert_rows(Activity, ACTIVITY_COLUMNS, rows)
    stored = list(
        Activity.objects.filter(object_id__gte=300)
        .order_by("object_id")
        .values_list("at", flat=True)
    )
    assert stored == moments


def test_blank_instances_are_what_the_model_makes(registry):
    from django.apps import apps

    from kartoteka.platform.models import EntityModel

    models = [m for m in apps.get_models() if issubclass(m, EntityModel)]
    assert len(models) >= 6
    for model in models:
        fast, slow = fastinsert.blank(model), model()
        assert fast._state.adding and fast._state.db is None
        for field in model._meta.concrete_fields:
            a, b = getattr(fast, field.attname), getattr(slow, field.attname)
            if isinstance(b, dt.datetime):
                assert isinstance(a, dt.datetime) and abs(a - b) < dt.timedelta(seconds=5)
            else:
                assert a == b, (model, field.attname)
        mutable = [
            f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"
        ]
        other, *more = fastinsert.blanks(model, 3)
        assert len({id(obj) for obj in [fast, other, *more]}) == 4
        for attname in mutable:
            made = [getattr(obj, attname) for obj in (fast, other, *more)]
            assert len({id(value) for value in made}) == 4  # never shared
            assert all(value == getattr(slow, attname) for value in made)
        given = fastinsert.blank(model, ("custom", "created_at"))
        assert given.custom is None and given.created_at is None  # the caller sets them
        assert given.updated_at is not None and given.__dict__.keys() == fast.__dict__.keys()
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance)

    signals.post_init.connect(listener, sender=models[0])
    try:
        made = fastinsert.blank(models[0])  # its plan was made before the listener came
    finally:
        signals.post_init.disconnect(listener, sender=models[0])
    assert heard == [made]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statements")
def test_sqlite_rows_go_many_to_a_statement_within_the_variable_limit(admin_user):
    from kartoteka.platform.models import SearchEntry
    from kartoteka.platform.search import search

    rows = [
        ("contact", 5000 + n, admin_user.pk, f"Ulla Row {n}", "", f"Ulla Row{n} {HOSTILE[n % 6]}")
        for n in range(2345)
    ]
    connection.ensure_connection()
    raw = connection.connection
    statements: list[str] = []
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.set_trace_callback(lambda sql: statements.append(sql) if "searchentry" in sql else None)
    try:
        with transaction.atomic():
            fastinsert.insert_rows(SearchEntry, SEARCH_COLUMNS, rows[:2100])
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 6 * 100)  # 100 rows a statement
        with transaction.atomic():
            fastinsert.insert_rows(SearchEntry, SEARCH_COLUMNS, rows[2100:])
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
        raw.set_trace_callback(None)
    # the FTS5 trigger's steps are traced with the text of the statement that fired them
    inserts = {sql for sql in statements if sql.startswith("INSERT")}
    assert len(inserts) == 3 + 3  # 1,000 + 1,000 + 100, then 100 + 100 + 45
    stored = list(
        SearchEntry.objects.filter(object_id__gte=5000)
        .order_by("object_id")
        .values_list(*SEARCH_COLUMNS)
    )
    assert stored == rows  # every row, in order, hostile text intact
    found = {hit.object_id for hit in search(admin_user, "row2344")}
    assert found == {7344}  # the full-text index saw the last statement's rows too


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statements")
def test_new_records_in_many_row_statements_still_get_consecutive_keys(admin_user):
    objs = [Company(name=f"Firm {n}", owner=admin_user, created_by=admin_user) for n in range(2500)]
    with transaction.atomic():
        fastinsert.insert(Company, objs)
    keys = [obj.pk for obj in objs]
    assert keys == list(range(keys[0], keys[0] + 2500))
    assert dict(Company.objects.filter(pk__in=keys).values_list("pk", "name")) == {
        obj.pk: obj.name for obj in objs
    }


def test_lists_of_strings_are_encoded_as_json_dumps_encodes_them():
    json_value = fastinsert._converter(Company._meta.get_field("phones"))
    cases = [HOSTILE, *([text] for text in HOSTILE), ["a", 1], ["a", None], [["x"]], [], {}]
    for value in cases:
        assert json_value(value) == json.dumps(value), value
