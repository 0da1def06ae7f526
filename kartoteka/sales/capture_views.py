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

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.accounts.throttle import Counter, client_ip
from kartoteka.contacts.entities import SOURCES
from kartoteka.customization.views import administrators_only
from kartoteka.platform.fields import InputErrors

from . import assignment, capture, capture_settings
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


def _open_form(key: str) -> CaptureForm | None:
    return CaptureForm.objects.select_related("owner").filter(key=key, active=True).first()


class Refused(Exception):
    """A submission refused before `capture.submit` sees it."""

    def __init__(self, status: int, message: str):
        super().__init__(status, message)
        self.status = status
        self.message = message


def _count_attempt(request, form: CaptureForm) -> None:
    """Count the attempt; Refused past the rate limit or when the request announces more
    than a form sends (before its body is read)."""
    counter = _counter(form, request)
    if counter.exceeded:
        raise Refused(429, _too_many(counter))
    counter.hit()
    if _declared_size(request) > capture.BODY_LIMIT:
        raise Refused(413, capture.too_large_message())


def _submit(request, form: CaptureForm, raw) -> capture.CaptureResult:
    return capture.submit(
        form,
        raw,
        ip=client_ip(request),
        origin=request.headers.get("Origin", ""),
        referer=request.headers.get("Referer", ""),
    )


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
@require_POST
def form_submit(request, key: str):
    """A plain HTML form post from a company's site."""
    form = _open_form(key)
    if form is None:
        raise Http404
    try:
        _count_attempt(request, form)
        try:
            raw = _raw_from_post(request)
        except RequestDataTooBig:
            raise Refused(413, capture.too_large_message())
    except Refused as refused:
        return _public_page(request, form, ok=False, message=refused.message, status=refused.status)
    result = _submit(request, form, raw)
    if result.ok:
        if form.redirect_url:  # 303: the browser follows with a GET
            return HttpResponseRedirect(form.redirect_url, status=303)
        return _public_page(request, form, ok=True, message=result.message, status=200)
    return _public_page(
        request,
        form,
        ok=False,
        message=result.message,
        status=result.status,
        errors=result.error_list if result.status == 422 else (),
    )


def _json(body: dict, status: int, allow_origin: str | None) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Vary"] = "Origin"
    if allow_origin:
        response["Access-Control-Allow-Origin"] = allow_origin
    return response


def _preflight(allow: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Vary"] = "Origin"
    response["Access-Control-Allow-Origin"] = allow
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "600"
    return response


def _json_body(request):
    """The parsed body; Refused when it is too large or not JSON."""
    try:
        body = request.body
    except RequestDataTooBig:
        body = None
    if body is None or len(body) > capture.BODY_LIMIT:
        raise Refused(413, capture.too_large_message())
    try:
        return json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, _("The request body is not valid JSON."))


@csrf_exempt
@never_cache
@require_http_methods(["POST", "OPTIONS"])
def form_submit_json(request, key: str):
    """A site's own script posting JSON; CORS headers only for the form's allowed sites."""
    form = _open_form(key)
    if form is None:
        return _json({"detail": _("There is no such form.")}, 404, None)
    origin = request.headers.get("Origin", "")
    allow = capture.cors_origin(form, origin)
    if allow is None and (origin or request.method == "OPTIONS"):
        # not counted: a site the form does not list cannot use up its visitors' limit
        detail = _("This form does not accept submissions from this site.")
        return _json({"detail": detail}, 403, None)
    if request.method == "OPTIONS":
        return _preflight(allow)
    try:
        _count_attempt(request, form)
        raw = _json_body(request)
    except Refused as refused:
        return _json({"detail": refused.message}, refused.status, allow)
    result = _submit(request, form, raw)
    if result.ok:
        return _json({"ok": True, "message": result.message}, 200, allow)
    body: dict = {"detail": result.message}
    if result.status == 422:
        body["errors"] = result.errors
    return _json(body, result.status, allow)


# -- settings pages ------------------------------------------------------------------------------


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _form_page(request, template: str, context: dict):
    """A settings form; answered with 422 when it comes back from a refused POST."""
    return render(request, template, context, status=422 if request.method == "POST" else 200)


