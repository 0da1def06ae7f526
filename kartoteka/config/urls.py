"""Top-level URLs: the web UI, the API at /api/v1/ and the Django admin fallback."""

from django.contrib import admin
from django.urls import include, path

from kartoteka.platform.api import api

urlpatterns = [
    # first: an API call is matched without trying every page pattern before it
    path("api/v1/", api.urls),
    path("", include("kartoteka.web.urls")),
    path("accounts/", include("kartoteka.accounts.urls")),
    path("settings/", include("kartoteka.customization.urls")),
    path("sales/", include("kartoteka.sales.urls")),
    path("planner/", include("kartoteka.planner.urls")),
    path("kb/", include("kartoteka.knowledge.urls")),
    path("service/", include("kartoteka.service.urls")),
    path("portal/", include("kartoteka.service.portal.urls")),
    path("data/", include("kartoteka.dataio.urls")),
    path("", include("kartoteka.platform.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
