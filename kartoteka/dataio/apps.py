from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "kartoteka.dataio"
    label = "dataio"
    verbose_name = _("Data in and out")

    def ready(self) -> None:
        from . import integration  # noqa: F401  (the "Import" navigation item)
