"""The only writers of what administrators shape at run time: entity types, custom-field
definitions, relation types and required-fields templates.

Each action checks that the user is an administrator (`user=None` means a trusted caller such
as a management command), validates the whole input with translated messages (raising
`InputErrors` before anything is written), makes its change in one transaction — moving
stored values and creating or dropping expression indexes on the way — and ends with
`registry.bump()` so every web and worker process rebuilds its entity specs.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.platform import events
from kartoteka.platform.fields import FieldType, InputErrors
from kartoteka.platform.models import ContactPoint, SearchEntry
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.registry import EntitySpec, registry
from kartoteka.timeline.models import Activity

from . import field_rules, indexes, values
from .inputs import LABEL_MAX, Checker
from .models import EntityType, FieldDefinition, RelationType, RequiredFieldsTemplate, SavedView

ICONS = (
    "box", "boxes", "building", "briefcase", "truck", "shop", "cart", "bag", "receipt",
    "file-earmark-text", "journal-text", "clipboard", "people", "person", "house", "bank",
    "globe", "geo-alt", "calendar-event", "tag", "star", "flag", "award", "heart", "lightning",
    "tools", "wrench-adjustable", "gear", "car-front", "airplane", "kanban", "folder",
)  # fmt: skip
DEFAULT_ICON = "box"

TEMPLATE_FIELDS_MAX = 200


def _require_admin(user) -> None:
    if user is None:
        return
    if not (getattr(user, "is_active", False) and getattr(user, "is_administrator", False)):
        raise PermissionDenied("customize")


def _schema_changed(what: str, **payload: Any) -> None:
    events.emit("schema.changed", what=what, **payload)
    registry.bump()


# -- entity types ------------------------------------------------------------------------------

ENTITY_TYPE_INPUT = {"key", "label", "label_plural", "labels", "icon"}


def _entity_type_values(entity_type: EntityType) -> dict:
    return {
        "label": entity_type.label,
        "label_plural": entity_type.label_plural,
        "labels": entity_type.labels,
        "icon": entity_type.icon,
    }


def _clean_entity_type(data: Any, instance: EntityType | None = None) -> dict:
    check = Checker(data, ENTITY_TYPE_INPUT)
    merged = {**_entity_type_values(instance), **data} if instance is not None else data
    clean: dict[str, Any] = {}
    if instance is None:
        key = check.key("key", data.get("key"))
        if check.ok("key"):
            if key in registry.builtin_keys:
                check.error("key", _("A built-in entity already uses this key."))
            elif EntityType.objects.filter(key=key).exists():
                check.error("key", _("An entity with this key already exists."))
        clean["key"] = key
    elif "key" in data and data["key"] != instance.key:
        check.error("key", _("The key of an entity cannot be changed."))
    clean["label"] = check.text("label", merged.get("label"), max_length=LABEL_MAX, required=True)
    clean["label_plural"] = check.text(
        "label_plural", merged.get("label_plural"), max_length=LABEL_MAX, required=True
    )
    clean["labels"] = check.entity_labels("labels", merged.get("labels"))
    clean["icon"] = check.choice("icon", merged.get("icon") or DEFAULT_ICON, list(ICONS))
    check.done()
    return clean


def create_entity_type(user, data: dict) -> EntityType:
    _require_admin(user)
    clean = _clean_entity_type(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entity_type = EntityType.objects.create(**clean)
        except IntegrityError:
            raise InputErrors({"key": [_("An entity with this key already exists.")]})
        _schema_changed("entity_type", action="created", key=entity_type.key)
    return entity_type


def update_entity_type(user, entity_type: EntityType, data: dict) -> EntityType:
    _require_admin(user)
    clean = _clean_entity_type(data, instance=entity_type)
    with transaction.atomic():
        for name, value in clean.items():
            setattr(entity_type, name, value)
        entity_type.save(update_fields=list(clean))
        _schema_changed("entity_type", action="updated", key=entity_type.key)
    return entity_type


def _relation_types_touching(key: str) -> models.QuerySet:
    return RelationType.objects.filter(Q(from_entity=key) | Q(to_entity=key))


def fields_pointing_at(key: str) -> models.QuerySet:
    """Relation fields on other entities whose target is entity `key`."""
    return FieldDefinition.objects.filter(type=FieldType.RELATION, related_entity=key).exclude(
        entity=key
    )


def entity_type_impact(entity_type: EntityType) -> dict[str, Any]:
    """What deleting the entity type takes with it (shown before the administrator confirms)."""
    from kartoteka.records.models import Link, Record

    key = entity_type.key
    relation_types = _relation_types_touching(key)
    return {
        "records": Record.objects.filter(entity_type=entity_type).count(),
        "fields": FieldDefinition.objects.filter(entity=key).count(),
        "pointing_fields": list(fields_pointing_at(key)),
        "relation_types": relation_types.count(),
        "links": Link.objects.filter(relation_type__in=relation_types).count(),
        "templates": RequiredFieldsTemplate.objects.filter(entity=key).count(),
    }


def delete_entity_type(user, entity_type: EntityType, *, confirm: bool = False) -> None:
    """Delete a custom entity with its records, fields, relation types and their links.

    When records exist, `confirm=True` must say that the administrator means it."""
    from kartoteka.records.models import Link, Record

    _require_admin(user)
    key = entity_type.key
    with transaction.atomic():
        records = Record.objects.filter(entity_type=entity_type)
        if not confirm and records.exists():
            count = records.count()
            raise InputErrors(
                {
                    "confirm": [
                        ngettext(
                            "This entity has %(count)d record. Confirm that it is to be "
                            "deleted together with the entity.",
                            "This entity has %(count)d records. Confirm that they are to be "
                            "deleted together with the entity.",
                            count,
                        )
                        % {"count": count}
                    ]
                }
            )
        for definition in fields_pointing_at(key):
            _remove_field(definition)
        for definition in FieldDefinition.objects.filter(entity=key):
            indexes.drop_index(key, definition.key)
        FieldDefinition.objects.filter(entity=key).delete()
        relation_types = _relation_types_touching(key)
        Link.objects.filter(relation_type__in=relation_types).delete()
        relation_types.delete()
        RequiredFieldsTemplate.objects.filter(entity=key).delete()
        SavedView.objects.filter(entity=key).delete()
        Activity.objects.filter(entity=key).delete()
        SearchEntry.objects.filter(entity=key).delete()
        ContactPoint.objects.filter(entity=key).delete()
        records.delete()
        entity_type.delete()
        _schema_changed("entity_type", action="deleted", key=key)


# -- field definitions -------------------------------------------------------------------------


def create_field(user, data: dict) -> FieldDefinition:
    _require_admin(user)
    clean = field_rules.clean_field(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                definition = FieldDefinition.objects.create(**clean)
        except IntegrityError:
            raise InputErrors({"key": [_("This entity already has a field with this key.")]})
        if indexes.wants_index(definition.type, definition.filterable):
            indexes.create_index(definition.entity, definition.key, definition.type)
        _schema_changed("field", action="created", entity=definition.entity, key=definition.key)
    return definition


def update_field(user, definition: FieldDefinition, data: dict) -> FieldDefinition:
    """Change a definition; a new key moves the stored values, a new type needs none stored."""
    _require_admin(user)
    clean = field_rules.clean_field(data, instance=definition)
    field_rules.check_stored_values(definition, clean)
    entity_key, old_key = definition.entity, definition.key
    new_key = clean["key"]
    had_index = indexes.wants_index(definition.type, definition.filterable)
    needs_index = indexes.wants_index(clean["type"], clean["filterable"])
    with transaction.atomic():
        spec = registry.get(entity_key)
        if had_index and (
            new_key != old_key or not needs_index or clean["type"] != definition.type
        ):
            indexes.drop_index(entity_key, old_key)
        if clean["type"] != definition.type:
            values.remove_key(spec, old_key)  # only empty leftovers remain (checked above)
        if new_key != old_key:
            values.rename_key(spec, old_key, new_key)
            _rename_in_templates(entity_key, old_key, new_key)
        for name, value in clean.items():
            setattr(definition, name, value)
        try:
            with transaction.atomic():
                definition.save()
        except IntegrityError:
            raise InputErrors({"key": [_("This entity already has a field with this key.")]})
        if needs_index:
            indexes.create_index(entity_key, new_key, clean["type"])
        _schema_changed("field", action="updated", entity=entity_key, key=new_key)
    return definition


def delete_field(user, definition: FieldDefinition) -> None:
    """Delete a definition and remove its values from every record of the entity."""
    _require_admin(user)
    with transaction.atomic():
        _remove_field(definition)
        _schema_changed("field", action="deleted", entity=definition.entity, key=definition.key)


def _remove_field(definition: FieldDefinition) -> None:
    spec = registry.find(definition.entity)
    if spec is not None:
        indexes.drop_index(definition.entity, definition.key)
        values.remove_key(spec, definition.key)
    _rename_in_templates(definition.entity, definition.key, None)
    definition.delete()


def _rename_in_templates(entity_key: str, old: str, new: str | None) -> None:
    for template in RequiredFieldsTemplate.objects.filter(entity=entity_key):
        if old in template.fields:
            keys = [new if key == old else key for key in template.fields]
            template.fields = [key for key in keys if key]
            template.save(update_fields=["fields"])


def field_value_count(definition: FieldDefinition) -> int:
    spec = registry.find(definition.entity)
    return values.count_filled(spec, definition.key) if spec is not None else 0


# -- relation types ----------------------------------------------------------------------------

RELATION_TYPE_INPUT = {
    "key", "from_entity", "to_entity", "label", "reverse_label", "labels", "cardinality",
}  # fmt: skip
# What an existing relation type may change; the rest may only be repeated unchanged.
RELATION_TYPE_CHANGEABLE = {"label", "reverse_label", "labels"}
RELATION_TYPE_FIXED = RELATION_TYPE_INPUT - RELATION_TYPE_CHANGEABLE
CARDINALITIES = [value for value, _label in RelationType.CARDINALITIES]


def _free_relation_key(from_entity: str, to_entity: str) -> str:
    base = f"{from_entity}_{to_entity}"[:55]
    taken = set(RelationType.objects.filter(key__startswith=base).values_list("key", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_{number}"
    return candidate


def create_relation_type(user, data: dict) -> RelationType:
    _require_admin(user)
    check = Checker(data, RELATION_TYPE_INPUT)
    clean: dict[str, Any] = {}
    for end in ("from_entity", "to_entity"):
        key = check.text(end, data.get(end), max_length=60, required=True)
        if check.ok(end) and registry.find(key) is None:
            check.error(end, _("Unknown entity."))
        clean[end] = key
    clean["label"] = check.text("label", data.get("label"), max_length=LABEL_MAX, required=True)
    clean["reverse_label"] = check.text(
        "reverse_label", data.get("reverse_label"), max_length=LABEL_MAX, required=True
    )
    clean["labels"] = check.relation_labels("labels", data.get("labels"))
    clean["cardinality"] = check.choice(
        "cardinality", data.get("cardinality") or RelationType.MANY_TO_MANY, CARDINALITIES
    )
    if data.get("key") not in (None, ""):
        clean["key"] = check.key("key", data.get("key"), max_length=60)
        if check.ok("key") and RelationType.objects.filter(key=clean["key"]).exists():
            check.error("key", _("A relation with this key already exists."))
    if check.ok("label") and check.ok("from_entity") and check.ok("to_entity"):
        duplicate = RelationType.objects.filter(
            from_entity=clean["from_entity"], to_entity=clean["to_entity"], label=clean["label"]
        )
        if duplicate.exists():
            check.error("label", _("These entities already have a relation with this label."))
    check.done()
    clean.setdefault("key", _free_relation_key(clean["from_entity"], clean["to_entity"]))
    with transaction.atomic():
        try:
            with transaction.atomic():
                relation_type = RelationType.objects.create(**clean)
        except IntegrityError:
            raise InputErrors({"key": [_("A relation with this key already exists.")]})
        _schema_changed("relation_type", action="created", key=relation_type.key)
    return relation_type


def update_relation_type(user, relation_type: RelationType, data: dict) -> RelationType:
    """Change a relation type's labels and their translations; its ends, key and
    cardinality stay. Labels not sent keep their stored values; `labels` sent replaces all
    translations."""
    _require_admin(user)
    check = Checker(data, RELATION_TYPE_INPUT)
    for name in sorted(RELATION_TYPE_FIXED & set(data)):
        if data[name] != getattr(relation_type, name):
            check.error(name, _("This cannot be changed once the relation exists."))
    clean: dict[str, Any] = {}
    for name in ("label", "reverse_label"):
        if name in data:
            clean[name] = check.text(name, data[name], max_length=LABEL_MAX, required=True)
    if "labels" in data:
        clean["labels"] = check.relation_labels("labels", data["labels"])
    if check.ok("label") and "label" in clean:
        duplicate = RelationType.objects.filter(
            from_entity=relation_type.from_entity,
            to_entity=relation_type.to_entity,
            label=clean["label"],
        ).exclude(pk=relation_type.pk)
        if duplicate.exists():
            check.error("label", _("These entities already have a relation with this label."))
    check.done()
    with transaction.atomic():
        for name, value in clean.items():
            setattr(relation_type, name, value)
        if clean:
            relation_type.save(update_fields=list(clean))
        _schema_changed("relation_type", action="updated", key=relation_type.key)
    return relation_type


def relation_type_link_count(relation_type: RelationType) -> int:
    from kartoteka.records.models import Link

    return Link.objects.filter(relation_type=relation_type).count()


def delete_relation_type(user, relation_type: RelationType) -> None:
    """Delete a relation type and every link made with it."""
    from kartoteka.records.models import Link

    _require_admin(user)
    with transaction.atomic():
        Link.objects.filter(relation_type=relation_type).delete()
        key = relation_type.key
        relation_type.delete()
        _schema_changed("relation_type", action="deleted", key=key)


# -- required-fields templates -----------------------------------------------------------------

TEMPLATE_INPUT = {"entity", "name", "fields", "active"}


def template_field_choices(spec: EntitySpec) -> list[tuple[str, str]]:
    return [(field.key, str(field.label)) for field in spec.fields if field.editable]


def _clean_template(data: Any, instance: RequiredFieldsTemplate | None = None) -> dict:
    check = Checker(data, TEMPLATE_INPUT)
    merged = data if instance is None else {
        "name": instance.name, "fields": instance.fields, "active": instance.active, **data
    }  # fmt: skip
    clean: dict[str, Any] = {}
    if instance is None:
        entity_key = check.text("entity", data.get("entity"), max_length=60, required=True)
        spec = registry.find(entity_key) if check.ok("entity") else None
        if check.ok("entity") and spec is None:
            check.error("entity", _("Unknown entity."))
    else:
        entity_key = instance.entity
        spec = registry.find(entity_key)
        if "entity" in data and data["entity"] != instance.entity:
            check.error("entity", _("A template cannot be moved to another entity."))
    clean["entity"] = entity_key
    clean["name"] = check.text("name", merged.get("name"), max_length=LABEL_MAX, required=True)
    clean["active"] = check.boolean("active", merged.get("active", True))
    keys = merged.get("fields")
    clean["fields"] = []
    if not isinstance(keys, list) or not keys:
        check.error("fields", _("Choose at least one field."))
    elif len(keys) > TEMPLATE_FIELDS_MAX:
        check.error("fields", _("Choose at most %(max)d fields.") % {"max": TEMPLATE_FIELDS_MAX})
    elif spec is not None:
        known = {key for key, _label in template_field_choices(spec)}
        for key in keys:
            if not isinstance(key, str) or key not in known:
                check.error(
                    "fields",
                    _("“%(key)s” is not a field of this entity.") % {"key": str(key)[:50]},
                )
            elif key not in clean["fields"]:
                clean["fields"].append(key)
    if spec is not None and check.ok("name"):
        same_name = RequiredFieldsTemplate.objects.filter(entity=entity_key, name=clean["name"])
        if instance is not None:
            same_name = same_name.exclude(pk=instance.pk)
        if same_name.exists():
            check.error("name", _("This entity already has a template with this name."))
    check.done()
    return clean


def create_required_template(user, data: dict) -> RequiredFieldsTemplate:
    _require_admin(user)
    clean = _clean_template(data)
    with transaction.atomic():
        template = RequiredFieldsTemplate.objects.create(**clean)
        _schema_changed("required_template", action="created", entity=template.entity)
    return template


def update_required_template(
    user, template: RequiredFieldsTemplate, data: dict
) -> RequiredFieldsTemplate:
    _require_admin(user)
    clean = _clean_template(data, instance=template)
    with transaction.atomic():
        for name, value in clean.items():
            setattr(template, name, value)
        template.save()
        _schema_changed("required_template", action="updated", entity=template.entity)
    return template


def delete_required_template(user, template: RequiredFieldsTemplate) -> None:
    _require_admin(user)
    with transaction.atomic():
        entity_key = template.entity
        template.delete()
        _schema_changed("required_template", action="deleted", entity=entity_key)
