"""Full-text search and ticket suggestions, on whichever database the run uses: Russian and
Polish words, folding, ranking, hostile input, and the public/internal boundary."""

from __future__ import annotations

import pytest
from django.db import connection

from kartoteka.knowledge import services
from kartoteka.knowledge.search import (
    query_terms,
    salient_terms,
    search_articles,
    search_public_articles,
    suggest_for_text,
    suggest_public_articles,
)

pytestmark = pytest.mark.django_db


def titles(articles) -> list[str]:
    return [article.title for article in articles]


@pytest.fixture
def library(admin_user, article_by):
    """A small mixed-language knowledge base: public and internal, one draft."""
    return {
        "reset": article_by(
            admin_user,
            "How to reset your password",
            "Open the login page and choose **Forgot password**. A link arrives by email.",
            visibility="public",
            language="en",
        ),
        "policy": article_by(
            admin_user,
            "Password policy for staff",
            "Staff passwords are rotated every 90 days. Never reset a customer's password "
            "over the phone.",
            visibility="internal",
            language="en",
        ),
        "ru": article_by(
            admin_user,
            "Как сбросить пароль",
            "Если письмо со ссылкой не пришло, проверьте папку «Спам». Ёлка не поможет.",
            visibility="public",
            language="ru",
        ),
        "pl": article_by(
            admin_user,
            "Jak zmienić hasło",
            "Wejdź w ustawienia konta i wybierz **Zmień hasło**. Łódź, Gdańsk, Kraków.",
            visibility="public",
            language="pl",
        ),
        "invoice": article_by(
            admin_user,
            "Invoices and refunds",
            "Invoices are sent on the first day of the month. Refunds take five days.",
            visibility="internal",
        ),
        "draft": article_by(
            admin_user,
            "Draft: password expiry",
            "Not finished.",
            status="draft",
            visibility="public",
        ),
    }


# -- words -------------------------------------------------------------------------------------


def test_query_terms_are_folded_stemmed_and_never_syntax():
    assert query_terms("Пароля") == ["парол"]
    assert query_terms("HASŁO") == ["hasl"]
    assert query_terms("Ёлка") == ["елка"]
    assert query_terms('" OR 1=1 --') == ["or"]
    assert query_terms("*") == []
    assert query_terms("pass*word NEAR/3 (x)") == ["pass", "word", "near"]


def test_salient_terms_skip_greetings_and_numbers():
    terms = salient_terms(
        "Не могу сбросить пароль", "Здравствуйте! Письмо не приходит уже третий раз. Заказ 12345"
    )
    assert terms[:2] == ["сброс", "парол"]
    assert "здравствуите" not in terms and "12345" not in terms


# -- search ------------------------------------------------------------------------------------


def test_title_hits_come_first(library):
    found = search_articles("password", public_only=False)
    assert set(titles(found[:2])) == {"How to reset your password", "Password policy for staff"}
    found = search_articles("reset password", public_only=False)
    # both mention resetting a password; only one says so in its title
    assert titles(found) == ["How to reset your password", "Password policy for staff"]


def test_russian_words_match_other_forms_and_fold_yo(library):
    assert titles(search_articles("пароля", public_only=False)) == ["Как сбросить пароль"]
    assert titles(search_articles("СБРОС", public_only=False)) == ["Как сбросить пароль"]
    assert titles(search_articles("елка", public_only=False)) == ["Как сбросить пароль"]
    assert titles(search_articles("спама", public_only=False)) == ["Как сбросить пароль"]


def test_polish_words_match_with_or_without_diacritics(library):
    for query in ("hasła", "hasla", "HASŁEM", "lodz", "Łódź", "gdansk"):
        assert titles(search_articles(query, public_only=False)) == ["Jak zmienić hasło"], query


def test_prefixes_find_words_as_they_are_typed(library):
    assert titles(search_articles("invo", public_only=False)) == ["Invoices and refunds"]


def test_words_in_no_single_article_fall_back_to_any_of_them(library):
    found = titles(search_articles("refunds hasło", public_only=False))
    assert set(found) == {"Invoices and refunds", "Jak zmienić hasło"}


