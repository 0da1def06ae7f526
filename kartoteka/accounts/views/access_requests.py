"""Administrators' pages for requests for access: the pending list, approving (which creates
the user and emails a set-password link) and rejecting."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from .. import mail, services
from ..admin_forms import ApproveAccessForm
from ..models import AccessRequest
from .mixins import AdministratorRequiredMixin

RECENT_DECISIONS = 20


class AccessRequestsView(AdministratorRequiredMixin, TemplateView):
    template_name = "accounts/access_requests.html"

    def get_context_data(self, **kwargs):
        requests = AccessRequest.objects.select_related("decided_by", "user")
        pending = requests.filter(status=AccessRequest.Status.PENDING).order_by("created_at")
        decided = requests.exclude(status=AccessRequest.Status.PENDING).order_by("-decided_at")
        return super().get_context_data(
            pending=pending, decided=decided[:RECENT_DECISIONS], **kwargs
        )


class PendingRequestMixin:
    """Loads the request named by `pk`; one already decided sends the admin back to the list.
    Comes after AdministratorRequiredMixin, so only administrators get this far."""

    def dispatch(self, request, *args, **kwargs):
        self.access_request = get_object_or_404(AccessRequest, pk=kwargs["pk"])
        if self.access_request.status != AccessRequest.Status.PENDING:
            messages.error(request, _("This request has already been decided."))
            return redirect("accounts:access_requests")
        return super().dispatch(request, *args, **kwargs)


class ApproveView(AdministratorRequiredMixin, PendingRequestMixin, FormView):
    template_name = "accounts/access_request_approve.html"
    form_class = ApproveAccessForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "access_request": self.access_request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(access_request=self.access_request, **kwargs)

    def form_valid(self, form):
        try:
            user = services.approve_access_request(
                self.access_request.pk, by=self.request.user, **form.cleaned_data
            )
        except services.Refused as refused:
            messages.error(self.request, refused.message)
            return redirect("accounts:access_requests")
        if mail.send_welcome(user, self.request):
            text = _("Access granted: %(username)s was sent a link to set a password.")
            messages.success(self.request, text % {"username": user.username})
        else:
            text = _(
                "Access granted to %(username)s, but the email could not be sent. They can "
                "use “Forgot your password?” on the log-in page once mail works."
            )
            messages.warning(self.request, text % {"username": user.username})
        return redirect("accounts:access_requests")


class RejectView(AdministratorRequiredMixin, PendingRequestMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            services.reject_access_request(pk, by=request.user)
        except services.Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("The request from %(email)s was rejected.")
                % {"email": self.access_request.email},
            )
        return redirect("accounts:access_requests")
