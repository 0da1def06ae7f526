"""Agent pages: the queues with bulk actions, a new ticket (with suggested articles while it
is written), and the actions of the ticket's card — reply or note with attachments and canned
responses, status, taking it, merge, links, contacts with third parties — plus attachment
downloads. Writes go through `services`; permissions through the platform's one filter."""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.knowledge import access, canned
from kartoteka.knowledge import services as knowledge
from kartoteka.platform import forms as platform_forms
from kartoteka.platform import permissions
from kartoteka.platform import services as platform_services
from kartoteka.platform.api_records import visible_or_404
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.registry import registry

from . import queue_html, services
from . import queues as queue_defs
from .integration import sees_public_side_only
from .models import Attachment, Category, Ticket, TicketLink

# Content types a browser would run or render inline in our origin: always downloaded as
# opaque bytes.
UNSAFE_TYPES = (
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
)


def _ticket(user, pk: int, action: str = "view") -> Ticket:
    try:
        return visible_or_404(user, registry.get("ticket"), pk, action)
    except permissions.PermissionDenied as exc:
        raise DjangoPermissionDenied(_("You do not have permission to do this.")) from exc


def _back(ticket: Ticket):
    return redirect(registry.get("ticket").card_url(ticket.pk))


def _uploads(request) -> list[services.Upload]:
    return [
        services.Upload(f.name, f.content_type or "", f.read())
        for f in request.FILES.getlist("attachments")
    ]


# -- queues -----------------------------------------------------------------------------------


@login_required
@require_GET
def queues(request):
    if not permissions.can(request.user, "ticket", "view"):
        raise DjangoPermissionDenied(_("You do not have permission to do this."))
    current = request.GET.get("queue") or "mine"
    if current not in queue_defs.QUEUES:
        current = "mine"
    counts = queue_defs.counts(request.user)
    tickets, more = queue_defs.page(request.user, current, request.GET.get("page", "1"))
    return render(
        request,
        "service/queues.html",
        {
            "entity": registry.get("ticket"),
            "queues": [(key, label, counts.get(key, 0)) for key, label in queue_defs.labels()],
            "current": current,
            "rows": queue_html.rows(tickets, timezone.now()),
            "more": more,
            "page": queue_defs.page_number(request.GET.get("page", "1")),
            "users": platform_forms.user_options(),
            "statuses": Ticket.Status.choices,
            "priorities": Ticket.Priority.choices,
            "can_create": permissions.can(request.user, "ticket", "create"),
        },
    )


@login_required
@require_POST
def bulk(request):
    """Assign, set the status or the priority of the selected tickets: all or nothing."""
    spec = registry.get("ticket")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:500]
    action = request.POST.get("action", "")
    data: dict = {}
    if action == "take":
        data = {"owner": request.user.pk}
    elif action == "assign":
        data = {"owner": request.POST.get("owner") or None}
    elif action == "status":
        data = {"status": request.POST.get("status", "")}
    elif action == "priority":
        data = {"priority": request.POST.get("priority", "")}
    back = request.POST.get("next") or reverse("service:queues")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("service:queues")
    if not ids or not data:
        messages.error(request, _("Choose tickets and an action."))
        return redirect(back)
    visible = list(
        permissions.restrict(spec.queryset(), request.user, "ticket", "view").filter(pk__in=ids)
    )
    try:
        with transaction.atomic():
            for ticket in visible:
                platform_services.update_record(spec, request.user, ticket, data)
    except InputErrors as exc:
        messages.error(request, exc.first_message)
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change some of these tickets; nothing was changed."))
    else:
        messages.success(request, _("%(count)d tickets updated.") % {"count": len(visible)})
    return redirect(back)


# -- a new ticket -----------------------------------------------------------------------------

NEW_FIELDS = (
    "subject",
    "description",
    "contact",
    "requester_user",
    "type",
    "priority",
    "category",
    "channel",
    "tags",
    "owner",
)


def _support_side(user) -> bool:
    return permissions.scope_for(user, "ticket", "change") == "all"


