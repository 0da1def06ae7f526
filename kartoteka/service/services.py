"""Writes of the service desk: opening tickets from any channel, the conversation (public
replies, internal notes, the customer's messages, contacts with third parties), attachments,
merging duplicates and links. Each function owns its transaction, timeline entries and
events; views, the API, the mail reader and the portal stay thin.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.platform import events, permissions
from kartoteka.platform.registry import registry
from kartoteka.platform.services import InputErrors, create_record, record_activity, update_record
from kartoteka.timeline.models import Activity

from . import sla
from .models import Attachment, Message, Ticket, TicketLink

BODY_MAX = 50000
ATTACHMENTS_MAX = 10


def max_attachment_size() -> int:
    return getattr(settings, "SERVICE_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)


@dataclass(frozen=True)
class Upload:
    """A file someone sent: from a form, the API (base64) or a mail."""

    name: str
    content_type: str
    data: bytes


def entity():
    return registry.get("ticket")


# -- input checks ---------------------------------------------------------------------------


def check_body(body, field: str = "body") -> str:
    if not isinstance(body, str) or not body.strip():
        raise InputErrors({field: [_("Write something.")]})
    if len(body) > BODY_MAX:
        raise InputErrors(
            {
                field: [
                    _("Enter at most %(max)d characters (it has %(len)d).")
                    % {"max": BODY_MAX, "len": len(body)}
                ]
            }
        )
    return body.strip()


def safe_filename(name: str) -> str:
    """A file name that is safe to show and to offer for download: no path, no control
    characters, at most 150 characters, never empty."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:150]
    return name or "attachment"


