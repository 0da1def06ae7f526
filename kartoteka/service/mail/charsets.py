"""Turning the bytes of a mail part into text, also when the charset label is missing or wrong.

Mail from Russian and Polish senders still arrives in cp1251, koi8-r, cp1250 or ISO-8859-2,
and often labelled with the wrong one (or with none, or as Latin-1). A declared charset is
trusted when it is an unusual one that decodes cleanly; a label that is often wrong in practice
is checked against the other likely candidates, scored by how natural the words look.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

# Labels that mail clients and gateways get wrong often enough that a clean decode proves
# nothing: every byte is valid in them, so the text must also look like words.
_DOUBTFUL = frozenset(
    {
        "ascii",
        "iso8859_1",
        "cp1252",
        "iso8859_2",
        "cp1250",
        "cp1251",
        "koi8_r",
        "koi8_u",
        "iso8859_5",
    }
)
# Tried in this order; on equal scores the earlier wins. Windows Latin first: when no word
# decides (a lone "€" or dash), the byte is most likely a Windows symbol.
_CANDIDATES = ("cp1252", "cp1250", "cp1251", "koi8_r", "iso8859_2")
# Codecs that exist in Python but are not a charset a mail can be written in.
_NOT_CHARSETS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined", "mbcs", "oem"}
)
_EXTRA_ALIASES = {
    "unknown-8bit": None,
    "x-unknown": None,
    "unknown": None,
    "default": None,
    "x-user-defined": None,
    "gb2312": "gb18030",  # senders use gb2312 for text that needs its superset
    "ks_c_5601-1987": "cp949",
    "x-mac-cyrillic": "mac_cyrillic",
    "iso-8859-8-i": "iso8859_8",
}
_SAMPLE = 65536
_MARKUP = re.compile(rb"<[^<>]{0,500}>")
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCTUATION = "\"'()[]{}<>.,;:!?«»„“”‘’-–—*/\\|_"
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def codec_name(label: str | bytes | None) -> str | None:
    """The Python codec for a charset label from a mail, or None when unknown or unusable."""
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    label = label.strip().strip("\"'").strip().lower()
    if not label or len(label) > 40:
        return None
    if "*" in label:  # RFC 2231 language suffix: utf-8*en
        label = label.split("*", 1)[0]
    if label in _EXTRA_ALIASES:
        label = _EXTRA_ALIASES[label]
        if label is None:
            return None
    tries = [label]
    if label.startswith("x-"):
        tries.append(label[2:])
    tries += [
        label.replace("win-", "windows-"),
        label.replace("cp-", "cp"),
        label.replace("_", "-"),
    ]
    for candidate in tries:
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError):
            continue
        name = info.name.replace("-", "_")
        if not getattr(info, "_is_text_encoding", True) or name in _NOT_CHARSETS:
            return None
        return name
    return None


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document names in its own <meta> tag, if any."""
    match = _META_CHARSET.search(data[:4096])
    return codec_name(match.group(1)) if match else None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text from bytes in a declared (maybe wrong, maybe missing) charset. Never raises."""
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    codec = codec_name(declared)
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if codec is None and data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", "replace")
    if codec is not None and codec not in _DOUBTFUL and codec != "utf_8":
        text = _strict(data, codec)
        if text is not None:
            return text
    # Random single-byte text is almost never valid UTF-8, so a clean UTF-8 decode settles it;
    # so does a mostly clean one (a character cut at the end, a few damaged bytes).
    text = _strict(data, "utf_8")
    if text is not None:
        return text
    text = data.decode("utf-8", "replace")
    damaged = text.count("\ufffd")
    intact = sum(1 for char in text if ord(char) > 127) - damaged
    if intact >= 4 * damaged:
        return text
    return _best_guess(data, codec)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        return None


def _best_guess(data: bytes, declared: str | None) -> str:
    # Tags and attributes are ASCII; left in, they would glue onto the words of HTML text.
    sample = _MARKUP.sub(b" ", data[:_SAMPLE])
    best_codec, best_score = None, float("-inf")
    declared_score = None
    if declared is not None and declared != "utf_8":
        text = _strict(sample, declared)
        if text is not None:
            declared_score = plausibility(text)
            # The sender's label wins unless another reading is clearly more natural.
            best_codec, best_score = declared, declared_score + 2 + 0.1 * abs(declared_score)
    for codec in _CANDIDATES:
        if codec == declared:
            continue
        text = _strict(sample, codec)
        if text is None:
            continue
        score = plausibility(text)
        if score > best_score:
            best_codec, best_score = codec, score
    if best_codec is None:
        fallback = declared if declared not in (None, "utf_8") else "cp1252"
        return data.decode(fallback, "replace")
    return data.decode(best_codec, "replace")


def plausibility(text: str) -> float:
    """How much a decoded text looks like words people write (higher is more natural).

    Cyrillic read in the wrong one of cp1251/koi8-r comes out with inverted case ("пРИВЕТ");
    Cyrillic read as Latin comes out as words made only of accented letters ("Ïðèâåò"); a
    Latin text read as Cyrillic mixes scripts inside a word; a wrong Latin table puts symbols
    or control characters between letters.
    """
    score = 0.0
    for token in _TOKEN.findall(text):
        if token.isascii():
            continue
        word = token.strip(_EDGE_PUNCTUATION)
        if not word:
            continue
        cyr_lower = cyr_upper = ascii_letters = latin_ext = inner_symbols = 0
        for index, char in enumerate(word):
            if "a" <= char.lower() <= "z":
                ascii_letters += 1
            elif "\u0400" <= char <= "\u04ff":
                if char.isupper():
                    cyr_upper += 1
                else:
                    cyr_lower += 1
            elif char.isalpha():
                latin_ext += 1
            elif unicodedata.category(char)[0] == "C":
                score -= 5
            elif not char.isdigit() and 0 < index < len(word) - 1:
                inner_symbols += 1
        score -= 3 * inner_symbols
        length = len(word)
        cyrillic = cyr_lower + cyr_upper
        if cyrillic and (ascii_letters or latin_ext):
            score -= length
        elif cyrillic:
            if length < 2:
                continue
            if cyr_upper == 0 or (cyr_upper == 1 and word[0].isupper()):
                score += length
            elif cyr_lower == 0:
                score += 0.3 * length  # shouting happens, but rarely for a whole mail
            else:
                score -= length
        elif latin_ext:
            if latin_ext <= ascii_letters or (latin_ext == 1 and length <= 3):
                score += length
            else:
                score -= 0.5 * length
    return score
