"""Support mailboxes over the API: passwords go in and never come out."""

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_base import sent
from kartoteka.platform.api_records import ErrorOut

from .. import settings_mailboxes
from ..models import Mailbox
from ..settings_services import require_admin
from .common import ERRORS

router = Router()


class MailboxOut(Schema):
    id: int
    name: str
    address: str
    active: bool
    acknowledge: bool
    imap_host: str
    imap_port: int
    imap_security: str
    username: str
    has_password: bool
    folder: str
    processed_folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    has_smtp_password: bool
    team: int | None
    category: int | None
    last_checked_at: datetime.datetime | None
    last_error: str


class MailboxIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=1000)
    address: str = Field(..., max_length=1000)
    active: bool = True
    acknowledge: bool = True
    imap_host: str = Field(..., max_length=1000)
    imap_port: int = 993
    imap_security: str = Field("ssl", max_length=20)
    username: str = Field(..., max_length=1000)
    password: str = Field(..., max_length=1000)
    folder: str = Field("INBOX", max_length=1000)
    processed_folder: str = Field("", max_length=1000)
    smtp_host: str = Field(..., max_length=1000)
    smtp_port: int = 587
    smtp_security: str = Field("starttls", max_length=20)
    smtp_username: str = Field("", max_length=1000)
    smtp_password: str = Field("", max_length=1000)
    team: int | None = None
    category: int | None = None


class MailboxPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, max_length=1000)
    address: str = Field(None, max_length=1000)
    active: bool = None
    acknowledge: bool = None
    imap_host: str = Field(None, max_length=1000)
    imap_port: int = None
    imap_security: str = Field(None, max_length=20)
    username: str = Field(None, max_length=1000)
    password: str | None = Field(None, max_length=1000)
    folder: str = Field(None, max_length=1000)
    processed_folder: str = Field(None, max_length=1000)
    smtp_host: str = Field(None, max_length=1000)
    smtp_port: int = None
    smtp_security: str = Field(None, max_length=20)
    smtp_username: str = Field(None, max_length=1000)
    smtp_password: str | None = Field(None, max_length=1000)
    team: int | None = None
    category: int | None = None


class CheckOut(Schema):
    ok: bool
    problems: list[str]
    last_checked_at: datetime.datetime | None


def _mailbox_out(mailbox: Mailbox) -> dict[str, Any]:
    fields = (
        "name address active acknowledge imap_host imap_port imap_security username folder "
        "processed_folder smtp_host smtp_port smtp_security smtp_username last_checked_at "
        "last_error"
    ).split()
    return {
        "id": mailbox.pk,
        **{name: getattr(mailbox, name) for name in fields},
        "has_password": bool(mailbox.password),
        "has_smtp_password": bool(mailbox.smtp_password),
        "team": mailbox.team_id,
        "category": mailbox.category_id,
    }


@router.get(
    "/service/mailboxes",
    response={200: list[MailboxOut], 403: ErrorOut},
    summary="Support mailboxes (passwords are never returned)",
)
def list_mailboxes(request):
    require_admin(request.user)
    return [_mailbox_out(mailbox) for mailbox in Mailbox.objects.all()]


@router.post(
    "/service/mailboxes",
    response={201: MailboxOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a support mailbox",
)
def create_mailbox(request, payload: MailboxIn):
    require_admin(request.user)
    return Status(201, _mailbox_out(settings_mailboxes.create_mailbox(request.user, sent(payload))))


@router.get(
    "/service/mailboxes/{int:pk}",
    response={200: MailboxOut, 403: ErrorOut, 404: ErrorOut},
    summary="One support mailbox",
)
def read_mailbox(request, pk: int):
    require_admin(request.user)
    return _mailbox_out(get_object_or_404(Mailbox, pk=pk))


@router.patch(
    "/service/mailboxes/{int:pk}",
    response={200: MailboxOut, **ERRORS},
    summary="Change a mailbox; a password left out is kept, a null SMTP password removed",
)
def update_mailbox(request, pk: int, payload: MailboxPatch):
    require_admin(request.user)
    mailbox = get_object_or_404(Mailbox, pk=pk)
    data = sent(payload)
    if data.get("password", "") is None:
        del data["password"]  # the IMAP password cannot be removed, only replaced
    return _mailbox_out(settings_mailboxes.update_mailbox(request.user, mailbox, data))


@router.delete(
    "/service/mailboxes/{int:pk}",
    response={204: None, **ERRORS},
    summary="Delete a mailbox (tickets it opened stay)",
)
def delete_mailbox(request, pk: int):
    require_admin(request.user)
    settings_mailboxes.delete_mailbox(request.user, get_object_or_404(Mailbox, pk=pk))
    return Status(204, None)


@router.post(
    "/service/mailboxes/{int:pk}/check",
    response={200: CheckOut, **ERRORS},
    summary="Sign in to the mailbox's IMAP and SMTP servers and report the problems found",
)
def check_mailbox(request, pk: int):
    require_admin(request.user)
    mailbox = get_object_or_404(Mailbox, pk=pk)
    problems = settings_mailboxes.check_mailbox(request.user, mailbox)
    return {"ok": not problems, "problems": problems, "last_checked_at": mailbox.last_checked_at}
