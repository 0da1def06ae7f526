from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kartoteka.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from kartoteka.platform.registry import registry

        from . import config, entities, integration  # noqa: F401  (registers Lead, Deal, Product)

        registry.on_load(config.reload)
