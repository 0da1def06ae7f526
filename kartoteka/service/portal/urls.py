"""The customer portal at /portal/: contacts sign in by a one-time email link and see only
their own requests (and their company's, where allowed)."""

from django.urls import path

from . import kb, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.signin, name="signin"),
    path("login/sent/", views.link_sent, name="link_sent"),
    path("login/<str:token>/", views.link, name="link"),
    path("logout/", views.logout, name="logout"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/new/suggest/", kb.suggest, name="suggest"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path("tickets/<int:pk>/reply/", views.reply, name="reply"),
    path("tickets/<int:pk>/rate/", views.rate, name="rate"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("kb/", kb.kb, name="kb"),
    path("kb/<int:pk>/", kb.article, name="article"),
    path("kb/<int:pk>/vote/", kb.vote, name="vote"),
    path("feedback/", views.feedback, name="feedback"),
]
