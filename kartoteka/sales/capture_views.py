"""Pages of web forms: the public endpoints visitors post to (no log-in, no CSRF token — the
form lives on another site) and the administrators' settings of forms and assignment rules.

    POST /sales/f/<key>/           plain HTML form post → 303 to the form's address, or a
                                   thank-you page; 422 page listing what to correct
    POST /sales/f/<key>/json       JSON in, JSON out, CORS for the form's allowed sites only
    OPTIONS /sales/f/<key>/json    the browser's preflight

Both count submissions per client address and form (settings.CAPTURE_FORM_LIMIT per
settings.CAPTURE_FORM_WINDOW seconds, 10 per 60 by default) and answer 429 past the limit.
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.accounts.throttle import Counter, client_ip
from kartoteka.contacts.entities import SOURCES
from kartoteka.platform.fields import InputErrors

from . import assignment, capture
from .capture_forms import AssignmentRuleForm, CaptureFormSettings
from .models import AssignmentRule, CaptureForm

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = 60


# -- public endpoints ----------------------------------------------------------------------------


def _counter(form: CaptureForm, request) -> Counter:
    return Counter(
        f"capture-{form.pk}",
        client_ip(request),
        getattr(settings, "CAPTURE_FORM_LIMIT", DEFAULT_LIMIT),
        getattr(settings, "CAPTURE_FORM_WINDOW", DEFAULT_WINDOW),
    )


def _too_many(counter: Counter) -> str:
    return _(
        "Too many submissions from your address. Please try again in %(minutes)d minute(s)."
    ) % {"minutes": counter.minutes_left()}


def _declared_size(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large() -> str:
    return _("The form sent is too large (at most %(kb)d KB).") % {"kb": capture.BODY_LIMIT // 1024}


def _plain_back_link(referer: str) -> str:
    return referer if referer.startswith(("https://", "http://")) and len(referer) < 2000 else ""


def _public_page(request, form, *, ok: bool, message: str, status: int, errors=()):
    return render(
        request,
        "sales/capture/thanks.html" if ok else "sales/capture/refused.html",
        {
            "capture_form": form,
            "message": message,
            "errors": list(errors),
            "back": _plain_back_link(request.headers.get("Referer", "")),
        },
        status=status,
    )


def _raw_from_post(request) -> dict:
    return {key: values[-1] if len(values) == 1 else values for key, values in request.POST.lists()}


@csrf_exempt
@never_cache
def form_submit(request, key: str):
    """A plain HTML form post from a company's site."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CaptureForm.objects.select_related("owner").filter(key=key, active=True).first()
    if form is None:
        raise Http404
    counter = _counter(form, request)
    if counter.exceeded:
        return _public_page(request, form, ok=False, message=_too_many(counter), status=429)
    counter.hit()
    if _declared_size(request) > capture.BODY_LIMIT:
        return _public_page(request, form, ok=False, message=_too_large(), status=413)
    try:
        raw = _raw_from_post(request)
    except RequestDataTooBig:
        return _public_page(request, form, ok=False, message=_too_large(), status=413)
    result = capture.submit(
        form,
        raw,
        ip=client_ip(request),
        origin=request.headers.get("Origin", ""),
        referer=request.headers.get("Referer", ""),
    )
    if result.ok:
        if form.redirect_url:
            return redirect_303(form.redirect_url)
        return _public_page(request, form, ok=True, message=result.message, status=200)
    return _public_page(
        request,
        form,
        ok=False,
        message=result.message,
        status=result.status,
        errors=result.error_list if result.status == 422 else (),
    )


