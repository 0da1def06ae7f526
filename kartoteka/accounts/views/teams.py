"""Administrators' pages for teams: list, create, rename, and delete an empty team."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from .. import services
from ..admin_forms import TeamForm
from ..models import Team
from .mixins import AdministratorRequiredMixin


class TeamsView(AdministratorRequiredMixin, ListView):
    template_name = "accounts/teams.html"
    context_object_name = "teams"

    def get_queryset(self):
        return Team.objects.annotate(member_count=Count("members")).order_by("name")


class TeamFormView(AdministratorRequiredMixin, FormView):
    """Create a team, or rename the one named by `pk`."""

    template_name = "accounts/team_form.html"
    form_class = TeamForm

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(Team, pk=kwargs["pk"]) if "pk" in kwargs else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": copy.copy(self.object)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        team = services.save_team(self.object, name=form.cleaned_data["name"])
        messages.success(self.request, _("Team “%(name)s” saved.") % {"name": team.name})
        return redirect("accounts:teams")


class TeamDeleteView(AdministratorRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        team = get_object_or_404(Team, pk=pk)
        try:
            services.delete_team(team)
        except services.Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Team “%(name)s” deleted.") % {"name": team.name})
        return redirect("accounts:teams")
