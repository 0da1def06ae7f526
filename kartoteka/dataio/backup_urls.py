"""/data/backup/: the page an administrator downloads a backup from (`dataio:backup`)."""

from django.urls import path

from . import backup_views

urlpatterns = [
    path("", backup_views.backup_page, name="backup"),
]
