"""The knowledge base's API: strict input, clear 4xx answers with nothing written, stale
versions refused with 409."""

from __future__ import annotations

import json

import pytest

from kartoteka.knowledge import services
from kartoteka.knowledge.models import Article, ArticleVote, CannedResponse
from tests.helpers import API, error_of

pytestmark = pytest.mark.django_db


# -- articles ----------------------------------------------------------------------------------


def test_an_editor_writes_reads_and_publishes_an_article(api_as, manager):
    api = api_as(manager)
    response = api.post(
        "/articles", {"title": "Printer jams", "body": "**Open** the tray.", "language": "en"}
    )
    assert response.status_code == 201, response.content
    article = response.json()
    assert article["status"] == "draft" and article["version"] == 1
    assert article["body_html"] == "<p><strong>Open</strong> the tray.</p>"
    response = api.post(f"/articles/{article['id']}/publish")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    assert api.get(f"/articles/{article['id']}").json()["version"] == 2


def test_a_patch_with_a_stale_version_answers_409_and_changes_nothing(
    api_as, admin_user, article_by
):
    article = article_by(admin_user, title="Original")
    api = api_as(admin_user)
    assert api.patch(f"/articles/{article.pk}", {"title": "First", "version": 1}).status_code == 200
    response = api.patch(f"/articles/{article.pk}", {"title": "Second", "version": 1})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict" and error["current_version"] == 2
    assert Article.objects.get(pk=article.pk).title == "First"


def test_if_match_carries_the_version(api_as, admin_user, article_by):
    article = article_by(admin_user)
    api = api_as(admin_user)
    response = api.patch(f"/articles/{article.pk}", {"title": "Via header"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    response = api.patch(f"/articles/{article.pk}", {"title": "Stale"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 409


def test_a_patch_without_a_version_is_refused(api_as, admin_user, article_by):
    article = article_by(admin_user)
    response = api_as(admin_user).patch(f"/articles/{article.pk}", {"title": "x"})
    assert response.status_code == 422
    assert "version" in error_of(response)["fields"]


def test_an_oversized_body_is_refused_with_nothing_written(api_as, admin_user):
    response = api_as(admin_user).post("/articles", {"title": "Huge", "body": "x" * 100_001})
    assert response.status_code == 422
    assert error_of(response)["message"].startswith("body: Enter at most 100000 characters")
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"body": "no title"}, "title"),
        ({"title": None}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "T", "visibility": "everyone"}, "visibility"),
        ({"title": "T", "status": "PUBLISHED"}, "status"),
        ({"title": "T", "language": "de"}, "language"),
        ({"title": "T", "category": "abc"}, "category"),
        ({"title": "T", "category": 10**30}, "category"),
        ({"title": "T", "category": 99999}, "category"),
        ({"title": "T", "category": True}, "category"),
        ({"title": "T", "body": ["list"]}, "body"),
        ({"title": "T", "body": "nul \x00 byte"}, "body"),
        ({"title": "T", "author": 1}, "author"),
        ({"title": "T", "helpful_yes": 1000}, "helpful_yes"),
    ],
)
def test_bad_article_input_is_refused_with_nothing_written(api_as, admin_user, body, field):
    response = api_as(admin_user).post("/articles", body)
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert not Article.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "null"])
def test_a_body_that_is_not_an_object_is_refused(api_as, admin_user, raw):
    response = api_as(admin_user).post("/articles", raw)
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    assert not Article.objects.exists()


def test_the_list_searches_with_q(api_as, admin_user, article_by):
    article_by(admin_user, "Reset your password", "Steps.")
    article_by(admin_user, "Invoices", "Monthly.")
    api = api_as(admin_user)
    response = api.get("/articles", {"q": "passw"})
    assert [item["title"] for item in response.json()["items"]] == ["Reset your password"]
    assert "excerpt" in response.json()["items"][0] and "body" not in response.json()["items"][0]
    response = api.get("/articles", {"q": '" OR 1=1 --'})
    assert response.status_code == 200


