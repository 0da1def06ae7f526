"""The data the migrations create (built-in roles, the first pipeline with its stages and
reasons, the base currency, the service desk's calendar and SLA policies), created again:
a transactional test's flush removes it, and the tests after one still need it."""

from __future__ import annotations

import importlib


def restore_migrated_defaults() -> None:
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
