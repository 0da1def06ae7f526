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

    # The columns `__str__` reads: a user named in a list or an export is loaded with these.
    NAME_COLUMNS = ("first_name", "last_name", "username")

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
        found = _token_and_user(hash_token(raw))
        if found is None:
            return None
        token_id, last_used_at, user = found
        if not user.is_active:
            return None
        now = timezone.now()
        if last_used_at is None or (now - last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token_id).update(last_used_at=now)
        return user


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


# -- the token lookup --------------------------------------------------------------------------
# Every API call with a token runs this one query. Through the ORM (`select_related(...).get`)
# compiling it cost ten times what the database spends on it (0.68 against 0.07 ms), so its
# SQL and the converters of its columns are made once per process and connection; the rows
# become a `User` with its `Role` through `from_db`, as the ORM would build them.

_LOOKUPS: dict[str, tuple] = {}


def _lookup_plan(connection) -> tuple:
    from kartoteka.platform.prepared import converted_columns

    plan = _LOOKUPS.get(connection.alias)
    if plan is None:
        quote = connection.ops.quote_name
        token_fields = [ApiToken._meta.pk, ApiToken._meta.get_field("last_used_at")]
        user_fields = list(User._meta.concrete_fields)
        role_fields = list(Role._meta.concrete_fields)
        columns = (
            [("t", f) for f in token_fields]
            + [("u", f) for f in user_fields]
            + [("r", f) for f in role_fields]
        )
        sql = (  # noqa: S608 (names from the models, the value a parameter)
            "SELECT {columns} FROM {tokens} t INNER JOIN {users} u ON u.{user_pk} = t.{user_fk}"
            " LEFT OUTER JOIN {roles} r ON r.{role_pk} = u.{role_fk} WHERE t.{key} = %s"
        ).format(
            columns=", ".join(f"{alias}.{quote(f.column)}" for alias, f in columns),
            tokens=quote(ApiToken._meta.db_table),
            users=quote(User._meta.db_table),
            roles=quote(Role._meta.db_table),
            user_pk=quote(User._meta.pk.column),
            user_fk=quote(ApiToken._meta.get_field("user").column),
            role_pk=quote(Role._meta.pk.column),
            role_fk=quote(User._meta.get_field("role").column),
            key=quote(ApiToken._meta.get_field("key_hash").column),
        )
        plan = (
            sql,
            converted_columns([field.get_col(alias) for alias, field in columns], connection),
            [f.attname for f in user_fields],
            [f.attname for f in role_fields],
        )
        _LOOKUPS[connection.alias] = plan
    return plan


def _token_and_user(key_hash: str):
    """(token id, its last use, its user with the role) or None."""
    from django.db import connection

    from kartoteka.platform.prepared import convert_row

    sql, converted, user_names, role_names = _lookup_plan(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    row = convert_row(row, converted, connection)
    users_end = 2 + len(user_names)
    user = User.from_db(connection.alias, user_names, row[2:users_end])
    role_values = row[users_end:]
    role = Role.from_db(connection.alias, role_names, role_values) if role_values[0] else None
    User.role.field.set_cached_value(user, role)
    return row[0], row[1], user
