"""Every accounts page works under the Content-Security-Policy: no inline scripts, no style
attributes, no inline event handlers — the browser would block them."""

import re

import pytest
from django.urls import reverse

from kartoteka.accounts.models import AccessRequest, ApiToken, Role

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)

PUBLIC_PAGES = [
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:request_access",
    "accounts:request_access_done",
]


def assert_csp_clean(response):
    html = response.content.decode()
    assert response.status_code in (200, 201), response.status_code
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not STYLE_ATTRIBUTE.search(html)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages(client, name):
    assert_csp_clean(client.get(reverse(name)))


def test_signed_in_and_admin_pages(as_administrator, administrator, manager, team):
    ApiToken.issue(administrator, "Script")
    pending = AccessRequest.objects.create(full_name="Z", email="z@example.com", message="hi")
    urls = [
        reverse("accounts:profile"),
        reverse("accounts:tokens"),
        reverse("accounts:users"),
        reverse("accounts:user_create"),
        reverse("accounts:user_edit", args=[manager.pk]),
        reverse("accounts:teams"),
        reverse("accounts:team_create"),
        reverse("accounts:team_edit", args=[team.pk]),
        reverse("accounts:roles"),
        reverse("accounts:role_create"),
        reverse("accounts:role_edit", args=[Role.objects.get(key="manager").pk]),
        reverse("accounts:access_requests"),
        reverse("accounts:access_request_approve", args=[pending.pk]),
    ]
    for url in urls:
        assert_csp_clean(as_administrator.get(url))
    assert_csp_clean(as_administrator.post(reverse("accounts:tokens"), {"name": "New"}))


def test_destructive_buttons_ask_for_confirmation(as_administrator, administrator, manager):
    ApiToken.issue(administrator, "Script")
    AccessRequest.objects.create(full_name="Z", email="z@example.com")
    for name in ("accounts:tokens", "accounts:users", "accounts:access_requests"):
        html = as_administrator.get(reverse(name)).content.decode()
        for button in re.findall(r"<button[^>]*btn-outline-danger[^>]*>", html):
            assert "data-confirm=" in button, (name, button)
