"""The agent's queues: named selections of open tickets (unassigned, mine, my team's, waiting,
breaching soon, breached), counted in one query and listed with the nearest deadline first.
A page walks the index `ticket_queue` (see `models.queue_order`); the counts read
`ticket_status_created`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from kartoteka.platform import permissions

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


def page(user, key: str, raw_page: str) -> tuple[list[Ticket], bool]:
    number = page_number(raw_page)
    qs = (
        _open_visible(user)
        .filter(queue_q(user, key))
        .select_related("owner", "contact", "company", "category")
        .order_by(*queue_order())
    )
    start = (number - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
