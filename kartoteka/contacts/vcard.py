"""vCard import and export of contacts: RFC 6350 vCard 4.0 is written; 4.0, 3.0 and the common
forms of 2.1 (CHARSET=, QUOTED-PRINTABLE with soft line breaks, bare TYPE parameters) are read.

A pure module — standard library only, no database. The views and the API map a `VCardData` to
and from a Contact; this module owns the text format: escaping, folding, parameters, encodings,
and reading damaged or hostile files without raising. Whatever a card holds that Kartoteka has
no field for is kept in `VCardData.extra` and written back on export, so nothing is silently
lost. Problems carry a stable `code` so the caller can show a translated message.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

MAX_CARDS = 10_000
MAX_CARD_BYTES = 1024 * 1024
# A file of garbage must not produce a garbage-sized list of problems.
MAX_PROBLEMS = 1_000
FOLD_OCTETS = 75
CRLF = "\r\n"

# Fixed forever: changing it changes the UID of every exported contact, and address books that
# synced an earlier export would then see duplicates instead of updates.
UID_NAMESPACE = uuid.UUID("0a39be01-9755-5dce-a73b-aa94e63767db")

Params = dict[str, list[str]]
Extra = tuple[str, Params, str]


@dataclass
class VCardData:
    """One contact as a vCard sees it. Phones and emails are lists; the first is the primary.

    `email_types`/`phone_types` map a value to its lower-case TYPE values ("work", "cell").
    `extra` holds the properties Kartoteka has no field for as (name, params, value): the name
    upper-case with its group ("ITEM1.X-ABLABEL"), the value as vCard text (escapes intact)."""

    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    company: str = ""
    position: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    address: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    uid: str = ""
    rev: datetime | None = None
    email_types: dict[str, list[str]] = field(default_factory=dict)
    phone_types: dict[str, list[str]] = field(default_factory=dict)
    extra: list[Extra] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """Something in the file that was not imported: a line (the rest of its card was read) or a
    whole card. `card` counts from 1 and is None outside any card; `line` is the physical line
    number (from 1) where the trouble starts, None when it concerns the whole file."""

    card: int | None
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.card is not None:
            where.append(f"card {self.card}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def uid_for(record_id: object, namespace: uuid.UUID = UID_NAMESPACE) -> str:
    """The UID of a record: the same on every export, so a re-import or a sync updates the card
    instead of duplicating it."""
    return f"urn:uuid:{uuid.uuid5(namespace, f'contact:{record_id}')}"


# --------------------------------------------------------------------------------------------
# Encoding of the file


def decode_vcf(data: bytes) -> str:
    """The text of an uploaded .vcf: UTF-8 with or without a BOM, UTF-16 with a BOM (Outlook's
    "Unicode"), else the charset the file declares, else cp1251 for Cyrillic-looking bytes and
    Windows-1252/Latin-1 for the rest. Never raises."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"CHARSET=\"?([A-Za-z0-9_.:-]{1,40})", data, re.IGNORECASE)
    if declared:
        name = declared.group(1).decode("ascii")
        if _codec(name) not in ("utf-8", None):
            try:
                return data.decode(name)
            except (UnicodeDecodeError, LookupError):
                pass
    if _looks_cyrillic(data):
        return data.decode("cp1251", "replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _looks_cyrillic(data: bytes) -> bool:
    # In cp1251 every Cyrillic letter is a byte >= 0xC0, so words are runs of them; accented
    # Latin letters in Windows-1252/Latin-1 mostly stand alone between ASCII letters.
    letters = sum(1 for b in data if b >= 0xC0)
    in_runs = sum(len(m) for m in re.findall(rb"[\xc0-\xff]{2,}", data))
    return letters > 0 and in_runs * 2 > letters


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# --------------------------------------------------------------------------------------------
# Writing


def serialize(cards: Iterable[VCardData]) -> Iterator[str]:
    """vCard 4.0 text, one card per chunk (CRLF line ends, folded at 75 octets), so an export
    can be streamed."""
    for card in cards:
        yield _card_text(card)


def _card_text(card: VCardData) -> str:
    first, last = card.first_name.strip(), card.last_name.strip()
    emails = [e.strip() for e in card.emails if e and e.strip()]
    phones = [p.strip() for p in card.phones if p and p.strip()]
    full_name = (
        card.full_name.strip()
        or " ".join(x for x in (first, last) if x)
        or card.company.strip()
        or next(iter(emails), "")
        or next(iter(phones), "")
    )
    lines = ["BEGIN:VCARD", "VERSION:4.0", "FN:" + _escape(full_name)]
    if first or last:
        lines.append(f"N:{_escape(last)};{_escape(first)};;;")
    if card.company.strip():
        lines.append("ORG:" + _escape(card.company.strip()))
    if card.position.strip():
        lines.append("TITLE:" + _escape(card.position.strip()))
    for i, email in enumerate(emails):
        params = _type_params(card.email_types.get(email), first=i == 0 and len(emails) > 1)
        lines.append(f"EMAIL{params}:{_escape(email)}")
    for i, phone in enumerate(phones):
        params = _type_params(card.phone_types.get(phone), first=i == 0 and len(phones) > 1)
        if _GLOBAL_NUMBER.fullmatch(phone):
            lines.append(f"TEL;VALUE=uri{params}:tel:{phone.replace(' ', '-')}")
        else:
            # RFC 6350 keeps free-form text as TEL's default value type for what is no number
            lines.append(f"TEL{params}:{_escape(phone)}")
    if card.address.strip():
        # free text: the whole address goes into the street component
        lines.append(f"ADR:;;{_escape(card.address.strip())};;;;")
    if card.note.strip():
        lines.append("NOTE:" + _escape(card.note.strip()))
    tags = [t.strip() for t in card.tags if t and t.strip()]
    if tags:
        lines.append("CATEGORIES:" + ",".join(_escape(t) for t in tags))
    if card.uid.strip():
        lines.append("UID:" + _escape(card.uid.strip()))
    if card.rev is not None:
        rev = card.rev if card.rev.tzinfo else card.rev.replace(tzinfo=UTC)
        lines.append("REV:" + rev.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    for name, params, value in card.extra:
        line = _extra_line(name, params, value)
        if line is not None:
            lines.append(line)
    lines.append("END:VCARD")
    return "".join(_fold(line) + CRLF for line in lines)


_GLOBAL_NUMBER = re.compile(r"\+[0-9](?:[0-9().\- ]*[0-9])?")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_PROPERTY_NAME = re.compile(r"(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+")
_STRUCTURAL = {"BEGIN", "END", "VERSION"}


def _clean(value: str) -> str:
    # control characters are not allowed in vCard values, lone surrogates cannot be UTF-8
    return _FORBIDDEN.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", value)


def _escape(value: str) -> str:
    value = _clean(value)
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return _NEWLINE.sub("\\\\n", value)


def _type_params(types: list[str] | None, first: bool) -> str:
    out = ""
    wanted = [t for t in (types or []) if re.fullmatch(r"[A-Za-z0-9-]+", t)]
    if wanted:
        out += ";TYPE=" + ",".join(t.lower() for t in wanted)
    if first:
        out += ";PREF=1"
    return out


def _extra_line(name: str, params: Params, value: str) -> str | None:
    if not _PROPERTY_NAME.fullmatch(name or ""):
        return None
    if name.rsplit(".", 1)[-1].upper() in _STRUCTURAL:
        return None
    text = name.upper()
    for key, values in params.items():
        if not re.fullmatch(r"[A-Za-z0-9-]+", key):
            continue
        text += f";{key.upper()}=" + ",".join(_param_value(v) for v in values)
    # a value holding a raw line break would end the property and start a forged one
    return f"{text}:{_NEWLINE.sub(lambda _: chr(92) + 'n', _clean(value))}"


def _param_value(value: str) -> str:
    # RFC 6868: ^ ^^, newline ^n, double quote ^'
    value = _clean(value).replace("^", "^^").replace('"', "^'")
    value = _NEWLINE.sub("^n", value)
    return f'"{value}"' if re.search(r"[;:,]", value) else value


def _fold(line: str) -> str:
    """Lines longer than 75 octets go on in lines that start with a space; a UTF-8 character is
    never cut in two."""
    if len(line) <= FOLD_OCTETS // 4 or len(line.encode("utf-8")) <= FOLD_OCTETS:
        return line
    pieces: list[str] = []
    start, size, limit = 0, 0, FOLD_OCTETS
    for i, ch in enumerate(line):
        code = ord(ch)
        octets = 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        if size + octets > limit:
            pieces.append(line[start:i])
            start, size, limit = i, 0, FOLD_OCTETS - 1  # the leading space is an octet too
        size += octets
    pieces.append(line[start:])
    return (CRLF + " ").join(pieces)


# --------------------------------------------------------------------------------------------
# Reading


class _Property(NamedTuple):
    group: str
    name: str
    params: Params
    value: str


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, card: int | None, line: int | None, code: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(card, line, code, message))
        else:
            self.dropped += 1

    def result(self) -> list[Problem]:
        if self.dropped:
            return [
                *self.items,
                Problem(None, None, "too-many-problems", f"{self.dropped} more problems"),
            ]
        return self.items


@dataclass
class _Pending:
    number: int
    start: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    size: int = 0
    oversized: bool = False

    def add(self, lineno: int, line: str) -> None:
        if self.oversized:
            return
        self.size += len(line) if line.isascii() else len(line.encode("utf-8", "replace"))
        if self.size > MAX_CARD_BYTES:
            self.oversized = True
            self.lines.clear()
        else:
            self.lines.append((lineno, line))


_BEGIN = re.compile(r"[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*", re.IGNORECASE)
_END = re.compile(r"[ \t]*END[ \t]*:[ \t]*VCARD[ \t]*", re.IGNORECASE)


def parse(text: str) -> tuple[list[VCardData], list[Problem]]:
    """Every card that could be read, and a problem for each line or card that could not.
    Never raises on bad input; a broken card does not stop the cards after it."""
    problems = _Problems()
    cards: list[VCardData] = []
    count = 0
    pending: _Pending | None = None
    stray: list[int] = []  # first and last line of a run of text outside any card

    def flush_stray() -> None:
        if stray:
            first, last = stray[0], stray[-1]
            lines = f"line {first}" if first == last else f"lines {first}-{last}"
            problems.add(None, first, "outside-card", f"{lines}: text outside any vCard ignored")
            stray.clear()

    def begin(lineno: int) -> _Pending | None:
        nonlocal count
        flush_stray()
        if count >= MAX_CARDS:
            problems.add(
                None, lineno, "too-many-cards", f"more than {MAX_CARDS} cards; the rest ignored"
            )
            return None
        count += 1
        return _Pending(count, lineno)

    if text.startswith("\ufeff"):
        text = text[1:]
    for lineno, line in _logical_lines(text):
        if pending is None:
            if _BEGIN.fullmatch(line):
                pending = begin(lineno)
                if pending is None:
                    break
            elif line.strip():
                if stray:
                    stray[1] = lineno
                else:
                    stray.extend((lineno, lineno))
            continue
        if _END.fullmatch(line):
            _finish(pending, cards, problems)
            pending = None
        elif _BEGIN.fullmatch(line):
            problems.add(
                pending.number,
                lineno,
                "nested-begin",
                "BEGIN:VCARD inside a card that is not closed; that card is skipped",
            )
            pending = begin(lineno)
            if pending is None:
                break
        else:
            pending.add(lineno, line)
    if pending is not None:
        problems.add(
            pending.number, pending.start, "unclosed-card", "END:VCARD missing; card skipped"
        )
    flush_stray()
    if not cards and not problems.items and text.strip():
        problems.add(None, None, "no-cards", "no vCard found")
    return cards, problems.result()


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Physical lines joined back: a line starting with a space or tab continues the one before
    (RFC 6350 3.2), and so does the line after a quoted-printable soft break (a trailing "=")."""
    lines = _NEWLINE.split(text)
    i, n = 0, len(lines)
    while i < n:
        start = i
        parts = [lines[i]]
        quoted_printable = _is_quoted_printable(lines[i])
        i += 1
        while i < n:
            following = lines[i]
            if following[:1] in (" ", "\t"):
                parts.append(following[1:])
            elif (
                quoted_printable
                and parts[-1].endswith("=")
                and following
                and not _END.fullmatch(following)
                and not _BEGIN.fullmatch(following)
            ):
                parts[-1] = parts[-1][:-1]
                parts.append(following)
            else:
                break
            i += 1
        yield start + 1, "".join(parts)


def _is_quoted_printable(line: str) -> bool:
    colon = line.find(":", 0, 2000)
    return colon > 0 and "QUOTED-PRINTABLE" in line[:colon].upper()


def _finish(pending: _Pending, cards: list[VCardData], problems: _Problems) -> None:
    if pending.oversized:
        problems.add(
            pending.number,
            pending.start,
            "card-too-large",
            f"card larger than {MAX_CARD_BYTES // (1024 * 1024)} MB; skipped",
        )
        return
    card = _read_card(pending, problems)
    if card is not None:
        cards.append(card)


_TEXT_PROPERTIES = {"FN", "N", "ORG", "TITLE", "NOTE", "ADR", "LABEL", "EMAIL", "TEL"}
_IGNORED = {"VERSION", "PRODID"}
_NOT_TYPES = {"pref", "internet"}


def _read_card(pending: _Pending, problems: _Problems) -> VCardData | None:
    number = pending.number
    props: list[tuple[int, _Property]] = []
    for lineno, line in pending.lines:
        if not line.strip():
            continue
        prop = _parse_property(line)
        if prop is None:
            preview = line[:40] + ("…" if len(line) > 40 else "")
            problems.add(number, lineno, "malformed-line", f"not a vCard property: {preview!r}")
            continue
        props.append((lineno, prop))
    version = next((p.value.strip() for _, p in props if p.name == "VERSION"), "")

    card = VCardData()
    n_parts: list[list[str]] | None = None
    emails: list[tuple[int, int, str]] = []
    phones: list[tuple[int, int, str]] = []
    notes: list[str] = []
    labels: list[str] = []
    for order, (_lineno, raw) in enumerate(props):
        if raw.name in _IGNORED:
            continue
        prop = _decoded(raw, version)
        name, value = prop.name, prop.value
        if name == "FN" and not card.full_name:
            card.full_name = _unescape(value).strip()
        elif name == "N" and n_parts is None:
            n_parts = [
                [_unescape(v).strip() for v in _split(component, ",")]
                for component in _split(value, ";")
            ]
        elif name == "ORG" and not card.company:
            components = _split(value, ";")
            card.company = _unescape(components[0]).strip()
            if any(c.strip() for c in components[1:]):  # departments: keep them whole
                card.extra.append(_as_extra(prop))
        elif name == "TITLE" and not card.position:
            card.position = _unescape(value).strip()
        elif name == "NOTE":
            if note := _unescape(value).strip():
                notes.append(note)
        elif name == "EMAIL":
            email = _unescape(value).strip()
            if email.lower().startswith("mailto:"):
                email = email[len("mailto:") :]
            if email:
                emails.append((_preference(prop.params), order, email))
                _remember_types(card.email_types, email, prop.params)
        elif name == "TEL":
            phone = _phone(value, prop.params)
            if phone:
                phones.append((_preference(prop.params), order, phone))
                _remember_types(card.phone_types, phone, prop.params)
        elif name == "ADR" and not card.address:
            card.address = _address(value)
            if not card.address:
                card.extra.append(_as_extra(prop))
        elif name == "LABEL":
            labels.append(_unescape(value).strip())
            card.extra.append(_as_extra(prop))
        elif name == "CATEGORIES":
            for tag in _split(value, ","):
                tag = _unescape(tag).strip()
                if tag and tag not in card.tags:
                    card.tags.append(tag)
        elif name == "UID" and not card.uid:
            card.uid = _unescape(value).strip()
        elif name == "REV" and card.rev is None:
            card.rev = _timestamp(value.strip())
            if card.rev is None:
                card.extra.append(_as_extra(prop))
        else:
            card.extra.append(_as_extra(prop))

    card.emails = _ranked(emails, casefold=True)
    card.phones = _ranked(phones, casefold=False)
    card.note = "\n\n".join(notes)
    if not card.address and labels:
        card.address = next((label for label in labels if label), "")
    if n_parts is not None:
        n_parts += [[]] * (5 - len(n_parts))
        family, given, additional, prefix, suffix = (
            " ".join(v for v in part if v) for part in n_parts[:5]
        )
        card.last_name = family
        card.first_name = " ".join(x for x in (given, additional) if x)
        if not card.full_name:
            card.full_name = " ".join(x for x in (prefix, given, additional, family, suffix) if x)
    if not card.full_name:
        card.full_name = card.company or next(iter(card.emails), "") or next(iter(card.phones), "")
    if not card.full_name:
        problems.add(number, pending.start, "empty-card", "card has no name, email or phone")
        return None
    return card


def _parse_property(line: str) -> _Property | None:
    """`[group.]NAME *(;PARAM[=value[,value]]) : value`, or None when the line is not one.
    2.1's bare parameters (TEL;WORK;VOICE) become TYPE values, or ENCODING for an encoding."""
    match = _PROPERTY_NAME.match(line)
    if match is None:
        return None
    group, _, name = match.group().rpartition(".")
    pos, end = match.end(), len(line)
    params: Params = {}
    while pos < end and line[pos] == ";":
        key_match = _PARAM_NAME.match(line, pos + 1)
        if key_match is None:
            return None
        key, pos = key_match.group().upper(), key_match.end()
        if pos < end and line[pos] == "=":
            values: list[str] = []
            pos += 1
            while True:
                if pos < end and line[pos] == '"':
                    close = line.find('"', pos + 1)
                    if close < 0:
                        return None
                    values.append(line[pos + 1 : close])
                    pos = close + 1
                else:
                    value_match = _PARAM_VALUE.match(line, pos)
                    assert value_match is not None  # the pattern matches the empty string
                    values.append(value_match.group())
                    pos = value_match.end()
                if pos < end and line[pos] == ",":
                    pos += 1
                    continue
                break
        else:
            values = [key]
            key = "ENCODING" if key in _ENCODINGS else "TYPE"
        params.setdefault(key, []).extend(values)
    if pos >= end or line[pos] != ":":
        return None
    return _Property(group.upper(), name.upper(), params, line[pos + 1 :])


_PARAM_NAME = re.compile(r"[ \t]*([A-Za-z0-9-]+)[ \t]*")
_PARAM_VALUE = re.compile(r'[^";:,]*')
_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}


