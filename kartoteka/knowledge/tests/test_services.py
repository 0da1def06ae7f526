"""The knowledge base's writes: articles with stale-edit detection, votes, categories and
canned responses — every rule the pages and the API rely on."""

from __future__ import annotations

import pytest

from kartoteka.knowledge import services
from kartoteka.knowledge.models import Article, ArticleVote, CannedResponse
from kartoteka.knowledge.search import search_articles
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db


# -- articles ----------------------------------------------------------------------------------


def test_a_new_article_is_an_internal_draft_by_its_author(admin_user):
    article = services.create_article(admin_user, {"title": "  Refund policy ", "body": "Text"})
    assert (article.title, article.status, article.visibility, article.language) == (
        "Refund policy",
        "draft",
        "internal",
        "any",
    )
    assert article.author == admin_user and article.version == 1
    assert article.published_at is None
    assert Activity.objects.filter(
        entity=services.AUDIT_ENTITY, object_id=article.pk, kind="created"
    ).exists()


def test_publishing_on_create_sets_the_publication_time(admin_user, article_by):
    article = article_by(admin_user)
    assert article.status == "published" and article.published_at is not None


def test_an_article_needs_a_title_and_nothing_is_written_without_one(admin_user):
    with pytest.raises(services.InputErrors) as caught:
        services.create_article(admin_user, {"title": "   ", "body": "x"})
    assert "title" in caught.value.errors
    assert not Article.objects.exists()


def test_every_problem_is_reported_at_once(admin_user):
    with pytest.raises(services.InputErrors) as caught:
        services.create_article(
            admin_user,
            {
                "title": "x" * 201,
                "body": 5,
                "visibility": "secret",
                "status": "live",
                "language": "de",
                "category": 999,
                "colour": "red",
            },
        )
    assert set(caught.value.errors) == {
        "title",
        "body",
        "visibility",
        "status",
        "language",
        "category",
        "colour",
    }


def test_a_body_over_100000_characters_is_refused(admin_user):
    with pytest.raises(services.InputErrors) as caught:
        services.create_article(admin_user, {"title": "Long", "body": "a" * 100_001})
    assert "100000" in caught.value.errors["body"][0]
    services.create_article(admin_user, {"title": "Just fits", "body": "a" * 100_000})


def test_a_title_with_a_line_break_is_refused(admin_user):
    with pytest.raises(services.InputErrors) as caught:
        services.create_article(admin_user, {"title": "One\nTwo", "body": ""})
    assert "single line" in caught.value.errors["title"][0]


def test_an_update_bumps_the_version_and_logs_old_and_new_values(admin_user, head, article_by):
    article = article_by(admin_user, title="Old title")
    updated = services.update_article(head, article, {"title": "New title"}, article.version)
    assert updated.version == 2 and updated.title == "New title"
    assert updated.updated_by == head
    entry = Activity.objects.filter(entity=services.AUDIT_ENTITY, kind="changed").get()
    assert entry.payload["changes"]["title"] == {"old": "Old title", "new": "New title"}
    assert entry.actor == head


def test_a_stale_edit_is_refused_and_changes_nothing(admin_user, head, article_by):
    article = article_by(admin_user, title="Original")
    services.update_article(head, article, {"title": "Head's edit"}, 1)
    with pytest.raises(services.Conflict) as caught:
        services.update_article(admin_user, article, {"title": "Boss's edit"}, 1)
    assert caught.value.current_version == 2
    assert Article.objects.get(pk=article.pk).title == "Head's edit"


def test_an_update_without_a_version_is_refused(admin_user, article_by):
    article = article_by(admin_user)
    with pytest.raises(services.InputErrors) as caught:
        services.update_article(admin_user, article, {"title": "x"}, None)
    assert "version" in caught.value.errors


def test_an_unchanged_save_keeps_the_version(admin_user, article_by):
    article = article_by(admin_user, title="Same")
    again = services.update_article(admin_user, article, {"title": "Same"}, 1)
    assert again.version == 1


