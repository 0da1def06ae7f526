"""The portal's own writes: sign-in links (asked for, mailed, redeemed once) and the
customers' feedback. Tickets, messages and ratings go through `service.services`.

A link is `secrets.token_urlsafe(32)`; only its SHA-256 is stored, it lives 30 minutes and
works once. Asking for one is throttled per address and per client address, and the answer
never says whether the address belongs to anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from kartoteka.accounts.throttle import Counter
from kartoteka.contacts.models import Contact
from kartoteka.platform import events
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.models import ContactPoint
from kartoteka.platform.services import record_activity
from kartoteka.timeline.models import Activity

from ..models import Feedback, PortalAccess, PortalLink, Ticket

log = logging.getLogger(__name__)

LINK_LIFETIME = dt.timedelta(minutes=30)
THROTTLE_WINDOW = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
FEEDBACK_MAX = 5000


def link_limit_per_address() -> int:
    return getattr(settings, "PORTAL_LINK_LIMIT", 5)


def link_limit_per_client() -> int:
    return getattr(settings, "PORTAL_LINK_CLIENT_LIMIT", 20)


def token_failure_limit() -> int:
    return getattr(settings, "PORTAL_TOKEN_FAILURE_LIMIT", 20)


def brand_name() -> str:
    return getattr(settings, "PORTAL_COMPANY_NAME", "") or getattr(settings, "COMPANY_NAME", "")


# -- asking for a link ------------------------------------------------------------------------


def normalise_email(raw) -> str:
    """The address as contacts' emails are stored (validated, lower case); InputErrors if it
    is not an address at all."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 254:
        raise InputErrors({"email": [_("Enter a valid email address.")]})
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InputErrors({"email": [_("Enter a valid email address.")]}) from None


def contact_for_email(email: str) -> Contact | None:
    """The contact whose emails hold this address. Duplicates (one person, two cards) sign
    in as the card that has it as its first address, else the oldest; if any of them is
    blocked from the portal, nobody signs in with it."""
    ids = list(
        ContactPoint.objects.filter(
            entity="contact", kind=ContactPoint.EMAIL, value=email
        ).values_list("object_id", flat=True)[:20]
    )
    # The index also holds email-like custom field values; only the contact's own
    # addresses open the portal.
    candidates = [
        contact
        for contact in Contact.objects.filter(pk__in=ids).order_by("pk")
        if email in [str(value).lower() for value in contact.emails or []]
    ]
    if not candidates:
        return None
    if PortalAccess.objects.filter(contact__in=candidates, blocked=True).exists():
        return None
    candidates.sort(key=lambda contact: str(contact.emails[0]).lower() != email)
    return candidates[0]


def link_counters(email: str, client: str) -> tuple[Counter, Counter]:
    return (
        Counter("portal-link-address", email, link_limit_per_address(), THROTTLE_WINDOW),
        Counter("portal-link-client", client, link_limit_per_client(), THROTTLE_WINDOW),
    )


class Throttled(Exception):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return f"{settings.SITE_URL}/portal/login/{token}/"


def request_link(raw_email, client: str) -> None:
    """Mail a sign-in link if the address belongs to a contact who may use the portal.
    Returns the same way whether it does or not; raises InputErrors for something that is not
    an address and Throttled when this address or this client asked too often."""
    email = normalise_email(raw_email)
    counters = link_counters(email, client)
    blocking = [counter for counter in counters if counter.exceeded]
    if blocking:
        raise Throttled(max(counter.minutes_left() for counter in blocking))
    for counter in counters:
        counter.hit()
    contact = contact_for_email(email)
    if contact is None:
        return
    token = create_link(contact)
    try:
        from ..outgoing import send_notice

        subject = _("Your sign-in link")
        brand = brand_name() or _("Support")
        body = render_to_string(
            "service/portal/email/link.txt",
            {
                "contact": contact,
                "url": link_url(token),
                "minutes": int(LINK_LIFETIME.total_seconds() // 60),
                "brand": brand,
            },
        )
        send_notice(email, f"{brand}: {subject}", body)
    except Exception:  # the page says the same either way; the log tells the administrator
        log.exception("could not mail a portal sign-in link to contact %s", contact.pk)


def create_link(contact: Contact) -> str:
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # links that can no longer be used are of no interest to anyone
        PortalLink.objects.filter(
            contact=contact, expires_at__lt=now - dt.timedelta(days=1)
        ).delete()
        PortalLink.objects.create(
            contact=contact,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    return token


# -- using a link ------------------------------------------------------------------------------


def find_link(token) -> PortalLink | None:
    """The unused, unexpired link this token opens, for a contact who may use the portal."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    link = (
        PortalLink.objects.select_related("contact")
        .filter(token_hash=hash_token(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if (
        link is None
        or PortalAccess.objects.filter(contact_id=link.contact_id, blocked=True).exists()
    ):
        return None
    return link


def token_counter(client: str) -> Counter:
    return Counter("portal-token-client", client, token_failure_limit(), THROTTLE_WINDOW)


def redeem_link(token) -> Contact | None:
    """Use the link once: it and every other unused link of the contact stop working, and the
    contact's portal access records the sign-in (created on the first one)."""
    link = find_link(token)
    if link is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        # the conditional update decides between two clicks racing on the same link
        if not PortalLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
            return None
        PortalLink.objects.filter(contact_id=link.contact_id, used_at__isnull=True).update(
            used_at=now
        )
        try:
            with transaction.atomic():
                PortalAccess.objects.get_or_create(contact_id=link.contact_id)
        except IntegrityError:  # created by a sign-in at the same moment
            pass
        PortalAccess.objects.filter(contact_id=link.contact_id).update(last_login_at=now)
    return link.contact


# -- feedback ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackInput:
    kind: str
    text: str


def check_feedback(kind, text) -> FeedbackInput:
    errors: dict[str, list[str]] = {}
    if kind not in Feedback.Kind.values:
        errors["kind"] = [_("Choose from the list.")]
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        errors["text"] = [_("Write something.")]
    elif len(text) > FEEDBACK_MAX:
        errors["text"] = [
            _("Enter at most %(max)d characters (it has %(len)d).")
            % {"max": FEEDBACK_MAX, "len": len(text)}
        ]
    if errors:
        raise InputErrors(errors)
    return FeedbackInput(kind=kind, text=text)


def leave_feedback(contact: Contact, kind, text, *, ticket: Ticket | None = None) -> Feedback:
    """A customer's suggestion, comment or complaint about the service; it also appears on
    the contact's card for the team to read."""
    clean = check_feedback(kind, text)
    with transaction.atomic():
        feedback = Feedback.objects.create(
            contact=contact, kind=clean.kind, text=clean.text, ticket=ticket
        )
        with translation.override(settings.LANGUAGE_CODE):  # for the team, not the customer
            summary = _("Feedback from the portal: %(kind)s") % {
                "kind": feedback.get_kind_display()
            }
        record_activity(
            "contact",
            contact.pk,
            Activity.Kind.NOTE,
            None,
            summary=summary,
            body=clean.text,
            payload={"feedback": feedback.pk},
        )
        events.emit("service.feedback", id=feedback.pk, contact=contact.pk)
    return feedback
