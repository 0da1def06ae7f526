from django.urls import path
from django.views.generic import TemplateView

app_name = "platform"
_todo = TemplateView.as_view(template_name="web/base.html")
urlpatterns = [
    path("search/", _todo, name="search"),
    path("search/suggest/", _todo, name="suggest"),
    path("e/<slug:key>/", _todo, name="list"),
    path("e/<slug:key>/<int:pk>/", _todo, name="card"),
]