def _decoded(prop: _Property, version: str) -> _Property:
    """The property with its value as vCard text: quoted-printable (and base64 for text
    properties) decoded with the declared charset, 4.0 parameter values un-^-escaped."""
    params = {k: list(v) for k, v in prop.params.items()}
    if version.startswith("4"):
        params = {k: [_caret_decode(v) for v in vs] for k, vs in params.items()}
    if "TYPE" in params:  # TYPE="work,voice" is one quoted value holding a list
        params["TYPE"] = [t.strip() for v in params["TYPE"] for t in v.split(",") if t.strip()]
    encoding = (params.get("ENCODING") or [""])[0].upper()
    charset = (params.get("CHARSET") or ["utf-8"])[0]
    value = prop.value
    raw: bytes | None = None
    if encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(value.encode("utf-8", "replace"))
    elif encoding in ("B", "BASE64") and prop.name in _TEXT_PROPERTIES:
        try:
            raw = base64.b64decode("".join(value.split()))
        except (binascii.Error, ValueError):
            raw = None
    if raw is not None:
        text = raw.decode(_codec(charset) or "utf-8", "replace")
        # a decoded line break is content, and from here on values are in escaped form
        value = _NEWLINE.sub("\\\\n", text)
        params.pop("ENCODING", None)
    params.pop("CHARSET", None)  # the text is decoded by now, whatever it was
    return _Property(prop.group, prop.name, params, value)


