"""Service desk test fixtures: real mail servers (aiosmtpd for SMTP, Dovecot for IMAP), and
the migrated defaults (roles, pipeline, calendar, SLA policies) again for tests that run in
transactions, whose flush removes them."""

import importlib

import pytest

from kartoteka.service.tests.mailservers import imap_server, smtp_server  # noqa: F401


@pytest.fixture
def migrated_defaults(transactional_db):
    from django.apps import apps

    from kartoteka.accounts.models import Role
    from kartoteka.accounts.roles import DEFAULT_ROLES
    from kartoteka.platform.registry import registry

    for key, spec in DEFAULT_ROLES.items():
        Role.objects.get_or_create(
            key=key,
            defaults={"name": spec["name"], "is_admin": spec["is_admin"], "grants": spec["grants"]},
        )
    for module in (
        "kartoteka.sales.migrations.0002_defaults",
        "kartoteka.service.migrations.0002_defaults",
    ):
        importlib.import_module(module).create(apps, None)
    registry.bump()
