"""Settings pages where administrators shape entities, fields, relations and required-fields
templates. Every page is for administrators only (others get 403); every change goes through
`services.py`, whose errors are shown on the form."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kartoteka.platform.fields import FieldType, InputErrors
from kartoteka.platform.registry import EntitySpec, registry

from . import services
from .forms import (
    EntityTypeForm,
    FieldDefinitionForm,
    RelationTypeForm,
    RequiredTemplateForm,
)
from .models import EntityType, FieldDefinition, RelationType, RequiredFieldsTemplate


def administrators_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_administrator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _entity_or_404(key: str) -> EntitySpec:
    spec = registry.find(key)
    if spec is None:
        raise Http404
    return spec


def _custom_entity_type_or_404(key: str) -> EntityType:
    spec = _entity_or_404(key)
    if not spec.is_custom_entity:
        raise Http404
    return get_object_or_404(EntityType, key=key)


def _save(request, form, action, success: str, target):
    """Run a service with the form's data; on refusal show its messages on the form."""
    if not form.is_valid():
        return None
    try:
        result = action(form.to_data())
    except InputErrors as error:
        form.show_errors(error)
        return None
    messages.success(request, success)
    destination = target(result) if callable(target) else target
    if isinstance(destination, tuple):
        return redirect(*destination)
    return redirect(destination)


def _form_page(request, template: str, context: dict):
    """A form page; answered with 422 when it comes back from a refused POST."""
    status = 422 if request.method == "POST" else 200
    return render(request, template, context, status=status)


# -- entity types ------------------------------------------------------------------------------


@administrators_only
def entity_types(request):
    rows = [
        {"spec": spec, "entity_type": registry.entity_type(spec.key)} for spec in registry.all()
    ]
    return render(request, "customization/entity_types.html", {"rows": rows})


