"""Article pages: the list with search and filters, one article with its "was this helpful?"
buttons, the editor's form (with a preview), publishing, deleting, and the suggestions
fragment a ticket form asks for while it is being written.

Form pages follow the house pattern: GET shows the form; a POST the service accepts
redirects with a message; a refused one shows the form again with 422 (409 for a stale
version, with the article as it is now beside the person's own text).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID, RowCompare, decode_cursor, encode_cursor
from kartoteka.timeline.models import Activity

from .. import access, markup, services
from ..forms import ArticleForm, category_choices
from ..models import Article, ArticleVote
from ..search import search_articles, suggest_for_text
from .common import editors_only, first_message, is_htmx, readers_only

PAGE_SIZE = 50
SUGGESTIONS = 5
HISTORY = 8


def _int(raw) -> int | None:
    raw = (raw or "").strip()
    if raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    return None


def _helpful_context(request, article: Article) -> dict:
    mine = (
        ArticleVote.objects.filter(
            article=article, voter_key=services.voter_key_for_user(request.user)
        )
        .values_list("helpful", flat=True)
        .first()
    )
    return {"article": article, "my_vote": mine}


# -- list --------------------------------------------------------------------------------------


@readers_only
@require_GET
def article_list(request):
    user = request.user
    editor = access.may_edit_knowledge(user)
    query = request.GET.get("q", "")[:200].strip()
    category_id = _int(request.GET.get("category"))
    visibility = request.GET.get("visibility", "")
    visibility = visibility if visibility in Article.Visibility.values else ""
    status = request.GET.get("status", "") if editor else ""
    status = status if status in Article.Status.values else ""

    qs = access.visible_articles(user)
    if category_id:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if visibility:
        qs = qs.filter(visibility=visibility)
    if status:
        qs = qs.filter(status=status)

    next_cursor = ""
    if query:
        articles = search_articles(
            query, public_only=False, include_drafts=editor, limit=PAGE_SIZE, within=qs
        )
    else:
        cursor = request.GET.get("after", "")[:200]
        page = qs.select_related("category", "category__parent").order_by("title", "id")
        if cursor:
            try:
                title, last_id = decode_cursor(cursor)
            except InputErrors:
                title = None
            if isinstance(title, str):
                page = page.filter(RowCompare([F("title"), F("id")], ">", [title, last_id]))
        articles = list(page[: PAGE_SIZE + 1])
        if len(articles) > PAGE_SIZE:
            articles = articles[:PAGE_SIZE]
            next_cursor = encode_cursor(articles[-1].title, articles[-1].pk)
    for article in articles:
        article.excerpt = markup.excerpt(article.body)
    filters = {
        "q": query,
        "category": str(category_id or ""),
        "visibility": visibility,
        "status": status,
    }
    more_params = request.GET.copy()
    more_params["after"] = next_cursor
    return render(
        request,
        "knowledge/article_list.html",
        {
            "articles": articles,
            "filters": filters,
            "filtered": any(filters.values()),
            "categories": category_choices(_("All categories")),
            "visibilities": Article.Visibility.choices,
            "statuses": Article.Status.choices,
            "may_edit": editor,
            "more_url": f"?{more_params.urlencode()}" if next_cursor else "",
        },
    )


# -- one article -------------------------------------------------------------------------------


@readers_only
@require_GET
def article_detail(request, pk: int):
    article = access.article_or_404(request.user, pk)
    editor = access.may_edit_knowledge(request.user)
    history = []
    if editor:
        history = list(
            Activity.objects.filter(entity=services.AUDIT_ENTITY, object_id=article.pk)
            .select_related("actor")
            .order_by("-at", "-id")[:HISTORY]
        )
        for entry in history:
            entry.changed_labels = [
                str(Article._meta.get_field(name).verbose_name)
                for name in (entry.payload or {}).get("changes", {})
                if name in services.ARTICLE_FIELDS
            ]
    return render(
        request,
        "knowledge/article_detail.html",
        {
            **_helpful_context(request, article),
            "body_html": markup.render(article.body),
            "may_edit": editor,
            "history": history,
        },
    )


@readers_only
@require_POST
def article_vote(request, pk: int):
    article = access.article_or_404(request.user, pk)
    answer = request.POST.get("helpful", "")
    status = 200
    error = ""
    if answer not in ("yes", "no"):
        error, status = _("Choose “yes” or “no”."), 422
    else:
        try:
            services.vote(article, services.voter_key_for_user(request.user), answer == "yes")
        except InputErrors as exc:
            error, status = first_message(exc), 422
    article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    if is_htmx(request):
        context = {**_helpful_context(request, article), "vote_error": error}
        return render(request, "knowledge/_helpful.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you for your answer."))
    return redirect("knowledge:article", pk=article.pk)


# -- writing -----------------------------------------------------------------------------------


def _form_page(request, form, article=None, *, status=200, conflict=None, version=None):
    return render(
        request,
        "knowledge/article_form.html",
        {
            "form": form,
            "article": article,
            "conflict": conflict,
            "conflict_html": markup.render(conflict.body) if conflict else "",
            "version": version if version is not None else (article.version if article else ""),
        },
        status=status,
    )


@editors_only
@require_http_methods(["GET", "POST"])
def article_create(request):
    if request.method != "POST":
        form = ArticleForm(initial=ArticleForm.initial_for(None))
        form.fields["title"].widget.attrs["autofocus"] = True
        return _form_page(request, form)
    form = ArticleForm(request.POST)
    if form.is_valid():
        try:
            article = services.create_article(request.user, form.to_data())
        except InputErrors as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("Article “%(title)s” saved.") % {"title": article.title})
            return redirect("knowledge:article", pk=article.pk)
    return _form_page(request, form, status=422)


@editors_only
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    article = access.article_or_404(request.user, pk)
    if request.method != "POST":
        return _form_page(request, ArticleForm(initial=ArticleForm.initial_for(article)), article)
    form = ArticleForm(request.POST)
    version = request.POST.get("version", "")
    if form.is_valid():
        try:
            article = services.update_article(request.user, article, form.to_data(), version)
        except InputErrors as exc:
            form.show_errors(exc)
        except services.Conflict as exc:
            fresh = access.article_or_404(request.user, pk)
            form.add_error(
                None,
                _(
                    "Someone else changed this article while you were editing. Their version "
                    "is shown below; yours is kept in the form. Save again to replace theirs."
                ),
            )
            return _form_page(
                request, form, fresh, status=409, conflict=fresh, version=exc.current_version
            )
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article", pk=article.pk)
    return _form_page(request, form, article, status=422, version=version)


def _status_change(request, pk: int, action, success: str):
    article = access.article_or_404(request.user, pk)
    try:
        article = action(request.user, article, request.POST.get("version") or None)
    except services.Conflict:
        messages.error(
            request, _("Someone else changed this article meanwhile; look at it and try again.")
        )
    except InputErrors as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, success)
    return redirect("knowledge:article", pk=article.pk)


@editors_only
@require_POST
def article_publish(request, pk: int):
    return _status_change(request, pk, services.publish_article, _("The article is published."))


@editors_only
@require_POST
def article_unpublish(request, pk: int):
    return _status_change(
        request, pk, services.unpublish_article, _("The article is a draft again.")
    )


@editors_only
@require_http_methods(["GET", "POST"])
def article_delete(request, pk: int):
    article = access.article_or_404(request.user, pk)
    if request.method == "POST":
        try:
            services.delete_article(request.user, article, request.POST.get("version") or None)
        except services.Conflict:
            messages.error(
                request,
                _("Someone else changed this article meanwhile; look at it before deleting."),
            )
            return redirect("knowledge:article", pk=article.pk)
        messages.success(request, _("Article “%(title)s” deleted.") % {"title": article.title})
        return redirect("knowledge:articles")
    return render(request, "knowledge/article_delete.html", {"article": article})


@editors_only
@require_POST
def article_preview(request):
    body = request.POST.get("body", "")
    if len(body) > services.BODY_MAX:
        message = _("Enter at most %(max)d characters (it has %(len)d).") % {
            "max": services.BODY_MAX,
            "len": len(body),
        }
        return render(request, "knowledge/_preview.html", {"error": message}, status=422)
    return render(request, "knowledge/_preview.html", {"body_html": markup.render(body)})


# -- suggestions for a ticket being written ---------------------------------------------------


@readers_only
@require_GET
def suggest(request):
    """`?q=…` or `?subject=…&description=…`: a short list of articles (an htmx fragment);
    empty when there is nothing to look for."""
    subject = (request.GET.get("subject") or request.GET.get("q") or "")[:1000]
    description = (request.GET.get("description") or "")[:20000]
    if not (subject.strip() or description.strip()):
        return HttpResponse("")
    articles = suggest_for_text(subject, description, public_only=False, limit=SUGGESTIONS)
    return render(
        request,
        "knowledge/_suggestions.html",
        {"articles": articles, "kb_url": reverse("knowledge:articles")},
    )