def check_uploads(uploads) -> list[Upload]:
    uploads = list(uploads or ())
    if len(uploads) > ATTACHMENTS_MAX:
        raise InputErrors(
            {"attachments": [_("Attach at most %(max)d files.") % {"max": ATTACHMENTS_MAX}]}
        )
    limit = max_attachment_size()
    for upload in uploads:
        if len(upload.data) > limit:
            raise InputErrors(
                {
                    "attachments": [
                        _("%(name)s is larger than %(max)d MB.")
                        % {"name": safe_filename(upload.name), "max": limit // (1024 * 1024)}
                    ]
                }
            )
    return uploads


def _store(ticket: Ticket, message: Message | None, uploads: list[Upload]) -> list[Attachment]:
    stored = []
    for upload in uploads:
        name = safe_filename(upload.name)
        content_type = (upload.content_type or "").split(";")[0].strip().lower()[:100]
        if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", content_type or ""):
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        digest = hashlib.sha256(upload.data).hexdigest()
        attachment = Attachment(
            ticket=ticket,
            message=message,
            name=name,
            content_type=content_type,
            size=len(upload.data),
            sha256=digest,
        )
        attachment.file.save(digest, ContentFile(upload.data), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# -- tickets --------------------------------------------------------------------------------


def open_ticket(
    user,
    data: dict,
    *,
    channel: str = Ticket.Channel.AGENT,
    uploads=(),
    check_permission: bool = True,
    message_id: str = "",
    author_email: str = "",
    at=None,
) -> Ticket:
    """A new ticket; its description is also the first message of the conversation (so mail
    threading and the portal see where it began). `user` is None for the portal and mail."""
    uploads = check_uploads(uploads)
    at = at or timezone.now()
    data = dict(data)
    if user is None and not str(data.get("subject") or "").strip():
        # the one field a ticket cannot do without, whoever sends it
        raise InputErrors({"subject": [_("This field is required.")]})
    if user is None:
        data.setdefault("owner", None)
    data["channel"] = channel
    with transaction.atomic():
        ticket = create_record(
            entity(),
            user,
            data,
            check_permission=check_permission,
            claim=False,
            attributes={"created_at": at, "updated_at": at},
            # mail and the portal cannot fill fields an administrator made required
            require_all=user is not None,
        )
        message = ticket.messages.get()
        if message_id or author_email:
            message.message_id = message_id
            message.author_email = author_email or message.author_email
            message.save(update_fields=["message_id", "author_email"])
        _store(ticket, message, uploads)
        events.emit("ticket.opened", id=ticket.pk, channel=channel)
    return ticket


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)


def _timeline(ticket: Ticket, kind: str, user, message: Message) -> None:
    """A line on the ticket's timeline (the conversation panel shows the whole text), and
    for what the customer sees, the whole message on the customer's card too."""
    # Internal text stays in the conversation panel, which only support sees in full; the
    # timeline (shown to the colleague who asked, too) says only that a note was added.
    first_line = (
        message.body.strip().splitlines()[0][:200]
        if message.body.strip() and message.is_public
        else ""
    )
    payload = {"message": message.pk, "message_kind": message.kind, "ticket": ticket.pk}
    record_activity(
        "ticket", ticket.pk, kind, user, summary=first_line, payload=payload, at=message.at
    )
    if message.is_public and ticket.contact_id:
        record_activity(
            "contact",
            ticket.contact_id,
            kind,
            user,
            summary=f"#{ticket.pk} {ticket.subject}",
            body=message.body,
            payload=payload,
            at=message.at,
        )


def set_status(user, ticket: Ticket, status: str, *, check_permission: bool = True) -> Ticket:
    if status == ticket.status:
        return ticket
    return update_record(
        entity(), user, ticket, {"status": status}, check_permission=check_permission
    )


def reply(
    user,
    ticket: Ticket,
    body: str,
    *,
    uploads=(),
    status: str | None = None,
    send_mail: bool = True,
    at=None,
) -> Message:
    """A public answer to the customer: on the ticket, by email to the requester, and in
    the portal. Meets the first/next response target."""
    permissions.require(user, "ticket", "change", ticket)
    body = check_body(body)
    uploads = check_uploads(uploads)
    if status is not None and status not in Ticket.Status.values:
        raise InputErrors({"status": [_("Choose a status from the list.")]})
    with transaction.atomic():
        ticket = _lock(ticket)
        now = at or timezone.now()
        message = Message.objects.create(
            ticket=ticket, kind=Message.Kind.REPLY, author_user=user, body=body, at=now
        )
        _store(ticket, message, uploads)
        _timeline(
            ticket,
            Activity.Kind.EMAIL if ticket.requester_email else Activity.Kind.NOTE,
            user,
            message,
        )
        sla.on_public_reply(ticket, now)
        target = status or (
            Ticket.Status.OPEN
            if ticket.status in (Ticket.Status.NEW, Ticket.Status.REOPENED)
            else None
        )
        if ticket.owner_id is None and target is not None and target not in Ticket.DONE_STATUSES:
            update_record(entity(), user, ticket, {"owner": user.pk}, check_permission=False)
            ticket.refresh_from_db()
        if target:
            set_status(user, ticket, target, check_permission=False)
        if send_mail and (ticket.requester_email or ticket.contact_id):
            from . import outgoing

            outgoing.queue_reply(message)
        events.emit("ticket.replied", id=ticket.pk, message=message.pk)
    return message


def note(user, ticket: Ticket, body: str, *, uploads=()) -> Message:
    """An internal note: colleagues see it, the customer never does."""
    permissions.require(user, "ticket", "view", ticket)
    if not permissions.may_log_activity(user, "ticket"):
        raise permissions.PermissionDenied("change")
    body = check_body(body)
    uploads = check_uploads(uploads)
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket, kind=Message.Kind.NOTE, author_user=user, body=body
        )
        _store(ticket, message, uploads)
        _timeline(ticket, Activity.Kind.NOTE, user, message)
    return message


