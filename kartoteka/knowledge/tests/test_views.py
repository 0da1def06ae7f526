"""The knowledge-base pages: they render, escape what people typed, take votes through htmx,
and show refusals and conflicts on the form."""

from __future__ import annotations

import pytest

from kartoteka.knowledge import services
from kartoteka.knowledge.models import Article, ArticleVote, CannedResponse

pytestmark = pytest.mark.django_db

XSS_TITLE = '<script>alert("title")</script>'
XSS_BODY = "<img src=x onerror=alert(1)> [x](javascript:alert(2)) **<b>bold</b>**"


def test_every_page_renders_for_an_editor(client, admin_user, article_by):
    category = services.create_category(admin_user, {"name": "Billing"})
    article = article_by(admin_user, category=category.pk)
    answer = services.create_canned(admin_user, {"title": "Hello", "body": "Hi"})
    client.force_login(admin_user)
    for url in (
        "/kb/",
        "/kb/?q=password",
        f"/kb/?category={category.pk}",
        "/kb/?status=draft&visibility=public",
        "/kb/new/",
        f"/kb/{article.pk}/",
        f"/kb/{article.pk}/edit/",
        f"/kb/{article.pk}/delete/",
        "/kb/canned/",
        "/kb/canned/?q=hel&scope=mine",
        "/kb/canned/new/",
        f"/kb/canned/{answer.pk}/edit/",
        f"/kb/canned/{answer.pk}/delete/",
        "/kb/categories/",
        f"/kb/categories/{category.pk}/edit/",
        "/kb/suggest/?q=password",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:500])


def test_the_knowledge_base_is_in_the_main_navigation(client, reader):
    client.force_login(reader)
    page = client.get("/").content.decode()
    assert 'data-nav="knowledge.articles"' in page and 'href="/kb/"' in page


def test_the_list_shows_badges_and_searches(client, admin_user, reader, article_by):
    article_by(admin_user, "Public answer", visibility="public")
    article_by(admin_user, "Staff notes", visibility="internal")
    client.force_login(reader)
    page = client.get("/kb/").content.decode()
    assert "Public answer" in page and "Staff notes" in page
    assert "bi-globe2" in page and "bi-lock" in page
    page = client.get("/kb/", {"q": "staff"}).content.decode()
    assert "Staff notes" in page and "Public answer" not in page
    page = client.get("/kb/", {"visibility": "public"}).content.decode()
    assert "Public answer" in page and "Staff notes" not in page
    page = client.get("/kb/", {"q": "nothing-like-this"}).content.decode()
    assert "No articles match" in page


def test_hostile_search_input_is_harmless(client, reader, admin_user, article_by):
    article_by(admin_user, "Password help")
    client.force_login(reader)
    for query in ('" OR 1=1 --', "*", '"><script>alert(1)</script>', "x" * 1000):
        response = client.get("/kb/", {"q": query})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
    response = client.get("/kb/", {"category": "abc", "after": "!!!", "status": "x"})
    assert response.status_code == 200


def test_the_list_pages_by_title(client, admin_user, article_by):
    for number in range(55):
        article_by(admin_user, f"Article {number:02d}")
    client.force_login(admin_user)
    response = client.get("/kb/")
    page = response.content.decode()
    assert "Article 49" in page and "Article 50" not in page
    more = response.context["more_url"]
    assert more
    page = client.get("/kb/" + more).content.decode()
    assert "Article 50" in page and "Article 54" in page and "Article 49" not in page


