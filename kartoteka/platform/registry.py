"""The entity registry: one spec per entity, built in or created by an administrator.

Lists, cards, forms, the API, search, permissions, import and export read a spec instead of
knowing models. Built-in entities register at start-up (`contacts/entities.py`); custom ones
are built from `customization` rows and rebuilt whenever the schema version changes, so every
process — web or worker — sees a new field on its next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import fastinsert
from .behaviour import Behaviour
from .fields import FieldSpec, FieldType, build_validator


@dataclass
class EntitySpec:
    key: str
    model: type[models.Model]
    label: Any
    label_plural: Any
    builtin_fields: list[FieldSpec]
    title_field: str
    search_fields: list[str]
    default_columns: list[str]
    icon: str = "folder"
    title: Callable[[Any], str] = str
    # The columns `title` reads: references to this entity (an export's company column, a
    # relation's label) load only these. Empty: the whole row.
    title_columns: tuple[str, ...] = ()
    subtitle: Callable[[Any], str] = lambda obj: ""
    select_related: tuple[str, ...] = ("owner",)
    entity_type_id: int | None = None
    stage_field: str = ""
    order: int = 100
    custom_fields: list[FieldSpec] = field(default_factory=list)
    required_extra: frozenset[str] = frozenset()
    behaviour: Behaviour = field(default_factory=Behaviour)
    list_actions: tuple[tuple[str, Any, str], ...] = ()  # (url name, label, icon) above lists

    @property
    def is_custom_entity(self) -> bool:
        return self.entity_type_id is not None

    @cached_property
    def fields(self) -> list[FieldSpec]:
        specs = list(self.builtin_fields) + sorted(
            self.custom_fields, key=lambda spec: (spec.order, spec.key)
        )
        if self.required_extra:
            specs = [
                FieldSpec(**{**spec.__dict__, "required": True})
                if spec.key in self.required_extra and spec.editable
                else spec
                for spec in specs
            ]
        return specs

    @cached_property
    def fields_by_key(self) -> dict[str, FieldSpec]:
        return {spec.key: spec for spec in self.fields}

    @cached_property
    def validator(self):
        return build_validator(self.key, self.fields)

    def field(self, key: str) -> FieldSpec | None:
        return self.fields_by_key.get(key)

    def queryset(self) -> models.QuerySet:
        qs = self.model._default_manager.all()
        if self.entity_type_id is not None:
            qs = qs.filter(entity_type_id=self.entity_type_id)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    @cached_property
    def row_by_key(self):
        """Its own row by primary key, compiled once (`prepared.RowByKey`)."""
        from .prepared import RowByKey

        return RowByKey(self.queryset())

    def new_instance(self, given: tuple[str, ...] = ()):
        """A new, unsaved record of this entity at its defaults (`fastinsert.blank`: the
        defaults worked out once per model; the fields in `given` start as None, for a caller
        that sets them next)."""
        return self.new_instances(1, given)[0]

    def new_instances(self, count: int, given: tuple[str, ...] = ()) -> list:
        """`count` of what `new_instance` makes (`fastinsert.blanks`), for bulk writes."""
        objs = fastinsert.blanks(self.model, count, given)
        if self.entity_type_id is not None:
            for obj in objs:
                obj.entity_type_id = self.entity_type_id
        return objs

    def list_url(self) -> str:
        return reverse("platform:list", args=[self.key])

    def card_url(self, pk: int) -> str:
        return reverse("platform:card", args=[self.key, pk])


OWNER_FIELD = FieldSpec(
    key="owner",
    label=_("Owner"),
    type=FieldType.USER,
    storage="fk",
    order=900,
    section="system",
)


# How stale (seconds) a request may find the schema when another process changed it.
SCHEMA_CHECK_INTERVAL = 1.0


class Registry:
    def __init__(self) -> None:
        self._builtin: dict[str, EntitySpec] = {}
        self._built: dict[str, EntitySpec] = {}
        self._relation_types: list = []
        self._version: int | None = None
        # When the version was last read, committed, outside any transaction (monotonic
        # seconds); 0 forces the next check. See `refresh(max_age=...)`.
        self._checked_at = 0.0
        self._lock = threading.RLock()
        self._load_hooks: list[Callable[[], None]] = []

    def register(self, spec: EntitySpec) -> EntitySpec:
        self._builtin[spec.key] = spec
        self._version = None
        return spec

    def on_load(self, hook: Callable[[], None]) -> None:
        """Run `hook` each time the schema is (re)loaded, before the specs are built — for
        settings tables the behaviours read (a deal's stages), loaded once per version."""
        self._load_hooks.append(hook)

    @property
    def builtin_keys(self) -> set[str]:
        return set(self._builtin)

    # -- schema version -------------------------------------------------------------------
    def current_version(self) -> int:
        from .models import SchemaVersion

        # .get() rather than .first(): one row by primary key needs no ORDER BY to compile.
        try:
            return SchemaVersion.objects.values_list("number", flat=True).get(pk=1) or 0
        except SchemaVersion.DoesNotExist:
            return 0

    def refresh(self, max_age: float = 0.0) -> None:
        """Rebuild the custom parts if another process changed the schema.

        With `max_age` (seconds) the database is not asked again if it was asked less than
        that long ago: requests call `refresh(max_age=SCHEMA_CHECK_INTERVAL)`, so another
        process's schema change reaches this one within that interval instead of costing a
        query on every request. Only a reading made outside any transaction counts, since
        it alone is known to be committed; this process's own changes (`bump`) are loaded
        at once and checked again on the next request, in case their transaction rolled
        back."""
        if max_age and self._version is not None:
            if time.monotonic() - self._checked_at < max_age:
                return
        outside_transaction = not transaction.get_connection().in_atomic_block
        checked_at = time.monotonic()
        version = self.current_version()
        if version != self._version:
            self._load(version)
        if outside_transaction:
            self._checked_at = checked_at

    def bump(self) -> None:
        """Record a schema change (call inside the transaction that made it)."""
        from .models import SchemaVersion

        updated = SchemaVersion.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            SchemaVersion.objects.create(pk=1, number=2)
        self._load(self.current_version())
        self._checked_at = 0.0

    def _ensure(self) -> None:
        if self._version is None:
            self.refresh()

    def _load(self, version: int) -> None:
        from kartoteka.customization.models import (
            EntityType,
            FieldDefinition,
            RelationType,
            RequiredFieldsTemplate,
        )
        from kartoteka.records.models import Record

        with self._lock:
            for hook in self._load_hooks:
                hook()
            definitions: dict[str, list[FieldSpec]] = {}
            for definition in FieldDefinition.objects.all():
                definitions.setdefault(definition.entity, []).append(field_spec_of(definition))
            required: dict[str, set[str]] = {}
            for template in RequiredFieldsTemplate.objects.filter(active=True):
                required.setdefault(template.entity, set()).update(template.fields)
            custom: dict[str, EntitySpec] = {}
            for entity_type in EntityType.objects.all():
                custom[entity_type.key] = EntitySpec(
                    key=entity_type.key,
                    model=Record,
                    label=_LazyLabel(entity_type.key, plural=False),
                    label_plural=_LazyLabel(entity_type.key, plural=True),
                    builtin_fields=[
                        FieldSpec(
                            key="name",
                            label=_("Name"),
                            type=FieldType.TEXT,
                            storage="column",
                            required=True,
                            order=0,
                        ),
                        OWNER_FIELD,
                    ],
                    title_field="name",
                    title_columns=("name",),
                    search_fields=["name"],
                    default_columns=["name", "owner"],
                    icon=entity_type.icon,
                    entity_type_id=entity_type.pk,
                    order=500,
                )
            built: dict[str, EntitySpec] = {}
            for key, spec in {**self._builtin, **custom}.items():
                built[key] = EntitySpec(
                    **{
                        **{f: getattr(spec, f) for f in spec.__dataclass_fields__},
                        "builtin_fields": spec.behaviour.prepare_fields(list(spec.builtin_fields)),
                        "custom_fields": definitions.get(key, []),
                        "required_extra": frozenset(required.get(key, ())),
                    }
                )
            self._built = built
            self._relation_types = list(RelationType.objects.all())
            self._entity_types = {et.key: et for et in EntityType.objects.all()}
            self._version = version

    # -- look-ups ---------------------------------------------------------------------------
    def get(self, key: str) -> EntitySpec:
        self._ensure()
        try:
            return self._built[key]
        except KeyError:
            raise LookupError(key) from None

    def find(self, key: str) -> EntitySpec | None:
        self._ensure()
        return self._built.get(key)

    def all(self) -> list[EntitySpec]:
        self._ensure()
        return sorted(self._built.values(), key=lambda spec: (spec.order, str(spec.label)))

    def entity_type(self, key: str):
        self._ensure()
        return self._entity_types.get(key)

    def relation_types_for(self, key: str) -> list:
        self._ensure()
        return [rt for rt in self._relation_types if key in (rt.from_entity, rt.to_entity)]

    def relation_type(self, pk: int):
        self._ensure()
        for rt in self._relation_types:
            if rt.pk == pk:
                return rt
        return None

    def reverse_relation_fields(self, key: str) -> list[tuple[EntitySpec, FieldSpec]]:
        """Custom relation fields on other entities that point at entity `key`."""
        self._ensure()
        found = []
        for spec in self._built.values():
            for field_spec in spec.custom_fields:
                if field_spec.type == FieldType.RELATION and field_spec.related_entity == key:
                    found.append((spec, field_spec))
        return found


class _LazyLabel:
    """A custom entity's label in the active language, looked up when rendered."""

    def __init__(self, key: str, plural: bool):
        self.key = key
        self.plural = plural

    def __str__(self) -> str:
        entity_type = registry.entity_type(self.key)
        if entity_type is None:
            return self.key
        return entity_type.display_plural if self.plural else entity_type.display_label

    def __lt__(self, other) -> bool:
        return str(self) < str(other)


def field_spec_of(definition) -> FieldSpec:
    choices = tuple((str(choice), str(choice)) for choice in definition.choices or ())
    return FieldSpec(
        key=definition.key,
        label=_DefinitionLabel(definition.label, definition.labels),
        type=definition.type,
        storage="custom",
        required=definition.required,
        unique=definition.unique,
        default=definition.default,
        choices=choices,
        min_value=_plain_decimal(definition.min_value),
        max_value=_plain_decimal(definition.max_value),
        max_length=definition.max_length,
        regex=definition.regex,
        related_entity=definition.related_entity,
        section=definition.section,
        order=definition.order,
        show_in_list=definition.show_in_list,
        filterable=definition.filterable,
        sortable=definition.type not in (FieldType.MULTICHOICE, FieldType.LONGTEXT),
    )


def _plain_decimal(value):
    """5.0000 (as stored) → 5, so messages say "at least 5"."""
    if value is None:
        return None
    return value.quantize(1) if value == value.to_integral_value() else value.normalize()


class _DefinitionLabel:
    def __init__(self, default: str, labels: dict):
        self.default = default
        self.labels = dict(labels or {})

    def __str__(self) -> str:
        from kartoteka.customization.models import localised

        return localised(self.default, self.labels)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.default)


registry = Registry()