@login_required
def new_ticket(request):
    spec = registry.get("ticket")
    if not permissions.can(request.user, "ticket", "create"):
        raise DjangoPermissionDenied(_("You do not have permission to do this."))
    errors: dict = {}
    if request.method == "POST":
        data = {
            k: v for k, v in platform_forms.parse(spec, request.POST).items() if k in NEW_FIELDS
        }
        if "owner" not in request.POST and not _support_side(request.user):
            data["owner"] = None  # a colleague's request waits for support to take it
        try:
            ticket = services.open_ticket(
                request.user,
                data,
                channel=data.get("channel") or Ticket.Channel.AGENT,
                uploads=_uploads(request),
            )
        except InputErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Ticket #%(number)s opened.") % {"number": ticket.pk})
            return _back(ticket)
        values = data
    else:
        values = {f.key: f.default for f in spec.fields if f.default is not None}
        if _support_side(request.user):
            values["owner"] = request.user.pk  # an agent takes what they enter
        else:
            # a colleague asking the support team: their own request, for support to take
            values["requester_user"] = request.user.pk
            values["type"] = Ticket.Type.ACCESS if request.GET.get("type") == "access" else None
            values = {k: v for k, v in values.items() if v is not None}
        for key in ("contact", "requester_user"):
            raw = request.GET.get(key, "")
            if raw.isdigit():
                values[key] = int(raw)
    for key in ("contact", "requester_user", "owner"):
        if isinstance(values.get(key), str):
            values[key] = int(values[key]) if values[key].isdigit() else None
    fields = [
        _active_categories_only(f)
        for f in platform_forms.bind(spec, values, errors)
        if f.name in NEW_FIELDS
    ]
    return render(
        request,
        "service/new_ticket.html",
        {
            "entity": spec,
            "fields": fields,
            "errors": errors,
            "form_errors": errors.get("__all__") or errors.get("attachments"),
        },
        status=422 if errors else 200,
    )


def _active_categories_only(bound):
    """A new ticket is offered only the active categories (old tickets keep theirs)."""
    if bound.name != "category":
        return bound
    active = set(Category.objects.filter(active=True).values_list("pk", flat=True))
    choices = tuple(c for c in bound.spec.choices if c[0] in active)
    return dataclasses.replace(bound, spec=dataclasses.replace(bound.spec, choices=choices))


@login_required
def ticket(request, pk: int):
    """The ticket page is the ticket's card, with the conversation panel above its history."""
    _ticket(request.user, pk)
    return redirect(registry.get("ticket").card_url(pk))


# -- the card's actions ------------------------------------------------------------------------


def _panel_response(request, ticket: Ticket, status: int = 200, error: str = ""):
    from .integration import conversation_context

    context = conversation_context(
        request, registry.get("ticket"), Ticket.objects.get(pk=ticket.pk)
    )
    context["error"] = error
    return render(request, "service/_conversation.html", context, status=status)


@login_required
@require_POST
def post_message(request, pk: int):
    ticket = _ticket(request.user, pk)
    kind = request.POST.get("kind", "reply")
    body = request.POST.get("body", "")
    may_change = permissions.may_act_on(request.user, "ticket", "change", ticket)
    try:
        if not may_change and ticket.requester_user_id == request.user.pk:
            # the colleague who asked adds to their own request
            services.customer_message(
                ticket,
                body,
                author_user=request.user,
                via=Ticket.Channel.AGENT,
                uploads=_uploads(request),
            )
        elif kind == "note":
            services.note(request.user, ticket, body, uploads=_uploads(request))
        else:
            services.reply(
                request.user,
                ticket,
                body,
                uploads=_uploads(request),
                status=request.POST.get("status") or None,
            )
    except InputErrors as exc:
        if request.headers.get("HX-Request"):
            return _panel_response(request, ticket, 422, exc.first_message)
        messages.error(request, exc.first_message)
    except permissions.PermissionDenied:
        message = _("You may not answer this ticket.")
        if request.headers.get("HX-Request"):
            return _panel_response(request, ticket, 403, message)
        messages.error(request, message)
    else:
        if request.headers.get("HX-Request"):
            response = _panel_response(request, ticket)
            response["HX-Trigger"] = "ticket-changed"
            return response
    return _back(ticket)


@login_required
@require_POST
def change_status(request, pk: int):
    ticket = _ticket(request.user, pk)
    try:
        services.set_status(request.user, ticket, request.POST.get("status", ""))
    except InputErrors as exc:
        messages.error(request, exc.first_message)
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change this ticket."))
    return _back(ticket)


@login_required
@require_POST
def take(request, pk: int):
    ticket = _ticket(request.user, pk)
    try:
        platform_services.update_record(
            registry.get("ticket"), request.user, ticket, {"owner": request.user.pk}
        )
    except (InputErrors, permissions.PermissionDenied):
        messages.error(request, _("You may not take this ticket."))
    return _back(ticket)


