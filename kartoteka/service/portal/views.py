"""The portal's pages: signing in by an emailed link, the customer's tickets (list, new,
conversation, reply, rating), downloads of their files and the feedback form. The knowledge
base pages are in `kb`.

Every ticket, file and write starts from `access.visible_tickets`; anything else is the
portal's "not found" page."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.accounts.throttle import client_ip
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import decode_cursor, encode_cursor

from .. import services as ticket_services
from ..models import Attachment, Message, Ticket
from . import access
from . import services as portal_services
from .access import customer_required, portal_contact, portal_page
from .forms import FeedbackForm, RatingForm, ReplyForm, SignInForm, TicketForm, read_uploads

NOTICE_KEY = "portal_notice"
PAGE_SIZE = 25

# What a status means to the customer: the team's distinctions (a third party is involved,
# a ticket was reopened) are the team's business.
STATUS_LOOK = {
    Ticket.Status.NEW: (gettext_lazy("Received"), "text-bg-secondary"),
    Ticket.Status.OPEN: (gettext_lazy("In progress"), "text-bg-primary"),
    Ticket.Status.REOPENED: (gettext_lazy("In progress"), "text-bg-primary"),
    Ticket.Status.WAITING_THIRD_PARTY: (gettext_lazy("In progress"), "text-bg-primary"),
    Ticket.Status.WAITING_CUSTOMER: (gettext_lazy("Waiting for your reply"), "text-bg-warning"),
    Ticket.Status.RESOLVED: (gettext_lazy("Resolved"), "text-bg-success"),
    Ticket.Status.CLOSED: (gettext_lazy("Closed"), "text-bg-light border"),
}

# Types a browser may show itself; anything else (HTML, SVG, XML, scripts) is a plain
# download, so an uploaded page can never run in our origin.
SAFE_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "audio/mpeg",
        "video/mp4",
    }
)


def brand() -> str:
    return portal_services.brand_name() or _("Support")


def status_look(status: str) -> dict:
    label, css = STATUS_LOOK.get(status, (status, "text-bg-secondary"))
    return {"label": label, "css": css}


def notify(request, text: str) -> None:
    """A one-line notice on the next portal page (the portal keeps its own, apart from the
    staff pages' messages)."""
    request.session[NOTICE_KEY] = str(text)


def page(request, template: str, context: dict | None = None, *, status: int = 200):
    full = {
        "customer": portal_contact(request),
        "brand": brand(),
        "notice": request.session.pop(NOTICE_KEY, None),
        **(context or {}),
    }
    response = render(request, template, full, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def not_found(request):
    return page(request, "service/portal/not_found.html", {"nav_here": "-"}, status=404)


# -- signing in ---------------------------------------------------------------------------------


@portal_page
@require_GET
def home(request):
    if portal_contact(request) is not None:
        return redirect("portal:tickets")
    return signin(request)


@portal_page
@never_cache
@require_http_methods(["GET", "POST"])
def signin(request):
    if request.method == "GET" and portal_contact(request) is not None:
        return redirect("portal:tickets")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_services.request_link(form.cleaned_data["email"], client_ip(request))
        except portal_services.Throttled as exc:
            form.add_error(
                None,
                ngettext(
                    "Too many sign-in links were asked for. Try again in %(minutes)d minute.",
                    "Too many sign-in links were asked for. Try again in %(minutes)d minutes.",
                    exc.minutes,
                )
                % {"minutes": exc.minutes},
            )
            return page(request, "service/portal/signin.html", {"form": form}, status=429)
        except InputErrors as exc:
            form.add_service_errors(exc)
        else:
            return redirect("portal:link_sent")
    status = 422 if form.errors else 200
    return page(request, "service/portal/signin.html", {"form": form}, status=status)


@portal_page
@require_GET
def link_sent(request):
    minutes = int(portal_services.LINK_LIFETIME.total_seconds() // 60)
    return page(request, "service/portal/link_sent.html", {"minutes": minutes})


@portal_page
@never_cache
@require_http_methods(["GET", "POST"])
def link(request, token: str):
    """GET shows a button and changes nothing (mail scanners open links); POST signs in."""
    counter = portal_services.token_counter(client_ip(request))
    if counter.exceeded:
        return _link_refused(request, status=429)
    if request.method == "GET":
        if portal_services.find_link(token) is None:
            return _link_refused(request)
        # (the site's "same-origin" referrer policy keeps the token from other sites; a
        # stricter one would send "Origin: null" with the form, which CSRF checks refuse)
        return page(request, "service/portal/link_confirm.html", {"token": token})
    contact = portal_services.redeem_link(token)
    if contact is None:
        counter.hit()
        return _link_refused(request)
    target = access.safe_next(request, request.session.pop(access.NEXT_KEY, None))
    access.sign_in(request, contact)
    notify(request, _("Welcome, %(name)s.") % {"name": contact.first_name or contact.full_name})
    return redirect(target or "portal:tickets")


def _link_refused(request, *, status: int = 410):
    """Expired, used or unknown: one page for all three, with a form for a new link."""
    return page(
        request,
        "service/portal/link_invalid.html",
        {"form": SignInForm(), "throttled": status == 429},
        status=status,
    )


@portal_page
@require_POST
def logout(request):
    access.sign_out(request)
    notify(request, _("You have signed out."))
    return redirect("portal:signin")


# -- tickets -------------------------------------------------------------------------------------


@customer_required
@require_GET
def tickets(request):
    customer = request.customer
    qs = access.visible_tickets(customer).select_related("contact").order_by("-created_at", "-id")
    cursor = request.GET.get("after")
    if cursor:
        try:
            created, pk = decode_cursor(cursor)
        except InputErrors:
            raise Http404 from None
        if not hasattr(created, "isoformat"):
            raise Http404
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for ticket in rows:
        ticket.look = status_look(ticket.status)
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].pk) if more else ""
    return page(
        request,
        "service/portal/tickets.html",
        {"tickets": rows, "next_cursor": next_cursor, "first_page": not cursor},
    )


@customer_required
@require_http_methods(["GET", "POST"])
def new_ticket(request):
    customer = request.customer
    form = TicketForm(request.POST if request.method == "POST" else None)
    attachment_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = {
            "subject": form.cleaned_data["subject"],
            "description": form.cleaned_data["description"],
            "type": form.cleaned_data["type"],
            "contact": customer.contact.pk,
        }
        try:
            uploads = read_uploads(request.FILES.getlist("attachments"))
            ticket = ticket_services.open_ticket(
                None, data, channel=Ticket.Channel.PORTAL, uploads=uploads, check_permission=False
            )
        except InputErrors as exc:
            attachment_errors = form.add_service_errors(exc)
        else:
            notify(
                request,
                _("Thank you. We received your request %(number)s and will answer soon.")
                % {"number": ticket.number},
            )
            return redirect("portal:ticket", pk=ticket.pk)
    elif request.method == "POST":
        # the files were chosen but the form is incomplete: say so, they must be chosen again
        if request.FILES:
            attachment_errors.append(_("Choose the files again, please."))
    status = 422 if request.method == "POST" else 200
    return page(
        request,
        "service/portal/ticket_new.html",
        {"form": form, "attachment_errors": attachment_errors, **_upload_limits()},
        status=status,
    )


def _upload_limits() -> dict:
    return {
        "max_files": ticket_services.ATTACHMENTS_MAX,
        "max_megabytes": ticket_services.max_attachment_size() // (1024 * 1024),
    }


@customer_required
@require_GET
def ticket(request, pk: int):
    customer = request.customer
    found = access.ticket_or_404(customer, pk)
    target = access.merged_target(customer, found)
    if target is not None:
        return redirect("portal:ticket", pk=target.pk)
    return _ticket_page(request, found)


def _ticket_page(request, found: Ticket, *, reply_form=None, rating_form=None, **extra):
    customer = request.customer
    public_files = Attachment.objects.order_by("at", "id")
    messages = list(
        access.public_messages(found).prefetch_related(
            Prefetch("attachments", queryset=public_files)
        )
    )
    for message in messages:
        message.who = _author(customer, message)
        message.mine = message.kind == Message.Kind.CUSTOMER
    loose_files = list(public_files.filter(ticket=found, message__isnull=True))
    done = found.status in Ticket.DONE_STATUSES
    may_rate = done and found.merged_into_id is None and found.contact_id == customer.pk
    if may_rate and rating_form is None:
        initial = (
            {"score": found.csat_score, "comment": found.csat_comment} if found.csat_score else {}
        )
        rating_form = RatingForm(initial=initial)
    context = {
        "ticket": found,
        "look": status_look(found.status),
        "conversation": messages,
        "loose_files": loose_files,
        "reply_form": reply_form or ReplyForm(),
        "may_reply": found.merged_into_id is None,
        "may_rate": may_rate,
        "rating_form": rating_form,
        "done": done,
        "stars": range(1, 6),
        **_upload_limits(),
        **extra,
    }
    status = 422 if extra.get("invalid") else 200
    return page(request, "service/portal/ticket.html", context, status=status)


def _author(customer, message: Message) -> str:
    """Who wrote it, as the customer may know: themselves, a colleague of their company, or
    the agent by first name only."""
    if message.kind == Message.Kind.REPLY:
        user = message.author_user
        return (user.first_name if user and user.first_name else "") or _("Support team")
    if message.author_contact_id == customer.pk:
        return _("You")
    if message.author_contact is not None:
        return message.author_contact.full_name
    return _("Customer")


@customer_required
@require_POST
def reply(request, pk: int):
    customer = request.customer
    found = access.ticket_or_404(customer, pk)
    if found.merged_into_id is not None:
        raise Http404
    form = ReplyForm(request.POST)
    attachment_errors: list[str] = []
    if form.is_valid():
        try:
            uploads = read_uploads(request.FILES.getlist("attachments"))
            ticket_services.customer_message(
                found,
                form.cleaned_data["body"],
                contact=customer.contact,
                via=Ticket.Channel.PORTAL,
                uploads=uploads,
            )
        except InputErrors as exc:
            attachment_errors = form.add_service_errors(exc)
        else:
            notify(request, _("Your reply was added."))
            return redirect(reverse("portal:ticket", kwargs={"pk": found.pk}) + "#reply")
    return _ticket_page(
        request, found, reply_form=form, attachment_errors=attachment_errors, invalid=True
    )


@customer_required
@require_POST
def rate(request, pk: int):
    customer = request.customer
    found = access.ticket_or_404(customer, pk)
    if found.contact_id != customer.pk or found.merged_into_id is not None:
        raise Http404
    form = RatingForm(request.POST)
    page_error = ""
    if form.is_valid():
        try:
            ticket_services.rate(
                found, customer.contact, form.cleaned_data["score"], form.cleaned_data["comment"]
            )
        except InputErrors as exc:
            form.add_service_errors(exc)
        else:
            notify(request, _("Thank you for your rating."))
            return redirect(reverse("portal:ticket", kwargs={"pk": found.pk}) + "#rating")
    if found.status not in Ticket.DONE_STATUSES:  # no rating form on the page to show it in
        page_error = _("You can rate a request once it is resolved.")
    return _ticket_page(request, found, rating_form=form, invalid=True, page_error=page_error)


@customer_required
@require_GET
def attachment(request, pk: int):
    found = access.attachment_or_404(request.customer, pk)
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = (found.content_type or "").lower()
    if content_type not in SAFE_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=found.name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# -- feedback ------------------------------------------------------------------------------------


@customer_required
@require_http_methods(["GET", "POST"])
def feedback(request):
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_services.leave_feedback(
                request.customer.contact, form.cleaned_data["kind"], form.cleaned_data["text"]
            )
        except InputErrors as exc:
            form.add_service_errors(exc)
        else:
            notify(request, _("Thank you! Your message reached our team."))
            return redirect("portal:feedback")
    status = 422 if form.errors else 200
    return page(
        request,
        "service/portal/feedback.html",
        {"form": form, "max_length": portal_services.FEEDBACK_MAX},
        status=status,
    )
