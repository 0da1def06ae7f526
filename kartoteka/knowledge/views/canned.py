"""Canned-response pages: the list (shared answers and the person's own), the form with a
preview of the placeholders filled, and deleting with a confirmation page."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.platform.fields import InputErrors

from .. import access, canned, services
from ..forms import CannedForm
from .common import denied, readers_only

PAGE_SIZE = 200

# What the preview fills the placeholders with (the agent is the person looking).
SAMPLE = {
    "contact": {
        "first_name": "Anna",
        "last_name": "Kowalska",
        "full_name": "Anna Kowalska",
        "email": "anna@example.com",
    },
    "company": {"name": "Acme Trading"},
    "ticket": {"number": "T-1042", "subject": "Cannot reset my password"},
}


def _placeholders() -> list[tuple[str, str]]:
    return [
        (f"{{{{ {group}.{name} }}}}", str(label))
        for group, names in canned.PLACEHOLDERS.items()
        for name, label in names.items()
    ]


@readers_only
@require_GET
def canned_list(request):
    query = request.GET.get("q", "")[:200].strip()
    scope = request.GET.get("scope", "")
    qs = access.visible_canned(request.user).select_related("category", "owner")
    if scope == "shared":
        qs = qs.filter(owner__isnull=True)
    elif scope == "mine":
        qs = qs.filter(owner=request.user)
    else:
        scope = ""
    if query:
        needle = query.lstrip("/")
        qs = qs.filter(
            Q(title__icontains=query) | Q(shortcut__istartswith=needle) | Q(body__icontains=query)
        )
    responses = list(qs.order_by("title", "id")[: PAGE_SIZE + 1])
    for response in responses:
        response.may_change = access.may_change_canned(request.user, response)
        text = " ".join(response.body.split())
        response.excerpt = text if len(text) <= 240 else text[:240].rsplit(" ", 1)[0] + "…"
    return render(
        request,
        "knowledge/canned_list.html",
        {
            "responses": responses[:PAGE_SIZE],
            "truncated": len(responses) > PAGE_SIZE,
            "q": query,
            "scope": scope,
            "may_share": access.may_edit_knowledge(request.user),
        },
    )


def _form_page(request, form, response=None, *, status=200, conflict=None, version=None):
    return render(
        request,
        "knowledge/canned_form.html",
        {
            "form": form,
            "response": response,
            "conflict": conflict,
            "version": version if version is not None else (response.version if response else ""),
            "placeholders": _placeholders(),
        },
        status=status,
    )


@readers_only
@require_http_methods(["GET", "POST"])
def canned_create(request):
    may_share = access.may_edit_knowledge(request.user)
    if request.method != "POST":
        initial = CannedForm.initial_for(None)
        initial["shared"] = may_share and request.GET.get("shared") == "1"
        form = CannedForm(initial=initial, may_share=may_share)
        form.fields["title"].widget.attrs["autofocus"] = True
        return _form_page(request, form)
    form = CannedForm(request.POST, may_share=may_share)
    if form.is_valid():
        try:
            response = services.create_canned(request.user, form.to_data())
        except InputErrors as exc:
            form.show_errors(exc)
        except services.PermissionDenied:
            raise denied()
        else:
            messages.success(request, _("Answer “%(title)s” saved.") % {"title": response.title})
            return redirect("knowledge:canned")
    return _form_page(request, form, status=422)


@readers_only
@require_http_methods(["GET", "POST"])
def canned_edit(request, pk: int):
    response = access.canned_or_404(request.user, pk)
    if not access.may_change_canned(request.user, response):
        raise denied()
    may_share = access.may_edit_knowledge(request.user)
    if request.method != "POST":
        form = CannedForm(initial=CannedForm.initial_for(response), may_share=may_share)
        return _form_page(request, form, response)
    form = CannedForm(request.POST, may_share=may_share)
    version = request.POST.get("version", "")
    if form.is_valid():
        try:
            response = services.update_canned(request.user, response, form.to_data(), version)
        except InputErrors as exc:
            form.show_errors(exc)
        except services.PermissionDenied:
            raise denied()
        except services.Conflict as exc:
            fresh = access.canned_or_404(request.user, pk)
            form.add_error(
                None,
                _(
                    "Someone else changed this answer while you were editing. Their version is "
                    "shown below; yours is kept in the form. Save again to replace theirs."
                ),
            )
            return _form_page(
                request, form, fresh, status=409, conflict=fresh, version=exc.current_version
            )
        else:
            messages.success(request, _("Answer saved."))
            return redirect("knowledge:canned")
    return _form_page(request, form, response, status=422, version=version)


@readers_only
@require_http_methods(["GET", "POST"])
def canned_delete(request, pk: int):
    response = access.canned_or_404(request.user, pk)
    if not access.may_change_canned(request.user, response):
        raise denied()
    if request.method == "POST":
        try:
            services.delete_canned(request.user, response, request.POST.get("version") or None)
        except services.Conflict:
            messages.error(
                request, _("Someone else changed this answer meanwhile; look at it first.")
            )
            return redirect("knowledge:canned_edit", pk=response.pk)
        messages.success(request, _("Answer “%(title)s” deleted.") % {"title": response.title})
        return redirect("knowledge:canned")
    return render(request, "knowledge/canned_delete.html", {"response": response})


@readers_only
@require_POST
def canned_preview(request):
    """The posted text with the sample values filled in, as an agent would send it."""
    body = request.POST.get("body", "")[: services.CANNED_BODY_MAX]
    context = {**SAMPLE, "agent": canned.agent_values(request.user)}
    rendered = canned.render_text(body, context)
    return render(request, "knowledge/_canned_preview.html", {"rendered": rendered})
