from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kartoteka.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from . import entities, integration  # noqa: F401  (registers Lead, Deal, Product)
