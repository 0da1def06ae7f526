"""A ticket's service level: which policy applies, its deadlines (`SlaTarget` rows), the clock
pausing while the ticket waits for the customer (or a third party, if the policy says so),
and the worker's check that warns before a breach and escalates after one.

The time arithmetic lives in `sla_clock` (pure functions over a business calendar); this
module turns tickets and policies into calls to it and keeps the rows up to date. Every
function here runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import sla_clock
from .models import BusinessCalendar, SlaPolicy, SlaTarget, Ticket

log = logging.getLogger(__name__)

Kind = SlaTarget.Kind
State = SlaTarget.State
OPEN_STATES = (State.RUNNING, State.PAUSED)


# -- calendars and policies ------------------------------------------------------------------


def clock_calendar(calendar: BusinessCalendar) -> sla_clock.BusinessCalendar:
    hours = {
        int(day): [tuple(interval) for interval in intervals]
        for day, intervals in (calendar.hours or {}).items()
        if intervals
    }
    holidays = frozenset(calendar.holidays.values_list("date", flat=True))
    return sla_clock.BusinessCalendar(tz=calendar.time_zone, hours=hours, holidays=holidays)


def policy_for(ticket: Ticket, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The first active policy, by order, whose conditions all hold for the ticket."""
    if policies is None:
        policies = list(SlaPolicy.objects.filter(active=True).select_related("calendar"))
    for policy in policies:
        if policy.priorities and ticket.priority not in policy.priorities:
            continue
        if policy.types and ticket.type not in policy.types:
            continue
        if policy.categories and ticket.category_id not in policy.categories:
            continue
        if policy.tiers and ticket.tier not in policy.tiers:
            continue
        return policy
    return None


def _pauses(target: SlaTarget) -> list[tuple[dt.datetime, dt.datetime | None]]:
    return [
        (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end) if end else None)
        for start, end in target.paused
    ]


def _due(calendar, target: SlaTarget) -> dt.datetime | None:
    return sla_clock.due_after_pauses(calendar, target.started_at, target.target, _pauses(target))


def _targets_of(
    policy: SlaPolicy, calendar, received: dt.datetime
) -> list[tuple[str, dt.timedelta]]:
    targets = []
    if policy.first_response_minutes:
        targets.append((Kind.FIRST_RESPONSE, dt.timedelta(minutes=policy.first_response_minutes)))
    if policy.cutoff_at is not None and policy.cutoff_next_day_at is not None:
        # The cut-off rule gives a moment; stored as the working time up to it, so pauses
        # move it like any other target.
        due = sla_clock.due_with_cutoff(
            calendar,
            received,
            sla_clock.CutOff(cutoff=policy.cutoff_at, next_day_at=policy.cutoff_next_day_at),
        )
        targets.append((Kind.RESOLUTION, sla_clock.working_between(calendar, received, due)))
    elif policy.resolution_minutes:
        targets.append((Kind.RESOLUTION, dt.timedelta(minutes=policy.resolution_minutes)))
    if policy.update_every_minutes:
        targets.append((Kind.UPDATE, dt.timedelta(minutes=policy.update_every_minutes)))
    return targets


def _new_target(ticket, calendar, kind, amount, started, paused_now: bool) -> SlaTarget:
    target = SlaTarget(ticket=ticket, kind=kind, started_at=started, target=amount)
    if paused_now:
        target.state = State.PAUSED
        target.paused = [[started.isoformat(), None]]
        target.due_at = None
    else:
        target.due_at = _due(calendar, target)
    target.save()
    return target


def is_pausing(ticket: Ticket, policy: SlaPolicy | None) -> bool:
    if ticket.status == Ticket.Status.WAITING_CUSTOMER:
        return True
    return bool(
        ticket.status == Ticket.Status.WAITING_THIRD_PARTY
        and policy is not None
        and policy.pause_on_third_party
    )


def start(ticket: Ticket, at: dt.datetime | None = None) -> None:
    """A new ticket: choose its policy and start its clocks from its creation."""
    policy = policy_for(ticket)
    ticket.sla_policy = policy
    if policy is None:
        _save_due(ticket)
        return
    calendar = clock_calendar(policy.calendar)
    received = at or ticket.created_at
    paused = is_pausing(ticket, policy)
    for kind, amount in _targets_of(policy, calendar, received):
        _new_target(ticket, calendar, kind, amount, received, paused)
    if ticket.status in Ticket.DONE_STATUSES:
        finish(ticket, Kind.RESOLUTION, ticket.resolved_at or received)
    _save_due(ticket)


