"""PostgreSQL's word index for search (migration platform 0003): kept in step with the search
entries by every write path, and a search through it finds exactly what asking the full-text
index for the newest matches finds."""

from __future__ import annotations

import pytest
from django.db import connection

from kartoteka.platform import bulk, search
from kartoteka.platform.search import Hit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the word index exists on PostgreSQL only"
    ),
]


def _stored_words() -> set[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, entry_id FROM platform_searchword")
        return set(cursor.fetchall())


def _expected_words() -> set[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT left(w, 64), s.id FROM platform_searchentry s, "
            "unnest(tsvector_to_array(s.tsv)) w"
        )
        return set(cursor.fetchall())


def _newest_then_ranked(user, query: str, limit: int = 20) -> list[Hit]:
    """The search as it was before the word index: the GIN index asked for the newest
    `RANKED` matches, then ranked. The reference the new plan must agree with."""
    terms = search.terms_of(query)
    keys = [spec.key for spec in search.registry.all()]
    where, params = search._permission_clause(user, keys)
    tsquery = " & ".join(f"{term}:*" for term in terms)
    sql = (
        "SELECT m.entity, m.object_id, m.title, m.subtitle FROM ("  # noqa: S608
        "SELECT s.entity, s.object_id, s.title, s.subtitle, s.tsv "
        "FROM platform_searchentry s "
        "WHERE s.tsv @@ to_tsquery('simple', %s) AND " + where + " "
        "ORDER BY s.id DESC LIMIT %s) m "
        "ORDER BY ts_rank(m.tsv, to_tsquery('simple', %s)) DESC, m.title LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery, *params, search.RANKED, tsquery, limit])
        return [Hit(*row) for row in cursor.fetchall()]


def test_every_write_path_keeps_the_words_in_step(admin_user, make, registry):
    from kartoteka.platform import services

    spec = registry.get("company")
    first = make("company", name="Wyszomirska Trading", phones="+48 58 123 45 67")
    make("contact", first_name="Семён", last_name="Ёлкин", emails="semen@example.com")
    entry = search.SearchEntry.objects.get(object_id=first.pk, entity="company")
    assert ("wyszomirska", entry.pk) in _stored_words()
    services.update_record(spec, admin_user, first, {"name": "Nowak Holding"})
    bulk.bulk_create_records(
        spec, admin_user, [{"name": f"Bulk Firm {n} Łódź"} for n in range(30)], batch_size=7
    )
    assert _stored_words() == _expected_words()
    words = {word for word, _ in _stored_words()}
    assert "nowak" in words and "wyszomirska" not in words and "lodz" in words
    services.delete_record(spec, admin_user, spec.queryset().get(pk=first.pk))
    assert _stored_words() == _expected_words()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE platform_searchentry")
    assert _stored_words() == set()


def test_a_very_long_word_is_kept_cut_and_still_found(admin_user, make):
    long_word = "a" * 80 + "zulu"
    make("company", name=f"Long {long_word}")
    assert (long_word[:64],) in {(w,) for w, _ in _stored_words()}
    assert [h.title for h in search.search(admin_user, long_word)] == [f"Long {long_word}"]


@pytest.mark.parametrize("words_at_most", [0, 10**9])
def test_the_word_index_finds_what_the_full_text_index_finds(
    admin_user, manager, outsider, make, monkeypatch, words_at_most
):
    """With a small RANKED, through the word index (and without it, for terms too common
    for it): the same hits, in the same order, as the plain full-text query, for every user
    and for queries of one term, of several (intersected in the index) and of terms the
    word index cannot lead (short, or not one word to PostgreSQL)."""
    monkeypatch.setattr(search, "RANKED", 4)
    monkeypatch.setattr(search, "WORDS_AT_MOST", words_at_most)
    for n in range(6):
        make("company", name=f"Nordic Timber {n}", owner=manager if n % 2 else outsider)
        make("contact", first_name="Anna", last_name=f"Nordström {n}", owner=manager)
        make("company", name=f"Annapurna Trek {n}", owner=outsider)
    make("company", name="Nordic Nordic Blend", owner=outsider)
    make("company", name="snake_case Nordic", owner=outsider)
    queries = [
        "nordic", "nord", "anna", "ann", "anna nord", "nordic timber 3", "timber nordic",
        "annapurna", "no", "n", "snake_case", "zzz", "nordic zzz", "Łódź", "nordic nordic",
        "trek timber", "nord tim annapurna",
    ]  # fmt: skip
    for user in (admin_user, manager, outsider):
        for query in queries:
            expected = _newest_then_ranked(user, query)
            assert search.search(user, query) == expected, (user.username, query)
    assert search.search(admin_user, "nordic timber 0")[0].title == "Nordic Timber 0"


def test_a_common_word_is_read_from_the_word_index_alone(admin_user, make, monkeypatch):
    """The plan: the ids from the word index's own B-tree, the entries then read one by one
    by key. (A table of twenty rows would be read whole, so sequential scans are switched
    off; the plan at a million contacts is in docs/performance.md, finding 29.)"""
    for n in range(20):
        make("company", name=f"Nordic {n}")
    with connection.cursor() as cursor:
        terms = search.terms_of("nordic")
        where, params = search._permission_clause(admin_user, ["company"])
        sql, args = search._newest_matches_postgresql(cursor, terms, where, params, 20)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, args)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "on platform_searchword_word" in plan, plan
    assert "Index Scan using platform_searchentry_pkey" in plan, plan
    assert "Seq Scan" not in plan and "platform_search_tsv" not in plan, plan


def test_a_word_too_common_for_the_index_walks_the_entries(admin_user, make, monkeypatch):
    monkeypatch.setattr(search, "WORDS_AT_MOST", 5)
    for n in range(8):
        make("company", name=f"Nordic {n}")
    make("company", name="Annapurna")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE platform_searchword")  # the estimate comes from statistics
        assert search._driving_ranges(cursor, ["nordic", "anna", "no", "snake_case"]) == [
            ("anna", "annb")
        ]
    assert [h.title for h in search.search(admin_user, "nordic 7")] == ["Nordic 7"]
