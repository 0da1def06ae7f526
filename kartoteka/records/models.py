"""`Record` stores every custom entity's rows; `Link` stores relations between any records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kartoteka.customization.models import EntityType, RelationType
from kartoteka.platform.models import EntityModel


class Record(EntityModel):
    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="records")
    name = models.CharField(max_length=255)

    class Meta:
        indexes = [
            models.Index(fields=["entity_type", "name", "id"], name="record_type_name"),
            models.Index(fields=["entity_type", "owner", "id"], name="record_type_owner"),
            models.Index(fields=["entity_type", "-created_at", "id"], name="record_type_created"),
            models.Index(
                fields=["entity_type", "owner", "-created_at", "-id"], name="record_owner_created"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Link(models.Model):
    relation_type = models.ForeignKey(RelationType, on_delete=models.CASCADE, related_name="links")
    from_id = models.BigIntegerField()
    to_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["relation_type", "from_id", "to_id"], name="link_unique"
            )
        ]
        indexes = [models.Index(fields=["relation_type", "to_id"], name="link_to")]

    def __str__(self) -> str:
        return f"{self.relation_type_id}: {self.from_id} → {self.to_id}"
