"""The categories page: the tree (two levels) with the number of articles in each, a form to
add one, renaming or moving one, and deleting an empty one."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.platform.fields import InputErrors

from .. import services
from ..forms import CategoryForm
from ..models import ArticleCategory
from .common import editors_only, first_message


def _tree() -> list[ArticleCategory]:
    rows = list(
        ArticleCategory.objects.annotate(
            article_count=Count("articles", distinct=True),
            answer_count=Count("canned_responses", distinct=True),
        )
    )
    children: dict[int, list[ArticleCategory]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    ordered = []
    for row in rows:
        if row.parent_id is None:
            row.depth = 0
            ordered.append(row)
            for child in children.get(row.pk, []):
                child.depth = 1
                ordered.append(child)
    return ordered


@editors_only
@require_http_methods(["GET", "POST"])
def category_list(request):
    form = CategoryForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                category = services.create_category(request.user, form.to_data())
            except InputErrors as exc:
                form.show_errors(exc)
            else:
                messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
                return redirect("knowledge:categories")
        status = 422
    return render(
        request,
        "knowledge/categories.html",
        {"categories": _tree(), "form": form},
        status=status,
    )


@editors_only
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int):
    category = get_object_or_404(ArticleCategory, pk=pk)
    initial = {"name": category.name, "parent": str(category.parent_id or "")}
    if request.method != "POST":
        form = CategoryForm(initial=initial, category=category)
        return render(request, "knowledge/category_form.html", {"form": form, "category": category})
    form = CategoryForm(request.POST, category=category)
    if form.is_valid():
        try:
            services.update_category(request.user, category, form.to_data())
        except InputErrors as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("Category saved."))
            return redirect("knowledge:categories")
    return render(
        request,
        "knowledge/category_form.html",
        {"form": form, "category": category},
        status=422,
    )


@editors_only
@require_POST
def category_delete(request, pk: int):
    category = get_object_or_404(ArticleCategory, pk=pk)
    try:
        services.delete_category(request.user, category)
    except InputErrors as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, _("Category “%(name)s” deleted.") % {"name": category.name})
    return redirect("knowledge:categories")
