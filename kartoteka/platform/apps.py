from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "kartoteka.platform"
    label = "platform"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connection set-up for SQLite)
