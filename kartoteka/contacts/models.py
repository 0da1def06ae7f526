"""Company and Contact. Phones and emails are lists; the first is the primary one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kartoteka.platform.models import EntityModel


class Company(EntityModel):
    name = models.CharField(_("name"), max_length=255)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    emails = models.JSONField(_("emails"), default=list, blank=True)
    address = models.TextField(_("address"), blank=True, default="")
    website = models.CharField(_("website"), max_length=500, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=40, blank=True, default="")
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    tags = models.JSONField(_("tags"), default=list, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["name", "id"], name="company_name"),
            models.Index(fields=["owner", "name", "id"], name="company_owner_name"),
            models.Index(fields=["-created_at", "-id"], name="company_created"),
            # the default list order within the "own" scope
            models.Index(fields=["owner", "-created_at", "-id"], name="company_owner_created"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(EntityModel):
    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    position = models.CharField(_("position"), max_length=100, blank=True, default="")
    phones = models.JSONField(_("phones"), default=list, blank=True)
    emails = models.JSONField(_("emails"), default=list, blank=True)
    address = models.TextField(_("address"), blank=True, default="")
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    tags = models.JSONField(_("tags"), default=list, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["last_name", "id"], name="contact_last_name"),
            models.Index(fields=["owner", "last_name", "id"], name="contact_owner_name"),
            models.Index(fields=["company", "last_name"], name="contact_company"),
            models.Index(fields=["-created_at", "-id"], name="contact_created"),
            models.Index(fields=["owner", "-created_at", "-id"], name="contact_owner_created"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
