"""The agents' queues: which open tickets each holds, in which order, how many, and that a
page and the counts are read from the queue indexes, not sorted in a temporary table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kartoteka.service import queues, services
from kartoteka.service.models import Ticket

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def desk(agent, outsider, admin_user, teams, make):
    """Tickets with every property a queue tests; `set` gives the state directly so the
    order does not depend on SLA policies."""

    customer = make("contact", first_name="Vera", last_name="Nowak")

    def ticket(name, **state):
        made = services.open_ticket(agent, {"subject": name, "contact": customer.pk})
        state.setdefault("next_due_at", None)
        Ticket.objects.filter(pk=made.pk).update(**state)
        return name

    day = dt.timedelta(days=1)
    ticket("due later", owner=agent, next_due_at=NOW + 3 * day, created_at=NOW - 9 * day)
    ticket("overdue", owner=None, next_due_at=NOW - day, created_at=NOW - 8 * day)
    ticket(
        "due in an hour",
        owner=outsider,
        next_due_at=NOW + dt.timedelta(hours=1),
        created_at=NOW - 7 * day,
    )
    ticket(
        "same deadline, newer",
        owner=admin_user,
        next_due_at=NOW + 3 * day,
        created_at=NOW - 2 * day,
    )
    ticket("no deadline, old", owner=None, status="waiting_customer", created_at=NOW - 6 * day)
    ticket("no deadline, new", owner=agent, status="open", created_at=NOW - day)
    ticket(
        "breached",
        owner=admin_user,
        sla_breached=True,
        created_at=NOW - 5 * day,
        team=teams["south"],
        next_due_at=NOW - 2 * day,
    )
    ticket("closed", owner=agent, status="closed", created_at=NOW)
    ticket(
        "resolved with a deadline",
        owner=None,
        status="resolved",
        created_at=NOW,
        next_due_at=NOW - 3 * day,
    )
    return agent


def _names(user, key, page="1"):
    rows, more = queues.page(user, key, page)
    return [row.subject for row in rows], more


def test_the_open_queue_is_in_deadline_order_then_newest_first(desk):
    names, more = _names(desk, "open")
    assert names == [
        "breached",
        "overdue",
        "due in an hour",
        "same deadline, newer",
        "due later",
        "no deadline, new",
        "no deadline, old",
    ]
    assert more is False


def test_each_queue_holds_its_tickets_and_the_counts_agree(desk):
    expected = {
        "mine": ["due later", "no deadline, new"],
        "unassigned": ["overdue", "no deadline, old"],
        # the team's by the ticket's team or by its owner's team (the outsider is in South)
        "team": ["breached", "due in an hour", "due later", "no deadline, new"],
        "breaching": ["breached", "overdue", "due in an hour"],
        "breached": ["breached"],
        "waiting": ["no deadline, old"],
    }
    counts = queues.counts(desk)
    for key, names in expected.items():
        assert _names(desk, key)[0] == names, key
        assert counts[key] == len(names), key
    assert counts["open"] == 7


def test_pages_follow_on_without_gaps(desk, monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 3)
    first, more_after_first = _names(desk, "open", "1")
    second, more_after_second = _names(desk, "open", "2")
    third, more_after_third = _names(desk, "open", "3")
    assert len(first) == 3 and len(second) == 3 and len(third) == 1
    assert more_after_first and more_after_second and not more_after_third
    monkeypatch.setattr(queues, "PAGE_SIZE", 50)
    assert first + second + third == _names(desk, "open")[0]


def _plans(run, marker: str = "service_ticket") -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "service_ticket" not in query["sql"] or marker not in query["sql"]:
                continue
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
            else:
                # tiny tables: ask which plan it *can* use, a sort only where nothing else can
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.parametrize("key", ["open", "unassigned", "waiting", "breached", "team"])
def test_a_queue_page_walks_the_queue_index_without_sorting(desk, key):
    from kartoteka.platform import maintenance

    maintenance.refresh_statistics()
    (plan,) = _plans(lambda: queues.page(desk, key, "1"), marker="ORDER BY")
    assert "ticket_queue" in plan, plan
    if connection.vendor == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Sort" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's sampled statistics")
def test_the_queue_index_is_kept_under_misleading_statistics(desk):
    """The statistics a SCALE=full database got from `ANALYZE` with `analysis_limit`: about
    a thousand tickets per status, so the status index looked cheaper than the queue walk."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'service_ticket'")
        cursor.execute(
            "INSERT INTO sqlite_stat1 VALUES ('service_ticket', 'ticket_queue', "
            "'144196 1001 7 1 1 1 1 1 1'), ('service_ticket', 'ticket_status_created', "
            "'592800 1001 1 1 1 1 1 1'), ('service_ticket', 'service_ticket_owner_id_93809472', "
            "'109800 1001')"
        )
        cursor.execute("ANALYZE sqlite_schema")  # read the statistics again
    for key in ("open", "unassigned", "waiting", "breaching"):
        (plan,) = _plans(lambda key=key: queues.page(desk, key, "1"), marker="ORDER BY")
        assert "ticket_queue" in plan and "TEMP B-TREE" not in plan, (key, plan)


def test_the_counts_read_one_covering_index(desk):
    from kartoteka.platform import maintenance

    maintenance.refresh_statistics()
    (plan,) = _plans(lambda: queues.counts(desk))
    if connection.vendor == "sqlite":
        assert "COVERING INDEX ticket_status_created" in plan, plan
        assert "SCAN service_ticket\n" not in plan + "\n", plan
    else:
        assert "ticket_status_created" in plan, plan
