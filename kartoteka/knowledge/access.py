"""Who may read and write the knowledge base, built on the platform's one permission module.

- Reading: every signed-in active user reads published articles, internal and public alike.
  The (future) customer portal reads public published articles through `public_articles()`
  and `search.suggest_public_articles()`, never through these user checks.
- Writing articles, categories and shared canned responses: administrators, and users whose
  role grants "change" on the pseudo-entity "article" (`may_edit_knowledge`). They also see
  drafts.
- Personal canned responses: their owner alone (reads and writes).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from kartoteka.platform import permissions
from kartoteka.platform.listing import MAX_ID
from kartoteka.platform.permissions import PermissionDenied

from .models import Article, CannedResponse

# The key a role's grants use for the knowledge base ("change" lets a person write it).
ENTITY_KEY = "article"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_read(user) -> bool:
    return _active(user)


def may_edit_knowledge(user) -> bool:
    """Articles, categories and shared canned responses."""
    if not _active(user):
        return False
    return user.is_administrator or permissions.can(user, ENTITY_KEY, "change")


def require_reader(user) -> None:
    if not may_read(user):
        raise PermissionDenied("view")


def require_editor(user) -> None:
    if not may_edit_knowledge(user):
        raise PermissionDenied("change")


# -- articles ----------------------------------------------------------------------------------


def public_articles() -> QuerySet:
    """What anyone outside the staff may read: published public articles."""
    return Article.objects.filter(
        status=Article.Status.PUBLISHED, visibility=Article.Visibility.PUBLIC
    )


def visible_articles(user) -> QuerySet:
    if not may_read(user):
        return Article.objects.none()
    if may_edit_knowledge(user):
        return Article.objects.all()
    return Article.objects.filter(status=Article.Status.PUBLISHED)


def article_or_404(user, pk) -> Article:
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise Http404
    article = (
        visible_articles(user)
        .select_related("category", "category__parent", "author", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    return article


def public_article(pk: int) -> Article | None:
    """One article for the portal: None unless it is published and public."""
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        return None
    return public_articles().select_related("category").filter(pk=pk).first()


# -- canned responses --------------------------------------------------------------------------


def visible_canned(user) -> QuerySet:
    """The shared answers and the person's own."""
    if not may_read(user):
        return CannedResponse.objects.none()
    return CannedResponse.objects.filter(Q(owner__isnull=True) | Q(owner=user))


def may_change_canned(user, response: CannedResponse) -> bool:
    if not _active(user):
        return False
    if response.owner_id is not None:
        return response.owner_id == user.pk
    return may_edit_knowledge(user)


def canned_or_404(user, pk) -> CannedResponse:
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise Http404
    response = visible_canned(user).select_related("category", "owner").filter(pk=pk).first()
    if response is None:
        raise Http404
    return response
