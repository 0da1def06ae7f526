"""Who may read and write the knowledge base, through every door: the services, the pages
and the API."""

from __future__ import annotations

import pytest

from kartoteka.accounts.models import Role
from kartoteka.knowledge import services
from kartoteka.knowledge.access import (
    may_edit_knowledge,
    public_article,
    visible_articles,
)
from kartoteka.knowledge.models import Article, ArticleCategory, CannedResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_article_grant(django_user_model):
    """A role that may change everything except the knowledge base."""
    role = Role.objects.create(
        key="crm_only",
        name="CRM only",
        grants={
            "*": {"view": "all", "create": "all", "change": "all", "delete": "all"},
            "article": {"view": "all", "change": "none"},
        },
    )
    return django_user_model.objects.create_user(
        username="carl", password="pw-carl", role=role, first_name="Carl"
    )


def test_who_may_edit_the_knowledge_base(admin_user, head, manager, reader, no_article_grant):
    assert may_edit_knowledge(admin_user)
    assert may_edit_knowledge(head)
    assert may_edit_knowledge(manager)  # managers may change (their own) records
    assert not may_edit_knowledge(reader)
    assert not may_edit_knowledge(no_article_grant)


def test_an_inactive_or_anonymous_user_may_not_edit(admin_user):
    from django.contrib.auth.models import AnonymousUser

    admin_user.is_active = False
    assert not may_edit_knowledge(admin_user)
    assert not may_edit_knowledge(AnonymousUser())
    assert not may_edit_knowledge(None)


def test_a_user_without_the_grant_cannot_write_articles(reader, no_article_grant, admin_user):
    article = services.create_article(admin_user, {"title": "Kept", "body": ""})
    for user in (reader, no_article_grant):
        with pytest.raises(services.PermissionDenied):
            services.create_article(user, {"title": "Nope", "body": ""})
        with pytest.raises(services.PermissionDenied):
            services.update_article(user, article, {"title": "Nope"}, 1)
        with pytest.raises(services.PermissionDenied):
            services.publish_article(user, article)
        with pytest.raises(services.PermissionDenied):
            services.delete_article(user, article)
        with pytest.raises(services.PermissionDenied):
            services.create_category(user, {"name": "Nope"})
    assert list(Article.objects.values_list("title", flat=True)) == ["Kept"]
    assert not ArticleCategory.objects.exists()


def test_readers_see_published_articles_and_editors_see_drafts(admin_user, reader, article_by):
    published = article_by(admin_user, "Published")
    draft = services.create_article(admin_user, {"title": "Draft", "body": ""})
    assert list(visible_articles(reader)) == [published]
    assert set(visible_articles(admin_user)) == {published, draft}


def test_the_portal_reads_only_public_published_articles(admin_user, article_by):
    internal = article_by(admin_user, "Internal", visibility="internal")
    public = article_by(admin_user, "Public", visibility="public")
    public_draft = services.create_article(
        admin_user, {"title": "Draft", "body": "", "visibility": "public"}
    )
    assert public_article(public.pk) == public
    assert public_article(internal.pk) is None
    assert public_article(public_draft.pk) is None


# -- the API -----------------------------------------------------------------------------------


def test_the_api_answers_403_to_a_user_without_the_grant(api_as, reader, admin_user, article_by):
    article = article_by(admin_user, "Kept")
    api = api_as(reader)
    response = api.post("/articles", {"title": "Nope"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert api.patch(f"/articles/{article.pk}", {"title": "x", "version": 1}).status_code == 403
    assert api.delete(f"/articles/{article.pk}").status_code == 403
    assert api.post(f"/articles/{article.pk}/unpublish").status_code == 403
    assert api.post("/article-categories", {"name": "x"}).status_code == 403
    assert (
        api.post("/canned-responses", {"title": "x", "body": "y", "shared": True}).status_code
        == 403
    )
    assert Article.objects.get().title == "Kept"
    # reading and voting are for everyone signed in
    assert api.get(f"/articles/{article.pk}").status_code == 200
    assert api.post(f"/articles/{article.pk}/vote", {"helpful": True}).status_code == 200


def test_a_draft_is_invisible_to_a_reader_through_the_api(api_as, reader, admin_user):
    draft = services.create_article(admin_user, {"title": "Secret plans", "body": "Draft text"})
    api = api_as(reader)
    assert api.get(f"/articles/{draft.pk}").status_code == 404
    assert api.get("/articles", {"q": "secret"}).json()["items"] == []
    assert api.get("/articles").json()["items"] == []


def test_personal_answers_are_invisible_to_others(api_as, manager, colleague, admin_user):
    mine = services.create_canned(manager, {"title": "Mine", "body": "x"})
    shared = services.create_canned(manager, {"title": "Team", "body": "y", "shared": True})
    for other in (colleague, admin_user):
        api = api_as(other)
        ids = [item["id"] for item in api.get("/canned-responses").json()["items"]]
        assert ids == [shared.pk]
        assert api.get(f"/canned-responses/{mine.pk}").status_code == 404
        assert api.post(f"/canned-responses/{mine.pk}/render", {}).status_code == 404
        assert api.delete(f"/canned-responses/{mine.pk}").status_code == 404
    assert CannedResponse.objects.filter(pk=mine.pk).exists()


def test_a_reader_may_not_change_a_shared_answer(api_as, reader, manager):
    shared = services.create_canned(manager, {"title": "Team", "body": "y", "shared": True})
    api = api_as(reader)
    assert api.get(f"/canned-responses/{shared.pk}").status_code == 200
    response = api.patch(f"/canned-responses/{shared.pk}", {"title": "x", "version": 1})
    assert response.status_code == 403
    assert api.delete(f"/canned-responses/{shared.pk}").status_code == 403
    # nor make a personal answer shared
    personal = services.create_canned(reader, {"title": "Mine", "body": "x"})
    response = api.patch(f"/canned-responses/{personal.pk}", {"shared": True, "version": 1})
    assert response.status_code == 403
    assert CannedResponse.objects.get(pk=personal.pk).owner == reader


# -- the pages ---------------------------------------------------------------------------------


def test_editing_pages_answer_403_to_a_user_without_the_grant(
    client, reader, admin_user, article_by
):
    article = article_by(admin_user)
    category = services.create_category(admin_user, {"name": "Billing"})
    client.force_login(reader)
    for url in (
        "/kb/new/",
        f"/kb/{article.pk}/edit/",
        f"/kb/{article.pk}/delete/",
        "/kb/categories/",
        f"/kb/categories/{category.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/kb/new/", {"title": "Nope"}).status_code == 403
    assert client.post(f"/kb/{article.pk}/delete/").status_code == 403
    assert client.post(f"/kb/{article.pk}/unpublish/").status_code == 403
    assert client.post(f"/kb/categories/{category.pk}/delete/").status_code == 403
    assert Article.objects.filter(pk=article.pk, status="published").exists()
    assert ArticleCategory.objects.filter(pk=category.pk).exists()
    # but reading works
    assert client.get("/kb/").status_code == 200
    assert client.get(f"/kb/{article.pk}/").status_code == 200


def test_pages_need_a_signed_in_user(client, admin_user, article_by):
    article = article_by(admin_user)
    for url in ("/kb/", f"/kb/{article.pk}/", "/kb/canned/", "/kb/suggest/?q=password"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"], url
