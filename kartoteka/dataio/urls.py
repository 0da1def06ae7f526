"""Pages of data in and out, under /data/: imports, and the backup an administrator downloads."""

from django.urls import include, path

app_name = "dataio"
urlpatterns = [
    path("backup/", include("kartoteka.dataio.backup_urls")),
    path("imports/", include("kartoteka.dataio.import_urls")),
]