@administrators_only
@require_http_methods(["GET", "POST"])
def entity_type_create(request):
    form = EntityTypeForm(request.POST or None)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.create_entity_type(request.user, data),
            _("The entity was created. Now add its fields."),
            lambda entity_type: ("customization:fields", entity_type.key),
        )
        if response is not None:
            return response
    return _form_page(request, "customization/entity_type_form.html", {"form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def entity_type_edit(request, key: str):
    entity_type = _custom_entity_type_or_404(key)
    form = EntityTypeForm(request.POST or None, instance=entity_type)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.update_entity_type(request.user, entity_type, data),
            _("The entity was saved."),
            "customization:entity_types",
        )
        if response is not None:
            return response
    return _form_page(
        request,
        "customization/entity_type_form.html",
        {"form": form, "entity_type": entity_type},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def entity_type_delete(request, key: str):
    entity_type = _custom_entity_type_or_404(key)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm_key", "").strip() != entity_type.key:
            error = _("Type the key “%(key)s” to confirm.") % {"key": entity_type.key}
        else:
            try:
                services.delete_entity_type(request.user, entity_type, confirm=True)
            except InputErrors as exc:
                error = exc.first_message
            else:
                messages.success(request, _("The entity and its records were deleted."))
                return redirect("customization:entity_types")
    impact = services.entity_type_impact(entity_type)
    labels = {spec.key: spec.label_plural for spec in registry.all()}
    pointing = [
        (definition, labels.get(definition.entity, definition.entity))
        for definition in impact["pointing_fields"]
    ]
    return render(
        request,
        "customization/entity_type_delete.html",
        {"entity_type": entity_type, "impact": impact, "pointing": pointing, "error": error},
        status=422 if error else 200,
    )


# -- fields ------------------------------------------------------------------------------------


@administrators_only
def fields(request, key: str):
    spec = _entity_or_404(key)
    entity_labels = {other.key: other.label for other in registry.all()}
    definitions = [
        (definition, entity_labels.get(definition.related_entity, definition.related_entity))
        for definition in FieldDefinition.objects.filter(entity=key).order_by("order", "id")
    ]
    builtin = [
        (field, FieldType.LABELS.get(field.type, field.type)) for field in spec.builtin_fields
    ]
    return render(
        request,
        "customization/fields.html",
        {"spec": spec, "builtin_fields": builtin, "definitions": definitions},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def field_create(request, key: str):
    spec = _entity_or_404(key)
    form = FieldDefinitionForm(request.POST or None)
    if request.method == "POST":

        def create(data):
            return services.create_field(request.user, {**data, "entity": spec.key})

        response = _save(
            request,
            form,
            create,
            _("The field was added."),
            lambda definition: ("customization:fields", definition.entity),
        )
        if response is not None:
            return response
    return _form_page(request, "customization/field_form.html", {"form": form, "spec": spec})


@administrators_only
@require_http_methods(["GET", "POST"])
def field_edit(request, pk: int):
    definition = get_object_or_404(FieldDefinition, pk=pk)
    spec = _entity_or_404(definition.entity)
    form = FieldDefinitionForm(request.POST or None, instance=definition)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.update_field(request.user, definition, data),
            _("The field was saved."),
            ("customization:fields", spec.key),
        )
        if response is not None:
            return response
        definition.refresh_from_db()
    return _form_page(
        request,
        "customization/field_form.html",
        {"form": form, "spec": spec, "definition": definition},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def field_delete(request, pk: int):
    definition = get_object_or_404(FieldDefinition, pk=pk)
    spec = _entity_or_404(definition.entity)
    if request.method == "POST":
        services.delete_field(request.user, definition)
        messages.success(request, _("The field and its values were deleted."))
        return redirect("customization:fields", spec.key)
    return render(
        request,
        "customization/field_delete.html",
        {
            "definition": definition,
            "spec": spec,
            "value_count": services.field_value_count(definition),
        },
    )


# -- relation types ----------------------------------------------------------------------------


@administrators_only
def relation_types(request):
    rows = RelationType.objects.annotate(link_count=Count("links")).order_by("from_entity", "label")
    labels = {spec.key: spec.label for spec in registry.all()}
    return render(
        request, "customization/relation_types.html", {"rows": rows, "entity_labels": labels}
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def relation_type_create(request):
    form = RelationTypeForm(request.POST or None)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.create_relation_type(request.user, data),
            _("The relation was created."),
            "customization:relation_types",
        )
        if response is not None:
            return response
    return _form_page(request, "customization/relation_type_form.html", {"form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def relation_type_edit(request, pk: int):
    relation_type = get_object_or_404(RelationType, pk=pk)
    form = RelationTypeForm(request.POST or None, instance=relation_type)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.update_relation_type(request.user, relation_type, data),
            _("The relation was saved."),
            "customization:relation_types",
        )
        if response is not None:
            return response
    ends = {}
    for end in ("from_entity", "to_entity"):
        spec = registry.find(getattr(relation_type, end))
        ends[end] = spec.label if spec is not None else getattr(relation_type, end)
    return _form_page(
        request,
        "customization/relation_type_form.html",
        {"form": form, "relation_type": relation_type, "ends": ends},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def relation_type_delete(request, pk: int):
    relation_type = get_object_or_404(RelationType, pk=pk)
    if request.method == "POST":
        services.delete_relation_type(request.user, relation_type)
        messages.success(request, _("The relation and its links were deleted."))
        return redirect("customization:relation_types")
    labels = {spec.key: spec.label for spec in registry.all()}
    return render(
        request,
        "customization/relation_type_delete.html",
        {
            "relation_type": relation_type,
            "link_count": services.relation_type_link_count(relation_type),
            "entity_labels": labels,
        },
    )


# -- required-fields templates -----------------------------------------------------------------


@administrators_only
def templates(request):
    rows = []
    for template in RequiredFieldsTemplate.objects.all():
        spec = registry.find(template.entity)
        labels = [
            str(spec.field(key).label) if spec and spec.field(key) else key
            for key in template.fields
        ]
        rows.append({"template": template, "spec": spec, "field_labels": labels})
    return render(
        request,
        "customization/templates.html",
        {"rows": rows, "entities": registry.all()},
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def template_create(request):
    spec = registry.find(request.GET.get("entity", ""))
    if spec is None:
        messages.error(request, _("Choose an entity first."))
        return redirect("customization:templates")
    form = RequiredTemplateForm(request.POST or None, spec=spec)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.create_required_template(request.user, data),
            _("The template was created."),
            "customization:templates",
        )
        if response is not None:
            return response
    return _form_page(request, "customization/template_form.html", {"form": form, "spec": spec})


@administrators_only
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    template = get_object_or_404(RequiredFieldsTemplate, pk=pk)
    spec = _entity_or_404(template.entity)
    form = RequiredTemplateForm(request.POST or None, spec=spec, instance=template)
    if request.method == "POST":
        response = _save(
            request,
            form,
            lambda data: services.update_required_template(request.user, template, data),
            _("The template was saved."),
            "customization:templates",
        )
        if response is not None:
            return response
    return _form_page(
        request,
        "customization/template_form.html",
        {"form": form, "spec": spec, "template": template},
    )


@administrators_only
@require_http_methods(["POST"])
def template_delete(request, pk: int):
    template = get_object_or_404(RequiredFieldsTemplate, pk=pk)
    services.delete_required_template(request.user, template)
    messages.success(request, _("The template was deleted."))
    return redirect("customization:templates")
