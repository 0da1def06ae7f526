"""Hooks into the platform: the "Import" item beside the user menu, for people who may
create records of at least one entity. Imported by `DataioConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kartoteka.platform import navigation


def _may_import(user) -> bool:
    from . import services  # at call time: the services pull in the engine and its models

    return bool(services.importable_entities(user))


navigation.register(
    navigation.NavItem(
        key="dataio.imports",
        label=gettext_lazy("Import"),
        url_name="dataio:imports",
        icon="box-arrow-in-down",
        visible=_may_import,
        order=90,
        position="right",
    )
)