def test_title_and_body_are_escaped_everywhere(client, admin_user, article_by):
    article = article_by(admin_user, XSS_TITLE, XSS_BODY)
    client.force_login(admin_user)
    for url in (f"/kb/{article.pk}/", "/kb/", "/kb/?q=alert", f"/kb/{article.pk}/edit/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
        assert 'href="javascript:' not in page, url
    page = client.get(f"/kb/{article.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in page
    assert "<strong>&lt;b&gt;bold&lt;/b&gt;</strong>" in page
    suggestions = client.get("/kb/suggest/", {"q": "alert title"}).content.decode()
    assert "<script>alert" not in suggestions and "&lt;script&gt;" in suggestions


def test_the_article_page_renders_the_markup(client, reader, admin_user, article_by):
    article = article_by(
        admin_user, "Steps", "# Do this\n\n- one\n- two\n\nSee https://example.com"
    )
    client.force_login(reader)
    page = client.get(f"/kb/{article.pk}/").content.decode()
    assert "<h2>Do this</h2>" in page and "<ul><li>one</li><li>two</li></ul>" in page
    assert 'href="https://example.com"' in page
    assert f"/kb/{article.pk}/edit/" not in page


def test_a_helpful_vote_through_htmx_returns_the_widget(client, reader, admin_user, article_by):
    article = article_by(admin_user)
    client.force_login(reader)
    response = client.post(f"/kb/{article.pk}/vote/", {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="kb-helpful"')
    assert "1 of 1 reader found it helpful" in fragment
    assert 'data-vote="yes"' in fragment and 'aria-pressed="true"' in fragment
    response = client.post(f"/kb/{article.pk}/vote/", {"helpful": "no"}, HTTP_HX_REQUEST="true")
    assert "0 of 1 reader found it helpful" in response.content.decode()
    assert ArticleVote.objects.get().helpful is False


def test_a_vote_without_htmx_redirects_back(client, reader, admin_user, article_by):
    article = article_by(admin_user)
    client.force_login(reader)
    response = client.post(f"/kb/{article.pk}/vote/", {"helpful": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/kb/{article.pk}/"
    article.refresh_from_db()
    assert article.helpful_yes == 1


def test_a_bad_vote_answers_422_and_counts_nothing(client, reader, admin_user, article_by):
    article = article_by(admin_user)
    client.force_login(reader)
    response = client.post(f"/kb/{article.pk}/vote/", {"helpful": "maybe"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert not ArticleVote.objects.exists()
    assert client.get(f"/kb/{article.pk}/vote/").status_code == 405


def test_creating_an_article_through_the_form(client, manager):
    client.force_login(manager)
    response = client.post(
        "/kb/new/",
        {
            "title": "Printer jams",
            "body": "Open the tray.",
            "visibility": "public",
            "status": "published",
            "language": "en",
            "category": "",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kb/{article.pk}/"
    assert (article.title, article.visibility, article.status) == (
        "Printer jams",
        "public",
        "published",
    )


def test_the_form_shows_refusals_and_writes_nothing(client, manager):
    client.force_login(manager)
    response = client.post(
        "/kb/new/", {"title": "", "body": "x" * 100_001, "visibility": "public", "status": "draft"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page and "Enter at most 100000 characters" in page
    assert not Article.objects.exists()


def test_a_stale_edit_in_the_form_answers_409_and_keeps_both_texts(
    client, manager, admin_user, article_by
):
    article = article_by(admin_user, "Original", "Original text")
    services.update_article(admin_user, article, {"body": "Their text"}, 1)
    client.force_login(manager)
    response = client.post(
        f"/kb/{article.pk}/edit/",
        {"title": "Mine", "body": "My text", "visibility": "internal", "status": "published",
         "language": "any", "category": "", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this article" in page
    assert "Their text" in page and "My text" in page
    assert 'name="version" value="2"' in page
    assert Article.objects.get(pk=article.pk).body == "Their text"


def test_deleting_asks_first_then_deletes(client, admin_user, article_by):
    article = article_by(admin_user, "Old article")
    client.force_login(admin_user)
    page = client.get(f"/kb/{article.pk}/delete/").content.decode()
    assert "Delete the article “Old article”?" in page
    assert Article.objects.exists()
    response = client.post(f"/kb/{article.pk}/delete/", {"version": "1"})
    assert response.status_code == 302 and not Article.objects.exists()


def test_publishing_from_the_article_page(client, admin_user):
    draft = services.create_article(admin_user, {"title": "Draft", "body": ""})
    client.force_login(admin_user)
    client.post(f"/kb/{draft.pk}/publish/", {"version": "1"})
    assert Article.objects.get(pk=draft.pk).status == "published"
    client.post(f"/kb/{draft.pk}/unpublish/", {"version": "1"})  # stale: refused
    assert Article.objects.get(pk=draft.pk).status == "published"


def test_the_preview_renders_escaped_markup(client, manager):
    client.force_login(manager)
    response = client.post("/kb/preview/", {"body": "**Hi** <script>x</script>"})
    page = response.content.decode()
    assert "<strong>Hi</strong>" in page and "&lt;script&gt;" in page
    assert client.post("/kb/preview/", {"body": "x" * 100_001}).status_code == 422


def test_suggestions_fragment_for_a_ticket_form(client, reader, admin_user, article_by):
    article_by(admin_user, "How to reset your password", visibility="public")
    client.force_login(reader)
    fragment = client.get(
        "/kb/suggest/", {"subject": "reset password", "description": "no email"}
    ).content.decode()
    assert "How to reset your password" in fragment and 'target="_blank"' in fragment
    assert client.get("/kb/suggest/").content == b""
    assert "No matching articles" in client.get("/kb/suggest/", {"q": "zebra"}).content.decode()


def test_canned_response_pages(client, manager, reader):
    client.force_login(manager)
    response = client.post(
        "/kb/canned/new/",
        {"title": "Refund", "body": "Dear {{ contact.first_name }}", "shortcut": "/refund",
         "shared": "on", "language": "any", "category": ""},
    )  # fmt: skip
    assert response.status_code == 302
    answer = CannedResponse.objects.get()
    assert answer.is_shared and answer.shortcut == "refund"
    page = client.get("/kb/canned/").content.decode()
    assert "Refund" in page and "/refund" in page and "{{ contact.first_name }}" in page
    preview = client.post(
        "/kb/canned/preview/", {"body": "Dear {{ contact.first_name }} {{ x.y }}"}
    )
    assert "Dear Anna {{ x.y }}" in preview.content.decode()
    # a reader may keep personal answers but not share them: the form has no such box
    client.force_login(reader)
    page = client.get("/kb/canned/new/").content.decode()
    assert 'name="shared"' not in page
    assert client.get(f"/kb/canned/{answer.pk}/edit/").status_code == 403
    client.post("/kb/canned/new/", {"title": "Mine", "body": "x", "shared": "on"})
    assert CannedResponse.objects.get(title="Mine").owner == reader


def test_canned_form_refusals(client, manager):
    client.force_login(manager)
    response = client.post("/kb/canned/new/", {"title": "", "body": "", "shortcut": "a b"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page and "Use letters, digits" in page
    assert not CannedResponse.objects.exists()


def test_categories_page_adds_and_refuses(client, admin_user):
    client.force_login(admin_user)
    assert client.post("/kb/categories/", {"name": "Billing", "parent": ""}).status_code == 302
    response = client.post("/kb/categories/", {"name": "billing", "parent": ""})
    assert response.status_code == 422
    assert "There already is a category" in response.content.decode()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request may reload the entity registry: not this page's cost
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/kb/", "/kb/?q=article", "/kb/canned/", "/kb/categories/"])
def test_pages_run_a_constant_number_of_queries(client, admin_user, article_by, url):
    category = services.create_category(admin_user, {"name": "Billing"})
    sub = services.create_category(admin_user, {"name": "Refunds", "parent": category.pk})

    def add(count):
        for number in range(count):
            article_by(admin_user, f"Article {number}", "Body", category=sub.pk)
            services.create_canned(admin_user, {"title": f"Answer {number}", "body": "x"})

    client.force_login(admin_user)
    add(2)
    few = _queries(client, url)
    add(12)
    assert _queries(client, url) == few
