"""URLs of the generic entity pages: /e/<entity>/… for every registered entity."""

from django.urls import path

from . import views

app_name = "platform"
urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("e/<slug:key>/", views.entity_list, name="list"),
    path("e/<slug:key>/new/", views.create, name="create"),
    path("e/<slug:key>/bulk/", views.bulk, name="bulk"),
    path("e/<slug:key>/merge/", views.merge, name="merge"),
    path("e/<slug:key>/export.csv", views.export_csv, name="export"),
    path("e/<slug:key>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("e/<slug:key>/export.vcf", views.export_vcard, name="export_vcard"),
    path("e/<slug:key>/lookup/", views.lookup, name="lookup"),
    path("e/<slug:key>/views/", views.save_view, name="save_view"),
    path("e/<slug:key>/views/<int:view_id>/delete/", views.delete_view, name="delete_view"),
    path("e/<slug:key>/<int:pk>/", views.card, name="card"),
    path("e/<slug:key>/<int:pk>/edit/", views.edit, name="edit"),
    path("e/<slug:key>/<int:pk>/delete/", views.delete, name="delete"),
    path("e/<slug:key>/<int:pk>/timeline/", views.timeline_more, name="timeline"),
    path("e/<slug:key>/<int:pk>/activities/", views.add_activity, name="add_activity"),
    path("e/<slug:key>/<int:pk>/links/", views.add_link, name="add_link"),
    path(
        "e/<slug:key>/<int:pk>/links/<int:link_id>/delete/",
        views.remove_link,
        name="remove_link",
    ),
]
