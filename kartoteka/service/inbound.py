"""Mail into the service desk: the worker reads each support mailbox over IMAP, and every
mail becomes a new ticket, a message on the ticket it answers, or nothing (auto-replies,
bounces, our own mail coming back), recorded once in `ProcessedMail`.

Which ticket a mail answers: first by its In-Reply-To/References among the Message-IDs we
stored (ours and theirs), then by a "[#N]" token in the subject — only when the sender
already takes part in that ticket, since anyone can type a token. An unknown sender becomes
a contact (owned by nobody), so the portal and the card index know them from then on.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.contacts.models import Contact
from kartoteka.platform import services as platform_services
from kartoteka.platform.models import ContactPoint
from kartoteka.platform.registry import registry

from . import mail, services
from .models import Mailbox, Message, ProcessedMail, Ticket
from .settings_mailboxes import config_of

log = logging.getLogger(__name__)

FETCH_LIMIT = 100


@dataclass(frozen=True)
class Outcome:
    kind: str  # ticket / reply / automatic / duplicate / rejected
    ticket_id: int | None = None
    detail: str = ""


def _own(mailboxes) -> tuple[list[str], list[str]]:
    addresses = sorted({m.address.lower() for m in mailboxes})
    domains = sorted({a.rpartition("@")[2] for a in addresses if "@" in a})
    return addresses, domains


def contact_for(address: str, name: str) -> Contact:
    """The contact with this email address, or a new one (owned by nobody) named from the
    mail's display name."""
    ids = ContactPoint.objects.filter(
        entity="contact", kind=ContactPoint.EMAIL, value=address
    ).values_list("object_id", flat=True)[:20]
    for contact in Contact.objects.filter(pk__in=list(ids)).order_by("pk"):
        if address in [str(value).lower() for value in contact.emails or []]:
            return contact
    words = (name or "").replace('"', "").split()
    if not words:
        words = [address.partition("@")[0] or address]
    data = {
        "first_name": " ".join(words[:-1])[:100],
        "last_name": words[-1][:100],
        "emails": [address],
        "source": "",
        "owner": None,
    }
    return platform_services.create_record(
        registry.get("contact"), None, data, check_permission=False, claim=False
    )


def _answered_ticket(incoming: mail.IncomingMail) -> Ticket | None:
    ids = mail.thread_ids(incoming)
    if ids:
        known = (
            Message.objects.filter(message_id__in=ids[:100])
            .select_related("ticket")
            .order_by("-at")
            .first()
        )
        if known is not None:
            return _follow_merge(known.ticket)
    number = mail.ticket_reference(incoming.subject)
    if number:
        ticket = Ticket.objects.filter(pk=number).first()
        if ticket is not None and _takes_part(ticket, incoming.from_address):
            return _follow_merge(ticket)
    return None


