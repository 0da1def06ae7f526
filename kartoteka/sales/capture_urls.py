"""Pages of web forms: their settings (/sales/forms/…, /sales/rules/…) and the public
endpoint visitors post to (/sales/f/<key>/)."""

from django.urls import path

from . import capture_views as views

urlpatterns = [
    path("f/<slug:key>/", views.form_submit, name="form_submit"),
    path("f/<slug:key>/json", views.form_submit_json, name="form_submit_json"),
    path("forms/", views.forms_list, name="forms"),
    path("forms/new/", views.form_create, name="form_create"),
    path("forms/<int:pk>/", views.form_edit, name="form_edit"),
    path("forms/<int:pk>/delete/", views.form_delete, name="form_delete"),
    path("forms/<int:pk>/new-key/", views.form_rotate, name="form_rotate"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