def customer_message(
    ticket: Ticket,
    body: str,
    *,
    contact=None,
    author_user=None,
    author_email: str = "",
    via: str = Ticket.Channel.PORTAL,
    uploads=(),
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    at=None,
) -> Message:
    """What the customer wrote (in the portal, by email, or told an agent on the phone). A
    resolved ticket reopens; one waiting for the customer is open again."""
    body = check_body(body)
    uploads = check_uploads(uploads)
    with transaction.atomic():
        ticket = _lock(ticket)
        now = at or timezone.now()
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.CUSTOMER,
            author_contact=contact,
            author_user=author_user,
            author_email=author_email,
            body=body,
            via=via,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            at=now,
        )
        _store(ticket, message, uploads)
        _timeline(
            ticket, Activity.Kind.EMAIL if via == "email" else Activity.Kind.NOTE, None, message
        )
        if ticket.status in Ticket.DONE_STATUSES and ticket.merged_into_id is None:
            set_status(None, ticket, Ticket.Status.REOPENED, check_permission=False)
        elif ticket.status in (Ticket.Status.WAITING_CUSTOMER,):
            set_status(None, ticket, Ticket.Status.OPEN, check_permission=False)
        ticket.refresh_from_db()
        sla.on_customer_message(ticket, now)
        if ticket.owner_id:
            from kartoteka.planner.notifications import notify

            notify(
                ticket.owner,
                "ticket_message",
                _("Ticket #%(number)s: the customer wrote") % {"number": ticket.pk},
                body[:500],
                f"/service/tickets/{ticket.pk}/",
                email=False,
            )
        events.emit("ticket.customer_message", id=ticket.pk, message=message.pk)
    return message


def log_vendor_contact(
    user, ticket: Ticket, body: str, *, vendor=None, direction: str = "out", at=None
) -> Message:
    """A contact with a third party the ticket needed (a call to the vendor, their answer):
    logged with its time; the time spent waiting on them is reported from the status
    periods."""
    permissions.require(user, "ticket", "change", ticket)
    body = check_body(body)
    if direction not in ("in", "out"):
        raise InputErrors({"direction": [_("Choose incoming or outgoing.")]})
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.VENDOR,
            author_user=user,
            body=body,
            vendor=vendor,
            vendor_direction=direction,
            at=at or timezone.now(),
        )
        _timeline(ticket, Activity.Kind.CALL, user, message)
    return message


