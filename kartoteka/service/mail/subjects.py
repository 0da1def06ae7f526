"""The ticket token in a subject ("[#123]") and the reply prefixes around it.

Incoming mail is matched to a ticket by the token when threading headers are missing (a
customer who writes a fresh mail and types the number, or a client that drops References);
outgoing mail carries exactly one token, whatever the subject held before.
"""

from __future__ import annotations

import re

DEFAULT_PREFIX = "#"
MAX_SUBJECT_CHARS = 900

# Reply prefixes of the mail clients our customers use: English, German, Polish, Russian,
# Scandinavian, and counted forms like "Re[2]:" or "Re^3:".
_REPLY_PREFIX = re.compile(
    r"^\s*(re|aw|odp|sv|vs|antw|отв|ответ)\s*(\[\d+\]|\^\d+|\(\d+\))?\s*:\s*", re.IGNORECASE
)
_NEWLINES = re.compile(r"[\r\n\t]+")


def _token_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[\s*" + re.escape(prefix) + r"\s*(\d{1,15})\s*\]")


def ticket_token(number: int, prefix: str = DEFAULT_PREFIX) -> str:
    """The token naming a ticket in a subject: "[#123]"."""
    return f"[{prefix}{int(number)}]"


def ticket_reference(subject: str | None, prefix: str = DEFAULT_PREFIX) -> int | None:
    """The ticket number in a subject's "[#123]" token (the first one), or None."""
    if not subject or not prefix:
        return None
    match = _token_pattern(prefix).search(subject)
    return int(match.group(1)) if match else None


def strip_reply_prefixes(subject: str) -> str:
    """The subject without leading "Re:", "AW:", "Odp:", "Отв:" (repeated or counted)."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _REPLY_PREFIX.sub("", subject, count=1)
    return subject.strip()


def subject_with_token(
    subject: str | None, number: int, *, reply: bool, prefix: str = DEFAULT_PREFIX
) -> str:
    """The subject as "Re: [#N] subject" or "[#N] subject", earlier tokens and prefixes removed."""
    clean = _NEWLINES.sub(" ", subject or "")
    clean = strip_reply_prefixes(_token_pattern(prefix).sub(" ", clean))
    # Removing a token in the middle ("Re: [#5] Re: x") can expose another prefix.
    clean = " ".join(strip_reply_prefixes(clean).split())[:MAX_SUBJECT_CHARS]
    parts = ["Re:"] if reply else []
    parts.append(ticket_token(number, prefix))
    if clean:
        parts.append(clean)
    return " ".join(parts)