def plan_many(tickets: list[Ticket]) -> None:
    """`start` for a batch of new tickets not yet saved (imports, the bulk path): policies
    and calendars read once; each ticket gets its policy and nearest deadline set, and its
    targets kept in `_sla_targets` for `save_planned` once it has an id."""
    policies = list(SlaPolicy.objects.filter(active=True).select_related("calendar"))
    calendars = {p.calendar_id: clock_calendar(p.calendar) for p in policies}
    for ticket in tickets:
        policy = policy_for(ticket, policies)
        ticket.sla_policy = policy
        ticket.next_due_at = None
        ticket._sla_targets = []
        if policy is None:
            continue
        calendar = calendars[policy.calendar_id]
        paused = is_pausing(ticket, policy)
        done = ticket.status in Ticket.DONE_STATUSES
        for kind, amount in _targets_of(policy, calendar, ticket.created_at):
            target = SlaTarget(kind=kind, started_at=ticket.created_at, target=amount)
            if done:
                target.state, target.done_at = State.MET, ticket.resolved_at or ticket.created_at
                target.due_at = _due(calendar, target)
                if target.due_at is not None and target.done_at > target.due_at:
                    target.state, target.breached_at = State.BREACHED, target.due_at
            elif paused:
                target.state = State.PAUSED
                target.paused = [[ticket.created_at.isoformat(), None]]
            else:
                target.due_at = _due(calendar, target)
                if ticket.next_due_at is None or target.due_at < ticket.next_due_at:
                    ticket.next_due_at = target.due_at
            ticket._sla_targets.append(target)


def save_planned(tickets: list[Ticket]) -> None:
    rows = []
    for ticket in tickets:
        for target in getattr(ticket, "_sla_targets", ()):
            target.ticket = ticket
            rows.append(target)
    SlaTarget.objects.bulk_create(rows, batch_size=2000)


def reapply(ticket: Ticket) -> None:
    """The priority, type, category or tier changed: another policy may apply. Running
    targets are measured again from when they started, with the new policy's amounts; met
    and breached ones stay as they were."""
    policy = policy_for(ticket)
    if policy is None:
        SlaTarget.objects.filter(ticket=ticket, state__in=OPEN_STATES).update(
            state=State.CANCELLED, due_at=None
        )
        ticket.sla_policy = None
        _save_due(ticket)
        return
    calendar = clock_calendar(policy.calendar)
    amounts = dict(_targets_of(policy, calendar, ticket.created_at))
    if policy.next_response_minutes:
        amounts[Kind.NEXT_RESPONSE] = dt.timedelta(minutes=policy.next_response_minutes)
    open_targets = list(SlaTarget.objects.filter(ticket=ticket, state__in=OPEN_STATES))
    have = {t.kind for t in open_targets}
    for target in open_targets:
        if target.kind not in amounts:
            target.state, target.due_at = State.CANCELLED, None
        else:
            target.target = amounts[target.kind]
            target.due_at = _due(calendar, target)
        target.save()
    if ticket.sla_policy_id is None and ticket.is_open:
        # A ticket no policy covered until now starts its clocks from its creation.
        done = set(SlaTarget.objects.filter(ticket=ticket).values_list("kind", flat=True))
        for kind, amount in _targets_of(policy, calendar, ticket.created_at):
            if kind not in have and kind not in done:
                _new_target(
                    ticket, calendar, kind, amount, ticket.created_at, is_pausing(ticket, policy)
                )
    ticket.sla_policy = policy
    _save_due(ticket)


def finish(ticket: Ticket, kind: str, at: dt.datetime) -> None:
    """The deadline of `kind` was answered at `at`: met, or (if its due time had passed)
    breached — whether or not the worker noticed the breach first."""
    for target in SlaTarget.objects.filter(ticket=ticket, kind=kind, state__in=OPEN_STATES):
        _close_pause(target, at)
        target.done_at = at
        late = target.breached_at is not None or (target.due_at is not None and at > target.due_at)
        target.state = State.BREACHED if late else State.MET
        if late and target.breached_at is None:
            target.breached_at = target.due_at
            ticket.sla_breached = True
        target.save()
    # Breached targets stay "breached" but are answered now.
    SlaTarget.objects.filter(
        ticket=ticket, kind=kind, state=State.BREACHED, done_at__isnull=True
    ).update(done_at=at)


