"""Agents' public replies by email: one mail per reply, threaded into the customer's
conversation (In-Reply-To the last thing they sent, References the whole thread), with a
"[#N]" token in the subject and our loop header, sent by the worker through the support
mailbox's SMTP server (or the instance's mail settings when no mailbox is set up)."""

from __future__ import annotations

import logging
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Mailbox, Message, Ticket

log = logging.getLogger(__name__)

LOOP_HEADER = "X-Kartoteka-Loop"
REFERENCES_MAX = 20


def mailbox_for(ticket: Ticket) -> Mailbox | None:
    mailboxes = Mailbox.objects.filter(active=True)
    if ticket.team_id:
        for mailbox in mailboxes:
            if mailbox.team_id == ticket.team_id:
                return mailbox
    return mailboxes.first()


def from_address(mailbox: Mailbox | None) -> str:
    return mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def subject_for(ticket: Ticket) -> str:
    return f"Re: [#{ticket.pk}] {ticket.subject}"


def thread_ids(ticket: Ticket, before: Message) -> list[str]:
    ids = list(
        Message.objects.filter(ticket=ticket, at__lte=before.at)
        .exclude(pk=before.pk)
        .exclude(message_id="")
        .order_by("at", "id")
        .values_list("message_id", flat=True)
    )
    if len(ids) > REFERENCES_MAX:  # the first (the thread's root) and the latest
        ids = [ids[0], *ids[-(REFERENCES_MAX - 1) :]]
    return ids


def queue_reply(message: Message) -> None:
    """Give the reply its Message-ID now (so a customer answering quickly threads right) and
    send it after the transaction commits."""
    ticket = message.ticket
    to = ticket.requester_email or (
        ticket.contact.emails[0] if ticket.contact and ticket.contact.emails else ""
    )
    if not to:
        return
    mailbox = mailbox_for(ticket)
    message.message_id = make_msgid(domain=domain_of(from_address(mailbox)))
    message.mail_to = [to]
    message.mail_status = "queued"
    message.save(update_fields=["message_id", "mail_to", "mail_status"])

    def enqueue() -> None:
        from .tasks import send_reply

        send_reply(message.pk)

    transaction.on_commit(enqueue)


def _connection(mailbox: Mailbox | None):
    if mailbox is None:
        return get_connection()
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        username=mailbox.smtp_username or None,
        password=mailbox.smtp_password or None,
        use_tls=mailbox.smtp_security == Mailbox.Security.STARTTLS,
        use_ssl=mailbox.smtp_security == Mailbox.Security.SSL,
        timeout=30,
    )


def build(message: Message) -> EmailMessage:
    ticket = message.ticket
    mailbox = mailbox_for(ticket)
    sender = from_address(mailbox)
    ids = thread_ids(ticket, message)
    customer_ids = list(
        Message.objects.filter(ticket=ticket, kind=Message.Kind.CUSTOMER, at__lte=message.at)
        .exclude(message_id="")
        .order_by("-at", "-id")
        .values_list("message_id", flat=True)[:1]
    )
    in_reply_to = customer_ids[0] if customer_ids else (ids[-1] if ids else "")
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        footer = _(
            "Reply to this email to add to your request, or see it in the portal: %(url)s"
        ) % {"url": f"{settings.SITE_URL}/portal/tickets/{ticket.pk}/"}
    name = message.author_user.get_full_name() if message.author_user else ""
    headers = {
        "Message-ID": message.message_id,
        LOOP_HEADER: domain_of(sender),
        "X-Kartoteka-Ticket": str(ticket.pk),
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if ids:
        headers["References"] = " ".join(ids)
    mail = EmailMessage(
        subject=subject_for(ticket),
        body=f"{message.body}\n\n-- \n{footer}\n",
        from_email=formataddr((name or (mailbox.name if mailbox else ""), sender)),
        to=message.mail_to,
        headers=headers,
    )
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as fh:
            mail.attach(attachment.name, fh.read(), attachment.content_type)
    return mail


def send(message_pk: int) -> bool:
    message = Message.objects.select_related("ticket", "author_user").filter(pk=message_pk).first()
    if message is None or message.mail_status == "sent" or not message.mail_to:
        return False
    mailbox = mailbox_for(message.ticket)
    try:
        mail = build(message)
        mail.connection = _connection(mailbox)
        mail.send()
    except Exception as exc:  # recorded on the message for the agent to see, then retried
        log.exception("could not send reply %s", message_pk)
        Message.objects.filter(pk=message_pk).update(
            mail_status="failed", mail_error=str(exc)[:255]
        )
        raise  # the worker tries again later

    Message.objects.filter(pk=message_pk).update(mail_status="sent", mail_error="")
    return True


def send_notice(to: str, subject: str, body: str) -> None:
    """A one-off mail to a customer that is not part of a ticket's thread (a portal sign-in
    link): from the support address, marked automatic so their auto-responder stays quiet.
    Raises on a refused or unreachable server; the caller decides what the person sees."""
    mailbox = Mailbox.objects.filter(active=True).first()
    sender = from_address(mailbox)
    mail = EmailMessage(
        subject=subject,
        body=body,
        from_email=formataddr((mailbox.name if mailbox else "", sender)),
        to=[to],
        headers={"Auto-Submitted": "auto-generated", LOOP_HEADER: domain_of(sender)},
    )
    mail.connection = _connection(mailbox)
    mail.send()


def acknowledgement(ticket: Ticket, mailbox: Mailbox, in_reply_to: str) -> EmailMessage:
    """ "We have your request #N": threaded under the customer's mail and marked as an
    automatic reply, so their auto-responder does not answer it and it meets no deadline."""
    sender = mailbox.address
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Hello,\n\nwe have received your request and will answer as soon as we can. "
            "Its number is #%(number)s; reply to this email to add to it.\n\n"
            "You can also follow it in the customer portal: %(url)s\n"
        ) % {"number": ticket.pk, "url": f"{settings.SITE_URL}/portal/tickets/{ticket.pk}/"}
    headers = {
        "Message-ID": make_msgid(domain=domain_of(sender)),
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        LOOP_HEADER: domain_of(sender),
        "X-Kartoteka-Ticket": str(ticket.pk),
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    return EmailMessage(
        subject=subject_for(ticket),
        body=body,
        from_email=formataddr((mailbox.name, sender)),
        to=[ticket.requester_email],
        headers=headers,
    )


def send_acknowledgement(ticket_pk: int, mailbox_pk: int, in_reply_to: str) -> bool:
    ticket = Ticket.objects.filter(pk=ticket_pk).first()
    mailbox = Mailbox.objects.filter(pk=mailbox_pk).first()
    if ticket is None or mailbox is None or not ticket.requester_email:
        return False
    mail = acknowledgement(ticket, mailbox, in_reply_to)
    mail.connection = _connection(mailbox)
    mail.send()
    return True
