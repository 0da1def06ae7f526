"""The backup page (/data/backup/): administrators read what a backup holds and download
one; everyone else gets 403. The archive is the one `kartoteka backup` writes, built in a
temporary file (deleted when the download ends) and streamed from there."""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from kartoteka.customization.views import administrators_only

from .backup import default_name, write_backup


@administrators_only
@require_http_methods(["GET", "POST"])
def backup_page(request):
    if request.method == "POST":
        archive = tempfile.TemporaryFile(prefix="kartoteka-backup-")
        write_backup(archive)
        archive.seek(0)
        return FileResponse(
            archive,
            as_attachment=True,
            filename=default_name(),
            content_type="application/zip",
        )
    return render(request, "dataio/backup.html", {"archive_name": default_name()})