def _close_pause(target: SlaTarget, at: dt.datetime) -> None:
    if target.paused and target.paused[-1][1] is None:
        target.paused[-1][1] = at.isoformat()


def on_public_reply(ticket: Ticket, at: dt.datetime) -> None:
    """An agent answered the customer: the first or next response is met; the status-update
    clock starts again."""
    policy = ticket.sla_policy
    if ticket.first_responded_at is None:
        ticket.first_responded_at = at
    finish(ticket, Kind.FIRST_RESPONSE, at)
    finish(ticket, Kind.NEXT_RESPONSE, at)
    finish(ticket, Kind.UPDATE, at)
    if policy is not None and policy.update_every_minutes and ticket.is_open:
        calendar = clock_calendar(policy.calendar)
        _new_target(
            ticket,
            calendar,
            Kind.UPDATE,
            dt.timedelta(minutes=policy.update_every_minutes),
            at,
            is_pausing(ticket, policy),
        )
    _save_due(ticket)


def on_customer_message(ticket: Ticket, at: dt.datetime) -> None:
    """The customer wrote again after our first answer: the next response is due."""
    policy = ticket.sla_policy
    if policy is None or not policy.next_response_minutes or ticket.first_responded_at is None:
        return
    if SlaTarget.objects.filter(
        ticket=ticket, kind=Kind.NEXT_RESPONSE, state__in=OPEN_STATES
    ).exists():
        return
    calendar = clock_calendar(policy.calendar)
    _new_target(
        ticket,
        calendar,
        Kind.NEXT_RESPONSE,
        dt.timedelta(minutes=policy.next_response_minutes),
        at,
        is_pausing(ticket, policy),
    )
    _save_due(ticket)


def on_status_change(ticket: Ticket, old: str, new: str, at: dt.datetime) -> None:
    policy = ticket.sla_policy
    if new in Ticket.DONE_STATUSES and old not in Ticket.DONE_STATUSES:
        # Resolving answers everything that was still waiting.
        finish(ticket, Kind.RESOLUTION, at)
        finish(ticket, Kind.FIRST_RESPONSE, at)
        finish(ticket, Kind.NEXT_RESPONSE, at)
        SlaTarget.objects.filter(ticket=ticket, kind=Kind.UPDATE, state__in=OPEN_STATES).update(
            state=State.CANCELLED, due_at=None
        )
    elif old in Ticket.DONE_STATUSES and new not in Ticket.DONE_STATUSES and policy is not None:
        # Reopened: a new resolution clock from now, as long as the policy allows.
        calendar = clock_calendar(policy.calendar)
        for kind, amount in _targets_of(policy, calendar, at):
            if kind == Kind.RESOLUTION:
                _new_target(ticket, calendar, kind, amount, at, is_pausing(ticket, policy))
    elif policy is not None:
        calendar = clock_calendar(policy.calendar)
        pausing = is_pausing(ticket, policy)
        for target in SlaTarget.objects.filter(ticket=ticket, state__in=OPEN_STATES):
            if pausing and target.state == State.RUNNING:
                target.state = State.PAUSED
                target.paused = [*target.paused, [at.isoformat(), None]]
                target.due_at = None
                target.save()
            elif not pausing and target.state == State.PAUSED:
                _close_pause(target, at)
                target.state = State.RUNNING
                target.due_at = _due(calendar, target)
                target.save()
    _save_due(ticket)


def _save_due(ticket: Ticket) -> None:
    """Keep the ticket's nearest deadline (for queues and "breaching soon") in step."""
    if ticket.pk is None:
        return
    # A breached deadline nobody has answered yet stays the nearest one: overdue tickets
    # sort first in the queues.
    waiting = Q(state=State.RUNNING) | Q(state=State.BREACHED, done_at__isnull=True)
    nearest = SlaTarget.objects.filter(waiting, ticket=ticket).aggregate(due=Min("due_at"))["due"]
    ticket.next_due_at = nearest
    Ticket.objects.filter(pk=ticket.pk).update(
        next_due_at=nearest,
        sla_policy=ticket.sla_policy,
        sla_breached=ticket.sla_breached
        or SlaTarget.objects.filter(ticket=ticket, state=State.BREACHED).exists(),
        first_responded_at=ticket.first_responded_at,
    )


