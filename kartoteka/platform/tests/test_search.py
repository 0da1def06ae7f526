"""Global search folds letters the same way on SQLite and PostgreSQL and matches prefixes."""

import pytest

from kartoteka.platform import search


@pytest.mark.django_db
def test_search_folds_polish_and_russian_letters(admin_user, make):
    make("company", name="Łódź Trading Sp. z o.o.")
    make("contact", first_name="Семён", last_name="Ёлкин")
    assert [h.title for h in search.search(admin_user, "lodz")] == ["Łódź Trading Sp. z o.o."]
    assert [h.title for h in search.search(admin_user, "семен елк")] == ["Семён Ёлкин"]
    assert [h.title for h in search.search(admin_user, "ЁЛКИН")] == ["Семён Ёлкин"]


@pytest.mark.django_db
def test_search_matches_prefixes_for_type_ahead(admin_user, make):
    make("company", name="Northwind Traders")
    assert [h.title for h in search.search(admin_user, "nor tra")] == ["Northwind Traders"]
    assert search.search(admin_user, "traders zzz") == []


@pytest.mark.django_db
def test_search_treats_query_syntax_as_text(admin_user, make):
    make("company", name="Acme")
    for hostile in ["'\") OR 1=1 --", 'acme" OR "x', "NEAR(a b)", "*", "acme AND NOT"]:
        hits = search.search(admin_user, hostile)
        assert all(hit.title == "Acme" for hit in hits)


@pytest.mark.django_db
def test_search_finds_by_phone_digits_and_email(admin_user, make):
    make("company", name="Gdańsk Port", phones="+48 58 123 45 67", emails="Office@Port.pl")
    assert [h.title for h in search.search(admin_user, "48581234567")] == ["Gdańsk Port"]
    assert [h.title for h in search.search(admin_user, "office@port.pl")] == ["Gdańsk Port"]


@pytest.mark.django_db
def test_changed_and_deleted_records_leave_the_index(admin_user, make, registry):
    from kartoteka.platform import services

    spec = registry.get("company")
    company = make("company", name="Old Name")
    services.update_record(spec, admin_user, company, {"name": "New Name"})
    assert search.search(admin_user, "old") == []
    assert [h.title for h in search.search(admin_user, "new")] == ["New Name"]
    services.delete_record(spec, admin_user, spec.queryset().get(pk=company.pk))
    assert search.search(admin_user, "new") == []


@pytest.mark.django_db
def test_duplicate_warning_finds_a_similarly_spelt_name(admin_user, make, registry):
    from kartoteka.platform import services

    make("contact", first_name="Jan", last_name="Kowalski")
    make("contact", first_name="Anna", last_name="Nowak")
    found = services.find_duplicates(
        registry.get("contact"), {"first_name": "Janek", "last_name": "Kowalsky"}
    )
    assert [(d["title"], str(d["reason"])) for d in found] == [
        ("Jan Kowalski", "very similar name")
    ]
    assert (
        services.find_duplicates(
            registry.get("contact"), {"first_name": "Piotr", "last_name": "Zieliński"}
        )
        == []
    )


@pytest.mark.django_db
def test_a_common_word_ranks_the_newest_matches_the_user_may_see(
    admin_user, manager, outsider, make, monkeypatch
):
    """Only the newest RANKED matches are scored (a common word would otherwise score every
    match); the cap counts the matches the user may see, so a manager's own older records are
    not pushed out by newer ones of other teams."""
    monkeypatch.setattr(search, "RANKED", 3)
    own = [make("company", name=f"Nordic Own {i}", owner=manager) for i in range(2)]
    others = [make("company", name=f"Nordic Other {i}", owner=outsider) for i in range(4)]
    everyone = {h.object_id for h in search.search(admin_user, "nordic")}
    assert everyone == {c.pk for c in others[-3:]}  # the newest three of six
    assert {h.object_id for h in search.search(manager, "nordic")} == {c.pk for c in own}
    # an older record is found by a word that narrows the matches
    assert [h.object_id for h in search.search(admin_user, "nordic other 0")] == [others[0].pk]
    # ranking still orders within the newest: the record named by both words comes first
    make("company", name="Nordic Nordic Blend", owner=outsider)
    assert search.search(admin_user, "nordic")[0].title == "Nordic Nordic Blend"


@pytest.mark.parametrize(
    "text",
    [
        "Łódź ŁÓDŹ lodz",
        "Семён Ёлкин  ёж",
        "ﬁnance ﬀ ½",  # compatibility characters
        "e\u0301 a\u0308 \u0301alone",  # combining marks, one after a space
        "non\u00a0breaking\u2003spaces\ttabs\nlines",
        "ΟΔΥΣΣΕΥΣ σοφός",  # Greek final sigma
        "person0@firm0.example +48 600 000 000 O'Brien-Smith",
        "Straße Øresund",
        "Иван Wiśniewska 0 person0@firm0.example 600000000 Бухгалтер",  # ASCII pieces amid
        "ŁÓDŹ" * 40 + " " + "x" * 65,  # pieces too long to be remembered
        "",
    ],
)
def test_words_of_is_findall_of_the_folded_text(text):
    assert search.words_of(text) == search._WORD.findall(search.fold(text))
    assert search.words_of(text) == search.words_of(text)  # and so when remembered
