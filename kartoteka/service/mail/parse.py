"""One incoming mail, read from its raw bytes into what a ticket needs.

`parse_message` never raises on a mail it can read anything from: malformed headers, missing
From, broken base64, wrong charsets, tens of thousands of nested parts and megabyte headers
all give an `IncomingMail` with what could be read, and a note in `defects`. Only input with
nothing usable in it raises `MailParseError`. No database, no Django: bytes in, data out.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime

from .automatic import detect_automatic, is_weak_reason
from .charsets import decode_bytes, html_charset
from .headers import (
    addresses,
    decode_words,
    header_values,
    message_ids,
    normalise_message_id,
    unsurrogate,
)
from .htmltext import html_to_text
from .quotes import new_text
from .subjects import ticket_reference

__all__ = [
    "Attachment",
    "IncomingMail",
    "MailParseError",
    "SkippedAttachment",
    "detect_automatic",
    "is_weak_reason",
    "new_text",
    "parse_message",
    "thread_ids",
    "ticket_reference",
]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_PARTS = 500
MAX_DEPTH = 20
MAX_TEXT_CHARS = 500_000
MAX_ADDRESSES = 500
GENERATED_ID_DOMAIN = "generated.kartoteka.invalid"


class MailParseError(ValueError):
    """The input holds nothing a ticket could be made from (not a mail at all)."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with the mail; `inline` ones are shown in the body (cid: images)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class SkippedAttachment:
    """A file that was not loaded (too large, or over the limits), reported for the agent."""

    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class IncomingMail:
    """What a mail says, decoded. Message-IDs are normalised ("<left@right>"), addresses
    lower-cased, `date` is aware (UTC when the mail gave no zone); `text` is the plain text
    (converted from HTML when there was no plain part) and `html` the HTML as sent, not
    sanitised: render it only after cleaning. `automatic` says why no person wrote it;
    `defects` lists what was broken or cut while reading."""

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str  # lower-cased; "" when the mail names no sender
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    date: datetime | None
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    skipped_attachments: tuple[SkippedAttachment, ...]
    automatic: str | None
    message_id_generated: bool = False
    defects: tuple[str, ...] = field(default=())

    @property
    def new_text(self) -> str:
        """The text without the quoted earlier conversation (best effort)."""
        return new_text(self.text)

    @property
    def reply_address(self) -> str:
        """Where an answer goes: Reply-To when given, otherwise From."""
        return self.reply_to[0] if self.reply_to else self.from_address


def thread_ids(mail: IncomingMail) -> list[str]:
    """Message-IDs this mail answers, newest first, for looking up known messages:
    In-Reply-To, then References from the last to the first."""
    ordered = [mail.in_reply_to] if mail.in_reply_to else []
    ordered += reversed(mail.references)
    result: list[str] = []
    for message_id in ordered:
        if message_id != mail.message_id and message_id not in result:
            result.append(message_id)
    return result


