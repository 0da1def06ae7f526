"""Administrators' forms: users, teams, roles with their grants matrix, and approving a
request for access."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kartoteka.platform.registry import registry

from .forms import BootstrapMixin, email_taken
from .models import ACTION_LABELS, ACTIONS, BUILTIN_ROLE_NAMES, SCOPE_LABELS, SCOPES, Role, Team
from .roles import DEFAULT_ROLES

User = get_user_model()
DEFAULT_ROW = "*"
SCOPE_CHOICES = [(scope, SCOPE_LABELS[scope]) for scope in SCOPES]


def _clean_username(value: str, exclude_pk=None) -> str:
    username = value.strip()
    others = User.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(_("This username is already taken."), code="duplicate")
    return username


def _clean_unique_email(value: str, exclude_pk=None) -> str:
    email = value.strip()
    if email_taken(email, exclude_pk=exclude_pk):
        raise ValidationError(_("Another user already has this email address."), code="duplicate")
    return email


class UserForm(BootstrapMixin, forms.ModelForm):
    """Create or edit a user. Guards the editor against locking themselves out."""

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "team",
            "role",
            "language",
            "is_active",
        ]
        labels = {"is_active": _("Active")}
        help_texts = {
            "username": _("Letters, digits and @/./+/-/_ only; used to log in."),
            "is_active": _("Deactivated users cannot log in or use their API tokens."),
        }

    def __init__(self, *args, editor, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.fields["role"].required = True
        self.fields["role"].empty_label = None
        self.fields["team"].empty_label = _("(no team)")
        if self.instance.pk is None:
            self.fields["email"].required = True
            self.fields["email"].help_text = _("A link to set a password is sent here.")
            self.fields["is_active"].disabled = True
            self.fields["is_active"].initial = True
            self.fields["role"].initial = Role.objects.filter(key="manager").first()

    @property
    def editing_self(self) -> bool:
        return self.instance.pk is not None and self.instance.pk == self.editor.pk

    def clean_username(self):
        return _clean_username(self.cleaned_data["username"], self.instance.pk)

    def clean_email(self):
        return _clean_unique_email(self.cleaned_data["email"], self.instance.pk)

    def clean_is_active(self):
        active = self.cleaned_data["is_active"]
        if self.editing_self and not active:
            raise ValidationError(_("You cannot deactivate yourself."), code="self")
        return active

    def clean_role(self):
        role = self.cleaned_data["role"]
        if self.editing_self and not self.editor.is_superuser and not role.is_admin:
            raise ValidationError(
                _("You cannot take the administrator role away from yourself."), code="self"
            )
        return role


class TeamForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Please enter a name."), code="required")
        others = Team.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("A team with this name already exists."), code="duplicate")
        return name


class RoleForm(BootstrapMixin, forms.ModelForm):
    """A role and its grants: one select per entity and action, plus a default row that
    applies to entities without their own grants (including ones created later)."""

    class Meta:
        model = Role
        fields = ["name", "key", "is_admin"]
        help_texts = {"key": _("A short identifier: lowercase letters, digits, - and _.")}

    def __init__(self, *args, editor, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.is_builtin = self.instance.pk is not None and self.instance.key in DEFAULT_ROLES
        if self.is_builtin:
            self.fields["key"].disabled = True
            self.fields["name"].disabled = True
            self.fields["name"].help_text = _("Built-in roles keep their translated names.")
            self.initial["name"] = BUILTIN_ROLE_NAMES.get(self.instance.key, self.instance.name)
        self.rows = [(DEFAULT_ROW, _("* (default)"))] + [
            (spec.key, spec.label_plural) for spec in registry.all()
        ]
        for entity_key, label in self.rows:
            for action in ACTIONS:
                self.fields[self.grant_field(entity_key, action)] = forms.ChoiceField(
                    label=f"{label}: {ACTION_LABELS[action]}",
                    choices=SCOPE_CHOICES,
                    initial=self._initial_scope(entity_key, action),
                    widget=forms.Select(
                        attrs={
                            "class": "form-select form-select-sm",
                            "aria-label": f"{label}: {ACTION_LABELS[action]}",
                        }
                    ),
                )

    @staticmethod
    def grant_field(entity_key: str, action: str) -> str:
        return f"grant__{entity_key}__{action}"

    def _initial_scope(self, entity_key: str, action: str) -> str:
        grants = self.instance.grants or {}
        for key in (entity_key, DEFAULT_ROW):
            scope = (grants.get(key) or {}).get(action)
            if scope in SCOPES:
                return scope
        return "none"

    @property
    def matrix(self):
        """Rows for the template: (label, [bound field per action])."""
        return [
            (label, [self[self.grant_field(key, action)] for action in ACTIONS])
            for key, label in self.rows
        ]

    @property
    def actions(self):
        return [ACTION_LABELS[action] for action in ACTIONS]

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not self.is_builtin and key in DEFAULT_ROLES:
            raise ValidationError(_("This key belongs to a built-in role."), code="reserved")
        return key

    def clean_is_admin(self):
        is_admin = self.cleaned_data["is_admin"]
        own_role = self.instance.pk is not None and self.instance.pk == self.editor.role_id
        if own_role and not is_admin and not self.editor.is_superuser:
            raise ValidationError(
                _("You cannot take administrator rights away from your own role."), code="self"
            )
        return is_admin

    def grants(self) -> dict:
        """The grants to store: the matrix, plus grants for entities not shown (kept as they
        were, e.g. for an entity type that is being recreated)."""
        shown = {key for key, _label in self.rows}
        grants = {
            key: value for key, value in (self.instance.grants or {}).items() if key not in shown
        }
        for key, _label in self.rows:
            grants[key] = {
                action: self.cleaned_data[self.grant_field(key, action)] for action in ACTIONS
            }
        return grants


class ApproveAccessForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=User._meta.get_field("username").max_length,
        validators=User._meta.get_field("username").validators,
        help_text=_("Letters, digits and @/./+/-/_ only; used to log in."),
    )
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all(), empty_label=None)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("(no team)")
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("Of the interface and of the email with the set-password link."),
    )

    def __init__(self, *args, access_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.access_request = access_request
        self.fields["role"].initial = Role.objects.filter(key="manager").first()
        self.fields["language"].initial = settings.LANGUAGE_CODE
        self.initial.setdefault("username", self.suggest_username(access_request.email))

    @staticmethod
    def suggest_username(email: str) -> str:
        local = email.split("@")[0][:150]
        base = "".join(ch for ch in local if ch.isalnum() or ch in "@.+-_") or "user"
        candidate, number = base, 1
        while User.objects.filter(username__iexact=candidate).exists():
            number += 1
            candidate = f"{base}{number}"
        return candidate

    def clean_username(self):
        return _clean_username(self.cleaned_data["username"])

    def clean(self):
        cleaned = super().clean()
        if email_taken(self.access_request.email):
            raise ValidationError(
                _("A user with the email address %(email)s already exists."),
                code="duplicate",
                params={"email": self.access_request.email},
            )
        return cleaned
