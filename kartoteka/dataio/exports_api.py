"""The /api/v1/exports resource: what the list's "Export" button downloads, for scripts.

    GET  /exports                      the formats, and the entities the caller may export
                                       (key, labels, formats, a download path per format)
    GET  /exports/{entity}.{format}    the file: csv, xlsx, or vcf (contacts only), streamed

The file takes the list API's parameters — `q`, `sort`, `columns`, `f.<field>[.<op>]`, `flag`
— read strictly (an unknown parameter, field, column or flag is a 422), and `view=<id>`: a
saved view the caller can see (their own or a shared one) whose search, filters, columns and
sort apply, each overridden by the same parameter sent explicitly. An export has every row, so
`cursor` and `limit` are refused. Rows are narrowed by the caller's "export" scope (a manager
with "own" gets their own records) and read page by page, as the browser export does
(kartoteka.platform.export): formula-like CSV cells are neutralised, XLSX cells are text.

Errors use the platform's one format (api_base): 401 without credentials, 403 without the
right to export the entity, 404 for an unknown entity, 422 for bad parameters or a format the
entity has not. They are all decided before the first byte of the file is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router

from kartoteka.platform import export, permissions
from kartoteka.platform.api_records import ErrorOut, entity_or_404
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.listing import MAX_ID, ListQuery, querydict_of, visible_saved_views
from kartoteka.platform.registry import EntitySpec, registry

router = Router(tags=["exports"])

Responder = Callable[[EntitySpec, ListQuery, Any], HttpResponseBase]

FORMATS: dict[str, dict[str, str]] = {
    "csv": {"label": "CSV", "content_type": "text/csv; charset=utf-8"},
    "xlsx": {
        "label": "XLSX",
        "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    },
    "vcf": {"label": "vCard", "content_type": "text/vcard; charset=utf-8"},
}
RESPONDERS: dict[str, Responder] = {
    "csv": export.stream_csv,
    "xlsx": export.xlsx_response,
    "vcf": export.vcard_response,
}
# Paging is the exporter's business: a file has every row.
PAGING_PARAMS = ("cursor", "limit")


def download_path(spec: EntitySpec, fmt: str) -> str:
    return reverse("api-1.0.0:export_records", kwargs={"entity": spec.key, "format": fmt})


@router.get("/exports", response=dict[str, Any], summary="Export formats and entities")
def list_exports(request):
    entities = []
    for spec in registry.all():
        if not permissions.can(request.user, spec.key, "export"):
            continue
        formats = export.formats_for(spec)
        entities.append(
            {
                "key": spec.key,
                "label": str(spec.label),
                "label_plural": str(spec.label_plural),
                "custom": spec.is_custom_entity,
                "formats": formats,
                "urls": {fmt: download_path(spec, fmt) for fmt in formats},
            }
        )
    return {
        "formats": [{"key": key, **about} for key, about in FORMATS.items()],
        "entities": entities,
    }


@router.get(
    "/exports/{entity}.{format}",
    response={403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="export_records",
    summary="Download a list as CSV, XLSX or vCard",
    description="Query parameters as for `GET /entities/{key}/records` (`q`, `sort`, "
    "`columns`, `f.<field>[.<op>]`, `flag`) plus `view=<saved view id>`; no `cursor` or "
    "`limit`. The file is streamed; its name is given in Content-Disposition.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {about["content_type"]: {} for about in FORMATS.values()},
            }
        }
    },
)
def export_records(request, entity: str, format: str):
    spec = entity_or_404(entity)
    permissions.require(request.user, spec.key, "export")
    formats = export.formats_for(spec)
    if format not in formats:
        if format in FORMATS:
            message = _("This entity cannot be exported in this format.")
        else:
            message = _("Choose one of: %(formats)s.") % {"formats": ", ".join(formats)}
        raise InputErrors({"format": [message]})
    query = export_query(spec, request.user, request.GET)
    # bad filter values are refused now: once streaming has begun, an error only cuts the file
    query.filtered(request.user, "export")
    return RESPONDERS[format](spec, query, request.user)


def export_query(spec: EntitySpec, user, params: QueryDict) -> ListQuery:
    """The list query of an export request: its saved view, if any, under its own parameters,
    read strictly."""
    errors: dict[str, list[str]] = {}
    for key in PAGING_PARAMS:
        if key in params:
            errors[key] = [_("An export has every row; leave out the paging parameters.")]
    columns = params.get("columns") or ""
    unknown = [c for c in columns.split(",") if c and spec.field(c) is None] if columns else []
    if unknown:
        errors["columns"] = [_("Unknown column: %(column)s.") % {"column": unknown[0]}]
    if errors:
        raise InputErrors(errors)
    explicit = params.copy()
    views = explicit.pop("view", [])
    if not views:
        return ListQuery.from_params(spec, explicit, strict=True)
    merged = saved_view_params(spec, user, views[-1])
    for key in explicit:
        merged.setlist(key, explicit.getlist(key))
    return ListQuery.from_params(spec, merged, strict=True)


def saved_view_params(spec: EntitySpec, user, raw_id: str) -> QueryDict:
    """The parameters of a saved view of this entity that the user sees (their own or a
    shared one). Read leniently: a field deleted since the view was saved drops out of it,
    as it does on the list page, instead of making the view unusable."""
    view = None
    if raw_id.isdigit() and int(raw_id) <= MAX_ID:
        view = visible_saved_views(user, spec.key).filter(pk=int(raw_id)).first()
    if view is None:
        raise InputErrors({"view": [_("Unknown saved view.")]})
    saved = ListQuery.from_params(spec, querydict_of(view.params)).as_params()
    return querydict_of(saved)
