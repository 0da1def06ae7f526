"""Reading mail headers as people and threading need them, tolerant of what real mail contains.

Headers are read raw (policy compat32) and decoded here: RFC 2047 encoded words (also split
in the middle of a character, with broken padding or unknown charsets), raw 8-bit bytes in
whatever charset the sender used, folded lines, and values far longer than any real one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from email.message import Message
from email.utils import getaddresses

from .charsets import decode_bytes

# Longer values are cut before they are decoded: no real header needs more, and some
# address parsing is slow on megabytes.
MAX_HEADER_CHARS = 65536
MAX_MESSAGE_ID_CHARS = 250

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n[ \t]*|\r[ \t]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANGLE_ID = re.compile(r"<([^<>\s]{1,2000})>")
_BARE_ID = re.compile(r"[^\s<>,;\"()]+@[^\s<>,;\"()]+")
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def unsurrogate(value: str, charset: str | None = None) -> str:
    """Text from a header the parser kept as surrogate escapes (raw 8-bit bytes)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return decode_bytes(value.encode("utf-8", "surrogateescape"), charset)


def decode_words(value: str | None, charset: str | None = None) -> str:
    """A header value with RFC 2047 encoded words decoded and folding removed. Never raises.

    Adjacent encoded words in the same charset are joined as bytes before decoding, because
    senders split UTF-8 characters between words.
    """
    if not value:
        return ""
    value = _FOLD.sub(" ", str(value)[:MAX_HEADER_CHARS])
    value = unsurrogate(value, charset)
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            pieces.append(decode_bytes(b"".join(pending), pending_charset or charset))
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        # Whitespace between two encoded words is not part of the text (RFC 2047, 6.2).
        if not (pending and _BETWEEN_WORDS.fullmatch(between)):
            flush()
            pieces.append(between)
        word_charset = match.group(1).split("*", 1)[0].lower()
        data = _decode_word(match.group(2), match.group(3))
        if pending and word_charset != pending_charset:
            flush()
        pending.append(data)
        pending_charset = word_charset
        position = match.end()
    flush()
    pieces.append(value[position:])
    return _CONTROL.sub("", "".join(pieces))


def _decode_word(encoding: str, text: str) -> bytes:
    data = text.encode("ascii", "replace")
    if encoding in "bB":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return b""
    data = data.replace(b"_", b" ")
    return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def header_values(msg: Message, name: str) -> list[str]:
    """All raw values of one header (surrogate escapes kept), in order; [] if absent."""
    wanted = name.lower()
    values = []
    try:
        for key, value in msg.raw_items():
            if isinstance(key, str) and key.lower() == wanted:
                values.append(str(value)[:MAX_HEADER_CHARS])
    except Exception:  # noqa: BLE001 - a broken header list reads as no headers
        return values
    return values


def header_text(msg: Message, name: str, charset: str | None = None) -> str:
    """The first value of a header, decoded to plain text and stripped; "" if absent."""
    values = header_values(msg, name)
    return decode_words(values[0], charset).strip() if values else ""


def addresses(values: Iterable[str], charset: str | None = None) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs from raw address headers.

    Addresses are split before encoded words are decoded, so a decoded name holding a comma
    ("Doe, John") does not split one address into two.
    """
    raw = [_FOLD.sub(" ", unsurrogate(str(value)[:MAX_HEADER_CHARS], charset)) for value in values]
    try:
        pairs = getaddresses(raw)
    except Exception:  # noqa: BLE001 - the parser has raised on hostile input before
        pairs = []
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, address in pairs:
        address = _CONTROL.sub("", address).strip().strip("<>").strip().lower()
        if not address or " " in address or address in seen:
            continue
        seen.add(address)
        result.append((decode_words(name, charset).strip().strip('"').strip(), address))
    return result


def normalise_message_id(value: str | None) -> str | None:
    """A Message-ID as "<left@right>", or None when the value holds none.

    Whitespace and surrounding junk ("<id> (added by a gateway)") are dropped; an id longer
    than a database column should hold is replaced by a stable hash of itself, so the same
    long id maps to the same short one wherever it is seen.
    """
    if not value:
        return None
    value = _FOLD.sub("", unsurrogate(str(value)[:MAX_HEADER_CHARS]))
    match = _ANGLE_ID.search(value)
    if match:
        inner = match.group(1)
    else:
        bare = _BARE_ID.search(value)
        if bare is None:  # without brackets, only "left@right" is taken for an id
            return None
        inner = bare.group(0)
    inner = _CONTROL.sub("", inner)
    if not inner:
        return None
    normalised = f"<{inner}>"
    if len(normalised) > MAX_MESSAGE_ID_CHARS:
        digest = hashlib.sha256(normalised.encode("utf-8", "surrogateescape")).hexdigest()
        normalised = f"<{digest[:40]}@long-id.kartoteka.invalid>"
    return normalised


def message_ids(values: Iterable[str], limit: int = 100) -> list[str]:
    """Every Message-ID in References-like headers, in order, without repeats.

    Beyond `limit`, the first id (the thread's root) and the newest ones are kept.
    """
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        value = _FOLD.sub(" ", unsurrogate(str(value)[:MAX_HEADER_CHARS]))
        tokens = [f"<{m}>" for m in _ANGLE_ID.findall(value)] or value.split()
        for token in tokens:
            normalised = normalise_message_id(token)
            if normalised and normalised not in seen:
                seen.add(normalised)
                found.append(normalised)
    if len(found) > limit:
        found = found[:1] + found[-(limit - 1) :]
    return found