def test_publish_and_unpublish_change_the_status(admin_user):
    article = services.create_article(admin_user, {"title": "Draft", "body": ""})
    published = services.publish_article(admin_user, article)
    assert published.status == "published" and published.published_at is not None
    draft = services.unpublish_article(admin_user, published, published.version)
    assert draft.status == "draft" and draft.version == 3


def test_deleting_an_article_leaves_an_audit_entry(admin_user, article_by):
    article = article_by(admin_user, title="Gone soon")
    services.delete_article(admin_user, article, version=1)
    assert not Article.objects.filter(pk=article.pk).exists()
    entry = Activity.objects.get(entity=services.AUDIT_ENTITY, kind="deleted")
    assert entry.payload["title"] == "Gone soon"


def test_a_stale_delete_is_refused(admin_user, article_by):
    article = article_by(admin_user)
    services.update_article(admin_user, article, {"title": "Changed"}, 1)
    with pytest.raises(services.Conflict):
        services.delete_article(admin_user, article, version=1)
    assert Article.objects.filter(pk=article.pk).exists()


def test_the_search_index_follows_edits_and_deletes(admin_user, article_by):
    article = article_by(admin_user, title="Printer setup", body="Install the driver.")
    assert search_articles("printer", public_only=False) == [article]
    services.update_article(admin_user, article, {"title": "Scanner setup"}, 1)
    assert search_articles("printer", public_only=False) == []
    assert [a.pk for a in search_articles("scanner", public_only=False)] == [article.pk]
    services.delete_article(admin_user, article)
    assert search_articles("scanner", public_only=False) == []


# -- votes -------------------------------------------------------------------------------------


def test_a_vote_counts_once_per_voter_and_can_be_changed(admin_user, manager, article_by):
    article = article_by(admin_user)
    key = services.voter_key_for_user(manager)
    services.vote(article, key, True)
    services.vote(article, key, True)  # a second click changes nothing
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    services.vote(article, key, False)
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)
    assert ArticleVote.objects.filter(article=article).count() == 1


def test_different_voters_add_up(admin_user, article_by):
    article = article_by(admin_user)
    services.vote(article, "user:1", True)
    services.vote(article, services.voter_key_for_contact(7), True)
    services.vote(article, services.voter_key_for_session("abc"), False)
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (2, 1)


def test_session_voter_keys_do_not_hold_the_session_key():
    key = services.voter_key_for_session("secret-session-key")
    assert key.startswith("session:") and "secret-session-key" not in key
    assert key == services.voter_key_for_session("secret-session-key")


def test_a_draft_takes_no_votes(admin_user):
    draft = services.create_article(admin_user, {"title": "Draft", "body": ""})
    with pytest.raises(services.InputErrors):
        services.vote(draft, "user:1", True)
    assert not ArticleVote.objects.exists()


@pytest.mark.parametrize("key", ["", "user:", "user:0", "admin:1", "session:xyz", "user:1 OR 1"])
def test_a_malformed_voter_key_is_refused(admin_user, article_by, key):
    article = article_by(admin_user)
    with pytest.raises(services.InputErrors):
        services.vote(article, key, True)


def test_a_vote_must_be_a_boolean(admin_user, article_by):
    article = article_by(admin_user)
    with pytest.raises(services.InputErrors):
        services.vote(article, "user:1", "yes")


def test_votes_do_not_change_the_version(admin_user, article_by):
    article = article_by(admin_user)
    services.vote(article, "user:5", True)
    article.refresh_from_db()
    assert article.version == 1


# -- categories --------------------------------------------------------------------------------


def test_categories_nest_one_level_deep(admin_user, category_by):
    billing = category_by(admin_user, "Billing")
    refunds = category_by(admin_user, "Refunds", parent=billing.pk)
    assert refunds.parent == billing
    with pytest.raises(services.InputErrors) as caught:
        category_by(admin_user, "Partial refunds", parent=refunds.pk)
    assert "parent" in caught.value.errors
    with pytest.raises(services.InputErrors):
        services.update_category(admin_user, billing, {"parent": billing.pk})


