"""Tasks (the next step on a record, or a personal to-do), in-app notifications, the secret
behind each person's calendar feed, and the record of which daily digests went out.

A task points at any registered record by (entity key, object id) rather than a foreign key,
so it works for built-in and custom entities alike; `entity` is blank for a personal task.
Writes go through `planner.services`; nothing here saves itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.platform.choices import ChoiceLabels


class Task(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        OTHER = "other", _("Other")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class Remind(models.TextChoices):
        NONE = "none", _("No reminder")
        AT_DUE = "at_due", _("At the due time")
        MIN_15 = "15m", _("15 minutes before")
        HOUR_1 = "1h", _("1 hour before")
        DAY_1 = "1d", _("1 day before")

    entity = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.BigIntegerField(_("record"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    due_at = models.DateTimeField(_("due"))
    all_day = models.BooleanField(_("all day"), default=False)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.CASCADE,
        related_name="planner_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remind = models.CharField(
        _("reminder"), max_length=10, choices=Remind.choices, default=Remind.NONE
    )
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            # the card's "next steps" panel and the "no next step" flag (Exists per record)
            models.Index(fields=["entity", "object_id", "done_at"], name="task_record_open"),
            # My day, the calendar, the digest and the feed: one person's open tasks by due time
            models.Index(fields=["assignee", "done_at", "due_at"], name="task_assignee_due"),
            # the reminder job scans only open tasks still waiting for their reminder (a task
            # done before its reminder leaves the index, or the job would step over it every
            # minute forever); partial indexes work on SQLite and PostgreSQL alike
            models.Index(
                fields=["remind_at"],
                name="task_reminder_due",
                condition=Q(
                    reminded_at__isnull=True, remind_at__isnull=False, done_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now=None) -> bool:
        if self.done_at is not None:
            return False
        now = now or timezone.now()
        if self.all_day:
            return timezone.localdate(self.due_at) < timezone.localdate(now)
        return self.due_at < now


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="planner_notifications"
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """The secret in a person's iCalendar address. The token is an HMAC of `nonce` with the
    site's SECRET_KEY, so the page can show the address again while the table stores only
    the token's SHA-256 (a copy of the database alone does not open anyone's calendar).
    Rotating replaces the nonce."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="planner_feed"
    )
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"


class DigestSent(models.Model):
    """One row per person and day once their daily digest was considered: the unique key is
    what stops a second worker (or a second run) from sending it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    items = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # date first: the job's "who has had today's digest" reads one day's rows
            models.UniqueConstraint(fields=["date", "user"], name="digest_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.date}"
