"""URLs of the accounts pages, mounted at /accounts/ in the `accounts` namespace."""

from django.urls import path

from .views import access_requests, auth, profile, roles, teams, users

app_name = "accounts"
urlpatterns = [
    # Public
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("request-access/", auth.RequestAccessView.as_view(), name="request_access"),
    path("request-access/sent/", auth.RequestAccessDoneView.as_view(), name="request_access_done"),
    # Signed in
    path("profile/", profile.ProfileView.as_view(), name="profile"),
    path("profile/password/", profile.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", profile.TokensView.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", profile.TokenRevokeView.as_view(), name="token_revoke"),
    # Administrators
    path("users/", users.UsersView.as_view(), name="users"),
    path("users/new/", users.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", users.UserEditView.as_view(), name="user_edit"),
    path(
        "users/<int:pk>/deactivate/",
        users.UserActiveView.as_view(active=False),
        name="user_deactivate",
    ),
    path(
        "users/<int:pk>/activate/", users.UserActiveView.as_view(active=True), name="user_activate"
    ),
    path("teams/", teams.TeamsView.as_view(), name="teams"),
    path("teams/new/", teams.TeamFormView.as_view(), name="team_create"),
    path("teams/<int:pk>/", teams.TeamFormView.as_view(), name="team_edit"),
    path("teams/<int:pk>/delete/", teams.TeamDeleteView.as_view(), name="team_delete"),
    path("roles/", roles.RolesView.as_view(), name="roles"),
    path("roles/new/", roles.RoleFormView.as_view(), name="role_create"),
    path("roles/<int:pk>/", roles.RoleFormView.as_view(), name="role_edit"),
    path("access-requests/", access_requests.AccessRequestsView.as_view(), name="access_requests"),
    path(
        "access-requests/<int:pk>/approve/",
        access_requests.ApproveView.as_view(),
        name="access_request_approve",
    ),
    path(
        "access-requests/<int:pk>/reject/",
        access_requests.RejectView.as_view(),
        name="access_request_reject",
    ),
]
