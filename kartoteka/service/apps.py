from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kartoteka.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from . import entities, integration  # noqa: F401  (registers the ticket and its panels)