def test_category_names_are_unique_among_siblings_ignoring_case(admin_user, category_by):
    category_by(admin_user, "Billing")
    with pytest.raises(services.InputErrors) as caught:
        category_by(admin_user, "billing")
    assert "name" in caught.value.errors


def test_a_category_in_use_is_not_deleted(admin_user, category_by, article_by):
    billing = category_by(admin_user, "Billing")
    article_by(admin_user, category=billing.pk)
    with pytest.raises(services.InputErrors):
        services.delete_category(admin_user, billing)
    empty = category_by(admin_user, "Empty")
    services.delete_category(admin_user, empty)


# -- canned responses --------------------------------------------------------------------------


def test_anyone_signed_in_may_keep_personal_answers(reader):
    response = services.create_canned(reader, {"title": "My hello", "body": "Hi!"})
    assert response.owner == reader and not response.is_shared


def test_only_knowledge_editors_share_answers(reader, manager):
    with pytest.raises(services.PermissionDenied):
        services.create_canned(reader, {"title": "Team hello", "body": "Hi", "shared": True})
    assert not CannedResponse.objects.exists()
    shared = services.create_canned(manager, {"title": "Team hello", "body": "Hi", "shared": True})
    assert shared.owner is None


def test_a_personal_answer_is_its_owners_alone(manager, colleague, admin_user):
    mine = services.create_canned(manager, {"title": "Mine", "body": "x"})
    for other in (colleague, admin_user):
        with pytest.raises(services.PermissionDenied):
            services.update_canned(other, mine, {"title": "Theirs"}, 1)
        with pytest.raises(services.PermissionDenied):
            services.delete_canned(other, mine)


def test_shortcuts_are_unique_among_shared_answers_and_per_person(manager, colleague):
    services.create_canned(
        manager, {"title": "Refund", "body": "x", "shortcut": "/Refund", "shared": True}
    )
    with pytest.raises(services.InputErrors) as caught:
        services.create_canned(
            colleague, {"title": "Refund 2", "body": "y", "shortcut": "refund", "shared": True}
        )
    assert "shortcut" in caught.value.errors
    # a personal answer may use the same shortcut, once per person
    personal = services.create_canned(
        colleague, {"title": "My refund", "body": "z", "shortcut": "refund"}
    )
    assert personal.shortcut == "refund"
    with pytest.raises(services.InputErrors):
        services.create_canned(colleague, {"title": "Again", "body": "z", "shortcut": "refund"})


@pytest.mark.parametrize("shortcut", ["re fund", "a/b", "<x>", "{{x}}", "-x", "x" * 41])
def test_bad_shortcuts_are_refused(manager, shortcut):
    with pytest.raises(services.InputErrors) as caught:
        services.create_canned(manager, {"title": "T", "body": "B", "shortcut": shortcut})
    assert "shortcut" in caught.value.errors


def test_a_stale_canned_edit_is_refused(manager):
    response = services.create_canned(manager, {"title": "Hello", "body": "Hi"})
    services.update_canned(manager, response, {"body": "Hello there"}, 1)
    with pytest.raises(services.Conflict) as caught:
        services.update_canned(manager, response, {"body": "Stale"}, 1)
    assert caught.value.current_version == 2
    assert CannedResponse.objects.get(pk=response.pk).body == "Hello there"


def test_render_canned_fills_known_placeholders(manager):
    response = services.create_canned(
        manager, {"title": "Hi", "body": "Dear {{ contact.first_name }}, ticket {{ticket.number}}."}
    )
    text = services.render_canned(
        response, {"contact": {"first_name": "Anna"}, "ticket": {"number": "T-42"}}
    )
    assert text == "Dear Anna, ticket T-42."
