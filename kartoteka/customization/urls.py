from django.urls import path
from django.views.generic import TemplateView

app_name = "customization"
_todo = TemplateView.as_view(template_name="web/base.html")
urlpatterns = [
    path("entities/", _todo, name="entity_types"),
    path("relations/", _todo, name="relation_types"),
    path("required-fields/", _todo, name="templates"),
]