def _save(request, form, action, success: str):
    """Run a settings service with a valid form's data: its result, or None when the form
    or the service refused (the service's messages are then shown on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(request.user, form.to_data())
    except InputErrors as error:
        form.show_errors(error)
        return None
    messages.success(request, success)
    return result


@administrators_only
def forms_list(request):
    rows = CaptureForm.objects.select_related("owner").order_by("name", "id")
    return render(request, "sales/capture/forms.html", {"capture_forms": rows})


@administrators_only
@require_http_methods(["GET", "POST"])
def form_create(request):
    form = CaptureFormSettings(request.POST or None)
    success = _("The web form was created. Copy its HTML into your site's page.")
    created = _save(request, form, capture_settings.create_form, success)
    if created is not None:
        return redirect("sales:form_edit", created.pk)
    return _form_page(request, "sales/capture/form_edit.html", {"form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def form_edit(request, pk: int):
    capture_form = get_object_or_404(CaptureForm, pk=pk)
    form = CaptureFormSettings(request.POST or None, instance=capture_form)

    def update(user, data):
        return capture_settings.update_form(user, capture_form, data)

    if _save(request, form, update, _("The web form was saved.")) is not None:
        return redirect("sales:form_edit", capture_form.pk)
    # a refused edit changed nothing: the snippet shows the stored form
    base = _base_url(request)
    fields = capture.form_fields(capture_form)
    return _form_page(
        request,
        "sales/capture/form_edit.html",
        {
            "form": form,
            "capture_form": capture_form,
            "snippet": capture_settings.render_snippet(capture_form, base, fields),
            "fetch_example": capture_settings.render_fetch_example(capture_form, base, fields),
            "submit_url": capture_settings.submit_url(capture_form, base),
            "json_url": capture_settings.json_url(capture_form, base),
        },
    )


@administrators_only
@require_http_methods(["GET", "POST"])
def form_delete(request, pk: int):
    capture_form = get_object_or_404(CaptureForm, pk=pk)
    if request.method == "POST":
        capture_settings.delete_form(request.user, capture_form)
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
    capture_settings.rotate_key(request.user, capture_form)
    text = _("The form has a new address: paste the new HTML into your site.")
    messages.success(request, text)
    return redirect("sales:form_edit", capture_form.pk)


@administrators_only
def rules(request):
    rows = list(AssignmentRule.objects.select_related("product").order_by("order", "id"))
    upcoming = assignment.next_users_preview(rows)
    wanted = {pk for rule in rows for pk in assignment.user_ids(rule)}
    wanted |= {pk for pk in upcoming.values() if pk is not None}
    names = {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=wanted)}
    sources = {key: str(label) for key, label in SOURCES}
    shown = [
        {
            "rule": rule,
            "source": sources.get(rule.source, rule.source),
            "users": [names.get(pk, f"#{pk}") for pk in assignment.user_ids(rule)],
            "next": names.get(upcoming[rule.pk], ""),
            "fallback": rule.order == assignment.FALLBACK_ORDER,
        }
        for rule in rows
    ]
    return render(request, "sales/capture/rules.html", {"rows": shown})


@administrators_only
@require_http_methods(["GET", "POST"])
def rule_create(request):
    form = AssignmentRuleForm(request.POST or None)
    success = _("The assignment rule was created.")
    if _save(request, form, capture_settings.create_rule, success) is not None:
        return redirect("sales:rules")
    return _form_page(request, "sales/capture/rule_edit.html", {"form": form})


@administrators_only
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule = get_object_or_404(AssignmentRule, pk=pk)
    form = AssignmentRuleForm(request.POST or None, instance=rule)

    def update(user, data):
        return capture_settings.update_rule(user, rule, data)

    if _save(request, form, update, _("The assignment rule was saved.")) is not None:
        return redirect("sales:rules")
    return _form_page(request, "sales/capture/rule_edit.html", {"form": form, "rule": rule})


@administrators_only
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(AssignmentRule, pk=pk)
    capture_settings.delete_rule(request.user, rule)
    messages.success(request, _("The assignment rule was deleted."))
    return redirect("sales:rules")
