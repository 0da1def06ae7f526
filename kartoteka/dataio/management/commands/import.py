"""`kartoteka import FILE --entity contact --user NAME`: an import from the command line, run in
this process (no worker needed), with the wizard's options; `--resume ID`, `--undo ID` and
`--status ID` act on an import started anywhere."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from kartoteka.dataio import services
from kartoteka.dataio.models import ImportJob
from kartoteka.platform.fields import InputErrors


class Command(BaseCommand):
    help = "Import a CSV/TSV/XLSX/vCard file, or resume, undo or show an import."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")
        parser.add_argument("--entity", default="contact")
        parser.add_argument("--user", help="user name of the importer (default: first admin)")
        parser.add_argument("--mapping", help='JSON {"header": "field", …} over the guess')
        parser.add_argument("--key", help="field that finds existing records (or 'id')")
        parser.add_argument("--on-duplicate", choices=["update", "skip"])
        parser.add_argument("--create-missing", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="preview only")
        parser.add_argument("--resume", type=int, metavar="ID")
        parser.add_argument("--undo", type=int, metavar="ID")
        parser.add_argument("--status", type=int, metavar="ID")
        parser.add_argument(
            "--stale-after", type=float, default=None, metavar="SECONDS",
            help="with --status: mark an import whose worker went quiet this long as stopped",
        )  # fmt: skip

    def handle(self, *args, **options):
        try:
            if options["status"]:
                return self.status(options["status"], options["stale_after"])
            if options["resume"]:
                job = ImportJob.objects.get(pk=options["resume"])
                services.run(job.created_by, job)
                services.execute_run(job.pk)
                return self.report(job.pk)
            if options["undo"]:
                job = ImportJob.objects.get(pk=options["undo"])
                services.undo(job.created_by, job)
                services.execute_undo(job.pk)
                return self.report(job.pk)
            return self.new_import(options)
        except InputErrors as exc:
            raise CommandError(json.dumps(exc.errors, ensure_ascii=False)) from None
        except ImportJob.DoesNotExist:
            raise CommandError("No such import.") from None

    def new_import(self, options):
        if not options["file"]:
            raise CommandError("Name a file to import.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        user = self.user(options["user"])
        upload = SimpleUploadedFile(path.name, b"")
        upload.file = path.open("rb")  # read from disk: a large file is never in memory
        upload.size = path.stat().st_size
        job = services.start(user, options["entity"], upload)
        self.stdout.write(f"import #{job.pk}: {job.filename} → {job.entity}")
        data: dict = {}
        if options["mapping"]:
            data["mapping"] = {**job.mapping, **json.loads(options["mapping"])}
        if options["key"] is not None:
            data["key_field"] = options["key"]
        if options["on_duplicate"]:
            data["on_duplicate"] = options["on_duplicate"]
        if options["create_missing"]:
            data["create_missing"] = True
        if data:
            services.configure(user, job, data)
        mapped = {h: k for h, k in job.mapping.items() if k}
        self.stdout.write("mapping: " + json.dumps(mapped, ensure_ascii=False))
        started = time.perf_counter()
        if options["dry_run"]:
            services.preview(user, job)
            services.execute_preview(job.pk)
        else:
            services.run(user, job)
            services.execute_run(job.pk)
        job.refresh_from_db()
        elapsed = time.perf_counter() - started
        rate = job.processed_rows / elapsed if elapsed else 0
        self.stdout.write(f"{job.processed_rows} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)")
        return self.report(job.pk)

    def user(self, name):
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=name).first() if name else None
        if user is None and not name:
            user = users.filter(role__key="administrator").order_by("pk").first()
        if user is None:
            raise CommandError("No such active user; name one with --user.")
        return user

    def status(self, pk: int, stale_after: float | None) -> None:
        if stale_after is not None:
            services.reap_stalled(timedelta(seconds=stale_after))
        self.report(pk)

    def report(self, pk: int) -> None:
        job = ImportJob.objects.get(pk=pk)
        line = (
            f"import #{job.pk}: {job.get_status_display()} — created {job.created_count}, "
            f"updated {job.updated_count}, skipped {job.skipped_count}, "
            f"rejected {job.rejected_count}, rows {job.processed_rows}"
            f"/{job.total_rows if job.total_rows is not None else '?'}, "
            f"batches {job.batches.count()}"
        )
        if job.preview and job.status == ImportJob.Status.PREVIEWED:
            preview = job.preview
            line += (
                f" | preview: create {preview['created']}, update {preview['updated']}, "
                f"skip {preview['skipped']}, reject {preview['rejected']}"
            )
        if job.error:
            line += f"\n{job.error}"
        self.stdout.write(line)
        if job.status == ImportJob.Status.FAILED:
            sys.exit(1)