def redirect_303(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _json(body: dict, status: int, allow_origin: str | None) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Vary"] = "Origin"
    if allow_origin:
        response["Access-Control-Allow-Origin"] = allow_origin
    return response


@csrf_exempt
@never_cache
def form_submit_json(request, key: str):
    """A site's own script posting JSON; CORS headers only for the form's allowed sites."""
    if request.method not in ("POST", "OPTIONS"):
        return HttpResponseNotAllowed(["POST", "OPTIONS"])
    form = CaptureForm.objects.select_related("owner").filter(key=key, active=True).first()
    if form is None:
        return _json({"detail": _("There is no such form.")}, 404, None)
    origin = request.headers.get("Origin", "")
    allow = capture.cors_origin(form, origin)
    refused_origin = _("This form does not accept submissions from this site.")
    if request.method == "OPTIONS":
        if allow is None:
            return _json({"detail": refused_origin}, 403, None)
        response = HttpResponse(status=204)
        response["Vary"] = "Origin"
        response["Access-Control-Allow-Origin"] = allow
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        return response
    if origin and allow is None:
        return _json({"detail": refused_origin}, 403, None)
    counter = _counter(form, request)
    if counter.exceeded:
        return _json({"detail": _too_many(counter)}, 429, allow)
    counter.hit()
    if _declared_size(request) > capture.BODY_LIMIT:
        return _json({"detail": _too_large()}, 413, allow)
    try:
        body = request.body
    except RequestDataTooBig:
        return _json({"detail": _too_large()}, 413, allow)
    if len(body) > capture.BODY_LIMIT:
        return _json({"detail": _too_large()}, 413, allow)
    try:
        raw = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        return _json({"detail": _("The request body is not valid JSON.")}, 400, allow)
    if not isinstance(raw, dict):
        return _json({"detail": _("Send the form's fields as a JSON object.")}, 422, allow)
    result = capture.submit(
        form, raw, ip=client_ip(request), origin=origin, referer=request.headers.get("Referer", "")
    )
    if result.ok:
        return _json({"ok": True, "message": result.message}, 200, allow)
    body_out: dict = {"detail": result.message}
    if result.status == 422:
        body_out["errors"] = result.errors
    return _json(body_out, result.status, allow)


# -- settings pages ------------------------------------------------------------------------------


def administrators_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_administrator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _form_page(request, template: str, context: dict):
    return render(request, template, context, status=422 if request.method == "POST" else 200)


@administrators_only
def forms_list(request):
    rows = CaptureForm.objects.select_related("owner").order_by("name", "id")
    return render(request, "sales/capture/forms.html", {"capture_forms": rows})


@administrators_only
@require_http_methods(["GET", "POST"])
def form_create(request):
    form = CaptureFormSettings(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = capture.create_form(request.user, form.to_data())
        except InputErrors as error:
            form.show_errors(error)
        else:
            messages.success(
                request, _("The web form was created. Copy its HTML into your site's page.")
            )
            return redirect("sales:form_edit", created.pk)
    return _form_page(request, "sales/capture/form_edit.html", {"form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def form_edit(request, pk: int):
    capture_form = get_object_or_404(CaptureForm, pk=pk)
    form = CaptureFormSettings(request.POST or None, instance=capture_form)
    if request.method == "POST" and form.is_valid():
        try:
            capture.update_form(request.user, capture_form, form.to_data())
        except InputErrors as error:
            form.show_errors(error)
        else:
            messages.success(request, _("The web form was saved."))
            return redirect("sales:form_edit", capture_form.pk)
    if request.method == "POST":
        capture_form.refresh_from_db()  # the snippet shows what is stored, not the refused edit
    base = _base_url(request)
    return _form_page(
        request,
        "sales/capture/form_edit.html",
        {
            "form": form,
            "capture_form": capture_form,
            "snippet": capture.render_snippet(capture_form, base),
            "fetch_example": capture.render_fetch_example(capture_form, base),
            "submit_url": capture.submit_url(capture_form, base),
            "json_url": capture.json_url(capture_form, base),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def form_delete(request, pk: int):
    capture_form = get_object_or_404(CaptureForm, pk=pk)
    if request.method == "POST":
        capture.delete_form(request.user, capture_form)
        messages.success(request, _("The web form was deleted; its leads are kept."))
        return redirect("sales:forms")
    return render(
        request,
        "sales/capture/form_delete.html",
        {"capture_form": capture_form, "leads": capture_form.leads.count()},
    )


@administrators_only
@require_POST
def form_rotate(request, pk: int):
    capture_form = get_object_or_404(CaptureForm, pk=pk)
    capture.rotate_key(request.user, capture_form)
    text = _("The form has a new address: paste the new HTML into your site.")
    messages.success(request, text)
    return redirect("sales:form_edit", capture_form.pk)


def _source_labels() -> dict[str, str]:
    return {key: str(label) for key, label in SOURCES}


@administrators_only
def rules(request):
    rows = list(AssignmentRule.objects.select_related("product").order_by("order", "id"))
    user_ids = {pk for rule in rows for pk in assignment._ids(rule.users)}
    names = {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=user_ids)}
    labels = _source_labels()
    shown = []
    for rule in rows:
        upcoming = assignment.next_user_preview(rule)
        if upcoming is not None and upcoming not in names:
            names[upcoming] = str(get_user_model().objects.get(pk=upcoming))
        shown.append(
            {
                "rule": rule,
                "source": labels.get(rule.source, rule.source),
                "users": [names.get(pk, f"#{pk}") for pk in assignment._ids(rule.users)],
                "next": names.get(upcoming) if upcoming is not None else "",
                "fallback": rule.order == assignment.FALLBACK_ORDER,
            }
        )
    return render(request, "sales/capture/rules.html", {"rows": shown})


@administrators_only
@require_http_methods(["GET", "POST"])
def rule_create(request):
    form = AssignmentRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            capture.create_rule(request.user, form.to_data())
        except InputErrors as error:
            form.show_errors(error)
        else:
            messages.success(request, _("The assignment rule was created."))
            return redirect("sales:rules")
    return _form_page(request, "sales/capture/rule_edit.html", {"form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule = get_object_or_404(AssignmentRule, pk=pk)
    form = AssignmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            capture.update_rule(request.user, rule, form.to_data())
        except InputErrors as error:
            form.show_errors(error)
        else:
            messages.success(request, _("The assignment rule was saved."))
            return redirect("sales:rules")
    return _form_page(request, "sales/capture/rule_edit.html", {"form": form, "rule": rule})


@administrators_only
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(AssignmentRule, pk=pk)
    capture.delete_rule(request.user, rule)
    messages.success(request, _("The assignment rule was deleted."))
    return redirect("sales:rules")
