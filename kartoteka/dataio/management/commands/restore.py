"""`kartoteka restore PATH`: rebuild this instance from a backup archive, into a freshly
migrated database, and prove it identical: prints the rows per table and whether every
table's content checksum matches the archive's (exit status 1 when one does not)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from kartoteka.dataio.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive into an empty (freshly migrated) database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the archive written by `kartoteka backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the data of a database that is not empty",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        verbose = options["verbosity"] > 1
        try:
            manifest = restore_backup(
                options["path"],
                force=options["force"],
                progress=self.stdout.write if verbose else None,
            )
        except (BackupError, OSError) as error:
            raise CommandError(str(error))
        if not verbose:
            for entry in manifest.tables:
                if entry.rows:
                    self.stdout.write(f"{entry.label}: {entry.rows}")
        self.stdout.write(
            f"restored {manifest.total_rows} rows in {len(manifest.tables)} tables and "
            f"{len(manifest.files)} files from a {manifest.database} backup of "
            f"{manifest.created_at}, {time.monotonic() - started:.1f} s"
        )
        if manifest.mismatches:
            for line in manifest.mismatches:
                self.stderr.write(f"mismatch: {line}")
            raise CommandError(f"checksums differ in {len(manifest.mismatches)} tables")
        self.stdout.write("checksums match")
