"""API for what administrators shape at run time (mounted at /api/v1/):

    GET    /entity-types                      every entity, built in and custom
    POST   /entity-types                      create a custom entity
    GET    /entity-types/{key}                one entity
    PATCH  /entity-types/{key}                change a custom entity's labels or icon
    DELETE /entity-types/{key}?confirm=true   delete a custom entity with its records
    GET    /fields?entity=                    custom-field definitions (of one entity)
    POST   /fields                            add a custom field
    GET    /fields/{id}                       one definition
    PATCH  /fields/{id}                       change it (a new key moves stored values)
    DELETE /fields/{id}                       delete it and its stored values
    GET    /relation-types, POST /relation-types, DELETE /relation-types/{id}
    PATCH  /relation-types/{id}               change a relation's labels and translations
    GET    /required-field-templates, POST /required-field-templates,
    PATCH  /required-field-templates/{id}, DELETE /required-field-templates/{id}

Reading is open to every signed-in user; writing needs an administrator. Input is parsed
strictly (unknown fields give 422); the services do every other check and the shared
handlers turn their errors into the one error format.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kartoteka.platform import permissions
from kartoteka.platform.fields import FieldType, InputErrors
from kartoteka.platform.registry import EntitySpec, registry

from . import field_rules, services
from .models import EntityType, FieldDefinition, RelationType, RequiredFieldsTemplate

router = Router(tags=["customization"])

Key = Field(..., min_length=1, max_length=50)
Label = Field(..., min_length=1, max_length=100)
FieldTypeName = Literal[tuple(key for key, _label in FieldType.CUSTOM_CHOICES)]  # type: ignore[valid-type]
Cardinality = Literal["one_to_many", "many_to_many"]


def _require_admin(request) -> None:
    permissions.require_administrator(request.user, "customize")


def _data(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


class ErrorOut(Schema):
    error: dict[str, Any]


# -- entity types ------------------------------------------------------------------------------


class EntityLabels(Schema):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=100)
    plural: str = Field("", max_length=100)


class EntityTypeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    key: str = Key
    label: str = Label
    label_plural: str = Label
    icon: str = Field(services.DEFAULT_ICON, max_length=40)
    labels: dict[str, EntityLabels] = Field(default_factory=dict, max_length=10)


class EntityTypePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(None, min_length=1, max_length=100)
    label_plural: str = Field(None, min_length=1, max_length=100)
    icon: str = Field(None, max_length=40)
    labels: dict[str, EntityLabels] = Field(None, max_length=10)


class EntityTypeOut(Schema):
    key: str
    label: str
    label_plural: str
    labels: dict[str, dict[str, str]]
    icon: str
    builtin: bool
    custom_fields: int


def _entity_out(spec: EntitySpec) -> dict[str, Any]:
    entity_type = registry.entity_type(spec.key)
    return {
        "key": spec.key,
        "label": str(spec.label),
        "label_plural": str(spec.label_plural),
        "labels": entity_type.labels if entity_type is not None else {},
        "icon": spec.icon,
        "builtin": entity_type is None,
        "custom_fields": len(spec.custom_fields),
    }


def _custom_entity_or_404(key: str) -> EntityType:
    spec = registry.find(key)
    if spec is None:
        raise Http404
    if not spec.is_custom_entity:
        raise InputErrors(
            {"key": [_("Built-in entities cannot be changed or deleted; add fields to them.")]}
        )
    return get_object_or_404(EntityType, key=key)


@router.get("/entity-types", response=list[EntityTypeOut], summary="Entity types")
def list_entity_types(request):
    return [_entity_out(spec) for spec in registry.all()]


@router.post(
    "/entity-types",
    response={201: EntityTypeOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create a custom entity type",
)
def create_entity_type(request, payload: EntityTypeIn):
    _require_admin(request)
    entity_type = services.create_entity_type(request.user, _data(payload))
    return Status(201, _entity_out(registry.get(entity_type.key)))


@router.get(
    "/entity-types/{key}", response={200: EntityTypeOut, 404: ErrorOut}, summary="Entity type"
)
def read_entity_type(request, key: str):
    spec = registry.find(key)
    if spec is None:
        raise Http404
    return _entity_out(spec)


@router.patch(
    "/entity-types/{key}",
    response={200: EntityTypeOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a custom entity type",
)
def update_entity_type(request, key: str, payload: EntityTypePatch):
    _require_admin(request)
    entity_type = _custom_entity_or_404(key)
    services.update_entity_type(request.user, entity_type, _data(payload))
    return _entity_out(registry.get(key))


@router.delete(
    "/entity-types/{key}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Delete a custom entity type with its records (needs confirm=true if any)",
)
def delete_entity_type(request, key: str, confirm: bool = False):
    _require_admin(request)
    entity_type = _custom_entity_or_404(key)
    services.delete_entity_type(request.user, entity_type, confirm=confirm)
    return Status(204, None)


# -- field definitions -------------------------------------------------------------------------


class FieldIn(Schema):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(..., min_length=1, max_length=60)
    key: str = Key
    label: str = Label
    type: FieldTypeName
    labels: dict[str, str] = Field(default_factory=dict, max_length=10)
    required: bool = False
    unique: bool = False
    default: Any = None
    choices: list[str] = Field(default_factory=list, max_length=field_rules.CHOICES_MAX)
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = Field(None, ge=1, le=20000)
    regex: str = Field("", max_length=field_rules.REGEX_MAX)
    related_entity: str = Field("", max_length=60)
    section: str = Field("", max_length=field_rules.SECTION_MAX)
    order: int | None = Field(None, ge=-field_rules.ORDER_LIMIT, le=field_rules.ORDER_LIMIT)
    show_in_list: bool = True
    filterable: bool = True


class FieldPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(None, min_length=1, max_length=50)
    label: str = Field(None, min_length=1, max_length=100)
    type: FieldTypeName = None
    labels: dict[str, str] = Field(None, max_length=10)
    required: bool = None
    unique: bool = None
    default: Any = None
    choices: list[str] = Field(None, max_length=field_rules.CHOICES_MAX)
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = Field(None, ge=1, le=20000)
    regex: str = Field(None, max_length=field_rules.REGEX_MAX)
    related_entity: str = Field(None, max_length=60)
    section: str = Field(None, max_length=field_rules.SECTION_MAX)
    order: int = Field(None, ge=-field_rules.ORDER_LIMIT, le=field_rules.ORDER_LIMIT)
    show_in_list: bool = None
    filterable: bool = None


class FieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    labels: dict[str, str]
    type: str
    required: bool
    unique: bool
    default: Any
    choices: list[str]
    min_value: float | None
    max_value: float | None
    max_length: int | None
    regex: str
    related_entity: str
    section: str
    order: int
    show_in_list: bool
    filterable: bool


def _field_out(definition: FieldDefinition) -> dict[str, Any]:
    data = {name: getattr(definition, name) for name in FieldOut.model_fields}
    for name in ("min_value", "max_value"):
        if data[name] is not None:
            data[name] = float(data[name])
    return data


def _field_data(payload: Schema) -> dict[str, Any]:
    data = _data(payload)
    for name in ("min_value", "max_value"):
        if data.get(name) is not None:
            data[name] = str(data[name])  # no binary-float noise in the stored decimal
    return data


@router.get(
    "/fields", response={200: list[FieldOut], 404: ErrorOut}, summary="Custom-field definitions"
)
def list_fields(request, entity: str = ""):
    definitions = FieldDefinition.objects.all()
    if entity:
        if registry.find(entity) is None:
            raise Http404
        definitions = definitions.filter(entity=entity)
    return [_field_out(definition) for definition in definitions]


@router.post(
    "/fields",
    response={201: FieldOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a custom field",
)
def create_field(request, payload: FieldIn):
    _require_admin(request)
    definition = services.create_field(request.user, _field_data(payload))
    return Status(201, _field_out(definition))


@router.get("/fields/{int:pk}", response={200: FieldOut, 404: ErrorOut}, summary="One field")
def read_field(request, pk: int):
    return _field_out(get_object_or_404(FieldDefinition, pk=pk))


@router.patch(
    "/fields/{int:pk}",
    response={200: FieldOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a custom field (a new key moves the stored values)",
)
def update_field(request, pk: int, payload: FieldPatch):
    _require_admin(request)
    definition = get_object_or_404(FieldDefinition, pk=pk)
    definition = services.update_field(request.user, definition, _field_data(payload))
    return _field_out(definition)


@router.delete(
    "/fields/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a custom field and its stored values",
)
def delete_field(request, pk: int):
    _require_admin(request)
    services.delete_field(request.user, get_object_or_404(FieldDefinition, pk=pk))
    return Status(204, None)


# -- relation types ----------------------------------------------------------------------------


class RelationLabels(Schema):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=100)
    reverse: str = Field("", max_length=100)


class RelationTypeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    from_entity: str = Field(..., min_length=1, max_length=60)
    to_entity: str = Field(..., min_length=1, max_length=60)
    label: str = Label
    reverse_label: str = Label
    labels: dict[str, RelationLabels] = Field(default_factory=dict, max_length=10)
    cardinality: Cardinality = "many_to_many"
    key: str = Field("", max_length=60)


class RelationTypePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(None, min_length=1, max_length=100)
    reverse_label: str = Field(None, min_length=1, max_length=100)
    labels: dict[str, RelationLabels] = Field(None, max_length=10)


class RelationTypeOut(Schema):
    id: int
    key: str
    from_entity: str
    to_entity: str
    label: str
    reverse_label: str
    labels: dict[str, dict[str, str]]
    cardinality: str


def _relation_out(relation_type: RelationType) -> dict[str, Any]:
    return {name: getattr(relation_type, name) for name in RelationTypeOut.model_fields}


@router.get("/relation-types", response=list[RelationTypeOut], summary="Relation types")
def list_relation_types(request):
    return [_relation_out(relation_type) for relation_type in RelationType.objects.all()]


@router.post(
    "/relation-types",
    response={201: RelationTypeOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create a relation type between two entities",
)
def create_relation_type(request, payload: RelationTypeIn):
    _require_admin(request)
    relation_type = services.create_relation_type(request.user, _data(payload))
    return Status(201, _relation_out(relation_type))


@router.patch(
    "/relation-types/{int:pk}",
    response={200: RelationTypeOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a relation type's labels and their translations",
)
def update_relation_type(request, pk: int, payload: RelationTypePatch):
    _require_admin(request)
    relation_type = get_object_or_404(RelationType, pk=pk)
    relation_type = services.update_relation_type(request.user, relation_type, _data(payload))
    return _relation_out(relation_type)


@router.delete(
    "/relation-types/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a relation type and its links",
)
def delete_relation_type(request, pk: int):
    _require_admin(request)
    services.delete_relation_type(request.user, get_object_or_404(RelationType, pk=pk))
    return Status(204, None)


# -- required-fields templates -----------------------------------------------------------------


class TemplateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(..., min_length=1, max_length=60)
    name: str = Label
    fields: list[str] = Field(..., max_length=services.TEMPLATE_FIELDS_MAX)
    active: bool = True


class TemplatePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, min_length=1, max_length=100)
    fields: list[str] = Field(None, max_length=services.TEMPLATE_FIELDS_MAX)
    active: bool = None


class TemplateOut(Schema):
    id: int
    entity: str
    name: str
    fields: list[str]
    active: bool


def _template_out(template: RequiredFieldsTemplate) -> dict[str, Any]:
    return {name: getattr(template, name) for name in TemplateOut.model_fields}


@router.get(
    "/required-field-templates", response=list[TemplateOut], summary="Required-fields templates"
)
def list_templates(request):
    return [_template_out(template) for template in RequiredFieldsTemplate.objects.all()]


@router.post(
    "/required-field-templates",
    response={201: TemplateOut, 403: ErrorOut, 422: ErrorOut},
    summary="Create a required-fields template",
)
def create_template(request, payload: TemplateIn):
    _require_admin(request)
    template = services.create_required_template(request.user, _data(payload))
    return Status(201, _template_out(template))


@router.patch(
    "/required-field-templates/{int:pk}",
    response={200: TemplateOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a required-fields template",
)
def update_template(request, pk: int, payload: TemplatePatch):
    _require_admin(request)
    template = get_object_or_404(RequiredFieldsTemplate, pk=pk)
    template = services.update_required_template(request.user, template, _data(payload))
    return _template_out(template)


@router.delete(
    "/required-field-templates/{int:pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a required-fields template",
)
def delete_template(request, pk: int):
    _require_admin(request)
    services.delete_required_template(
        request.user, get_object_or_404(RequiredFieldsTemplate, pk=pk)
    )
    return Status(204, None)
