from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "kartoteka.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from . import integration  # noqa: F401  (the navigation item)