def rate(ticket: Ticket, contact, score: int, comment: str = "") -> Ticket:
    """The customer's satisfaction with a resolved ticket (1–5); may be changed later."""
    if ticket.status not in Ticket.DONE_STATUSES:
        raise InputErrors({"score": [_("You can rate a request once it is resolved.")]})
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InputErrors({"score": [_("Choose from 1 to 5.")]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise InputErrors({"comment": [_("Enter at most %(max)d characters.") % {"max": 2000}]})
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(
            csat_score=score, csat_comment=comment, csat_at=timezone.now()
        )
        record_activity(
            "ticket",
            ticket.pk,
            Activity.Kind.NOTE,
            None,
            summary=_("Customer rated the resolution %(score)d of 5") % {"score": score},
            body=comment,
            payload={"csat": score},
        )
    ticket.refresh_from_db()
    return ticket


# -- merge and links ------------------------------------------------------------------------


def same_customer(a: Ticket, b: Ticket) -> bool:
    """The same requester: one contact, one colleague, or one email address."""
    if a.contact_id or b.contact_id:
        return a.contact_id == b.contact_id
    if a.requester_user_id or b.requester_user_id:
        return a.requester_user_id == b.requester_user_id
    return bool(a.requester_email) and a.requester_email.lower() == b.requester_email.lower()


def merge(user, keep: Ticket, duplicate: Ticket) -> Ticket:
    """Move the duplicate's conversation and attachments onto `keep`, close the duplicate
    and point it at `keep`. The duplicate's SLA record stays with it."""
    permissions.require(user, "ticket", "change", keep)
    permissions.require(user, "ticket", "change", duplicate)
    if keep.pk == duplicate.pk:
        raise InputErrors({"other": [_("A ticket cannot be merged into itself.")]})
    if duplicate.merged_into_id:
        raise InputErrors(
            {"other": [_("#%(number)s was already merged.") % {"number": duplicate.pk}]}
        )
    if keep.merged_into_id:
        raise InputErrors(
            {"other": [_("#%(number)s was merged into another ticket.") % {"number": keep.pk}]}
        )
    if not same_customer(keep, duplicate):
        # The kept ticket's customer sees its conversation in the portal and by mail.
        raise InputErrors(
            {
                "other": [
                    _(
                        "#%(a)s and #%(b)s are from different customers; merging would show "
                        "one of them the other's messages. Link them instead."
                    )
                    % {"a": keep.pk, "b": duplicate.pk}
                ]
            }
        )
    with transaction.atomic():
        Message.objects.filter(ticket=duplicate).update(ticket=keep)
        Attachment.objects.filter(ticket=duplicate).update(ticket=keep)
        Ticket.objects.filter(pk=duplicate.pk).update(merged_into=keep)
        duplicate.refresh_from_db()
        set_status(user, duplicate, Ticket.Status.CLOSED, check_permission=False)
        TicketLink.objects.get_or_create(
            ticket=duplicate, kind=TicketLink.Kind.DUPLICATE, other=keep, defaults={"by": user}
        )
        record_activity(
            "ticket",
            keep.pk,
            Activity.Kind.MERGED,
            user,
            summary=_("Ticket #%(number)s merged into this one") % {"number": duplicate.pk},
            payload={"merged": duplicate.pk},
        )
        record_activity(
            "ticket",
            duplicate.pk,
            Activity.Kind.MERGED,
            user,
            summary=_("Merged into #%(number)s") % {"number": keep.pk},
            payload={"into": keep.pk},
        )
        events.emit("ticket.merged", id=keep.pk, merged=duplicate.pk)
    keep.refresh_from_db()
    return keep


def link_ticket(user, ticket: Ticket, other: Ticket) -> TicketLink:
    permissions.require(user, "ticket", "change", ticket)
    permissions.require(user, "ticket", "view", other)
    if ticket.pk == other.pk:
        raise InputErrors({"other": [_("A ticket cannot be linked to itself.")]})
    with transaction.atomic():
        link, _created = TicketLink.objects.get_or_create(
            ticket=ticket, kind=TicketLink.Kind.RELATED, other=other, defaults={"by": user}
        )
        TicketLink.objects.get_or_create(
            ticket=other, kind=TicketLink.Kind.RELATED, other=ticket, defaults={"by": user}
        )
        record_activity(
            "ticket", ticket.pk, Activity.Kind.LINKED, user, summary=f"#{other.pk} {other.subject}"
        )
    return link


def link_deal(user, ticket: Ticket, deal) -> TicketLink:
    permissions.require(user, "ticket", "change", ticket)
    permissions.require(user, "deal", "view", deal)
    with transaction.atomic():
        link, _created = TicketLink.objects.get_or_create(
            ticket=ticket, kind=TicketLink.Kind.DEAL, deal=deal, defaults={"by": user}
        )
        record_activity("ticket", ticket.pk, Activity.Kind.LINKED, user, summary=deal.name)
        record_activity(
            "deal", deal.pk, Activity.Kind.LINKED, user, summary=f"#{ticket.pk} {ticket.subject}"
        )
    return link


def unlink(user, link: TicketLink) -> None:
    permissions.require(user, "ticket", "change", link.ticket)
    with transaction.atomic():
        if link.kind == TicketLink.Kind.RELATED and link.other_id:
            TicketLink.objects.filter(
                ticket_id=link.other_id, kind=TicketLink.Kind.RELATED, other_id=link.ticket_id
            ).delete()
        link.delete()
        record_activity("ticket", link.ticket_id, Activity.Kind.UNLINKED, user)
