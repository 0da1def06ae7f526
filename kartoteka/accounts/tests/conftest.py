"""Personas for the accounts tests: an administrator, a manager in a team, an outsider without
a role; and clients signed in as each."""

import pytest
from django.core.cache import cache

from kartoteka.accounts.models import Role, Team, User

PASSWORD = "Corr3ct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(db):
    return Team.objects.create(name="North")


def _user(username, role_key=None, team=None, **extra):
    user = User(
        username=username,
        email=f"{username}@example.com",
        first_name=username.title(),
        role=Role.objects.get(key=role_key) if role_key else None,
        team=team,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def administrator(db):
    return _user("ada", "administrator")


@pytest.fixture
def manager(db, team):
    return _user("max", "manager", team)


@pytest.fixture
def outsider(db):
    return _user("olga")


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def as_administrator(administrator, client_class):
    return _client_for(client_class, administrator)


@pytest.fixture
def as_manager(manager, client_class):
    return _client_for(client_class, manager)


@pytest.fixture
def as_outsider(outsider, client_class):
    return _client_for(client_class, outsider)


@pytest.fixture
def client_class():
    from django.test import Client

    return Client
