"""Global search behind one interface: SQLite FTS5 or PostgreSQL full-text.

Services call `index_record` / `unindex_record` as they write. Text is folded the same way
when indexed and when searched (lower case, accents and Polish ł removed, ё → е), so
"Łódź", "lodz" and "LODZ" find each other, and "Семён" is found by "семен". Every term is a
prefix, for type-ahead. Results pass through the permission scopes before they are read.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection

from . import permissions
from .models import SearchEntry
from .registry import EntitySpec, registry

_EXTRA_FOLDS = str.maketrans({"ł": "l", "Ł": "l", "ё": "е", "Ё": "е", "ß": "ss", "ø": "o"})
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def fold(text: str) -> str:
    if not text:
        return ""
    if text.isascii():  # nothing to decompose or strip: the same as the long way, quicker
        return text.lower()
    text = text.translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped).lower()


def terms_of(query: str) -> list[str]:
    return _WORD.findall(fold(query))[:MAX_TERMS]


def document_of(spec: EntitySpec, obj) -> tuple[str, str, str]:
    """(title, subtitle, folded document) for a record."""
    parts: list[str] = []
    for field_key in spec.search_fields:
        value = getattr(obj, field_key, "")
        if isinstance(value, list):
            parts.extend(str(item) for item in value)
        elif value:
            parts.append(str(value))
    for field_spec in spec.custom_fields:
        if field_spec.type in ("text", "email", "phone", "longtext", "choice"):
            value = (obj.custom or {}).get(field_spec.key)
            if value:
                parts.append(str(value)[:500])
    for value in list(getattr(obj, "phones", None) or []):
        parts.append(str(value).lstrip("+"))
    title = spec.title(obj)[:255]
    subtitle = (spec.subtitle(obj) or "")[:255]
    # Only words, separated by spaces: both FTS5 and PostgreSQL's parser then see the same
    # tokens (an email address becomes its parts, as the query terms do).
    return title, subtitle, " ".join(words_of(" ".join([title, *parts])))


def words_of(text: str) -> list[str]:
    """The folded words of `text`: `_WORD.findall(fold(text))`, folding each space-separated
    piece once however often it recurs (names, cities and positions repeat across records)."""
    if text.isascii():  # folding is lowering: nothing worth remembering
        return _WORD.findall(text.lower())
    words: list[str] = []
    for piece in text.split():
        if piece.isascii():  # e-mail addresses, numbers: seldom seen twice
            words.extend(_WORD.findall(piece.lower()))
        elif len(piece) <= 64:  # the cache holds at most 50,000 × 64 characters
            words.extend(_folded_words(piece))
        else:
            words.extend(_WORD.findall(fold(piece)))
    return words


@functools.lru_cache(maxsize=50_000)
def _folded_words(piece: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(piece)))


def index_record(spec: EntitySpec, obj) -> None:
    title, subtitle, document = document_of(spec, obj)
    SearchEntry.objects.update_or_create(
        entity=spec.key,
        object_id=obj.pk,
        defaults={
            "owner_id": obj.owner_id,
            "title": title,
            "subtitle": subtitle,
            "document": document,
        },
    )


def unindex_record(entity_key: str, object_id: int) -> None:
    SearchEntry.objects.filter(entity=entity_key, object_id=object_id).delete()


@dataclass
class Hit:
    entity: str
    object_id: int
    title: str
    subtitle: str

    @property
    def spec(self) -> EntitySpec | None:
        return registry.find(self.entity)

    @property
    def url(self) -> str:
        spec = self.spec
        return spec.card_url(self.object_id) if spec else ""


def _permission_clause(user, entity_keys: list[str]) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    for key in entity_keys:
        owners = permissions.visible_owner_ids(user, key)
        if owners == []:
            continue
        if owners is None:
            clauses.append("(s.entity = %s)")
            params.append(key)
        else:
            marks = ", ".join(["%s"] * len(owners))
            clauses.append(f"(s.entity = %s AND s.owner_id IN ({marks}))")
            params.extend([key, *owners])
    if not clauses:
        return "", []
    return "(" + " OR ".join(clauses) + ")", params


RANKED = 1000  # matches ranked per search: the newest ones (see `search`)


def search(user, query: str, *, entity: str | None = None, limit: int = 20) -> list[Hit]:
    """The best `limit` matches the user may see. Relevance is computed for the newest
    `RANKED` matches only: a common word ("anna" at a million contacts: 25,000 matches) would
    otherwise have every match scored before twenty are shown (finding 10 of
    docs/performance.md). Where more than `RANKED` records match, older ones are found by
    adding a word, as a type-ahead user does anyway."""
    terms = terms_of(query)
    if not terms:
        return []
    keys = [entity] if entity else [spec.key for spec in registry.all()]
    where, params = _permission_clause(user, keys)
    if not where:
        return []
    limit = max(1, min(int(limit), 100))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql, args = _newest_matches_postgresql(cursor, terms, where, params, limit)
    else:
        match = " ".join(f'"{term}"*' for term in terms)
        sql = (
            "SELECT entity, object_id, title, subtitle FROM ("  # noqa: S608
            "SELECT s.entity, s.object_id, s.title, s.subtitle, f.rank AS rank "
            "FROM platform_search_fts f JOIN platform_searchentry s ON s.id = f.rowid "
            "WHERE platform_search_fts MATCH %s AND " + where + " "
            "ORDER BY f.rowid DESC LIMIT %s) "
            "ORDER BY rank, title LIMIT %s"
        )
        args = [match, *params, RANKED, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [Hit(*row) for row in cursor.fetchall()]


WORDS_AT_MOST = 100_000  # PostgreSQL: a term with more words in the index walks the key instead


def _words_estimate(cursor, lower: str, upper: str) -> float:
    """PostgreSQL's own estimate (from the statistics, nothing read) of the index entries
    of words in [lower, upper)."""
    cursor.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM platform_searchword s "
        "WHERE s.word >= %s AND s.word < %s",
        [lower, upper],
    )
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _driving_ranges(cursor, terms: list[str]) -> list[tuple[str, str]]:
    """The word ranges that lead a PostgreSQL search through `platform_searchword`, rarest
    first (by the statistics): those of the terms PostgreSQL reads as one word of three
    letters or more with at most `WORDS_AT_MOST` index entries, three at most. Empty when
    no term qualifies: walking the entries newest first then finds the newest matches
    sooner than the word index would."""
    found = []
    for term in dict.fromkeys(terms):
        if len(term) < 3 or not term.isalnum() or ord(term[-1]) >= 0x10FFFF:
            continue
        lower = term[:64]
        upper = lower[:-1] + chr(ord(lower[-1]) + 1)
        rows = _words_estimate(cursor, lower, upper)
        if rows <= WORDS_AT_MOST:
            found.append((rows, lower, upper))
    return [(lower, upper) for _, lower, upper in sorted(found)[:3]]


def _newest_matches_postgresql(
    cursor, terms: list[str], where: str, params: list, limit: int
) -> tuple[str, list]:
    """The newest `RANKED` matches, ranked, as one statement. Asking the GIN index for the
    newest matches makes PostgreSQL either walk the primary key backwards testing every
    entry or visit the heap page of every match: 100–300 ms for "anna" at a million
    contacts (finding 29 of docs/performance.md). So the ids come from the word index of
    migration 0003 instead: the driving term's entries the user may see, from the index
    alone, newest first; each entry is then read by key and checked against the whole query
    until `RANKED` have matched. For very common terms the walk down the key stays."""
    tsquery = " & ".join(f"{term}:*" for term in terms)
    ranges = _driving_ranges(cursor, terms)
    rank = "ORDER BY ts_rank(m.tsv, to_tsquery('simple', %s)) DESC, m.title LIMIT %s"
    # `where` holds only placeholders built by _permission_clause; values are params
    if not ranges:
        sql = (
            "SELECT m.entity, m.object_id, m.title, m.subtitle FROM ("  # noqa: S608
            "SELECT s.entity, s.object_id, s.title, s.subtitle, s.tsv "
            "FROM platform_searchentry s "
            "WHERE s.tsv @@ to_tsquery('simple', %s) AND " + where + " "
            "ORDER BY s.id DESC LIMIT %s) m " + rank
        )
        return sql, [tsquery, *params, RANKED, tsquery, limit]
    # The ids the user may see whose words start with every driving term, from the index
    # alone; then the entries in that order, read by key until RANKED match the whole query.
    # The OFFSET 0 fences keep that plan (otherwise PostgreSQL joins every match through the
    # GIN index).
    word_ids = "SELECT s.entry_id FROM platform_searchword s WHERE s.word >= %s AND s.word < %s"
    ids = " INTERSECT ".join([f"{word_ids} AND {where}", *[word_ids] * (len(ranges) - 1)])
    if len(ranges) == 1:  # one range may hold an entry twice (anna, annabel); INTERSECT dedups
        ids = "SELECT DISTINCT" + ids[len("SELECT") :]
    sql = (
        "SELECT m.entity, m.object_id, m.title, m.subtitle FROM ("  # noqa: S608
        "SELECT e.entity, e.object_id, e.title, e.subtitle, e.tsv FROM ("
        "SELECT w.entry_id FROM (" + ids + ") w ORDER BY w.entry_id DESC OFFSET 0) ids "
        "CROSS JOIN LATERAL (SELECT x.entity, x.object_id, x.title, x.subtitle, x.tsv "
        "FROM platform_searchentry x WHERE x.id = ids.entry_id OFFSET 0) e "
        "WHERE e.tsv @@ to_tsquery('simple', %s) "
        "ORDER BY ids.entry_id DESC LIMIT %s) m " + rank
    )
    driving = [*ranges[0], *params, *[bound for pair in ranges[1:] for bound in pair]]
    return sql, [*driving, tsquery, RANKED, tsquery, limit]


def matching_ids(user, spec: EntitySpec, query: str, cap: int = 5000) -> list[int] | None:
    """Ids of records of one entity matching a quick search, for list filtering."""
    terms = terms_of(query)
    if not terms:
        return None
    if connection.vendor == "postgresql":
        sql = (
            "SELECT object_id FROM platform_searchentry "
            "WHERE entity = %s AND tsv @@ to_tsquery('simple', %s) LIMIT %s"
        )
        args = [spec.key, " & ".join(f"{term}:*" for term in terms), cap]
    else:
        sql = (
            "SELECT s.object_id FROM platform_search_fts f "
            "JOIN platform_searchentry s ON s.id = f.rowid "
            "WHERE platform_search_fts MATCH %s AND s.entity = %s LIMIT %s"
        )
        args = [" ".join(f'"{term}"*' for term in terms), spec.key, cap]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [row[0] for row in cursor.fetchall()]


def title_candidates(entity_key: str, terms: list[str], limit: int = 100) -> list[tuple[int, str]]:
    """Records of one entity sharing a word beginning with any term's first letters — the
    candidates a fuzzy name comparison then scores ("Janek Kowalsky" finds "Jan Kowalski").
    No permission filter: duplicate warnings name existing clients whoever owns them."""
    stems = sorted({term[:4] for term in terms if len(term) >= 3})
    if not stems:
        return []
    if connection.vendor == "postgresql":
        sql = (
            "SELECT object_id, title FROM platform_searchentry "
            "WHERE entity = %s AND tsv @@ to_tsquery('simple', %s) LIMIT %s"
        )
        args = [entity_key, " | ".join(f"{stem}:*" for stem in stems), limit]
    else:
        sql = (
            "SELECT s.object_id, s.title FROM platform_search_fts f "
            "JOIN platform_searchentry s ON s.id = f.rowid "
            "WHERE platform_search_fts MATCH %s AND s.entity = %s LIMIT %s"
        )
        args = [" OR ".join(f'"{stem}"*' for stem in stems), entity_key, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def entries_with_all_terms(
    entity_keys: tuple[str, ...], terms: list[str], limit: int = 50
) -> list[tuple[str, int, str, str]]:
    """(entity, id, title, subtitle) of records whose document holds every term as a whole
    word — the candidates for an exact name comparison, found through the index."""
    if not terms:
        return []
    placeholders = ", ".join(["%s"] * len(entity_keys))
    if connection.vendor == "postgresql":
        # placeholders is only "%s, %s…"
        sql = (
            "SELECT entity, object_id, title, subtitle FROM platform_searchentry "  # noqa: S608
            f"WHERE entity IN ({placeholders}) AND tsv @@ to_tsquery('simple', %s) LIMIT %s"
        )
        args = [*entity_keys, " & ".join(f"'{term}'" for term in terms), limit]
    else:
        sql = (
            "SELECT s.entity, s.object_id, s.title, s.subtitle FROM platform_search_fts f "  # noqa: S608
            "JOIN platform_searchentry s ON s.id = f.rowid "
            f"WHERE platform_search_fts MATCH %s AND s.entity IN ({placeholders}) LIMIT %s"
        )
        args = [" ".join(f'"{term}"' for term in terms), *entity_keys, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())
