"""Shared test personas: an administrator, a head of sales, two managers in one team, a
manager of another team, a read-only user and a support agent. Tests read like sentences
about them. Also shared: `api_as`, the JSON API client of `tests.helpers` signed in as one."""

import pytest


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    """A request activates its user's language for the thread and nothing turns it off
    afterwards (the next request activates its own): a test that made a request as a Polish
    user would otherwise hand Polish messages to the tests after it."""
    yield
    from django.utils import translation

    translation.deactivate()


def _user(django_user_model, username, role_key, team=None, **extra):
    from kartoteka.accounts.models import Role

    return django_user_model.objects.create_user(
        username=username,
        password="pw-" + username,
        email=f"{username}@example.com",
        first_name=username.capitalize(),
        role=Role.objects.get(key=role_key),
        team=team,
        **extra,
    )


@pytest.fixture
def teams(db):
    from kartoteka.accounts.models import Team

    return {"north": Team.objects.create(name="North"), "south": Team.objects.create(name="South")}


@pytest.fixture
def migrated_defaults(transactional_db):
    """For tests in transactions (`django_db(transaction=True)`): the roles, pipeline and
    service defaults the migrations made, which an earlier transactional test's flush removed."""
    from tests.defaults import restore_migrated_defaults

    restore_migrated_defaults()


@pytest.fixture
def admin_user(django_user_model, teams):
    return _user(django_user_model, "boss", "administrator")


@pytest.fixture
def head(django_user_model, teams):
    return _user(django_user_model, "head", "head_of_sales", teams["north"])


@pytest.fixture
def manager(django_user_model, teams):
    return _user(django_user_model, "anna", "manager", teams["north"])


@pytest.fixture
def colleague(django_user_model, teams):
    return _user(django_user_model, "boris", "manager", teams["north"])


@pytest.fixture
def outsider(django_user_model, teams):
    return _user(django_user_model, "olga", "manager", teams["south"])


@pytest.fixture
def reader(django_user_model, teams):
    return _user(django_user_model, "rita", "read_only", teams["south"])


@pytest.fixture
def registry():
    from kartoteka.platform.registry import registry as the_registry

    the_registry.refresh()
    return the_registry


@pytest.fixture
def make(registry, admin_user):
    """make("company", name="Acme", owner=user) → a record created through the services."""
    from kartoteka.platform import services

    def _make(entity_key, actor=None, **data):
        spec = registry.get(entity_key)
        owner = data.pop("owner", None)
        if owner is not None:
            data["owner"] = owner.pk
        return services.create_record(spec, actor or admin_user, data)

    return _make


@pytest.fixture
def agent(django_user_model, teams):
    return _user(django_user_model, "sofia", "support_agent", teams["south"])


@pytest.fixture
def api_as(client):
    """api_as(user) → a session client; api_as(user, token=True) → a Bearer-token client."""
    from kartoteka.accounts.models import ApiToken
    from tests.helpers import ApiClient

    def _api_as(user, token: bool = False) -> ApiClient:
        if token:
            _token, raw = ApiToken.issue(user, "tests")
            client.logout()
            return ApiClient(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
        client.force_login(user)
        return ApiClient(client)

    return _api_as
