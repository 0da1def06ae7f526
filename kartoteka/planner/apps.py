from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlannerConfig(AppConfig):
    name = "kartoteka.planner"
    label = "planner"
    verbose_name = _("Planner")

    def ready(self) -> None:
        from . import integration  # noqa: F401  (card panel, navigation, periodic tasks)
