"""Pages of the sales app: the deals board, a deal's stage and line items, lead qualification,
sales settings (`settings_urls`) and web forms (`capture_urls`)."""

from django.urls import include, path

from . import views

app_name = "sales"
urlpatterns = [
    path("board/", views.deal_board, name="board"),
    path("board/column/<int:stage_id>/", views.board_column, name="board_column"),
    path("deals/<int:pk>/move/", views.move_deal, name="move_deal"),
    path("deals/<int:pk>/stage/", views.deal_stage, name="deal_stage"),
    path("deals/<int:pk>/items/", views.deal_items, name="deal_items"),
    path("deals/<int:pk>/contacts/", views.deal_contacts, name="deal_contacts"),
    path("leads/<int:pk>/qualify/", views.qualify_lead, name="qualify_lead"),
    path("leads/<int:pk>/disqualify/", views.disqualify_lead, name="disqualify_lead"),
    path("", include("kartoteka.sales.capture_urls")),
    path("settings/", include("kartoteka.sales.settings_urls")),
]
