"""Sales settings pages (/sales/settings/…): pipelines and stages, reasons, currencies,
channel costs. Included in the "sales" namespace."""

from django.urls import path

from . import settings_views as views

urlpatterns = [
    path("", views.settings_home, name="settings"),
    path("pipelines/", views.pipelines, name="settings_pipelines"),
    path("pipelines/new/", views.pipeline_create, name="settings_pipeline_create"),
    path("pipelines/<int:pk>/edit/", views.pipeline_edit, name="settings_pipeline_edit"),
    path("pipelines/<int:pk>/default/", views.pipeline_default, name="settings_pipeline_default"),
    path("pipelines/<int:pk>/active/", views.pipeline_active, name="settings_pipeline_active"),
    path("pipelines/<int:pk>/delete/", views.pipeline_delete, name="settings_pipeline_delete"),
    path("pipelines/<int:pk>/stages/new/", views.stage_create, name="settings_stage_create"),
    path("pipelines/<int:pk>/stage-order/", views.stage_order, name="settings_stage_order"),
    path("stages/<int:pk>/edit/", views.stage_edit, name="settings_stage_edit"),
    path("stages/<int:pk>/move/", views.stage_move, name="settings_stage_move"),
    path("stages/<int:pk>/delete/", views.stage_delete, name="settings_stage_delete"),
    path("reasons/", views.reasons, name="settings_reasons"),
    path("reasons/<int:pk>/edit/", views.reason_edit, name="settings_reason_edit"),
    path("reasons/<int:pk>/move/", views.reason_move, name="settings_reason_move"),
    path("reasons/<int:pk>/active/", views.reason_active, name="settings_reason_active"),
    path("reasons/<int:pk>/delete/", views.reason_delete, name="settings_reason_delete"),
    path("currencies/", views.currencies, name="settings_currencies"),
    path("currencies/<str:code>/edit/", views.currency_edit, name="settings_currency_edit"),
    path("currencies/<str:code>/base/", views.currency_make_base, name="settings_currency_base"),
    path("currencies/<str:code>/delete/", views.currency_delete, name="settings_currency_delete"),
    path("costs/", views.costs, name="settings_costs"),
    path("costs/new/", views.cost_create, name="settings_cost_create"),
    path("costs/<int:pk>/edit/", views.cost_edit, name="settings_cost_edit"),
    path("costs/<int:pk>/delete/", views.cost_delete, name="settings_cost_delete"),
]