# -- the worker's check ---------------------------------------------------------------------


def _ticket_url(ticket: Ticket) -> str:
    return reverse("service:ticket", args=[ticket.pk])


def _tell(user, kind: str, title, ticket: Ticket) -> None:
    from kartoteka.planner.notifications import notify

    if user is None or not user.is_active:
        return
    with translation.override(user.language or None):
        text = str(title) % {"number": ticket.pk, "subject": ticket.subject}
    notify(user, kind, text, ticket.subject, _ticket_url(ticket))


WARN_TITLE = {
    Kind.FIRST_RESPONSE: _("Ticket #%(number)s: first response due soon"),
    Kind.NEXT_RESPONSE: _("Ticket #%(number)s: the customer is waiting for an answer"),
    Kind.UPDATE: _("Ticket #%(number)s: a status update for the customer is due"),
    Kind.RESOLUTION: _("Ticket #%(number)s: resolution due soon"),
}
BREACH_TITLE = _("Ticket #%(number)s breached its SLA (%(target)s)")


def check(now: dt.datetime | None = None) -> dict[str, int]:
    """Warn the assignee before a deadline passes; at the deadline mark it breached and
    escalate as the policy says (notify, reassign, raise the priority). Idempotent: each
    target is warned once and breached once."""
    from django.db import transaction

    now = now or timezone.now()
    counts = {"warned": 0, "breached": 0}
    breaching = (
        SlaTarget.objects.filter(state=State.RUNNING, due_at__lte=now)
        .select_related("ticket__owner", "ticket__sla_policy__escalate_to")
        .order_by("due_at")[:500]
    )
    for target in breaching:
        with transaction.atomic():
            _breach(target, now)
        counts["breached"] += 1
    # Warnings: the soonest deadlines first; each policy says how long before.
    soon = (
        SlaTarget.objects.filter(
            state=State.RUNNING,
            warned_at__isnull=True,
            due_at__gt=now,
            due_at__lte=now + dt.timedelta(days=1),
        )
        .select_related("ticket__owner", "ticket__sla_policy")
        .order_by("due_at")[:2000]
    )
    for target in soon:
        policy = target.ticket.sla_policy
        before = dt.timedelta(minutes=policy.warn_before_minutes if policy else 30)
        if target.due_at - before > now:
            continue
        target.warned_at = now
        target.save(update_fields=["warned_at"])
        _tell(target.ticket.owner, "sla_warning", WARN_TITLE[target.kind], target.ticket)
        counts["warned"] += 1
    return counts


def _breach(target: SlaTarget, now: dt.datetime) -> None:
    from kartoteka.platform import services
    from kartoteka.platform.registry import registry

    target.state = State.BREACHED
    target.breached_at = target.due_at
    target.save(update_fields=["state", "breached_at"])
    ticket = target.ticket
    Ticket.objects.filter(pk=ticket.pk).update(sla_breached=True)
    ticket.sla_breached = True
    policy = ticket.sla_policy
    changes: dict = {}
    if policy is not None and policy.raise_priority:
        order = list(Ticket.PRIORITY_ORDER)
        index = order.index(ticket.priority) if ticket.priority in order else 1
        if index < len(order) - 1:
            changes["priority"] = order[index + 1]
    escalate_to = policy.escalate_to if policy is not None else None
    if escalate_to is not None and escalate_to.is_active and ticket.owner_id != escalate_to.pk:
        changes["owner"] = escalate_to.pk
    previous_owner = ticket.owner
    if changes:
        # A change by the system, not a person: no permission check, same history.
        ticket = services.update_record(
            registry.get("ticket"), None, ticket, changes, check_permission=False
        )
    _save_due(ticket)
    recipients = {u.pk: u for u in (previous_owner, escalate_to) if u is not None}
    for user in recipients.values():
        with translation.override(user.language or None):
            title = str(BREACH_TITLE) % {
                "number": ticket.pk,
                "subject": ticket.subject,
                "target": target.get_kind_display(),
            }
        from kartoteka.planner.notifications import notify

        notify(user, "sla_breach", title, ticket.subject, _ticket_url(ticket))
    log.info("ticket %s breached %s", ticket.pk, target.kind)
