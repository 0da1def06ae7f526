"""A signed-in person's own pages: profile and language, password change, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .. import services
from ..forms import PasswordChangeForm, ProfileForm, TokenForm
from ..models import ApiToken
from .mixins import never_cache_dispatch


class ProfileView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ProfileForm(instance=self.request.user))
        kwargs.setdefault("password_form", PasswordChangeForm(self.request.user))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        # A copy: a rejected form must not change the user the page header shows.
        form = ProfileForm(request.POST, instance=get_user_model().objects.get(pk=request.user.pk))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        services.update_profile(request.user, **form.cleaned_data)
        # The confirmation is already in the language just chosen.
        translation.activate(request.user.language)
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")


class PasswordChangeView(ProfileView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PasswordChangeForm(request.user, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(password_form=form))
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile")


@never_cache_dispatch
class TokensView(LoginRequiredMixin, TemplateView):
    """The raw value of a new token is rendered once, in the response to its creation, and
    never stored: the page is not cached and a reload does not show it again."""

    template_name = "accounts/tokens.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", TokenForm())
        kwargs["tokens"] = ApiToken.objects.filter(user=self.request.user)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        token, raw = services.issue_token(request.user, form.cleaned_data["name"])
        context = self.get_context_data(
            form=TokenForm(autofocus=False), new_token=token, raw_token=raw
        )
        return self.render_to_response(context, status=201)


class TokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        if services.revoke_token(request.user, pk):
            messages.success(request, _("The token has been revoked."))
        else:
            messages.error(request, _("This token does not exist or has already been revoked."))
        return redirect("accounts:tokens")
