"""Forms a person fills in for themselves: log-in, password reset, asking for access, the
profile and API tokens. Administrators' forms are in `admin_forms.py`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import AccessRequest, ApiToken
from .throttle import client_ip, login_counters


class BootstrapMixin:
    """Bootstrap classes on every widget, `is-invalid` on fields with errors, and autofocus on
    the first visible field (set `autofocus = False` for a second form on the same page)."""

    autofocus = True

    def __init__(self, *args, **kwargs):
        self.autofocus = kwargs.pop("autofocus", self.autofocus)
        super().__init__(*args, **kwargs)
        first = True
        for field in self.fields.values():
            widget = field.widget
            if widget.is_hidden:
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if first and self.autofocus and not field.disabled:
                widget.attrs["autofocus"] = True
                first = False
            else:
                widget.attrs.pop("autofocus", None)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def email_taken(email: str, exclude_pk=None) -> bool:
    users = get_user_model().objects.filter(email__iexact=email)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return bool(email) and users.exists()


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    """Refuses to check a password while the username or the address is throttled."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or self.data.get("username", "")
        by_user, by_ip = login_counters(str(username)[:150], client_ip(self.request))
        if by_user.exceeded or by_ip.exceeded:
            self.throttled = True
            raise ValidationError(self._throttled_message(by_user, by_ip), code="throttled")
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                by_user.hit()
                by_ip.hit()
            raise

    @staticmethod
    def _throttled_message(by_user, by_ip) -> str:
        # Only the username's counter is lifted by a password reset; say so only then.
        if by_user.exceeded and not by_ip.exceeded:
            minutes = by_user.minutes_left()
            text = ngettext(
                "Too many failed log-in attempts for this username. Your password was not "
                "checked. Try again in %(minutes)d minute or reset your password.",
                "Too many failed log-in attempts for this username. Your password was not "
                "checked. Try again in %(minutes)d minutes or reset your password.",
                minutes,
            )
        else:
            minutes = max(by_ip.minutes_left(), by_user.minutes_left() if by_user.exceeded else 0)
            text = ngettext(
                "Too many failed log-in attempts from your address. Your password was not "
                "checked. Try again in %(minutes)d minute.",
                "Too many failed log-in attempts from your address. Your password was not "
                "checked. Try again in %(minutes)d minutes.",
                minutes,
            )
        return text % {"minutes": minutes}

    def reset_failures(self) -> None:
        by_user, _by_ip = login_counters(self.cleaned_data["username"], "")
        by_user.reset()


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    """Also reaches active users without a password yet (approved access requests), and writes
    each email in its recipient's language."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.email.lower() == email.lower())

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].language or settings.LANGUAGE_CODE):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    autofocus = False


class AccessRequestForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = AccessRequest
        fields = ["full_name", "email", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}
        help_texts = {"message": _("Who you are and what you need Kartoteka for (optional).")}

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError(_("Please enter your name."), code="required")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        pending = AccessRequest.objects.filter(
            email__iexact=email, status=AccessRequest.Status.PENDING
        )
        if pending.exists():
            raise ValidationError(
                _("A request for this email address is already waiting for an administrator."),
                code="duplicate",
            )
        return email


class ProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email", "language"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email_taken(email, exclude_pk=self.instance.pk):
            raise ValidationError(
                _("Another user already has this email address."), code="duplicate"
            )
        return email


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “Accounting export”."),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Please name the token."), code="required")
        return name
