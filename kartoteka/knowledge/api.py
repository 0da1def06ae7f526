"""API resources of the knowledge base, mounted at /api/v1/.

    GET    /articles                      list: q (full-text, best first), category, language,
                                          visibility, status (editors), limit, before (id pages)
    POST   /articles                      create (knowledge editors)
    GET    /articles/suggest              q, or subject + description: articles for a ticket
    GET    /articles/{id}                 read (with the body rendered as `body_html`)
    PATCH  /articles/{id}                 change (needs "version" or If-Match; 409 when stale)
    DELETE /articles/{id}                 delete (?version= to refuse a stale delete)
    POST   /articles/{id}/publish         publish / unpublish (?version= to refuse a stale one)
    POST   /articles/{id}/unpublish
    POST   /articles/{id}/vote            {"helpful": true|false}: the caller's vote, changeable
    GET    /article-categories            the category tree, flat (parent ids)
    POST   /article-categories            create; PATCH / DELETE /article-categories/{id}
    GET    /canned-responses              shared answers and the caller's own (q, scope)
    POST   /canned-responses              create ("shared": true needs a knowledge editor)
    GET    /canned-responses/{id}         read
    PATCH  /canned-responses/{id}         change (version; 409 when stale)
    DELETE /canned-responses/{id}         delete
    POST   /canned-responses/{id}/render  {"contact": {…}, "ticket": {…}, …} → the text

Errors use the platform's one format (api_base): 422 invalid input, 403 not allowed, 404
unknown or invisible, 409 stale version, 413 a body over the upload limit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform.api_records import ErrorOut, version_of
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID

from . import access, canned, markup, services
from .models import Article, ArticleCategory, ArticleVote, CannedResponse, Language
from .search import search_articles, suggest_for_text

router = Router(tags=["knowledge"])


# -- serializers -------------------------------------------------------------------------------


def serialize_article(article: Article, *, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": article.pk,
        "title": article.title,
        "category": article.category_id,
        "visibility": article.visibility,
        "status": article.status,
        "language": article.language,
        "author": article.author_id,
        "created_at": article.created_at.isoformat(),
        "updated_at": article.updated_at.isoformat(),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
        "version": article.version,
    }
    if full:
        data["body"] = article.body
        data["body_html"] = str(markup.render(article.body))
    else:
        data["excerpt"] = markup.excerpt(article.body)
    return data


def serialize_category(category: ArticleCategory) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "parent": category.parent_id,
        "order": category.order,
    }


def serialize_canned(response: CannedResponse) -> dict[str, Any]:
    return {
        "id": response.pk,
        "title": response.title,
        "body": response.body,
        "shortcut": response.shortcut,
        "shared": response.owner_id is None,
        "owner": response.owner_id,
        "category": response.category_id,
        "language": response.language,
        "created_at": response.created_at.isoformat(),
        "updated_at": response.updated_at.isoformat(),
        "version": response.version,
    }


def _refuse_unknown_params(request, schema: type[Schema]) -> None:
    unknown = sorted(set(request.GET) - set(schema.model_fields))
    if unknown:  # a misspelt filter must not silently list everything
        raise InputErrors({key[:60]: [_("Unknown parameter.")] for key in unknown})


# -- articles ----------------------------------------------------------------------------------


class ArticleQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: str = Field("", max_length=200)
    category: int | None = Field(None, ge=1, le=MAX_ID)
    language: str | None = Field(None, max_length=3)
    visibility: str | None = Field(None, max_length=10)
    status: str | None = Field(None, max_length=10)
    limit: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)
    before: int | None = Field(None, ge=1, le=MAX_ID)


class ArticlePage(Schema):
    items: list[dict[str, Any]]
    next_before: int | None


def _choice(key: str, value: str | None, choices) -> str | None:
    if value is None or value == "":
        return None
    if value not in [option for option, _label in choices]:
        options = ", ".join(option for option, _label in choices)
        raise InputErrors({key: [_("Choose one of: %(options)s.") % {"options": options}]})
    return value


@router.get(
    "/articles",
    response={200: ArticlePage, 422: ErrorOut},
    summary="List or search articles",
    description="Without `q`: newest first, paged with `before=<last id>`. With `q`: the best "
    "matches (title hits first), at most `limit`, no further pages.",
)
def list_articles(request, params: Query[ArticleQuery]):
    _refuse_unknown_params(request, ArticleQuery)
    user = request.user
    editor = access.may_edit_knowledge(user)
    language = _choice("language", params.language, Language.choices)
    visibility = _choice("visibility", params.visibility, Article.Visibility.choices)
    status = _choice("status", params.status, Article.Status.choices)
    qs = access.visible_articles(user)
    if params.category:
        qs = qs.filter(Q(category_id=params.category) | Q(category__parent_id=params.category))
    if visibility:
        qs = qs.filter(visibility=visibility)
    if status:
        qs = qs.filter(status=status)
    if params.q.strip():
        if params.before:
            raise InputErrors({"before": [_("Search results come in one page.")]})
        found = search_articles(
            params.q,
            public_only=False,
            language=language,
            include_drafts=editor,
            limit=min(params.limit, 50),
            within=qs,
        )
        return {"items": [serialize_article(a, full=False) for a in found], "next_before": None}
    if language:
        qs = qs.filter(language__in=[language, Language.ANY])
    if params.before:
        qs = qs.filter(pk__lt=params.before)
    rows = list(qs.order_by("-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": [serialize_article(a, full=False) for a in rows],
        "next_before": rows[-1].pk if more and rows else None,
    }


@router.post(
    "/articles",
    response={201: dict[str, Any], 403: ErrorOut, 422: ErrorOut},
    summary="Write an article",
)
def create_article(request, payload: dict[str, Any] = Body(...)):
    article = services.create_article(request.user, payload)
    return Status(201, serialize_article(article))


class SuggestQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: str = Field("", max_length=1000)
    subject: str = Field("", max_length=1000)
    description: str = Field("", max_length=20000)
    language: str | None = Field(None, max_length=3)
    limit: int = Field(5, ge=1, le=20)


@router.get(
    "/articles/suggest",
    response={200: list[dict[str, Any]], 422: ErrorOut},
    summary="Articles for a ticket being written",
)
def suggest_articles(request, params: Query[SuggestQuery]):
    _refuse_unknown_params(request, SuggestQuery)
    language = _choice("language", params.language, Language.choices)
    found = suggest_for_text(
        params.subject or params.q,
        params.description,
        public_only=False,
        language=language,
        limit=params.limit,
    )
    return [serialize_article(article, full=False) for article in found]


@router.get(
    "/articles/{int:pk}", response={200: dict[str, Any], 404: ErrorOut}, summary="Read an article"
)
def read_article(request, pk: int):
    return serialize_article(access.article_or_404(request.user, pk))


@router.patch(
    "/articles/{int:pk}",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change an article (optimistic concurrency)",
)
def update_article(request, pk: int, payload: dict[str, Any] = Body(...)):
    article = access.article_or_404(request.user, pk)
    access.require_editor(request.user)
    version = version_of(request, payload)
    return serialize_article(services.update_article(request.user, article, payload, version))


@router.delete(
    "/articles/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Delete an article",
)
def delete_article(request, pk: int, version: int | None = None):
    services.delete_article(request.user, access.article_or_404(request.user, pk), version)
    return Status(204, None)


@router.post(
    "/articles/{int:pk}/publish",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Publish an article",
)
def publish_article(request, pk: int, version: int | None = Query(None, ge=1, le=MAX_ID)):
    article = access.article_or_404(request.user, pk)
    return serialize_article(services.publish_article(request.user, article, version))


@router.post(
    "/articles/{int:pk}/unpublish",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Put an article back to draft",
)
def unpublish_article(request, pk: int, version: int | None = Query(None, ge=1, le=MAX_ID)):
    article = access.article_or_404(request.user, pk)
    return serialize_article(services.unpublish_article(request.user, article, version))


class VoteIn(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)
    helpful: bool


@router.post(
    "/articles/{int:pk}/vote",
    response={200: dict[str, Any], 404: ErrorOut, 422: ErrorOut},
    summary="Was this article helpful? (one vote per person, changeable)",
)
def vote_article(request, pk: int, payload: VoteIn):
    article = access.article_or_404(request.user, pk)
    key = services.voter_key_for_user(request.user)
    services.vote(article, key, payload.helpful)
    article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    mine = ArticleVote.objects.filter(article=article, voter_key=key).first()
    return {
        "id": article.pk,
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
        "your_vote": mine.helpful if mine else None,
    }


# -- categories --------------------------------------------------------------------------------


@router.get(
    "/article-categories", response=list[dict[str, Any]], summary="Knowledge-base categories"
)
def list_categories(request):
    access.require_reader(request.user)
    return [serialize_category(c) for c in ArticleCategory.objects.all()]


@router.post(
    "/article-categories",
    response={201: dict[str, Any], 403: ErrorOut, 422: ErrorOut},
    summary="Add a category",
)
def create_category(request, payload: dict[str, Any] = Body(...)):
    return Status(201, serialize_category(services.create_category(request.user, payload)))


@router.patch(
    "/article-categories/{int:pk}",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Rename or move a category",
)
def update_category(request, pk: int, payload: dict[str, Any] = Body(...)):
    category = get_object_or_404(ArticleCategory, pk=pk)
    return serialize_category(services.update_category(request.user, category, payload))


@router.delete(
    "/article-categories/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Delete an empty category",
)
def delete_category(request, pk: int):
    services.delete_category(request.user, get_object_or_404(ArticleCategory, pk=pk))
    return Status(204, None)


# -- canned responses --------------------------------------------------------------------------


class CannedQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: str = Field("", max_length=200)
    scope: str = Field("", max_length=10)
    shortcut: str = Field("", max_length=41)
    language: str | None = Field(None, max_length=3)
    limit: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)
    before: int | None = Field(None, ge=1, le=MAX_ID)


@router.get(
    "/canned-responses",
    response={200: dict[str, Any], 422: ErrorOut},
    summary="Canned responses: shared ones and yours",
    description="`scope=shared|mine`, `q` (title or text), `shortcut` (exact, with or without "
    "the leading slash; your personal answer comes before a shared one), `language`.",
)
def list_canned(request, params: Query[CannedQuery]):
    _refuse_unknown_params(request, CannedQuery)
    qs = access.visible_canned(request.user)
    if params.scope == "shared":
        qs = qs.filter(owner__isnull=True)
    elif params.scope == "mine":
        qs = qs.filter(owner=request.user)
    elif params.scope:
        raise InputErrors({"scope": [_("Use “shared” or “mine”.")]})
    language = _choice("language", params.language, Language.choices)
    if language:
        qs = qs.filter(language__in=[language, Language.ANY])
    if params.q.strip():
        qs = qs.filter(Q(title__icontains=params.q.strip()) | Q(body__icontains=params.q.strip()))
    if params.shortcut:
        # at most two answers (one shared, one personal): the person's own comes first
        qs = qs.filter(shortcut=params.shortcut.lstrip("/").lower())
        rows = sorted(qs, key=lambda row: row.owner_id is None)
        return {"items": [serialize_canned(r) for r in rows], "next_before": None}
    if params.before:
        qs = qs.filter(pk__lt=params.before)
    rows = list(qs.order_by("-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": [serialize_canned(r) for r in rows],
        "next_before": rows[-1].pk if more and rows else None,
    }


@router.post(
    "/canned-responses",
    response={201: dict[str, Any], 403: ErrorOut, 422: ErrorOut},
    summary="Write a canned response",
)
def create_canned(request, payload: dict[str, Any] = Body(...)):
    return Status(201, serialize_canned(services.create_canned(request.user, payload)))


@router.get(
    "/canned-responses/{int:pk}",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="Read a canned response",
)
def read_canned(request, pk: int):
    return serialize_canned(access.canned_or_404(request.user, pk))


@router.patch(
    "/canned-responses/{int:pk}",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a canned response (optimistic concurrency)",
)
def update_canned(request, pk: int, payload: dict[str, Any] = Body(...)):
    response = access.canned_or_404(request.user, pk)
    if not access.may_change_canned(request.user, response):
        raise services.PermissionDenied("change")
    version = version_of(request, payload)
    return serialize_canned(services.update_canned(request.user, response, payload, version))


@router.delete(
    "/canned-responses/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Delete a canned response",
)
def delete_canned(request, pk: int, version: int | None = None):
    services.delete_canned(request.user, access.canned_or_404(request.user, pk), version)
    return Status(204, None)


@router.post(
    "/canned-responses/{int:pk}/render",
    response={200: dict[str, Any], 404: ErrorOut, 422: ErrorOut},
    summary="Fill a canned response's placeholders",
    description='Send the values by group: `{"contact": {"first_name": "Anna"}, '
    '"ticket": {"number": "T-42"}}`. `agent` defaults to you. Placeholders without a '
    "value, and anything that is not a placeholder we fill, stay in the text as typed; they "
    "are listed in `missing` and `unknown`.",
)
def render_canned(request, pk: int, payload: dict[str, Any] = Body(...)):
    response = access.canned_or_404(request.user, pk)
    context = canned.parse_context(payload)
    context.setdefault("agent", canned.agent_values(request.user))
    rendered = canned.render_text(response.body, context)
    return {"text": rendered.text, "missing": rendered.missing, "unknown": rendered.unknown}
