"""Personal API tokens: the page (create, show once, list, revoke) and `kartoteka token`."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kartoteka.accounts.models import ApiToken

TOKENS = reverse("accounts:tokens")
pytestmark = pytest.mark.django_db


def raw_token_in(html: str) -> str:
    return re.search(r'id="new-token"[^>]*value="([^"]+)"', html).group(1)


def test_a_new_token_is_shown_once_and_authenticates(as_manager, manager):
    response = as_manager.post(TOKENS, {"name": "Accounting export"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = raw_token_in(response.content.decode())
    assert ApiToken.authenticate(raw) == manager

    listing = as_manager.get(TOKENS).content.decode()
    assert "Accounting export" in listing
    assert raw[:10] in listing  # the prefix, to tell tokens apart
    assert raw not in listing


def test_revoking_a_token_makes_it_fail(as_manager, manager):
    token, raw = ApiToken.issue(manager, "Old script")
    page = as_manager.get(TOKENS).content.decode()
    assert "data-confirm" in page

    response = as_manager.post(reverse("accounts:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert ApiToken.authenticate(raw) is None


def test_nobody_can_revoke_someone_elses_token(as_manager, administrator):
    token, raw = ApiToken.issue(administrator, "Admin script")
    as_manager.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert ApiToken.authenticate(raw) == administrator
    assert "Admin script" not in as_manager.get(TOKENS).content.decode()


def test_a_deactivated_users_token_fails(manager):
    _token, raw = ApiToken.issue(manager, "x")
    manager.is_active = False
    manager.save()
    assert ApiToken.authenticate(raw) is None


@pytest.mark.parametrize("name", ["", "   ", "n" * 101])
def test_bad_token_names_are_refused_and_nothing_is_issued(as_manager, name):
    response = as_manager.post(TOKENS, {"name": name})
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert not ApiToken.objects.exists()


def test_tokens_page_needs_a_signed_in_user(client):
    assert client.get(TOKENS).status_code == 302
    assert client.post(TOKENS, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


# -- the `token` command ----------------------------------------------------------------------


def run_token_command(*args) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_token_command_prints_one_line_that_authenticates(manager):
    output = run_token_command("max", "--name", "CI pipeline")
    lines = output.splitlines()
    assert len(lines) == 1
    assert ApiToken.authenticate(lines[0]) == manager
    assert ApiToken.objects.get().name == "CI pipeline"


def test_token_command_has_a_default_name(manager):
    run_token_command("max")
    assert ApiToken.objects.get().name == "Command line"


def test_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named"):
        run_token_command("ghost")
    assert not ApiToken.objects.exists()


def test_token_command_refuses_a_deactivated_user(manager):
    manager.is_active = False
    manager.save()
    with pytest.raises(CommandError, match="deactivated"):
        run_token_command("max")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "n" * 101])
def test_token_command_refuses_a_bad_name(manager, name):
    with pytest.raises(CommandError, match="name"):
        run_token_command("max", "--name", name)
    assert not ApiToken.objects.exists()
