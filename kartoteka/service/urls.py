"""Agent pages of the service desk: queues, a new ticket, the conversation on the ticket's
card (reply, note, status, assignment, merge, links, third parties), attachments, and the
settings (`settings_urls`)."""

from django.urls import include, path

from . import views

app_name = "service"
urlpatterns = [
    path("", views.queues, name="queues"),
    path("bulk/", views.bulk, name="bulk"),
    path("tickets/new/", views.new_ticket, name="new"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path("tickets/<int:pk>/reply/", views.post_message, name="reply"),
    path("tickets/<int:pk>/status/", views.change_status, name="status"),
    path("tickets/<int:pk>/take/", views.take, name="take"),
    path("tickets/<int:pk>/merge/", views.merge, name="merge"),
    path("tickets/<int:pk>/link/", views.link, name="link"),
    path("tickets/<int:pk>/links/<int:link_id>/delete/", views.unlink, name="unlink"),
    path("tickets/<int:pk>/vendor/", views.vendor_contact, name="vendor"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("tickets/<int:ticket_pk>/canned/", views.canned_text, name="canned_text"),
    path("settings/", include("kartoteka.service.settings_urls")),
]