def parse_message(
    raw: bytes,
    *,
    own_addresses: Iterable[str] = (),
    own_domains: Iterable[str] = (),
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
    max_total_attachment_bytes: int = MAX_TOTAL_ATTACHMENT_BYTES,
    max_parts: int = MAX_PARTS,
    max_depth: int = MAX_DEPTH,
    max_text_chars: int = MAX_TEXT_CHARS,
) -> IncomingMail:
    """Read a raw RFC 5322 mail. `own_addresses`/`own_domains` identify the desk, for loop
    detection (see `detect_automatic`). Attachments over the size limits are listed in
    `skipped_attachments` without being decoded."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MailParseError(f"A mail is bytes, not {type(raw).__name__}.")
    raw = bytes(raw)
    if not raw.strip():
        raise MailParseError("The mail is empty.")
    own_addresses = (own_addresses,) if isinstance(own_addresses, str) else tuple(own_addresses)
    own_domains = (own_domains,) if isinstance(own_domains, str) else tuple(own_domains)
    defects: list[str] = []

    cut = _structure_cut(raw, max_depth=max_depth, max_parts=max_parts)
    if cut is not None:
        defects.append(
            f"MIME structure cut after {max_parts} parts or {max_depth} levels of nesting"
        )
    msg = _parse(raw if cut is None else raw[:cut], defects)
    if not list(msg.raw_items()):
        raise MailParseError("No mail headers found: this is not an e-mail message.")

    header_charset = _first_declared_charset(msg)
    message_id = normalise_message_id(_first(header_values(msg, "Message-ID")))
    generated = message_id is None
    if message_id is None:
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@{GENERATED_ID_DOMAIN}>"
    in_reply_to_ids = message_ids(header_values(msg, "In-Reply-To"))
    senders = (
        addresses(header_values(msg, "From"), header_charset)
        or addresses(header_values(msg, "Sender"), header_charset)
        or addresses(header_values(msg, "Reply-To"), header_charset)
    )
    from_name, from_address = senders[0] if senders else ("", "")
    if not senders:
        defects.append("no sender address (From)")

    body = _Body(max_attachment_bytes, max_total_attachment_bytes, max_parts, max_depth)
    body.walk(msg)
    defects += body.defects
    text = body.text()
    if len(text) > max_text_chars:
        text = text[:max_text_chars]
        defects.append(f"text cut to {max_text_chars} characters")

    subject = decode_words(_first(header_values(msg, "Subject")), header_charset).strip()
    if not (from_address or text.strip() or body.attachments or subject):
        raise MailParseError("The mail has no sender, no subject and no content.")

    return IncomingMail(
        message_id=message_id,
        in_reply_to=in_reply_to_ids[0] if in_reply_to_ids else None,
        references=tuple(message_ids(header_values(msg, "References"))),
        subject=" ".join(subject.split())[:998],
        from_address=from_address,
        from_name=from_name,
        to=_address_list(msg, "To", header_charset),
        cc=_address_list(msg, "Cc", header_charset),
        reply_to=_address_list(msg, "Reply-To", header_charset),
        date=_date(_first(header_values(msg, "Date"))),
        text=text,
        html=body.html(),
        attachments=tuple(body.attachments),
        skipped_attachments=tuple(body.skipped),
        automatic=detect_automatic(msg, own_addresses, own_domains),
        message_id_generated=generated,
        defects=tuple(dict.fromkeys(defects)),
    )


# -- reading the structure -------------------------------------------------------------------


def _parse(raw: bytes, defects: list[str]) -> Message:
    try:
        return BytesParser(policy=policy.compat32).parsebytes(raw)
    except (RecursionError, Exception):  # noqa: BLE001 - keep the headers at least
        defects.append("the MIME structure could not be read; only headers were")
    try:
        return BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    except (RecursionError, Exception) as exc:  # noqa: BLE001
        raise MailParseError(f"The mail cannot be read: {type(exc).__name__}") from exc


_LINE = re.compile(rb"[^\n]*\n|[^\n]+$")
_MULTIPART = re.compile(rb"^content-type:\s*multipart/", re.I)
_EMBEDDED = re.compile(rb"^content-type:\s*message/(rfc822|global)", re.I)
_NESTING = re.compile(rb"multipart/|message/(rfc822|global)", re.I)
_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))""", re.I)


