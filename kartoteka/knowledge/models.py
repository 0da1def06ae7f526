"""The knowledge base of the service desk: categories, articles (FAQ) with their "was this
helpful" votes, and canned responses agents paste into answers.

An article's body is Markdown-lite (see `markup`): stored as typed, rendered escaped. Its
`search_title` / `search_body` hold the folded words the full-text index reads (see `search`);
the services fill them, and the database keeps the index in step (FTS5 triggers on SQLite, a
GIN expression index on PostgreSQL). Writes go through `knowledge.services`; nothing here
saves itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """The language an article or answer is written in; "any" suits every reader."""

    ANY = "any", _("Any language")
    EN = "en", _("English")
    RU = "ru", _("Russian")
    PL = "pl", _("Polish")


class ArticleCategory(models.Model):
    """Two levels at most: a top-level category may have subcategories, which have none."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        PUBLIC = "public", _("Public")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    language = models.CharField(
        _("language"), max_length=3, choices=Language.choices, default=Language.ANY
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    # Folded words of the title and of the body's text, for the full-text index only.
    search_title = models.TextField(default="", blank=True, editable=False)
    search_body = models.TextField(default="", blank=True, editable=False)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            # the list page: published (or all) articles by title, keyset pages
            models.Index(fields=["status", "title", "id"], name="kb_article_status_title"),
            models.Index(fields=["category", "title", "id"], name="kb_article_category_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def votes(self) -> int:
        return self.helpful_yes + self.helpful_no


class ArticleVote(models.Model):
    """One reader's answer to "was this helpful?". The voter key names the reader without a
    foreign key, so staff, portal contacts and anonymous visitors share one table:
    "user:<id>", "contact:<id>" or "session:<HMAC of the session key>"."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_votes")
    voter_key = models.CharField(max_length=80)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "voter_key"], name="kb_vote_once_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.voter_key} on {self.article_id}: {'yes' if self.helpful else 'no'}"


class CannedResponse(models.Model):
    """A ready answer. Shared ones (no owner) belong to the team and are edited by knowledge
    editors; personal ones belong to their owner alone. The body is plain text with
    placeholders such as `{{ contact.first_name }}` filled by `canned.render` — never by the
    template engine."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    shortcut = models.CharField(_("shortcut"), max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
    )
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="canned_responses",
    )
    language = models.CharField(
        _("language"), max_length=3, choices=Language.choices, default=Language.ANY
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        constraints = [
            # a shortcut names one shared answer, and one personal answer per person
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=Q(owner__isnull=True) & ~Q(shortcut=""),
                name="kb_canned_shared_shortcut",
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=Q(owner__isnull=False) & ~Q(shortcut=""),
                name="kb_canned_personal_shortcut",
            ),
        ]
        indexes = [models.Index(fields=["owner", "title"], name="kb_canned_owner_title")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None