def test_the_list_pages_by_id(api_as, admin_user, article_by):
    for number in range(5):
        article_by(admin_user, f"Article {number}")
    api = api_as(admin_user)
    first = api.get("/articles", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_before"]
    second = api.get("/articles", {"limit": 2, "before": first["next_before"]}).json()
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


@pytest.mark.parametrize(
    "params",
    [
        {"status": "live"},
        {"visibility": "everyone"},
        {"language": "xx"},
        {"limit": 0},
        {"limit": 10_000},
        {"category": "abc"},
        {"colour": "red"},
        {"q": "x" * 201},
    ],
)
def test_bad_list_parameters_answer_422(api_as, admin_user, params):
    response = api_as(admin_user).get("/articles", params)
    assert response.status_code == 422, response.content


def test_reading_an_unknown_article_answers_404(api_as, admin_user):
    response = api_as(admin_user).get("/articles/999999")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_delete_with_a_stale_version_answers_409(api_as, admin_user, article_by):
    article = article_by(admin_user)
    api = api_as(admin_user)
    api.patch(f"/articles/{article.pk}", {"title": "Changed", "version": 1})
    assert api.delete(f"/articles/{article.pk}?version=1").status_code == 409
    assert api.delete(f"/articles/{article.pk}?version=2").status_code == 204
    assert not Article.objects.exists()


def test_a_vote_is_counted_once_and_can_change(api_as, manager, admin_user, article_by):
    article = article_by(admin_user)
    api = api_as(manager)
    assert api.post(f"/articles/{article.pk}/vote", {"helpful": True}).json()["helpful_yes"] == 1
    again = api.post(f"/articles/{article.pk}/vote", {"helpful": True}).json()
    assert (again["helpful_yes"], again["your_vote"]) == (1, True)
    changed = api.post(f"/articles/{article.pk}/vote", {"helpful": False}).json()
    assert (changed["helpful_yes"], changed["helpful_no"], changed["your_vote"]) == (0, 1, False)


@pytest.mark.parametrize(
    "body", [{}, {"helpful": "yes"}, {"helpful": 1}, {"helpful": True, "x": 1}]
)
def test_a_bad_vote_is_refused(api_as, manager, admin_user, article_by, body):
    article = article_by(admin_user)
    response = api_as(manager).post(f"/articles/{article.pk}/vote", body)
    assert response.status_code == 422
    assert not ArticleVote.objects.exists()


def test_suggest_returns_articles_for_a_ticket(api_as, manager, admin_user, article_by):
    article_by(admin_user, "How to reset your password", "Use the link.")
    article_by(admin_user, "Invoices", "Monthly.")
    api = api_as(manager)
    response = api.get(
        "/articles/suggest", {"subject": "Password reset fails", "description": "No email"}
    )
    assert [item["title"] for item in response.json()] == ["How to reset your password"]
    assert api.get("/articles/suggest", {"q": "invoice"}).json()[0]["title"] == "Invoices"
    assert api.get("/articles/suggest", {"nonsense": "1"}).status_code == 422


# -- categories --------------------------------------------------------------------------------


def test_categories_through_the_api(api_as, admin_user):
    api = api_as(admin_user)
    billing = api.post("/article-categories", {"name": "Billing"}).json()
    refunds = api.post("/article-categories", {"name": "Refunds", "parent": billing["id"]})
    assert refunds.status_code == 201 and refunds.json()["parent"] == billing["id"]
    assert api.post("/article-categories", {"name": "billing"}).status_code == 422
    assert api.delete(f"/article-categories/{billing['id']}").status_code == 422
    assert api.delete(f"/article-categories/{refunds.json()['id']}").status_code == 204
    names = [c["name"] for c in api.get("/article-categories").json()]
    assert names == ["Billing"]


# -- canned responses --------------------------------------------------------------------------


def test_canned_responses_crud_and_render(api_as, manager):
    api = api_as(manager)
    created = api.post(
        "/canned-responses",
        {
            "title": "Password reset",
            "body": "Hi {{ contact.first_name }}, about {{ ticket.number }}: {{ agent.name }}",
            "shortcut": "/reset",
        },
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert (item["shared"], item["shortcut"], item["owner"]) == (False, "reset", manager.pk)
    rendered = api.post(
        f"/canned-responses/{item['id']}/render",
        {"contact": {"first_name": "Anna"}, "ticket": {"number": "T-1"}},
    )
    assert rendered.status_code == 200
    assert rendered.json() == {
        "text": "Hi Anna, about T-1: Anna",  # the manager persona is called Anna too
        "missing": [],
        "unknown": [],
    }
    found = api.get("/canned-responses", {"shortcut": "/reset"}).json()["items"]
    assert [f["id"] for f in found] == [item["id"]]
    stale = api.patch(f"/canned-responses/{item['id']}", {"title": "x", "version": 5})
    assert stale.status_code == 409
    assert (
        api.patch(f"/canned-responses/{item['id']}", {"title": "y", "version": 1}).json()["version"]
        == 2
    )
    assert api.delete(f"/canned-responses/{item['id']}").status_code == 204
    assert not CannedResponse.objects.exists()


@pytest.mark.parametrize(
    "context",
    [
        {"settings": {"SECRET_KEY": "1"}},
        {"contact": {"password": "x"}},
        {"contact": "Anna"},
        {"contact": {"first_name": {"nested": 1}}},
    ],
)
def test_render_refuses_unknown_context(api_as, manager, context):
    response = services.create_canned(manager, {"title": "T", "body": "{{ contact.first_name }}"})
    answer = api_as(manager).post(f"/canned-responses/{response.pk}/render", context)
    assert answer.status_code == 422


def test_render_leaves_template_syntax_alone(api_as, manager):
    response = services.create_canned(
        manager, {"title": "T", "body": "{% load static %}{{ settings.SECRET_KEY }}"}
    )
    answer = api_as(manager).post(f"/canned-responses/{response.pk}/render", {}).json()
    assert answer["text"] == "{% load static %}{{ settings.SECRET_KEY }}"
    assert answer["unknown"] == ["settings.SECRET_KEY"]


def test_an_oversized_canned_body_is_refused(api_as, manager):
    response = api_as(manager).post("/canned-responses", {"title": "T", "body": "x" * 20_001})
    assert response.status_code == 422
    assert not CannedResponse.objects.exists()


def test_a_request_body_over_the_upload_limit_answers_413(api_as, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(admin_user).client.post(
        API + "/articles",
        json.dumps({"title": "T", "body": "x" * 2000}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert not Article.objects.exists()


def test_api_requires_authentication(client):
    assert client.get(API + "/articles").status_code == 401
    assert client.get(API + "/canned-responses").status_code == 401


def test_the_list_runs_a_constant_number_of_queries(api_as, admin_user, article_by):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as(admin_user)

    def count() -> int:
        api.get("/articles")  # the first request may reload the entity registry
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/articles").status_code == 200
            assert api.get("/articles", {"q": "article"}).status_code == 200
        return len(captured)

    for number in range(2):
        article_by(admin_user, f"Article {number}")
    few = count()
    for number in range(10):
        article_by(admin_user, f"More article {number}")
    assert count() == few


def test_publish_takes_no_body_and_refuses_a_stale_version(client, admin_user):
    draft = services.create_article(admin_user, {"title": "Draft", "body": ""})
    client.force_login(admin_user)
    response = client.post(f"{API}/articles/{draft.pk}/publish")
    assert response.status_code == 200 and response.json()["status"] == "published"
    response = client.post(f"{API}/articles/{draft.pk}/unpublish?version=1")
    assert response.status_code == 409
    assert client.post(f"{API}/articles/{draft.pk}/unpublish?version=x").status_code == 422
    assert Article.objects.get(pk=draft.pk).status == "published"
