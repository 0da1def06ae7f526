"""Outgoing mail of the service desk: agent replies and first messages that keep the thread.

Every message gets a fresh Message-ID at the desk's domain (so answers to it can be found),
In-Reply-To/References pointing at what it answers (so the customer's client threads it),
one "[#N]" token in the subject (so an answer that lost its headers still finds the ticket),
and X-Kartoteka-Loop (so our own mail coming back is recognised and never answered).
Automatic notifications also say so (Auto-Submitted, RFC 3834), agent replies do not: a
customer's auto-responder must still answer a person, and must not answer a machine.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from .automatic import LOOP_HEADER
from .headers import normalise_message_id
from .parse import Attachment
from .subjects import DEFAULT_PREFIX, subject_with_token

MAX_REFERENCES = 20

Recipient = str | tuple[str, str]  # "a@b.c" or ("Name", "a@b.c")
OutgoingAttachment = Attachment | tuple[str, str, bytes]  # (filename, content type, content)

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_ADDRESS = re.compile(r"^[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+$")
_LINE_BREAKS = re.compile(r"[\r\n\t\x00]+")


def new_message_id(domain: str) -> str:
    """A Message-ID no one else will produce: "<time.random@domain>"."""
    return f"<{time.time_ns()}.{secrets.token_hex(8)}@{_domain(domain)}>"


def build_reply(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[Recipient],
    subject: str,
    text: str,
    html: str | None = None,
    in_reply_to: str | None,
    references: Iterable[str],
    ticket_number: int,
    domain: str,
    attachments: Iterable[OutgoingAttachment] = (),
    cc: Sequence[Recipient] = (),
    reply_to: str | None = None,
    automatic: bool = False,
    ticket_prefix: str = DEFAULT_PREFIX,
) -> EmailMessage:
    """An answer in an existing thread: "Re: [#N] subject", In-Reply-To = the answered mail,
    References = its references followed by it (at most MAX_REFERENCES, keeping the root)."""
    message = _message(
        from_address=from_address,
        from_name=from_name,
        to=to,
        cc=cc,
        reply_to=reply_to,
        subject=subject_with_token(subject, ticket_number, reply=True, prefix=ticket_prefix),
        domain=domain,
    )
    parent = normalise_message_id(in_reply_to)
    chain = [normalise_message_id(value) for value in references]
    chain = [value for value in dict.fromkeys(chain) if value and value != parent]
    if parent:
        chain.append(parent)
        message["In-Reply-To"] = parent
    if chain:
        message["References"] = " ".join(cap_references(chain))
    if automatic:
        _mark_automatic(message, "auto-replied")
    _body(message, text, html, attachments)
    return message


def build_new(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[Recipient],
    subject: str,
    text: str,
    html: str | None = None,
    ticket_number: int,
    domain: str,
    attachments: Iterable[OutgoingAttachment] = (),
    cc: Sequence[Recipient] = (),
    reply_to: str | None = None,
    automatic: bool = False,
    ticket_prefix: str = DEFAULT_PREFIX,
) -> EmailMessage:
    """The first message of a ticket an agent opened: "[#N] subject", no thread headers."""
    message = _message(
        from_address=from_address,
        from_name=from_name,
        to=to,
        cc=cc,
        reply_to=reply_to,
        subject=subject_with_token(subject, ticket_number, reply=False, prefix=ticket_prefix),
        domain=domain,
    )
    if automatic:
        _mark_automatic(message, "auto-generated")
    _body(message, text, html, attachments)
    return message


def cap_references(ids: Sequence[str], limit: int = MAX_REFERENCES) -> list[str]:
    """The thread's root and its newest ids: long threads must not grow the header forever."""
    ids = list(ids)
    if len(ids) <= limit:
        return ids
    return ids[:1] + ids[-(limit - 1) :]


def _message(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[Recipient],
    cc: Sequence[Recipient],
    reply_to: str | None,
    subject: str,
    domain: str,
) -> EmailMessage:
    if isinstance(to, str):
        to = [to]
    if isinstance(cc, str):
        cc = [cc]
    if not to:
        raise ValueError("A mail needs at least one recipient.")
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = _address(("" if from_name is None else from_name, from_address))
    message["To"] = [_address(recipient) for recipient in to]
    if cc:
        message["Cc"] = [_address(recipient) for recipient in cc]
    if reply_to:
        message["Reply-To"] = _address(reply_to)
    message["Subject"] = _LINE_BREAKS.sub(" ", subject).strip()
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = new_message_id(domain)
    message[LOOP_HEADER] = _domain(domain)
    return message


def _mark_automatic(message: EmailMessage, kind: str) -> None:
    message["Auto-Submitted"] = kind
    # Asks Exchange/Outlook not to send out-of-office and delivery replies to a machine.
    message["X-Auto-Response-Suppress"] = "All"


def _body(
    message: EmailMessage,
    text: str,
    html: str | None,
    attachments: Iterable[OutgoingAttachment],
) -> None:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    files = [_attachment(item) for item in attachments]
    related = [item for item in files if item.inline and item.content_id and html]
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
        html_part = message.get_payload()[-1]
        for item in related:
            maintype, subtype = _split_type(item.content_type)
            html_part.add_related(
                item.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{item.content_id}>",
                filename=item.filename,
                disposition="inline",
            )
    placed = {id(item) for item in related}
    for item in files:
        if id(item) in placed:
            continue
        maintype, subtype = _split_type(item.content_type)
        if maintype == "message":
            # A forwarded mail is attached as a message (shown inline by clients); other
            # message/* parts (delivery reports) are text. Raw bytes cannot be message/*.
            if subtype in ("rfc822", "global"):
                inner = message_from_bytes(item.content, policy=policy.SMTP)
                message.add_attachment(inner, filename=item.filename)
                continue
            maintype, subtype = "text", "plain"
        message.add_attachment(
            item.content, maintype=maintype, subtype=subtype, filename=item.filename
        )


def _attachment(item: OutgoingAttachment) -> Attachment:
    if isinstance(item, Attachment):
        return item
    filename, content_type, content = item
    if not isinstance(content, bytes | bytearray):
        raise ValueError(f"The content of attachment {filename!r} must be bytes.")
    content_type = content_type or mimetypes.guess_type(filename)[0] or ""
    return Attachment(_LINE_BREAKS.sub(" ", filename), content_type, bytes(content))


def _split_type(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = (content_type or "").partition("/")
    maintype, subtype = maintype.strip().lower(), subtype.split(";")[0].strip().lower()
    if not maintype or not subtype or maintype == "multipart":
        return "application", "octet-stream"
    return maintype, subtype


def _address(recipient: Recipient) -> Address:
    name, address = ("", recipient) if isinstance(recipient, str) else recipient
    address = (address or "").strip()
    if not _ADDRESS.match(address):
        raise ValueError(f"{address!r} is not an e-mail address.")
    username, _, host = address.rpartition("@")
    return Address(
        display_name=_LINE_BREAKS.sub(" ", name or "").strip(), username=username, domain=host
    )


def _domain(domain: str) -> str:
    cleaned = (domain or "").strip().lower().rstrip(".")
    try:
        cleaned = cleaned.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    if not _DOMAIN.match(cleaned):
        raise ValueError(f"{domain!r} is not a domain name for Message-IDs.")
    return cleaned
