"""The service desk's mail transport: reading, composing and moving mail, no database.

parse.py reads raw mail into `IncomingMail`; compose.py builds replies that keep the thread;
transport.py talks IMAP and SMTP. Tickets live elsewhere and use only what is exported here.
"""

from .automatic import LOOP_HEADER, detect_automatic, is_weak_reason
from .compose import build_new, build_reply, cap_references, new_message_id
from .headers import normalise_message_id
from .parse import (
    Attachment,
    IncomingMail,
    MailParseError,
    SkippedAttachment,
    parse_message,
    thread_ids,
)
from .quotes import new_text
from .subjects import ticket_reference, ticket_token
from .transport import (
    MailboxConfig,
    MailboxError,
    MailboxSession,
    check_connection,
    fetch_new,
    mark_processed,
    send,
)

__all__ = [
    "LOOP_HEADER",
    "Attachment",
    "IncomingMail",
    "MailParseError",
    "MailboxConfig",
    "MailboxError",
    "MailboxSession",
    "SkippedAttachment",
    "build_new",
    "build_reply",
    "cap_references",
    "check_connection",
    "detect_automatic",
    "fetch_new",
    "is_weak_reason",
    "mark_processed",
    "new_message_id",
    "new_text",
    "normalise_message_id",
    "parse_message",
    "send",
    "thread_ids",
    "ticket_reference",
    "ticket_token",
]
