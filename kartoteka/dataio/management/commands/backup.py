"""`kartoteka backup [--output PATH]`: the whole instance as one zip archive (see
`kartoteka.dataio.backup`), named kartoteka-backup-YYYYMMDD-HHMM.zip by default."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kartoteka.dataio.backup import BackupError, default_name, write_backup


class Command(BaseCommand):
    help = "Write a backup of everything (data, settings, users, files) to one zip archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", "-o", help="where to write the archive (default: ./" + default_name()
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["output"] or default_name())
        if path.is_dir():
            path = path / default_name()
        partial = path.with_name(path.name + ".partial")
        started = time.monotonic()
        verbose = options["verbosity"] > 1
        try:
            manifest = write_backup(partial, progress=self.stdout.write if verbose else None)
        except (BackupError, OSError) as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error))
        partial.replace(path)
        if not verbose:
            for entry in manifest.tables:
                if entry.rows:
                    self.stdout.write(f"{entry.label}: {entry.rows}")
        for name in manifest.missing_files:
            self.stderr.write(f"missing file, not in the backup: {name}")
        self.stdout.write(
            f"{path}: {manifest.total_rows} rows in {len(manifest.tables)} tables, "
            f"{len(manifest.files)} files, {time.monotonic() - started:.1f} s"
        )
