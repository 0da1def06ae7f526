"""The knowledge base as customers see it: public, published articles only — the list, a
search, one article with "was this helpful?", and the suggestions shown while a customer
writes a new request. Reading is open to anyone (these articles are public); voting needs
a signed-in customer, whose vote is keyed "contact:<id>". Drafts and internal articles are
"not found"."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.knowledge import access as kb_access
from kartoteka.knowledge import services as kb_services
from kartoteka.knowledge.markup import excerpt
from kartoteka.knowledge.markup import render as render_markup
from kartoteka.knowledge.models import ArticleVote
from kartoteka.knowledge.search import search_public_articles, suggest_public_articles
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import decode_cursor, encode_cursor

from .access import customer_required, portal_contact, portal_page
from .views import notify, page

PAGE_SIZE = 30
SEARCH_LIMIT = 30
QUERY_MAX = 200
SUGGEST_TEXT_MAX = 5000


def _with_excerpts(articles) -> list:
    articles = list(articles)
    for article in articles:
        article.summary = excerpt(article.body, 200)
    return articles


@portal_page
@require_GET
def kb(request):
    query = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    next_cursor = ""
    cursor = request.GET.get("after", "")
    if query:
        articles = search_public_articles(query, limit=SEARCH_LIMIT)
    else:
        qs = kb_access.public_articles().select_related("category").order_by("title", "id")
        if cursor:
            try:
                title, pk = decode_cursor(cursor)
            except InputErrors:
                raise Http404 from None
            if not isinstance(title, str):
                raise Http404
            qs = qs.filter(Q(title__gt=title) | Q(title=title, id__gt=pk))
        articles = list(qs[: PAGE_SIZE + 1])
        if len(articles) > PAGE_SIZE:
            articles = articles[:PAGE_SIZE]
            next_cursor = encode_cursor(articles[-1].title, articles[-1].pk)
    return page(
        request,
        "service/portal/kb.html",
        {
            "query": query,
            "articles": _with_excerpts(articles),
            "next_cursor": next_cursor,
            "first_page": not cursor,
        },
    )


def _public_article_or_404(pk: int):
    article = kb_access.public_article(pk)
    if article is None:
        raise Http404
    return article


def _vote_context(request, article) -> dict:
    customer = portal_contact(request)
    current = None
    if customer is not None:
        vote = ArticleVote.objects.filter(
            article=article, voter_key=kb_services.voter_key_for_contact(customer.pk)
        ).first()
        current = None if vote is None else vote.helpful
    return {"article": article, "customer": customer, "current_vote": current}


@portal_page
@require_GET
def article(request, pk: int):
    found = _public_article_or_404(pk)
    context = {"body": render_markup(found.body), **_vote_context(request, found)}
    return page(request, "service/portal/kb_article.html", context)


@customer_required
@require_POST
def vote(request, pk: int):
    found = _public_article_or_404(pk)
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        context = {**_vote_context(request, found), "vote_error": _("Choose yes or no.")}
        return render(request, "service/portal/_vote.html", context, status=422)
    try:
        kb_services.vote(
            found, kb_services.voter_key_for_contact(request.customer.pk), answer == "yes"
        )
    except InputErrors:
        raise Http404 from None  # unpublished meanwhile
    if request.headers.get("HX-Request"):
        context = {**_vote_context(request, found), "thanked": True}
        return render(request, "service/portal/_vote.html", context)
    notify(request, _("Thank you for your answer."))
    return redirect(reverse("portal:article", kwargs={"pk": found.pk}) + "#helpful")


@customer_required
@require_GET
def suggest(request):
    """Public articles about what the customer is writing: a fragment for the new request
    form, asked for as they type."""
    subject = (request.GET.get("subject") or "")[:SUGGEST_TEXT_MAX]
    description = (request.GET.get("description") or "")[:SUGGEST_TEXT_MAX]
    articles = (
        suggest_public_articles(subject, description, limit=5) if subject or description else []
    )
    return render(request, "service/portal/_suggestions.html", {"articles": articles})
