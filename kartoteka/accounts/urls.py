from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"
_todo = TemplateView.as_view(template_name="web/base.html")
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", _todo, name="profile"),
    path("tokens/", _todo, name="tokens"),
    path("users/", _todo, name="users"),
    path("teams/", _todo, name="teams"),
    path("roles/", _todo, name="roles"),
    path("access-requests/", _todo, name="access_requests"),
]
