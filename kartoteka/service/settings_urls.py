"""Service-desk settings pages (/service/settings/…): business calendars and holidays, SLA
policies, ticket categories, support mailboxes. Included in the "service" namespace."""

from django.urls import path

from . import settings_views as views

urlpatterns = [
    path("", views.settings_home, name="settings"),
    path("calendars/", views.calendars, name="settings_calendars"),
    path("calendars/new/", views.calendar_create, name="settings_calendar_create"),
    path("calendars/preview/", views.calendar_preview, name="settings_calendar_preview"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="settings_calendar_edit"),
    path("calendars/<int:pk>/preview/", views.calendar_preview, name="settings_calendar_preview"),
    path("calendars/<int:pk>/default/", views.calendar_default, name="settings_calendar_default"),
    path("calendars/<int:pk>/delete/", views.calendar_delete, name="settings_calendar_delete"),
    path("calendars/<int:pk>/holidays/", views.holiday_add, name="settings_holiday_add"),
    path(
        "calendars/<int:pk>/holidays/paste/", views.holidays_paste, name="settings_holidays_paste"
    ),
    path("holidays/<int:pk>/delete/", views.holiday_delete, name="settings_holiday_delete"),
    path("policies/", views.policies, name="settings_policies"),
    path("policies/new/", views.policy_create, name="settings_policy_create"),
    path("policies/order/", views.policy_order, name="settings_policy_order"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="settings_policy_edit"),
    path("policies/<int:pk>/move/", views.policy_move, name="settings_policy_move"),
    path("policies/<int:pk>/delete/", views.policy_delete, name="settings_policy_delete"),
    path("categories/", views.categories, name="settings_categories"),
    path("categories/order/", views.category_order, name="settings_category_order"),
    path("categories/<int:pk>/edit/", views.category_edit, name="settings_category_edit"),
    path("categories/<int:pk>/move/", views.category_move, name="settings_category_move"),
    path("categories/<int:pk>/active/", views.category_active, name="settings_category_active"),
    path("categories/<int:pk>/delete/", views.category_delete, name="settings_category_delete"),
    path("mailboxes/", views.mailboxes, name="settings_mailboxes"),
    path("mailboxes/new/", views.mailbox_create, name="settings_mailbox_create"),
    path("mailboxes/<int:pk>/edit/", views.mailbox_edit, name="settings_mailbox_edit"),
    path("mailboxes/<int:pk>/check/", views.mailbox_check, name="settings_mailbox_check"),
    path("mailboxes/<int:pk>/delete/", views.mailbox_delete, name="settings_mailbox_delete"),
]