def _structure_cut(raw: bytes, *, max_depth: int, max_parts: int) -> int | None:
    """Where to cut the raw mail so its structure stays within the limits, or None.

    The standard library's parser recurses once per nesting level and fails around a few
    hundred; this linear scan follows boundaries the way it does and finds the offset of the
    first part beyond `max_depth` levels or `max_parts` parts. Cutting there leaves a mail
    whose outer parts still read normally.
    """
    if not _NESTING.search(raw):
        return None
    stack: list[bytes | None] = []  # boundary delimiters; None for an embedded message
    parts = 0
    in_headers = True
    header: list[bytes] = []
    header_start = 0
    for match in _LINE.finditer(raw):
        line = match.group(0)
        if in_headers:
            if line.strip():
                header.append(line)
                continue
            block = b"".join(header).replace(b"\r\n ", b" ").replace(b"\n ", b" ")
            block = block.replace(b"\r\n\t", b" ").replace(b"\n\t", b" ")
            header = []
            in_headers = False
            lines = block.splitlines()
            if any(_EMBEDDED.match(h) for h in lines):
                stack.append(None)
                in_headers = True  # the body of message/rfc822 starts with its own headers
                if len(stack) > max_depth:
                    return header_start
                header_start = match.end()
                continue
            else:
                for h in lines:
                    if _MULTIPART.match(h):
                        found = _BOUNDARY.search(h)
                        if found:
                            stack.append(b"--" + (found.group(1) or found.group(2)))
                        break
            if len(stack) > max_depth:
                return header_start
            continue
        if not line.startswith(b"--"):
            continue
        stripped = line.rstrip()
        for level in range(len(stack) - 1, -1, -1):
            delimiter = stack[level]
            if delimiter is None:
                continue
            if stripped == delimiter + b"--":
                del stack[level:]
                break
            if stripped == delimiter:
                del stack[level + 1 :]
                parts += 1
                if parts > max_parts:
                    return match.start()
                in_headers = True
                header_start = match.end()
                break
    return None


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _first_declared_charset(msg: Message) -> str | None:
    """The charset of the first text part: the likeliest one for raw 8-bit headers too."""
    try:
        for index, part in enumerate(msg.walk()):
            if index > 50:
                break
            charset = part.get_content_charset()
            if charset:
                return charset
    except Exception:  # noqa: BLE001
        return None
    return None


