"""What a card shows next to its fields: records linked through relation types (both ends),
records pointing at it through a foreign key (a company's contacts) or a custom relation
field. Each group is read with one query, limited, and narrowed by the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from kartoteka.records.models import Link

from . import permissions
from .jsonvalue import custom_value
from .registry import EntitySpec, registry

RELATED_LIMIT = 25


@dataclass
class LinkGroup:
    relation_type: object
    label: str
    other: EntitySpec
    direction: str  # "from": this record is the "from" end
    items: list[tuple[int, object]] = field(default_factory=list)


@dataclass
class ReferenceGroup:
    label: str
    other: EntitySpec
    filter_key: str
    items: list = field(default_factory=list)


def related_links(user, spec: EntitySpec, obj) -> list[LinkGroup]:
    groups = []
    for relation_type in registry.relation_types_for(spec.key):
        for direction in ("from", "to"):
            mine = relation_type.from_entity if direction == "from" else relation_type.to_entity
            if mine != spec.key:
                continue
            other_key = (
                relation_type.to_entity if direction == "from" else relation_type.from_entity
            )
            other = registry.find(other_key)
            if other is None or not permissions.can(user, other.key, "view"):
                continue
            label = (
                relation_type.display_label
                if direction == "from"
                else relation_type.display_reverse_label
            )
            group = LinkGroup(relation_type, label, other, direction)
            mine_col, other_col = (
                ("from_id", "to_id") if direction == "from" else ("to_id", "from_id")
            )
            links = dict(
                Link.objects.filter(relation_type=relation_type, **{mine_col: obj.pk})
                .order_by("-created_at")
                .values_list(other_col, "id")[:RELATED_LIMIT]
            )
            if links:
                visible = permissions.restrict(other.queryset(), user, other.key).filter(
                    pk__in=list(links)
                )
                group.items = [(links[o.pk], o) for o in visible]
            groups.append(group)
    return groups


def referencing(user, spec: EntitySpec, obj) -> list[ReferenceGroup]:
    groups = []
    for other in registry.all():
        if not permissions.can(user, other.key, "view"):
            continue
        for field_spec in other.fields:
            if field_spec.type != "relation" or field_spec.related_entity != spec.key:
                continue
            qs = permissions.restrict(other.queryset(), user, other.key)
            if field_spec.is_custom:
                qs = qs.alias(_ref=custom_value(field_spec.type, field_spec.key)).filter(
                    _ref=obj.pk
                )
            else:
                qs = qs.filter(**{field_spec.attname: obj.pk})
            items = list(qs.order_by("-created_at")[:RELATED_LIMIT])
            groups.append(
                ReferenceGroup(
                    label=_group_label(other, field_spec, spec),
                    other=other,
                    filter_key=f"f.{field_spec.key}",
                    items=items,
                )
            )
    return groups


def _group_label(other: EntitySpec, field_spec, spec: EntitySpec) -> str:
    if str(field_spec.label) == str(spec.label):
        return str(other.label_plural)
    return f"{other.label_plural} · {field_spec.label}"
