"""Administrators' pages for roles: list, create, and edit a role's grants matrix."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from .. import services
from ..admin_forms import RoleForm
from ..models import Role
from ..roles import DEFAULT_ROLES
from .mixins import AdministratorRequiredMixin


class RolesView(AdministratorRequiredMixin, ListView):
    template_name = "accounts/roles.html"
    context_object_name = "roles"

    def get_queryset(self):
        return Role.objects.annotate(user_count=Count("users")).order_by("-is_admin", "name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(builtin_keys=set(DEFAULT_ROLES), **kwargs)


class RoleFormView(AdministratorRequiredMixin, FormView):
    """Create a role, or edit the one named by `pk`."""

    template_name = "accounts/role_form.html"
    form_class = RoleForm

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(Role, pk=kwargs["pk"]) if "pk" in kwargs else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": copy.copy(self.object),
            "editor": self.request.user,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        role = services.save_role(
            self.object,
            name=form.cleaned_data["name"],
            key=form.cleaned_data["key"],
            is_admin=form.cleaned_data["is_admin"],
            grants=form.grants(),
        )
        messages.success(self.request, _("Role “%(name)s” saved.") % {"name": role.display_name})
        return redirect("accounts:roles")
