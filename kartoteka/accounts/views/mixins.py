"""Who may open a page, and the form-page helpers the accounts views share."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from ..throttle import public_form_counter


class AdministratorRequiredMixin(LoginRequiredMixin):
    """Anonymous visitors go to the log-in page; signed-in non-administrators get 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_administrator:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RateLimitedFormMixin:
    """Counts every submission of a public form per client address; past the limit the form
    is shown again with `refusal` set and HTTP 429, and nothing else happens."""

    rate_limit_form = ""
    refusal_message = ""

    def post(self, request, *args, **kwargs):
        counter = public_form_counter(self.rate_limit_form, request)
        if counter.exceeded:
            form = self.get_form_class()(initial=request.POST.dict())
            context = self.get_context_data(form=form, refusal=self.refusal_message)
            return self.render_to_response(context, status=429)
        counter.hit()
        return super().post(request, *args, **kwargs)


never_cache_dispatch = method_decorator(never_cache, name="dispatch")
