"""What runs on every page or every minute stays cheap: the bell is one query that sorts
nothing, the reminder job reads only open tasks waiting for their reminder, and a batch of
reminders looks record titles up once per person, not once per task."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.planner import notifications, reminders, services

from .conftest import at

pytestmark = pytest.mark.django_db


def plan_of(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")  # tiny tables: ask which index it *can* use
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_bell_is_one_indexed_query_that_sorts_nothing(manager):
    for index in range(3):
        notifications.notify(manager, "x", f"Note {index}", email=False)
    with CaptureQueriesContext(connection) as captured:
        assert notifications.unread_count(manager) == 3
    (query,) = captured.captured_queries
    assert "ORDER BY" not in query["sql"]


def test_the_bell_stops_counting_at_its_cap(manager):
    for index in range(notifications.BADGE_CAP + 2):
        notifications.notify(manager, "x", f"Note {index}", email=False)
    assert notifications.unread_count(manager) == notifications.BADGE_CAP


def test_the_reminder_job_reads_the_partial_index_of_open_tasks(manager, task_for):
    done = task_for(manager, title="Done early", due_at="2030-03-04T10:00", remind="at_due")
    services.complete_task(manager, done)
    task_for(manager, title="Waiting", due_at="2030-03-04T10:00", remind="at_due")
    sql, params = reminders._due(at("2030-03-05", 0)).query.sql_with_params()
    plan = plan_of(sql, params)
    assert "task_reminder_due" in plan, plan
    assert [task.title for task in reminders._due(at("2030-03-05", 0))] == ["Waiting"]


def test_a_batch_of_reminders_looks_up_record_titles_once_per_person(
    manager, make, task_for, registry
):
    for index in range(3):
        contact = make("contact", manager, first_name="Jan", last_name=f"N{index}", owner=manager)
        task_for(manager, contact, title=f"Call {index}", due_at="2030-03-04T10:00", remind="1h")
    with CaptureQueriesContext(connection) as captured:
        assert reminders.send_due_reminders(now=at("2030-03-04", 9)) == 3
    contact_table = registry.get("contact").model._meta.db_table
    reads = [q for q in captured.captured_queries if f'FROM "{contact_table}"' in q["sql"]]
    assert len(reads) == 1, [q["sql"] for q in reads]
