"""The agent's queues: named selections of open tickets (unassigned, mine, my team's, waiting,
breaching soon, breached), counted in one query and listed with the nearest deadline first.
A page walks the index `ticket_queue` (see `models.queue_order`); the counts read
`ticket_status_created`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from kartoteka.platform import permissions
from kartoteka.platform.registry import registry

from .behaviour import breaching_soon_q
from .models import Ticket, queue_order

PAGE_SIZE = 50
WAITING = (Ticket.Status.WAITING_CUSTOMER, Ticket.Status.WAITING_THIRD_PARTY)

QUEUES = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "team": _("My team"),
    "breaching": _("Breaching soon"),
    "breached": _("SLA breached"),
    "waiting": _("Waiting"),
    "open": _("All open"),
}


def labels() -> list[tuple[str, object]]:
    return list(QUEUES.items())


def queue_q(user, key: str) -> Q:
    if key == "mine":
        return Q(owner=user.pk)
    if key == "unassigned":
        return Q(owner__isnull=True)
    if key == "team":
        if not user.team_id:
            return Q(pk__in=[])
        # the owners by a subquery, not a join: the counts then read one index only
        members = get_user_model().objects.filter(team=user.team_id).values("pk")
        return Q(team=user.team_id) | Q(owner__in=members)
    if key == "breaching":
        return breaching_soon_q()
    if key == "breached":
        return Q(sla_breached=True)
    if key == "waiting":
        return Q(status__in=WAITING)
    return Q()


def _open_visible(user):
    qs = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES)
    return permissions.restrict(qs, user, "ticket", "view")


def counts(user) -> dict[str, int]:
    """Every queue's size in one query over the user's visible open tickets."""
    aggregates = {key: Count("pk", filter=queue_q(user, key)) for key in QUEUES}
    return _open_visible(user).order_by().aggregate(**aggregates)


def page_number(raw: str) -> int:
    return min(int(raw), 1000) if str(raw).isdigit() and int(raw) > 0 else 1


def _queue_columns() -> list[str]:
    """What a queue row shows (`queue_html.rows`): the ticket's own columns, and the names of
    its assignee, customer and company — the columns their titles read."""
    named = [
        ("owner", get_user_model().NAME_COLUMNS),
        ("contact", registry.get("contact").title_columns),
        ("company", registry.get("company").title_columns),
    ]
    return [
        "subject", "sla_breached", "priority", "status", "next_due_at",
        *(f"{relation}__{column}" for relation, columns in named for column in columns),
    ]  # fmt: skip


def page(user, key: str, raw_page: str) -> tuple[list[Ticket], bool]:
    number = page_number(raw_page)
    qs = _open_visible(user).filter(queue_q(user, key)).order_by(*queue_order())
    start = (number - 1) * PAGE_SIZE
    ids = _ids_in_queue_order(qs[start : start + PAGE_SIZE + 1])
    found = (
        Ticket.objects.select_related("owner", "contact", "company")
        .only(*_queue_columns())
        .in_bulk(ids)
    )
    rows = [found[pk] for pk in ids if pk in found]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _ids_in_queue_order(qs) -> list[int]:
    """The page's ticket ids, read along `ticket_queue`. SQLite is told so (`INDEXED BY`):
    with the sampled statistics of `maintenance.refresh_statistics` it took the status index
    and sorted every open ticket instead (580 ms at 60,000 open tickets). The rows are read
    afterwards by key, so the walk touches the index and the ticket rows only."""
    sql, params = qs.values_list("pk", flat=True).query.sql_with_params()
    if connection.vendor == "sqlite":
        table = connection.ops.quote_name(Ticket._meta.db_table)
        index = connection.ops.quote_name("ticket_queue")
        sql = sql.replace(f"FROM {table}", f"FROM {table} INDEXED BY {index}", 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
