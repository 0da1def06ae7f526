"""API resources of the service desk, mounted at /api/v1/. Tickets are also ordinary records
(`/entities/ticket/records…`: list, filter, read, change, delete); these add what a
conversation needs.

    POST   /tickets                          open a ticket (channel "api"), attachments inline
    GET    /tickets/queues                   the caller's queue sizes
    GET    /tickets/{id}/messages            the conversation, oldest first (notes included)
    POST   /tickets/{id}/messages            {"kind": "reply"|"note"|"customer", "body", …}
    POST   /tickets/{id}/vendor-contacts     a contact with a third party
    GET    /tickets/{id}/sla                 the policy, every target met/breached, waiting time
    POST   /tickets/{id}/merge               {"into": id}: this ticket is the duplicate
    POST   /tickets/{id}/links               {"ticket": id} or {"deal": id}
    DELETE /tickets/{id}/links/{link_id}
    GET    /ticket-attachments/{id}          the file (always as a download)

Attachments are {"name", "content_type", "data" (base64)}; a request body is at most 5 MB.
Errors use the platform's one format: 422 invalid input, 403 not allowed, 404 unknown or
invisible.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Router, Status

from kartoteka.platform import permissions
from kartoteka.platform.api_records import ErrorOut, serialize, visible_or_404
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.registry import registry

from . import queues, services
from .integration import waiting_time
from .models import Attachment, Message, SlaTarget, Ticket, TicketLink
from .settings_api import router as settings_router
from .views import attachment_response

router = Router(tags=["service"])
router.add_router("", settings_router)


def _ticket(user, pk: int) -> Ticket:
    return visible_or_404(user, registry.get("ticket"), pk)


def _uploads(raw) -> list[services.Upload]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        raise InputErrors({"attachments": [_("Send a list of files.")]})
    uploads = []
    for item in raw[: services.ATTACHMENTS_MAX + 1]:
        if not isinstance(item, dict) or not isinstance(item.get("data"), str):
            raise InputErrors(
                {"attachments": [_("Each file needs a name and its data in base64.")]}
            )
        try:
            data = base64.b64decode(item["data"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InputErrors({"attachments": [_("A file's data is not valid base64.")]}) from exc
        uploads.append(
            services.Upload(
                str(item.get("name") or "attachment")[:300],
                str(item.get("content_type") or "")[:100],
                data,
            )
        )
    return uploads


def serialize_message(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "public": message.is_public,
        "body": message.body,
        "at": message.at.isoformat(),
        "via": message.via,
        "author_user": message.author_user_id,
        "author_contact": message.author_contact_id,
        "author_email": message.author_email or None,
        "message_id": message.message_id or None,
        "mail_status": message.mail_status or None,
        "vendor": message.vendor_id,
        "vendor_direction": message.vendor_direction or None,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/api/v1/ticket-attachments/{a.pk}",
            }
            for a in message.attachments.all()
        ],
    }


@router.post(
    "/tickets",
    response={201: dict[str, Any], 403: ErrorOut, 422: ErrorOut},
    summary="Open a ticket",
    description="The fields of the ticket entity (subject, description, contact or "
    "requester_user, type, priority, category, team, tags, owner) plus `attachments`.",
)
def open_ticket(request, payload: dict[str, Any] = Body(...)):
    data = dict(payload)
    uploads = _uploads(data.pop("attachments", None))
    ticket = services.open_ticket(
        request.user, data, channel=data.pop("channel", None) or Ticket.Channel.API, uploads=uploads
    )
    return Status(201, serialize(registry.get("ticket"), ticket))


@router.get("/tickets/queues", response={200: dict[str, int]}, summary="Queue sizes")
def queue_counts(request):
    if not permissions.can(request.user, "ticket", "view"):
        raise permissions.PermissionDenied("view")
    return queues.counts(request.user)


@router.get(
    "/tickets/{int:pk}/messages",
    response={200: list[dict[str, Any]], 404: ErrorOut},
    summary="The conversation",
)
def list_messages(request, pk: int):
    ticket = _ticket(request.user, pk)
    rows = (
        Message.objects.filter(ticket=ticket)
        .prefetch_related("attachments")
        .order_by("at", "id")[:1000]
    )
    return [serialize_message(m) for m in rows]


@router.post(
    "/tickets/{int:pk}/messages",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Reply, add an internal note, or record what the customer said",
)
def add_message(request, pk: int, payload: dict[str, Any] = Body(...)):
    ticket = _ticket(request.user, pk)
    unknown = set(payload) - {"kind", "body", "status", "attachments", "send_email"}
    if unknown:
        raise InputErrors({key[:60]: [_("Unknown field.")] for key in sorted(unknown)})
    kind = payload.get("kind", "reply")
    body = payload.get("body")
    uploads = _uploads(payload.get("attachments"))
    if kind == "reply":
        message = services.reply(
            request.user,
            ticket,
            body,
            uploads=uploads,
            status=payload.get("status"),
            send_mail=payload.get("send_email", True) is not False,
        )
    elif kind == "note":
        message = services.note(request.user, ticket, body, uploads=uploads)
    elif kind == "customer":
        # What the customer said on the phone, typed by the agent.
        permissions.require(request.user, "ticket", "change", ticket)
        message = services.customer_message(
            ticket,
            body,
            contact=ticket.contact,
            via=Ticket.Channel.PHONE,
            uploads=uploads,
        )
    else:
        raise InputErrors({"kind": [_("Use “reply”, “note” or “customer”.")]})
    return Status(201, serialize_message(message))


@router.post(
    "/tickets/{int:pk}/vendor-contacts",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Log a contact with a third party",
)
def add_vendor_contact(request, pk: int, payload: dict[str, Any] = Body(...)):
    ticket = _ticket(request.user, pk)
    vendor = None
    if payload.get("vendor") is not None:
        raw = payload["vendor"]
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 < raw <= MAX_ID:
            raise InputErrors({"vendor": [_("Give the company's id.")]})
        try:
            vendor = visible_or_404(request.user, registry.get("company"), raw)
        except Http404 as exc:
            raise InputErrors({"vendor": [_("There is no such company you can see.")]}) from exc
    message = services.log_vendor_contact(
        request.user,
        ticket,
        payload.get("body"),
        vendor=vendor,
        direction=payload.get("direction", "out"),
    )
    return Status(201, serialize_message(message))


@router.get("/tickets/{int:pk}/sla", response={200: dict[str, Any], 404: ErrorOut}, summary="SLA")
def ticket_sla(request, pk: int):
    ticket = _ticket(request.user, pk)
    waiting = waiting_time(ticket)
    return {
        "policy": ticket.sla_policy.name if ticket.sla_policy else None,
        "breached": ticket.sla_breached,
        "next_due_at": ticket.next_due_at.isoformat() if ticket.next_due_at else None,
        "waiting_customer_hours": waiting.get(Ticket.Status.WAITING_CUSTOMER, 0),
        "waiting_third_party_hours": waiting.get(Ticket.Status.WAITING_THIRD_PARTY, 0),
        "targets": [
            {
                "kind": t.kind,
                "state": t.state,
                "started_at": t.started_at.isoformat(),
                "target_minutes": int(t.target.total_seconds() // 60),
                "due_at": t.due_at.isoformat() if t.due_at else None,
                "done_at": t.done_at.isoformat() if t.done_at else None,
                "breached_at": t.breached_at.isoformat() if t.breached_at else None,
            }
            for t in SlaTarget.objects.filter(ticket=ticket).order_by("started_at", "id")
        ],
    }


def _id(payload: dict, key: str) -> int:
    raw = payload.get(key)
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 < raw <= MAX_ID:
        raise InputErrors({key: [_("Give a ticket number.")]})
    return raw


@router.post(
    "/tickets/{int:pk}/merge",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Merge this ticket into another",
)
def merge(request, pk: int, payload: dict[str, Any] = Body(...)):
    duplicate = _ticket(request.user, pk)
    keep = _ticket(request.user, _id(payload, "into"))
    keep = services.merge(request.user, keep, duplicate)
    return serialize(registry.get("ticket"), keep)


@router.post(
    "/tickets/{int:pk}/links",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Link a ticket to another ticket or to a deal",
)
def add_link(request, pk: int, payload: dict[str, Any] = Body(...)):
    ticket = _ticket(request.user, pk)
    if "deal" in payload:
        deal = visible_or_404(request.user, registry.get("deal"), _id(payload, "deal"))
        link = services.link_deal(request.user, ticket, deal)
    else:
        link = services.link_ticket(
            request.user, ticket, _ticket(request.user, _id(payload, "ticket"))
        )
    return Status(
        201, {"id": link.pk, "kind": link.kind, "ticket": link.other_id, "deal": link.deal_id}
    )


@router.delete(
    "/tickets/{int:pk}/links/{int:link_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Remove a link",
)
def remove_link(request, pk: int, link_id: int):
    ticket = _ticket(request.user, pk)
    link = TicketLink.objects.filter(pk=min(link_id, MAX_ID), ticket=ticket).first()
    if link is None:
        raise Http404
    services.unlink(request.user, link)
    return Status(204, None)


@router.get("/ticket-attachments/{int:pk}", summary="Download an attachment")
def download(request, pk: int):
    found = Attachment.objects.filter(pk=min(pk, MAX_ID)).first()
    if found is None:
        raise Http404
    _ticket(request.user, found.ticket_id)
    return attachment_response(found)
