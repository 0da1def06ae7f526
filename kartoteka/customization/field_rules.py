"""The rules a custom-field definition must follow, checked before anything is written.

`clean_field` turns raw input (a new definition, or changes to an existing one) into clean
model values or raises `InputErrors` with every problem at once; `check_stored_values` refuses
changes that the values already stored would not survive (a new type, a removed choice still
in use, uniqueness over repeated values). `services.py` calls both before it writes.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pydantic_core import PydanticCustomError

from kartoteka.platform.fields import LONGTEXT_MAX, TEXT_MAX, FieldType, InputErrors, convert
from kartoteka.platform.registry import EntitySpec, field_spec_of, registry

from . import values
from .inputs import LABEL_MAX, Checker
from .models import FieldDefinition

CUSTOM_TYPES = [key for key, _label in FieldType.CUSTOM_CHOICES]
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTICHOICE)
RANGE_TYPES = (FieldType.NUMBER, FieldType.MONEY)
LENGTH_LIMITS = {FieldType.TEXT: TEXT_MAX, FieldType.LONGTEXT: LONGTEXT_MAX}
PATTERN_TYPES = (FieldType.TEXT, FieldType.LONGTEXT)
NOT_UNIQUE_TYPES = (FieldType.BOOLEAN, FieldType.MULTICHOICE)
CHOICES_MAX = 200
CHOICE_MAX_LENGTH = 100
REGEX_MAX = 200
SECTION_MAX = 100
ORDER_LIMIT = 1_000_000
# Keys that would read as something else: generic record attributes in the API, and the
# lookups of a JSON column (`custom__contains` is a lookup, not the key "contains").
RESERVED_FIELD_KEYS = frozenset(
    {"id", "pk", "version", "custom", "created_at", "updated_at", "created_by", "owner",
     "entity", "entity_type", "links", "timeline", "title", "url"}
    | set(models.JSONField.get_lookups())
)  # fmt: skip


FIELD_INPUT = {
    "entity", "key", "label", "labels", "type", "required", "unique", "default", "choices",
    "min_value", "max_value", "max_length", "regex", "related_entity", "section", "order",
    "show_in_list", "filterable",
}  # fmt: skip
FIELD_DEFAULTS: dict[str, Any] = {
    "labels": {},
    "required": False,
    "unique": False,
    "default": None,
    "choices": [],
    "min_value": None,
    "max_value": None,
    "max_length": None,
    "regex": "",
    "related_entity": "",
    "section": "",
    "order": None,
    "show_in_list": True,
    "filterable": True,
}


def _field_values(definition: FieldDefinition) -> dict:
    return {name: getattr(definition, name) for name in FIELD_INPUT - {"entity"}}


def builtin_names(spec: EntitySpec) -> set[str]:
    """Keys a custom field of this entity may not take: its built-in fields and columns."""
    names = {field_spec.key for field_spec in spec.builtin_fields}
    for model_field in spec.model._meta.get_fields():
        names.add(model_field.name)
        if getattr(model_field, "attname", None):
            names.add(model_field.attname)
    return names


def applies(attribute: str, field_type: str) -> bool:
    """Whether a type-specific attribute means anything for this field type."""
    if attribute == "choices":
        return field_type in CHOICE_TYPES
    if attribute in ("min_value", "max_value"):
        return field_type in RANGE_TYPES
    if attribute == "max_length":
        return field_type in LENGTH_LIMITS
    if attribute == "regex":
        return field_type in PATTERN_TYPES
    if attribute == "related_entity":
        return field_type == FieldType.RELATION
    return True


def _not_applicable_message(attribute: str) -> str:
    return {
        "choices": _("Choices apply only to choice and multiple-choice fields."),
        "min_value": _("A minimum applies only to number and money fields."),
        "max_value": _("A maximum applies only to number and money fields."),
        "max_length": _("A maximum length applies only to text fields."),
        "regex": _("A pattern applies only to text fields."),
        "related_entity": _("A related entity applies only to relation fields."),
    }[attribute]


EMPTY_ATTRIBUTES: dict[str, Any] = {
    "choices": [],
    "min_value": None,
    "max_value": None,
    "max_length": None,
    "regex": "",
    "related_entity": "",
}


def _clean_choices(check: Checker, value: Any, field_type: str) -> list[str]:
    if not isinstance(value, list) or not value:
        check.error("choices", _("Enter at least one choice."))
        return []
    if len(value) > CHOICES_MAX:
        check.error("choices", _("Enter at most %(max)d choices.") % {"max": CHOICES_MAX})
        return []
    clean: list[str] = []
    for item in value:
        text = item.strip() if isinstance(item, str) else None
        if text is None:
            message = _("Each choice must be text.")
        elif not text:
            message = _("A choice cannot be empty.")
        elif len(text) > CHOICE_MAX_LENGTH:
            message = _("A choice may have at most %(max)d characters (“%(choice)s…” has %(len)d).")
            message %= {"max": CHOICE_MAX_LENGTH, "choice": text[:20], "len": len(text)}
        elif any(ch in text for ch in "\n\r\x00"):
            message = _("A choice must be a single line of text.")
        elif field_type == FieldType.MULTICHOICE and any(ch in text for ch in ",;"):
            message = _("Choices of a multiple-choice field cannot contain commas or semicolons.")
        elif text in clean:
            message = _("“%(choice)s” is listed twice.") % {"choice": text[:50]}
        else:
            clean.append(text)
            continue
        check.error("choices", message)
        return []
    return clean


def _clean_regex(check: Checker, value: Any) -> str:
    pattern = check.text("regex", value, max_length=REGEX_MAX)
    if pattern and check.ok("regex"):
        try:
            re.compile(pattern)
        except re.error as exc:
            check.error(
                "regex",
                _("The pattern is not a valid regular expression: %(error)s") % {"error": exc},
            )
    return pattern


def _clean_default(check: Checker, clean: dict, value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if clean["unique"]:
        check.error("default", _("A unique field cannot have a default value."))
        return None
    if check.errors:  # the default is checked against a definition known to be valid
        return None
    spec = field_spec_of(FieldDefinition(**{**clean, "default": None}))
    try:
        converted = convert(spec, value)
    except PydanticCustomError as exc:
        check.error("default", exc.message())
        return None
    if clean["type"] == FieldType.RELATION:
        target = registry.get(clean["related_entity"])
        if not target.queryset().filter(pk=converted).exists():
            check.error("default", _("There is no record with this id."))
    if clean["type"] == FieldType.USER:
        if not get_user_model().objects.filter(pk=converted, is_active=True).exists():
            check.error("default", _("There is no active user with this id."))
    return converted if converted not in (None, []) else None


def clean_field(data: Any, instance: FieldDefinition | None = None) -> dict:
    check = Checker(data, FIELD_INPUT)
    given = set(data)
    merged = {**(FIELD_DEFAULTS if instance is None else _field_values(instance)), **data}
    clean: dict[str, Any] = {}

    if instance is None:
        entity_key = check.text("entity", data.get("entity"), max_length=60, required=True)
        spec = registry.find(entity_key) if check.ok("entity") else None
    else:
        entity_key = instance.entity
        spec = registry.find(entity_key)
        if "entity" in data and data["entity"] != instance.entity:
            check.error("entity", _("A field cannot be moved to another entity."))
    if spec is None:
        if check.ok("entity"):
            check.error("entity", _("Unknown entity."))
        check.done()
    clean["entity"] = entity_key

    key = check.key("key", merged.get("key"))
    if check.ok("key") and (instance is None or key != instance.key):
        if key in builtin_names(spec):
            check.error("key", _("A built-in field of this entity already uses this key."))
        elif key in RESERVED_FIELD_KEYS:
            check.error("key", _("This key is reserved; choose another one."))
        elif FieldDefinition.objects.filter(entity=entity_key, key=key).exists():
            check.error("key", _("This entity already has a field with this key."))
    clean["key"] = key
    clean["label"] = check.text("label", merged.get("label"), max_length=LABEL_MAX, required=True)
    clean["labels"] = check.field_labels("labels", merged.get("labels"))
    field_type = check.choice("type", merged.get("type"), CUSTOM_TYPES)
    clean["type"] = field_type
    for name in ("required", "unique", "show_in_list", "filterable"):
        clean[name] = check.boolean(name, merged.get(name))
    clean["section"] = check.text("section", merged.get("section"), max_length=SECTION_MAX)
    order = check.integer("order", merged.get("order"), minimum=-ORDER_LIMIT, maximum=ORDER_LIMIT)
    clean["order"] = order if order is not None else _next_order(entity_key)

    for name, empty in EMPTY_ATTRIBUTES.items():
        clean[name] = empty
        value = merged.get(name)
        if field_type and not applies(name, field_type):
            if name in given and value not in (None, "", []):
                check.error(name, _not_applicable_message(name))
            continue
        if not field_type:
            continue
        if name == "choices":
            clean[name] = _clean_choices(check, value, field_type)
        elif name in ("min_value", "max_value"):
            clean[name] = check.decimal(name, value)
        elif name == "max_length":
            clean[name] = check.integer(name, value, minimum=1, maximum=LENGTH_LIMITS[field_type])
        elif name == "regex":
            clean[name] = _clean_regex(check, value)
        elif name == "related_entity":
            target = check.text(name, value, max_length=60, required=True)
            if check.ok(name) and registry.find(target) is None:
                check.error(name, _("Unknown entity."))
            clean[name] = target
    low, high = clean["min_value"], clean["max_value"]
    if low is not None and high is not None and low > high:
        check.error("min_value", _("The minimum cannot be greater than the maximum."))
    if clean["unique"] and field_type in NOT_UNIQUE_TYPES:
        check.error("unique", _("Fields of this type cannot be unique."))
    clean["default"] = _clean_default(check, clean, merged.get("default"))
    check.done()
    return clean


def _next_order(entity_key: str) -> int:
    highest = FieldDefinition.objects.filter(entity=entity_key).aggregate(m=Max("order"))["m"]
    return (highest or 0) + 10


def check_stored_values(instance: FieldDefinition, clean: dict) -> None:
    """Refuse changes the values already stored would not survive."""
    spec = registry.get(instance.entity)
    errors: dict[str, list[str]] = {}
    if clean["type"] != instance.type:
        count = values.count_filled(spec, instance.key)
        if count:
            errors["type"] = [
                ngettext(
                    "%(count)d record already holds a value in this field, so its type cannot "
                    "change. Clear the value or add a new field instead.",
                    "%(count)d records already hold values in this field, so its type cannot "
                    "change. Clear the values or add a new field instead.",
                    count,
                )
                % {"count": count}
            ]
    elif clean["type"] == FieldType.CHOICE:
        removed = [choice for choice in instance.choices if choice not in clean["choices"]]
        for choice in removed:
            count = values.count_using(spec, instance.key, [choice])
            if count:
                errors.setdefault("choices", []).append(
                    ngettext(
                        "“%(choice)s” is still chosen in %(count)d record.",
                        "“%(choice)s” is still chosen in %(count)d records.",
                        count,
                    )
                    % {"choice": choice[:50], "count": count}
                )
    if clean["unique"] and not instance.unique and clean["type"] == instance.type:
        if values.has_duplicates(spec, instance.key):
            errors["unique"] = [
                _("Some records share the same value in this field; make the values unique first.")
            ]
    if errors:
        raise InputErrors(errors)