def _address_list(msg: Message, name: str, charset: str | None) -> tuple[str, ...]:
    found = addresses(header_values(msg, name), charset)
    return tuple(address for _, address in found[:MAX_ADDRESSES])


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(unsurrogate(value)[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- reading the body ------------------------------------------------------------------------


class _Body:
    """Walks the parts without recursion, within the limits, collecting text and files."""

    def __init__(self, max_bytes: int, max_total: int, max_parts: int, max_depth: int):
        self.max_bytes = max_bytes
        self.max_total = max_total
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.plain: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[Attachment] = []
        self.skipped: list[SkippedAttachment] = []
        self.defects: list[str] = []
        self.loaded = 0
        self.generated_names = 0

    def walk(self, msg: Message) -> None:
        stack: list[tuple[Message, int]] = [(msg, 0)]
        seen = 0
        while stack:
            part, depth = stack.pop()
            seen += 1
            if seen > self.max_parts:
                self.defects.append(f"more than {self.max_parts} parts; the rest were ignored")
                return
            try:
                self._visit(part, depth, stack)
            except Exception as exc:  # noqa: BLE001 - one broken part must not lose the rest
                self.defects.append(f"a part could not be read ({type(exc).__name__})")

    def _visit(self, part: Message, depth: int, stack: list[tuple[Message, int]]) -> None:
        content_type = _content_type(part)
        self._note_defects(part)
        if content_type.startswith("message/") or (
            part.is_multipart() and not content_type.startswith("multipart/")
        ):
            self._embedded(part, content_type)
            return
        if part.is_multipart():
            if depth >= self.max_depth:
                self.defects.append(f"parts nested deeper than {self.max_depth} were ignored")
                return
            children = [child for child in part.get_payload() if isinstance(child, Message)]
            for child in reversed(children):  # a stack: push in reverse to read in order
                stack.append((child, depth + 1))
            return
        disposition, filename = _disposition(part)
        if content_type.startswith("multipart/"):  # no boundary: the parts could not be split
            self.defects.append(f"{content_type} without parts, read as text")
            self._text(part, "text/plain")
            return
        if (
            content_type in ("text/plain", "text/html")
            and not filename
            and disposition != "attachment"
        ):
            self._text(part, content_type)
            return
        self._attachment(part, content_type, disposition, filename)

    def _note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", [])[:5]:
            self.defects.append(type(defect).__name__)

    def _text(self, part: Message, content_type: str) -> None:
        data = _payload_bytes(part)
        charset = _charset(part)
        if content_type == "text/html":
            self.htmls.append(decode_bytes(data, charset or html_charset(data)))
        else:
            self.plain.append(decode_bytes(data, charset))

    def _embedded(self, part: Message, content_type: str) -> None:
        payload = part.get_payload()
        if isinstance(payload, list):
            chunks = []
            for inner in payload[:20]:
                try:
                    chunks.append(inner.as_bytes(policy=policy.compat32))
                except (RecursionError, Exception):  # noqa: BLE001
                    self.defects.append("an embedded message could not be re-serialised")
            data = b"\n".join(chunks)
        else:
            data = _payload_bytes(part)
        names = {
            "message/rfc822": "message.eml",
            "message/global": "message.eml",
            "message/delivery-status": "delivery-status.txt",
            "message/disposition-notification": "disposition-notification.txt",
        }
        _, filename = _disposition(part)
        self._keep(
            filename or names.get(content_type, "message.txt"), content_type, data, None, False
        )

    def _attachment(
        self, part: Message, content_type: str, disposition: str | None, filename: str | None
    ) -> None:
        content_id = _content_id(part)
        inline = disposition == "inline" or (disposition is None and content_id is not None)
        if not filename:
            self.generated_names += 1
            stem = "image" if content_type.startswith("image/") else "attachment"
            extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
            filename = f"{stem}-{self.generated_names}{extension}"
        estimate = _encoded_size(part)
        if estimate > self.max_bytes:
            self._skip(filename, content_type, estimate, "larger than the attachment limit")
            return
        if self.loaded + estimate > self.max_total:
            self._skip(filename, content_type, estimate, "over the total size limit for a mail")
            return
        self._keep(filename, content_type, _payload_bytes(part), content_id, inline)

    def _keep(
        self,
        filename: str,
        content_type: str,
        data: bytes,
        content_id: str | None,
        inline: bool,
    ) -> None:
        if len(data) > self.max_bytes:
            self._skip(filename, content_type, len(data), "larger than the attachment limit")
            return
        if self.loaded + len(data) > self.max_total:
            self._skip(filename, content_type, len(data), "over the total size limit for a mail")
            return
        self.loaded += len(data)
        self.attachments.append(Attachment(filename, content_type, data, content_id, inline))

    def _skip(self, filename: str, content_type: str, size: int, reason: str) -> None:
        self.skipped.append(SkippedAttachment(filename, content_type, size, reason))

    def text(self) -> str:
        plain = "\n\n".join(piece.strip("\n") for piece in self.plain if piece.strip())
        if plain.strip():
            return _normalise_newlines(plain)
        if self.htmls:
            return _normalise_newlines(html_to_text("\n".join(self.htmls)))
        return ""

    def html(self) -> str | None:
        return "\n".join(self.htmls) if self.htmls else None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "application/octet-stream"


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - compat32 raises on some broken encodings
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _encoded_size(part: Message) -> int:
    """The decoded size, estimated from the encoded payload without decoding it."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        return len(payload) * 3 // 4
    return len(payload)


def _disposition(part: Message) -> tuple[str | None, str | None]:
    disposition = None
    values = header_values(part, "Content-Disposition")
    if values:
        disposition = decode_words(values[0]).split(";", 1)[0].strip().lower() or None
    try:
        filename = part.get_filename()
    except Exception:  # noqa: BLE001
        filename = None
    if filename is not None:
        filename = _clean_filename(decode_words(str(filename), _charset(part)))
    return disposition, filename or None


def _clean_filename(name: str) -> str:
    """A file name safe to show and store: no path, no control characters, bounded length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip().strip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:180] + dot + extension[:15]) if dot and len(extension) <= 15 else name[:200]
    return name


def _content_id(part: Message) -> str | None:
    values = header_values(part, "Content-ID")
    if not values:
        return None
    value = decode_words(values[0]).strip().strip("<>").strip()
    return value[:250] or None