def _follow_merge(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _takes_part(ticket: Ticket, address: str) -> bool:
    if ticket.requester_email.lower() == address:
        return True
    if ticket.contact_id and address in [str(e).lower() for e in ticket.contact.emails or []]:
        return True
    return Message.objects.filter(ticket=ticket, author_email__iexact=address).exists()


def _body(incoming: mail.IncomingMail) -> str:
    text = (incoming.new_text or incoming.text or "").strip()
    if len(text) > services.BODY_MAX:
        text = text[: services.BODY_MAX - 100].rstrip() + "\n\n[…]"
    skipped = [
        _("Not kept: %(name)s (%(reason)s)") % {"name": s.filename, "reason": s.reason}
        for s in incoming.skipped_attachments
    ]
    if skipped:
        text = "\n\n".join([text, *skipped]) if text else "\n".join(skipped)
    return text or _("(The mail had no text.)")


def _uploads(incoming: mail.IncomingMail) -> list[services.Upload]:
    files = [
        services.Upload(a.filename or "attachment", a.content_type, a.content)
        for a in incoming.attachments
        if a.size <= services.max_attachment_size()
    ]
    return files[: services.ATTACHMENTS_MAX]


def ingest(mailbox: Mailbox, raw: bytes) -> Outcome:
    """Turn one raw mail into what it is; idempotent per (mailbox, Message-ID)."""
    own_addresses, own_domains = _own(Mailbox.objects.all())
    try:
        incoming = mail.parse_message(
            raw,
            own_addresses=own_addresses,
            own_domains=own_domains,
            max_attachment_bytes=services.max_attachment_size(),
        )
    except mail.MailParseError as exc:
        outcome = Outcome("rejected", detail=str(exc)[:255])
        record_failure(mailbox, raw, outcome.detail)
        return outcome
    done = ProcessedMail.objects.filter(mailbox=mailbox, message_id=incoming.message_id).first()
    if done is not None:
        return Outcome("duplicate", done.ticket_id, done.outcome)
    outcome = _decide(mailbox, incoming)
    try:
        ProcessedMail.objects.create(
            mailbox=mailbox,
            message_id=incoming.message_id,
            ticket_id=outcome.ticket_id,
            outcome=outcome.kind,
            detail=outcome.detail[:255],
        )
    except IntegrityError:  # another worker took the same mail at the same moment
        pass
    return outcome


def record_failure(mailbox: Mailbox, raw: bytes, detail: str) -> None:
    """A mail that could not be turned into anything, kept on record (by a hash of its bytes
    when its own Message-ID could not be read) for the administrator."""
    digest = hashlib.sha256(raw).hexdigest()[:40]
    ProcessedMail.objects.get_or_create(
        mailbox=mailbox,
        message_id=f"<{digest}@unreadable.kartoteka.invalid>",
        defaults={"outcome": "rejected", "detail": detail[:255]},
    )


def _decide(mailbox: Mailbox, incoming: mail.IncomingMail) -> Outcome:
    automatic = incoming.automatic
    if automatic and not mail.is_weak_reason(automatic):
        return Outcome("automatic", detail=automatic)
    if not incoming.from_address or "@" not in incoming.from_address:
        return Outcome("rejected", detail="no sender")
    if Message.objects.filter(message_id=incoming.message_id).exists():
        return Outcome("duplicate", detail="message already on a ticket")
    ticket = _answered_ticket(incoming)
    if ticket is None and automatic:
        # Only the subject looked automatic ("Out of office"): it may join a conversation
        # but never opens one.
        return Outcome("automatic", detail=automatic)
    with transaction.atomic():
        contact = contact_for(incoming.from_address, incoming.from_name)
        common = {
            "message_id": incoming.message_id,
            "author_email": incoming.from_address,
        }
        if ticket is not None:
            services.customer_message(
                ticket,
                _body(incoming),
                contact=contact,
                via=Ticket.Channel.EMAIL,
                uploads=_uploads(incoming),
                in_reply_to=incoming.in_reply_to or "",
                references=" ".join(incoming.references)[:5000],
                **common,
            )
            return Outcome("reply", ticket.pk)
        data = {
            "subject": (incoming.subject or "").strip()[:255] or _("(no subject)"),
            "description": _body(incoming),
            "contact": contact.pk,
            "owner": None,
        }
        if mailbox.team_id:
            data["team"] = mailbox.team_id
        if mailbox.category_id:
            data["category"] = mailbox.category_id
        opened = services.open_ticket(
            None,
            data,
            channel=Ticket.Channel.EMAIL,
            uploads=_uploads(incoming),
            check_permission=False,
            **common,
        )
        Ticket.objects.filter(pk=opened.pk).update(requester_email=incoming.reply_address)
        if mailbox.acknowledge:

            def acknowledge(ticket_pk=opened.pk, message_id=incoming.message_id):
                from .tasks import send_acknowledgement

                send_acknowledgement(ticket_pk, mailbox.pk, message_id)

            transaction.on_commit(acknowledge)
        return Outcome("ticket", opened.pk)


def poll(mailbox: Mailbox, limit: int = FETCH_LIMIT) -> dict[str, int]:
    """Read one mailbox: what became of its new mail, by outcome. Mail that failed is marked
    processed too (recorded as rejected), so one bad mail never blocks the ones behind it."""
    counts: dict[str, int] = {}
    try:
        with mail.MailboxSession(config_of(mail, mailbox)) as session:
            fetched = session.fetch_new(limit)
            done = []
            for uid, raw in fetched:
                try:
                    outcome = ingest(mailbox, raw)
                except Exception:  # noqa: BLE001  logged; the mail is set aside, not retried forever
                    log.exception("mail %s of mailbox %s could not be processed", uid, mailbox.pk)
                    outcome = Outcome("rejected", detail="processing failed")
                    record_failure(mailbox, raw, outcome.detail)
                counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
                done.append(uid)
            if done:
                session.mark_processed(done)
    except mail.MailboxError as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_checked_at=timezone.now(), last_error=str(exc)[:500]
        )
        log.warning("mailbox %s: %s", mailbox.pk, exc)
        return counts
    rejected = counts.get("rejected", 0)
    problem = (
        _("%(count)d mail(s) could not be read; they stay in the mailbox, marked as read.")
        % {"count": rejected}
        if rejected
        else ""
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(last_checked_at=timezone.now(), last_error=problem)
    return counts


def poll_all() -> dict[str, int]:
    totals: dict[str, int] = {}
    for mailbox in Mailbox.objects.filter(active=True):
        for kind, count in poll(mailbox).items():
            totals[kind] = totals.get(kind, 0) + count
    return totals
