"""Users, teams, roles and API tokens.

A role grants, for each entity and action, a scope: none, own, team or all. The
permission filter in `kartoteka.platform.permissions` is the only reader of these grants.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ACTIONS = ("view", "create", "change", "delete", "export")
SCOPES = ("none", "own", "team", "all")
SCOPE_LABELS = {
    "none": _("none"),
    "own": _("own"),
    "team": _("team"),
    "all": _("all"),
}
ACTION_LABELS = {
    "view": _("view"),
    "create": _("create"),
    "change": _("change"),
    "delete": _("delete"),
    "export": _("export"),
}


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


BUILTIN_ROLE_NAMES = {
    "administrator": _("Administrator"),
    "head_of_sales": _("Head of sales"),
    "manager": _("Manager"),
    "support_agent": _("Support agent"),
    "read_only": _("Read-only"),
}


class Role(models.Model):
    """A set of grants: `grants[entity_key][action] = scope`; the entity key `*` is the default."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_admin = models.BooleanField(
        _("administrator"),
        default=False,
        help_text=_("Administrators may see and change everything and manage the system."),
    )
    grants = models.JSONField(_("grants"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.display_name)

    @property
    def display_name(self):
        return BUILTIN_ROLE_NAMES.get(self.key, self.name)

    def scope(self, entity_key: str, action: str) -> str:
        if self.is_admin:
            return "all"
        for key in (entity_key, "*"):
            entity_grants = self.grants.get(key)
            if entity_grants and action in entity_grants:
                return entity_grants[action]
        return "none"


class User(AbstractUser):
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or bool(self.role_id and self.role.is_admin)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    PREFIX = "kt_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_prefix=raw[:10], key_hash=hash_token(raw)
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str):
        if not raw or not raw.startswith(cls.PREFIX) or len(raw) > 100:
            return None
        # .get(), not .first(): the hash is unique, so no ORDER BY to compile per request.
        try:
            token = cls.objects.select_related("user", "user__role").get(key_hash=hash_token(raw))
        except cls.DoesNotExist:
            return None
        if not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


class AccessRequest(models.Model):
    """Someone without an account asks for one; an administrator approves or rejects."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"))
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"