def _other_ticket(user, raw: str) -> Ticket:
    number = (raw or "").strip().lstrip("#")
    if not number.isdigit():
        raise InputErrors({"other": [_("Enter a ticket number, such as 1042.")]})
    other = (
        permissions.restrict(Ticket.objects.all(), user, "ticket", "view")
        .filter(pk=int(number[:18]))
        .first()
    )
    if other is None:
        raise InputErrors(
            {"other": [_("There is no ticket #%(number)s you can see.") % {"number": number}]}
        )
    return other


@login_required
@require_POST
def merge(request, pk: int):
    """Merge this ticket (the duplicate) into the ticket whose number is given."""
    ticket = _ticket(request.user, pk)
    try:
        keep = _other_ticket(request.user, request.POST.get("other", ""))
        services.merge(request.user, keep, ticket)
    except InputErrors as exc:
        messages.error(request, exc.first_message)
        return _back(ticket)
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change one of these tickets."))
        return _back(ticket)
    messages.success(request, _("Merged into #%(number)s.") % {"number": keep.pk})
    return _back(keep)


@login_required
@require_POST
def link(request, pk: int):
    ticket = _ticket(request.user, pk)
    try:
        if request.POST.get("deal"):
            raw = request.POST["deal"]
            deal = (
                visible_or_404(request.user, registry.get("deal"), int(raw))
                if raw.isdigit()
                else None
            )
            if deal is None:
                raise InputErrors({"deal": [_("Choose a deal.")]})
            services.link_deal(request.user, ticket, deal)
        else:
            services.link_ticket(
                request.user, ticket, _other_ticket(request.user, request.POST.get("other", ""))
            )
    except InputErrors as exc:
        messages.error(request, exc.first_message)
    except (permissions.PermissionDenied, Http404):
        messages.error(request, _("You may not link these records."))
    return _back(ticket)


@login_required
@require_POST
def unlink(request, pk: int, link_id: int):
    ticket = _ticket(request.user, pk)
    found = TicketLink.objects.filter(pk=link_id, ticket=ticket).first()
    if found is None:
        raise Http404
    try:
        services.unlink(request.user, found)
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change this ticket."))
    return _back(ticket)


@login_required
@require_POST
def vendor_contact(request, pk: int):
    from kartoteka.contacts.models import Company

    ticket = _ticket(request.user, pk)
    vendor = None
    raw = request.POST.get("vendor", "")
    if raw.isdigit():
        vendor = (
            permissions.restrict(Company.objects.all(), request.user, "company", "view")
            .filter(pk=int(raw))
            .first()
        )
    try:
        services.log_vendor_contact(
            request.user,
            ticket,
            request.POST.get("body", ""),
            vendor=vendor,
            direction=request.POST.get("direction", "out"),
        )
    except InputErrors as exc:
        messages.error(request, exc.first_message)
    except permissions.PermissionDenied:
        messages.error(request, _("You may not change this ticket."))
    return _back(ticket)


@login_required
@require_GET
def attachment(request, pk: int):
    found = Attachment.objects.select_related("ticket", "message").filter(pk=pk).first()
    if found is None:
        raise Http404
    ticket = _ticket(request.user, found.ticket_id)
    if not found.is_public and sees_public_side_only(request.user, ticket):
        raise Http404
    return attachment_response(found)


def attachment_response(found: Attachment) -> FileResponse:
    """Always a download, never rendered in our origin (an uploaded page or SVG could run
    scripts with the viewer's session)."""
    content_type = found.content_type or "application/octet-stream"
    if content_type in UNSAFE_TYPES or not content_type.isascii():
        content_type = "application/octet-stream"
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=found.name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def canned_text(request, ticket_pk: int):
    """The reply box again, with the chosen canned response (placeholders filled for this
    ticket) after what the agent had written."""
    ticket = _ticket(request.user, ticket_pk)
    written = request.GET.get("body", "")
    raw = request.GET.get("canned", "")
    pk = int(raw) if raw.isdigit() else 0
    text = ""
    if pk:
        response = access.canned_or_404(request.user, pk)
        context = canned.context_for(
            agent=request.user, contact=ticket.contact, company=ticket.company, ticket=ticket
        )
        text = knowledge.render_canned(response, context)
    body = f"{written.rstrip()}\n\n{text}".strip() if written.strip() else text
    return render(request, "service/_reply_body.html", {"body": body})