@pytest.mark.parametrize(
    "query",
    [
        '" OR 1=1 --',
        "*",
        '"unbalanced',
        "'; DROP TABLE knowledge_article; --",
        "password AND NOT",
        "NEAR(password reset)",
        "pass* OR -x ^y",
        "a & b | !c <-> d:*",
        "()[]{}\\:'\"",
        "\x00\x01",
        "💥",
        "x" * 5000,
        "search_title : password",
        "{search_body} : reset",
    ],
)
def test_hostile_queries_never_fail(library, query):
    found = search_articles(query, public_only=True)
    assert all(article.visibility == "public" for article in found)
    search_articles(query, public_only=False)
    suggest_for_text(query, query, public_only=False)


def test_public_only_never_returns_internal_articles_or_drafts(library):
    for query in ("password", "staff", "invoices", "refunds", "draft expiry", "пароль"):
        for article in search_articles(query, public_only=True, limit=50):
            assert article.visibility == "public" and article.status == "published", query
    assert search_public_articles("staff") == []
    assert search_public_articles("invoices") == []


def test_drafts_are_found_only_when_asked_for(library):
    assert "Draft: password expiry" not in titles(search_articles("expiry", public_only=False))
    found = search_articles("expiry", public_only=False, include_drafts=True)
    assert titles(found) == ["Draft: password expiry"]
    assert search_articles("expiry", public_only=True, include_drafts=True) == []


def test_a_language_keeps_its_own_articles_and_those_for_any_language(library):
    assert titles(search_articles("refunds", public_only=False, language="ru")) == [
        "Invoices and refunds"  # language "any"
    ]
    assert search_articles("password", public_only=False, language="ru") == []


def test_the_limit_is_kept(admin_user, article_by):
    for number in range(7):
        article_by(admin_user, f"Printer problem {number}", "Printer jams.")
    assert len(search_articles("printer", public_only=False, limit=3)) == 3


def test_an_empty_query_finds_nothing(library):
    assert search_articles("", public_only=False) == []
    assert search_articles("   ", public_only=False) == []


def test_body_markup_is_not_indexed_but_its_words_are(admin_user, article_by):
    article_by(admin_user, "Links", "See [the portal](https://portal.example.com/help).")
    assert titles(search_articles("portal", public_only=False)) == ["Links"]
    assert search_articles("https", public_only=False) == []


# -- suggestions -------------------------------------------------------------------------------


def test_a_ticket_being_written_gets_the_articles_about_it(library):
    found = suggest_for_text(
        "Cannot reset my password",
        "Hello, I tried to reset my password three times but no email arrives.",
        public_only=False,
    )
    assert found[0].title == "How to reset your password"


def test_a_russian_ticket_gets_the_russian_article(library):
    found = suggest_for_text(
        "Не приходит письмо для сброса пароля", "Добрый день! Третий раз пробую.", public_only=True
    )
    assert titles(found)[0] == "Как сбросить пароль"


def test_portal_suggestions_are_public_only(library):
    found = suggest_public_articles("password staff invoices refunds", "rotated every 90 days")
    assert found, "some public article mentions a password"
    assert all(article.visibility == "public" for article in found)
    assert "Password policy for staff" not in titles(found)


def test_a_ticket_with_only_small_words_suggests_nothing(library):
    assert suggest_for_text("Hi", "it is not ok", public_only=False) == []


# -- the index itself --------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_postgresql_answers_a_search_from_the_gin_index(library):
    from kartoteka.knowledge.search import _scope, _tsquery, document_vector

    qs = (
        _scope(public_only=False, language=None, include_drafts=True, category_ids=None)
        .annotate(document=document_vector())
        .filter(document=_tsquery(["password"], "all"))
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "kb_article_document" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
def test_sqlite_keeps_the_fts_table_in_step_with_votes_untouched(admin_user, article_by):
    article = article_by(admin_user, "Printer setup", "Install the driver.")
    services.vote(article, "user:1", True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM knowledge_article_fts WHERE knowledge_article_fts MATCH 'printer'"
        )
        assert cursor.fetchall() == [(article.pk,)]
        cursor.execute(
            "INSERT INTO knowledge_article_fts(knowledge_article_fts, rank) "
            "VALUES ('integrity-check', 1)"
        )