def _caret_decode(value: str) -> str:
    return re.sub(r"\^([n^'])", lambda m: {"n": "\n", "^": "^", "'": '"'}[m.group(1)], value)


def _as_extra(prop: _Property) -> Extra:
    name = f"{prop.group}.{prop.name}" if prop.group else prop.name
    return (name, prop.params, prop.value)


def _split(value: str, separator: str) -> list[str]:
    """Split at separators that are not escaped with a backslash; escapes stay."""
    parts, current, i, n = [], [], 0, len(value)
    while i < n:
        ch = value[i]
        if ch == "\\" and i + 1 < n:
            current.append(value[i : i + 2])
            i += 2
            continue
        if ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


_UNESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":"}


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    # an unknown escape (a Windows path in a 2.1 note) keeps its backslash
    return re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1), m.group()), value)


def _types(params: Params) -> list[str]:
    out: list[str] = []
    for value in params.get("TYPE", []):
        kind = value.strip().lower()
        if kind and kind not in _NOT_TYPES and kind not in out:
            out.append(kind)
    return out


def _remember_types(into: dict[str, list[str]], value: str, params: Params) -> None:
    types = _types(params)
    if types and value not in into:
        into[value] = types


def _preference(params: Params) -> int:
    """1 is the most preferred; 4.0 says so with PREF=1..100, 3.0 and 2.1 with TYPE=pref."""
    for value in params.get("PREF", []):
        if value.strip().isdigit():
            return min(int(value.strip()), 100)
    if any(v.strip().lower() == "pref" for v in params.get("TYPE", [])):
        return 1
    return 101


def _ranked(found: list[tuple[int, int, str]], casefold: bool) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for _, _, value in sorted(found):
        key = value.casefold() if casefold else value
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _phone(value: str, params: Params) -> str:
    text = _unescape(value).strip()
    if text.lower().startswith("tel:"):
        number, _, rest = text[len("tel:") :].partition(";")
        extension = next(
            (p[len("ext=") :] for p in rest.split(";") if p.lower().startswith("ext=")), ""
        )
        text = f"{number} ext. {extension}" if extension else number
    return text.strip()


def _address(value: str) -> str:
    """ADR's seven components as one line of text; a free-text address written by Kartoteka
    (everything in the street component) comes back exactly as it was."""
    raw = _split(value, ";")
    raw += [""] * (7 - len(raw))
    components = [
        ", ".join(v for v in (_unescape(s).strip() for s in _split(c, ",")) if v) for c in raw
    ]
    pobox, extended, street, locality, region, code, country = components[:7]
    if not any((pobox, extended, locality, region, code, country)):
        # free text, as Kartoteka writes it: the street component whole, commas intact
        return _unescape(raw[2]).strip()
    return ", ".join(x for x in (pobox, extended, street, locality, region, code, country) if x)


def _timestamp(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
