"""Base model mixin shared by every entity, and the platform's own tables: the schema
version (so every process notices changed definitions), the search index and the index of
contact points (emails and phones) used to warn about duplicates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels


class EntityModel(ChoiceLabels, models.Model):
    """What every entity has: an owner, a version for optimistic concurrency, custom field
    values in one JSON column, and creation/update times."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class SchemaVersion(models.Model):
    """One row; its number grows whenever entity types, fields or relations change."""

    number = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return f"schema v{self.number}"


class SearchEntry(models.Model):
    """One row per searchable record; the full-text index (FTS5 on SQLite, a tsvector with a
    GIN index on PostgreSQL) is built over `document` by migration 0002."""

    entity = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    owner_id = models.BigIntegerField(null=True)
    title = models.CharField(max_length=255)
    subtitle = models.CharField(max_length=255, blank=True)
    document = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "object_id"], name="search_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entity}#{self.object_id}: {self.title}"


class ContactPoint(models.Model):
    """A normalised email address or phone number of a record, for duplicate warnings."""

    EMAIL = "email"
    PHONE = "phone"

    entity = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    kind = models.CharField(max_length=5)
    value = models.CharField(max_length=255)

    class Meta:
        indexes = [
            models.Index(fields=["value", "kind"], name="contact_point_value"),
            models.Index(fields=["entity", "object_id"], name="contact_point_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"
