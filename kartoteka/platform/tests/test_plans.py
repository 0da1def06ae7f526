"""Deep list pages use an index range, not a scan that skips every earlier row: the keyset
cursor is a row-value comparison the planner can turn into an index bound."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.platform.listing import ListQuery


def _plan_of_list_query(spec, admin_user, params) -> str:
    query = ListQuery.from_params(spec, params)
    with CaptureQueriesContext(connection) as captured:
        query.page(admin_user)
    sql = next(q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")  # tiny tables: ask which index it *can* use
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["", "last_name", "-last_name"])
def test_a_deep_page_is_an_index_range(admin_user, registry, make, sort):
    spec = registry.get("contact")
    for index in range(12):
        make("contact", last_name=f"Person {index:02d}")
    params = {"limit": "5", **({"sort": sort} if sort else {})}
    first = ListQuery.from_params(spec, params).page(admin_user)
    plan = _plan_of_list_query(spec, admin_user, {**params, "cursor": first.next_cursor})
    if connection.vendor == "sqlite":
        assert "SEARCH" in plan and "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    else:
        assert "Index Cond: (ROW(" in plan and "Sort" not in plan.split("\n")[1], plan


@pytest.mark.django_db
def test_statistics_are_gathered_on_sqlite(registry):
    from kartoteka.platform import maintenance

    refreshed = maintenance.refresh_statistics()
    if connection.vendor != "sqlite":
        assert refreshed is False
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_own_scope_list_reads_the_owner_index(manager, admin_user, registry, make):
    from kartoteka.platform import bulk, maintenance

    spec = registry.get("contact")
    # other owners' records make the owner a selective filter, as it is in real data
    bulk.bulk_create_records(spec, admin_user, [{"last_name": f"Other {i}"} for i in range(400)])
    for index in range(8):
        make("contact", actor=manager, last_name=f"Mine {index}")
    maintenance.refresh_statistics()
    if connection.vendor == "postgresql":
        # this test's rows, not whatever autovacuum last saw of earlier tests' tables
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_contact")
    plan = _plan_of_list_query(spec, manager, {"limit": "5"})
    assert "contact_owner_created" in plan, plan
