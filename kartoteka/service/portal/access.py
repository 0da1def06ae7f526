"""Who is signed in to the portal, and the one place that decides what they may see.

The portal keeps its own key in the session (`SESSION_KEY`, a contact id), apart from the
staff sign-in: `request.user` is never read here, and a portal session is no staff session
(the staff pages and the API see an anonymous visitor). Every request loads the contact's
`PortalAccess` row again, so blocking a contact or deleting them signs them out at once.

`visible_tickets(customer)` is the only narrowing of tickets; every page, download and write
of the portal starts from it, and whatever it leaves out is "not found" (404, never 403), so
ids cannot be probed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from kartoteka.contacts.models import Contact
from kartoteka.platform.listing import MAX_ID

from ..models import Attachment, Message, PortalAccess, Ticket

SESSION_KEY = "portal_contact"
NEXT_KEY = "portal_next"
PUBLIC_KINDS = (Message.Kind.CUSTOMER, Message.Kind.REPLY)


@dataclass(frozen=True)
class Customer:
    """The signed-in contact and their portal settings."""

    contact: Contact
    access: PortalAccess

    @property
    def pk(self) -> int:
        return self.contact.pk

    @property
    def sees_company(self) -> bool:
        return bool(self.access.company_tickets and self.contact.company_id)


def portal_contact(request) -> Customer | None:
    """The contact signed in to the portal on this request, or None. Cached on the request."""
    if hasattr(request, "_portal_customer"):
        return request._portal_customer
    customer = None
    contact_id = request.session.get(SESSION_KEY)
    if isinstance(contact_id, int) and 0 < contact_id <= MAX_ID:
        access = (
            PortalAccess.objects.select_related("contact", "contact__company")
            .filter(contact_id=contact_id, blocked=False)
            .first()
        )
        if access is not None:
            customer = Customer(contact=access.contact, access=access)
    request._portal_customer = customer
    return customer


def sign_in(request, contact: Contact) -> None:
    """A new session key and CSRF token for the signed-in contact (no fixation); the staff
    sign-in, if the browser has one, is left as it was."""
    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY] = contact.pk
    request.__dict__.pop("_portal_customer", None)


def sign_out(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(NEXT_KEY, None)
    request.session.cycle_key()
    request._portal_customer = None


def remember_next(request) -> None:
    """Where a signed-out customer was going, so the sign-in link brings them back there."""
    target = request.get_full_path()
    if safe_next(request, target):
        request.session[NEXT_KEY] = target


def safe_next(request, target: str | None) -> str | None:
    portal_root = reverse("portal:home")
    if (
        target
        and target.startswith(portal_root)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return None


def use_portal_language(request) -> None:
    """The visitor's own choice (the language cookie, then the browser's languages): a staff
    user's profile language, set by the accounts middleware, has no say here."""
    language = translation.get_language_from_request(request)
    translation.activate(language)
    request.LANGUAGE_CODE = language


def portal_page(view):
    """Any portal page: the portal's language, and "not found" shown in the portal's look."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        use_portal_language(request)
        try:
            return view(request, *args, **kwargs)
        except Http404:
            from .views import not_found

            return not_found(request)

    return wrapper


def customer_required(view):
    """A page for a signed-in customer; others are sent to the sign-in page (and come back
    here once they have signed in)."""

    @portal_page
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        customer = portal_contact(request)
        if customer is None:
            if request.headers.get("HX-Request"):
                # a fragment asked for after the session ended: the whole page goes to sign in
                return HttpResponse(status=204, headers={"HX-Redirect": reverse("portal:signin")})
            if request.method == "GET":
                remember_next(request)
            return redirect("portal:signin")
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapper


# -- what a customer may see ------------------------------------------------------------------


def visible_tickets(customer: Customer) -> QuerySet[Ticket]:
    """The tickets the customer asked for, and their company's when their portal access
    allows it. Every ticket the portal shows, serves a file of or writes to passes here.

    A company's tickets are those its own people asked for: an internal request a colleague
    of ours filed about the company, or a ticket of someone outside it, stays out."""
    allowed = Q(contact_id=customer.contact.pk)
    if customer.sees_company:
        company = customer.contact.company_id
        allowed |= Q(company_id=company, contact__company_id=company)
    return Ticket.objects.filter(allowed)


def _valid_id(pk) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def ticket_or_404(customer: Customer, pk) -> Ticket:
    if not _valid_id(pk):
        raise Http404
    ticket = visible_tickets(customer).select_related("contact").filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def merged_target(customer: Customer, ticket: Ticket) -> Ticket | None:
    """The ticket a merged one now lives in, when the customer may see that one too."""
    if ticket.merged_into_id is None:
        return None
    return visible_tickets(customer).filter(pk=ticket.merged_into_id).first()


def public_messages(ticket: Ticket) -> QuerySet[Message]:
    """The conversation as the customer sees it: what customers wrote and the agents'
    public replies. Internal notes and contacts with third parties never."""
    return (
        Message.objects.filter(ticket=ticket, kind__in=PUBLIC_KINDS)
        .select_related("author_user", "author_contact")
        .order_by("at", "id")
    )


def attachment_or_404(customer: Customer, pk) -> Attachment:
    """A file the customer may download: on a ticket they see, and not on an internal note
    or a third party's message."""
    if not _valid_id(pk):
        raise Http404
    found = (
        Attachment.objects.filter(pk=pk, ticket__in=visible_tickets(customer).values("pk"))
        .filter(Q(message__isnull=True) | Q(message__kind__in=PUBLIC_KINDS))
        .first()
    )
    if found is None:
        raise Http404
    return found
