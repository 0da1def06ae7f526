from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "kartoteka.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from . import entities  # noqa: F401  (registers Company and Contact)
