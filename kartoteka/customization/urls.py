"""Settings pages (mounted at /settings/): entities and fields, relations, required fields."""

from django.urls import path

from . import views

app_name = "customization"
urlpatterns = [
    path("entities/", views.entity_types, name="entity_types"),
    path("entities/new/", views.entity_type_create, name="entity_type_create"),
    path("entities/<slug:key>/edit/", views.entity_type_edit, name="entity_type_edit"),
    path("entities/<slug:key>/delete/", views.entity_type_delete, name="entity_type_delete"),
    path("entities/<slug:key>/fields/", views.fields, name="fields"),
    path("entities/<slug:key>/fields/new/", views.field_create, name="field_create"),
    path("fields/<int:pk>/edit/", views.field_edit, name="field_edit"),
    path("fields/<int:pk>/delete/", views.field_delete, name="field_delete"),
    path("relations/", views.relation_types, name="relation_types"),
    path("relations/new/", views.relation_type_create, name="relation_type_create"),
    path("relations/<int:pk>/edit/", views.relation_type_edit, name="relation_type_edit"),
    path("relations/<int:pk>/delete/", views.relation_type_delete, name="relation_type_delete"),
    path("required-fields/", views.templates, name="templates"),
    path("required-fields/new/", views.template_create, name="template_create"),
    path("required-fields/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("required-fields/<int:pk>/delete/", views.template_delete, name="template_delete"),
]
