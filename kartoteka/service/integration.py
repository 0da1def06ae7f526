"""Hooks into the platform: the ticket's card gets the conversation (above its history), the
SLA and customer panels beside its fields and quick actions in its header; the queues page
joins the navigation."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kartoteka.platform import cards, navigation, permissions
from kartoteka.timeline.models import Activity

from .behaviour import breaching_soon_q
from .models import Attachment, Message, SlaTarget, StatusPeriod, Ticket, TicketLink
from .settings_services import label

WAITING_STATUSES = (Ticket.Status.WAITING_CUSTOMER, Ticket.Status.WAITING_THIRD_PARTY)

# the colleague who asked follows their request, whoever owns it
permissions.register_viewer_field("ticket", "requester_user")


def canned_responses(user) -> list:
    from kartoteka.knowledge import access

    return list(access.visible_canned(user).order_by("title")[:200])


def sees_public_side_only(user, ticket: Ticket) -> bool:
    """The colleague who asked, when not on the support side of their own request: they see
    what a customer would, without internal notes and third-party contacts."""
    return ticket.requester_user_id == user.pk and not permissions.may_act_on(
        user, "ticket", "change", ticket
    )


def conversation_context(request, spec, ticket: Ticket) -> dict:
    can_change = permissions.may_act_on(request.user, "ticket", "change", ticket)
    shown = Message.objects.filter(ticket=ticket)
    if sees_public_side_only(request.user, ticket):
        shown = shown.filter(kind__in=(Message.Kind.CUSTOMER, Message.Kind.REPLY))
    messages = list(
        shown.select_related("author_user", "author_contact", "vendor")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-at", "-id")
    )
    return {
        "ticket": ticket,
        "messages": messages,
        "can_reply": can_change and ticket.merged_into_id is None,
        "can_note": can_change and permissions.may_log_activity(request.user, "ticket"),
        "is_requester": sees_public_side_only(request.user, ticket),
        "statuses": Ticket.Status.choices,
        "canned": canned_responses(request.user) if can_change else [],
        "error": "",
    }


def waiting_time(ticket: Ticket, now=None) -> dict[str, float]:
    """Hours spent waiting for the customer and for third parties, from the status history."""
    now = now or timezone.now()
    totals: dict[str, float] = defaultdict(float)
    for period in StatusPeriod.objects.filter(ticket=ticket, status__in=WAITING_STATUSES):
        end = period.ended_at or now
        totals[period.status] += max((end - period.started_at).total_seconds(), 0) / 3600
    return {status: round(hours, 1) for status, hours in totals.items()}


def _sla_panel(request, spec, ticket: Ticket):
    waiting = waiting_time(ticket)
    return {
        "ticket": ticket,
        "targets": list(SlaTarget.objects.filter(ticket=ticket).order_by("started_at", "id")),
        "policy": ticket.sla_policy,
        "policy_name": label(ticket.sla_policy.name) if ticket.sla_policy else "",
        "waiting_customer": waiting.get(Ticket.Status.WAITING_CUSTOMER),
        "waiting_third_party": waiting.get(Ticket.Status.WAITING_THIRD_PARTY),
        "now": timezone.now(),
        "links": list(
            TicketLink.objects.filter(ticket=ticket).select_related("other", "deal").order_by("id")
        ),
        "can_change": permissions.may_act_on(request.user, "ticket", "change", ticket),
    }


def _customer_panel(request, spec, ticket: Ticket):
    contact = ticket.contact
    if contact is None and ticket.requester_user is None:
        return None
    others = []
    history = []
    if contact is not None:
        visible = permissions.restrict(Ticket.objects.all(), request.user, "ticket", "view")
        others = list(
            visible.filter(contact=contact).exclude(pk=ticket.pk).order_by("-created_at")[:5]
        )
        if (
            permissions.may_act_on(request.user, "contact", "view", contact)
            or permissions.scope_for(request.user, "contact", "view") == "all"
        ):
            history = list(
                Activity.objects.filter(entity="contact", object_id=contact.pk)
                .exclude(payload__ticket=ticket.pk)
                .order_by("-at", "-id")[:5]
            )
    return {
        "ticket": ticket,
        "contact": contact,
        "company": ticket.company,
        "requester_user": ticket.requester_user,
        "others": others,
        "history": history,
    }


def _actions(request, spec, ticket: Ticket):
    return {
        "ticket": ticket,
        "statuses": Ticket.Status.choices,
        "can_change": permissions.may_act_on(request.user, "ticket", "change", ticket),
        "can_take": ticket.owner_id != request.user.pk
        and permissions.scope_for(request.user, "ticket", "change") in ("all", "team"),
    }


cards.register(
    cards.CardPanel(
        key="service.actions",
        template="service/_ticket_actions.html",
        context=_actions,
        entities=("ticket",),
        position="actions",
        order=10,
    )
)
cards.register(
    cards.CardPanel(
        key="service.conversation",
        template="service/_conversation_panel.html",
        context=conversation_context,
        entities=("ticket",),
        position="main",
        order=5,
    )
)
cards.register(
    cards.CardPanel(
        key="service.sla",
        template="service/_sla_panel.html",
        context=_sla_panel,
        entities=("ticket",),
        position="side",
        order=10,
    )
)
cards.register(
    cards.CardPanel(
        key="service.customer",
        template="service/_customer_panel.html",
        context=_customer_panel,
        entities=("ticket",),
        position="side",
        order=20,
    )
)


def _deal_tickets(request, spec, deal):
    """Tickets linked to a deal (a customer's problem that holds up the sale, say)."""
    if not permissions.can(request.user, "ticket", "view"):
        return None
    linked = permissions.restrict(Ticket.objects.all(), request.user, "ticket").filter(
        links__kind=TicketLink.Kind.DEAL, links__deal=deal
    )
    tickets = list(linked.order_by("-created_at")[:20])
    return {"tickets": tickets} if tickets else None


cards.register(
    cards.CardPanel(
        key="service.deal_tickets",
        template="service/_deal_tickets.html",
        context=_deal_tickets,
        entities=("deal",),
        position="side",
        order=30,
    )
)


def _attention(user) -> int:
    """My open tickets whose next deadline is within two hours (or past)."""
    if not permissions.can(user, "ticket", "view"):
        return 0
    return (
        Ticket.objects.filter(owner=user.pk, status__in=Ticket.OPEN_STATUSES)
        .filter(breaching_soon_q())
        .order_by()[:100]
        .count()
    )


navigation.register(
    navigation.NavItem(
        key="service.queues",
        label=gettext_lazy("Service"),
        url_name="service:queues",
        icon="inboxes",
        visible=lambda user: permissions.can(user, "ticket", "view"),
        order=20,
        badge=_attention,
    )
)
