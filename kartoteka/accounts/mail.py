"""Emails about accounts: the set-password link for a new user, and the note to
administrators that someone asked for access. Each is written in its recipient's language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kartoteka.platform import events

from .models import AccessRequest

log = logging.getLogger(__name__)


def _send(template: str, context: dict, to: list[str], language: str) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"accounts/{template}_subject.txt", context)
        body = render_to_string(f"accounts/{template}_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, to)


def set_password_link(user, request) -> str:
    """The same one-time link as a password reset: valid until the password is set or
    settings.PASSWORD_RESET_TIMEOUT passes."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def send_welcome(user, request) -> bool:
    """Tell a new user their account exists and how to set a password; False if the mail
    server refused (the administrator is told to use the password reset instead)."""
    context = {
        "user": user,
        "link": set_password_link(user, request),
        "login_url": request.build_absolute_uri(reverse("accounts:login")),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    try:
        _send("welcome", context, [user.email], user.language)
    except Exception:  # a broken mail server must not undo the account
        log.exception("could not send the welcome email to user %s", user.pk)
        return False
    return True


def administrator_emails() -> list[tuple[str, str]]:
    admins = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(role__is_admin=True), is_active=True
    )
    return list(admins.exclude(email="").values_list("email", "language"))


@events.subscribe("access_request.submitted")
def notify_administrators(name: str, payload: dict) -> None:
    access_request = AccessRequest.objects.filter(pk=payload["id"]).first()
    if access_request is None:
        return
    context = {"access_request": access_request, "review_url": payload.get("review_url", "")}
    for email, language in administrator_emails():
        _send("access_request", context, [email], language)
