"""Turning Russian and Polish words into ASCII for domains, mailboxes and log-ins."""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip
_OTHER = {"ł": "l", "ß": "ss", "æ": "ae", "ø": "o", "&": " and "}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def to_ascii(text: str) -> str:
    """Lower-case ASCII: Cyrillic transliterated, Polish and other accents dropped."""
    out = []
    for char in text.lower():
        if char in _CYRILLIC:
            out.append(_CYRILLIC[char])
        elif char in _OTHER:
            out.append(_OTHER[char])
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out).encode("ascii", "ignore").decode()


def slug(text: str, separator: str = "-") -> str:
    """A domain label: "Северный Путь" → "severnyy-put", "Złota Dolina" → "zlota-dolina"."""
    return _NOT_ALNUM.sub(separator, to_ascii(text)).strip(separator)
