"""Generic pages for every registered entity: list, card, create, edit, delete, bulk actions,
merge, timeline entries, links, saved views, global search and CSV export.

Every view reads the entity registry, narrows through `permissions.restrict` and writes
through `services`; adding an entity adds no view.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.customization.models import SavedView
from kartoteka.records.models import Link
from kartoteka.timeline.models import Activity

from . import cards, forms, list_html, ownership, permissions, search, services
from .api_records import timeline_page
from .fields import FieldType, InputErrors
from .listing import MAX_ID, ListQuery, querydict_of, visible_saved_views
from .presenters import References, as_html, as_text
from .registry import EntitySpec, registry
from .related import referencing, related_links

TIMELINE_PAGE = 30
BULK_LIMIT = 500


def _entity(key: str) -> EntitySpec:
    spec = registry.find(key)
    if spec is None:
        raise Http404(_("Unknown entity."))
    return spec


def _require(user, spec: EntitySpec, action: str, obj=None) -> None:
    try:
        permissions.require(user, spec.key, action, obj)
    except permissions.PermissionDenied:
        raise DjangoPermissionDenied(_("You do not have permission to do this."))


def _visible(user, spec: EntitySpec, pk: int):
    obj = permissions.restrict(spec.queryset(), user, spec.key).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such record, or you may not see it."))
    return obj


def _values(spec: EntitySpec, obj) -> dict:
    return {f.key: services.get_value(obj, f) for f in spec.fields}


# -- list ----------------------------------------------------------------------------------


@login_required
@require_GET
def entity_list(request, key):
    spec = _entity(key)
    _require(request.user, spec, "view")
    params = request.GET
    saved_views = list(visible_saved_views(request.user, spec.key).order_by("name"))
    active_view = None
    if "view" in params and len(params) == 1:
        active_view = next((v for v in saved_views if str(v.pk) == params["view"]), None)
        if active_view is not None:
            params = querydict_of(active_view.params)
    query = ListQuery.from_params(spec, params)
    try:
        page = query.page(request.user)
        error = ""
    except InputErrors as exc:
        page, error = None, exc.first_message
    rows = page.rows if page else []
    columns = query.visible_columns
    refs = References().want_values(columns, rows, services.get_value)
    relation_filters = {}
    for name, values in query.filters.items():
        field_spec = spec.field(name)
        if field_spec is not None and field_spec.type == FieldType.RELATION:
            if values[0].isdigit() and int(values[0]) <= MAX_ID:
                relation_filters[name] = (field_spec, int(values[0]))
                refs.want(field_spec, int(values[0]))
    refs.resolve()
    filter_titles = {
        name: refs.title(field_spec, value)
        for name, (field_spec, value) in relation_filters.items()
    }
    table = [(obj, [as_html(c, services.get_value(obj, c), refs) for c in columns]) for obj in rows]
    filter_fields = [f for f in spec.fields if f.filterable and f.type != FieldType.LONGTEXT]
    users = forms.user_options()
    next_url = ""
    if page and page.next_cursor:
        next_params = {**query.as_params(), "cursor": page.next_cursor}
        next_url = f"{spec.list_url()}?{urlencode(next_params, doseq=True)}"
    context = {
        "entity": spec,
        "query": query,
        "columns": columns,
        "rows": list_html.rows(spec, table),
        "next_url": next_url,
        "error": error,
        "saved_views": saved_views,
        "active_view": active_view,
        "filter_fields": filter_fields,
        "entity_flags": list(spec.behaviour.flags().items()),
        "all_fields": [f for f in spec.fields],
        "current_params": urlencode(query.as_params(), doseq=True),
        "can_create": permissions.can(request.user, spec.key, "create"),
        "can_change": permissions.can(request.user, spec.key, "change"),
        "can_delete": permissions.can(request.user, spec.key, "delete"),
        "can_export": permissions.can(request.user, spec.key, "export"),
        "user_options": list_html.options(users),
        "user_filter_options": {
            f.key: list_html.options(users, (query.filters.get(f.key) or [""])[0])
            for f in filter_fields
            if f.type == FieldType.USER
        },
        "filters": query.filters,
        "filter_titles": filter_titles,
    }
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "platform/_list_rows.html", context)
    return render(request, "platform/list.html", context)


@login_required
@require_POST
def save_view(request, key):
    spec = _entity(key)
    _require(request.user, spec, "view")
    name = (request.POST.get("name") or "").strip()
    if not name or len(name) > 100:
        messages.error(request, _("Give the view a name of up to 100 characters."))
        return redirect(f"{spec.list_url()}?{request.POST.get('params', '')}")
    query = ListQuery.from_params(spec, QueryDict(request.POST.get("params", "")))
    shared = request.POST.get("shared") == "on" and request.user.is_administrator
    view = SavedView.objects.create(
        entity=spec.key, name=name, owner=request.user, shared=shared, params=query.as_params()
    )
    messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    return redirect(f"{spec.list_url()}?view={view.pk}")


@login_required
@require_POST
def delete_view(request, key, view_id):
    spec = _entity(key)
    view = SavedView.objects.filter(pk=view_id, entity=spec.key).first()
    if view is None:
        raise Http404
    if view.owner_id != request.user.pk and not request.user.is_administrator:
        raise DjangoPermissionDenied
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(spec.list_url())


# -- card ----------------------------------------------------------------------------------


@login_required
@require_GET
def card(request, key, pk):
    spec = _entity(key)
    _require(request.user, spec, "view")
    obj = _visible(request.user, spec, pk)
    entries, next_cursor = timeline_page(spec, obj.pk, "", TIMELINE_PAGE)
    return render(
        request, "platform/card.html", _card_context(request, spec, obj, entries, next_cursor)
    )


def _card_context(request, spec, obj, entries, next_cursor):
    refs = References().want_values(spec.fields, [obj], services.get_value)
    changes = _timeline_refs(spec, entries, refs)
    refs.resolve()
    sections: dict[str, list] = {}
    for field_spec in spec.fields:
        value = services.get_value(obj, field_spec)
        sections.setdefault(field_spec.section or "", []).append(
            (field_spec, as_html(field_spec, value, refs))
        )
    link_groups = related_links(request.user, spec, obj)
    return {
        "panels": cards.render_panels(request, spec, obj),
        "entity": spec,
        "obj": obj,
        "title": spec.title(obj),
        "sections": sections,
        "timeline": _timeline_rows(spec, entries, changes, refs),
        "next_cursor": next_cursor,
        "link_groups": link_groups,
        "references": referencing(request.user, spec, obj),
        "activity_kinds": [(k, Activity.Kind(k).label) for k in Activity.USER_KINDS],
        "can_change": permissions.may_act_on(request.user, spec.key, "change", obj),
        "can_log": permissions.may_log_activity(request.user, spec.key),
        "can_delete": permissions.may_act_on(request.user, spec.key, "delete", obj),
    }


def _timeline_refs(spec, entries, refs):
    for activity in entries:
        for change in activity.payload.get("changes", []):
            field_spec = spec.field(change.get("field"))
            if field_spec is not None:
                refs.want(field_spec, change.get("old"))
                refs.want(field_spec, change.get("new"))
    return refs


def _timeline_rows(spec, entries, changes, refs):
    rows = []
    for activity in entries:
        lines = []
        for change in activity.payload.get("changes", []):
            field_spec = spec.field(change.get("field"))
            if field_spec is None:
                lines.append((change.get("field"), str(change.get("old")), str(change.get("new"))))
                continue
            lines.append(
                (
                    field_spec.label,
                    as_text(field_spec, change.get("old"), refs),
                    as_text(field_spec, change.get("new"), refs),
                )
            )
        rows.append((activity, lines))
    return rows


@login_required
@require_GET
def timeline_more(request, key, pk):
    spec = _entity(key)
    obj = _visible(request.user, spec, pk)
    try:
        entries, next_cursor = timeline_page(
            spec, obj.pk, request.GET.get("cursor", ""), TIMELINE_PAGE
        )
    except InputErrors as exc:
        return HttpResponseBadRequest(exc.first_message)
    refs = References()
    _timeline_refs(spec, entries, refs)
    refs.resolve()
    return render(
        request,
        "platform/_timeline_entries.html",
        {
            "entity": spec,
            "obj": obj,
            "timeline": _timeline_rows(spec, entries, None, refs),
            "next_cursor": next_cursor,
        },
    )


@login_required
@require_POST
def add_activity(request, key, pk):
    spec = _entity(key)
    obj = _visible(request.user, spec, pk)
    data = {k: request.POST.get(k, "") for k in ("kind", "body", "at")}
    if not data["at"]:
        data.pop("at")
    try:
        services.add_activity(spec, request.user, obj, data)
    except permissions.PermissionDenied:
        raise DjangoPermissionDenied(_("You do not have permission to do this."))
    except InputErrors as exc:
        response = render(
            request,
            "platform/_activity_form.html",
            {
                "entity": spec,
                "obj": obj,
                "errors": exc.errors,
                "data": data,
                "activity_kinds": [(k, Activity.Kind(k).label) for k in Activity.USER_KINDS],
            },
            status=422,
        )
        response["HX-Retarget"] = "#activity-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    if request.headers.get("HX-Request"):
        entries, next_cursor = timeline_page(spec, obj.pk, "", TIMELINE_PAGE)
        refs = References()
        _timeline_refs(spec, entries, refs)
        refs.resolve()
        return render(
            request,
            "platform/_timeline.html",
            {
                "entity": spec,
                "obj": obj,
                "timeline": _timeline_rows(spec, entries, None, refs),
                "next_cursor": next_cursor,
                "activity_kinds": [(k, Activity.Kind(k).label) for k in Activity.USER_KINDS],
                "can_log": True,
            },
        )
    return redirect(spec.card_url(obj.pk))


# -- create and edit -----------------------------------------------------------------------


@login_required
def create(request, key):
    spec = _entity(key)
    _require(request.user, spec, "create")
    errors: dict = {}
    duplicates: list = []
    if request.method == "POST":
        data = forms.parse(spec, request.POST)
        try:
            clean = services.clean_input(spec, data)  # create_record checks the rest once
            claimed = ownership.claimed_match(spec, request.user, clean)
            if request.POST.get("confirm_duplicates") != "1" and claimed is None:
                duplicates = services.find_duplicates(spec, clean)
            if not duplicates:
                # the look-up above is not repeated unless it found someone else's client
                obj = services.create_record(
                    spec, request.user, data, channel="manual", claim=claimed is not None
                )
                messages.success(
                    request,
                    _("%(entity)s “%(title)s” created.")
                    % {"entity": spec.label, "title": spec.title(obj)},
                )
                if request.POST.get("another") == "1":
                    return redirect(reverse("platform:create", args=[spec.key]))
                return redirect(spec.card_url(obj.pk))
        except InputErrors as exc:
            errors = exc.errors
        except ownership.AttachedToExisting as exc:
            messages.warning(request, exc.message)
            match = exc.match
            visible = permissions.restrict(match.spec.queryset(), request.user, match.spec.key)
            if visible.filter(pk=match.obj.pk).exists():
                return redirect(match.spec.card_url(match.obj.pk))
            return redirect(spec.list_url())
        values = data
    else:
        values = {f.key: f.default for f in spec.fields if f.default is not None}
        values["owner"] = request.user.pk
        for f in spec.fields:
            # prefill from ?company=5 (the "add contact" button on a company card)
            raw = request.GET.get(f.key)
            if raw and f.type in (FieldType.RELATION, FieldType.USER) and raw.isdigit():
                values[f.key] = int(raw)
    status = 422 if errors else 200
    return render(
        request,
        "platform/form.html",
        {
            "entity": spec,
            "fields": forms.bind(spec, _coerce_ids(spec, values), errors),
            "errors": errors,
            "form_errors": errors.get("__all__"),
            "duplicates": duplicates,
            "creating": True,
        },
        status=status,
    )


def _coerce_ids(spec, values: dict) -> dict:
    out = dict(values)
    for f in spec.fields:
        raw = out.get(f.key)
        if f.type in (FieldType.RELATION, FieldType.USER) and isinstance(raw, str):
            out[f.key] = int(raw) if raw.isdigit() else None
    return out


@login_required
def edit(request, key, pk):
    spec = _entity(key)
    obj = _visible(request.user, spec, pk)
    _require(request.user, spec, "change", obj)
    errors: dict = {}
    conflict = None
    values = _values(spec, obj)
    version = obj.version
    if request.method == "POST":
        data = forms.parse(spec, request.POST)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            return HttpResponseBadRequest(_("The form is missing the record version."))
        try:
            services.update_record(spec, request.user, obj, data, version=version)
            messages.success(request, _("Changes saved."))
            return redirect(spec.card_url(obj.pk))
        except InputErrors as exc:
            errors = exc.errors
            values = data
        except services.Conflict as exc:
            fresh = spec.queryset().get(pk=obj.pk)
            mine = services.clean_input(spec, data)
            conflict = {
                "current_version": exc.current_version,
                "current": [
                    (f.label, as_text(f, services.get_value(fresh, f)))
                    for f in spec.fields
                    if f.key in mine and _differs(services.get_value(fresh, f), mine[f.key])
                ],
            }
            values = data
            errors = {
                "__all__": [
                    _(
                        "Someone else changed this record while you were editing. "
                        "Their values are shown below; yours are kept in the "
                        "form. Save again to overwrite them."
                    )
                ]
            }
            version = exc.current_version
    return render(
        request,
        "platform/form.html",
        {
            "entity": spec,
            "obj": obj,
            "fields": forms.bind(spec, _coerce_ids(spec, values), errors),
            "errors": errors,
            "form_errors": errors.get("__all__"),
            "conflict": conflict,
            "version": version,
            "creating": False,
        },
        status=409 if conflict else (422 if errors else 200),
    )


def _differs(stored, submitted) -> bool:
    empty = (None, "", [])
    return not (stored in empty and submitted in empty) and stored != submitted


@login_required
def delete(request, key, pk):
    spec = _entity(key)
    obj = _visible(request.user, spec, pk)
    _require(request.user, spec, "delete", obj)
    if request.method == "POST":
        title = spec.title(obj)
        services.delete_record(spec, request.user, obj)
        messages.success(request, _("“%(title)s” deleted.") % {"title": title})
        return redirect(spec.list_url())
    return render(
        request,
        "platform/confirm_delete.html",
        {"entity": spec, "objects": [obj], "ids": [obj.pk], "single": obj},
    )


# -- bulk actions and merge ----------------------------------------------------------------


def _selected(request, spec, action):
    try:
        ids = [int(v) for v in request.POST.getlist("ids")][:BULK_LIMIT]
        ids = [pk for pk in ids if 0 < pk <= MAX_ID]
    except ValueError:
        ids = []
    qs = permissions.restrict(spec.queryset(), request.user, spec.key, action).filter(pk__in=ids)
    return list(qs)


@login_required
@require_POST
def bulk(request, key):
    spec = _entity(key)
    action = request.POST.get("action", "")
    back = f"{spec.list_url()}?{request.POST.get('params', '')}"
    if action == "delete":
        objs = _selected(request, spec, "delete")
        if not objs:
            messages.error(request, _("Select records you may delete."))
            return redirect(back)
        if request.POST.get("confirmed") != "1":
            return render(
                request,
                "platform/confirm_delete.html",
                {
                    "entity": spec,
                    "objects": objs[:20],
                    "count": len(objs),
                    "ids": [o.pk for o in objs],
                    "params": request.POST.get("params", ""),
                },
            )
        count = services.bulk_delete(spec, request.user, objs)
        messages.success(request, _("%(count)d records deleted.") % {"count": count})
        return redirect(back)
    if action == "merge":
        ids = request.POST.getlist("ids")
        if len(ids) != 2:
            messages.error(request, _("Select exactly two records to merge."))
            return redirect(back)
        return redirect(f"{reverse('platform:merge', args=[spec.key])}?a={ids[0]}&b={ids[1]}")
    if action in ("assign", "set"):
        objs = _selected(request, spec, "change")
        if not objs:
            messages.error(request, _("Select records you may change."))
            return redirect(back)
        if action == "assign":
            data = {"owner": request.POST.get("owner", "")}
        else:
            field_key = request.POST.get("field", "")
            field_spec = spec.field(field_key)
            if field_spec is None or not field_spec.editable:
                messages.error(request, _("Choose a field to set."))
                return redirect(back)
            data = {field_key: request.POST.get("value", "")}
        try:
            count = services.bulk_update(spec, request.user, objs, data)
        except InputErrors as exc:
            messages.error(request, exc.first_message)
            return redirect(back)
        except permissions.PermissionDenied:
            raise DjangoPermissionDenied
        messages.success(request, _("%(count)d records changed.") % {"count": count})
        return redirect(back)
    return HttpResponseBadRequest(_("Unknown action."))


@login_required
def merge(request, key):
    spec = _entity(key)
    source = request.POST if request.method == "POST" else request.GET
    try:
        a, b = int(source.get("a", "")), int(source.get("b", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Choose two records to merge."))
    keep, other = _visible(request.user, spec, a), _visible(request.user, spec, b)
    if request.method == "POST":
        if request.POST.get("keep") == str(b):
            keep, other = other, keep
        choices = {}
        for field_spec in spec.fields:
            picked = request.POST.get(f"pick.{field_spec.key}")
            if picked in (str(keep.pk), str(other.pk)):
                choices[field_spec.key] = "keep" if picked == str(keep.pk) else "other"
        try:
            kept = services.merge_records(spec, request.user, keep, other, choices)
        except (InputErrors, permissions.PermissionDenied) as exc:
            messages.error(request, getattr(exc, "first_message", "") or _("Not allowed."))
            return redirect(spec.list_url())
        messages.success(request, _("Records merged."))
        return redirect(spec.card_url(kept.pk))
    refs = References().want_values(spec.fields, [keep, other], services.get_value).resolve()
    rows = []
    for field_spec in spec.fields:
        left, right = services.get_value(keep, field_spec), services.get_value(other, field_spec)
        rows.append(
            (
                field_spec,
                as_html(field_spec, left, refs),
                as_html(field_spec, right, refs),
                left == right,
                left in (None, "", []),
            )
        )
    return render(
        request,
        "platform/merge.html",
        {
            "entity": spec,
            "a": keep,
            "b": other,
            "rows": rows,
            "a_title": spec.title(keep),
            "b_title": spec.title(other),
        },
    )


# -- links ---------------------------------------------------------------------------------


@login_required
@require_POST
def add_link(request, key, pk):
    spec = _entity(key)
    obj = _visible(request.user, spec, pk)
    try:
        relation_type = registry.relation_type(int(request.POST.get("relation_type", "")))
        other_id = int(request.POST.get("other_id", ""))
    except ValueError:
        relation_type, other_id = None, None
    if relation_type is None or other_id is None:
        messages.error(request, _("Choose a record to link."))
        return redirect(spec.card_url(obj.pk))
    direction = request.POST.get("direction", "from")
    other_key = relation_type.to_entity if direction == "from" else relation_type.from_entity
    other_spec = _entity(other_key)
    other = (
        permissions.restrict(other_spec.queryset(), request.user, other_key)
        .filter(pk=other_id)
        .first()
    )
    if other is None:
        messages.error(request, _("Choose a record you can see."))
        return redirect(spec.card_url(obj.pk))
    from_obj, to_obj = (obj, other) if direction == "from" else (other, obj)
    try:
        services.link_records(request.user, relation_type, from_obj, to_obj)
        messages.success(request, _("Linked."))
    except InputErrors as exc:
        messages.error(request, exc.first_message)
    except permissions.PermissionDenied:
        messages.error(request, _("You do not have permission to do this."))
    return redirect(spec.card_url(obj.pk))


@login_required
@require_POST
def remove_link(request, key, pk, link_id):
    spec = _entity(key)
    obj = _visible(request.user, spec, pk)
    link = Link.objects.select_related("relation_type").filter(pk=link_id).first()
    if link is None or obj.pk not in (link.from_id, link.to_id):
        raise Http404
    try:
        services.unlink_records(request.user, link)
        messages.success(request, _("Link removed."))
    except permissions.PermissionDenied:
        messages.error(request, _("You do not have permission to do this."))
    return redirect(spec.card_url(obj.pk))


@login_required
@require_GET
def lookup(request, key):
    """Type-ahead options for relation pickers: records of `key` the user can see."""
    spec = _entity(key)
    q = request.GET.get("q", "")[:100]
    hits = search.search(request.user, q, entity=spec.key, limit=10) if q else []
    return render(
        request,
        "platform/_lookup.html",
        {"hits": hits, "target": request.GET.get("target", "")[:60]},
    )


# -- global search -------------------------------------------------------------------------


@login_required
@require_GET
def search_page(request):
    q = request.GET.get("q", "")[:200]
    hits = search.search(request.user, q, limit=50) if q else []
    return render(request, "platform/search.html", {"q": q, "hits": hits})


@login_required
@require_GET
def suggest(request):
    q = request.GET.get("q", "")[:200]
    hits = search.search(request.user, q, limit=8) if q.strip() else []
    return render(request, "platform/_suggestions.html", {"q": q, "hits": hits})


# -- export --------------------------------------------------------------------------------


@login_required
@require_GET
def export_csv(request, key):
    from .export import stream_csv

    return _export(request, key, stream_csv)


@login_required
@require_GET
def export_xlsx(request, key):
    from .export import xlsx_response

    return _export(request, key, xlsx_response)


@login_required
@require_GET
def export_vcard(request, key):
    from .export import VCARD_ENTITIES, vcard_response

    if key not in VCARD_ENTITIES:
        raise Http404
    return _export(request, key, vcard_response)


def _export(request, key, respond):
    spec = _entity(key)
    _require(request.user, spec, "export")
    try:
        query = ListQuery.from_params(spec, request.GET)
        # refuse bad filter values now: once streaming has begun, an error only cuts the file
        query.filtered(request.user, "export")
    except InputErrors as exc:
        return HttpResponseBadRequest(exc.first_message)
    return respond(spec, query, request.user)
