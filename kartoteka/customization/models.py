"""Definitions administrators create in the UI; the entity registry reads them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kartoteka.platform.fields import FieldType


def localised(default: str, labels: dict) -> str:
    language = (get_language() or "en")[:2]
    return (labels or {}).get(language) or default


class EntityType(models.Model):
    """A custom entity (Supplier, Logistics company, Contract…) stored as `records.Record`."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    label = models.CharField(_("name"), max_length=100)
    label_plural = models.CharField(_("plural name"), max_length=100)
    labels = models.JSONField(default=dict, blank=True)  # {"ru": {"label":…, "plural":…}}
    icon = models.CharField(_("icon"), max_length=40, default="box")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label"]
        verbose_name = _("entity type")
        verbose_name_plural = _("entity types")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        language = (get_language() or "en")[:2]
        return (self.labels.get(language) or {}).get("label") or self.label

    @property
    def display_plural(self) -> str:
        language = (get_language() or "en")[:2]
        return (self.labels.get(language) or {}).get("plural") or self.label_plural


class FieldDefinition(models.Model):
    entity = models.CharField(_("entity"), max_length=60)
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    labels = models.JSONField(default=dict, blank=True)  # {"ru": "…", "pl": "…"}
    type = models.CharField(_("type"), max_length=20, choices=FieldType.CUSTOM_CHOICES)
    required = models.BooleanField(_("required"), default=False)
    unique = models.BooleanField(_("unique"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    regex = models.CharField(_("pattern"), max_length=200, blank=True)
    related_entity = models.CharField(_("related entity"), max_length=60, blank=True)
    section = models.CharField(_("section"), max_length=100, blank=True)
    order = models.IntegerField(_("order"), default=0)
    show_in_list = models.BooleanField(_("show in list"), default=True)
    filterable = models.BooleanField(_("filterable"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entity", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="field_definition_unique")
        ]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return f"{self.entity}.{self.key}"

    @property
    def display_label(self) -> str:
        return localised(self.label, self.labels)


class RelationType(models.Model):
    """A relation an administrator defines between two entity types; rows live in `Link`."""

    ONE_TO_MANY = "one_to_many"
    MANY_TO_MANY = "many_to_many"
    CARDINALITIES = [
        (ONE_TO_MANY, _("one to many")),
        (MANY_TO_MANY, _("many to many")),
    ]

    key = models.SlugField(_("key"), max_length=60, unique=True)
    from_entity = models.CharField(_("from"), max_length=60)
    to_entity = models.CharField(_("to"), max_length=60)
    label = models.CharField(_("label on the “from” card"), max_length=100)
    reverse_label = models.CharField(_("label on the “to” card"), max_length=100)
    labels = models.JSONField(default=dict, blank=True)  # {"ru": {"label":…, "reverse":…}}
    cardinality = models.CharField(
        _("cardinality"), max_length=20, choices=CARDINALITIES, default=MANY_TO_MANY
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["from_entity", "label"]
        verbose_name = _("relation type")
        verbose_name_plural = _("relation types")

    def __str__(self) -> str:
        return f"{self.from_entity} → {self.to_entity}: {self.label}"

    def _translated(self, part: str) -> str:
        language = (get_language() or "en")[:2]
        return ((self.labels or {}).get(language) or {}).get(part, "")

    @property
    def display_label(self) -> str:
        """The label on the “from” card, in the active language when translated."""
        return self._translated("label") or self.label

    @property
    def display_reverse_label(self) -> str:
        """The label on the “to” card, in the active language when translated."""
        return self._translated("reverse") or self.reverse_label


class RequiredFieldsTemplate(models.Model):
    """A named set of fields that must be filled on an entity while the template is active."""

    entity = models.CharField(_("entity"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    fields = models.JSONField(_("fields"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "name"]
        verbose_name = _("required-fields template")
        verbose_name_plural = _("required-fields templates")

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A list's search, filters, sort and columns, saved by a user, optionally shared."""

    entity = models.CharField(max_length=60)
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    shared = models.BooleanField(_("shared with everyone"), default=False)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name
