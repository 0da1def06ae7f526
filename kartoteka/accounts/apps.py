"""The accounts app: users, teams, roles, API tokens, password reset and access requests."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kartoteka.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import mail  # noqa: F401  (subscribes to access_request.submitted)
