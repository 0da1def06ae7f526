"""What an import leaves behind: the job (file, mapping, options, progress, outcome), one row
per committed batch (what it created and what it changed, so the import can be resumed after
a crash and undone), the rejected rows with their reasons, and mappings saved for reuse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _upload_to(job: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{job.token}-{filename[-80:]}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Uploaded")
        PREVIEWING = "previewing", _("Checking")
        PREVIEWED = "previewed", _("Checked")
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Stopped")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")

    class OnDuplicate(models.TextChoices):
        UPDATE = "update", _("Update the existing record")
        SKIP = "skip", _("Skip the row")

    ACTIVE = (Status.PREVIEWING, Status.QUEUED, Status.RUNNING, Status.UNDOING)

    token = models.CharField(max_length=32, unique=True)
    entity = models.CharField(max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=_upload_to, max_length=255)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    sheet = models.CharField(max_length=100, blank=True)
    # what reading found: encoding, delimiter, sheets, headers, sample rows
    info = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)  # header -> field key ("" = ignore)
    key_field = models.CharField(max_length=60, blank=True)
    on_duplicate = models.CharField(
        max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.UPDATE
    )
    create_missing = models.BooleanField(default=False)  # related records named but absent
    add_choices = models.BooleanField(default=False)  # unknown values of custom choice fields
    day_first = models.BooleanField(null=True, blank=True)  # None: detect from the file
    decimal_comma = models.BooleanField(null=True, blank=True)  # None: detect per column
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    preview = models.JSONField(default=dict, blank=True)  # counts and sample of the dry run
    total_rows = models.IntegerField(null=True, blank=True)  # known after a dry run
    processed_rows = models.IntegerField(default=0)
    created_count = models.IntegerField(default=0)
    updated_count = models.IntegerField(default=0)
    skipped_count = models.IntegerField(default=0)
    rejected_count = models.IntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.UNDONE):
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def can_undo(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED, self.Status.FAILED) and (
            self.batches.exists()
        )

    @property
    def can_resume(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.CANCELLED)


class ImportBatch(models.Model):
    """One committed batch: written in the same transaction as its records, so after a crash
    the batches on record are exactly what is in the database."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    number = models.IntegerField()
    last_line = models.IntegerField()  # the file's line (or sheet row) where this batch ended
    rows = models.IntegerField(default=0)
    created_ids = models.JSONField(default=list)  # [[first, last], …] ranges of primary keys
    updated = models.JSONField(default=list)  # [{"id": …, "before": {field: value}}, …]
    created_related = models.JSONField(default=list)  # [[entity, id], …] made for missing refs

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="import_batch_number"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.number}"


class ImportProblem(models.Model):
    """A rejected (or skipped) row, with the cells as read and the reasons."""

    ROW, FILE = "row", "file"  # a rejected or skipped row; a line the reader could not take

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(max_length=4, default=ROW)
    line = models.IntegerField(null=True, blank=True)
    values = models.JSONField(default=list, blank=True)
    messages = models.JSONField(default=list)
    dry_run = models.BooleanField(default=False)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.line}: {'; '.join(self.messages)}"


class SavedMapping(models.Model):
    """A mapping kept for the next file of the same shape: header → field, with the options."""

    name = models.CharField(max_length=100)
    entity = models.CharField(max_length=60)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shared = models.BooleanField(default=False)
    mapping = models.JSONField(default=dict)
    options = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "entity", "name"], name="saved_mapping_name_per_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.name
