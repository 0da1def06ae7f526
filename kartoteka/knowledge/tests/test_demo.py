"""The demo knowledge base loads in every demo language and is searchable in it."""

from __future__ import annotations

import pytest

from kartoteka.knowledge.demo import create_demo
from kartoteka.knowledge.models import Article, ArticleCategory, CannedResponse
from kartoteka.knowledge.search import search_public_articles, suggest_for_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "language,query,ticket",
    [
        ("en", "password", "I forgot my password"),
        ("ru", "пароля", "Не могу сбросить пароль"),
        ("pl", "hasła", "Nie pamiętam hasła"),
    ],
)
def test_the_demo_in_each_language(admin_user, language, query, ticket):
    assert create_demo(language) == (8, 5)
    assert ArticleCategory.objects.count() == 3
    assert set(Article.objects.values_list("language", flat=True)) == {language}
    assert Article.objects.filter(visibility="internal").count() == 3
    assert CannedResponse.objects.filter(owner__isnull=True).count() == 5
    assert search_public_articles(query)
    assert suggest_for_text(ticket, "", public_only=True)
    assert Article.objects.filter(helpful_yes__gt=0).count() == 5


def test_an_unknown_language_gets_english(admin_user):
    create_demo("de")
    assert Article.objects.filter(title="How to reset your password", language="en").exists()
