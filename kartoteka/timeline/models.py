"""`Activity`: one entry on a record's timeline, indexed by (entity, object, time)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.platform.choices import ChoiceLabels


class Activity(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        OWNER_CHANGED = "owner_changed", _("Owner changed")
        LINKED = "linked", _("Linked")
        UNLINKED = "unlinked", _("Unlinked")
        MERGED = "merged", _("Merged")
        DELETED = "deleted", _("Deleted")
        STAGE_CHANGED = "stage_changed", _("Stage changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ENQUIRY = "enquiry", _("Enquiry")
        CONVERTED = "converted", _("Converted")
        TASK = "task", _("Task planned")
        TASK_DONE = "task_done", _("Task done")

    USER_KINDS = (Kind.NOTE, Kind.CALL, Kind.EMAIL, Kind.MEETING)

    entity = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["entity", "object_id", "-at", "-id"], name="activity_object_time")
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.kind} {self.entity}#{self.object_id}"
