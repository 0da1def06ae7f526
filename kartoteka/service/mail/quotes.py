"""Cutting the quoted previous conversation off a reply, so a ticket shows only what is new.

Best effort, like every mail client's: the text is cut at the first line that introduces a
quote ("On … wrote:", "-----Original Message-----", an Outlook "From:/Sent:" block, the Russian
"… пишет:" and Polish "… napisał(a):"), and lines quoted with ">" are dropped. When nothing
would remain, the whole text is kept: showing too much beats showing an empty reply.
"""

from __future__ import annotations

import re

_ATTRIBUTION_END = re.compile(
    r"(\bwrote|\bschrieb|a\s+écrit|\bescribió|пишет|написал(\(а\)|а)?|"
    r"napisał(\(a\)|a)?|написала)\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^(on|am|le|el|w dniu|в|\d)", re.IGNORECASE)
# Gmail in Russian and others write only "<date>, <name> <address>:" with no verb.
_DATED_ADDRESS_LINE = re.compile(r"\d.*<[^<>\s]+@[^<>\s]+>\s*:\s*$")
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*("
    r"original message|ursprüngliche nachricht|message d'origine|mensaje original|"
    r"исходное сообщение|пересылаемое сообщение|"
    r"wiadomość oryginalna|oryginalna wiadomość|forwarded message"
    r")\s*-{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(from|от|od|von|de)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(sent|date|to|subject|отправлено|дата|кому|тема|wysłano|data|do|temat|"
    r"gesendet|an|betreff|envoyé|objet)\s*:",
    re.IGNORECASE,
)


def new_text(text: str) -> str:
    """The part of a reply its author wrote now, without the quoted earlier messages."""
    if not text:
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _quote_start(lines)
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    result = "\n".join(kept).strip()
    result = re.sub(r"\n{3,}", "\n\n", result)
    return result or text.strip()


def _quote_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        if _SEPARATOR.match(stripped):
            return index
        if (_UNDERSCORES.match(stripped) or _HEADER_FROM.match(stripped)) and _outlook_block(
            lines, index
        ):
            return index
        if _is_attribution(stripped):
            return index
        # An attribution line may be wrapped by the sender's client over two or three lines.
        if _ATTRIBUTION_START.match(stripped):
            for span in (2, 3):
                parts = [part.strip() for part in lines[index : index + span]]
                joined = " ".join(parts)
                if not all(parts) or len(joined) > 400:
                    break
                if _is_attribution(joined):
                    return index
    return len(lines)


def _is_attribution(line: str) -> bool:
    # "… wrote:" alone could end a sentence of the reply; a date, an address or the usual
    # opening ("On", "Am", "W dniu") makes it the line a mail client writes.
    if _ATTRIBUTION_END.search(line) and (
        _ATTRIBUTION_START.match(line) or "@" in line or any(c.isdigit() for c in line)
    ):
        return True
    return bool(_DATED_ADDRESS_LINE.search(line))


def _outlook_block(lines: list[str], index: int) -> bool:
    """An Outlook header block: From: followed closely by Sent:/Date: and To:/Subject:."""
    window = [line for line in lines[index : index + 8] if line.strip()]
    if _UNDERSCORES.match(window[0].strip()):
        window = window[1:]
    if not window or not _HEADER_FROM.match(window[0]):
        return False
    return sum(1 for line in window[1:6] if _HEADER_OTHER.match(line)) >= 2
