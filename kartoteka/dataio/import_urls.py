"""/data/imports/: the list of imports and the wizard's steps (`dataio:import_*`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="imports"),
    path("new/", views.import_new, name="import_new"),
    path("<int:pk>/", views.import_detail, name="import"),
    path("<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("<int:pk>/mapping/apply/", views.import_apply_mapping, name="import_apply_mapping"),
    path("<int:pk>/check/", views.import_preview, name="import_preview"),
    path("<int:pk>/check/progress/", views.import_preview_progress, name="import_preview_progress"),
    path("<int:pk>/run/", views.import_run, name="import_run"),
    path("<int:pk>/run/progress/", views.import_run_progress, name="import_run_progress"),
    path("<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("<int:pk>/report.csv", views.import_report, name="import_report"),
]
